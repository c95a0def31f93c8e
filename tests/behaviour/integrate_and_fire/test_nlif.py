"""Published behaviour of ``nlif`` (classic integrate-and-fire;
docs/models/integrate_and_fire_classic.md).

The figure or equation is named in the test's docstring. Runs use Brian2's runtime numpy
target via ``neuroplug.brian2.group`` and are kept to a few thousand steps.
"""

import numpy as np
from brian2 import ms

from ._helpers import params as _params
from ._helpers import spike_trains as _spike_trains


def test_nlif_rheobase_of_the_cubic():
    """Cubic nonlinear IF: constant currents fire only above the rheobase
    ``R_m I_rh = 2 V_s / (3 sqrt(3))`` where the minimum of F(v) reaches zero (Gerstner
    et al. 2014, Sec. 5.1: rheobase of a nonlinear IF is set by the minimum of F)."""
    p = _params("nlif")
    rheobase = 2 * p["V_s"] / (3 * np.sqrt(3) * p["R_m"])
    below, above = _spike_trains("nlif", [0.97 * rheobase, 1.03 * rheobase], 600 * ms)
    assert len(below) == 0 and len(above) >= 1
