"""Published behaviour of ``prescott`` (Prescott, De Koninck & Sejnowski 2008).

Figs. 1B/D and 2 of the paper: varying only beta_w, the 2D Morris-Lecar-type model
shows Hodgkin's three classes of excitability: class 1 (beta_w = 0 mV) has a continuous
f-I curve that starts at arbitrarily low rates, class 2 (beta_w = -13 mV) a
discontinuous one that starts at a non-zero rate, class 3 (beta_w = -21 mV) fires a
single spike at stimulus onset and no repetitive spikes. An independent scipy
integration of the paper's equations is the oracle for the rates.
"""

import brian2 as b2
import numpy as np
import pytest
from scipy.integrate import solve_ivp

import neuroplug.brian2 as nb2

pytestmark = pytest.mark.filterwarnings("ignore")

DURATION_MS = 600.0
CLASSES = {"type_I": [36.0, 36.6, 36.8, 37.0, 38.0, 40.0, 60.0],
           "type_II": [40.0, 41.5, 42.0, 42.5, 43.0, 45.0, 60.0],
           "type_III": [50.0, 58.0, 60.0, 70.0, 80.0]}
BETA_W = {"type_I": 0.0, "type_II": -13.0, "type_III": -21.0}


@pytest.fixture(scope="module")
def trains():
    """Spike trains (ms) per class and current (uA/cm2): one group per class preset."""
    groups, monitors = {}, {}
    for cls, amps in CLASSES.items():
        G = nb2.group("prescott", len(amps), preset=cls, dt=0.05 * b2.ms)
        G.I = np.array(amps) * b2.uA / b2.cm**2
        groups[cls], monitors[cls] = G, b2.SpikeMonitor(G)
    b2.Network(*groups.values(), *monitors.values()).run(DURATION_MS * b2.ms)
    out = {}
    for cls, amps in CLASSES.items():
        st = monitors[cls].spike_trains()
        out.update({(cls, i): np.asarray(st[k] / b2.ms) for k, i in enumerate(amps)})
    return out


def _rate(spikes):
    """Sustained rate (Hz) from the intervals after the first one; 0 if fewer than 3 spikes."""
    return 1000.0 / np.mean(np.diff(spikes)[1:]) if len(spikes) >= 3 else 0.0


def test_class_1_continuous_f_I_curve_from_low_rates(trains):
    """Class 1: repetitive firing starts at a low rate (measured: none at 36.6 uA/cm2,
    12 Hz at 36.8, 73 Hz at 40) and the rate rises continuously with the current."""
    rates = [_rate(trains[("type_I", i)]) for i in CLASSES["type_I"]]
    assert rates[0] == 0.0
    onset = next(r for r in rates if r > 0)
    assert 0 < onset < 20.0, rates
    assert np.all(np.diff(rates) >= 0), rates
    assert rates[-1] > 100.0, rates


def test_class_2_discontinuous_f_I_curve(trains):
    """Class 2: below the repetitive range at most one spike (rheobasic stimulation gives
    a single short-latency spike, Fig. 1B); the first repetitive rate is already high
    (measured ~60 Hz): a jump, not a continuous rise from 0 Hz."""
    rates = [_rate(trains[("type_II", i)]) for i in CLASSES["type_II"]]
    counts = [len(trains[("type_II", i)]) for i in CLASSES["type_II"]]
    first = next(k for k, r in enumerate(rates) if r > 0)
    assert first >= 2 and all(c <= 1 for c in counts[:first]), (counts, rates)
    assert rates[first] > 40.0, rates
    assert any(c == 1 for c in counts[:first]), counts


def test_class_3_fires_only_at_onset(trains):
    """Class 3: one spike at stimulus onset (within 20 ms) for every suprathreshold
    current tested, never repetitive firing."""
    counts = [len(trains[("type_III", i)]) for i in CLASSES["type_III"]]
    assert counts[0] == 0 and all(c == 1 for c in counts[1:]), counts
    assert all(trains[("type_III", i)][0] < 20.0 for i in CLASSES["type_III"][1:])


def test_oracle_scipy_rates(trains):
    """Oracle: scipy's LSODA integration (rtol 1e-8) of the paper's equations written out
    here gives the same spike counts within one spike (exponential Euler at 0.05 ms
    against an adaptive solver; the spike times drift by a fraction of a step per spike)."""
    def rhs(t, y, i_stim, beta_w):
        v, w = y
        m_inf = 0.5 * (1 + np.tanh((v + 1.2) / 18.0))
        w_inf = 0.5 * (1 + np.tanh((v - beta_w) / 10.0))
        dv = (i_stim - 20 * m_inf * (v - 50) - 20 * w * (v + 100) - 2 * (v + 70)) / 2.0
        return [dv, 0.15 * np.cosh((v - beta_w) / 20.0) * (w_inf - w)]

    for cls, i_stim in [("type_I", 40.0), ("type_II", 45.0), ("type_III", 70.0)]:
        bw = BETA_W[cls]
        y0 = [-70.0, 0.5 * (1 + np.tanh((-70.0 - bw) / 10.0))]
        sol = solve_ivp(rhs, [0, DURATION_MS], y0, args=(i_stim, bw), method="LSODA",
                        rtol=1e-8, atol=1e-10, max_step=0.2)
        v = sol.y[0]
        n_ref = int(np.sum((v[1:] > 0) & (v[:-1] <= 0)))
        assert abs(len(trains[(cls, i_stim)]) - n_ref) <= 1, (cls, n_ref)
