"""Published behaviour of ``iaf`` (classic integrate-and-fire;
docs/models/integrate_and_fire_classic.md).

The figure or equation is named in the test's docstring. Runs use Brian2's runtime numpy
target via ``neuroplug.brian2.group`` and are kept to a few thousand steps.
"""

import numpy as np
from brian2 import ms, nA, pA

from ._helpers import params as _params
from ._helpers import spike_trains as _spike_trains


def test_iaf_period_is_charge_over_current():
    """Perfect integrator: with constant input the period is ``t_ref + C_m dV / I`` and
    there is no rheobase (Burkitt 2006, Sec. 2, the non-leaky integrator's rate for
    constant input)."""
    p = _params("iaf")
    currents = [20 * pA, 300 * pA, 1 * nA]
    trains = _spike_trains("iaf", currents, 400 * ms)
    dt = 0.1
    for current, train in zip(currents, trains):
        assert len(train) >= 2, "a perfect integrator fires for any positive current"
        period = float((p["t_ref"] + p["C_m"] * (p["V_th"] - p["V_reset"]) / current) / ms)
        assert abs(np.mean(np.diff(train)) - period) <= 2 * dt, (current, period)
