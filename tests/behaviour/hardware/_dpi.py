"""Shared runner of the dpi_dynapse behaviour tests (Brian2, numpy target)."""

import brian2 as b2
import numpy as np

import neuroplug.brian2 as nb2


def run(N, steps, Iin, dt_ms=0.1, every=1, spikes=None, **params):
    """Brian2 numpy group; ``Iin`` (steps, N) in amp; ``spikes``: list of
    (input, source_steps, weight, targets).  Returns traces every ``every`` steps (end
    slot) and the spike raster."""
    b2.start_scope()
    G = nb2.group("dpi_dynapse", N, dt=dt_ms * b2.ms, **params)
    G.namespace["ta_Iin"] = b2.TimedArray(np.asarray(Iin) * b2.amp, dt=dt_ms * b2.ms)
    G.run_regularly("Iin = ta_Iin(t, i)", when="start")
    objs = [G]
    for inp, src_steps, weight, targets in spikes or []:
        src = b2.SpikeGeneratorGroup(1, np.zeros(len(src_steps), int),
                                     np.asarray(src_steps) * dt_ms * b2.ms, dt=dt_ms * b2.ms)
        S = G.spike_synapses(src, weight=repr(float(weight)), input=inp, dt=dt_ms * b2.ms)
        S.connect(i=0, j=list(targets))
        objs += [src, S]
    M = b2.StateMonitor(G, ["Imem", "Iahp", "Isyn_e", "Isyn_i"], record=True, when="end",
                        dt=every * dt_ms * b2.ms)
    Sm = b2.SpikeMonitor(G)
    b2.Network(*objs, M, Sm).run(steps * dt_ms * b2.ms, namespace={})
    raster = np.zeros((steps, N), dtype=bool)
    raster[np.round(np.asarray(Sm.t_) / (dt_ms * 1e-3)).astype(int), np.asarray(Sm.i[:])] = True
    traces = {v: np.asarray(getattr(M, v + "_")).T for v in ("Imem", "Iahp", "Isyn_e", "Isyn_i")}
    return traces, raster
