"""Published behaviour of ``pernarowski`` (Pernarowski 1994, square-wave bursting).

The default preset bursts: spikes come in groups separated by long silent phases, so
the inter-spike-interval distribution is bimodal; within a burst the intervals lengthen
towards its end (the homoclinic termination of square-wave bursting). An independent
scipy integration of the Lienard system written out here is the oracle for the number
of spikes per burst and the burst period.
"""

import brian2 as b2
import numpy as np
import pytest
from scipy.integrate import solve_ivp

import neuroplug.brian2 as nb2

pytestmark = pytest.mark.filterwarnings("ignore")

DT_MS = 0.1


@pytest.fixture(scope="module")
def spikes():
    G = nb2.group("pernarowski", 1, dt=DT_MS * b2.ms, method="rk4")
    S = b2.SpikeMonitor(G)
    b2.Network(G, S).run(700 * b2.ms)
    return np.asarray(S.spike_trains()[0] / b2.ms)


def _bursts(t, gap):
    return np.split(t, np.where(np.diff(t) > gap)[0] + 1)


def test_bursting_bimodal_isi(spikes):
    """Bimodal intervals: within-burst intervals of 3-8 time units, silent phases > 100,
    nothing in between; at least 3 complete bursts of >= 5 spikes with equal size
    (measured 11 spikes); the last interval of a burst is longer than the first."""
    isi = np.diff(spikes)
    short, long_ = isi[isi < 20], isi[isi >= 20]
    assert len(long_) >= 3 and len(short) >= 20
    assert short.max() < 10 and long_.min() > 100, (short.max(), long_.min())
    bursts = _bursts(spikes, 20)[1:-1]  # complete bursts only
    sizes = [len(b) for b in bursts]
    assert len(bursts) >= 2 and min(sizes) >= 5 and max(sizes) - min(sizes) <= 1, sizes
    for b in bursts:
        d = np.diff(b)
        assert d[-1] > 1.3 * d[0], d


def test_oracle_scipy(spikes):
    """Oracle: scipy's DOP853 (rtol 1e-10) gives the same spikes per burst (+-1) and
    burst period (within 1 %); RK4 at 0.1 time units against an adaptive solver."""
    a, eta, u_hat, beta, u_bar, eps = 0.25, 0.75, 1.5, 4.0, -0.954, 0.0025

    def rhs(t, y):
        u, w, c = y
        h = beta * (u - u_bar) - c
        return [w, -a * ((u - u_hat) ** 2 - eta ** 2) * w - (c + u ** 3 - 3 * (u + 1)) - eps * h,
                eps * h]

    sol = solve_ivp(rhs, [0, 700], [-1.5, 0.0, 2.0], method="DOP853", rtol=1e-10,
                    atol=1e-12, max_step=0.1)
    u = sol.y[0]
    ref = sol.t[1:][(u[1:] > 1) & (u[:-1] <= 1)]
    b_sim, b_ref = _bursts(spikes, 20)[1:-1], _bursts(ref, 20)[1:-1]
    assert abs(len(b_sim[0]) - len(b_ref[0])) <= 1
    p_sim = np.diff([b[0] for b in _bursts(spikes, 20)])[-1]
    p_ref = np.diff([b[0] for b in _bursts(ref, 20)])[-1]
    assert p_sim == pytest.approx(p_ref, rel=0.01), (p_sim, p_ref)
