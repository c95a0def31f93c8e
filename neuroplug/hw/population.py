"""Population cores: one pipelined update datapath that serves N neurons in turn.

``neuroplug export MODEL --neurons N`` writes ``<module>_pop.v``: the state of every
neuron lives in a block RAM (one read and one write per cycle), the input of every
neuron in one more, and one pipelined datapath updates one neuron every ``II`` cycles
with exactly the arithmetic of the single-neuron module (the same spec, executed by
:class:`~neuroplug.hw.bittrue.BitTrue`).  Resources grow with the memories, not with N.

Datapath.  Every non-constant term ``c * f1 * f2 * [2^y]`` of the update becomes a chain
of multiplications (``K*f1``, then ``(K f1)*f2``, ...); the exp() argument of an AdEx
term is one more.  ``lanes`` identical signed multipliers, each built from 16x16 limb
products (one iCE40 SB_MAC16 each; low limbs 15 bits unsigned, the top limb signed),
run one multiplication per cycle each; a static schedule puts every multiplication in
one of the ``II`` slots of a neuron (a chained multiplication waits for its operand),
so the core updates one neuron per ``II`` cycles.  Constant terms are folded into one
constant per state.  Each product is rounded and added into a per-lane accumulator
with the term's own shift (the rounding is the carry-in), then the accumulators, the
state with its guard bits and the constant are summed, rounded, brought into range,
and threshold, reset and the refractory counter are applied as in the
single-neuron module.  :func:`plan` chooses ``lanes`` and ``II`` for a DSP budget.

Control (hand-written ``hw/rtl/np_pop_ctrl.v``): sweep sequencer, hazard interlock
(a neuron is not read while its update is in flight), step counter, initialisation.
Spikes leave through ``hw/rtl/np_pop_fifo.v`` (AXI4-Stream; a full FIFO stops the
datapath: nothing is dropped).  See docs/hardware.md, "Population cores".
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__
from .fixedpoint import round_shift
from .verilog import _fit, _lit, _Writer

__all__ = [
    "CTRL_FILES",
    "MAX_NEURONS",
    "REGISTERS",
    "UP5K_DSP",
    "Op",
    "Plan",
    "export_population",
    "plan",
    "population_module",
    "population_verilog",
]

#: largest N (the neuron index travels in 16-bit stream fields)
MAX_NEURONS = 65536
#: SB_MAC16 blocks of an iCE40 UP5K: the default DSP budget of :func:`plan`
UP5K_DSP = 8
#: hand-written modules every population core instantiates (copied next to it)
CTRL_FILES = ("np_pop_ctrl.v", "np_pop_fifo.v")
#: register port (word addresses) -> (name, access, meaning)
REGISTERS = {
    0: ("CTRL", "W", "bit 0 step, bit 1 clear the sticky flags (ovf, overrun, in_err), "
        "bit 2 re-initialise every neuron and input"),
    1: ("STATUS", "R", "bit 0 busy, bit 1 ovf, bit 2 overrun, bit 3 in_err, bit 4 "
        "initialising, bit 5 step_ready"),
    2: ("STEPS", "R", "completed time steps"),
    3: ("CONFIG", "R", "bits 15:0 N - 1, bits 23:16 II (cycles per neuron), bits 31:24 lanes"),
    4: ("STALLS", "R", "cycles the datapath waited for the spike stream (back-pressure)"),
    5: ("DT_NS", "R", "model time step in ns"),
}

#: pipeline stages after the product: exp argument (3 registers, then the shifted LUT)
_EXP_STAGES = 4
_LIMB = 15


def _limbs(width: int) -> int:
    """16x16 products a signed ``width``-bit operand splits into (15-bit low limbs)."""
    return 1 if width <= 16 else 1 + math.ceil((width - 16) / _LIMB)


def _clog2(n: int) -> int:
    return max(1, (n - 1).bit_length())


@dataclass
class Op:
    """One multiplication of the update: ``a * b``, exact (``width`` bits)."""

    name: str
    kind: str                # "acc" (rounded into state's accumulator), "chain", "exp"
    state: str               # the state whose update the term belongs to
    term: str                # the term's label
    a: tuple                 # ("k", value, width) or ("cr", op name, width)
    b: tuple                 # ("sig", signal, width) or ("e", exp name, width)
    width: int               # product width
    shift: int = 0           # "acc": right shift to the accumulator's fraction
    after: list = field(default_factory=list)   # [(producer op, "chain" | "exp")]
    exp: str | None = None   # "exp": the exp unit it feeds
    slot: int = -1
    lane: int = -1

    @property
    def big(self) -> int:
        return max(self.a[2], self.b[2])

    @property
    def small(self) -> int:
        return min(self.a[2], self.b[2])


@dataclass
class Plan:
    """Lanes, schedule and pipeline depths of a population core (see :func:`plan`)."""

    ops: list
    constants: dict          # state -> folded constant terms (accumulator LSBs)
    exps: dict               # exp unit name -> (exp dict of the spec, arg op name)
    lanes: int
    ii: int                  # cycles per neuron update
    wa: int                  # lane operand widths
    wb: int
    tree_stages: int         # register stages of the limb-product sum
    levels_per_stage: int
    dsp_budget: int | None

    @property
    def dsp_per_lane(self) -> int:
        return _limbs(self.wa) * _limbs(self.wb)

    @property
    def dsp(self) -> int:
        return self.lanes * self.dsp_per_lane

    @property
    def lm(self) -> int:
        """Ticks from a slot to its product: operand register, limb products, sum tree."""
        return 2 + self.tree_stages

    @property
    def depth(self) -> int:
        """Ticks from a neuron's read to its write-back (``D`` of np_pop_ctrl)."""
        return self.ii + self.lm + 5

    def summary(self) -> dict:
        return {"lanes": self.lanes, "ii": self.ii, "lane_width": [self.wa, self.wb],
                "dsp_per_lane": self.dsp_per_lane, "dsp": self.dsp,
                "dsp_budget": self.dsp_budget, "multiplications": len(self.ops),
                "product_latency": self.lm, "depth": self.depth,
                "schedule": [{"op": o.name, "kind": o.kind, "state": o.state,
                              "term": o.term, "lane": o.lane, "slot": o.slot,
                              "width": o.width} for o in self.ops]}


def _ops(spec: dict) -> tuple[list, dict, dict]:
    """The multiplications of ``spec``'s update, its folded constants and exp units."""
    width = {s["name"]: s["format"]["width"] for s in spec["states"]}
    width.update({i["name"]: i["format"]["width"] for i in spec["inputs"]})
    ops, constants, exps = [], {}, {}
    for s in spec["states"]:
        x = s["name"]
        constants[x] = 0
        for ti, t in enumerate(s["terms"]):
            if not t["factors"] and not t["exp"]:
                constants[x] += round_shift(t["k"], t["shift"], spec["rounding"])
                continue
            seq = [("sig", f, width[f]) for f in t["factors"]]
            ename = None
            if t["exp"]:
                e = t["exp"]
                ename = f"{x}_t{ti}"
                arg = Op(f"{x}_t{ti}_y", "exp", x, t["label"],
                         ("k", e["ka"], e["ka_format"]["width"]),
                         ("sig", e["var"], width[e["var"]]),
                         e["ka_format"]["width"] + width[e["var"]], exp=ename)
                ops.append(arg)
                exps[ename] = (e, arg.name)
                seq.append(("e", ename, e["width"]))
            prev = ("k", t["k"], t["k_format"]["width"])
            for i, b in enumerate(seq):
                last = i == len(seq) - 1
                op = Op(f"{x}_t{ti}_m{i}", "acc" if last else "chain", x, t["label"], prev, b,
                        prev[2] + b[2], shift=t["shift"] if last else 0)
                if prev[0] == "cr":
                    op.after.append((prev[1], "chain"))
                if b[0] == "e":
                    op.after.append((exps[b[1]][1], "exp"))
                ops.append(op)
                prev = ("cr", op.name, op.width)
            assert prev[2] == t["product_width"], (t["label"], prev, t["product_width"])
    return ops, constants, exps


def _schedule(ops: list, lanes: int, ii: int, lm: int) -> bool:
    """List-schedule ``ops`` into ``ii`` slots of ``lanes`` lanes; False if impossible."""
    gap = {"chain": lm + 1, "exp": lm + _EXP_STAGES}
    by_name = {o.name: o for o in ops}
    users = {o.name: [] for o in ops}
    for o in ops:
        for p, kind in o.after:
            users[p].append((o, gap[kind]))

    def height(o):
        return max([0] + [g + height(u) for u, g in users[o.name]])

    prio = {o.name: height(o) for o in ops}
    for o in ops:
        o.slot = o.lane = -1
    for slot in range(ii):
        ready = [o for o in ops if o.slot < 0 and all(
            by_name[p].slot >= 0 and by_name[p].slot + gap[k] <= slot for p, k in o.after)]
        ready.sort(key=lambda o: -prio[o.name])
        for lane, o in enumerate(ready[:lanes]):
            o.slot, o.lane = slot, lane
    return all(o.slot >= 0 for o in ops)


def plan(spec: dict, dsp_budget: int | None = UP5K_DSP, levels_per_stage: int = 1) -> Plan:
    """Choose lanes and the cycles per neuron (``II``) for ``spec``.

    Parameters
    ----------
    spec : dict
        The neuron's fixed-point spec (:func:`neuroplug.hw.export.design`).
    dsp_budget : int or None
        16x16 multipliers (SB_MAC16) the lanes may use; ``None``: one lane per
        multiplication where the schedule allows.  A single lane larger than the
        budget is still planned (one lane): the report says how many it needs.
    levels_per_stage : int
        Adder-tree levels of the limb-product sum between two registers.

    Returns
    -------
    Plan
        The smallest ``II`` found (and the fewest lanes for it).
    """
    from .errors import ExportError

    if spec.get("profile") == "q8_8":
        raise ExportError("--neurons: the q8_8 profile has no population core; export the "
                          "generic design (omit --format q8_8)", model=spec.get("model"),
                          field="neurons")
    ops, constants, exps = _ops(spec)
    if not ops:
        raise ExportError("--neurons: the update has no multiplication (constant map); a "
                          "population core is not needed", model=spec["model"], field="neurons")
    wa = max(o.big for o in ops)
    wb = max(o.small for o in ops)
    npp = _limbs(wa) * _limbs(wb)
    levels = (npp - 1).bit_length()
    stages = math.ceil(levels / levels_per_stage)
    p = Plan(ops, constants, exps, 1, 1, wa, wb, stages, levels_per_stage, dsp_budget)
    max_lanes = len(ops) if dsp_budget is None else max(1, dsp_budget // npp)
    ii = max(1, math.ceil(len(ops) / max_lanes))
    while True:
        lanes = math.ceil(len(ops) / ii)
        if _schedule(ops, lanes, ii, p.lm):
            p.lanes, p.ii = lanes, ii
            return p
        ii += 1
        assert ii <= len(ops) * (p.lm + _EXP_STAGES + 2), "schedule did not converge"


def population_module(spec: dict) -> str:
    """Name of the population core of a neuron module (``np_lif`` -> ``np_lif_pop``)."""
    return f"{spec['module']}_pop"


# ----------------------------------------------------------------------------------
def _sx(name: str, w_from: int, w_to: int) -> str:
    """Signed ``name`` (``w_from`` bits) sign-extended or truncated to ``w_to`` bits."""
    if w_to == w_from:
        return name
    if w_to < w_from:
        return _bits(name, w_to - 1, 0)
    return f"{{{{{w_to - w_from}{{{name}[{w_from - 1}]}}}}, {name}}}"


def _bits(name: str, hi: int, lo: int) -> str:
    return f"{name}[{hi}:{lo}]" if hi != lo else f"{name}[{hi}]"


def _field(name: str, width: int, lo: int, total: int, w_to: int) -> str:
    """Bits ``[lo + ...]`` of signed ``name`` (``total`` bits) as ``w_to`` signed bits."""
    hi = min(total - 1, lo + w_to - 1)
    part = _bits(name, hi, lo)
    have = hi - lo + 1
    if have == w_to:
        return part
    return f"{{{{{w_to - have}{{{name}[{total - 1}]}}}}, {part}}}"


def _shifted(p: str, pw: int, s: int, w_to: int) -> str:
    """``p >>> s`` (``s < 0``: ``p <<< -s``) of a signed ``pw``-bit value, in ``w_to`` bits."""
    if s >= 0:
        return _field(p, pw, s, pw, w_to)
    z = -s
    if pw + z <= w_to:
        return f"{{{{{w_to - pw - z}{{{p}[{pw - 1}]}}}}, {p}, {z}'d0}}" if w_to > pw + z \
            else f"{{{p}, {z}'d0}}"
    return f"{{{_bits(p, w_to - z - 1, 0)}, {z}'d0}}"


def _carry(p: str, pw: int, s: int, rounding: str) -> str:
    """The rounding of ``p >>> s`` as a carry-in (``half_up``, ``toward_zero``)."""
    if s <= 0 or rounding == "floor":
        return "1'b0"
    if rounding == "half_up":
        return f"{p}[{s - 1}]"
    return f"({p}[{pw - 1}] & (|{_bits(p, s - 1, 0)}))"


def population_verilog(spec: dict, pl: Plan, n: int, fifo_aw: int = 4) -> str:
    """The Verilog-2005 text of the population core of ``spec`` planned as ``pl``."""
    W = _Writer(spec)
    w = W.w
    mod = population_module(spec)
    states = spec["states"]
    inputs = spec["inputs"]
    width = {s["name"]: s["format"]["width"] for s in states}
    width.update({i["name"]: i["format"]["width"] for i in inputs})
    g = spec["guard_bits"]
    hold = spec["refractory_hold"]
    cw = spec["counter_width"]
    rnd = spec["rounding"]
    ii, lanes, lm, depth = pl.ii, pl.lanes, pl.lm, pl.depth
    pw_ph = _clog2(ii) if ii > 1 else 1
    wa, wb = pl.wa, pl.wb
    lw = wa + wb
    layout = state_layout(spec)
    sw = sum(f["width"] for f in layout)
    lsb = {f["name"]: f["lsb"] for f in layout}

    # accumulator width per state: every summand fits, their sum cannot overflow
    aw = {}
    for s in states:
        x = s["name"]
        widths = [width[x] + g, abs(pl.constants[x]).bit_length() + 1]
        widths += [o.width - o.shift + 1 for o in pl.ops if o.kind == "acc" and o.state == x]
        count = 2 + sum(1 for o in pl.ops if o.kind == "acc" and o.state == x)
        aw[x] = max(widths) + (count - 1).bit_length() + 1
    accs = sorted({(o.lane, o.state) for o in pl.ops if o.kind == "acc"})
    sinks = ["s_axis_tdata", "reg_wdata", "step_done", "ph", "fifo_out", "s_idx", "sq",
             "f1_word", "N_M1"]

    w(f"// {mod}.v - GENERATED by neuroplug {__version__} (neuroplug export --neurons); "
      "do not edit.")
    w(f"// Population core of '{spec['model']}'" + (f", preset '{spec['preset']}'"
      if spec["preset"] else "") + f": N neurons (default {n}) over one pipelined datapath,")
    w(f"// one neuron update every {ii} cycle(s) ({lanes} lane(s) of {wa}x{wb}-bit "
      f"multipliers, {pl.dsp_per_lane} 16x16 products each), state in block RAM.")
    w(f"// Per neuron, exactly the arithmetic of {spec['module']}.v (bit-true model: "
      "neuroplug.hw.bittrue.BitTrue).")
    w(f"// Model file sha256 {spec['model_sha256']}; rounding {rnd}, overflow "
      f"{spec['overflow']}, dt = {spec['dt_s'] * 1e3:g} ms per step.")
    w("// Needs np_pop_ctrl.v and np_pop_fifo.v (hand-written, written next to this file).")
    w("`timescale 1ns / 1ps")
    w("`default_nettype none")
    w("")
    w(f"module {mod} #(")
    w(f"    parameter integer N = {n},          // neurons, 1..{MAX_NEURONS}")
    w(f"    parameter integer FIFO_AW = {fifo_aw}      // spike FIFO depth 2^FIFO_AW")
    w(") (")
    w("    input  wire clk,")
    w("    input  wire rst,            // synchronous, active high: re-initialises every neuron")
    w("    // time step: a one-cycle strobe starts a sweep over all N neurons")
    w("    input  wire step,")
    w("    output wire step_ready,     // a strobe now is taken (else: dropped, overrun set)")
    w("    output wire busy,           // a sweep or the initialisation is in progress")
    w("    output wire [31:0] step_count,   // completed time steps")
    w("    output reg  ovf,            // sticky: a neuron's result left its format")
    w("    output wire overrun,        // sticky: a step strobe came while not step_ready")
    w("    output reg  in_err,         // sticky: an input beat named no neuron/input (dropped)")
    w("    // AXI4-Stream slave: [31:0] value (signed, low bits used), [47:32] neuron, "
      "[55:48] input")
    w("    input  wire s_axis_tvalid,")
    w("    output wire s_axis_tready,")
    w("    input  wire [63:0] s_axis_tdata,")
    w("    // AXI4-Stream master: one beat per spike, tdata = neuron, tuser = step (low 16 bits)")
    w("    output wire m_axis_tvalid,")
    w("    input  wire m_axis_tready,")
    w("    output wire [15:0] m_axis_tdata,")
    w("    output wire [15:0] m_axis_tuser,")
    w("    // register port: write when reg_we; reg_rdata is reg_addr's register one cycle later")
    w("    input  wire reg_we,")
    w("    input  wire [2:0] reg_addr,")
    w("    input  wire [31:0] reg_wdata,")
    w("    output reg  [31:0] reg_rdata,")
    w("    // monitor: one neuron's new state each cycle mon_valid = 1")
    w("    output wire mon_valid,")
    w("    output wire [15:0] mon_idx,")
    w("    output wire mon_spike,")
    w("    output wire mon_ovf,")
    if hold:
        w(f"    output wire [{cw - 1}:0] mon_cnt,")
    for i, s in enumerate(states):
        f = s["format"]
        sep = "," if i < len(states) - 1 else ""
        w(f"    output wire signed [{f['width'] - 1}:0] mon_{s['name'].lower()}{sep}"
          f"   // {s['name']} in {f['q']}, unit {s['unit']}")
    w(");")
    w("    localparam integer IW = (N > 1) ? $clog2(N) : 1;")
    w(f"    localparam integer II = {ii};")
    w(f"    localparam integer PW = {pw_ph};")
    w(f"    localparam integer D = {depth};   // read -> write-back, ticks")
    w(f"    localparam integer SW = {sw};   // state word: "
      + ", ".join(f"{f['name']}[{f['lsb'] + f['width'] - 1}:{f['lsb']}]" for f in layout))
    w("")
    w("    // ---- control: sweep, hazard interlock, initialisation, step counter")
    w("    wire fifo_full;")
    w("    wire adv = ~fifo_full;   // the datapath advances (spike stream not full)")
    w("    wire [PW-1:0] ph;")
    w("    wire issue, reading, wb_v, initialising, init_we, step_done, ctl_step, ctl_clear;")
    w("    wire ctl_init;")
    w("    wire [IW-1:0] rd_idx, wb_idx, init_idx;")
    w("    np_pop_ctrl #(.N(N), .II(II), .D(D), .IW(IW), .PW(PW)) u_ctrl (")
    w("        .clk(clk), .rst(rst), .adv(adv), .step(step | ctl_step), .init_req(ctl_init),")
    w("        .clear(ctl_clear), .ph(ph), .issue(issue), .rd_idx(rd_idx), .reading(reading),")
    w("        .wb_v(wb_v), .wb_idx(wb_idx), .initialising(initialising), .init_we(init_we),")
    w("        .init_idx(init_idx), .step_ready(step_ready), .busy(busy), .overrun(overrun),")
    w("        .step_count(step_count), .step_done(step_done));")
    w("")
    # ---- memories
    w("    // ---- state RAM (one read, one write per cycle) and input RAMs")
    w("    reg [SW-1:0] state_ram [0:N-1];")
    w("    reg [SW-1:0] sq;           // the neuron being updated (held while stalled)")
    w("    wire [SW-1:0] w_word;")
    w("    wire s_we = init_we | (adv & wb_v);")
    w("    wire [IW-1:0] s_wa = init_we ? init_idx : wb_idx;")
    init_word = 0
    for s in states:
        init_word |= (s["init_int"] & ((1 << width[s["name"]]) - 1)) << lsb[s["name"]]
    w(f"    localparam [SW-1:0] INIT_WORD = {sw}'h{init_word:x};")
    w("    always @(posedge clk) begin")
    w("        if (s_we)")
    w("            state_ram[s_wa] <= init_we ? INIT_WORD : w_word;")
    w("        if (adv & issue)")
    w("            sq <= state_ram[rd_idx];")
    w("    end")
    w("    // input beats: a value for neuron i is taken when no sweep is reading or neuron i")
    w("    // was already read in this sweep; it holds from the next step until changed")
    w("    wire [15:0] s_idx = s_axis_tdata[47:32];")
    w("    wire [7:0] s_sel = s_axis_tdata[55:48];")
    w("    localparam [31:0] N_M1 = N - 1;")
    w(f"    wire s_bad = (s_idx > N_M1[15:0]) | (s_sel >= 8'd{len(inputs)});")
    w("    wire [IW-1:0] s_i = s_idx[IW-1:0];")
    w("    assign s_axis_tready = ~initialising & (~reading | s_bad | (s_i < rd_idx));")
    w("    wire s_fire = s_axis_tvalid & s_axis_tready;")
    for k, i in enumerate(inputs):
        iw = width[i["name"]]
        nm = i["name"].lower()
        w(f"    reg [{iw - 1}:0] in_ram_{k} [0:N-1];   // {i['name']} in {i['format']['q']}, "
          f"unit {i['unit']}")
        w(f"    reg [{iw - 1}:0] iq_{k};")
        w("    always @(posedge clk) begin")
        w("        if (init_we)")
        w(f"            in_ram_{k}[init_idx] <= {iw}'d0;")
        w(f"        else if (s_fire & ~s_bad & (s_sel == 8'd{k}))")
        w(f"            in_ram_{k}[s_i] <= s_axis_tdata[{iw - 1}:0];")
        w("        if (adv & issue)")
        w(f"            iq_{k} <= in_ram_{k}[rd_idx];")
        w("    end")
        w(f"    wire signed [{iw - 1}:0] c_{nm} = iq_{k};")
    for s in states:
        x = s["name"]
        w(f"    wire signed [{width[x] - 1}:0] c_{x.lower()} = "
          f"{_bits('sq', lsb[x] + width[x] - 1, lsb[x])};")
    w("")
    # ---- slots
    if ii > 1:
        w("    // slot p of a neuron: the (p + 1)-th tick after its read (ph counts ticks)")
        w(f"    wire [PW-1:0] slot = (ph == {pw_ph}'d0) ? {pw_ph}'d{ii - 1} : ph - {pw_ph}'d1;")
        w(f"    reg [PW-1:0] sd [1:{lm}];   // slot of the product now leaving stage k")
        w("    integer si;")
        w("    always @(posedge clk) if (adv) begin")
        w("        sd[1] <= slot;")
        w(f"        for (si = 2; si <= {lm}; si = si + 1) sd[si] <= sd[si - 1];")
        w("    end")
        w(f"    wire [PW-1:0] pslot = sd[{lm}];")
    w("")

    def src(op_src, w_to):
        kind, ref, wd = op_src
        if kind == "k":
            return _lit(ref, w_to)
        name = {"cr": f"cr_{ref}", "sig": f"c_{str(ref).lower()}", "e": f"e_{ref}"}[kind]
        return _sx(name, wd, w_to)

    na, nb = _limbs(wa), _limbs(wb)
    for ln in range(lanes):
        mine = sorted((o for o in pl.ops if o.lane == ln), key=lambda o: o.slot)
        pre = f"l{ln}"
        w(f"    // ---- lane {ln}: " + ", ".join(f"slot {o.slot}: {o.name}" for o in mine))
        w(f"    reg signed [{wa - 1}:0] {pre}_a;")
        w(f"    reg signed [{wb - 1}:0] {pre}_b;")
        w("    always @(posedge clk) if (adv) begin")
        if ii == 1:
            o = mine[0]
            a, b = (o.a, o.b) if o.a[2] >= o.b[2] else (o.b, o.a)
            w(f"        {pre}_a <= {src(a, wa)};")
            w(f"        {pre}_b <= {src(b, wb)};")
        else:
            w("        case (slot)")
            for o in mine:
                a, b = (o.a, o.b) if o.a[2] >= o.b[2] else (o.b, o.a)
                w(f"            {pw_ph}'d{o.slot}: begin {pre}_a <= {src(a, wa)}; "
                  f"{pre}_b <= {src(b, wb)}; end")
            w(f"            default: begin {pre}_a <= {wa}'sd0; {pre}_b <= {wb}'sd0; end")
            w("        endcase")
        w("    end")
        for side, wd, nl in (("a", wa, na), ("b", wb, nb)):
            for i in range(nl):
                lo = _LIMB * i
                if nl == 1:
                    expr = _sx(f"{pre}_{side}", wd, 16)
                elif i < nl - 1:
                    expr = f"{{1'b0, {pre}_{side}[{lo + _LIMB - 1}:{lo}]}}"
                else:
                    tw = wd - lo
                    part = _bits(f"{pre}_{side}", wd - 1, lo)
                    expr = part if tw == 16 else \
                        f"{{{{{16 - tw}{{{pre}_{side}[{wd - 1}]}}}}, {part}}}"
                w(f"    wire signed [15:0] {pre}_{side}{i} = {expr};")
        pps = []
        for i in range(na):
            for j in range(nb):
                pps.append((f"{pre}_p{i}{j}", _LIMB * (i + j)))
        for nm, _ in pps:
            w(f"    reg signed [31:0] {nm};")
            sinks.append(nm)
        w("    always @(posedge clk) if (adv) begin")
        for nm, _ in pps:
            i, j = nm[-2], nm[-1]
            w(f"        {nm} <= {pre}_a{i} * {pre}_b{j};   // one 16x16 product (SB_MAC16)")
        w("    end")
        # sum tree, every pp weighted by 2^(15 (i + j)), modulo 2^lw (the product fits)
        nodes = []
        for nm, sh in pps:
            if 32 + sh <= lw:
                e = f"{{{{{lw - 32 - sh}{{{nm}[31]}}}}, {nm}" + (f", {sh}'d0}}" if sh else "}")
                if lw - 32 - sh == 0:
                    e = f"{{{nm}" + (f", {sh}'d0}}" if sh else "}")
            else:
                e = f"{{{_bits(nm, lw - sh - 1, 0)}" + (f", {sh}'d0}}" if sh else "}")
            wn = f"{nm}_w"
            w(f"    wire signed [{lw - 1}:0] {wn} = {e};")
            nodes.append(wn)
        level = 0
        regs_done = 0
        while len(nodes) > 1:
            level += 1
            nxt = []
            register = level % pl.levels_per_stage == 0 or len(nodes) <= 2
            for k in range(0, len(nodes), 2):
                nm = f"{pre}_s{level}_{k // 2}"
                expr = f"{nodes[k]} + {nodes[k + 1]}" if k + 1 < len(nodes) else nodes[k]
                if register:
                    w(f"    reg signed [{lw - 1}:0] {nm};")
                    w(f"    always @(posedge clk) if (adv) {nm} <= {expr};")
                else:
                    w(f"    wire signed [{lw - 1}:0] {nm} = {expr};")
                nxt.append(nm)
            regs_done += int(register)
            nodes = nxt
        assert regs_done == pl.tree_stages, (regs_done, pl.tree_stages)
        w(f"    wire signed [{lw - 1}:0] {pre}_P = {nodes[0]};   // product of slot "
          f"{'pslot' if ii > 1 else 0}")
        sinks.append(f"{pre}_P")
        w("")

    def at_slot(slot):
        return "1'b1" if ii == 1 else f"(pslot == {pw_ph}'d{slot})"

    # chained products and exp arguments
    for o in pl.ops:
        if o.kind == "chain":
            w(f"    reg signed [{o.width - 1}:0] cr_{o.name};   // {o.term}: partial product")
            w(f"    always @(posedge clk) if (adv && {at_slot(o.slot)}) cr_{o.name} <= "
              f"{_bits(f'l{o.lane}_P', o.width - 1, 0)};")
    uses_exp = bool(pl.exps)
    if uses_exp:
        e0 = next(iter(pl.exps.values()))[0]
        lb, lf = e0["lut_bits"], e0["lut_frac"]
        lutw = lf + 2
        w(f"    // 2^(k/2^{lb} + 2^-{lb + 1}) in Q2.{lf}, k = 0..{2 ** lb - 1} (a ROM)")
        w(f"    reg [{lutw - 1}:0] exp2_rom [0:{2 ** lb - 1}];")
        w("    initial begin")
        for k, val in enumerate(e0["lut"]):
            w(f"        exp2_rom[{k}] = {lutw}'d{val};")
        w("    end")
    for ename, (e, argname) in pl.exps.items():
        o = next(op for op in pl.ops if op.name == argname)
        var = e["var"]
        kaw = e["ka_format"]["width"] + width[var]
        yw = max(kaw, (abs(e["kb"]) + 1).bit_length() + 1, (abs(e["y_min"]) + 1).bit_length()
                 + 1, (e["y_max"] + 1).bit_length() + 1) + 2
        ew = e["width"]
        span = e["n_max"] - e["n_min"] + 1
        shw = max(1, span.bit_length())
        pa = f"l{o.lane}_P"
        w(f"    // exp unit {ename}: e = 2^y, y = round(KA * {var}) + KB clamped "
          f"(product of slot {o.slot})")
        w(f"    reg signed [{yw - 1}:0] {ename}_yr, {ename}_yc;")
        w(f"    reg [{lutw - 1}:0] {ename}_lq;")
        w(f"    reg [{shw - 1}:0] {ename}_sh;")
        w(f"    reg signed [{ew - 1}:0] e_{ename};")
        w(f"    wire signed [{yw - 1}:0] {ename}_n = {ename}_yc >>> {e['arg_frac']};")
        w(f"    wire signed [{yw - 1}:0] {ename}_s = {ename}_n - {_lit(e['n_min'], yw)};")
        sh_src = _bits(f"{ename}_s", shw - 1, 0)
        sinks.append(f"{ename}_s")
        w("    always @(posedge clk) if (adv) begin")
        w(f"        if ({at_slot(o.slot)})")
        w(f"            {ename}_yr <= {_shifted(pa, lw, e['ka_shift'], yw)} + "
          f"{_lit(e['kb'], yw)} + {{{yw - 1}'d0, {_carry(pa, lw, e['ka_shift'], rnd)}}};")
        w(f"        {ename}_yc <= ({ename}_yr > {_lit(e['y_max'], yw)}) ? {_lit(e['y_max'], yw)} "
          f": ({ename}_yr < {_lit(e['y_min'], yw)}) ? {_lit(e['y_min'], yw)} : {ename}_yr;")
        w(f"        {ename}_lq <= exp2_rom[{ename}_yc[{e['arg_frac'] - 1}:"
          f"{e['arg_frac'] - lb}]];")
        w(f"        {ename}_sh <= {sh_src};")
        w(f"        e_{ename} <= {{{ew - lutw}'d0, {ename}_lq}} << {ename}_sh;")
        w("    end")
    w("")
    # accumulators
    for ln, x in accs:
        mine = sorted((o for o in pl.ops if o.kind == "acc" and o.lane == ln and o.state == x),
                      key=lambda o: o.slot)
        a = aw[x]
        nm = f"acc{ln}_{x.lower()}"
        pa = f"l{ln}_P"
        w(f"    reg signed [{a - 1}:0] {nm};   // lane {ln}'s terms of {x}, rounded")
        w("    always @(posedge clk) if (adv) begin")
        if ii == 1:
            o = mine[0]
            w(f"        {nm} <= {_shifted(pa, lw, o.shift, a)} + "
              f"{{{a - 1}'d0, {_carry(pa, lw, o.shift, rnd)}}};   // {o.term}")
        else:
            w("        case (pslot)")
            for k, o in enumerate(mine):
                base = "" if k == 0 else f"{nm} + "
                w(f"            {pw_ph}'d{o.slot}: {nm} <= {base}{_shifted(pa, lw, o.shift, a)}"
                  f" + {{{a - 1}'d0, {_carry(pa, lw, o.shift, rnd)}}};   // {o.term}")
            w(f"            default: {nm} <= {nm};")
            w("        endcase")
        w("    end")
    w("")
    # ---- finalize
    w(f"    // ---- finalize: the neuron read at tick t has every product in its accumulators "
      f"at tick t + {ii + lm + 1}")
    w(f"    reg [SW-1:0] cd [0:{lm}];   // the state word, delayed to the finalize stage")
    w("    integer ci;")
    w("    always @(posedge clk) if (adv) begin")
    w("        cd[0] <= sq;")
    w(f"        for (ci = 1; ci <= {lm}; ci = ci + 1) cd[ci] <= cd[ci - 1];")
    w("    end")
    w(f"    wire [SW-1:0] f_word = cd[{lm}];")
    for s in states:
        x = s["name"]
        a = aw[x]
        wx = width[x]
        terms = [f"acc{ln}_{x.lower()}" for ln, y in accs if y == x]
        w(f"    wire signed [{wx - 1}:0] f_{x.lower()} = "
          f"{_bits('f_word', lsb[x] + wx - 1, lsb[x])};")
        w(f"    localparam signed [{a - 1}:0] C_{x.upper()} = {_lit(pl.constants[x], a)};"
          "   // constant terms, rounded")
        w(f"    reg signed [{a - 1}:0] f0_{x.lower()};")
        w(f"    always @(posedge clk) if (adv) f0_{x.lower()} <= "
          f"{{{_sx(f'f_{x.lower()}', wx, a - g)}, {g}'d0}} + C_{x.upper()}"
          + "".join(f" + {t}" for t in terms) + ";")
    w("    reg [SW-1:0] f0_word, fr_word, f1_word;")
    w("    always @(posedge clk) if (adv) begin f0_word <= f_word; fr_word <= f0_word; "
      "f1_word <= fr_word; end")
    for s in states:
        x = s["name"]
        a = aw[x]
        W.round_shift(f"fr_{x.lower()}_rnd", f"f0_{x.lower()}", a, g)
        w(f"    reg signed [{a - 1}:0] fr_{x.lower()};   // rounded to {x}'s LSB")
        w(f"    always @(posedge clk) if (adv) fr_{x.lower()} <= fr_{x.lower()}_rnd;")
        o = _fit(W, f"f1_{x.lower()}", f"fr_{x.lower()}", a, s["format"], spec["overflow"])
        wx = width[x]
        w(f"    reg signed [{wx - 1}:0] f1_{x.lower()};")
        w(f"    reg f1_{x.lower()}_ovf;")
        w(f"    always @(posedge clk) if (adv) begin f1_{x.lower()} <= f1_{x.lower()}_fit; "
          f"f1_{x.lower()}_ovf <= {o}; end")
    # stage F2: hold, threshold, resets, counter
    for s in states:
        x = s["name"]
        if hold and s["hold_when_refractory"]:
            w(f"    wire signed [{width[x] - 1}:0] g_{x.lower()} = "
              f"{_bits('f1_word', lsb[x] + width[x] - 1, lsb[x])};   // {x} before the update")
    if hold:
        w(f"    wire [{cw - 1}:0] g_cnt = {_bits('f1_word', lsb['_count'] + cw - 1, lsb['_count'])};")
        w(f"    wire g_refr = (g_cnt != {cw}'d0);")
        w(f"    localparam [{cw - 1}:0] REFRACTORY_HOLD = {cw}'d{hold};")
        w(f"    localparam [{cw - 1}:0] CNT_ONE = {cw}'d1;")
    th = spec["threshold"]
    tv = th["var"]
    w(f"    localparam signed [{width[tv] - 1}:0] THRESHOLD = {_lit(th['int'], width[tv])};"
      f"  // {tv} {th['op']} {th['value']:.9g}")
    final, ovf_terms = {}, []
    for s in states:
        x = s["name"]
        if hold and s["hold_when_refractory"]:
            W.wire(f"g_{x.lower()}_next", width[x], f"g_refr ? g_{x.lower()} : f1_{x.lower()}",
                   "held while refractory")
            ovf_terms.append(f"(~g_refr & f1_{x.lower()}_ovf)")
        else:
            W.wire(f"g_{x.lower()}_next", width[x], f"f1_{x.lower()}")
            ovf_terms.append(f"f1_{x.lower()}_ovf")
        final[x] = f"g_{x.lower()}_next"
    refr_guard = "~g_refr & " if hold else ""
    w(f"    wire g_fire = {refr_guard}({final[tv]} {th['op']} THRESHOLD);")
    for ri, r in enumerate(spec["resets"]):
        x = r["var"]
        wx = width[x]
        nm = f"g_r{ri}_{x.lower()}"
        if r["op"] == "=":
            w(f"    localparam signed [{wx - 1}:0] R{ri}_{x.upper()} = {_lit(r['int'], wx)};"
              f"  // {x} = {r['value']:.9g}")
            W.wire(nm, wx, f"g_fire ? R{ri}_{x.upper()} : {final[x]}")
        else:
            w(f"    localparam signed [{wx}:0] R{ri}_{x.upper()} = {_lit(r['int'], wx + 1)};"
              f"  // {x} += {r['value']:.9g}")
            W.wire(f"{nm}_w", wx + 1, f"{_sx(final[x], wx, wx + 1)} + R{ri}_{x.upper()}")
            o = _fit(W, f"{nm}_inc", f"{nm}_w", wx + 1, s_format(spec, x), spec["overflow"])
            ovf_terms.append(f"(g_fire & {o})")
            W.wire(nm, wx, f"g_fire ? {nm}_inc_fit : {final[x]}")
        final[x] = nm
    w("    wire g_ovf = " + " | ".join(ovf_terms) + ";")
    w("    reg [SW-1:0] w_reg;")
    w("    reg w_fire, w_ovf;")
    parts = []
    for f in sorted(layout, key=lambda f: -f["lsb"]):
        if f["name"] == "_count":
            parts.append("g_fire ? REFRACTORY_HOLD : (g_refr ? g_cnt - CNT_ONE : g_cnt)")
        else:
            parts.append(final[f["name"]])
    w("    always @(posedge clk) if (adv) begin")
    w(f"        w_reg <= {{{', '.join(parts)}}};")
    w("        w_fire <= g_fire;")
    w("        w_ovf <= g_ovf;")
    w("    end")
    w("    assign w_word = w_reg;")
    w("")
    # ---- outputs
    w("    // ---- write-back tick: spikes, sticky overflow, monitor")
    w("    wire [31:0] fifo_out;")
    w("    wire [15:0] wb_idx16 = {{(16 - IW){1'b0}}, wb_idx};")
    w("    np_pop_fifo #(.W(32), .AW(FIFO_AW)) u_spikes (")
    w("        .clk(clk), .rst(rst), .push(adv & wb_v & w_fire),")
    w("        .in_data({step_count[15:0], wb_idx16}), .full(fifo_full),")
    w("        .m_tvalid(m_axis_tvalid), .m_tready(m_axis_tready), .m_tdata(fifo_out));")
    w("    assign m_axis_tdata = fifo_out[15:0];")
    w("    assign m_axis_tuser = fifo_out[31:16];")
    w("    assign mon_valid = adv & wb_v;")
    w("    assign mon_idx = wb_idx16;")
    w("    assign mon_spike = w_fire;")
    w("    assign mon_ovf = w_ovf;")
    if hold:
        w(f"    assign mon_cnt = {_bits('w_reg', lsb['_count'] + cw - 1, lsb['_count'])};")
    for s in states:
        x = s["name"]
        w(f"    assign mon_{x.lower()} = {_bits('w_reg', lsb[x] + width[x] - 1, lsb[x])};")
    w("")
    w("    // ---- register port and sticky flags")
    w("    assign ctl_step = reg_we & (reg_addr == 3'd0) & reg_wdata[0];")
    w("    assign ctl_clear = reg_we & (reg_addr == 3'd0) & reg_wdata[1];")
    w("    assign ctl_init = reg_we & (reg_addr == 3'd0) & reg_wdata[2];")
    w("    reg [31:0] stalls;")
    w("    always @(posedge clk) begin")
    w("        if (rst) begin")
    w("            ovf <= 1'b0;")
    w("            in_err <= 1'b0;")
    w("            stalls <= 32'd0;")
    w("        end else begin")
    w("            if (ctl_clear) begin ovf <= 1'b0; in_err <= 1'b0; end")
    w("            if (adv & wb_v & w_ovf) ovf <= 1'b1;")
    w("            if (s_fire & s_bad) in_err <= 1'b1;")
    w("            if (~adv & busy) stalls <= stalls + 32'd1;")
    w("        end")
    w("    end")
    dt_ns = round(spec["dt_s"] * 1e9)
    w("    always @(posedge clk) begin")
    w("        case (reg_addr)")
    w("            3'd1: reg_rdata <= {26'd0, step_ready, initialising, in_err, overrun, ovf, busy};")
    w("            3'd2: reg_rdata <= step_count;")
    w(f"            3'd3: reg_rdata <= {{8'd{lanes}, 8'd{ii}, N_M1[15:0]}};")
    w("            3'd4: reg_rdata <= stalls;")
    w(f"            3'd5: reg_rdata <= 32'd{dt_ns};")
    w("            default: reg_rdata <= 32'd0;")
    w("        endcase")
    w("    end")
    w("")
    w("    // verilator lint_off UNUSEDSIGNAL")
    w("    wire unused = &{1'b0, " + ", ".join(sinks) + "};")
    w("    // verilator lint_on UNUSEDSIGNAL")
    w("endmodule")
    w("")
    w("`default_nettype wire")
    return "\n".join(W.lines) + "\n"


def s_format(spec: dict, name: str) -> dict:
    """The format dict of state ``name``."""
    return next(s["format"] for s in spec["states"] if s["name"] == name)


def state_layout(spec: dict) -> list:
    """Fields of the state RAM word: ``[{"name", "lsb", "width"}]`` (``_count``: refractory)."""
    out, lsb = [], 0
    for s in spec["states"]:
        out.append({"name": s["name"], "lsb": lsb, "width": s["format"]["width"]})
        lsb += s["format"]["width"]
    if spec["refractory_hold"]:
        out.append({"name": "_count", "lsb": lsb, "width": spec["counter_width"]})
    return out


def population_spec(spec: dict, n: int, dsp_budget: int | None = UP5K_DSP,
                    fifo_aw: int = 4) -> tuple[dict, str]:
    """The population sidecar (``spec`` plus a ``population`` section) and its Verilog."""
    from .errors import ExportError

    if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= MAX_NEURONS:
        raise ExportError(f"--neurons: expected an integer 1..{MAX_NEURONS}, found {n!r}",
                          model=spec.get("model"), field="neurons")
    for i in spec.get("inputs", []):
        if i["format"]["width"] > 32:
            raise ExportError(f"--neurons: input '{i['name']}' is {i['format']['q']} "
                              f"({i['format']['width']} bits); the input stream carries at "
                              "most 32 bits", model=spec["model"], field=f"format.{i['name']}")
    if len(spec.get("inputs", [])) > 255:
        raise ExportError("--neurons: more than 255 inputs", model=spec["model"],
                          field="neurons")
    pl = plan(spec, dsp_budget)
    src = population_verilog(spec, pl, n, fifo_aw)
    pop = dict(spec)
    pop["module"] = population_module(spec)
    pop["neuron_module"] = spec["module"]
    pop["population"] = {
        "neurons": n, **pl.summary(), "fifo_depth": 1 << fifo_aw,
        "state_layout": state_layout(spec),
        "inputs": [{"select": k, "name": i["name"], "ram": f"in_ram_{k}"}
                   for k, i in enumerate(spec["inputs"])],
        "state_ram": "state_ram",
        "registers": {str(k): {"name": v[0], "access": v[1], "meaning": v[2]}
                      for k, v in REGISTERS.items()},
        "streams": {"input": "s_axis: tdata[31:0] value (signed, the input's low bits), "
                    "tdata[47:32] neuron, tdata[55:48] input; held from the next step on",
                    "spikes": "m_axis: tdata[15:0] neuron, tuser[15:0] step (low 16 bits)"},
        "updates_per_cycle": 1.0 / pl.ii,
        "cycles_per_step": n * pl.ii,
        "files": [population_module(spec) + ".v", *CTRL_FILES],
    }
    return pop, src


def export_population(model, preset: str | None = None, n: int = 256, out=".", opts=None,
                      dsp_budget: int | None = UP5K_DSP, fifo_aw: int = 4) -> dict:
    """Export the population core of a model: ``<module>_pop.v`` + sidecar + control RTL.

    Parameters
    ----------
    model, preset, opts
        As :func:`neuroplug.hw.export.export`.
    n : int
        Neurons (1..65536); the Verilog parameter ``N`` defaults to it.
    out : path
        Output folder.
    dsp_budget : int or None
        16x16 multipliers the datapath may use (8: iCE40 UP5K).
    fifo_aw : int
        log2 of the spike FIFO depth.

    Returns
    -------
    dict
        The population sidecar, with ``files`` (paths written).
    """
    from .export import _atomic_write, design, sidecar_json
    from .ir import build_map
    from .q88 import rtl_path

    spec = design(build_map(model, preset), opts)
    pop, src = population_spec(spec, n, dsp_budget, fifo_aw)
    pop["verilog_sha256"] = hashlib.sha256(src.encode()).hexdigest()
    out = Path(out)
    written = []
    ctrl = {name: rtl_path(name).read_text() for name in CTRL_FILES}
    vpath = out / f"{pop['module']}.v"
    _atomic_write(vpath, src)
    written.append(vpath)
    for name, text in ctrl.items():
        _atomic_write(out / name, text)
        written.append(out / name)
    jpath = out / f"{pop['module']}.json"
    pop["files"] = [str(p) for p in written] + [str(jpath)]
    _atomic_write(jpath, sidecar_json(pop))
    return pop


def core_ports(pop: dict) -> list[tuple[str, str, int]]:
    """Ports of a population core after ``clk``: ``(name, "input" | "output", width)``."""
    ports = [("rst", "input", 1), ("step", "input", 1), ("step_ready", "output", 1),
             ("busy", "output", 1), ("step_count", "output", 32), ("ovf", "output", 1),
             ("overrun", "output", 1), ("in_err", "output", 1),
             ("s_axis_tvalid", "input", 1), ("s_axis_tready", "output", 1),
             ("s_axis_tdata", "input", 64), ("m_axis_tvalid", "output", 1),
             ("m_axis_tready", "input", 1), ("m_axis_tdata", "output", 16),
             ("m_axis_tuser", "output", 16), ("reg_we", "input", 1), ("reg_addr", "input", 3),
             ("reg_wdata", "input", 32), ("reg_rdata", "output", 32),
             ("mon_valid", "output", 1), ("mon_idx", "output", 16), ("mon_spike", "output", 1),
             ("mon_ovf", "output", 1)]
    if pop["refractory_hold"]:
        ports.append(("mon_cnt", "output", pop["counter_width"]))
    ports += [(f"mon_{s['name'].lower()}", "output", s["format"]["width"])
              for s in pop["states"]]
    return ports


def suite_verilog(pops: dict) -> str:
    """A top level holding several population cores (one simulation build for all).

    ``pops`` maps a prefix to a population sidecar; core ``p``'s ports appear as
    ``p_<port>``, the core as instance ``u_p``; all share ``clk``.
    """
    lines = ["// np_pop_suite.v - GENERATED by neuroplug (test harness); do not edit.",
             "`timescale 1ns / 1ps", "`default_nettype none", "module np_pop_suite (",
             "    input wire clk"]
    for pre, pop in pops.items():
        for name, d, wd in core_ports(pop):
            rng = f"[{wd - 1}:0] " if wd > 1 else ""
            lines.append(f"    , {d} wire {rng}{pre}_{name}")
    lines.append(");")
    for pre, pop in pops.items():
        conns = ", ".join(f".{n}({pre}_{n})" for n, _, _ in core_ports(pop))
        lines.append(f"    {pop['module']} u_{pre} (.clk(clk), {conns});")
    lines += ["endmodule", "`default_nettype wire", ""]
    return "\n".join(lines)
