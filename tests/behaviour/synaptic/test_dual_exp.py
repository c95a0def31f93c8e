"""Dual-exponential synaptic current (equations/dual_exp.toml).

Published behaviour (Roth & van Rossum 2009, "Modeling synapses", Eqs. 6.4-6.5): one
spike gives w*(exp(-t/tau_decay) - exp(-t/tau_rise))/P, peaking at
t_peak = tau_r*tau_d/(tau_d - tau_r)*ln(tau_d/tau_r) with value w (P normalises the
peak to the weight).  Oracles: the closed-form kernel (exact integration: 1e-9
relative) and ``brainpy.state.DualExpon`` with ``normalize=True`` (same normalisation,
and its exponential-Euler step of a pure decay is exact: agreement to rounding).
"""

import brainstate
import braintools
import brainpy.state as bst
import jax.numpy as jnp
import numpy as np
import saiunit as u

import neuroplug.brainpy as nbp
from neuroplug.brainpy import precision


def _run(weights_pA, dt_ms, **kw):
    """Run ``neuroplug.brainpy.DualExp`` over a weight array (steps x N, pA); returns
    the output I_syn (steps x N, pA) after each step."""
    weights_pA = np.asarray(weights_pA, dtype=float)
    with precision("float64"), brainstate.environ.context(dt=dt_ms * u.ms):
        layer = nbp.DualExp(weights_pA.shape[1], **kw)
        layer.init_state()
        out = brainstate.transform.for_loop(
            lambda wi: layer.update(wi * u.pA).to_decimal(u.pA), jnp.asarray(weights_pA))
    return np.asarray(out)


def _kernel(s, tr, td):
    """Roth & van Rossum's normalised difference of exponentials (peak 1)."""
    s = np.asarray(s, dtype=float)
    t_peak = tr * td / (td - tr) * np.log(td / tr)
    P = np.exp(-t_peak / td) - np.exp(-t_peak / tr)
    return np.where(s >= 0, (np.exp(-s / td) - np.exp(-s / tr)) / P, 0.0)


def test_kernel_peak_and_superposition():
    """Default (1 ms, 10 ms) and preset ``slow`` (2 ms, 100 ms): (a) one spike equals the
    closed-form kernel to 1e-9 relative; (b) its peak is w at t_peak (2.558 ms and
    8.000 ms), within one 0.05 ms step; (c) a mixed-weight train is the sum of
    kernels to 1e-9."""
    dt = 0.05
    n = 2000  # 100 ms
    spikes = [100, 500, 900, 1300]
    train = [10.0, 100.0, -50.0, 30.0]
    for preset, (tr, td), t_peak_paper in ((None, (1e-3, 10e-3), 2.558),
                                          ("slow", (2e-3, 100e-3), 8.000)):
        w = np.zeros((n, 2))
        w[0, 0] = 100.0
        w[spikes, 1] = train
        I = _run(w, dt, preset=preset) if preset else _run(w, dt)
        t = np.arange(n) * dt * 1e-3
        single = 100.0 * _kernel(t, tr, td)
        assert np.max(np.abs(I[:, 0] - single)) / 100.0 < 1e-9
        assert abs(np.argmax(I[:, 0]) * dt - t_peak_paper) <= dt
        assert abs(I[:, 0].max() - 100.0) < 0.01  # peak = weight (sampled on the grid)
        expected = sum(wk * _kernel(t - k * dt * 1e-3, tr, td) for k, wk in zip(spikes, train))
        assert np.max(np.abs(I[:, 1] - expected)) / 100.0 < 1e-9


def test_brainpy_state_dualexpon_oracle():
    """``brainpy.state.DualExpon(tau_rise=1 ms, tau_decay=10 ms, normalize=True)`` fed the
    same 20 Hz train of weights (pA).  Its rise and decay variables are pure decays
    stepped with ``exp_euler_step`` (exact for linear equations) plus the weight after
    the decay, i.e. the same update as ours, and its normalisation
    tau_d/(tau_d - tau_r)*(tau_r/tau_d)**(tau_r/(tau_r - tau_d)) equals our 1/P, so the
    traces must agree to rounding: tolerance 1e-9 relative (measured ~1e-15)."""
    dt = 0.1
    n = 5000
    w = np.zeros(n)
    w[50::500] = [10.0, 100.0, -50.0, 30.0, 80.0, 5.0, -20.0, 60.0, 40.0, 100.0]
    with precision("float64"), brainstate.environ.context(dt=dt * u.ms):
        ours = nbp.DualExp(1)
        ref = bst.DualExpon(1, tau_rise=1 * u.ms, tau_decay=10 * u.ms, normalize=True,
                            g_initializer=braintools.init.Constant(0. * u.pA))
        ours.init_state()
        ref.init_state()

        def step(wi):
            return (ours.update(wi * u.pA).to_decimal(u.pA),
                    ref.update(wi * u.pA).to_decimal(u.pA))

        a, b = brainstate.transform.for_loop(step, jnp.asarray(w))
    a, b = np.asarray(a)[:, 0], np.asarray(b)[:, 0]
    assert np.max(np.abs(a)) > 50
    assert np.max(np.abs(a - b)) / np.max(np.abs(a)) < 1e-9
