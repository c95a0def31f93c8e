"""Published behaviour of ``adqif`` (classic integrate-and-fire;
docs/models/integrate_and_fire_classic.md).

The figure or equation is named in the test's docstring. Runs use Brian2's runtime numpy
target via ``neuroplug.brian2.group`` and are kept to a few thousand steps.
"""

import numpy as np
from brian2 import ms, pA

from ._helpers import spike_trains as _spike_trains


def test_adqif_spike_frequency_adaptation():
    """Adaptive QIF with a slow spike-triggered current: the inter-spike intervals grow
    during a current step (spike-frequency adaptation of a regular-spiking cell, Izhikevich 2007, Ch. 8)."""
    (train,) = _spike_trains("adqif", [200 * pA], 500 * ms, preset="adapting")
    isi = np.diff(train)
    assert len(isi) >= 5
    assert np.all(np.diff(isi) >= -0.1 - 1e-9)   # non-decreasing (to one step)
    assert isi[-1] > 1.3 * isi[0]
