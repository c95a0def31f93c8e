"""Published behaviour of ``expif`` (classic integrate-and-fire;
docs/models/integrate_and_fire_classic.md).

The figure or equation is named in the test's docstring. Runs use Brian2's runtime numpy
target via ``neuroplug.brian2.group`` and are kept to a few thousand steps.
"""

from brian2 import ms

from ._helpers import params as _params
from ._helpers import spike_trains as _spike_trains


def test_expif_type_one_onset_at_rheobase():
    """EIF: no firing below the rheobase ``I_rh = (V_T - E_L - Delta_T)/R_m`` and
    arbitrarily slow firing just above it, i.e. a continuous (type I) f-I curve
    (Fourcaud-Trocme et al. 2003, the EIF model: rheobase and f-I curve)."""
    p = _params("expif")
    rheobase = (p["V_T"] - p["E_L"] - p["Delta_T"]) / p["R_m"]
    below, above, strong = _spike_trains("expif", [0.97 * rheobase, 1.05 * rheobase,
                                                   3 * rheobase], 600 * ms)
    assert len(below) == 0
    assert 1 <= len(above) <= 6          # below 10 Hz just above rheobase
    assert len(strong) > 5 * len(above)
