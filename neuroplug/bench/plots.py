"""The figure of ``docs/benchmarks.md``: updates/s vs N per backend and the implied memory
traffic against the copy bandwidth.
"""

from __future__ import annotations


def plot(res, path):
    """Updates/s vs N per backend (top) and the implied memory traffic as a fraction of the
    copy bandwidth measured in the same run (bottom, a roofline view), one column per model."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..plotting import _save

    models = list(dict.fromkeys(e["model"] for e in res["uncoupled"]))
    n = max(1, len(models))
    fig, axes = plt.subplots(2, n, figsize=(4.2 * n, 6.4), squeeze=False, sharex="col")
    for col, mid in enumerate(models):
        es = [e for e in res["uncoupled"] if e["model"] == mid]
        top, bottom = axes[0][col], axes[1][col]
        for backend in dict.fromkeys(e["backend"] for e in es):
            pts = sorted((e["N"], e["updates_per_s"], e["traffic_fraction_of_copy"])
                         for e in es if e["backend"] == backend)
            xs, ys, fr = zip(*pts)
            top.loglog(xs, ys, "o-", label=backend)
            bottom.semilogx(xs, fr, "o-", label=backend)
        top.set_title(mid)
        bottom.axhline(1.0, color="k", lw=0.8, ls="--")
        bottom.set_xlabel("N (neurons)")
        for ax in (top, bottom):
            ax.grid(True, which="both", alpha=0.3)
    axes[0][0].set_ylabel("neuron updates per second")
    axes[1][0].set_ylabel(f"implied traffic / copy bandwidth\n"
                          f"({res['copy_bandwidth_gbs']:.1f} GB/s)")
    axes[0][-1].legend(fontsize=7, loc="lower right")
    env = res["environment"]
    fig.suptitle(f"neuroplug bench - {env['cpu']}, {env['date'][:10]}", fontsize=9)
    return _save(fig, path)
