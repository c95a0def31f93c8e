// np_q8_8_lif.v - HAND-WRITTEN (not generated). Seed-compatible fixed-point LIF.
// The parameter defaults below are the seed's. `neuroplug export MODEL --format q8_8` writes
// a copy with the model's values as defaults, plus a wrapper module that ties leak_k,
// gain_k and noise_in to the model's constants (neuroplug/hw/q88.py, q88_verilog).
//
// The semantics of the seed's FixedPointLIFNeuron (sc_lif_neuron), one time step per
// rising clk edge with en = 1:
//   refractory counter > 0:  counter -= 1, v = V_REST, no spike
//   otherwise:               v_next = wrap_W(v + ((V_REST - v) * leak_k >>> FRACTION)
//                                              + ((i_in * gain_k) >>> FRACTION) + noise_in)
//                            v_next >= V_THRESHOLD: spike, v = V_RESET,
//                                                   counter = REFRACTORY_PERIOD
// All values are signed Q(DATA_WIDTH-FRACTION).FRACTION; Q8.8 by default.  The wrap is
// the seed's masking to DATA_WIDTH bits; ovf (sticky) records that it happened.
// Bit-true model: neuroplug.hw.bittrue.SeedQ88LIF.
`timescale 1ns / 1ps
`default_nettype none

module np_q8_8_lif #(
    parameter integer DATA_WIDTH = 16,          // bits of v and of every input
    parameter integer FRACTION = 8,             // fractional bits (Q8.8)
    parameter signed [DATA_WIDTH-1:0] V_REST = 0,        // resting potential
    parameter signed [DATA_WIDTH-1:0] V_RESET = 0,       // value after a spike
    parameter signed [DATA_WIDTH-1:0] V_THRESHOLD = 256, // spike when v_next >= this (1.0)
    parameter integer REFRACTORY_PERIOD = 2      // steps held at V_REST after a spike
) (
    input  wire clk,
    input  wire rst,                              // synchronous, active high
    input  wire en,                               // one time step per cycle with en = 1
    input  wire signed [DATA_WIDTH-1:0] leak_k,   // ALPHA_LEAK in Q.FRACTION
    input  wire signed [DATA_WIDTH-1:0] gain_k,   // GAIN_IN in Q.FRACTION
    input  wire signed [DATA_WIDTH-1:0] i_in,     // input current in Q.FRACTION
    input  wire signed [DATA_WIDTH-1:0] noise_in, // external noise in Q.FRACTION
    output reg  spike,                            // 1 for the cycle after a firing step
    output reg  signed [DATA_WIDTH-1:0] v,        // membrane potential
    output reg  ovf                               // sticky: the sum wrapped
);
    localparam integer W = DATA_WIDTH;
    localparam integer PW = 3 * DATA_WIDTH;       // exact for any W-bit operands
    localparam integer CW = (REFRACTORY_PERIOD > 0) ? $clog2(REFRACTORY_PERIOD + 1) : 1;
    localparam [CW-1:0] REFRACTORY = REFRACTORY_PERIOD[CW-1:0];
    localparam [CW-1:0] CNT_ONE = {{(CW-1){1'b0}}, 1'b1};

    reg [CW-1:0] cnt;

    wire signed [PW-1:0] v_x     = {{(PW-W){v[W-1]}}, v};
    wire signed [PW-1:0] rest_x  = {{(PW-W){V_REST[W-1]}}, V_REST};
    wire signed [PW-1:0] leak_x  = {{(PW-W){leak_k[W-1]}}, leak_k};
    wire signed [PW-1:0] gain_x  = {{(PW-W){gain_k[W-1]}}, gain_k};
    wire signed [PW-1:0] in_x    = {{(PW-W){i_in[W-1]}}, i_in};
    wire signed [PW-1:0] noise_x = {{(PW-W){noise_in[W-1]}}, noise_in};

    wire signed [PW-1:0] diff    = rest_x - v_x;
    wire signed [PW-1:0] dv_leak = (diff * leak_x) >>> FRACTION;
    wire signed [PW-1:0] dv_in   = (in_x * gain_x) >>> FRACTION;
    wire signed [PW-1:0] sum     = v_x + dv_leak + dv_in + noise_x;
    wire signed [W-1:0]  v_next  = sum[W-1:0];   // wrap-around to W bits
    wire wrapped = (sum != {{(PW-W){v_next[W-1]}}, v_next});
    wire fire = (v_next >= V_THRESHOLD);

    always @(posedge clk) begin
        if (rst) begin
            v <= V_REST;
            cnt <= {CW{1'b0}};
            spike <= 1'b0;
            ovf <= 1'b0;
        end else if (en) begin
            if (cnt != {CW{1'b0}}) begin
                cnt <= cnt - CNT_ONE;
                v <= V_REST;
                spike <= 1'b0;
            end else begin
                ovf <= ovf | wrapped;
                spike <= fire;
                if (fire) begin
                    v <= V_RESET;
                    cnt <= REFRACTORY;
                end else begin
                    v <= v_next;
                end
            end
        end else begin
            spike <= 1'b0;
        end
    end
endmodule

`default_nettype wire
