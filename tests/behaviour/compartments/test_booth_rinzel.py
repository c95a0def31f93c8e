"""Published behaviour of ``booth_rinzel`` (catalog section E, multi-compartment;
docs/models/compartments.md).

The run is one second of model time at dt 0.02 ms (50k steps), so it uses Brian2's
cython target (compiled once, then cached).
"""

import brian2 as b2
import numpy as np
import pytest

import neuroplug.brian2 as nb2
from neuroplug import library
from neuroplug.quantities import parse_quantity

pytestmark = pytest.mark.filterwarnings("ignore")

BIAS = 16 * b2.uA / b2.cm**2      # the serotonin preset's stimulus
PULSE = 50 * b2.uA / b2.cm**2     # brief depolarising pulse on top of the bias
PULSE_ON, PULSE_OFF, END = 200 * b2.ms, 300 * b2.ms, 1000 * b2.ms
WINDOW = (600.0, 1000.0)          # ms, 300 ms after the pulse ended


@pytest.fixture(autouse=True)
def _cython_target():
    """Long run: use the compiled target (conftest restores numpy afterwards)."""
    b2.prefs.codegen.target = "cython"
    yield


def test_booth_rinzel_serotonin_bistability():
    """Booth, Rinzel & Kiehn (1997), the plateau/bistability simulations under 5-HT
    (modelled as reduced K(Ca)), and Booth & Rinzel (1995), Fig. 2: under the same
    constant somatic bias, a brief depolarising pulse switches the dendrite onto an
    L-type Ca plateau that keeps the soma firing faster after the pulse has ended. The
    same bias without the pulse stays in the low state. In the control conductances
    the pulse leaves no lasting trace (one stable state).

    Neurons: 0 control, 1 control + pulse, 2 serotonin, 3 serotonin + pulse."""
    presets = library.model("booth_rinzel").presets
    # neurons 0-1 take the control conductances, 2-3 the serotonin (5-HT) ones
    params = {}
    for name in ("g_KCa_s", "g_KCa_d"):
        control, serotonin = (parse_quantity(presets[p].parameters[name])
                              for p in ("control", "serotonin"))
        params[name] = b2.Quantity([control, control, serotonin, serotonin])
    pulsed = np.array([0.0, 1.0, 0.0, 1.0])

    G = nb2.group("booth_rinzel", 4, dt=0.02 * b2.ms, **params)
    S = b2.SpikeMonitor(G)
    M = b2.StateMonitor(G, ["Vd", "mL"], record=True, dt=0.5 * b2.ms)
    net = b2.Network(G, S, M)
    G.I = BIAS
    net.run(PULSE_ON)
    G.I = BIAS + pulsed * PULSE
    net.run(PULSE_OFF - PULSE_ON)
    G.I = BIAS
    net.run(END - PULSE_OFF)

    t = M.t / b2.ms
    late = (t >= WINDOW[0]) & (t < WINDOW[1])
    seconds = (WINDOW[1] - WINDOW[0]) / 1000.0
    rate = np.array([np.sum((s / b2.ms >= WINDOW[0]) & (s / b2.ms < WINDOW[1])) / seconds
                     for s in S.spike_trains().values()])
    vd = (M.Vd / b2.mV)[:, late].mean(axis=1)
    ml = M.mL[:, late].mean(axis=1)
    print("rate (Hz)", rate, "mean Vd (mV)", vd.round(1), "mean mL", ml.round(2))

    # Same bias before the pulse: both serotonin neurons are identical and fire.
    assert np.array_equal(S.spike_trains()[2][S.spike_trains()[2] < PULSE_ON],
                          S.spike_trains()[3][S.spike_trains()[3] < PULSE_ON])
    # Serotonin: two different states after the pulse under the same bias.
    assert rate[2] > 20, "low state fires tonically"
    assert rate[3] > 1.25 * rate[2], "pulse leaves faster firing behind"
    assert vd[3] - vd[2] > 8, "dendritic plateau persists after the pulse"
    assert ml[3] > ml[2] + 0.2, "L-type current on (plateau) vs mostly off"
    # Control: the pulse is forgotten (same state with and without it).
    assert abs(rate[1] - rate[0]) <= 0.05 * rate[0] + 2.5
    assert abs(vd[1] - vd[0]) < 1.0
