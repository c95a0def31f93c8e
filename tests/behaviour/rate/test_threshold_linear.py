"""Published behaviour of ``threshold_linear`` (Dayan & Abbott 2001, ch. 7.2;
Hahnloser et al. 2000).

tau dr/dt = -r + g [I - theta]_+ has, for a constant input, the analytic solution
r(t) = g [I - theta]_+ (1 - exp(-t/tau)): rectification below threshold, slope g above.
The closed form (the oracle) is computed here from the formula and the file's values.
"""

import brian2 as b2
import numpy as np
import pytest

import neuroplug.brian2 as nb2

pytestmark = pytest.mark.filterwarnings("ignore")

TAU, GAIN, THETA = 10e-3, 0.1e12, 100e-12  # the file's defaults (SI: Hz/A, A)


def test_rectification_linear_gain_and_exponential_approach():
    """Rectification: zero rate for every input at or below theta. Linear gain: above
    theta the steady rate grows by g = 0.1 Hz/pA. Exponential approach with time
    constant tau: r(tau) = (1 - 1/e) r_inf. Exact integration, so the run equals the
    closed form to 1e-9 relative (absolute 1e-12 Hz for the zero rates)."""
    amps = np.array([-200e-12, 0.0, 100e-12, 150e-12, 300e-12, 1100e-12])
    G = nb2.group("threshold_linear", len(amps), dt=0.1 * b2.ms)
    G.I = amps * b2.amp
    net = b2.Network(G)
    net.run(TAU * b2.second)
    r_tau = np.asarray(G.r / b2.Hz)
    net.run(19 * TAU * b2.second)
    r_end = np.asarray(G.r / b2.Hz)
    r_inf = GAIN * np.maximum(amps - THETA, 0.0)
    np.testing.assert_allclose(r_tau, r_inf * (1 - np.exp(-1.0)), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(r_end, r_inf * (1 - np.exp(-20.0)), rtol=1e-9, atol=1e-12)
    assert np.all(r_end[:3] == 0.0), "rectified below threshold"
    slope = (r_end[5] - r_end[4]) / ((amps[5] - amps[4]) * 1e12) / (1 - np.exp(-20.0))
    assert slope == pytest.approx(0.1, rel=1e-9)  # Hz per pA
    assert r_end[5] == pytest.approx(100.0, rel=1e-6)  # 100 Hz at 1.1 nA
