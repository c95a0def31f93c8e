// np_pop_ctrl.v - HAND-WRITTEN sweep controller of a neuroplug population core.
//
// Serves N neurons in turn over one pipelined update datapath (neuroplug export MODEL
// --neurons N generates the datapath around this module).  One neuron enters the
// pipeline every II cycles ("ticks": cycles with adv = 1); its state is read from the
// state RAM when it enters and written back D ticks later.
//
//  - step: a one-cycle strobe starts a time step (a sweep over neurons 0..N-1) when
//    step_ready = 1; a strobe while not ready is dropped and sets the sticky overrun.
//    A new sweep may start while the previous one drains (back-to-back steps).
//  - hazard interlock: neuron i is not read while an update of neuron i is still in
//    flight (issued, not yet written back): with N * II > D this never happens, for
//    smaller N the read waits.  `ifdef FORMAL` below states the property for yosys sat.
//  - init: after rst (and on init_req, once idle) every neuron is re-initialised, one
//    per cycle (init_we / init_idx), before any step is accepted.
//  - step_count counts completed steps (the write-back of neuron N-1).
`timescale 1ns / 1ps
`default_nettype none

module np_pop_ctrl #(
    parameter integer N = 256,          // neurons, 1 <= N <= 2^IW
    parameter integer II = 1,           // ticks per neuron (initiation interval), >= 1
    parameter integer D = 8,            // ticks from a read to its write-back, >= 2
    parameter integer IW = 8,           // neuron index width
    parameter integer PW = 1,           // phase counter width, 2^PW >= II
    parameter integer INTERLOCK = 1     // 0 only for the formal demonstration
) (
    input  wire clk,
    input  wire rst,                    // synchronous, active high
    input  wire adv,                    // the datapath advances this cycle
    input  wire step,                   // start a time step
    input  wire init_req,               // re-initialise all neurons (taken when idle)
    input  wire clear,                  // clear the sticky overrun
    output reg  [PW-1:0] ph,            // phase: a neuron may enter when ph == 0
    output wire issue,                  // neuron rd_idx enters the pipeline (when adv)
    output reg  [IW-1:0] rd_idx,        // next neuron to read in this sweep
    output reg  reading,                // a sweep is reading neurons
    output wire wb_v,                   // write-back of neuron wb_idx this cycle (when adv)
    output wire [IW-1:0] wb_idx,
    output reg  initialising,
    output wire init_we,
    output reg  [IW-1:0] init_idx,
    output wire step_ready,
    output wire busy,
    output reg  overrun,
    output reg  [31:0] step_count,
    output wire step_done               // the last neuron of a sweep is written back
);
    localparam integer LAST_I = N - 1;
    localparam integer PH_LAST_I = II - 1;
    localparam [IW-1:0] LAST = LAST_I[IW-1:0];
    localparam [PW-1:0] PH_LAST = PH_LAST_I[PW-1:0];
    localparam [PW-1:0] PH_ONE = 1;
    localparam [IW-1:0] IDX_ONE = 1;

    reg [D-1:0] tag_v;                  // tag_v[d]: a neuron entered d+1 ticks ago
    reg [IW-1:0] tag_i [0:D-1];
    reg init_pending;

    // in flight: entered, not yet written back (tag D-1 is written back this tick)
    wire [D-1:0] hit;
    genvar d;
    generate
        for (d = 0; d < D; d = d + 1) begin : g_hit
            assign hit[d] = tag_v[d] & (tag_i[d] == rd_idx);
        end
    endgenerate
    wire conflict = (INTERLOCK != 0) & (|hit);

    assign issue = reading & (ph == {PW{1'b0}}) & ~conflict;
    assign wb_v = tag_v[D-1];
    assign wb_idx = tag_i[D-1];
    assign init_we = initialising;
    assign step_ready = ~reading & ~initialising & ~init_pending;
    assign busy = reading | initialising | (|tag_v);
    assign step_done = adv & wb_v & (wb_idx == LAST);

    integer k;
    always @(posedge clk) begin
        if (adv) begin
            tag_i[0] <= rd_idx;
            for (k = 1; k < D; k = k + 1)
                tag_i[k] <= tag_i[k - 1];
        end
    end

    always @(posedge clk) begin
        if (rst) begin
            ph <= {PW{1'b0}};
            tag_v <= {D{1'b0}};
            reading <= 1'b0;
            rd_idx <= {IW{1'b0}};
            initialising <= 1'b1;
            init_idx <= {IW{1'b0}};
            init_pending <= 1'b0;
            overrun <= 1'b0;
            step_count <= 32'd0;
        end else begin
            if (adv) begin
                ph <= (ph == PH_LAST) ? {PW{1'b0}} : ph + PH_ONE;
                tag_v <= {tag_v[D-2:0], issue};
                if (issue) begin
                    rd_idx <= (rd_idx == LAST) ? {IW{1'b0}} : rd_idx + IDX_ONE;
                    if (rd_idx == LAST)
                        reading <= 1'b0;
                end
                if (step_done)
                    step_count <= step_count + 32'd1;
            end
            if (step & step_ready) begin
                reading <= 1'b1;
                rd_idx <= {IW{1'b0}};
            end
            if (clear)
                overrun <= 1'b0;
            if (step & ~step_ready)
                overrun <= 1'b1;
            if (initialising) begin
                init_idx <= (init_idx == LAST) ? {IW{1'b0}} : init_idx + IDX_ONE;
                if (init_idx == LAST)
                    initialising <= 1'b0;
            end else if (init_req | init_pending) begin
                if (~reading & ~(|tag_v) & ~(step & step_ready)) begin
                    initialising <= 1'b1;
                    init_idx <= {IW{1'b0}};
                    init_pending <= 1'b0;
                end else begin
                    init_pending <= 1'b1;
                end
            end
        end
    end

`ifdef FORMAL
    // Hazard property (yosys: read_verilog -formal; sat -prove-asserts): for any neuron
    // fa, count the updates in flight (read, not yet written back).  A read of fa needs
    // 0 in flight, a write-back of fa exactly 1, an init write of fa 0.
    (* anyconst *) reg [IW-1:0] fa;
    reg [3:0] pending;
    wire rd_fa = adv & issue & (rd_idx == fa);
    wire wb_fa = adv & wb_v & (wb_idx == fa);
    always @(posedge clk) begin
        if (rst)
            pending <= 4'd0;
        else
            pending <= pending + {3'd0, rd_fa} - {3'd0, wb_fa};
    end
    always @* begin
        if (!rst) begin
            if (rd_fa) assert (pending == 4'd0);
            if (wb_fa) assert (pending == 4'd1);
            if (init_we && init_idx == fa) assert (pending == 4'd0);
            assert (fa >= N || pending <= 4'd1);
        end
    end
`endif
endmodule

`default_nettype wire
