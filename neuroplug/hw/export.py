"""Fixed-point design and export: formats, constant encodings, refusals, files.

:func:`design` turns a :class:`~neuroplug.hw.ir.MapIR` into a fixed-point *spec* (a
plain dict, written as the JSON sidecar) that :class:`~neuroplug.hw.bittrue.BitTrue`
and :func:`~neuroplug.hw.verilog.verilog_source` both execute.  :func:`export` writes
the Verilog module and the sidecar into a folder, as one unit
(:func:`~neuroplug.hw.pair.write_pair`).

Default formats follow a stated rule: every signal gets ``width`` (24) bits, with the
integer bits needed for 1.5x the range reached in characterisation runs (the model's
cross-check stimuli, its preset stimulus and 4x rheobase, 1 s each) and the rest
fractional, never fewer than 12 fractional bits (the width grows instead); inputs get 8x more headroom.

Imports point one way: ``export`` uses :mod:`~neuroplug.hw.verilog` (which uses
:mod:`~neuroplug.hw.q88` for the ``q8_8`` profile), :mod:`~neuroplug.hw.pair`,
:mod:`~neuroplug.hw.errors`, :mod:`~neuroplug.hw.ir` and
:mod:`~neuroplug.hw.fixedpoint`; none of them imports ``export``.
"""

from __future__ import annotations

import json
import math
import warnings
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

import numpy as np

from .errors import ExportError, ExportWarning
from .fixedpoint import OVERFLOWS, ROUNDINGS, FixedPointError, QFormat, coefficient_format, encode
from .ir import MapIR, build_map
from .pair import load_export, module_name, sidecar_json, verilog_sha256, write_pair
from .q88 import PROFILE_SETTINGS, q88_spec, rheobase_warning
from .verilog import verilog_source

__all__ = [
    "COEF_WIDTH_RANGE",
    "MAX_REL_ERROR",
    "MAX_SIGNAL_WIDTH",
    "SPEC_VERSION",
    "WIDTH_RANGE",
    "ExportError",
    "ExportWarning",
    "HwOptions",
    "characterise",
    "design",
    "error_check",
    "export",
    "load_export",
    "module_name",
]

SPEC_VERSION = 1
LOG2E = 1.0 / math.log(2.0)

#: allowed ``width`` (default signal width; a default format grows past it only to keep
#: ``min_frac`` fractional bits, never past :data:`MAX_SIGNAL_WIDTH`)
WIDTH_RANGE = (8, 64)
#: allowed ``coef_width`` (bits of each multiplier constant)
COEF_WIDTH_RANGE = (8, 64)
#: widest state or input format: every state, input and constant integer of the sidecar
#: fits a signed 64-bit integer (int64 readers); products and accumulators are wider in
#: the Verilog and exact in the bit-true model (Python integers)
MAX_SIGNAL_WIDTH = 64
#: largest error bound of a state, relative to its characterised range, that an export
#: accepts without ``accept_error`` (see :func:`error_check`)
MAX_REL_ERROR = 0.01

#: command-line spelling of the options, for messages
_OPTION = {"formats": "--format SIGNAL=Q...", "width": "--width", "coef_width": "--coef-width",
           "rounding": "--rounding", "overflow": "--overflow", "accept_error": "--accept-error"}


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
    accept_error : bool
        Export even when a state's error bound exceeds ``MAX_REL_ERROR`` of its
        characterised range (``error_check``; ``--accept-error``).

    Raises
    ------
    ExportError
        An option out of range: ``width`` outside ``WIDTH_RANGE``, ``coef_width``
        outside ``COEF_WIDTH_RANGE``, a format wider than ``MAX_SIGNAL_WIDTH``,
        an unknown rounding or overflow.
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
    accept_error: bool = False

    def __post_init__(self):
        for name, (lo, hi) in (("width", WIDTH_RANGE), ("coef_width", COEF_WIDTH_RANGE)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
                raise ExportError(
                    f"{_OPTION[name]} {value!r} is out of range; expected an integer "
                    f"{lo} <= {name} <= {hi} (every state, input and constant is a signed "
                    f"integer of at most {MAX_SIGNAL_WIDTH} bits)", field=name)
        for name in ("min_frac", "guard_bits", "lut_bits", "lut_frac", "arg_frac"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 64:
                raise ExportError(f"{name} = {value!r}; expected an integer 0 <= {name} <= 64",
                                  field=name)
        if not isinstance(self.formats, dict):
            raise ExportError(f"formats = {self.formats!r}; expected a dict "
                              "{signal: QFormat}", field="formats")
        for sig, f in self.formats.items():
            if not isinstance(f, QFormat):
                raise ExportError(f"the format of {sig!r} is {f!r}; expected a QFormat, "
                                  "e.g. QFormat(8, 16)", field=f"format.{sig}")
            if f.width > MAX_SIGNAL_WIDTH:
                raise ExportError(f"--format {sig}={f} is {f.width} bits; expected at most "
                                  f"{MAX_SIGNAL_WIDTH} (every state and input is a signed "
                                  f"integer of at most {MAX_SIGNAL_WIDTH} bits)",
                                  field=f"format.{sig}")
        if self.rounding not in ROUNDINGS:
            raise ExportError(f"unknown rounding {self.rounding!r}; expected one of {ROUNDINGS}",
                              field="rounding")
        if self.overflow not in OVERFLOWS:
            raise ExportError(f"unknown overflow {self.overflow!r}; expected one of {OVERFLOWS}",
                              field="overflow")


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
    from ..library import model as get_model
    from ..quantities import parse_quantity

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
        range; a format wider than :data:`MAX_SIGNAL_WIDTH`; a coefficient that underflows
        to 0 or needs more integer bits than ``coef_width``; an error bound above
        :data:`MAX_REL_ERROR` of a state's range (unless ``opts.accept_error``).
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
    for n, f in fmts.items():
        if f.width > MAX_SIGNAL_WIDTH:
            refuse(f"'{n}' needs {f} ({f.width} bits) to hold its range with {opts.min_frac} "
                   f"fractional bits; expected at most {MAX_SIGNAL_WIDTH} bits", f"format.{n}")

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
    spec["error_check"] = error_check(spec, accepted=opts.accept_error)
    if not spec["error_check"]["passed"] and not opts.accept_error:
        refuse(_error_message(ir, opts, ranges, spec["error_check"]), "coef_width")
    return spec


def error_check(spec: dict, accepted: bool = False) -> dict:
    """Each state's stated error bound relative to its characterised range.

    For a state whose map is linear and contracting (``rho < 1``) the bound is the
    steady-state one, ``per_step / (1 - rho)`` (what the error can build up to); for the
    others it is the per-step bound (the one that can be stated).  A state without
    terms (a constant) is exact and left out.

    Returns
    -------
    dict
        ``{"limit": MAX_REL_ERROR, "passed": bool, "accepted": accepted, "states":
        {name: {"bound", "kind", "range", "ratio", "unit"}}}``.
    """
    out = {}
    for s in spec["states"]:
        n = s["name"]
        if not s["terms"]:
            continue
        b = spec["error_bound"][n]
        lo, hi = spec["characterisation"]["states"][n]
        span = max(hi - lo, 2.0 ** -s["format"]["frac_bits"])
        steady = b["valid_for_linear"] and b["rho"] < 1.0
        bound = b["per_step"] / (1.0 - b["rho"]) if steady else b["per_step"]
        out[n] = {"bound": bound, "kind": "steady state" if steady else "per step",
                  "rho": b["rho"], "range": span, "ratio": bound / span, "unit": s["unit"]}
    return {"limit": MAX_REL_ERROR, "accepted": accepted, "states": out,
            "passed": all(x["ratio"] <= MAX_REL_ERROR for x in out.values())}


def _error_message(ir: MapIR, opts: HwOptions, ranges: dict, check: dict) -> str:
    """One line: the worst state's bound, the limit and a coefficient width that meets it."""
    n, x = max(check["states"].items(), key=lambda kv: kv[1]["ratio"])
    kind = (f"steady state: {x['bound'] * (1 - x['rho']):.3g} per step over 1 - rho = "
            f"{1 - x['rho']:.3g}" if x["kind"] == "steady state" else "per step")
    meets = None
    for cw in range(opts.coef_width + 1, COEF_WIDTH_RANGE[1] + 1):
        try:
            trial = design(ir, replace(opts, coef_width=cw, accept_error=True), ranges)
        except ExportError:
            continue
        if trial["error_check"]["passed"]:
            meets = cw
            break
    how = (f"--coef-width {meets} meets it" if meets else
           f"no --coef-width up to {COEF_WIDTH_RANGE[1]} meets it; give '{n}' more "
           "fractional bits (--format)")
    return (f"with --coef-width {opts.coef_width} the error bound on '{n}' is "
            f"{x['bound']:.3g} {x['unit']} ({kind}), {x['ratio']:.1%} of its characterised "
            f"range {x['range']:.4g} {x['unit']}, above the limit of {MAX_REL_ERROR:.0%}; "
            f"{how}, or pass --accept-error to export it anyway")


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
    """Write one file atomically into an existing or new folder (reports, tables)."""
    from ..files import atomic_write, check_output_dir

    check_output_dir(path.parent, "output folder")
    atomic_write(path, data)


def export(model, preset: str | None = None, out=".", opts: HwOptions | None = None,
           profile: str | None = None) -> dict:
    """Export a model: write ``<module>.v``, ``<module>.json`` into ``out``.

    A discrete-time map model (``kind = "map"``: the chip and fixed-point neurons) takes
    the integer path instead: its own statements compiled exactly
    (:mod:`neuroplug.hw.integer`; sidecar ``"profile": "integer"``), refused with the
    statement when they are not integer arithmetic; ``opts`` must then be left at
    their defaults and ``profile`` unset.

    The two files are written as one unit (``write_pair``):
    temporary files first, with the mode a new file gets under the umask, then renamed
    into place, the ``.v`` first and the ``.json`` (which records the ``.v``'s sha256)
    last; a failure leaves the old pair.  ``load_export`` reads a pair back and
    refuses one whose sha256 does not match.

    Parameters
    ----------
    model : str
        Model id or path to a model file.
    preset : str, optional
        Preset name.
    out : path
        Output folder (created).
    opts : HwOptions, optional
        Fixed-point choices (generic profile only).
    profile : {"q8_8"}, optional
        Compatibility profile instead of the generic design: a fixed format (Q8.8,
        rounding floor, overflow wrap), so ``opts`` must be left at its defaults.

    Returns
    -------
    dict
        The spec, with ``files`` added (paths written).

    Raises
    ------
    ExportError
        The design is refused (see ``design``), ``opts`` were given with the
        ``q8_8`` profile, or the profile is unknown.
    neuroplug.errors.OutputPathError
        ``out`` cannot be created or written (nothing is changed there).

    Warns
    -----
    ExportWarning
        The ``q8_8`` profile moves the rheobase by more than its tolerance
        (``q88_rheobase``); the sidecar records both values.
    """
    out = Path(out)
    if profile == "q8_8" and _is_integer_model(model):
        raise ExportError("--format q8_8 is the LIF profile of the float exporter; an "
                          "integer map model is exported as written (omit --format)",
                          field="format")
    if profile == "q8_8":
        changed = [_OPTION.get(f.name, f.name) for f in fields(HwOptions)
                   if opts is not None and getattr(opts, f.name) != getattr(HwOptions(), f.name)]
        if changed:
            fixed = PROFILE_SETTINGS
            raise ExportError(
                f"--format q8_8 is a fixed profile ({fixed['format']}, {fixed['width']} bits, "
                f"rounding {fixed['rounding']}, overflow {fixed['overflow']}); "
                f"{', '.join(changed)} do{'es' if len(changed) == 1 else ''} not apply to it; "
                "expected none of them (or a generic export without --format q8_8)",
                field="format")
        spec = q88_spec(model, preset)
    elif profile is not None:
        raise ExportError(f"unknown profile {profile!r}; expected 'q8_8'", field="format")
    elif _is_integer_model(model):
        return _export_integer(model, preset, out, opts)
    else:
        ir = build_map(model, preset)
        spec = design(ir, opts)
    src = verilog_source(spec)
    spec["verilog_sha256"] = verilog_sha256(src)
    vname, jname = f"{spec['module']}.v", f"{spec['module']}.json"
    vpath, jpath = write_pair(out, {vname: src, jname: sidecar_json(spec)})
    spec["files"] = [str(vpath), str(jpath)]
    warning = rheobase_warning(spec) if profile == "q8_8" else None
    if warning:
        warnings.warn(warning, ExportWarning, stacklevel=2)
    return spec


def _is_integer_model(model) -> bool:
    """Discrete-time map models take the integer path (:mod:`neuroplug.hw.integer`)."""
    from ..library import model as get_model
    from .integer import is_integer_candidate

    try:
        m = get_model(model)
    except Exception:  # noqa: BLE001 - the float path reports the loader's error
        return False
    return is_integer_candidate(m)


def _export_integer(model, preset, out: Path, opts) -> dict:
    """Write ``<module>.v`` and ``<module>.json`` of an integer map model (the model's own
    statements; :func:`neuroplug.hw.integer.integer_spec`)."""
    from .integer import integer_spec, integer_verilog

    if opts is not None and opts != HwOptions():
        raise ExportError("fixed-point options (--format, --width, --coef-width, --rounding, "
                          "--overflow) do not apply to an integer map model: its widths "
                          "come from its own arithmetic; expected none of them",
                          field="format")
    spec = integer_spec(model, preset)
    src = integer_verilog(spec)
    spec["verilog_sha256"] = verilog_sha256(src)
    vname, jname = f"{spec['module']}.v", f"{spec['module']}.json"
    vpath, jpath = write_pair(out, {vname: src, jname: sidecar_json(spec)})
    spec["files"] = [str(vpath), str(jpath)]
    return spec
