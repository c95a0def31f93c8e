"""Published behaviour of ``alif`` (adaptive and stochastic integrate-and-fire;
docs/models/integrate_and_fire_adaptive.md).

The test checks a feature the model's reference reports (the figure or equation is named
in the docstring). Brian2 (numpy target) unless stated otherwise; it runs in a few
seconds.
"""

import brian2 as b2
import numpy as np

from ._helpers import run_group as _run


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
