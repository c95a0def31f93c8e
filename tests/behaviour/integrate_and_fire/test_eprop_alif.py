"""Published behaviour of ``eprop_alif`` (adaptive and stochastic integrate-and-fire;
docs/models/integrate_and_fire_adaptive.md).

The test checks a feature the model's reference reports (the figure or equation is named
in the docstring). Brian2 (numpy target) unless stated otherwise; it runs in a few
seconds.
"""

import brian2 as b2
import numpy as np
import pytest

import neuroplug.brian2 as nb2

from ._helpers import run_group as _run


def test_eprop_alif_threshold_adaptation_follows_the_paper_map():
    """Bellec et al. (2020), Methods (ALIF neuron: A_t = v_th + beta*a_t,
    a_{t+1} = rho*a_t + z_t, v_{t+1} = alpha*v_t + I_{t+1} - z_t*v_th): after one
    spike the threshold excess decays as beta*rho**k and the reset subtracts v_th in
    the step after the spike; under constant drive the ISIs lengthen (Fig. 1-type
    adaptation that gives the LSNN its working memory)."""
    dt = 1 * b2.ms
    grp = nb2.group("eprop_alif", 1, dt=dt)
    mon = b2.StateMonitor(grp, ["v", "a"], record=True, when="end")
    net = b2.Network(grp, mon)
    grp.I = 1.0
    net.run(dt)
    grp.I = 0.0
    net.run(30 * dt)
    v, a = mon.v[0], mon.a[0]
    alpha, rho = np.exp(-1 / 20), np.exp(-1 / 2000)
    assert v[0] == pytest.approx(1.0)  # spiked in step 0 (v > 0.6)
    np.testing.assert_allclose(v[1], alpha * 1.0 - 0.6, rtol=1e-12)
    np.testing.assert_allclose(a[1:], rho ** np.arange(30), rtol=1e-12)
    # constant drive: the adaptive threshold stretches the inter-spike intervals
    (train,), _ = _run("eprop_alif", [0.1], 2 * b2.second, dt=dt, tau_a=200 * b2.ms)
    isi = np.diff(train)
    assert len(isi) > 5 and isi[-1] > 2 * isi[0], isi
