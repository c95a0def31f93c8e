"""Published behaviour of the adaptive integrate-and-fire models.

One test per model of docs/models/integrate_and_fire_adaptive.md, each checking a
feature its reference reports (the figure or equation is named in the docstring).
Brian2 (numpy target) unless stated otherwise; every test runs in a few seconds.
"""

import brian2 as b2
import numpy as np
import pytest

import neuroplug.brian2 as nb2


def _run(model_id, amplitudes, duration, *, preset=None, dt=0.1 * b2.ms, record=(),
         input_name="I", seed=None, **overrides):
    """Spike trains (list of arrays, seconds) and optional traces of one group."""
    if seed is not None:
        b2.seed(seed)
    grp = nb2.group(model_id, len(amplitudes), preset=preset, dt=dt, **overrides)
    setattr(grp, input_name, b2.Quantity(amplitudes) if hasattr(amplitudes[0], "dim") else amplitudes)
    spikes = b2.SpikeMonitor(grp)
    objects = [grp, spikes]
    state = None
    if record:
        state = b2.StateMonitor(grp, list(record), record=True)
        objects.append(state)
    net = b2.Network(objects)
    net.run(duration)
    trains = [np.asarray(t / b2.second) for t in spikes.spike_trains().values()]
    return trains, state


def test_alif_spike_frequency_adaptation():
    """ALIF (Bellec et al. 2018, Methods; Gerstner et al. 2014, Sect. 6.1 / Fig. 6.1):
    under a constant current the threshold climbs with every spike, so the inter-spike
    intervals lengthen and the steady rate is well below the onset rate; without
    adaptation (beta = 0) the same neuron fires regularly."""
    (train,), _ = _run("alif", [500 * b2.pA], 1 * b2.second)
    isi = np.diff(train)
    assert len(isi) > 10
    assert isi[-1] > 2.0 * isi[0], (isi[0], isi[-1])
    assert np.all(np.diff(isi[:5]) > 0), "ISIs grow monotonically at onset"
    (flat,), _ = _run("alif", [500 * b2.pA], 0.5 * b2.second, beta=0 * b2.mV)
    flat_isi = np.diff(flat)
    assert np.ptp(flat_isi) < 0.2e-3
