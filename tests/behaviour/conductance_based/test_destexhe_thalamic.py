"""Published behaviour of ``destexhe_thalamic`` (catalog section B, conductance-based;
docs/models/conductance_based.md).

The test drives the BrainPy layer of the library model (the same generated update as
Brian2, see docs/semantics.md) with step currents under ``for_loop`` and checks a
feature the model's reference reports. The bounds are the published qualitative features
with margins; the measured values are quoted in the docstring.
"""

import numpy as np

from ._helpers import spike_times as _spike_times


def test_destexhe_thalamic_rebound_burst():
    """Destexhe et al. (1993), Figs. 1-2: release from hyperpolarisation evokes a
    low-threshold calcium spike with a burst of sodium spikes; the cell is silent at
    rest. Measured: -1 uA/cm^2 for 300 ms, then 0 -> 2 spikes 2 ms apart at 446 ms."""
    dt = 0.025
    stim = np.zeros((int(700 / dt), 2))
    stim[int(100 / dt):int(400 / dt), 1] = -1.0
    sp = _spike_times("destexhe_thalamic", stim, dt)
    assert len(sp[0]) == 0, "silent at rest"
    burst = sp[1][(sp[1] > 400) & (sp[1] < 450)]
    assert len(burst) >= 2 and np.all(np.diff(burst) < 10)
    assert len(sp[1][sp[1] < 400]) == 0, "no spikes during the hyperpolarisation"
