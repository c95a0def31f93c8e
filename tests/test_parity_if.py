"""Parity of the classic integrate-and-fire models with the ``brainpy.state`` built-ins.

Each test runs a ``brainpy.state`` neuron and the neuroplug model with the same
parameters, reset convention, input, ``dt`` and dtype (float64), and compares them.
The differences that remain are documented in docs/models/integrate_and_fire_classic.md
("Parity with brainpy.state"); each is tested here:

* **Reset one step later.** A built-in returns the spike of step ``n`` but applies its
  reset at the start of step ``n + 1``, so its recorded state at a spike step is the
  value before the reset. Comparisons apply that pending reset to the built-in's record
  (``_pending_reset``); everything else must then agree.
* **Integrator.** ``brainstate.nn.exp_euler_step`` linearises the right-hand side with
  its full derivative (an exponential Rosenbrock-Euler step). For linear equations (IF,
  Gif) that is the exact/exponential-Euler update Brian2 generates, so the models agree
  to rounding. For ExpIF, QuaIF and AdQuaIF no Brian2 method is that scheme: the models
  agree to O(dt) and spike counts agree within one spike.
* **Refractoriness.** The built-ins hold a neuron while ``t - t_spike < tau_ref``
  (``ceil(tau_ref/dt)`` steps); Brian2 holds it ``floor(tau_ref/dt)`` steps. They agree
  when ``tau_ref`` is a multiple of ``dt``.

``dt = 0.125 ms`` is exact in binary (in ms, the unit of the built-ins' time), so the
built-ins' time comparisons are not disturbed by rounding.
"""

import brainpy.state as bps
import brainstate
import numpy as np
import pytest
import saiunit as u

import neuroplug.brainpy as nbp

DT = 0.125 * u.ms
EXACT = 1e-9  # relative trace bound of the exact tier


def _simulate(layer, x, n_steps, names):
    """Run ``layer`` for ``n_steps``; states and spikes as SI numpy arrays.

    ``x`` is a constant input (one value per neuron) or a sequence of ``n_steps`` inputs.
    """
    layer.init_state()
    xs = x if np.ndim(u.get_magnitude(x)) == 2 else u.math.stack([x] * n_steps)

    def step(i, x_i):
        with brainstate.environ.context(t=i * DT, i=i):
            spk = layer.update(x_i)
        return [getattr(layer, n).value for n in names], spk

    with brainstate.environ.context(dt=DT):
        states, spikes = brainstate.transform.for_loop(step, np.arange(n_steps), xs)
    return [_si(s) for s in states], np.asarray(spikes) > 0.5


def _si(q):
    """A saiunit quantity (or plain array) as a float array in SI units."""
    if not isinstance(q, u.Quantity):
        return np.asarray(q, dtype=float)
    return np.asarray(q.to_decimal(u.Unit(dim=u.get_dim(q))), dtype=float)


def _rel(a, b):
    span = np.ptp(a) or 1.0
    return float(np.max(np.abs(a - b)) / span)


def _ours(model_id, n, **kwargs):
    return nbp.neuron_class(model_id)(n, dtype="float64", **kwargs)


# ----------------------------------------------------------------------------------
# IF (brainpy.state) == lapicque: exact
@pytest.mark.parametrize("spk_reset", ["soft", "hard"])
def test_IF_equals_lapicque(spk_reset):
    """``brainpy.state.IF`` is the leaky RC model: identical to ``lapicque[brainpy_if]``."""
    x = np.array([0.5, 1.2, 3.0]) * u.mA  # R*x = 0.5, 1.2, 3 mV against V_th = 1 mV
    with nbp.precision("float64"):
        builtin = bps.IF(3, R=1 * u.ohm, tau=5 * u.ms, V_th=1 * u.mV, spk_reset=spk_reset)
        (vb,), sb = _simulate(builtin, x, 800, ["V"])
        ours = _ours("lapicque", 3, preset="brainpy_if", spk_reset=spk_reset)
        (vo,), so = _simulate(ours, x, 800, ["v"])
    vb = vb - 1e-3 * sb if spk_reset == "soft" else np.where(sb, 0.0, vb)  # pending reset
    assert sb[:, 0].sum() == 0 and sb[:, 1:].sum(axis=0).min() > 5
    np.testing.assert_array_equal(sb, so)
    assert _rel(vo, vb) <= EXACT


def test_IF_is_leaky_unlike_iaf():
    """The documented difference: ``brainpy.state.IF`` leaks (``-V/tau``), ``iaf`` does not.

    Both start at 0 and are charged for 20 steps; in the first step they agree to first
    order in dt/tau, afterwards IF decays towards 0 while iaf holds its charge exactly.
    """
    n_on, n_steps = 20, 200
    x = np.where(np.arange(n_steps)[:, None] < n_on, 50.0, 0.0) * u.pA
    with nbp.precision("float64"):
        builtin = bps.IF(1, R=100 * u.Mohm, tau=10 * u.ms, V_th=15 * u.mV, spk_reset="hard")
        ours = _ours("iaf", 1, C_m="100 pF", V_th="15 mV", V_reset="0 mV", t_ref="0 ms")
        traces = [_simulate(builtin, x, n_steps, ["V"])[0][0][:, 0],
                  _simulate(ours, x, n_steps, ["v"])[0][0][:, 0]]
    v_if, v_iaf = traces
    assert abs(v_if[0] - v_iaf[0]) / v_iaf[0] < 0.125 / 10  # dt/tau
    assert v_iaf[-1] == v_iaf[n_on - 1] > 0  # perfect integrator holds its charge
    assert v_if[-1] < 0.5 * v_if[n_on - 1]  # IF leaks


# ----------------------------------------------------------------------------------
# ExpIF / ExpIFRef, QuaIF, AdQuaIF / AdQuaIFRef: same model, another integrator
def _close_spiking(sb, so):
    """Spike counts within one spike; first spikes within 3 steps or 3% of their latency."""
    counts_b, counts_o = sb.sum(axis=0), so.sum(axis=0)
    assert counts_o.max() > 5, "the protocol must make the neurons fire"
    assert np.all(np.abs(counts_b - counts_o) <= 1), (counts_b, counts_o)
    for j in np.flatnonzero(counts_o):
        first_b, first_o = np.argmax(sb[:, j]), np.argmax(so[:, j])
        assert abs(first_b - first_o) <= max(3, 0.03 * first_o), (j, first_b, first_o)


EXPIF = dict(R=100 * u.Mohm, tau=10 * u.ms, V_th=-30 * u.mV, V_reset=-68 * u.mV,
             V_rest=-65 * u.mV, V_T=-59.9 * u.mV, delta_T=3.48 * u.mV)


@pytest.mark.parametrize("refractory", [False, True])
def test_ExpIF_parity(refractory):
    """``ExpIF``/``ExpIFRef`` vs ``expif``: agreement to O(dt) (integrators differ)."""
    x = np.array([10.0, 50.0, 200.0]) * u.pA
    with nbp.precision("float64"):
        if refractory:
            builtin = bps.ExpIFRef(3, tau_ref=2 * u.ms, spk_reset="hard", **EXPIF)
        else:
            builtin = bps.ExpIF(3, spk_reset="hard", **EXPIF)
        (vb,), sb = _simulate(builtin, x, 2400, ["V"])
        ours = _ours("expif", 3, t_ref="2 ms" if refractory else "0 ms")
        (vo,), so = _simulate(ours, x, 2400, ["v"])
    _close_spiking(sb, so)
    # subthreshold neuron (10 pA): the exp() term is small, both schemes nearly exact
    assert sb[:, 0].sum() == 0 and _rel(vo[:, 0], vb[:, 0]) < 1e-3


def test_QuaIF_parity():
    """``QuaIF`` vs ``qif``: agreement to O(dt) (forward Euler vs exponential Rosenbrock)."""
    x = np.array([20.0, 100.0, 300.0]) * u.pA
    with nbp.precision("float64"):
        builtin = bps.QuaIF(3, R=100 * u.Mohm, tau=10 * u.ms, V_th=-30 * u.mV,
                            V_reset=-68 * u.mV, V_rest=-65 * u.mV, V_c=-50 * u.mV,
                            c=0.07 / u.mV, spk_reset="hard")
        (vb,), sb = _simulate(builtin, x, 2400, ["V"])
        (vo,), so = _simulate(_ours("qif", 3), x, 2400, ["v"])
    _close_spiking(sb, so)
    # subthreshold neuron: global O(dt) difference of the two schemes (measured 2.1e-3)
    assert sb[:, 0].sum() == 0 and _rel(vo[:, 0], vb[:, 0]) < 1e-2


@pytest.mark.parametrize("refractory", [False, True])
def test_AdQuaIF_parity(refractory):
    """``AdQuaIF``/``AdQuaIFRef`` vs ``adqif``: agreement to O(dt).

    Besides the integrator, the built-ins update ``w`` with the *new* ``v`` of the step
    (sequential), Brian2's methods with the old one.
    """
    x = np.array([20.0, 200.0, 500.0]) * u.pA
    params = dict(R=100 * u.Mohm, tau=10 * u.ms, tau_w=100 * u.ms, V_th=-30 * u.mV,
                  V_reset=-68 * u.mV, V_rest=-65 * u.mV, V_c=-50 * u.mV, c=0.07 / u.mV,
                  a=0 * u.nS, b=20 * u.pA, spk_reset="hard")
    with nbp.precision("float64"):
        builtin = (bps.AdQuaIFRef(3, tau_ref=2 * u.ms, **params) if refractory
                   else bps.AdQuaIF(3, **params))
        (vb, wb), sb = _simulate(builtin, x, 2400, ["V", "w"])
        ours = _ours("adqif", 3, preset="adapting", t_ref="2 ms" if refractory else "0 ms")
        (vo, wo), so = _simulate(ours, x, 2400, ["v", "w"])
    _close_spiking(sb, so)
    wb = wb + 20e-12 * sb  # pending spike-triggered increment
    # w agrees to within one spike increment b (spikes may be a few steps apart)
    assert np.max(np.abs(wo - wb)) <= 1.5 * 20e-12, np.max(np.abs(wo - wb))


# ----------------------------------------------------------------------------------
# Gif / GifRef vs gif
GIF = dict(R=20 * u.Mohm, tau=20 * u.ms, V_rest=-70 * u.mV, V_reset=-70 * u.mV,
           V_th_inf=-50 * u.mV, V_th_reset=-60 * u.mV,
           V_th_initializer=lambda shape, batch_size=None: -50 * u.mV * np.ones(shape),
           b=10 / u.second, k1=200 / u.second, k2=20 / u.second, R1=0.0, R2=1.0,
           spk_reset="hard")


def _gif_pending_reset(states, spikes, a1, a2):
    v, th, i1, i2 = states
    v = np.where(spikes, -70e-3, v)
    th = np.where(spikes, np.maximum(th, -60e-3), th)
    i1 = np.where(spikes, 0.0 * i1 + a1, i1)
    i2 = np.where(spikes, 1.0 * i2 + a2, i2)
    return v, th, i1, i2


@pytest.mark.parametrize("preset, a, a1, a2", [
    ("tonic_spiking", 0.0, 0.0, 0.0),
    ("spike_frequency_adaptation", 5.0, 0.0, 0.0),
    ("tonic_bursting", 5.0, 10e-9, -0.6e-9),
])
@pytest.mark.parametrize("tau_ref_ms", [0.0, 2.0])
def test_GifRef_equals_gif(preset, a, a1, a2, tau_ref_ms):
    """``GifRef`` integrates each variable with the others held at their old values, the
    scheme of Brian2's exponential Euler: identical spike steps, traces to 1e-9."""
    x = np.array([1.5, 2.0, 4.0]) * u.nA
    with nbp.precision("float64"):
        builtin = bps.GifRef(3, tau_ref=tau_ref_ms * u.ms, a=a / u.second,
                             A1=a1 * u.amp, A2=a2 * u.amp, **GIF)
        states_b, sb = _simulate(builtin, x, 2400, ["V", "V_th", "I1", "I2"])
        ours = _ours("gif", 3, preset=preset, t_ref=f"{tau_ref_ms} ms")
        states_o, so = _simulate(ours, x, 2400, ["v", "theta", "I_1", "I_2"])
    assert so.sum(axis=0).min() > 0 and so.sum() > 20
    np.testing.assert_array_equal(sb, so)
    for name, b_, o_ in zip(("V", "theta", "I_1", "I_2"),
                            _gif_pending_reset(states_b, sb, a1, a2), states_o):
        assert _rel(o_, b_) <= EXACT, (name, _rel(o_, b_))


def test_Gif_differs_from_gif_by_update_order():
    """``Gif`` (without Ref) integrates ``V`` with the internal currents already advanced
    in the same step (a late-bound closure), unlike ``GifRef`` and Brian2: the models
    agree to O(dt) only. Tonic bursting, where the internal currents matter most."""
    x = np.array([1.5, 2.0]) * u.nA
    with nbp.precision("float64"):
        builtin = bps.Gif(2, a=5 / u.second, A1=10 * u.nA, A2=-0.6 * u.nA, **GIF)
        states_b, sb = _simulate(builtin, x, 2400, ["V", "V_th", "I1", "I2"])
        ours = _ours("gif", 2, preset="tonic_bursting")
        states_o, so = _simulate(ours, x, 2400, ["v", "theta", "I_1", "I_2"])
    _close_spiking(sb, so)
    assert not np.array_equal(sb, so) or _rel(states_o[0], states_b[0]) > EXACT


def test_refractory_rounding_difference():
    """With ``tau_ref`` not a multiple of dt the built-ins hold one step longer:
    ``ceil(tau_ref/dt)`` steps against Brian2's ``floor(tau_ref/dt)`` (1.7 ms at 0.125 ms:
    13 against 13.6 -> 13 and 14)."""
    x = np.array([2.0]) * u.nA
    with nbp.precision("float64"):
        builtin = bps.GifRef(1, tau_ref=1.7 * u.ms, a=0 / u.second, A1=0 * u.nA,
                             A2=0 * u.nA, **GIF)
        (vb, *_), sb = _simulate(builtin, x, 400, ["V", "V_th", "I1", "I2"])
        ours = _ours("gif", 1, t_ref="1.7 ms")
        (vo, *_), so = _simulate(ours, x, 400, ["v", "theta", "I_1", "I_2"])

    def held_steps(v, s):
        first = int(np.argmax(s[:, 0]))
        k = first + 1
        while np.isclose(v[k, 0], -70e-3, rtol=0, atol=1e-12):
            k += 1
        return k - first - 1

    assert held_steps(vb, sb) == 13  # ceil(1.7/0.125) - 1 steps after the spike step ...
    assert held_steps(vo, so) == 12  # ... and Brian2's floor(1.7/0.125) - 1
