"""The ``q8_8`` compatibility profile: the seed's FixedPointLIFNeuron, from a library LIF.

The profile is one more kind of spec beside the generic one: :func:`q88_spec` folds a
one-variable linear model into the seed's constants and :func:`q88_verilog` writes its
Verilog, as :func:`neuroplug.hw.verilog.verilog_source` does for generic specs.

The hand-written module ``hw/rtl/np_q8_8_lif.v`` implements the seed semantics
(:class:`neuroplug.hw.bittrue.SeedQ88LIF`).  The exported ``np_q8_8_lif.v`` is that
module with the parameter defaults set to the model's values (``V_REST``, ``V_RESET``,
``V_THRESHOLD``, ``REFRACTORY_PERIOD``), so that synthesising it as it is gives the
model, not the seed's defaults, followed by a wrapper ``np_<model>[_<preset>]_q8_8``
that ties ``leak_k``, ``gain_k`` and ``noise_in`` to the model's constants and has the
interface of the generic modules (``clk, rst, en, i_in, spike, v, ovf``).

Folding: ``v`` in mV and the input in nA, both Q8.8; ``leak_k = round((1 - exp(-dt/tau))
* 256)``, ``gain_k`` the input's gain per step, ``V_THRESHOLD`` such that ``v_next >=
V_THRESHOLD`` equals the model's ``v > V_th`` on the Q8.8 grid, and ``REFRACTORY_PERIOD``
the steps Brian2 holds ``v``.  The seed differs from Brian2 in two documented ways:
``v`` is held at ``V_REST`` (not the reset value) while refractory, and the leak factor
is Q8.8 (coarse), which moves the rheobase: :func:`q88_spec` measures the rheobase of
the bit-true Q8.8 model against the float model's and records both
(``spec["rheobase"]``); the export warns when they differ by more than
:data:`RHEOBASE_TOLERANCE` (or one input LSB, whichever is larger).
"""

from __future__ import annotations

import math
import re
from pathlib import Path

from .bittrue import SeedQ88LIF
from .errors import ExportError
from .ir import build_map
from .pair import module_name

__all__ = [
    "PROFILE_SETTINGS",
    "Q88_MODULE",
    "RHEOBASE_TOLERANCE",
    "q88_rheobase",
    "q88_spec",
    "q88_verilog",
    "rtl_path",
]

Q88_MODULE = "np_q8_8_lif"
#: relative rheobase shift (bit-true Q8.8 vs float model) above which the export warns
RHEOBASE_TOLERANCE = 0.02
#: what the profile fixes (the options of a generic export do not apply)
PROFILE_SETTINGS = {"format": "Q8.8", "rounding": "floor", "overflow": "wrap",
                    "width": 16}


def rtl_path(name: str) -> Path:
    """Path of a hand-written RTL file (installed copy first, then the source tree)."""
    here = Path(__file__).resolve().parent
    for cand in (here / "rtl" / name, here.parents[1] / "hw" / "rtl" / name):
        if cand.exists():
            return cand
    raise FileNotFoundError(f"hand-written RTL {name} not found next to {here}")


def q88_spec(model, preset=None, width: int = 16, fraction: int = 8) -> dict:
    """Fold a one-variable linear model (``lif``) into the seed's Q8.8 constants.

    Returns
    -------
    dict
        The profile's spec (written as the sidecar): ``parameters`` (the module's),
        ``ports`` (the constants to drive), ``wrapper`` (the module that ties them),
        ``exact_values`` and ``rheobase`` (float model vs bit-true Q8.8, in nA).

    Raises
    ------
    ExportError
        The model is not a one-variable LIF driven by a current, or a constant
        underflows or does not fit Q(width - fraction).(fraction).
    """
    ir = build_map(model, preset)

    def refuse(msg, fld="format"):
        raise ExportError(f"q8_8 profile refused: {msg}", source=ir.source, model=ir.model_id,
                          field=fld)

    if len(ir.states) != 1 or len(ir.inputs) != 1:
        refuse("the seed LIF has one state variable and one input; the model has "
               f"{list(ir.states)} and {list(ir.inputs)}")
    (s,) = ir.states.values()
    (inp,) = ir.inputs.values()
    if s.unit != "mV" or inp.unit != "pA":
        refuse(f"expected a voltage driven by a current, found {s.unit} and {inp.unit}")
    c0 = c_v = c_i = 0.0
    for t in s.terms:
        if t.exp is not None or len(t.factors) > 1:
            refuse(f"term {t.label()} is not linear")
        if not t.factors:
            c0 = t.coef
        elif t.factors == (s.name,):
            c_v = t.coef
        elif t.factors == (inp.name,):
            c_i = t.coef
    one = 1 << fraction
    lo, hi = -(1 << (width - 1)), (1 << (width - 1)) - 1
    leak = -c_v
    leak_k = round(leak * one)
    if leak_k == 0:
        refuse(f"the leak factor 1 - exp(-dt/tau) = {leak:.3g} underflows to 0 in "
               f"Q{width - fraction}.{fraction}", "parameters")
    e_l = c0 / leak
    gain_k = round(c_i * 1000.0 * one)   # mV per step per nA
    if gain_k == 0:
        refuse(f"the input gain {c_i * 1000:.3g} mV/nA per step underflows to 0", "parameters")
    var, op, th = ir.threshold
    if op not in (">", ">="):
        refuse(f"threshold operator {op!r}; the seed fires on v_next >= V_THRESHOLD",
               "threshold")
    v_th = math.floor(th * one) + 1 if op == ">" else math.ceil(th * one)
    v_reset = next((round(v * one) for x, rop, v in ir.resets if rop == "="), round(e_l * one))
    v_rest = round(e_l * one)
    values = {"V_REST": v_rest, "V_RESET": v_reset, "V_THRESHOLD": v_th,
              "leak_k": leak_k, "gain_k": gain_k}
    for name, val in values.items():
        if not lo <= val <= hi:
            refuse(f"{name} = {val} ({val / one:.6g}) does not fit Q{width - fraction}."
                   f"{fraction}", "parameters")
    parameters = {"DATA_WIDTH": width, "FRACTION": fraction, "V_REST": v_rest,
                  "V_RESET": v_reset, "V_THRESHOLD": v_th,
                  "REFRACTORY_PERIOD": ir.refractory_hold}
    ports = {"leak_k": leak_k, "gain_k": gain_k, "noise_in": 0}
    spec = {
        "spec_version": 1, "profile": "q8_8", "module": Q88_MODULE,
        "model": ir.model_id, "preset": ir.preset, "model_file": ir.source,
        "model_sha256": ir.sha256, "method": ir.method, "dt_s": ir.dt,
        "rounding": "floor", "overflow": "wrap",
        "parameters": parameters,
        "ports": ports,
        "wrapper": {"module": module_name(ir.model_id, ir.preset) + "_q8_8",
                    "ports": "clk, rst, en, i_in (nA, Q8.8), spike, v (mV, Q8.8), ovf",
                    "ties": dict(ports)},
        "units": {"v": "mV, Q8.8", "i_in": "nA, Q8.8"},
        "exact_values": {"leak": leak, "E_L_mV": e_l, "gain_mV_per_nA": c_i * 1000.0,
                         "threshold_mV": th},
        "notes": "seed semantics: v held at V_REST while refractory; leak factor in Q8.8",
    }
    rb_model = ir.rheobase()
    spec["rheobase"] = q88_rheobase(spec, None if rb_model is None else rb_model / 1000.0)
    return spec


def _fires(spec: dict, i_int: int, steps: int) -> bool:
    """Whether the bit-true Q8.8 model fires within ``steps`` at a constant input."""
    p, ports = spec["parameters"], spec["ports"]
    n = SeedQ88LIF(p["DATA_WIDTH"], p["FRACTION"], p["V_REST"], p["V_RESET"],
                   p["V_THRESHOLD"], p["REFRACTORY_PERIOD"])
    for _ in range(steps):
        before = n.v
        spike, v = n.step(ports["leak_k"], ports["gain_k"], i_int)
        if spike:
            return True
        if v == before:   # a fixed point below threshold: it never fires
            return False
    return False


def q88_rheobase(spec: dict, model_nA: float | None, duration: float = 0.5) -> dict:
    """Rheobase of the bit-true Q8.8 model (smallest constant ``i_in`` that fires within
    ``duration``, as :meth:`MapIR.rheobase <neuroplug.hw.ir.MapIR.rheobase>` defines it
    for the float model) against the model's, in nA.

    Returns
    -------
    dict
        ``model_nA``, ``q8_8_nA``, ``shift`` (relative), ``tolerance_nA`` (the larger of
        :data:`RHEOBASE_TOLERANCE` of the model's rheobase and one input LSB),
        ``within_tolerance`` and ``duration_s``.
    """
    one = 1 << spec["parameters"]["FRACTION"]
    top = (1 << (spec["parameters"]["DATA_WIDTH"] - 1)) - 1
    steps = round(duration / spec["dt_s"])
    hi = 1
    while hi <= top and not _fires(spec, hi, steps):
        hi *= 2
    if hi > top:
        hi = top if _fires(spec, top, steps) else None
    q = None
    if hi is not None:
        lo = hi // 2   # does not fire (or 0)
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if _fires(spec, mid, steps):
                hi = mid
            else:
                lo = mid
        q = hi / one
    out = {"model_nA": model_nA, "q8_8_nA": q, "duration_s": duration,
           "input_lsb_nA": 1 / one}
    if model_nA is None or q is None:
        out.update({"shift": None, "tolerance_nA": None,
                    "within_tolerance": model_nA is None and q is None})
        return out
    tol = max(RHEOBASE_TOLERANCE * model_nA, 1 / one)
    out.update({"shift": (q - model_nA) / model_nA, "tolerance_nA": tol,
                "within_tolerance": abs(q - model_nA) <= tol})
    return out


def rheobase_warning(spec: dict) -> str | None:
    """The one-line warning of a q8_8 spec whose rheobase moved, or None."""
    rb = spec.get("rheobase") or {}
    if rb.get("within_tolerance", True):
        return None
    label = spec["model"] + (f"[{spec['preset']}]" if spec.get("preset") else "")
    if rb["q8_8_nA"] is None or rb["model_nA"] is None:
        return (f"q8_8 profile of '{label}': the model's rheobase is {rb['model_nA']} nA, the "
                f"Q8.8 bit-true model's {rb['q8_8_nA']} nA (None: no spike within "
                f"{rb['duration_s']:g} s at any input)")
    ex = spec["exact_values"]
    return (f"q8_8 profile of '{label}' moves the rheobase from {rb['model_nA']:.4g} nA "
            f"(model) to {rb['q8_8_nA']:.4g} nA (Q8.8 bit-true), {rb['shift']:+.1%} (tolerance "
            f"{rb['tolerance_nA']:.3g} nA): leak_k = {spec['ports']['leak_k']}/256 = "
            f"{spec['ports']['leak_k'] / 256:.4g} per step instead of {ex['leak']:.4g}, "
            f"gain_k = {spec['ports']['gain_k']}/256 instead of "
            f"{ex['gain_mV_per_nA']:.4g} mV/nA; inputs in between fire in one and not the other")


# ----------------------------------------------------------------------------------
def _lit(value: int, width: int) -> str:
    return f"-{width}'sd{-value}" if value < 0 else f"{width}'sd{value}"


_PARAM = r"^([ \t]*parameter\s+(?:signed\s+\[DATA_WIDTH-1:0\]|integer)\s+{name}\s*=\s*)" \
         r"(-?\d+)(,?)[ \t]*(//[^\n]*)?$"


def q88_verilog(spec: dict) -> str:
    """The exported ``np_q8_8_lif.v``: the hand-written seed module with the model's
    parameter defaults, and the wrapper that ties its constant ports."""
    from .. import __version__

    text = rtl_path(f"{Q88_MODULE}.v").read_text()
    p, ports, wrap = spec["parameters"], spec["ports"], spec["wrapper"]
    one = 1 << p["FRACTION"]
    ex = spec["exact_values"]
    notes = {"DATA_WIDTH": "bits of v and of every input",
             "FRACTION": f"fractional bits (Q{p['DATA_WIDTH'] - p['FRACTION']}."
                         f"{p['FRACTION']})",
             "V_REST": f"{p['V_REST'] / one:g} mV: resting potential (E_L "
                       f"{ex['E_L_mV']:.6g} mV)",
             "V_RESET": f"{p['V_RESET'] / one:g} mV: value after a spike",
             "V_THRESHOLD": f"{p['V_THRESHOLD'] / one:g} mV: spike when v_next >= this "
                            f"(model threshold {ex['threshold_mV']:.6g} mV)",
             "REFRACTORY_PERIOD": "steps held at V_REST after a spike"}
    for name, note in notes.items():
        pattern = re.compile(_PARAM.format(name=name), re.MULTILINE)
        if len(pattern.findall(text)) != 1:
            raise RuntimeError(f"{rtl_path(Q88_MODULE + '.v')}: expected one 'parameter ... "
                               f"{name} = <integer>' line to set the model's value")
        text = pattern.sub(lambda m, v=p[name], c=note: f"{m.group(1)}{v}{m.group(3)}  // {c}",
                           text)
    lines = text.splitlines(keepends=True)
    body = "".join(lines[lines.index("//\n") + 1:])   # the semantics, the module
    tail = "`default_nettype wire"
    body = body[:body.rindex(tail)]
    label = f"'{spec['model']}'" + (f", preset '{spec['preset']}'" if spec["preset"] else "")
    W = p["DATA_WIDTH"]
    head = [
        (f"// {Q88_MODULE}.v - GENERATED by neuroplug {__version__} (neuroplug export "
         "--format q8_8); do not edit."),
        (f"// From the hand-written hw/rtl/{Q88_MODULE}.v (the seed's FixedPointLIFNeuron) "
         f"with the constants of model {label}"),
        (f"// (method {spec['method']}, dt = {spec['dt_s'] * 1e3:g} ms per enabled cycle; model "
         f"file sha256 {spec['model_sha256']}):"),
        (f"//   {Q88_MODULE}: parameter defaults V_REST = {p['V_REST']}, V_RESET = "
         f"{p['V_RESET']}, V_THRESHOLD = {p['V_THRESHOLD']}, REFRACTORY_PERIOD = "
         f"{p['REFRACTORY_PERIOD']};"),
        (f"//     drive leak_k = {ports['leak_k']}, gain_k = {ports['gain_k']}, noise_in = 0 "
         "for the model (the seed's ports);"),
        (f"//   {wrap['module']}: the same with leak_k, gain_k and noise_in tied (ports clk, "
         "rst, en, i_in, spike, v, ovf)."),
        "// v in mV and i_in in nA, both Q8.8; rounding floor, overflow wrap.",
        "//",
    ]
    ints = ("DATA_WIDTH", "FRACTION", "REFRACTORY_PERIOD")
    params = ",\n".join(f"        .{k}({v if k in ints else _lit(v, W)})" for k, v in p.items())
    vec = f"signed [{W - 1}:0] "
    decls = [("input ", "clk,", "one model time step per clk edge with en = 1"),
             ("input ", "rst,", "synchronous, active high"),
             ("input ", "en,", "time step enable"),
             ("input ", vec + "i_in,", "input current, nA in Q8.8"),
             ("output", "spike,", "1 for the cycle after a firing step"),
             ("output", vec + "v,", "membrane potential, mV in Q8.8"),
             ("output", "ovf", "sticky: the sum wrapped")]
    pad = max(len(d) for _, d, _ in decls) + 1
    wrapper = [
        f"// ---- {wrap['module']}: model {label} with its constant ports tied",
        "/* verilator lint_off DECLFILENAME */",
        f"module {wrap['module']} (",
        *(f"    {io} wire {d:<{pad}}// {c}" for io, d, c in decls),
        ");",
        (f"    localparam signed [{W - 1}:0] LEAK_K = {_lit(ports['leak_k'], W)};  "
         f"// round({ex['leak']:.6g} * {one}): 1 - exp(-dt/tau) in Q8.8"),
        (f"    localparam signed [{W - 1}:0] GAIN_K = {_lit(ports['gain_k'], W)};  "
         f"// round({ex['gain_mV_per_nA']:.6g} * {one}): mV per step per nA in Q8.8"),
        f"    localparam signed [{W - 1}:0] NO_NOISE = {_lit(0, W)};",
        "",
        f"    {Q88_MODULE} #(",
        params,
        "    ) core (",
        "        .clk(clk), .rst(rst), .en(en), .leak_k(LEAK_K), .gain_k(GAIN_K), .i_in(i_in),",
        "        .noise_in(NO_NOISE), .spike(spike), .v(v), .ovf(ovf)",
        "    );",
        "endmodule",
        "/* verilator lint_on DECLFILENAME */",
        "",
    ]
    return "\n".join(head) + "\n" + body + "\n".join(wrapper) + "\n" + tail + "\n"
