"""Fixed-point design and export: formats, constant encodings, refusals, files.

:func:`design` turns a :class:`~neuroplug.hw.ir.MapIR` into a fixed-point *spec* (a
plain dict, written as the JSON sidecar) that :class:`~neuroplug.hw.bittrue.BitTrue`
and :func:`~neuroplug.hw.verilog.write_verilog` both execute.  :func:`export` writes
the Verilog module, the sidecar and a copy of the cocotb testbench into a folder.

Default formats follow a stated rule: every signal gets ``width`` (24) bits, with the
integer bits needed for 1.5x the range reached in characterisation runs (the model's
cross-check stimuli, its preset stimulus and 4x rheobase, 1 s each) and the rest
fractional, never fewer than 12 fractional bits (the width grows instead); inputs get 8x more headroom.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .fixedpoint import (OVERFLOWS, ROUNDINGS, FixedPointError, QFormat, coefficient_format,
                         encode)
from .ir import MapIR, NotExportable, build_map

__all__ = ["HwOptions", "design", "export", "characterise", "module_name", "ExportError",
           "SPEC_VERSION"]

SPEC_VERSION = 1
LOG2E = 1.0 / math.log(2.0)


class ExportError(NotExportable):
    """The export was refused (a constant or range does not fit, a coefficient underflows)."""


@dataclass
class HwOptions:
    """Fixed-point choices of an export.

    Attributes
    ----------
    formats : dict
        Per-signal formats overriding the defaults, ``{"v": QFormat(8, 16)}``.
    width, min_frac : int
        Default signal width and the least fractional bits of a default format.
    coef_width : int
        Bits of every multiplier constant (its binary point is placed per constant).
    guard_bits : int
        Extra fractional bits of the accumulators.
    rounding, overflow : str
        ``floor``/``half_up``/``toward_zero`` and ``saturate``/``wrap``.
    lut_bits, lut_frac, arg_frac : int
        exp(): index bits of the 2^frac LUT, fractional bits of its entries and of the
        base-2 argument.
    """

    formats: dict = field(default_factory=dict)
    width: int = 24
    min_frac: int = 12
    coef_width: int = 24
    guard_bits: int = 4
    rounding: str = "half_up"
    overflow: str = "saturate"
    lut_bits: int = 8
    lut_frac: int = 16
    arg_frac: int = 16

    def __post_init__(self):
        if self.rounding not in ROUNDINGS:
            raise ExportError(f"unknown rounding {self.rounding!r}; expected one of {ROUNDINGS}",
                              field="rounding")
        if self.overflow not in OVERFLOWS:
            raise ExportError(f"unknown overflow {self.overflow!r}; expected one of {OVERFLOWS}",
                              field="overflow")


def module_name(model_id: str, preset: str | None) -> str:
    base = f"np_{model_id}" + (f"_{preset}" if preset else "")
    return "".join(c if c.isalnum() or c == "_" else "_" for c in base).lower()


_CHAR_CACHE: dict = {}


def characterise(ir: MapIR, duration: float = 1.0) -> dict:
    """Cached :func:`_characterise` (per model file hash, preset, method, duration)."""
    key = (ir.source, ir.sha256, ir.preset, ir.method, duration)
    if key not in _CHAR_CACHE:
        _CHAR_CACHE[key] = _characterise(ir, duration)
    return json.loads(json.dumps(_CHAR_CACHE[key]))


def _characterise(ir: MapIR, duration: float = 1.0) -> dict:
    """Ranges reached by the float map (exp clamped as in hardware) over the stimuli.

    Returns ``{"stimuli": [...], "states": {name: [min, max]}, "input": [min, max]}``
    in working units; the pre-reset values of spiking steps are included.
    """
    from ..quantities import parse_quantity
    from ..library import model as get_model

    m = get_model(ir.source if ir.source and ir.source.endswith(".toml") else ir.model_id)
    inp = next(iter(ir.inputs))
    scale = ir.inputs[inp].scale
    amps = [float(parse_quantity(a)) / scale for a in m.crosscheck.stimulus]
    if ir.preset and m.presets[ir.preset].stimulus:
        amps.append(float(parse_quantity(m.presets[ir.preset].stimulus)) / scale)
    rb = ir.rheobase()
    if rb:
        amps += [1.05 * rb, 4 * rb]
    amps = sorted(set([0.0] + amps))
    steps = int(round(duration / ir.dt))
    lo = {n: s.init for n, s in ir.states.items()}
    hi = dict(lo)
    fm = ir.float_map(clamp_exp=True, n=len(amps))
    traces, _, pre = fm.run(np.broadcast_to(np.array(amps), (steps, len(amps))), inp)
    for n in ir.states:
        for arr in (traces[n], pre[n]):
            lo[n] = min(lo[n], float(np.min(arr)))
            hi[n] = max(hi[n], float(np.max(arr)))
    return {"stimuli": amps, "duration": duration, "rheobase": rb,
            "states": {n: [lo[n], hi[n]] for n in ir.states},
            "input": [min(amps), max(amps)]}


def _default_format(lo: float, hi: float, opts: HwOptions) -> QFormat:
    r = max(abs(lo), abs(hi), 1e-12) * 1.5
    int_bits = max(1, math.ceil(math.log2(r + 2.0 ** -opts.min_frac)) + 1)
    frac = max(opts.width - int_bits, opts.min_frac)
    return QFormat(int_bits, frac)


def design(ir: MapIR, opts: HwOptions | None = None, ranges: dict | None = None) -> dict:
    """Choose formats, encode every constant and return the fixed-point spec.

    Raises
    ------
    ExportError
        A user format that cannot hold a constant, an initial value or a characterised
        range; a coefficient that underflows to 0 or needs more integer bits than
        ``coef_width``.
    """
    opts = opts or HwOptions()
    ranges = ranges or characterise(ir)

    def refuse(msg, fld):
        raise ExportError(f"export refused: {msg}", source=ir.source, model=ir.model_id,
                          field=fld)

    unknown = set(opts.formats) - set(ir.states) - set(ir.inputs)
    if unknown:
        refuse(f"--format names {sorted(unknown)}, which are not signals of the model; expected "
               f"some of {sorted(ir.states) + sorted(ir.inputs)}", "format")
    fmts: dict[str, QFormat] = {}
    for n in ir.states:
        lo, hi = ranges["states"][n]
        fmts[n] = opts.formats.get(n) or _default_format(lo, hi, opts)
    inp = next(iter(ir.inputs))
    for n in ir.inputs:
        lo, hi = ranges["input"]
        # 8x headroom: full-range inputs must be able to drive the state into saturation
        fmts[n] = opts.formats.get(n) or _default_format(lo * 8, hi * 8, opts)

    def check_fits(name, value, what):
        f = fmts[name]
        if not f.min_value <= value <= f.max_value:
            refuse(f"{what} of '{name}' = {value:.6g} does not fit {f} (range "
                   f"[{f.min_value:.6g}, {f.max_value:.6g}])", f"format.{name}")

    for n in ir.states:
        lo, hi = ranges["states"][n]
        check_fits(n, lo, "the minimum reached in characterisation")
        check_fits(n, hi, "the maximum reached in characterisation")
        check_fits(n, ir.states[n].init, "the initial value")
    lo, hi = ranges["input"]
    check_fits(inp, lo, "the smallest characterisation stimulus")
    check_fits(inp, hi, "the largest characterisation stimulus")

    def enc(value, fmt, what, fld):
        try:
            return encode(value, fmt, what)
        except FixedPointError as exc:
            refuse(str(exc), fld)

    def coef(value, what, fld):
        try:
            f = coefficient_format(value, opts.coef_width)
            return f, encode(value, f, what)
        except FixedPointError as exc:
            refuse(f"{what}: {exc}", fld)

    g = opts.guard_bits
    states = []
    lut = [round(2.0 ** ((i + 0.5) / 2 ** opts.lut_bits) * 2 ** opts.lut_frac)
           for i in range(2 ** opts.lut_bits)]
    step = 2 ** opts.lut_bits
    lut_err = max(abs(lut[i] / 2 ** opts.lut_frac / 2.0 ** (j / step) - 1)
                  for i in range(step) for j in (i, i + 1))   # over each LUT interval
    for n, s in ir.states.items():
        fx = fmts[n]
        acc_frac = fx.frac_bits + g
        terms = []
        for ti, t in enumerate(s.terms):
            fk, k = coef(t.coef, f"coefficient {t.label()} of the update of '{n}'",
                         f"state.{n}")
            frac = fk.frac_bits + sum(fmts[f].frac_bits for f in t.factors)
            width = fk.width + sum(fmts[f].width for f in t.factors)
            term = {"label": t.label(), "coef": t.coef, "k": k, "k_format": fk.to_dict(),
                    "factors": list(t.factors), "exp": None}
            if t.exp is not None:
                e = t.exp
                fa, ka = coef(e.alpha * LOG2E, f"exp slope of {t.label()}", f"state.{n}")
                fy = opts.arg_frac
                kb = round(e.beta * LOG2E * 2 ** fy)
                n_max = math.floor(ir.exp_arg_max * LOG2E)
                y_max = ((n_max + 1) << fy) - 1
                n_min = math.floor(math.log2(2.0 ** -(acc_frac + 1) / abs(t.coef)))
                n_min = min(n_min, n_max - 1)
                y_min = n_min << fy
                ef = opts.lut_frac - n_min
                ew = opts.lut_frac + 2 + (n_max - n_min) + 1
                term["exp"] = {"var": e.var, "alpha": e.alpha, "beta": e.beta, "ka": ka,
                               "ka_format": fa.to_dict(), "kb": kb, "arg_frac": fy,
                               "ka_shift": fa.frac_bits + fmts[e.var].frac_bits - fy,
                               "y_min": y_min, "y_max": y_max, "n_min": n_min, "n_max": n_max,
                               "lut_bits": opts.lut_bits, "lut_frac": opts.lut_frac,
                               "frac": ef, "width": ew, "lut": lut,
                               "arg_clamp": [y_min / 2 ** fy / LOG2E, (y_max + 1) / 2 ** fy
                                             / LOG2E]}
                frac += ef
                width += ew
            reach = abs(t.coef) * math.prod(max(abs(v) for v in (
                ranges["states"][f] if f in ranges["states"] else ranges["input"]))
                for f in t.factors)
            if t.exp is None and reach < 2.0 ** -acc_frac:
                refuse(f"term {t.label()} of the update of '{n}' underflows to 0: its largest "
                       f"value in characterisation, {reach:.3g}, is below the accumulator LSB "
                       f"2^-{acc_frac} of {fx} + {g} guard bits; give '{n}' more fractional "
                       "bits", f"format.{n}")
            term["product_frac"] = frac
            term["product_width"] = width
            term["shift"] = frac - acc_frac
            terms.append(term)
        states.append({"name": n, "unit": s.unit, "scale": s.scale, "format": fx.to_dict(),
                       "init": s.init, "init_int": enc(s.init, fx, f"initial value of '{n}'",
                                                       f"state.{n}.init") if s.init else 0,
                       "hold_when_refractory": s.hold_when_refractory, "acc_frac": acc_frac,
                       "terms": terms})
    var, op, th = ir.threshold
    fv = fmts[var]
    scaled = th * 2 ** fv.frac_bits
    t_int = math.floor(scaled) if op in (">", "<=") else math.ceil(scaled)
    if not fv.min_int <= t_int <= fv.max_int:
        refuse(f"threshold {th:.6g} does not fit {fv}", "threshold")
    resets = []
    for x, rop, val in ir.resets:
        if rop == "=":
            ri = enc(val, fmts[x], f"reset value of '{x}'", "reset") if val else 0
        else:
            ri = enc(val, fmts[x], f"reset increment of '{x}'", "reset") if val else 0
        resets.append({"var": x, "op": rop, "value": val, "int": ri})
    hold = ir.refractory_hold
    spec = {
        "spec_version": SPEC_VERSION,
        "module": module_name(ir.model_id, ir.preset),
        "profile": "generic",
        "model": ir.model_id, "preset": ir.preset, "model_file": ir.source,
        "model_sha256": ir.sha256, "method": ir.method, "dt_s": ir.dt,
        "rounding": opts.rounding, "overflow": opts.overflow, "guard_bits": g,
        "coef_width": opts.coef_width,
        "states": states,
        "inputs": [{"name": i.name, "unit": i.unit, "scale": i.scale,
                    "format": fmts[i.name].to_dict()} for i in ir.inputs.values()],
        "threshold": {"var": var, "op": op, "value": th, "int": t_int},
        "resets": resets,
        "refractory_steps": ir.refractory_steps, "refractory_hold": hold,
        "counter_width": max(1, hold.bit_length()),
        "exp_lut_max_rel_error": lut_err if any(t["exp"] for s in states
                                                for t in s["terms"]) else None,
        "characterisation": ranges,
    }
    spec["error_bound"] = error_bound(spec)
    return spec


def error_bound(spec: dict, ranges: dict | None = None) -> dict:
    """Per-step error of the bit-true map against the float map, per state, in LSB.

    Sums, for one step from the same state: each coefficient's quantisation error
    times the largest monomial reached in characterisation, each term's rounding
    (1 or 1/2 accumulator LSB) and the final rounding (1 or 1/2 state LSB).  For a
    linear one-state map the error then contracts by ``rho = |1 + c_self|`` per
    step, so after ``N`` steps it is at most ``e * sum_k rho**k``; that bound is
    only ``valid`` for linear maps without exp().
    """
    rnd = 0.5 if spec["rounding"] == "half_up" else 1.0
    ranges = ranges or spec["characterisation"]   # or the ranges of one trajectory
    mag = {n: max(abs(v) for v in r) for n, r in ranges["states"].items()}
    for i in spec["inputs"]:
        mag[i["name"]] = max(abs(v) for v in ranges["input"])
    out = {}
    for s in spec["states"]:
        lsb = 2.0 ** -s["format"]["frac_bits"]
        acc_lsb = 2.0 ** -s["acc_frac"]
        e = rnd * lsb
        rho, linear = 1.0, True
        for t in s["terms"]:
            kq = t["k"] / 2 ** t["k_format"]["frac_bits"]
            mono = math.prod(mag[f] for f in t["factors"]) if t["factors"] else 1.0
            e += abs(kq - t["coef"]) * mono
            if t["exp"]:
                e += abs(t["coef"]) * mono * _exp_error(t["exp"], ranges, spec)
            if t["shift"] > 0:
                e += rnd * acc_lsb
            if t["exp"] or len(t["factors"]) > 1 or any(f != s["name"] and f in mag and
                                                       f in [x["name"] for x in spec["states"]]
                                                       for f in t["factors"]):
                linear = False
            if t["factors"] == [s["name"]]:
                rho = abs(1.0 + t["coef"])
        out[s["name"]] = {"per_step": e, "per_step_lsb": e / lsb, "rho": rho,
                          "valid_for_linear": linear and len(spec["states"]) == 1}
    return out


def _exp_error(ex: dict, ranges: dict, spec: dict) -> float:
    """Largest |exp_hw - exp| of one exp() factor over the characterised range.

    exp(a x + b) = 2^y with y = (a log2 e) x + b log2 e: the quantised slope and offset
    and the truncation of y to ``arg_frac`` bits move y by ``dy``; the LUT's relative
    error and the output's rounding to ``frac`` bits add to that.
    """
    xs = ranges["states"][ex["var"]]
    lo, hi = ex["arg_clamp"]
    top = math.exp(min(max(ex["alpha"] * x + ex["beta"] for x in xs), hi))
    slope = ex["ka"] / 2 ** ex["ka_format"]["frac_bits"]
    dy = (abs(slope - ex["alpha"] * LOG2E) * max(abs(x) for x in xs)
          + 1.5 * 2.0 ** -ex["arg_frac"])
    rel = spec.get("exp_lut_max_rel_error") or 0.0
    return top * (rel + math.log(2) * dy) + 2.0 ** -ex["frac"]


def bound_after(spec: dict, name: str, steps: int) -> float:
    """Bound on |bit-true - float| after ``steps`` steps (working units), linear maps."""
    b = spec["error_bound"][name]
    rho = b["rho"]
    total = steps if rho >= 1.0 else (1 - rho ** steps) / (1 - rho)
    return b["per_step"] * total


# ----------------------------------------------------------------------------------
def _atomic_write(path: Path, data: str | bytes):
    from ..files import atomic_write, check_output_dir

    check_output_dir(path.parent, "output folder")
    atomic_write(path, data)


def sidecar_json(spec: dict) -> str:
    return json.dumps(spec, indent=1, default=float) + "\n"


def export(model, preset: str | None = None, out=".", opts: HwOptions | None = None,
           profile: str | None = None) -> dict:
    """Export a model: write ``<module>.v``, ``<module>.json`` into ``out``.

    Parameters
    ----------
    model : str
        Model id or path to a model file.
    preset : str, optional
        Preset name.
    out : path
        Output folder (created).
    opts : HwOptions, optional
        Fixed-point choices.
    profile : {"q8_8"}, optional
        Compatibility profile instead of the generic design.

    Returns
    -------
    dict
        The spec, with ``files`` added (paths written).
    """
    from .verilog import verilog_source

    out = Path(out)
    if profile == "q8_8":
        from .q88 import q88_spec

        spec = q88_spec(model, preset)
    elif profile is not None:
        raise ExportError(f"unknown profile {profile!r}; expected 'q8_8'", field="format")
    else:
        ir = build_map(model, preset)
        spec = design(ir, opts)
    src = verilog_source(spec)
    spec["verilog_sha256"] = hashlib.sha256(src.encode()).hexdigest()
    vpath = out / f"{spec['module']}.v"
    jpath = out / f"{spec['module']}.json"
    _atomic_write(vpath, src)
    _atomic_write(jpath, sidecar_json(spec))
    spec["files"] = [str(vpath), str(jpath)]
    return spec
