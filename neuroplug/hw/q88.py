"""The ``q8_8`` compatibility profile: the seed's FixedPointLIFNeuron, from a library LIF.

The hand-written module ``hw/rtl/np_q8_8_lif.v`` implements the seed semantics
(:class:`neuroplug.hw.bittrue.SeedQ88LIF`).  Exporting a one-variable linear model
with this profile folds the model into the seed's constants: ``v`` in mV and the input
in nA, both Q8.8; ``leak_k = round((1 - exp(-dt/tau)) * 256)``, ``gain_k`` the input's
gain per step, ``V_THRESHOLD`` such that ``v_next >= V_THRESHOLD`` equals the model's
``v > V_th`` on the Q8.8 grid, and ``REFRACTORY_PERIOD`` the steps Brian2 holds ``v``.
The seed differs from Brian2 in two documented ways: ``v`` is held at ``V_REST`` (not
the reset value) while refractory, and the leak factor is Q8.8 (coarse).
"""

from __future__ import annotations

import math
from pathlib import Path

from .ir import build_map

__all__ = ["q88_spec", "q88_verilog", "rtl_path", "Q88_MODULE"]

Q88_MODULE = "np_q8_8_lif"


def rtl_path(name: str) -> Path:
    """Path of a hand-written RTL file (installed copy first, then the source tree)."""
    here = Path(__file__).resolve().parent
    for cand in (here / "rtl" / name, here.parents[1] / "hw" / "rtl" / name):
        if cand.exists():
            return cand
    raise FileNotFoundError(f"hand-written RTL {name} not found next to {here}")


def q88_verilog(spec: dict) -> str:
    return rtl_path(f"{Q88_MODULE}.v").read_text()


def q88_spec(model, preset=None, width: int = 16, fraction: int = 8) -> dict:
    """Fold a one-variable linear model (``lif``) into the seed's Q8.8 constants."""
    from .export import ExportError

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
    return {
        "spec_version": 1, "profile": "q8_8", "module": Q88_MODULE,
        "model": ir.model_id, "preset": ir.preset, "model_file": ir.source,
        "model_sha256": ir.sha256, "method": ir.method, "dt_s": ir.dt,
        "rounding": "floor", "overflow": "wrap",
        "parameters": {"DATA_WIDTH": width, "FRACTION": fraction, "V_REST": v_rest,
                       "V_RESET": v_reset, "V_THRESHOLD": v_th,
                       "REFRACTORY_PERIOD": ir.refractory_hold},
        "ports": {"leak_k": leak_k, "gain_k": gain_k, "noise_in": 0},
        "units": {"v": "mV, Q8.8", "i_in": "nA, Q8.8"},
        "exact_values": {"leak": leak, "E_L_mV": e_l, "gain_mV_per_nA": c_i * 1000.0,
                         "threshold_mV": th},
        "notes": "seed semantics: v held at V_REST while refractory; leak factor in Q8.8",
    }
