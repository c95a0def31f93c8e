"""Published behaviour of ``lapicque`` (classic integrate-and-fire;
docs/models/integrate_and_fire_classic.md).

The figure or equation is named in the test's docstring. Runs use Brian2's runtime numpy
target via ``neuroplug.brian2.group`` and are kept to a few thousand steps.
"""

import brian2 as b2
import numpy as np
from brian2 import ms, pA

import neuroplug.brian2 as nb

from ._helpers import params as _params


def test_lapicque_strength_duration_curve():
    """Lapicque's strength-duration relation ``I_th(T) = I_rh / (1 - exp(-T/tau_m))``:
    3% above it a pulse of duration T fires, 3% below it does not (Lapicque 1907, as
    reviewed by Brunel & van Rossum 2007, Eq. 1)."""
    p = _params("lapicque", "no_refractory")
    rheobase = (p["V_th"] - p["E_L"]) / p["R_m"]
    for duration in (1 * ms, 5 * ms, 20 * ms):
        threshold = rheobase / (1 - np.exp(-float(duration / p["tau_m"])))
        group = nb.group("lapicque", 2, preset="no_refractory", dt=0.1 * ms)
        monitor = b2.SpikeMonitor(group)
        net = b2.Network(group, monitor)
        group.I = [1.03, 0.97] * threshold
        net.run(duration)
        group.I = 0 * pA
        net.run(20 * ms)
        counts = monitor.count[:]
        assert counts[0] == 1 and counts[1] == 0, (duration, counts)
