"""Figures: cross-check overlays (traces, rasters, differences)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

__all__ = ["plot_crosscheck", "plot_run"]

#: Above this many neurons a run is drawn as a unit x time image, not as lines.
MAX_LINES = 12

_SCALE = {"volt": (1e3, "mV"), "amp": (1e12, "pA"), "amp / metre ** 2": (1e2, "uA/cm²"),
          "volt / second": (1.0, "mV/ms")}


def plot_crosscheck(result, path, max_variables: int = 3):
    """Draw traces of both simulators, their difference and both spike rasters.

    The file is written atomically (a partial figure never replaces a good one).
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    names = list(result.state_units)[:max_variables]
    tb, tp = result.traces.get("brian2", {}), result.traces.get("brainpy", {})
    spiking = any(len(s) for sim in result.spikes.values() for s in sim) or not tb
    raster = [1.6] if spiking else []
    n_rows = len(names) * 2 + len(raster) if tb else 1
    heights = ([3, 1.2] * len(names) + raster) if tb else [1.6]
    fig, axes = plt.subplots(n_rows, 1, figsize=(11, 1.9 * sum(heights) / 1.6 + 1),
                             sharex=True, gridspec_kw={"height_ratios": heights})
    axes = np.atleast_1d(axes)
    any_trace = next(iter(tb.values()), None)
    nsteps = any_trace.shape[1] if any_trace is not None else int(round(result.duration / result.dt))
    t = np.arange(1, nsteps + 1) * result.dt * 1e3
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    row = 0
    for name in names:
        if name not in tb:
            continue
        unit = result.state_units[name]
        factor, label = _SCALE.get(unit, (1.0, unit))
        ax, axd = axes[row], axes[row + 1]
        a, b = tb[name], tp[name]
        for i in range(a.shape[0]):
            c = colors[i % len(colors)]
            ax.plot(t, a[i] * factor, color=c, lw=1.2, alpha=0.8,
                    label="Brian2" if i == 0 else None)
            ax.plot(t, b[i] * factor, color="k", lw=0.6, ls=(0, (2, 2)),
                    label="BrainPy" if i == 0 else None)
            d = np.abs(a[i] - b[i]) * factor
            axd.semilogy(t, np.where(d > 0, d, np.nan), color=c, lw=0.8)
        if not np.any(a != b):
            axd.text(0.5, 0.5, "bitwise identical (difference 0 everywhere)", ha="center",
                     va="center", transform=axd.transAxes, fontsize=9, color="darkgreen")
        ax.set_ylabel(f"{name} ({label})")
        v = result.metrics.get("variables", {}).get(name)
        if v:
            ax.set_title(f"{name}: max|d| = {v['max_abs'] * factor:.2e} {label}, "
                         f"max rel = {v['max_rel']:.2e} (bound {v['bound']:.0e})", fontsize=9)
        axd.set_ylabel(f"|Δ{name}|")
        if row == 0:
            ax.legend(loc="upper right", fontsize=8)
        row += 2
    if not spiking:  # a rate, mean-field or synaptic model (or silent): traces only
        axes[row - 1].set_xlabel("time (ms)")
        return _finish_crosscheck(fig, result, path)
    axr = axes[row]
    for i, amp in enumerate(result.amplitudes):
        sb = np.asarray(result.spikes.get("brian2", [[]] * len(result.amplitudes))[i])
        sp = np.asarray(result.spikes.get("brainpy", [[]] * len(result.amplitudes))[i])
        axr.plot((sb + 1) * result.dt * 1e3, np.full(len(sb), i + 0.15), "|",
                 color=colors[i % len(colors)], ms=7)
        axr.plot((sp + 1) * result.dt * 1e3, np.full(len(sp), i - 0.15), "|", color="k", ms=7)
    _unit_ticks(axr, result.amplitude_labels)
    axr.set_ylabel(f"{result.input_name}", fontsize=8)
    axr.set_xlabel("time (ms)")
    axr.set_title("spikes: colour = Brian2 (upper), black = BrainPy (lower)", fontsize=9)
    return _finish_crosscheck(fig, result, path)


def _unit_ticks(ax, labels, most=16):
    """One y tick per neuron (its stimulus), or every k-th one for a large population."""
    step = max(1, int(np.ceil(len(labels) / most)))
    ticks = list(range(0, len(labels), step))
    ax.set_yticks(ticks)
    ax.set_yticklabels([labels[i] if step == 1 else f"{i}: {labels[i]}" for i in ticks],
                       fontsize=7)


def _finish_crosscheck(fig, result, path):
    verdict = "PASSED" if result.passed else "FAILED"
    fig.suptitle(f"neuroplug cross-check {result.label} - {verdict} - tier {result.tier}, "
                 f"method {result.method}, dt {result.dt * 1e3:g} ms, BrainPy {result.dtype}",
                 fontsize=11, color="darkgreen" if result.passed else "darkred")
    return _save(fig, path)


def plot_run(model, traces, spikes, labels, dt, path, title=""):
    """Plot the state traces and spike raster of one simulator run."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    names = [n for n in model.state if n in traces]
    if model.output in names:  # the model's output first
        names.remove(model.output)
        names.insert(0, model.output)
    names = names[:3]
    raster = [1.2] if model.threshold else []
    fig, axes = plt.subplots(len(names) + len(raster), 1,
                             figsize=(10, 2.4 * len(names) + 1.8 * len(raster)), sharex=True,
                             gridspec_kw={"height_ratios": [3] * len(names) + raster})
    axes = np.atleast_1d(axes)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    population = len(labels) > MAX_LINES
    for ax, name in zip(axes, names):
        unit = model.state[name].unit
        factor, label = _SCALE.get(unit, (1.0, unit))
        tr = np.asarray(traces[name], dtype=float)
        t = np.arange(1, tr.shape[1] + 1) * dt * 1e3
        if population:  # a field or a large population: unit x time image
            im = ax.imshow(tr * factor, aspect="auto", origin="lower", interpolation="nearest",
                           extent=(t[0] - dt * 500, t[-1] + dt * 500, -0.5, len(labels) - 0.5))
            fig.colorbar(im, ax=ax, label=f"{name} ({label})", pad=0.01)
            ax.set_ylabel(f"unit ({model.primary_input})")
            _unit_ticks(ax, labels)
            continue
        for i in range(tr.shape[0]):
            ax.plot(t, tr[i] * factor, lw=0.9, color=colors[i % len(colors)], label=labels[i])
        ax.set_ylabel(f"{name} ({label})")
    if not population:
        axes[0].legend(loc="upper right", fontsize=7, title=model.primary_input)
    if raster:
        for i, s in enumerate(spikes):
            axes[-1].plot((np.asarray(s) + 1) * dt * 1e3, np.full(len(s), i), "|",
                          color=colors[i % len(colors)])
        _unit_ticks(axes[-1], labels)
    axes[-1].set_xlabel("time (ms)")
    fig.suptitle(title or model.title)
    return _save(fig, path)


def _save(fig, path) -> Path:
    """Write a figure atomically (a partial file never replaces a good one) and close it."""
    import matplotlib.pyplot as plt

    from .files import atomic_write, check_output_path, figure_formats

    try:
        path = check_output_path(path, "figure", suffixes=figure_formats())
        fig.tight_layout()
        fmt = path.suffix[1:].lower()
        return atomic_write(path, lambda fh: fig.savefig(fh, format=fmt, dpi=110), "figure")
    finally:
        plt.close(fig)
