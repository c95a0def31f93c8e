"""Published behaviour of ``stochastic_if`` (adaptive and stochastic integrate-and-fire;
docs/models/integrate_and_fire_adaptive.md).

The test checks a feature the model's reference reports (the figure or equation is named
in the docstring). Brian2 (numpy target) unless stated otherwise; it runs in a few
seconds.
"""

import numpy as np
import pytest


def _siegert_rate(mu, sigma, theta=20e-3, v_r=10e-3, tau=20e-3, tau_rp=2e-3):
    from scipy.integrate import quad
    from scipy.special import erfcx

    # exp(u**2)*(1 + erf(u)) == erfcx(-u), stable for large |u|
    integral, _ = quad(lambda u: erfcx(-u), (v_r - mu) / sigma, (theta - mu) / sigma)
    return 1.0 / (tau_rp + tau * np.sqrt(np.pi) * integral)


def test_stochastic_if_rate_matches_the_siegert_formula():
    """Brunel & Hakim (1999), eq. (22) / Brunel (2000), eq. (21) (stationary rate of
    the leaky IF with diffusive input, the curves of Brunel & Hakim Fig. 2): the
    simulated rate of 400 neurons (BrainPy, dt = 0.02 ms to keep the discretisation
    bias of the threshold crossing small) lies within 8% of the analytic rate."""
    import brainstate
    import jax.numpy as jnp
    import saiunit as u

    import neuroplug.brainpy as nbp

    mu, sigma = 15e-3, 5e-3
    with nbp.precision("float32"), brainstate.environ.context(dt=0.02 * u.ms):
        brainstate.random.seed(1)
        layer = nbp.neuron_class("stochastic_if")(400)
        layer.init_state()
        n = 50_000  # 1 s
        spikes = brainstate.transform.for_loop(lambda i: layer.update(mu * u.volt),
                                               jnp.arange(n))
    # discard the first 100 ms (start from rest)
    rate = float(np.asarray(spikes)[5000:].sum()) / (400 * 0.9)
    expected = _siegert_rate(mu, sigma)
    assert 5 < expected < 30
    assert rate == pytest.approx(expected, rel=0.08), (rate, expected)
