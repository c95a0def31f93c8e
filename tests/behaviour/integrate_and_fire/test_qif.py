"""Published behaviour of ``qif`` (classic integrate-and-fire;
docs/models/integrate_and_fire_classic.md).

The figure or equation is named in the test's docstring. Runs use Brian2's runtime numpy
target via ``neuroplug.brian2.group`` and are kept to a few thousand steps.
"""

import brian2 as b2
from brian2 import ms, mV, pA

import neuroplug.brian2 as nb

from ._helpers import params as _params


def test_qif_rest_and_threshold_fixed_points():
    """QIF without input: the rest ``E_L`` is stable and ``V_c`` is the unstable threshold;
    started 0.5 mV above ``V_c`` the neuron fires, 0.5 mV below it returns to rest
    (Latham et al. 2000, the model section: the two fixed points of the QIF)."""
    p = _params("qif")
    group = nb.group("qif", 2, dt=0.1 * ms)
    group.v = [p["V_c"] + 0.5 * mV, p["V_c"] - 0.5 * mV]
    group.I = 0 * pA
    monitor = b2.SpikeMonitor(group)
    b2.Network(group, monitor).run(100 * ms)
    assert monitor.count[0] >= 1 and monitor.count[1] == 0
    assert abs(float((group.v[1] - p["E_L"]) / mV)) < 0.5
