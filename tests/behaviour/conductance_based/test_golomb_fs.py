"""Published behaviour of ``golomb_fs`` (catalog section B, conductance-based;
docs/models/conductance_based.md).

The test drives the BrainPy layer of the library model (the same generated update as
Brian2, see docs/semantics.md) with step currents under ``for_loop`` and checks a
feature the model's reference reports. The bounds are the published qualitative features
with margins; the measured values are quoted in the docstring.
"""

import numpy as np

from ._helpers import MS_CM2
from ._helpers import spike_times as _spike_times
from ._helpers import steps as _steps


def test_golomb_fs_d_current_delays_tonic_firing():
    """Golomb et al. (2007), delayed firing near threshold (their Figs. 2-3): with the
    D-current an onset spike is followed by a long silence before tonic firing;
    without it (g_Kd = 0) the firing is regular from the start. Measured at
    3.3 uA/cm^2: first ISI 389 ms vs. 26 ms later; without g_Kd 23 ms throughout."""
    stim = _steps([3.3, 3.3], 0.01, 800)
    sp = _spike_times("golomb_fs", stim, 0.01, g_Kd=np.array([0.39, 0.0]) * MS_CM2)
    with_kd, without = np.diff(sp[0]), np.diff(sp[1])
    assert len(with_kd) >= 3 and len(without) >= 3
    assert with_kd[0] > 5 * np.median(with_kd[1:])
    assert without.max() < 1.5 * without.min()
