"""DYNAP-SE DPI neuron (``dpi_dynapse``): agreement with teili 1.1.0 and the circuit's
behaviour.

Oracle: tests/data/oracles/dpi_dynapse/teili_dpi.npz, written by generate.py in the same
folder with teili 1.1.0's ``DPI`` neuron and ``DPISyn`` synapses on Brian2 2.2.2.1
(numpy target, forward Euler, dt = 0.1 ms; Python 3.7, which that Brian2 needs).
"""

from pathlib import Path

import brian2 as b2
import numpy as np
import pytest

b2.prefs.codegen.target = "numpy"

import neuroplug.brian2 as nb2

ORACLE = Path(__file__).parents[2] / "data" / "oracles" / "dpi_dynapse" / "teili_dpi.npz"
REL_BOUND = 1e-12  # max |ours - teili| / range(teili) per trace (measured 1.5e-14)


def run(N, steps, Iin, dt_ms=0.1, every=1, spikes=None, **params):
    """Brian2 numpy group; ``Iin`` (steps, N) in amp; ``spikes``: list of
    (input, source_steps, weight, targets).  Returns traces every ``every`` steps (end
    slot) and the spike raster."""
    b2.start_scope()
    G = nb2.group("dpi_dynapse", N, dt=dt_ms * b2.ms, **params)
    G.namespace["ta_Iin"] = b2.TimedArray(np.asarray(Iin) * b2.amp, dt=dt_ms * b2.ms)
    G.run_regularly("Iin = ta_Iin(t, i)", when="start")
    objs = [G]
    for k, (inp, src_steps, weight, targets) in enumerate(spikes or []):
        src = b2.SpikeGeneratorGroup(1, np.zeros(len(src_steps), int),
                                     np.asarray(src_steps) * dt_ms * b2.ms, dt=dt_ms * b2.ms)
        S = G.spike_synapses(src, weight=repr(float(weight)), input=inp, dt=dt_ms * b2.ms)
        S.connect(i=0, j=list(targets))
        objs += [src, S]
    M = b2.StateMonitor(G, ["Imem", "Iahp", "Isyn_e", "Isyn_i"], record=True, when="end",
                        dt=every * dt_ms * b2.ms)
    Sm = b2.SpikeMonitor(G)
    b2.Network(*objs, M, Sm).run(steps * dt_ms * b2.ms)
    raster = np.zeros((steps, N), dtype=bool)
    raster[np.round(np.asarray(Sm.t_) / (dt_ms * 1e-3)).astype(int), np.asarray(Sm.i[:])] = True
    traces = {v: np.asarray(getattr(M, v + "_")).T for v in ("Imem", "Iahp", "Isyn_e", "Isyn_i")}
    return traces, raster


def test_matches_teili_dpi_neuron_and_synapses():
    """11 neurons x 4000 steps (step currents, random currents with four parameter sets,
    excitatory and inhibitory DPI synapses driven by random spikes): the same spike steps
    as teili (173 spikes) and every recorded trace (every 10th step) within 1e-12 of its
    range (measured: Imem 1.5e-14, Iahp 3.0e-16, Isyn 1.9e-16; the residue is the
    rounding of Brian2 2.2's and 2.9's differently ordered Euler expressions, amplified
    by the positive feedback during a spike's upswing)."""
    g = np.load(ORACLE)
    steps, every, dt_ms = int(g["steps"]), int(g["every"]), float(g["dt"]) * 1e3
    N = g["Iin"].shape[1]
    params = {name: g[name] * (b2.second if name == "refP" else b2.amp)
              for name in ("Ica", "Itauahp", "Ishunt", "refP")}
    spikes = [("we", g["exc_steps"], abs(float(g["w_exc"])), (9, 10)),
              ("wi", g["inh_steps"], abs(float(g["w_inh"])), (9, 10))]
    traces, raster = run(N, steps, g["Iin"], dt_ms, every, spikes, **params)

    ref = np.zeros((steps, N), dtype=bool)
    ref[g["spike_step"], g["spike_i"]] = True
    assert ref.sum() == 173 and ref[:, 9:].sum() > 10 and ref[:, 6].sum() > ref[:, 7].sum()
    np.testing.assert_array_equal(np.argwhere(raster), np.argwhere(ref))
    for var in ("Imem", "Iahp"):
        a, b = traces[var], g[var]
        assert a.shape == b.shape
        rel = np.max(np.abs(a - b), axis=0) / np.ptp(b, axis=0).clip(1e-15)
        assert rel.max() <= REL_BOUND, f"[{var}] max rel diff {rel.max():.3g} > {REL_BOUND}"
    for ours, ref_name in (("Isyn_e", "Isyn_e"), ("Isyn_i", "Isyn_i")):
        a, b = traces[ours][:, 9:], g[ref_name]
        assert np.ptp(b) > 1e-9  # the synapses were driven well above Io
        rel = np.max(np.abs(a - b)) / np.ptp(b)
        assert rel <= REL_BOUND, f"[{ours}] max rel diff {rel:.3g} > {REL_BOUND}"
