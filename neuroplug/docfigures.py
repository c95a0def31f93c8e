"""Characterisation figures of the model pages (``neuroplug docs --figures``).

For one model :func:`characterise` writes, under ``docs/catalog/figures/``:

- ``<id>-response.png`` (and ``<id>-response-<preset>.png`` per cross-checked preset):
  the model's cross-check stimuli run in Brian2 and in BrainPy by
  :func:`neuroplug.crosschecking.run`, overlaid, with the measured agreement of that run;
- ``<id>-fi.png``: f-I curve (rate against step amplitude, rheobase marked) of a
  spiking model, or ``<id>-activity.png``: steady output against input amplitude of a
  rate / neural-mass model;
- ``<id>-phase.png``: phase plane (nullclines, vector field, one trajectory) of a model
  with exactly two differential state variables;
- ``<id>-dt.png``: discretisation error: first spike times at the default ``dt`` (and
  dt/2 ... dt/8) against a reference at dt/16, same method;
- ``<id>-thumb.png``: a thumbnail of the response, for the gallery;
- ``<id>.json``: the sidecar: the model file's sha256, versions, every number behind
  the figures, the figures made and why others are absent.  The Markdown pages
  (:mod:`neuroplug.catalog`) read their measured numbers from it.

Everything is deterministic (fixed seeds, PNG metadata stripped), so a regeneration
with the same library versions gives the same files.  Nothing here is imported by
``import neuroplug``; simulators are imported inside the functions.
"""

from __future__ import annotations

import json
import math
import os
import re
import time
from pathlib import Path

import numpy as np

__all__ = ["characterise", "generate", "sidecar_path", "read_sidecar", "FIGURE_KINDS",
           "MAX_STEPS"]

#: figure kinds in page order (response figures of presets are ``response-<preset>``)
FIGURE_KINDS = ("response", "fi", "activity", "phase", "dt")
#: the figure runs are the model's cross-check protocol, cut to this many steps
MAX_STEPS = 10000
#: f-I / activity sweeps: steps at most, neurons in the coarse and the fine sweep
FI_MAX_STEPS = 10000
FI_COARSE = 32
FI_FINE = 16
#: discretisation: reference dt = dt / REF_DIV; steps of the reference at most
REF_DIV = 16
REF_MAX_STEPS = 24000
FIRST_SPIKES = 5
DPI = 80

_SCALE = {"volt": (1e3, "mV"), "amp": (1e12, "pA"), "amp/meter**2": (1e2, "uA/cm²"),
          "amp / metre ** 2": (1e2, "uA/cm²"), "siemens": (1e9, "nS"),
          "volt/second": (1.0, "mV/ms"), "second": (1e3, "ms"), "Hz": (1.0, "Hz"),
          "hertz": (1.0, "Hz")}


_SCALE_KEYS = {k.replace(" ", "").replace("metre", "meter"): v for k, v in _SCALE.items()}


def _failure(what: str, exc: Exception) -> str:
    """One-line reason a figure is absent: what failed and the exception, shortened."""
    return f"{what} failed: {type(exc).__name__}: {' '.join(str(exc).split())[:300]}"


def _scale(unit: str):
    """(factor, label) to show a quantity in ``unit`` (SI) in a readable unit."""
    if not unit or unit == "1":
        return 1.0, "1"
    key = unit.replace(" ", "").replace("(", "").replace(")", "").replace("metre", "meter")
    return _SCALE_KEYS.get(key, (1.0, unit))


def _axis_label(name: str, label: str) -> str:
    return name if label == "1" else f"{name} ({label})"


def _fig_dir(root) -> Path:
    return Path(root) / "docs" / "catalog" / "figures"


def sidecar_path(root, model_id: str) -> Path:
    return _fig_dir(root) / f"{model_id}.json"


def read_sidecar(root, model_id: str) -> dict | None:
    """The sidecar of a model under ``root``, or None if there is none (or unreadable)."""
    p = sidecar_path(root, model_id)
    try:
        return json.loads(p.read_text())
    except (OSError, ValueError):
        return None


def _r(x, digits=6):
    """Round for the sidecar (readable, and stable against last-bit noise)."""
    if x is None:
        return None
    if isinstance(x, (list, tuple)):
        return [_r(v, digits) for v in x]
    if isinstance(x, dict):
        return {k: _r(v, digits) for k, v in x.items()}
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        x = float(x)
        if not math.isfinite(x):
            return None
        return float(f"{x:.{digits}g}")
    return x


# -- matplotlib ---------------------------------------------------------------------
def _plt():
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.size": 8, "axes.titlesize": 8, "axes.labelsize": 8,
                         "legend.fontsize": 7, "xtick.labelsize": 7, "ytick.labelsize": 7,
                         "svg.hashsalt": "neuroplug", "path.simplify": True,
                         "path.simplify_threshold": 0.5, "agg.path.chunksize": 20000})
    return plt


def _save(fig, path: Path, dpi=DPI):
    """Write a PNG deterministically (no metadata, palette-free) and atomically."""
    plt = _plt()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    fig.savefig(tmp, format="png", dpi=dpi, metadata={"Software": None},
                pil_kwargs={"optimize": True})
    plt.close(fig)
    _quantise_png(tmp)
    os.replace(tmp, path)
    return path


def _quantise_png(path: Path):
    """Reduce a PNG to a 64-colour palette (a third of the size; the plots have few
    colours); deterministic."""
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - matplotlib depends on Pillow
        return
    with Image.open(path) as im:
        im = im.convert("RGB").quantize(colors=64, method=Image.Quantize.FASTOCTREE,
                                        dither=Image.Dither.NONE)
        im.save(path, format="PNG", optimize=True)


def _downsample(t, y, most=4000):
    """Min/max envelope of long traces (what the figure shows at 80 dpi anyway)."""
    n = len(t)
    if n <= most:
        return t, y
    k = int(math.ceil(n / (most / 2)))
    m = n // k
    yy = y[: m * k].reshape(m, k)
    tt = t[: m * k].reshape(m, k)
    lo, hi = yy.argmin(axis=1), yy.argmax(axis=1)
    first = np.minimum(lo, hi)
    second = np.maximum(lo, hi)
    idx = np.arange(m)
    ts = np.stack([tt[idx, first], tt[idx, second]], axis=1).reshape(-1)
    ys = np.stack([yy[idx, first], yy[idx, second]], axis=1).reshape(-1)
    return ts, ys


# -- the model's description --------------------------------------------------------
def _primary_state(m) -> str:
    if m.output and m.output in m.state:
        return m.output
    if m.spike_variable and m.spike_variable in m.state:
        return m.spike_variable
    diff = [k for k, s in m.state.items() if s.differential]
    return (diff or list(m.state))[0]


def _duration_cap(m):
    from .quantities import parse_quantity

    dt = float(parse_quantity(m.crosscheck.dt))
    full = float(parse_quantity(m.crosscheck.duration))
    cap = min(full, MAX_STEPS * dt)
    onset = float(parse_quantity(m.crosscheck.onset))
    if cap <= onset:
        cap = full
    return cap, full, dt


def _amplitudes_si(m):
    from .quantities import parse_quantity

    return [float(parse_quantity(a)) for a in m.crosscheck.stimulus]


def _latex(m) -> list[str]:
    """The equations as LaTeX lines (sympy via Brian2's parser); [] if it fails."""
    try:
        import sympy
        from brian2 import Equations
        from brian2.parsing.sympytools import str_to_sympy

        eqs = Equations(m.equations)
        out = []
        for eq in eqs.ordered:
            if eq.type == "differential equation":
                lhs = rf"\frac{{d{sympy.latex(sympy.Symbol(eq.varname))}}}{{dt}}"
            elif eq.type == "subexpression":
                lhs = sympy.latex(sympy.Symbol(eq.varname))
            else:
                continue
            rhs = sympy.latex(str_to_sympy(str(eq.expr.code)))
            where = re.search(rf"^\s*(d\s*)?{re.escape(eq.varname)}\b", m.equations, re.M)
            out.append((where.start() if where else len(m.equations), f"{lhs} &= {rhs}"))
        return [line for _, line in sorted(out)]  # the file's order (Brian2's is a set's)
    except Exception:  # noqa: BLE001 - rendering is a nicety; the text block stays
        return []


# -- 1. response (cross-check overlay) ----------------------------------------------
def _response(m, preset, out: Path, thumb: Path | None):
    from . import crosschecking

    cap, full, dt = _duration_cap(m)
    t0 = time.perf_counter()
    res = crosschecking.run(m.id, preset=preset, duration=cap)
    seconds = time.perf_counter() - t0
    cc = {"preset": preset, "tier": res.tier, "passed": res.passed, "method": res.method,
          "dt_s": _r(res.dt), "duration_s": _r(res.duration), "full_duration_s": _r(full),
          "amplitudes": _labels(m, res.input_name, res.amplitudes), "input": res.input_name,
          "failures": res.failures}
    mv = res.metrics.get("variables", {})
    if mv:
        cc["max_rel"] = _r(max(v["max_rel"] for v in mv.values()), 3)
        cc["max_rel_per_variable"] = {k: _r(v["max_rel"], 3) for k, v in mv.items()}
    sp = res.metrics.get("spikes")
    if sp:
        cc["spikes_brian2"] = list(sp["brian2"])
        cc["spikes_brainpy"] = list(sp["brainpy"])
        if res.tier == "exact":
            cc["spike_steps_identical"] = bool(res.metrics.get("spike_steps_identical"))
    if res.metrics.get("divergence"):
        cc["divergence"] = res.metrics["divergence"]
    dist = res.metrics.get("distribution")
    if dist:
        cc["distribution"] = [{"amplitude": _r(r["amplitude"]),
                               "rate_brian2": _r(r["rate_brian2"], 5),
                               "rate_brainpy": _r(r["rate_brainpy"], 5),
                               "rate_rel_diff": _r(r["rate_rel_diff"], 3),
                               "ks_pvalue": _r(r["ks_pvalue"], 3)} for r in dist]
        cc["seeds"] = res.metrics.get("seeds")
        cc["neurons_per_amplitude"] = res.metrics.get("neurons_per_amplitude")
    _plot_response(m, res, cc, out, thumb)
    return cc, res, seconds


def _labels(m, input_name, amplitudes) -> list[str]:
    """Readable, deterministic amplitude labels (Brian2's best unit for 0 is arbitrary)."""
    f, lab = _scale(m.inputs[input_name].unit)
    return [f"{a * f:.4g} {lab}" if lab != "1" else f"{a:.4g}" for a in amplitudes]


def _summary_line(cc) -> str:
    parts = [f"tier {cc['tier']}", "PASSED" if cc["passed"] else "FAILED"]
    if "spike_steps_identical" in cc and sum(cc.get("spikes_brian2", [])):
        parts.append("spike steps identical" if cc["spike_steps_identical"]
                     else "spike steps differ")
    if "max_rel" in cc:
        parts.append(f"max rel diff {cc['max_rel']:.1e}")
    if "distribution" in cc:
        worst = max((r["rate_rel_diff"] or 0) for r in cc["distribution"])
        parts.append(f"rates within {worst:.1%}")
    return ", ".join(parts)


def _zoom_window(m, res):
    """(start, end) in ms of a zoom on the first spikes of the strongest stimulus, or None
    when the full run is readable (few spikes)."""
    from .quantities import parse_quantity

    sb = res.spikes.get("brian2") or []
    if not sb or not len(res.amplitudes):
        return None
    i = int(np.argmax(np.abs(res.amplitudes)))
    s = np.asarray(sb[i]) if i < len(sb) else np.zeros(0)
    if len(s) <= 15:
        return None
    onset = float(parse_quantity(m.crosscheck.onset)) * 1e3
    end = (s[7] + 1) * res.dt * 1e3
    end = onset + 1.1 * (end - onset)
    start = max(0.0, onset - 0.1 * (end - onset))
    return start, end


def _plot_main(ax, t, a, b, f, colors, labels, name, res, with_legend):
    for i in range(a.shape[0]):
        c = colors[i % len(colors)]
        ax.plot(*_downsample(t, a[i] * f), color=c, lw=1.6, alpha=0.75,
                label=f"{res.input_name} = {labels[i]}")
        ax.plot(*_downsample(t, b[i] * f), color="k", lw=0.4)
    if not with_legend:
        return
    ax.plot([], [], color="k", lw=0.4, label="BrainPy")
    if a.shape[0] <= 8:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=6)
    else:
        ax.text(1.01, 1.0, f"{a.shape[0]} units\n(one line each;\nstimulus per unit\n"
                f"{labels[0]} to\n{labels[-1]})\nblack: BrainPy", transform=ax.transAxes,
                va="top", fontsize=6)


def _plot_response(m, res, cc, out: Path, thumb: Path | None):
    plt = _plt()
    tb, tp = res.traces.get("brian2", {}), res.traces.get("brainpy", {})
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    main = _primary_state(m)
    others = [k for k in m.state if k != main and k in tb][:3]
    dist = cc.get("distribution")
    zoom = _zoom_window(m, res) if main in tb else None
    n_panels = 1 + bool(zoom) + bool(others or dist)
    fig, axes = plt.subplots(n_panels, 1, figsize=(7.2, 1.2 + 1.7 * n_panels),
                             squeeze=False, gridspec_kw={"hspace": 0.75})
    fin, lin = _scale(m.inputs[res.input_name].unit)
    labels = [f"{a * fin:.4g} {lin}" if lin != "1" else f"{a:.4g}" for a in res.amplitudes]
    axes = list(axes[:, 0])
    ax = axes[0]
    if main in tb:
        a, b = tb[main], tp[main]
        t = np.arange(1, a.shape[1] + 1) * res.dt * 1e3
        f, label = _scale(m.state[main].unit)
        _plot_main(ax, t, a, b, f, colors, labels, main, res, True)
        ax.set_ylabel(_axis_label(main, label))
        ax.set_xlim(t[0] - res.dt * 1e3, t[-1])
        if zoom:
            az = axes.pop(1)
            k0 = max(0, int(zoom[0] / (res.dt * 1e3)) - 1)
            k1 = min(a.shape[1], int(zoom[1] / (res.dt * 1e3)) + 1)
            _plot_main(az, t[k0:k1], a[:, k0:k1], b[:, k0:k1], f, colors, labels, main, res,
                       False)
            az.set_xlim(t[k0], t[k1 - 1])
            az.set_ylabel(_axis_label(main, label))
            az.set_title(f"zoom: {zoom[0]:.4g} to {zoom[1]:.4g} ms", fontsize=7)
            ax.axvspan(t[k0], t[k1 - 1], color="0.85", zorder=0)
            az.set_xlabel("time (ms)")
    ax.set_title(f"{m.id}" + (f" [{res.preset}]" if res.preset else "")
                 + f": Brian2 (colour), BrainPy (black)\n{_summary_line(cc)}, "
                 f"{res.method}, dt {res.dt * 1e3:g} ms", loc="left")
    n_panels = len(axes)
    if n_panels > 1:
        ax2 = axes[1]
        if dist:
            amps = np.array([r["amplitude"] for r in dist])
            f, label = _scale(m.inputs[res.input_name].unit)
            ax2.plot(amps * f, [r["rate_brian2"] for r in dist], "o-", color=colors[0],
                     label="Brian2")
            ax2.plot(amps * f, [r["rate_brainpy"] for r in dist], "x--", color="k",
                     label="BrainPy")
            ax2.set_xlabel(_axis_label(res.input_name, label))
            ax2.set_ylabel("rate (Hz)")
            ax2.set_title(f"mean rate, {cc['seeds']} seeds x {cc['neurons_per_amplitude']} "
                          "neurons per amplitude")
            ax2.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
        else:
            i = int(np.argmax(np.abs(res.amplitudes)))  # the strongest stimulus
            t = np.arange(1, tb[others[0]].shape[1] + 1) * res.dt * 1e3
            for j, k in enumerate(others):
                a, b = tb[k][i], tp[k][i]
                lo, hi = float(np.nanmin(a)), float(np.nanmax(a))
                span = hi - lo if hi > lo else 1.0
                f, label = _scale(m.state[k].unit)
                c = colors[(j + 3) % len(colors)]
                ax2.plot(*_downsample(t, (a - lo) / span), color=c, lw=1.0,
                         label=f"{k}: {lo * f:.3g} to {hi * f:.3g}"
                         + ("" if label == "1" else f" {label}"))
                ax2.plot(*_downsample(t, (b - lo) / span), color="k", lw=0.4)
            ax2.set_ylabel("normalised")
            ax2.set_title(f"other state variables at {res.input_name} = "
                          f"{labels[i]}, scaled to [0, 1] (range in legend)")
            ax2.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False,
                       fontsize=6)
            ax2.set_xlim(t[0] - res.dt * 1e3, t[-1])
            ax2.set_xlabel("time (ms)")
    ax.set_xlabel("time (ms)")
    fig.subplots_adjust(left=0.09, right=0.78, top=0.9, bottom=0.08)
    _save(fig, out)
    if thumb is not None and main in tb:
        fig, ax = plt.subplots(figsize=(2.0, 1.25))
        a = tb[main]
        t = np.arange(1, a.shape[1] + 1) * res.dt * 1e3
        if zoom:
            k1 = min(a.shape[1], int(zoom[1] / (res.dt * 1e3)) + 1)
            a, t = a[:, :k1], t[:k1]
        for i in range(a.shape[0]):
            ax.plot(*_downsample(t, a[i], 400), color=colors[i % len(colors)], lw=0.8)
        ax.set_axis_off()
        fig.subplots_adjust(0, 0, 1, 1)
        _save(fig, thumb)


# -- 2. f-I curve / activity --------------------------------------------------------
def _sweep_range(m):
    amps = _amplitudes_si(m)
    big = max(amps, key=abs)
    if big == 0:
        return None
    return 0.0, 1.5 * big


def _sweep(m, amps, dt, nsteps, onset_steps, record=None):
    """Brian2 (numpy) run of one neuron per amplitude; spike counts in the second half of
    the stimulation and in all of it, or the recorded variable."""
    import brian2 as b2

    from .brian2 import group

    N = len(amps)
    G = group(m, N, dt=dt * b2.second)
    inp = m.primary_input
    unit = m.inputs[inp].unit
    from brian2.units.fundamentalunits import get_unit

    from .codegen import dim_of_unit

    u = 1 if unit == "1" else get_unit(dim_of_unit(unit))
    stim = np.zeros((nsteps, N))
    stim[onset_steps:] = np.asarray(amps)[None, :]
    G.namespace["np_stimulus"] = b2.TimedArray(stim * u, dt=dt * b2.second)
    G.run_regularly(f"{inp} = np_stimulus(t, i)", when="start")
    objs = [G]
    S = b2.SpikeMonitor(G) if m.threshold else None
    M = None
    if S is not None:
        objs.append(S)
    if record:
        M = b2.StateMonitor(G, record, record=True, when="end", dt=dt * b2.second)
        objs.append(M)
    b2.seed(1234)
    net = b2.Network(*objs)
    net.run(nsteps * dt * b2.second, namespace={})
    out = {}
    if S is not None:
        steps = np.round(np.asarray(S.t_) / dt).astype(int)
        idx = np.asarray(S.i)
        out["spikes"] = [np.sort(steps[idx == i]) for i in range(N)]
    if M is not None:
        out["trace"] = np.asarray(getattr(M, record + "_"), dtype=float)
    return out


def _fi(m, out: Path, bracket=None):
    from .quantities import parse_quantity

    rng = _sweep_range(m)
    dt = float(parse_quantity(m.dt))
    onset = float(parse_quantity(m.crosscheck.onset))
    onset_steps = int(round(onset / dt))
    nsteps = onset_steps + min(FI_MAX_STEPS, int(round(1.0 / dt)))
    lo, hi = rng
    coarse = np.linspace(lo, hi, FI_COARSE)
    window = (nsteps - onset_steps) * dt

    def rates(amps):
        spk = _sweep(m, amps, dt, nsteps, onset_steps)["spikes"]
        half = onset_steps + (nsteps - onset_steps) // 2
        first = [int(np.sum(s >= onset_steps)) for s in spk]
        late = [int(np.sum(s >= half)) for s in spk]
        return np.array(first), np.array(late) / ((nsteps - half) * dt)

    # the fine grid goes into the same run, between the cross-check amplitudes that
    # bracket the rheobase (from the response run), else near the bottom of the sweep
    fine = np.zeros(0)
    if bracket is not None:
        fine = np.linspace(bracket[0], bracket[1], FI_FINE + 2)[1:-1]
    amps_all = np.concatenate([coarse, fine])
    counts, rate = rates(amps_all)
    rheo, resolution = None, None
    fired = np.nonzero(counts > 0)[0]
    if len(fired):
        order = np.argsort(np.abs(amps_all), kind="stable")
        a_sorted, c_sorted = amps_all[order], counts[order]
        k = int(np.nonzero(c_sorted > 0)[0][0])
        rheo = float(a_sorted[k])
        resolution = float(abs(a_sorted[k] - a_sorted[k - 1])) if k > 0 else 0.0
    amps_all, rate_all = list(amps_all), list(rate)
    order = np.argsort(amps_all)
    amps_all = np.asarray(amps_all)[order]
    rate_all = np.asarray(rate_all)[order]
    inp = m.primary_input
    f, label = _scale(m.inputs[inp].unit)
    plt = _plt()
    fig, ax = plt.subplots(figsize=(4.8, 3.0))
    ax.plot(amps_all * f, rate_all, "o-", ms=2.5, lw=1)
    if rheo is not None:
        ax.axvline(rheo * f, color="tab:red", lw=0.8, ls="--")
        ax.text(rheo * f, ax.get_ylim()[1] * 0.95, f" rheobase {rheo * f:.4g} {label}",
                color="tab:red", va="top", fontsize=7)
    ax.set_xlabel(_axis_label(f"step amplitude {inp}", label))
    ax.set_ylabel("rate, second half of the step (Hz)")
    ax.set_title(f"{m.id}: f-I curve (Brian2, {m.method}, dt {dt * 1e3:g} ms, "
                 f"{window * 1e3:g} ms steps)")
    fig.tight_layout()
    _save(fig, out)
    return {"amplitudes": _r(amps_all.tolist(), 5), "rates_hz": _r(rate_all.tolist(), 5),
            "rheobase": _r(rheo, 5), "rheobase_resolution": _r(resolution, 3),
            "input": inp, "input_unit": m.inputs[inp].unit, "dt_s": _r(dt),
            "step_duration_s": _r(window), "method": m.method}


def _bracket(m, res):
    """The cross-check amplitudes (same sign as the sweep) that bracket the rheobase:
    (largest without a spike, smallest with one), from the Brian2 response run."""
    if res is None or not res.spikes.get("brian2"):
        return None
    rng = _sweep_range(m)
    sign = 1.0 if rng[1] > 0 else -1.0
    pairs = sorted((sign * a, len(s)) for a, s in zip(res.amplitudes, res.spikes["brian2"])
                   if sign * a >= 0)
    silent = [a for a, n in pairs if n == 0]
    firing = [a for a, n in pairs if n > 0]
    if not firing:
        return None
    lo = max([a for a in silent if a < min(firing)], default=0.0)
    return sign * lo, sign * min(firing)


def _activity(m, out: Path):
    from .quantities import parse_quantity

    lo, hi = _sweep_range(m)
    amps = np.linspace(lo, hi, 24)
    var = m.output or _primary_state(m)
    dt = float(parse_quantity(m.dt))
    onset_steps = int(round(float(parse_quantity(m.crosscheck.onset)) / dt))
    nsteps = onset_steps + min(FI_MAX_STEPS, int(round(1.0 / dt)))
    tr = _sweep(m, amps, dt, nsteps, onset_steps, record=var)["trace"]
    half = tr[:, onset_steps + (nsteps - onset_steps) // 2:]
    mean, mn, mx = half.mean(axis=1), half.min(axis=1), half.max(axis=1)
    unit = m.state[var].unit if var in m.state else ""
    fv, lv = _scale(unit)
    inp = m.primary_input
    f, label = _scale(m.inputs[inp].unit)
    plt = _plt()
    fig, ax = plt.subplots(figsize=(4.8, 3.0))
    ax.fill_between(amps * f, mn * fv, mx * fv, alpha=0.3, lw=0, label="min to max")
    ax.plot(amps * f, mean * fv, "o-", ms=2.5, lw=1, label="mean")
    ax.set_xlabel(_axis_label(f"step amplitude {inp}", label))
    ax.set_ylabel(f"{var}" + (f" ({lv})" if lv and lv != "1" else ""))
    ax.set_title(f"{m.id}: output over the second half of a "
                 f"{(nsteps - onset_steps) * dt * 1e3:g} ms step (Brian2)")
    ax.legend(frameon=False)
    fig.tight_layout()
    _save(fig, out)
    return {"variable": var, "amplitudes": _r(amps.tolist(), 5), "mean": _r(mean.tolist(), 5),
            "min": _r(mn.tolist(), 5), "max": _r(mx.tolist(), 5), "input": inp,
            "dt_s": _r(dt), "step_duration_s": _r((nsteps - onset_steps) * dt)}


# -- 3. phase plane -----------------------------------------------------------------
def _derivatives(m, preset, names, X, Y, inp_value, dt):
    """dx/dt and dy/dt on a grid, from Brian2's equations (one Euler step of a group
    without threshold or reset, one neuron per grid point)."""
    import brian2 as b2

    from .brian2 import group_arguments

    args = group_arguments(m, 1, preset=preset)
    eqs = re.sub(r"\(\s*unless refractory\s*\)", "", args.equations)
    N = X.size
    namespace = dict(args.namespace)
    if re.search(r"\bnot_refractory\b", eqs):  # no refractoriness here: never refractory
        namespace["not_refractory"] = True
    G = b2.NeuronGroup(N, eqs, method="euler", namespace=namespace,
                       dt=dt * b2.second)
    for k, v in args.initial.items():
        try:
            setattr(G, k, v)
        except Exception:  # noqa: BLE001 - an initial value given as an expression
            pass
    setattr(G, names[0] + "_", X.ravel())
    setattr(G, names[1] + "_", Y.ravel())
    inp = m.primary_input
    if inp and inp_value is not None:
        setattr(G, inp + "_", inp_value)
    x0 = np.array(getattr(G, names[0] + "_"))
    y0 = np.array(getattr(G, names[1] + "_"))
    net = b2.Network(G)
    net.run(dt * b2.second, namespace={})
    dx = (np.array(getattr(G, names[0] + "_")) - x0) / dt
    dy = (np.array(getattr(G, names[1] + "_")) - y0) / dt
    return dx.reshape(X.shape), dy.reshape(X.shape)


def _phase(m, res, out: Path):
    names = [k for k, s in m.state.items() if s.differential]
    tb = res.traces["brian2"]
    i = tb[names[0]].shape[0] - 1
    x, y = tb[names[0]][i], tb[names[1]][i]
    inp_value = res.amplitudes[i] if m.crosscheck.protocol == "step" else 0.0

    def span(a):
        lo, hi = float(np.nanmin(a)), float(np.nanmax(a))
        pad = 0.15 * (hi - lo) if hi > lo else max(abs(lo) * 0.1, 1e-3)
        return lo - pad, hi + pad

    (x0, x1), (y0, y1) = span(x), span(y)
    gx, gy = np.linspace(x0, x1, 121), np.linspace(y0, y1, 121)
    X, Y = np.meshgrid(gx, gy)
    dx, dy = _derivatives(m, res.preset, names, X, Y, inp_value, res.dt)
    fx, lx = _scale(m.state[names[0]].unit)
    fy, ly = _scale(m.state[names[1]].unit)
    plt = _plt()
    fig, ax = plt.subplots(figsize=(4.8, 3.6))
    with np.errstate(all="ignore"):
        ax.contour(X * fx, Y * fy, dx, levels=[0], colors="tab:blue", linewidths=1.2)
        ax.contour(X * fx, Y * fy, dy, levels=[0], colors="tab:orange", linewidths=1.2)
        q = slice(None, None, 10)
        U, V = dx[q, q] / (x1 - x0), dy[q, q] / (y1 - y0)
        norm = np.hypot(U, V)
        norm[norm == 0] = 1
        ax.quiver(X[q, q] * fx, Y[q, q] * fy, U / norm, V / norm, color="0.6",
                  angles="xy", scale=30, width=0.004)
    ax.plot(*_downsample(x * fx, y * fy, 3000), color="k", lw=0.7)
    ax.plot([x[0] * fx], [y[0] * fy], "ko", ms=3)
    ax.plot([], [], color="tab:blue", label=f"d{names[0]}/dt = 0")
    ax.plot([], [], color="tab:orange", label=f"d{names[1]}/dt = 0")
    ax.plot([], [], color="k", label="trajectory (Brian2)")
    ax.set_xlim(x0 * fx, x1 * fx)
    ax.set_ylim(y0 * fy, y1 * fy)
    ax.set_xlabel(_axis_label(names[0], lx))
    ax.set_ylabel(_axis_label(names[1], ly))
    ax.legend(loc="best", frameon=True, framealpha=0.8)
    ax.set_title(f"{m.id}: phase plane at {res.input_name} = "
                 f"{res.amplitude_labels[i] if m.crosscheck.protocol == 'step' else 0}")
    fig.tight_layout()
    _save(fig, out)
    return {"variables": names, "input": res.input_name,
            "input_value": _r(inp_value), "note": "nullclines from one Euler step of "
            "Brian2's equations on a 121x121 grid; threshold and reset not drawn"}


# -- 4. discretisation error --------------------------------------------------------
def _discretisation(m, res, out: Path):
    from .crosschecking import simulate_brian2
    from .quantities import parse_quantity

    dt = float(parse_quantity(m.dt))
    onset = float(parse_quantity(m.crosscheck.onset))
    amps = np.asarray(res.amplitudes)
    sb = res.spikes["brian2"]
    use = [i for i in range(len(amps)) if len(sb[i]) and amps[i] != 0]
    if not use:
        return None, "no spikes in the cross-check run"
    # window: the onset, then up to the FIRST_SPIKES-th spike of the strongest stimulus
    # (+30 %); at most REF_MAX_STEPS reference steps after the onset
    ends = [sb[i][min(FIRST_SPIKES, len(sb[i])) - 1] * res.dt - onset for i in use]
    post = min(1.3 * max(min(ends), 0.0) + 2 * dt, REF_MAX_STEPS * dt / REF_DIV)
    window = onset + post
    amps = amps[use]
    divs = [1, 2, 4, 8, REF_DIV]
    spikes = {}
    for d in divs:
        h = dt / d
        n = int(round(window / h))
        stim = np.zeros((n, len(amps)))
        stim[int(round(onset / h)):] = amps[None, :]
        _, spk, _ = simulate_brian2(m, None, m.method, stim, h, record=False)
        spikes[d] = [np.asarray(s) * h for s in spk]
    keep = [j for j in range(len(amps)) if len(spikes[REF_DIV][j])]
    if not keep:
        return None, f"no spike within {post * 1e3:g} ms of the onset in the reference run"
    spikes = {d: [v[j] for j in keep] for d, v in spikes.items()}
    use = [use[j] for j in keep]
    amps = amps[keep]
    ref = spikes[REF_DIV]
    rows, errors = [], {}
    for d in divs[:-1]:
        per = []
        for j in range(len(amps)):
            k = min(len(spikes[d][j]), len(ref[j]), FIRST_SPIKES)
            per.append([float(a - b) for a, b in zip(spikes[d][j][:k], ref[j][:k])])
        errors[d] = per
    worst = {d: max((abs(e) for per in errors[d] for e in per), default=float("nan"))
             for d in errors}
    fin, lin = _scale(m.inputs[res.input_name].unit)
    labels = [f"{res.amplitudes[i] * fin:.4g} {lin}" if lin != "1" else
              f"{res.amplitudes[i]:.4g}" for i in use]
    plt = _plt()
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(6.4, 2.8), gridspec_kw={"wspace": 0.4})
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for j, lab in enumerate(labels):
        e = np.asarray(errors[1][j]) * 1e3
        a1.plot(np.arange(1, len(e) + 1), e, "o-", ms=3, color=colors[use[j] % len(colors)],
                label=f"{res.input_name} = {lab}")
    a1.axhline(0, color="0.5", lw=0.5)
    a1.set_xlabel("spike number")
    a1.set_ylabel("t(dt) - t(ref) (ms)")
    a1.set_title(f"default dt {dt * 1e3:g} ms, {m.method}")
    a1.legend(frameon=False, fontsize=6)
    ds = np.array(divs[:-1])
    w = np.array([worst[d] for d in divs[:-1]]) * 1e3
    ok = np.isfinite(w) & (w > 0)
    if ok.any():
        a2.loglog(dt / ds[ok] * 1e3, w[ok], "o-", ms=3)
    zero = ~ok & np.isfinite(w)
    if zero.any():
        a2.text(0.5, 0.5, "identical spike steps at\n" + ", ".join(
            f"dt/{d}" for d in ds[zero]), transform=a2.transAxes, ha="center", fontsize=7)
    a2.set_xticks(dt / ds * 1e3, [f"{x:g}" for x in dt / ds * 1e3])
    a2.minorticks_off()
    a2.set_xlabel("dt (ms)")
    a2.set_ylabel("max |spike time error| (ms)")
    a2.set_title(f"first {FIRST_SPIKES} spikes vs dt/{REF_DIV}")
    fig.suptitle(f"{m.id}: discretisation error (Brian2, same method)", fontsize=8)
    fig.subplots_adjust(left=0.1, right=0.97, bottom=0.16, top=0.82)
    _save(fig, out)
    return {"dt_s": _r(dt), "method": m.method, "reference_dt_s": _r(dt / REF_DIV),
            "onset_s": _r(onset), "window_s": _r(window), "amplitudes": labels,
            "first_spike_errors_s": _r(errors[1], 4),
            "max_abs_error_s": {f"dt/{d}": _r(worst[d], 4) for d in divs[:-1]}}, None


# -- 5. hardware --------------------------------------------------------------------
def _hardware(m, root: Path):
    try:
        from .hw.export import design
        from .hw.ir import NotExportable, build_map
    except ImportError:
        return None
    try:
        ir = build_map(m.id)
    except NotExportable as exc:
        why = " ".join(str(exc).split()).replace(str(m.source), f"equations/{m.id}.toml")
        why = re.sub(r"\[('[^\]]*')\]", lambda mt: "[" + ", ".join(sorted(
            x.strip() for x in mt.group(1).split(","))) + "]", why)  # set order varies
        return {"exportable": False, "reason": why}
    except Exception as exc:  # noqa: BLE001
        return {"exportable": False, "reason": f"{type(exc).__name__}: {exc}"}
    out = {"exportable": True, "presets": [None] + list(m.presets)}
    try:
        spec = design(ir)
        out["formats"] = {s["name"]: f"Q{s['format']['int_bits']}.{s['format']['frac_bits']}"
                          for s in spec["states"]}
        out["input_formats"] = {i["name"]: f"Q{i['format']['int_bits']}."
                                f"{i['format']['frac_bits']}" for i in spec["inputs"]}
        out["error_bound_lsb_per_step"] = {k: _r(v["per_step_lsb"], 4)
                                           for k, v in spec["error_bound"].items()}
    except Exception as exc:  # noqa: BLE001
        out["design_error"] = f"{type(exc).__name__}: {exc}"
    hw = root / "docs" / "hardware.md"
    if not hw.is_file():  # a checkout without docs: the package's own
        hw = Path(__file__).resolve().parent.parent / "docs" / "hardware.md"
    text = hw.read_text() if hw.is_file() else ""
    res = re.search(rf"^\| `np_{m.id}` \|(.*)$", text, re.M)
    header = re.search(r"^\| module \| formats \|(.*)$", text, re.M)
    if res and header:
        cols = [c.strip() for c in header.group(1).split("|") if c.strip()]
        vals = [c.strip() for c in res.group(1).split("|")][1:len(cols) + 1]
        named, part = {}, ""
        for col, val in zip(cols, vals):  # "iCE40 UP5K LUT4 | FF | ... | xc7 LUT | FF | ..."
            for family in ("iCE40 UP5K", "xc7"):
                if col.startswith(family + " "):
                    part, col = family, col[len(family) + 1:]
            named[f"{part} {col}".strip()] = val
        out["resources"] = named
    ladder = {}
    for p in out["presets"]:
        label = m.id + (f"[{p}]" if p else "")
        row = re.search(rf"^\| `{re.escape(label)}` \| (PASS|FAIL) \|", text, re.M)
        ladder[label] = row.group(1) if row else "not run"
    out["ladder"] = ladder
    return out


# -- one model ----------------------------------------------------------------------
def _versions():
    import brian2

    from . import __version__ as npv

    try:
        import brainpy

        bpv = brainpy.__version__
    except Exception:  # noqa: BLE001
        bpv = None
    import matplotlib

    return {"neuroplug": npv, "brian2": brian2.__version__, "brainpy": bpv,
            "matplotlib": matplotlib.__version__, "numpy": np.__version__}


def _why_no_fi(m):
    if m.crosscheck.protocol == "spikes":
        return "no f-I curve: synaptic model driven by incoming spikes (see the response)"
    if m.coupling:
        return "no f-I curve: the units are coupled through a kernel, one population " \
               "per run (see the response)"
    if _sweep_range(m) is None:
        return "no f-I curve: the cross-check stimulus is zero"
    return None


def _why_no_phase(m):
    diff = [k for k, s in m.state.items() if s.differential]
    if m.is_map:
        return "no phase plane: map (discrete time)"
    if m.stochastic:
        return "no phase plane: stochastic model"
    if m.coupling:
        return "no phase plane: coupled population"
    if len(diff) != 2 or len(m.state) != 2:
        return f"no phase plane: {len(m.state)} state variables ({len(diff)} differential)"
    return None


def _why_no_dt(m):
    if m.is_map:
        return "no discretisation figure: map model (dt is the model's step, not an " \
               "approximation)"
    if m.stochastic:
        return "no discretisation figure: stochastic model (distributional tier)"
    if not m.threshold:
        return "no discretisation figure: no spikes to time (rate, mean-field or synaptic model)"
    if m.crosscheck.protocol != "step":
        return "no discretisation figure: driven by incoming spikes"
    if m.coupling:
        return "no discretisation figure: coupled population"
    return None


def characterise(model_id: str, root=".") -> dict:
    """Make every figure of one model under ``root/docs/catalog/figures`` and write its
    sidecar; return the sidecar."""
    from .library import model

    m = model(model_id)
    root = Path(root)
    fdir = _fig_dir(root)
    fdir.mkdir(parents=True, exist_ok=True)
    for old in fdir.glob(f"{m.id}-*.png"):  # no stale figure of a removed preset survives
        if re.fullmatch(rf"{re.escape(m.id)}-(response(-.+)?|fi|activity|phase|dt|thumb)\.png",
                        old.name):
            old.unlink()
    side = {"model": m.id, "sha256": m.sha256, "versions": _versions(),
            "figures": {}, "absent": {}, "crosscheck": {}}
    timing = {}
    t0 = time.perf_counter()
    res_default = None
    for preset in [None] + list(m.crosscheck.presets):
        name = f"response-{preset}" if preset else "response"
        try:
            cc, res, sec = _response(m, preset, fdir / f"{m.id}-{name}.png",
                                     fdir / f"{m.id}-thumb.png" if preset is None else None)
            side["figures"][name] = f"{m.id}-{name}.png"
            side["crosscheck"][preset or "default"] = cc
            if preset is None:
                res_default = res
        except Exception as exc:  # noqa: BLE001 - recorded, the page says so
            side["absent"][name] = _failure("cross-check run", exc)
    timing["response_s"] = time.perf_counter() - t0
    other = [p for p in m.presets if p not in m.crosscheck.presets]
    if other:
        side["presets_without_figure"] = {
            p: (m.crosscheck.excluded_reason(p) or "not in the model's cross-check presets "
                "(see the cross-check reason)") for p in other}
    # f-I or activity
    t0 = time.perf_counter()
    why = _why_no_fi(m)
    if why:
        side["absent"]["fi"] = why
    else:
        kind = "fi" if m.threshold else "activity"
        try:
            if m.threshold:
                data = _fi(m, fdir / f"{m.id}-fi.png", _bracket(m, res_default))
            else:
                data = _activity(m, fdir / f"{m.id}-activity.png")
            side["figures"][kind] = f"{m.id}-{kind}.png"
            side[kind] = data
        except Exception as exc:  # noqa: BLE001
            side["absent"][kind] = _failure("sweep", exc)
        if m.threshold is None:
            side["absent"]["fi"] = "no f-I curve: no threshold (rate / mean-field model); " \
                                   "the activity curve shows the output against the input"
    timing["sweep_s"] = time.perf_counter() - t0
    # phase plane
    t0 = time.perf_counter()
    why = _why_no_phase(m)
    if why is None and res_default is None:
        why = "no phase plane: the cross-check run failed"
    if why:
        side["absent"]["phase"] = why
    else:
        try:
            side["phase"] = _phase(m, res_default, fdir / f"{m.id}-phase.png")
            side["figures"]["phase"] = f"{m.id}-phase.png"
        except Exception as exc:  # noqa: BLE001
            side["absent"]["phase"] = _failure("phase plane", exc)
    timing["phase_s"] = time.perf_counter() - t0
    # discretisation
    t0 = time.perf_counter()
    why = _why_no_dt(m)
    if why is None and res_default is None:
        why = "no discretisation figure: the cross-check run failed"
    if why:
        side["absent"]["dt"] = why
    else:
        try:
            data, why = _discretisation(m, res_default, fdir / f"{m.id}-dt.png")
            if data:
                side["dt"] = data
                side["figures"]["dt"] = f"{m.id}-dt.png"
            else:
                side["absent"]["dt"] = f"no discretisation figure: {why}"
        except Exception as exc:  # noqa: BLE001
            side["absent"]["dt"] = _failure("discretisation run", exc)
    timing["dt_s"] = time.perf_counter() - t0
    if (fdir / f"{m.id}-thumb.png").exists():
        side["figures"]["thumb"] = f"{m.id}-thumb.png"
    side["latex"] = _latex(m)
    hw = _hardware(m, root)
    if hw is not None:
        side["hardware"] = hw
    text = json.dumps(side, indent=1, sort_keys=False) + "\n"
    tmp = sidecar_path(root, m.id).with_suffix(".json.tmp")
    tmp.write_text(text)
    os.replace(tmp, sidecar_path(root, m.id))
    side["_timing"] = timing
    return side


def _worker(args):
    model_id, root = args
    from .crosschecking import exact_cpu_flags

    exact_cpu_flags()  # before JAX starts in this worker: BrainPy runs in-process
    _quiet()
    t0 = time.perf_counter()
    side = characterise(model_id, root)
    return model_id, time.perf_counter() - t0, sorted(side["absent"]), side["_timing"]


def _quiet():
    import logging
    import warnings

    warnings.filterwarnings("ignore")
    logging.getLogger("brian2").setLevel(logging.ERROR)
    try:
        import brian2

        brian2.prefs.codegen.target = "numpy"
        brian2.BrianLogger.suppress_hierarchy("brian2")
    except Exception:  # noqa: BLE001
        pass


def _cost(model_id) -> float:
    from .library import model
    from .quantities import parse_quantity

    m = model(model_id)
    cc = m.crosscheck
    steps = min(MAX_STEPS, float(parse_quantity(cc.duration)) / float(parse_quantity(cc.dt)))
    runs = (1 + len(cc.presets)) * (cc.seeds if cc.tier == "distributional" else 1)
    return steps * runs * (1 + len(m.state)) + 4 * FI_MAX_STEPS


def generate(model_ids, root=".", jobs=1, progress=True, log=None) -> dict:
    """Characterise ``model_ids`` (``jobs`` worker processes); return seconds per model."""
    from .progress import progress_bar

    root = str(Path(root).resolve())
    ids = sorted(model_ids, key=_cost, reverse=True)  # the long ones first: even load
    times = {}
    if jobs <= 1:
        it = map(_worker, [(mid, root) for mid in ids])
        for mid, sec, absent, timing in progress_bar(it, desc="figures", total=len(ids),
                                                     disable=not progress):
            times[mid] = sec
            if log:
                log(f"{mid}: {sec:.1f} s {timing}")
        return times
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor, as_completed

    from .crosschecking import exact_cpu_flags

    exact_cpu_flags()  # inherited by the spawned workers
    ctx = mp.get_context("spawn")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as ex:
        futs = [ex.submit(_worker, (mid, root)) for mid in ids]
        for fut in progress_bar(as_completed(futs), desc="figures", total=len(ids),
                                disable=not progress):
            mid, sec, absent, timing = fut.result()
            times[mid] = sec
            if log:
                log(f"{mid}: {sec:.1f} s {timing}")
    return times
