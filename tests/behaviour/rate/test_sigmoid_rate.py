"""Published behaviour of ``sigmoid_rate`` (Dayan & Abbott 2001, ch. 7.2).

The firing-rate equation tau dr/dt = -r + F(I) with a logistic F has, for a constant
input, the analytic solution r(t) = F(I) (1 - exp(-t/tau)); the test compares the
Brian2 run with this closed form (the oracle), computed here from the textbook formula
and the parameter values, not from our code.
"""

import brian2 as b2
import numpy as np
import pytest

import neuroplug.brian2 as nb2

pytestmark = pytest.mark.filterwarnings("ignore")

TAU, R_MAX, THETA, SIGMA = 10e-3, 100.0, 200e-12, 50e-12  # the file's defaults (SI)


def _logistic(i_amp):
    return R_MAX / (1.0 + np.exp(-(i_amp - THETA) / SIGMA))


def test_steady_state_is_the_sigmoid_and_rise_has_time_constant_tau():
    """Dayan & Abbott (2001), eqs. 7.8-7.11: the rate relaxes exponentially with time
    constant tau to the sigmoid of the input. Measured: r(tau)/F(I) = 1 - 1/e and
    r(10 tau) = F(I) (1 - e^-10) to 1e-9 relative (exact integration); F(theta) is half
    the maximal rate and F is monotonic."""
    amps = np.array([0.0, 100e-12, 200e-12, 300e-12, 600e-12])
    G = nb2.group("sigmoid_rate", len(amps), dt=0.1 * b2.ms)
    G.I = amps * b2.amp
    net = b2.Network(G)
    net.run(TAU * b2.second)
    r_tau = np.asarray(G.r / b2.Hz)
    net.run(9 * TAU * b2.second)
    r_end = np.asarray(G.r / b2.Hz)
    expected = _logistic(amps)
    np.testing.assert_allclose(r_tau, expected * (1 - np.exp(-1.0)), rtol=1e-9)
    np.testing.assert_allclose(r_end, expected * (1 - np.exp(-10.0)), rtol=1e-9)
    assert r_end[2] == pytest.approx(0.5 * R_MAX * (1 - np.exp(-10.0)), rel=1e-9)
    assert np.all(np.diff(r_end) > 0)
    assert r_tau[2] / r_end[2] == pytest.approx(0.632, abs=1e-3)  # 63 % rise at t = tau
