"""Published behaviour of ``wang_buzsaki`` (catalog section B, conductance-based;
docs/models/conductance_based.md).

The test drives the BrainPy layer of the library model (the same generated update as
Brian2, see docs/semantics.md) with step currents under ``for_loop`` and checks a
feature the model's reference reports. The bounds are the published qualitative features
with margins; the measured values are quoted in the docstring.
"""

from ._helpers import spike_times as _spike_times
from ._helpers import steady_rate as _steady_rate
from ._helpers import steps as _steps


def test_wang_buzsaki_class_I_onset_and_high_rates():
    """Wang & Buzsaki (1996), Fig. 1C: class I f-I curve, arbitrarily low rates above
    rheobase (about 0.16 uA/cm^2) and several hundred Hz at strong drive.
    Measured: 0.2 uA/cm^2 -> about 11 Hz, 20 uA/cm^2 -> about 390 Hz, 0.1 -> silent."""
    sp = _spike_times("wang_buzsaki", _steps([0.1, 0.2, 20.0], 0.01, 600), 0.01)
    assert len(sp[0]) == 0
    assert 0 < _steady_rate(sp[1]) < 25
    assert _steady_rate(sp[2]) > 250
