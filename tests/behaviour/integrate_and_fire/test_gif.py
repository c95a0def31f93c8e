"""Published behaviour of ``gif`` (classic integrate-and-fire;
docs/models/integrate_and_fire_classic.md).

The figure or equation is named in the test's docstring. Runs use Brian2's runtime numpy
target via ``neuroplug.brian2.group`` and are kept to a few thousand steps.
"""

import numpy as np
from brian2 import ms, nA

from ._helpers import spike_trains as _spike_trains


def test_gif_firing_patterns():
    """Mihalas & Niebur 2009, Fig. 1: tonic spiking (A) keeps firing through a 500 ms
    step; phasic spiking (D) fires only at the onset; tonic bursting (M) fires bursts
    separated by long pauses."""
    (tonic,) = _spike_trains("gif", [1.5 * nA], 500 * ms, preset="tonic_spiking")
    (phasic,) = _spike_trains("gif", [1.5 * nA], 500 * ms, preset="phasic_spiking")
    (bursting,) = _spike_trains("gif", [2 * nA], 500 * ms, preset="tonic_bursting")
    assert len(tonic) > 15 and tonic[-1] > 450
    assert 1 <= len(phasic) <= 6 and phasic[-1] < 250
    isi = np.diff(bursting)
    long_pauses = isi > 10 * np.min(isi)
    assert 2 <= long_pauses.sum() and len(bursting) > 3 * long_pauses.sum()
