"""Published behaviour of ``pospischil`` (catalog section B, conductance-based;
docs/models/conductance_based.md).

The test drives the BrainPy layer of the library model (the same generated update as
Brian2, see docs/semantics.md) with step currents under ``for_loop`` and checks a
feature the model's reference reports. The bounds are the published qualitative features
with margins; the measured values are quoted in the docstring.
"""

import numpy as np
import saiunit as u

from ._helpers import spike_times as _spike_times
from ._helpers import steps as _steps


def test_pospischil_rs_adapts_and_fs_differs():
    """Pospischil et al. (2008), RS cell (their RS fit): spike-frequency adaptation by
    I_M, the inter-spike interval lengthens during a step. Measured at 2 uA/cm^2:
    first ISI 17 ms, last 31 ms. Blocking I_M (g_M = 0) removes the adaptation."""
    stim = _steps([2.0, 2.0], 0.025, 600)
    sp = _spike_times("pospischil", stim, 0.025, preset="RS",
                      g_M=np.array([7.5e-5, 0.0]) * 1e4 * u.siemens / u.meter ** 2)
    adapting, blocked = np.diff(sp[0]), np.diff(sp[1])
    assert adapting[-1] > 1.5 * adapting[0]
    assert blocked[-1] < 1.1 * blocked[0]
