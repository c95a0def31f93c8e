"""Published behaviour of ``huber_braun`` (catalog section B, conductance-based;
docs/models/conductance_based.md).

The test drives the BrainPy layer of the library model (the same generated update as
Brian2, see docs/semantics.md) with step currents under ``for_loop`` and checks a
feature the model's reference reports. The bounds are the published qualitative features
with margins; the measured values are quoted in the docstring.
"""

import numpy as np
import saiunit as u

from ._helpers import spike_times as _spike_times


def _largest_burst(times_ms):
    """Most spikes in one burst; bursts are separated by ISIs above half the longest."""
    isi = np.diff(times_ms)
    sizes = np.diff(np.concatenate(([0], np.nonzero(isi > 0.5 * isi.max())[0] + 1,
                                    [len(times_ms)])))
    return int(sizes.max())


def test_huber_braun_fewer_spikes_per_burst_when_warmer():
    """Braun et al. (1998), temperature series of the cold receptor: slow-wave bursts
    whose number of spikes per burst falls with temperature, down to single spikes.
    Measured largest burst (spikes) in 0.5-3 s: 10 C 5, 20 C 3, 30 C 1."""
    temps = np.array([283.15, 293.15, 303.15]) * u.kelvin
    sp = _spike_times("huber_braun", np.zeros((int(3000 / 0.05), 3)), 0.05, T=temps)
    spb = [_largest_burst(s[s > 500]) for s in sp]
    assert spb[0] > spb[1] > spb[2] == 1
    assert spb[0] >= 4
