"""Parity of the conductance-based library models with the ``brainpy.state`` built-ins.

``brainpy.state.HH`` and ``brainpy.state.WangBuzsakiHH`` integrate with
``brainstate.nn.exp_euler_step`` (``x + dt*exprel(dt*J)*f(x)``, with the Jacobian ``J``
from autodiff), each variable linearised around its own old value with the others
frozen: mathematically Brian2's ``exponential_euler``, but a different sequence of
floating-point operations. So the traces agree to rounding accumulated over the run
(bounded below), not bit for bit, and the spike steps are identical.

Semantic differences, handled explicitly here (see docs/models/conductance_based.md):

- units: the built-ins use absolute units (uF, mS, uA) with C = 1 uF; the library
  models use densities (uF/cm**2, mS/cm**2, uA/cm**2). With the same numbers the
  equations are identical, so the built-in gets ``x`` uA where ours gets ``x`` uA/cm**2;
- ``HH`` default leak: the built-in defaults to ``gL = 0.03 mS``, the standard
  (Hodgkin-Huxley, Dayan & Abbott) value is 0.3 mS/cm**2, which the library uses; the
  built-in is given ``gL = 0.3 mS``;
- initial values: the built-in ``HH`` starts at a random V (uniform -70..-60 mV) with
  gates at steady state; it is given the library's initial values;
- spikes: the built-ins emit ``H(V - V_th) * (1 - H(V_prev - V_th))`` with ``H(0) = 1``
  (rising edge, ``V >= V_th``); the library model spikes on ``v > V_spike`` while not
  refractory (``v > V_spike``): the same rising edge except when ``V`` lands exactly on
  the threshold. The built-ins divide by ``V_th`` in the spike function, so it must be
  positive: both sides use 20 mV here (``V_spike = "20 mV"`` for ours).
"""

import brainpy
import brainstate
import braintools
import jax.numpy as jnp
import numpy as np
import pytest
import saiunit as u

import neuroplug.brainpy as nbp

DT = 0.01 * u.ms
STEPS = 8000  # 80 ms
AMPS = np.array([0.0, 3.0, 10.0, 20.0])  # uA (built-in) == uA/cm**2 (library)


def _run_pair(builtin, ours, state_map):
    """Drive both layers with the same step currents; return traces and spike steps."""
    builtin.init_state()
    ours.init_state()
    amps = jnp.asarray(AMPS)

    def step(i):
        on = (i >= 500).astype(amps.dtype)
        sb = builtin.update(on * amps * u.uA)
        so = ours.update(on * amps * u.uA / u.cm ** 2)
        tb = {k: getattr(builtin, k).value for k in state_map}
        to = {v: getattr(ours, v).value for v in state_map.values()}
        return sb, so, tb, to

    sb, so, tb, to = brainstate.transform.for_loop(step, jnp.arange(STEPS))
    mant = lambda x: np.asarray(x.mantissa if isinstance(x, u.Quantity) else x, dtype=float)
    return np.asarray(sb), np.asarray(so), {k: mant(v) for k, v in tb.items()}, {
        k: mant(v) for k, v in to.items()}


def _assert_parity(sb, so, tb, to, state_map, rel_bound):
    spikes_b = [np.nonzero(sb[:, i] > 0.5)[0] for i in range(len(AMPS))]
    spikes_o = [np.nonzero(so[:, i] > 0.5)[0] for i in range(len(AMPS))]
    assert sum(len(s) for s in spikes_o) > 10, "the protocol must make the neurons spike"
    assert len(spikes_o[0]) == 0, "no input, no spikes"
    for i in range(len(AMPS)):
        np.testing.assert_array_equal(spikes_b[i], spikes_o[i], err_msg=f"neuron {i}")
    for kb, ko in state_map.items():
        a, b = tb[kb], to[ko]
        if kb == "V":
            a = a * 1e-3  # built-in V in mV, library v in volt
        rel = np.max(np.abs(a - b)) / np.ptp(b)
        assert rel <= rel_bound, f"[{kb}] max|d|/range = {rel:.3g} > {rel_bound:g}"


def test_hh_matches_brainpy_state_HH():
    """brainpy.state.HH and neuroplug's hodgkin_huxley: same spikes, traces to rounding."""
    state = {"V": "v", "m": "m", "h": "h", "n": "n"}
    with nbp.precision("float64"), brainstate.environ.context(dt=DT):
        init = braintools.init.Constant
        builtin = brainpy.state.HH(
            len(AMPS), gL=0.3 * u.msiemens, V_th=20 * u.mV,
            V_initializer=init(-65 * u.mV), m_initializer=init(0.0529),
            h_initializer=init(0.5961), n_initializer=init(0.3177))
        ours = nbp.HodgkinHuxley(len(AMPS), V_spike="20 mV", method="exponential_euler")
        sb, so, tb, to = _run_pair(builtin, ours, state)
    _assert_parity(sb, so, tb, to, state, rel_bound=1e-8)


def test_wang_buzsaki_matches_brainpy_state_WangBuzsakiHH():
    """brainpy.state.WangBuzsakiHH and neuroplug's wang_buzsaki: same spikes and traces."""
    state = {"V": "v", "h": "h", "n": "n"}
    with nbp.precision("float64"), brainstate.environ.context(dt=DT):
        init = braintools.init.Constant
        builtin = brainpy.state.WangBuzsakiHH(
            len(AMPS), V_th=20 * u.mV, V_initializer=init(-64 * u.mV),
            h_initializer=init(0.7803), n_initializer=init(0.0892))
        ours = nbp.WangBuzsaki(len(AMPS), V_spike="20 mV", method="exponential_euler")
        sb, so, tb, to = _run_pair(builtin, ours, state)
    _assert_parity(sb, so, tb, to, state, rel_bound=1e-8)


def test_parity_check_detects_a_different_parameter():
    """The comparison can fail: a 2% change of g_K moves the spikes."""
    state = {"V": "v", "h": "h", "n": "n"}
    with nbp.precision("float64"), brainstate.environ.context(dt=DT):
        init = braintools.init.Constant
        builtin = brainpy.state.WangBuzsakiHH(
            len(AMPS), gK=9.18 * u.msiemens, V_th=20 * u.mV, V_initializer=init(-64 * u.mV),
            h_initializer=init(0.7803), n_initializer=init(0.0892))
        ours = nbp.WangBuzsaki(len(AMPS), V_spike="20 mV", method="exponential_euler")
        sb, so, tb, to = _run_pair(builtin, ours, state)
    with pytest.raises(AssertionError):
        _assert_parity(sb, so, tb, to, state, rel_bound=1e-8)
