"""Training with library layers: trainable parameters, surrogates by name, the example."""

import importlib.util
import json
from pathlib import Path

import brainstate
import braintools
import jax
import jax.numpy as jnp
import numpy as np
import pytest
import saiunit as u

import neuroplug.brainpy as nbp
from neuroplug.errors import InputError, ParameterError

ROOT = Path(__file__).resolve().parent.parent


def _subthreshold_loss(layer, steps=150, drive=0.3 * u.nA):
    """A smooth loss: mean squared depolarisation of a subthreshold run (no spikes)."""
    def loss():
        layer.reset_state()
        vs = brainstate.transform.for_loop(
            lambda i: (layer.update(drive), layer.v.value.to_decimal(u.mV))[1],
            np.arange(steps))
        return jnp.mean((vs + 70.0) ** 2)
    return loss


def _central_difference(loss, state, index, rel=1e-5):
    base = state.value
    flat = base.reshape(-1)
    h = rel * max(abs(float(flat[index])), 1.0)
    out = []
    for sign in (1, -1):
        state.value = flat.at[index].add(sign * h).reshape(base.shape)
        out.append(float(loss()))
    state.value = base
    return (out[0] - out[1]) / (2 * h)


def test_trainable_parameters_are_param_states_with_units():
    with nbp.precision("float64"):
        layer = nbp.LIF(4, trainable=("tau_m", "V_th"), per_neuron=True)
        states = layer.states(brainstate.ParamState)
        assert {k[1] for k in states} == {"tau_m", "V_th"}
        assert all(s.value.shape == (4,) for s in states.values())
        tau = layer.parameter("tau_m")
        assert isinstance(tau, u.Quantity) and np.allclose(tau.to_decimal(u.ms), 10.0)
        # tau_m is 'positive' in lif.toml: log-parameterised, whatever the optimiser does
        state = layer.trainable_params["tau_m"].val
        state.value = state.value - 50.0
        assert bool(jnp.all(layer.parameter("tau_m").to_decimal(u.ms) > 0))
        shared = nbp.LIF(4, trainable="tau_m")
        assert shared.trainable_params["tau_m"].val.value.shape == ()
        # the trained values go back to Brian2
        values = layer.parameter_values()
        assert values["tau_m"].shape == (4,) and float(values["V_th"][0] / 1e-3) == \
            pytest.approx(-55.0)


@pytest.mark.parametrize("name", ["tau_m", "E_L", "C_m"])
def test_gradient_matches_central_difference(name):
    """d(loss)/d(unconstrained parameter) from jax.grad vs a central finite difference on
    a 15 ms subthreshold run in float64. ``detach_reset=True`` makes the run smooth:
    otherwise the surrogate's straight-through term in the reset adds its gradient even
    below threshold (by design, as in other SNN frameworks), which a finite difference of
    the exact forward pass cannot see."""
    with nbp.precision("float64"), brainstate.environ.context(dt=0.1 * u.ms):
        layer = nbp.LIF(3, trainable=(name,), per_neuron=True, dtype="float64",
                        detach_reset=True)
        layer.init_state()
        loss = _subthreshold_loss(layer)
        state = layer.trainable_params[name].val
        assert float(jnp.max(layer.v.value.to_decimal(u.mV))) < -55
        grads = brainstate.transform.grad(loss, {"p": state})()["p"]
        for i in range(3):
            fd = _central_difference(loss, state, i)
            assert np.isfinite(fd) and abs(fd) > 1e-6
            assert float(grads[i]) == pytest.approx(fd, rel=1e-6), (name, i)


def test_gradient_check_on_adex_subthreshold():
    """Two coupled variables and an exponential term: the same check for AdEx's a and
    tau_w (exponential Euler, 20 ms below threshold)."""
    with nbp.precision("float64"), brainstate.environ.context(dt=0.1 * u.ms):
        layer = nbp.AdEx(2, trainable=("a", "tau_w"), per_neuron=True, dtype="float64",
                         detach_reset=True)
        layer.init_state()
        loss = _subthreshold_loss(layer, steps=200, drive=0.2 * u.nA)
        for name in ("a", "tau_w"):
            state = layer.trainable_params[name].val
            g = brainstate.transform.grad(loss, {"p": state})()["p"]
            fd = _central_difference(loss, state, 0)
            assert abs(fd) > 1e-9
            assert float(g[0]) == pytest.approx(fd, rel=1e-4), name


def test_gradients_reach_parameters_under_jit_vmap_and_for_loop():
    """A spiking run through the surrogate: grads are finite and non-zero under jit, with
    a vmap over input amplitudes (batched neuron states) and a for_loop over time."""
    with nbp.precision("float32"), brainstate.environ.context(dt=0.1 * u.ms):
        layer = nbp.LIF(8, trainable=("tau_m", "V_th"), per_neuron=True, spk_fun="arctan")
        layer.init_state(batch_size=3)
        params = layer.states(brainstate.ParamState)
        batched = [getattr(layer, n) for n in ("v", "lastspike", "not_refractory", "spike",
                                               "before_reset_v")]

        @brainstate.transform.vmap(in_states=batched, out_states=batched)
        def counts(amp):
            spikes = brainstate.transform.for_loop(lambda i: layer.update(amp * u.nA),
                                                   np.arange(400))
            return spikes.sum()

        @brainstate.transform.jit
        def loss():
            layer.reset_state(batch_size=3)
            return jnp.sum((counts(jnp.array([0.5, 0.8, 1.2])) - 30.0) ** 2)

        grads = brainstate.transform.grad(loss, params)()
        assert float(loss()) > 0
        for key, g in grads.items():
            g = np.asarray(g)
            assert np.all(np.isfinite(g)) and np.any(g != 0), key


def test_a_param_state_as_a_parameter_value():
    """brainstate users' way: pass a ParamState (or brainstate.nn.Param) for a parameter."""
    with nbp.precision("float64"), brainstate.environ.context(dt=0.1 * u.ms):
        tau = brainstate.ParamState(10.0 * u.ms)
        layer = nbp.LIF(2, tau_m=tau)
        assert list(layer.states(brainstate.ParamState).values()) == [tau]
        layer.init_state()
        loss = _subthreshold_loss(layer, steps=50)
        g = brainstate.transform.grad(loss, {"tau": tau})()["tau"]
        assert np.isfinite(float(g.mantissa if isinstance(g, u.Quantity) else g))
        param = brainstate.nn.Param(2e-3 * u.ms, t=nbp.ConstraintT("positive", u.second))
        assert float(nbp.LIF(2, t_ref=param).parameter("t_ref").to_decimal(u.ms)) == \
            pytest.approx(2e-3)


@pytest.mark.parametrize("model_id,name,drive", [("plif", "w", 1.5), ("klif", "k", 1.5)])
def test_plif_and_klif_learn_their_parameter(model_id, name, drive):
    """PLIF's w (tau = 1 + exp(-w)) and KLIF's k are trained by Adam towards a target
    spike count; the loss falls and the parameter moves."""
    layer = getattr(nbp, {"plif": "PLIF", "klif": "KLIF"}[model_id])(
        16, trainable=(name,), per_neuron=True, spk_fun="sigmoid")
    layer.init_state()
    params = layer.states(brainstate.ParamState)
    opt = braintools.optim.Adam(lr=0.05)
    opt.register_trainable_weights(params)
    target = jnp.linspace(2.0, 12.0, 16)

    def loss():
        layer.reset_state()
        spikes = brainstate.transform.for_loop(lambda i: layer.update(drive), np.arange(30))
        return jnp.mean((spikes.sum(0) - target) ** 2)

    @brainstate.transform.jit
    def step():
        grads, value = brainstate.transform.grad(loss, params, return_value=True)()
        opt.update(grads)
        return value

    before = np.asarray(layer.parameter(name)).copy()
    losses = [float(step()) for _ in range(60)]
    assert losses[-1] < 0.5 * losses[0], losses[::10]
    assert np.ptp(np.asarray(layer.parameter(name))) > 0.01 and not \
        np.allclose(np.asarray(layer.parameter(name)), before)


@pytest.mark.parametrize("name", sorted(nbp.SURROGATES))
def test_surrogate_by_name(name):
    layer = nbp.LIF(3, spk_fun=name)
    assert isinstance(layer.spk_fun, braintools.surrogate.Surrogate)
    with brainstate.environ.context(dt=0.1 * u.ms):
        layer.init_state()
        x = jnp.full(3, 0.38)

        def f(x):
            layer.reset_state()
            return brainstate.transform.for_loop(lambda i: layer.update(x * u.nA),
                                                 np.arange(200)).sum()
        g = brainstate.transform.grad(f)(x)
    assert bool(jnp.all(jnp.isfinite(g))) and float(jnp.abs(g).sum()) > 0, name


def test_clear_errors():
    with pytest.raises(ParameterError, match=r"trainable: unknown parameter 'tau'"):
        nbp.LIF(2, trainable=("tau",))
    with pytest.raises(ParameterError, match=r"spk_fun='atan'.*arctan"):
        nbp.LIF(2, spk_fun="atan")
    with pytest.raises(ParameterError, match="already given"):
        nbp.LIF(2, tau_m=brainstate.ParamState(10.0 * u.ms), trainable=("tau_m",))
    with pytest.raises(ParameterError, match="integer"):
        nbp.LIF(2, tau_m=brainstate.ParamState(10 * u.ms))
    with pytest.raises(ParameterError, match=r"found constraint 'pos'"):
        nbp.LIF(2, trainable={"tau_m": "pos"})
    with pytest.raises(ParameterError, match="dimension|volt|second"):
        nbp.LIF(2, tau_m=brainstate.ParamState(10.0 * u.mV))
    with pytest.raises(InputError, match="fixed scalar parameters"):
        nbp.Amari(8, trainable=(_kernel_parameter("amari"),))


def _kernel_parameter(model_id):
    import re

    import neuroplug

    m = neuroplug.model(model_id)
    return next(n for n in m.parameters if re.search(rf"\b{n}\b", m.coupling.kernel))


def _example():
    spec = importlib.util.spec_from_file_location("train_digits",
                                                  ROOT / "examples" / "train_digits.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("neuron", ["lif", "adex"])
def test_train_digits_example_learns(neuron, tmp_path):
    """The worked example at reduced size (640 images, 6 epochs, 64 neurons): the loss
    falls and test accuracy is far above chance (10 %)."""
    ex = _example()
    assert ex.main(["--neuron", neuron, "--epochs", "6", "--subset", "640", "--hidden", "64",
                    "--out", str(tmp_path), "--lr", "5e-3"]) == 0
    result = json.loads((tmp_path / f"{neuron}.json").read_text())
    loss = result["history"]["loss"]
    assert loss[-1] < 0.8 * loss[0], loss
    assert result["test_accuracy"] > 0.5, result["test_accuracy"]
    assert (tmp_path / f"{neuron}.png").stat().st_size > 5000


def test_train_digits_refuses_bad_arguments(tmp_path, capsys):
    ex = _example()
    (tmp_path / "file").write_text("x")
    with pytest.raises(SystemExit, match="is a file"):
        ex.main(["--epochs", "1", "--subset", "64", "--out", str(tmp_path / "file")])
    for bad in (["--epochs", "0"], ["--dt", "-1"], ["--neuron", "hh"]):
        with pytest.raises(SystemExit) as exc:
            ex.main(bad)
        assert exc.value.code == 2
    assert "expected a positive integer" in capsys.readouterr().err


def test_recurrent_lif_equals_the_brian2_network():
    """Recurrent(LIF) against the same network written in Brian2: a library LIF group, a
    Synapses(G, G, on_pre='I_post += w') with the layer's weights, the external drive
    written before the synapses slot. 40 neurons, 300 ms: identical spike steps, v within
    1e-9 relative (the synaptic sums are added in another order)."""
    import brian2 as b2

    from neuroplug.brian2 import group

    n, steps = 40, 3000
    ext = np.linspace(0.3, 0.6, n)  # nA
    with nbp.precision("float64"), brainstate.environ.context(dt=0.1 * u.ms):
        layer = nbp.Recurrent(nbp.LIF(n, dtype="float64"), scale=0.15 * u.nA, gain=2.0,
                              trainable=False)
        layer.init_state()
        spikes, v = brainstate.transform.for_loop(
            lambda i: (layer.update(ext * u.nA), layer.neuron.v.value.to_decimal(u.mV)),
            np.arange(steps))
    spikes, v = np.asarray(spikes), np.asarray(v)
    w = np.asarray(layer.weights)  # amp, rows presynaptic

    G = group("lif", n, dt=0.1 * b2.ms)
    G.I = ext * b2.nA
    drive = b2.TimedArray(ext[None, :] * b2.nA, dt=1 * b2.second)
    G.run_regularly("I = np_ext(t, i)", when="before_synapses")
    S = b2.Synapses(G, G, "w : amp", on_pre="I_post += w", dt=0.1 * b2.ms)
    pre, post = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    S.connect(i=pre.ravel(), j=post.ravel())
    S.w = w[pre.ravel(), post.ravel()] * b2.amp
    mon = b2.StateMonitor(G, "v", record=True, when="end")
    spk = b2.SpikeMonitor(G)
    b2.Network(G, S, mon, spk).run(steps * 0.1 * b2.ms, namespace={"np_ext": drive})
    ref = np.zeros_like(spikes)
    ref[np.round(np.asarray(spk.t / b2.ms) / 0.1).astype(int), np.asarray(spk.i)] = 1
    assert spikes.sum() > 100 and np.abs(w).max() > 0
    assert np.array_equal(spikes, ref), f"{int((spikes != ref).sum())} spike steps differ"
    vb = np.asarray(mon.v / b2.mV).T
    assert np.max(np.abs(v - vb) / np.abs(vb)) < 1e-9


def test_recurrent_weights_train_and_refuse_bad_input():
    with brainstate.environ.context(dt=0.1 * u.ms):
        # no refractory period: with one, a synchronous volley arrives while every
        # receiving neuron is refractory and has no effect (and no gradient)
        layer = nbp.Recurrent(nbp.LIF(16, spk_fun="arctan", t_ref="0 ms"), scale=0.2 * u.nA)
        w0 = np.asarray(layer.weight.value)
        assert np.allclose(w0 @ w0.T, np.eye(16), atol=1e-5)  # orthogonal at the start
        layer.init_state(batch_size=2)
        params = layer.states(brainstate.ParamState)

        def loss():
            layer.reset_state(batch_size=2)
            s = brainstate.transform.for_loop(
                lambda i: layer.update(jnp.linspace(0.4, 0.9, 16) * u.nA), np.arange(300))
            return jnp.sum((s.sum(0) - 5.0) ** 2)
        g = brainstate.transform.grad(loss, params)()
        (gw,) = g.values()
        assert np.all(np.isfinite(np.asarray(gw))) and np.any(np.asarray(gw) != 0)
    with pytest.raises(ParameterError, match="w_init"):
        nbp.Recurrent(nbp.LIF(4), w_init="orth")
    with pytest.raises(InputError, match="one dimension"):
        nbp.Recurrent(nbp.LIF((2, 2)))


@pytest.mark.parametrize("model_id,kwargs,from_state", [
    ("lif", {}, False), ("lif", {"preset": "no_refractory"}, True), ("adex", {}, True),
    ("izhikevich", {}, True), ("lif", {"spk_reset": "soft"}, False),
    ("lif", {"spk_reset": "soft", "preset": "no_refractory"}, True)])
def test_lazy_reset_gives_the_same_spikes_values_and_gradients(model_id, kwargs, from_state):
    """lazy_reset=True (the built-ins' convention, one memory pass fewer) changes only what
    the reset variables hold right after a spiking step: the same spikes every step, the
    same values on every other step, the same gradient of a spike-count loss. Both ways of
    finding the pending reset: the stored spike (refractory LIF) and the threshold
    evaluated again on the stored state (no refractoriness)."""
    layer = nbp.neuron_class(model_id)(2, lazy_reset=True, **kwargs)
    assert layer._threshold_from_state is from_state
    runs = {lazy: _spikes_v_and_gradient(model_id, lazy, kwargs) for lazy in (False, True)}
    (s0, v0, g0), (s1, v1, g1) = runs[False], runs[True]
    assert s0.sum() > 20 and np.array_equal(s0, s1)
    quiet = s1 == 0
    assert quiet.any() and np.array_equal(v0[quiet], v1[quiet])
    assert not np.array_equal(v0[~quiet], v1[~quiet])  # after a spike: before the reset
    assert np.all(np.isfinite(g0)) and np.any(g0 != 0)
    np.testing.assert_allclose(g1, g0, rtol=1e-9, atol=1e-12 * np.abs(g0).max())


def _spikes_v_and_gradient(model_id, lazy, kwargs, n=20, steps=1500):
    """Spikes and v of every step, and d(spike count)/d(drive), float64."""
    from neuroplug.bench.workloads import _drive, _dt

    with nbp.precision("float64"), brainstate.environ.context(dt=_dt(model_id) * u.second):
        layer = nbp.neuron_class(model_id)(n, lazy_reset=lazy, spk_fun="sigmoid", **kwargs)
        layer.init_state()
        unit = layer._input_units[layer.neuroplug_model.primary_input]

        def run(x):
            layer.reset_state()

            def step(i):
                s = layer.update(x * unit)
                v = layer.v.value
                return s, getattr(v, "mantissa", v)
            return brainstate.transform.for_loop(step, np.arange(steps))

        drive = jnp.asarray(_drive(model_id, n))
        spikes, v = brainstate.transform.jit(run)(drive)
        grad = brainstate.transform.jit(brainstate.transform.grad(
            lambda x: run(x)[0].sum()))(drive)
    return np.asarray(spikes), np.asarray(v), np.asarray(grad)


def test_lazy_reset_of_a_state_that_starts_above_threshold():
    """A neuron set above threshold before its first step evolves first, spikes and is
    reset, as with Brian2's reset (no pending reset at step 0)."""
    out = {}
    for lazy in (False, True):
        with nbp.precision("float64"), brainstate.environ.context(dt=0.1 * u.ms):
            layer = nbp.LIF(3, preset="no_refractory", lazy_reset=lazy)
            layer.init_state()
            layer.v.value = jnp.array([-50.0, -60.0, -54.0]) * u.mV
            spikes = [np.asarray(layer.update(0 * u.nA)) for _ in range(3)]
            out[lazy] = np.array(spikes), np.asarray(layer.v.value.to_decimal(u.mV))
    assert np.array_equal(out[False][0], out[True][0])
    assert out[True][0][0].tolist() == [1, 0, 1] and out[True][0][1:].sum() == 0
    np.testing.assert_array_equal(out[True][1], out[False][1])


def test_lazy_reset_refuses_a_reset_that_reads_the_step(tmp_path):
    text = (ROOT / "equations" / "lif.toml").read_text()
    path = tmp_path / "lif_input_reset.toml"
    path.write_text(text.replace('id = "lif"', 'id = "lif_input_reset"')
                    .replace('class_name = "LIF"', 'class_name = "LIFInputReset"')
                    .replace('reset = "v = V_reset"', 'reset = "v = V_reset + I * 1 * ohm"'))
    cls = nbp.neuron_class(str(path))
    cls(2)  # Brian2's same-step reset works
    with pytest.raises(ParameterError, match=r"lazy_reset: the reset reads I\b"):
        cls(2, lazy_reset=True)
    with pytest.raises(ParameterError, match=r"found lazy_reset='yes', expected True or False"):
        nbp.LIF(2, lazy_reset="yes")
    with pytest.raises(ParameterError, match=r"found detach_reset=None"):
        nbp.LIF(2, detach_reset=None)
