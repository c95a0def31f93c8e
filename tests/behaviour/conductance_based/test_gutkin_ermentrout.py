"""Published behaviour of ``gutkin_ermentrout`` (catalog section B, conductance-based;
docs/models/conductance_based.md).

The test drives the BrainPy layer of the library model (the same generated update as
Brian2, see docs/semantics.md) with step currents under ``for_loop`` and checks a
feature the model's reference reports. The bounds are the published qualitative features
with margins; the measured values are quoted in the docstring.
"""

import numpy as np
import saiunit as u

from ...helpers import layer_spike_times, step_stimulus
from ._helpers import MS_CM2, UA_CM2
from ._helpers import steady_rate as _steady_rate


def test_gutkin_ermentrout_type_I_and_type_II_onset():
    """Gutkin & Ermentrout (1998), type I vs type II membranes and their f-I
    curves (figure number not verified by us; Ermentrout 1998 for the
    M-current): without I_M the Traub cell starts
    firing at arbitrarily low rates (saddle-node on invariant circle), with a
    subthreshold M-current (g_M = 1.5 mS/cm^2) firing starts abruptly at a non-zero
    rate (Hopf). Measured: type I 0.1 uA/cm^2 silent, 0.13 -> 5 Hz; type II 2.9
    silent, 3.25 -> 21 Hz, 3.5 -> 26 Hz, 5 -> 38 Hz."""
    amps = [0.1, 0.13, 2.9, 3.25, 3.5, 5.0]
    g_m = np.array([0, 0, 1.5, 1.5, 1.5, 1.5]) * MS_CM2
    sp = layer_spike_times("gutkin_ermentrout", step_stimulus(amps, 0.01, 1000) * UA_CM2,
                      u.amp / u.meter ** 2, 0.01, g_M=g_m)
    rates = [_steady_rate(s) for s in sp]
    # type I: silent just below rheobase, very low rate just above it
    assert rates[0] == 0 and 0 < rates[1] < 8
    # type II: silent below onset, every firing rate above onset well away from 0
    assert rates[2] == 0
    assert min(rates[3:]) > 15
    assert rates[3] < rates[4] < rates[5]
