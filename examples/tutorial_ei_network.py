"""Tutorial: an E/I network in Brian2 built from library models.

The conductance-based network of Vogels & Abbott (2005), benchmark 1 of Brette et al.
(2007): 80 % excitatory and 20 % inhibitory ``coba_lif`` cells, random connections with
probability 2 %, excitatory synapses adding 6 nS to ``g_e``, inhibitory ones 67 nS to
``g_i``, and a constant drive that makes every cell fire on its own. The network settles
into irregular, asynchronous activity.

    python examples/tutorial_ei_network.py --out docs/tutorials/figures
    python examples/tutorial_ei_network.py --quick --out /tmp/ei    # 400 cells, 0.2 s

``--quick`` (or ``NEUROPLUG_TUTORIAL_QUICK=1``) keeps each cell's number of inputs
(80 excitatory, 20 inhibitory on average) with a tenth of the cells, and simulates 0.2 s
instead of 1 s. Writes ``ei_network.png`` into ``--out``.
"""

import argparse
import os
from pathlib import Path

import brian2 as b2
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from neuroplug.brian2 import CobaLIF  # noqa: E402


def build_and_run(n_cells: int, duration, seed: int = 1):
    b2.start_scope()
    b2.prefs.codegen.target = "numpy"      # no compiler needed; "cython" is faster
    b2.seed(seed)
    n_exc = int(0.8 * n_cells)
    p = 80 / n_exc                          # 80 excitatory inputs per cell on average

    # [network]
    # Two library groups: every parameter of coba_lif is an attribute, the model's
    # defaults are the Vogels & Abbott (2005) cell (C_m = 200 pF, g_L = 10 nS,
    # E_L = V_reset = -60 mV, V_th = -50 mV, 5 ms refractory, E_e = 0, E_i = -80 mV).
    exc = CobaLIF(n_exc, preset="vogels_abbott2005", name="exc")
    inh = CobaLIF(n_cells - n_exc, preset="vogels_abbott2005", name="inh")
    for g in (exc, inh):
        g.I = 200 * b2.pA                   # drive: 2x the rheobase g_L*(V_th - E_L)
        g.v = "E_L + rand()*(V_th - E_L)"   # random initial membrane potentials

    # Synapses increment the conductances of the library model by name
    syn = []
    for pre, var, w in ((exc, "g_e", 6 * b2.nS), (inh, "g_i", 67 * b2.nS)):
        for post in (exc, inh):
            s = b2.Synapses(pre, post, on_pre=f"{var}_post += {w!r}")
            s.connect(p=p)
            syn.append(s)

    spikes_e = b2.SpikeMonitor(exc)
    spikes_i = b2.SpikeMonitor(inh)
    trace = b2.StateMonitor(exc, ["v", "g_e", "g_i"], record=[0])
    rate = b2.PopulationRateMonitor(exc)
    net = b2.Network(exc, inh, *syn, spikes_e, spikes_i, trace, rate)
    net.run(duration)
    # [network end]
    return exc, inh, spikes_e, spikes_i, trace, rate


def plot(exc, inh, spikes_e, spikes_i, trace, rate, path):
    fig, axes = plt.subplots(3, 1, figsize=(8, 7), sharex=True,
                             gridspec_kw={"height_ratios": [3, 1, 1.4]})
    shown = min(200, len(exc))
    me = spikes_e.i < shown
    axes[0].plot(spikes_e.t[me] / b2.ms, spikes_e.i[me], ".", ms=1.5, color="C0",
                 label="excitatory")
    shown_i = min(50, len(inh))
    mi = spikes_i.i < shown_i
    axes[0].plot(spikes_i.t[mi] / b2.ms, shown + spikes_i.i[mi], ".", ms=1.5, color="C3",
                 label="inhibitory")
    axes[0].set_ylabel("cell")
    axes[0].set_title(f"Vogels-Abbott E/I network: {len(exc)} + {len(inh)} coba_lif cells")
    axes[0].legend(loc="upper right", markerscale=6, fontsize=8)
    smooth = rate.smooth_rate(width=5 * b2.ms) / b2.Hz
    axes[1].plot(rate.t / b2.ms, smooth, color="C0")
    axes[1].set_ylabel("E rate (Hz)")
    axes[2].plot(trace.t / b2.ms, trace.v[0] / b2.mV, color="k", lw=0.8)
    axes[2].set_ylabel("v of cell 0 (mV)")
    axes[2].set_xlabel("time (ms)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true",
                    default=os.environ.get("NEUROPLUG_TUTORIAL_QUICK", "") not in ("", "0"),
                    help="400 cells, 0.2 s (CI size)")
    ap.add_argument("--out", default=".", help="folder for ei_network.png")
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    n_cells, duration = (400, 200 * b2.ms) if args.quick else (4000, 1 * b2.second)

    exc, inh, spikes_e, spikes_i, trace, rate = build_and_run(n_cells, duration)
    t = float(duration / b2.second)
    rate_e = spikes_e.num_spikes / len(exc) / t
    rate_i = spikes_i.num_spikes / len(inh) / t
    # irregularity: coefficient of variation of the inter-spike intervals
    isi = [np.diff(ts / b2.ms) for ts in spikes_e.spike_trains().values() if len(ts) > 2]
    cv = float(np.mean([d.std() / d.mean() for d in isi])) if isi else float("nan")
    print(f"{len(exc)} excitatory cells: {rate_e:.1f} Hz; {len(inh)} inhibitory cells: "
          f"{rate_i:.1f} Hz; mean ISI CV (excitatory) {cv:.2f}")
    plot(exc, inh, spikes_e, spikes_i, trace, rate, out / "ei_network.png")
    print(f"wrote {out / 'ei_network.png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
