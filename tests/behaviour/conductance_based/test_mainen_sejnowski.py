"""Published behaviour of ``mainen_sejnowski`` (catalog section B, conductance-based;
docs/models/conductance_based.md).

The test drives the BrainPy layer of the library model (the same generated update as
Brian2, see docs/semantics.md) with step currents under ``for_loop`` and checks one
feature the model's reference reports; measured values are quoted in the docstrings.
"""

import numpy as np
import saiunit as u

from ...helpers import layer_spike_times, step_stimulus


def _bursts(times_ms, max_isi_ms=6.0):
    """Sizes of the groups of spikes whose ISIs are all below ``max_isi_ms``."""
    groups = np.split(times_ms, np.nonzero(np.diff(times_ms) >= max_isi_ms)[0] + 1)
    return [len(g) for g in groups if len(g)]


def test_mainen_sejnowski_regular_spiking_vs_bursting_with_rho():
    """Mainen & Sejnowski (1996), Fig. 1 and its two-compartment reduction: the same
    channels fire regularly with a small dendrite and in bursts with a large one
    (layer 5 pyramid). Exponential Euler at the demo's 25 us step, 0.2 nA into the
    soma from 10 ms. Measured: rho = 50 fires a regular train (ISIs 12.0-12.7 ms, no
    burst, last spike after 280 ms); rho = 200 fires a burst of 5 spikes 2.5-4 ms
    apart (23-36 ms), then no spike for the rest of the 300 ms run."""
    sp = layer_spike_times("mainen_sejnowski", step_stimulus([0.2, 0.2], 0.025, 300, 10.0),
                      u.nA, 0.025, rho=np.array([50.0, 200.0]))
    regular, bursting = sp
    isi_rs = np.diff(regular)
    assert len(regular) >= 15
    assert isi_rs.min() > 8.0 and isi_rs.max() < 1.5 * isi_rs.min()
    assert max(_bursts(regular)) == 1
    isi_ib = np.diff(bursting)
    assert max(_bursts(bursting)) >= 3 and isi_ib.min() < 5.0
    # the burst is followed by silence while the small cell keeps firing
    assert len(bursting) <= 12 and bursting[-1] < 100.0
    assert regular[-1] > 280.0
