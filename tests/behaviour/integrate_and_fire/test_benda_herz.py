"""Published behaviour of ``benda_herz`` (adaptive and stochastic integrate-and-fire;
docs/models/integrate_and_fire_adaptive.md).

The test checks a feature the model's reference reports (the figure or equation is named
in the docstring). Brian2 (numpy target) unless stated otherwise; it runs in a few
seconds.
"""

import brian2 as b2
import numpy as np

from ._helpers import run_group as _run


def test_benda_herz_rate_follows_the_universal_model():
    """Benda & Herz (2003), Sect. 4 (step response of the universal model, their
    Fig. 5-type exponential decay): after a step the rate decays from f_0(I) to
    f_inf = f_0/(1 + gamma*k_0) with tau_eff = tau_A/(1 + gamma*k_0). The spike times
    must sit where the analytic phase integral reaches whole cycles."""
    k0, ith, gamma, tau = 0.5e12, 100e-12, 2e-12, 0.1  # SI defaults of the model
    amps = [300e-12, 500e-12]
    trains, _ = _run("benda_herz", [a * b2.amp for a in amps], 0.6 * b2.second)
    for amp, train in zip(amps, trains):
        f0 = k0 * (amp - ith)
        finf = f0 / (1 + gamma * k0)
        tau_eff = tau / (1 + gamma * k0)
        phase = finf * train + (f0 - finf) * tau_eff * (1 - np.exp(-train / tau_eff))
        assert len(train) > 20
        np.testing.assert_allclose(phase, np.arange(1, len(train) + 1), atol=0.05)
