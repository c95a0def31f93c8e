// np_pop_fifo.v - HAND-WRITTEN spike FIFO with an AXI4-Stream master side.
//
// The population core pushes one spike beat per cycle at most and stops its datapath
// while `full` is 1 (back-pressure reaches the datapath, nothing is dropped).  The
// output beat holds still while m_tvalid = 1 and m_tready = 0 (AXI4-Stream rule).
`timescale 1ns / 1ps
`default_nettype none

module np_pop_fifo #(
    parameter integer W = 32,           // beat width
    parameter integer AW = 4            // log2(depth); depth = 2^AW
) (
    input  wire clk,
    input  wire rst,                    // synchronous, active high: empties the FIFO
    input  wire push,                   // write in_data (ignored while full)
    input  wire [W-1:0] in_data,
    output wire full,
    output wire m_tvalid,
    input  wire m_tready,
    output wire [W-1:0] m_tdata
);
    reg [W-1:0] mem [0:(1 << AW) - 1];
    reg [AW:0] wr_ptr, rd_ptr;
    localparam [AW:0] ONE = 1;

    assign full = (wr_ptr[AW] != rd_ptr[AW]) & (wr_ptr[AW-1:0] == rd_ptr[AW-1:0]);
    assign m_tvalid = (wr_ptr != rd_ptr);
    assign m_tdata = mem[rd_ptr[AW-1:0]];

    always @(posedge clk) begin
        if (push & ~full)
            mem[wr_ptr[AW-1:0]] <= in_data;
    end

    always @(posedge clk) begin
        if (rst) begin
            wr_ptr <= {(AW + 1){1'b0}};
            rd_ptr <= {(AW + 1){1'b0}};
        end else begin
            if (push & ~full)
                wr_ptr <= wr_ptr + ONE;
            if (m_tvalid & m_tready)
                rd_ptr <= rd_ptr + ONE;
        end
    end
endmodule

`default_nettype wire
