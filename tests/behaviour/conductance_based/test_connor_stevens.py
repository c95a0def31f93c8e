"""Published behaviour of ``connor_stevens`` (catalog section B, conductance-based;
docs/models/conductance_based.md).

The test drives the BrainPy layer of the library model (the same generated update as
Brian2, see docs/semantics.md) with step currents under ``for_loop`` and checks a
feature the model's reference reports. The bounds are the published qualitative features
with margins; the measured values are quoted in the docstring.
"""

from ._helpers import spike_times as _spike_times
from ._helpers import steady_rate as _steady_rate
from ._helpers import steps as _steps


def test_connor_stevens_class_I_low_rates_from_the_A_current():
    """Dayan & Abbott (2001), Fig. 6.2 (Connor et al. 1977): the A-current makes the
    f-I curve start at low rates. Measured: 8 uA/cm^2 silent, 8.5 -> 9.6 Hz,
    40 -> 224 Hz."""
    sp = _spike_times("connor_stevens", _steps([8.0, 8.5, 40.0], 0.025, 800), 0.025)
    assert len(sp[0]) == 0
    assert 0 < _steady_rate(sp[1]) < 20
    assert _steady_rate(sp[2]) > 150
