"""Shared by the map tests: run a library map as a Brian2 group (numpy target)."""

import brian2 as b2
import numpy as np

import neuroplug.brian2 as nb2


def run_map(model_id, n, steps, dt_ms, preset=None, inputs=None, init=None,
            record=(), **params):
    """Run ``n`` neurons for ``steps`` iterations; return spike steps and traces.

    ``inputs`` and ``init`` map variable names to per-neuron values set before the run.
    Spikes are returned as iteration indices (0-based), traces as (steps x n) arrays.
    """
    b2.start_scope()
    G = nb2.group(model_id, n, preset=preset, dt=dt_ms * b2.ms, **params)
    for name, value in (init or {}).items():
        setattr(G, name, value)
    for name, value in (inputs or {}).items():
        setattr(G, name, value)
    S = b2.SpikeMonitor(G)
    objs = [G, S]
    M = None
    if record:
        M = b2.StateMonitor(G, list(record), record=True)
        objs.append(M)
    b2.Network(*objs).run(steps * dt_ms * b2.ms)
    spk = [np.round(np.asarray(S.t_[S.i[:] == k]) / (dt_ms * 1e-3)).astype(int)
           for k in range(n)]
    traces = {name: np.array(getattr(M, name + "_")).T for name in record} if M else {}
    return spk, traces
