"""Published behaviour of ``escape_rate`` (adaptive and stochastic integrate-and-fire;
docs/models/integrate_and_fire_adaptive.md).

The test checks a feature the model's reference reports (the figure or equation is named
in the docstring). Brian2 (numpy target) unless stated otherwise; it runs in a few
seconds.
"""

import brian2 as b2
import numpy as np
import pytest

from ._helpers import run_group as _run


def test_escape_rate_hazard_is_exponential_in_the_potential():
    """Escape noise (Gerstner 2000, Sect. 2.2, exponential escape rate; Gerstner et al.
    2014, Sect. 9.1.1, Fig. 9.3): at a fixed potential the neuron fires as a Poisson
    process with rate rho_0*exp((v - theta)/Delta_u). With the membrane clamped at rest
    (preset poisson_clamp) the rate matches the hazard, the ISIs are exponential
    (CV ~ 1), and lowering the potential by Delta_u divides the rate by e."""
    n = 300
    theta = np.r_[np.full(n, -70.0), np.full(n, -72.0)] * b2.mV  # v - theta = 0, +Delta_u
    trains, _ = _run("escape_rate", [0 * b2.pA] * (2 * n), 2 * b2.second,
                     preset="poisson_clamp", seed=3, theta=theta)
    rates = np.array([len(t) for t in trains]).reshape(2, n).mean(1) / 2.0
    dt = 1e-4
    expected = (1 - np.exp(-20.0 * np.exp([0.0, 1.0]) * dt)) / dt  # per-step escape prob.
    np.testing.assert_allclose(rates, expected, rtol=0.04)
    isi = np.concatenate([np.diff(t) for t in trains[:n]])
    assert np.std(isi) / np.mean(isi) == pytest.approx(1.0, abs=0.05)
