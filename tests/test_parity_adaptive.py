"""Parity of the adaptive integrate-and-fire models with ``brainpy.state`` built-ins.

``alif`` against ``brainpy.state.ALIF``. The built-in tests the threshold on the state
after its exponential-Euler update (as Brian2 does) but applies the reset at the start
of the *next* step, so between steps it stores the pre-reset values. With the hard
reset the spike trains are identical and the traces agree wherever no spike occurred;
on spike steps ours holds ``V_reset`` and ``a`` already incremented
(see docs/models/integrate_and_fire_adaptive.md).
"""

import brainpy
import brainstate
import braintools
import jax.numpy as jnp
import numpy as np
import pytest
import saiunit as u

import neuroplug.brainpy as nbp

AMPLITUDES = [0.0, 1.2, 1.5, 3.0, 8.0]  # mA; 1 mA is rheobase with R = 1 ohm


def _builtin_defaults():
    """brainpy.state.ALIF defaults, written out so both layers get the same values
    (built inside the float64 context, so they are float64 arrays)."""
    return dict(R=1.0 * u.ohm, tau=5.0 * u.ms, tau_a=100.0 * u.ms, V_th=1.0 * u.mV,
                V_reset=0.0 * u.mV, V_rest=0.0 * u.mV, beta=0.1 * u.mV)


def _run_pair(spk_reset, n_steps=2000, beta=None, scale=1.0):
    params = _builtin_defaults()
    if beta is not None:
        params["beta"] = beta * u.mV
    surrogate = braintools.surrogate.ReluGrad()
    builtin = brainpy.state.ALIF(len(AMPLITUDES), spk_fun=surrogate, spk_reset=spk_reset,
                                 V_initializer=braintools.init.Constant(0.0 * u.mV),
                                 **params)
    ours = nbp.ALIF(len(AMPLITUDES), spk_fun=surrogate, spk_reset=spk_reset,
                    dtype="float64", **params)
    builtin.init_state()
    ours.init_state()
    x = jnp.asarray(AMPLITUDES) * scale * u.mA

    def step(i):
        sb = builtin.update(x)
        so = ours.update(x)
        return (sb, so, builtin.V.value.to_decimal(u.mV), ours.v.value.to_decimal(u.mV),
                builtin.a.value, ours.a.value)

    return brainstate.transform.for_loop(step, jnp.arange(n_steps))


def test_alif_hard_reset_matches_brainpy_state_builtin():
    with nbp.precision("float64"), brainstate.environ.context(dt=0.1 * u.ms):
        sb, so, vb, vo, ab, ao = (np.asarray(z) for z in _run_pair("hard"))
    assert sb.sum(0)[0] == 0 and np.all(sb.sum(0)[1:] > 3), "drives above rheobase must fire"
    np.testing.assert_array_equal(sb, so)  # identical spike steps
    quiet = so == 0
    np.testing.assert_allclose(vo[quiet], vb[quiet], rtol=1e-9, atol=1e-12)
    # on spike steps the built-in still stores the pre-reset (supra-threshold) value
    assert np.all(vb[~quiet] >= 1.0 + 0.1 * ab[~quiet] - 1e-12)
    np.testing.assert_allclose(vo[~quiet], 0.0, atol=1e-12)
    # and its adaptation variable lags ours by the spike of this step
    np.testing.assert_allclose(ab, ao - so, rtol=1e-9, atol=1e-12)


def test_alif_soft_reset_difference_is_the_adaptive_part():
    """Soft reset: the built-in subtracts V_th - V_reset, ours the full distance
    V_th + beta*a - V_reset; without adaptation (beta = 0) the two agree."""
    with nbp.precision("float64"), brainstate.environ.context(dt=0.1 * u.ms):
        sb, so, vb, vo, _, _ = (np.asarray(z) for z in _run_pair("soft", beta=0.0))
        sb2, so2, *_ = (np.asarray(z) for z in _run_pair("soft"))
    np.testing.assert_array_equal(sb, so)
    np.testing.assert_allclose(vo[so == 0], vb[so == 0], rtol=1e-9, atol=1e-12)
    assert sb.sum() > 0
    # with adaptation our soft reset subtracts more, so we fire less
    assert so2.sum() < sb2.sum()
