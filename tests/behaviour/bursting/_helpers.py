"""Helpers of the bursting behaviour tests (Brian2 groups, long runs)."""

import brian2 as b2
import numpy as np

import neuroplug.brian2 as nb2


def run_with_monitor(model_id, duration, dt, record=(), inputs=None, **params):
    """Run one neuron per entry of the (array-valued) parameters or inputs.

    Returns the spike trains in ms and a StateMonitor of ``record`` (or None).
    """
    sizes = [len(np.atleast_1d(np.asarray(v))) for v in list(params.values())
             + list((inputs or {}).values())]
    n = max(sizes) if sizes else 1
    G = nb2.group(model_id, n, dt=dt, **params)
    for name, value in (inputs or {}).items():
        setattr(G, name, value)
    S = b2.SpikeMonitor(G)
    objects = [G, S]
    M = None
    if record:
        M = b2.StateMonitor(G, list(record), record=True, dt=10 * dt)
        objects.append(M)
    b2.Network(*objects).run(duration)
    return [np.asarray(S.spike_trains()[i] / b2.ms) for i in range(n)], M
