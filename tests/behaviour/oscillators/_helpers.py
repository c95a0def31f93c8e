"""Helpers of the oscillator behaviour tests (Brian2 groups, numpy target)."""

import brian2 as b2
import numpy as np

import neuroplug.brian2 as nb2


def run_segments(model_id, n, segments, dt_ms, preset=None, record=(), record_dt_ms=None,
                 **params):
    """Run ``n`` neurons through ``segments`` = [(duration_ms, {input: values}), ...].

    Returns spike times per neuron (ms) and the recorded traces (time in ms first).
    """
    b2.start_scope()
    G = nb2.group(model_id, n, preset=preset, dt=dt_ms * b2.ms, **params)
    S = b2.SpikeMonitor(G)
    objs = [G, S]
    M = None
    if record:
        M = b2.StateMonitor(G, list(record), record=True,
                            dt=(record_dt_ms or dt_ms) * b2.ms)
        objs.append(M)
    net = b2.Network(*objs)
    for duration, inputs in segments:
        for name, value in inputs.items():
            setattr(G, name, value)
        net.run(duration * b2.ms)
    spikes = [np.asarray(S.t_[S.i[:] == k]) * 1e3 for k in range(n)]
    traces = {}
    if M is not None:
        traces["t"] = np.array(M.t_) * 1e3
        for name in record:
            traces[name] = np.array(getattr(M, name + "_"))  # a copy outlives M
    return spikes, traces


def settle_then_pulse(model_id, name, amp_pA, pulse_ms=20.0):
    """Rest 100 ms, a current pulse into ``name``, then 180 ms without input."""
    zero = 0 * b2.pA
    segs = [(100, {name: zero}), (pulse_ms, {name: amp_pA * b2.pA}), (180, {name: zero})]
    return run_segments(model_id, 1, segs, 0.02, record=("u", "v"), record_dt_ms=1.0)
