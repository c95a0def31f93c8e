"""BrainPy adapter: library classes are brainpy.state.Neuron layers (jit, batch, grad)."""

import ast

import brainpy
import brainstate
import braintools
import jax
import jax.numpy as jnp
import numpy as np
import pytest
import saiunit as u

import neuroplug
import neuroplug.brainpy as nbp
from neuroplug.quantities import parse_quantity

from .helpers import MODEL_IDS, is_spiking, strongest_drive


def _drive(layer, model_id, scale=1.0):
    unit = layer._input_units[layer.neuroplug_model.primary_input]
    value = float(strongest_drive(model_id)) * scale
    return value if unit is u.UNITLESS else value * unit


def _dt(model_id):
    return float(parse_quantity(neuroplug.model(model_id).crosscheck.dt)) * u.second


def _integer(model_id):
    """Models with int64 integer arithmetic: it needs JAX x64 (a float32 layer still has
    float32 floats), and it has no gradient."""
    return neuroplug.model(model_id).needs_int64


@pytest.mark.parametrize("model_id", MODEL_IDS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_layer_runs_batched_under_for_loop(model_id, dtype):
    m = neuroplug.model(model_id)
    cls = getattr(nbp, m.class_name)
    assert cls is nbp.neuron_class(model_id)
    assert issubclass(cls, brainpy.state.Neuron)
    precision = "float64" if _integer(model_id) else dtype
    with nbp.precision(precision), brainstate.environ.context(dt=_dt(model_id)):
        layer = cls(3, dtype=dtype)
        layer.init_state(batch_size=2)
        for name in m.state:
            assert getattr(layer, name).value.shape == (2, 3)
        x = _drive(layer, model_id)

        def step(i):
            out = layer.update(x)
            return layer.spike.value, out.mantissa if isinstance(out, u.Quantity) else out

        n = int(0.3 / float(_dt(model_id).to_decimal(u.second)))
        spikes, out = brainstate.transform.for_loop(step, jnp.arange(n))
        assert spikes.shape == (n, 2, 3) and spikes.dtype == jnp.dtype(dtype)
        assert out.shape == (n, 2, 3)
        if is_spiking(model_id):
            assert float(spikes.sum()) > 0, f"{model_id} did not spike at its strongest drive"
        else:  # update() returns the model's output (a rate, a mean-field variable...)
            assert m.output is not None, f"{model_id}: a model without threshold needs output"
            assert float(jnp.ptp(jnp.asarray(out, dtype=float))) > 0, \
                f"{model_id}: the output did not move at the strongest drive"
        for name in m.state:
            value = getattr(layer, name).value
            mant = value.mantissa if isinstance(value, u.Quantity) else value
            want = {"integer": jnp.integer, "boolean": jnp.bool_}.get(m.state[name].dtype)
            if want is None:
                assert mant.dtype == jnp.dtype(dtype)
                assert bool(jnp.all(jnp.isfinite(mant)))
            else:
                assert jnp.issubdtype(mant.dtype, want), (name, mant.dtype)
        layer.reset_state(batch_size=2)
        assert int(layer.step_index.value) == 0


#: Models whose output is a logic value by definition, or that compute with integers: no
#: gradient exists to test.
LOGIC_MODELS = [mid for mid in MODEL_IDS if any(
    v.dtype == "boolean" for k, v in neuroplug.model(mid).state.items()
    if k == neuroplug.model(mid).output) or _integer(mid)]
#: Models whose input reaches the state only through a comparison, by construction
LOGIC_MODELS += ["sc_lif"]  # the input p only sets a bitstream: bit = int(lfsr <= p*65535)


@pytest.mark.parametrize("model_id", [m for m in MODEL_IDS if m not in LOGIC_MODELS])
def test_gradient_through_a_layer(model_id):
    """jax.grad of a loss over a few hundred steps is finite and non-zero (through the
    surrogate of the spikes, or the output of a model without threshold)."""
    spiking = is_spiking(model_id)
    with brainstate.environ.context(dt=_dt(model_id)):
        layer = nbp.neuron_class(model_id)(8, spk_fun=braintools.surrogate.Sigmoid())
        x0 = _drive(layer, model_id)

        def loss(w):
            layer.init_state()

            def step(i):
                out = layer.update(w * x0)
                if spiking:
                    return layer.spike.value
                return out.mantissa if isinstance(out, u.Quantity) else out
            spikes = brainstate.transform.for_loop(step, jnp.arange(300))
            if not spiking:  # the output's scale is the model's own: normalise it
                spikes = spikes / (jax.lax.stop_gradient(jnp.max(jnp.abs(spikes))) + 1e-30)
            rate = spikes.mean(0)
            return jnp.sum((rate - 0.02) ** 2) + 1e-3 * jnp.sum(spikes)

        w = jnp.linspace(0.8, 1.2, 8)
        g = jax.grad(loss)(w)
    assert bool(jnp.all(jnp.isfinite(g))), g
    assert bool(jnp.any(g != 0)), f"{model_id}: zero gradient"


def test_jit_single_step_and_units():
    with brainstate.environ.context(dt=0.1 * u.ms):
        layer = nbp.AdEx(4, preset="tonic")
        layer.init_state()
        update = brainstate.transform.jit(lambda x: layer.update(x))
        for _ in range(5):
            update(500 * u.pA)
        assert isinstance(layer.v.value, u.Quantity)
        assert layer.v.value.unit.dim == u.volt.dim
        assert layer.params["C"].to_decimal(u.pF) == pytest.approx(200.0)


def test_forward_pass_is_the_exact_threshold_condition():
    """Spikes are exactly 0/1 whatever the surrogate."""
    with brainstate.environ.context(dt=0.1 * u.ms):
        layer = nbp.LIF(5, spk_fun=braintools.surrogate.Arctan())
        layer.init_state()
        spk = brainstate.transform.for_loop(lambda i: layer.update(1 * u.nA), jnp.arange(500))
    vals = np.unique(np.asarray(spk))
    assert set(vals.tolist()) == {0.0, 1.0}


def test_soft_reset_option_subtracts_threshold_distance():
    with brainstate.environ.context(dt=0.1 * u.ms):
        hard = nbp.LIF(1, preset="no_refractory")
        soft = nbp.LIF(1, preset="no_refractory", spk_reset="soft")
        for layer in (hard, soft):
            layer.init_state()
            layer.v.value = -54.5 * u.mV * jnp.ones(1)
        sh = hard.update(3 * u.nA)
        ss = soft.update(3 * u.nA)
    assert float(sh[0]) == float(ss[0]) == 1.0
    assert float(hard.v.value.to_decimal(u.mV)[0]) == pytest.approx(-70.0)
    # soft: v_new - (V_th - V_reset); v_new lies above -55 mV
    assert float(soft.v.value.to_decimal(u.mV)[0]) > -70.0
    with pytest.raises(neuroplug.ParameterError):
        nbp.HodgkinHuxley(1, spk_reset="soft")


def test_refractory_period_holds_v():
    with brainstate.environ.context(dt=0.1 * u.ms):
        layer = nbp.LIF(1)
        layer.init_state()
        spk = brainstate.transform.for_loop(lambda i: layer.update(5 * u.nA), jnp.arange(200))
        steps = np.nonzero(np.asarray(spk)[:, 0])[0]
    assert len(steps) > 2
    assert np.min(np.diff(steps)) >= 20, "2 ms refractory period at dt 0.1 ms"


def test_current_and_delta_inputs():
    with brainstate.environ.context(dt=0.1 * u.ms):
        a = nbp.LIF(2)
        b = nbp.LIF(2)
        for layer in (a, b):
            layer.init_state()
        b.add_current_input("bias", lambda v: 0.3 * u.nA)
        for _ in range(50):
            a.update(0.5 * u.nA)
            b.update(0.2 * u.nA)
        np.testing.assert_allclose(a.v.value.to_decimal(u.mV), b.v.value.to_decimal(u.mV),
                                   rtol=1e-6)
        before = b.v.value.to_decimal(u.mV)
        b.add_delta_input("kick", 2 * u.mV)
        b.update(0.5 * u.nA)
        a.update(0.5 * u.nA)
        assert np.all(b.v.value.to_decimal(u.mV) > a.v.value.to_decimal(u.mV))
        assert np.all(before != b.v.value.to_decimal(u.mV))


def test_per_neuron_parameters_and_overrides():
    with brainstate.environ.context(dt=0.1 * u.ms):
        layer = nbp.LIF(4, tau_m=jnp.array([5.0, 10.0, 20.0, 40.0]) * u.ms)
        layer.init_state()
        spk = brainstate.transform.for_loop(lambda i: layer.update(0.5 * u.nA), jnp.arange(2000))
    counts = np.asarray(spk).sum(0)
    assert len(set(counts.tolist())) > 1


def test_clear_errors():
    with brainstate.environ.context(dt=0.1 * u.ms):
        layer = nbp.LIF(2)
        layer.init_state()
        with pytest.raises(neuroplug.BackendError, match="saiunit quantity"):
            layer.update(jnp.ones(2))
        with pytest.raises(neuroplug.BackendError, match="dimensions"):
            layer.update(1 * u.mV)
        with pytest.raises(neuroplug.ParameterError, match="unknown input"):
            layer.update(1 * u.nA, J=1)
    with pytest.raises(neuroplug.ParameterError, match="unknown parameter"):
        nbp.LIF(2, tau_x=1 * u.ms)
    with pytest.raises(neuroplug.ParameterError, match="method"):
        nbp.LIF(2, method="leapfrog")
    if not jax.config.jax_enable_x64:
        with pytest.raises(neuroplug.BackendError, match="x64"):
            nbp.LIF(2, dtype="float64")


def test_import_does_not_flip_jax_x64():
    assert not jax.config.jax_enable_x64
    with nbp.precision("float64"):
        assert jax.config.jax_enable_x64
    assert not jax.config.jax_enable_x64


def test_user_model_file(tmp_path):
    from pathlib import Path

    path = Path(__file__).parent / "data" / "valid" / "my_lif.toml"
    cls = nbp.neuron_class(str(path))
    assert issubclass(cls, brainpy.state.Neuron) and cls.neuroplug_model.id == "my_lif"
    with brainstate.environ.context(dt=0.1 * u.ms):
        layer = cls(2)
        layer.init_state()
        layer.update(1 * u.nA)


def test_primary_input_by_name_equals_positional():
    with brainstate.environ.context(dt=0.1 * u.ms):
        a, b = nbp.LIF(1), nbp.LIF(1)
        a.init_state()
        b.init_state()
        for _ in range(30):
            a.update(0.6 * u.nA)
            b.update(I=0.6 * u.nA)
        assert float(a.v.value.to_decimal(u.mV)[0]) == float(b.v.value.to_decimal(u.mV)[0])
        assert float(a.v.value.to_decimal(u.mV)[0]) > -70.0
        with pytest.raises(neuroplug.ParameterError, match="twice"):
            a.update(1 * u.nA, I=1 * u.nA)


def test_random_numbers_in_the_threshold_reach_the_surrogate():
    """A threshold with rand() (escape noise): the surrogate distance is evaluated with
    the same random numbers as the threshold, so it is positive exactly on spikes. (The
    surrogate runs only when a gradient is taken: the forward pass is the threshold.)"""
    seen = []

    def spk_fun(x):
        jax.debug.callback(lambda v: seen.append(np.asarray(v)), x)
        return braintools.surrogate.Sigmoid()(x)

    with brainstate.environ.context(dt=0.1 * u.ms):
        brainstate.random.seed(0)
        layer = nbp.neuron_class("escape_rate")(500, spk_fun=spk_fun)
        layer.init_state()
        layer.v.value = -0.049 * u.volt * jnp.ones(500)  # above theta: some fire
        out = {}

        def total(x):
            spikes = layer.update(x * u.nA)
            jax.debug.callback(lambda v: out.__setitem__("spikes", np.asarray(v)), spikes)
            return spikes.sum()

        g, value = brainstate.transform.grad(total, return_value=True)(jnp.zeros(500))
        jax.effects_barrier()
        spikes = out["spikes"]
    assert 0 < spikes.sum() < 500 and float(value) == spikes.sum()
    assert seen and np.all(np.isfinite(np.asarray(g)))
    np.testing.assert_array_equal(np.asarray(seen[-1]) > 0, spikes > 0)


def test_zero_refractory_period_drops_the_bookkeeping_with_the_same_result():
    """t_ref = 0 generates the step without refractoriness: fewer arrays, same numbers."""
    LIF = nbp.neuron_class("lif")
    assert LIF(4)._program.has_refractory
    assert LIF(4, t_ref=np.array([0.0, 0.0, 2.0, 0.0]) * u.ms)._program.has_refractory
    fast = LIF(4, preset="no_refractory", dtype="float32")
    assert not fast._program.has_refractory
    slow = LIF(4, preset="no_refractory", dtype="float32")
    slow._program = nbp._get_program(slow.neuroplug_model, slow.method, True)
    assert slow._program.has_refractory
    drive = jnp.array([300.0, 500.0, 700.0, 900.0]) * u.pA
    traces = []
    for layer in (fast, slow):
        layer.init_state()
        with brainstate.environ.context(dt=0.1 * u.ms):
            spikes, v = brainstate.transform.for_loop(
                lambda i: (layer.update(drive), layer.v.value.to_decimal(u.mV)), jnp.arange(2000))
        traces.append((np.asarray(spikes), np.asarray(v)))
    assert traces[0][0].sum() > 20  # several spikes per neuron
    np.testing.assert_array_equal(traces[0][0], traces[1][0])
    np.testing.assert_array_equal(traces[0][1], traces[1][1])


def test_step_has_no_power_of_exp():
    """Brian2 writes HH's beta_m as ``exp(_lio * v) ** 0.0555``; XLA evaluates a float power
    as exp(c*log(x)), so the layer's step rewrites it to ``exp(c * _lio * v)`` (one
    transcendental call instead of three). The step's program holds no ``pow``, and the
    rewrite changes values by a few ulp only."""
    src = "y = exp(a * v) ** 0.05\nz = exp(v) ** -2.5\nw = exp(v) ** k"
    ns = {"exp": np.exp, "a": 3.0, "v": np.linspace(-2, 2, 101), "k": 0.5}
    rewritten = ast.unparse(nbp._cheaper_forms(src))
    assert rewritten.count("**") == 1  # only the power by a name stays
    plain, cheap = dict(ns), dict(ns)
    exec(src, plain)
    exec(compile(nbp._cheaper_forms(src), "<t>", "exec"), cheap)
    for name in "yzw":
        np.testing.assert_allclose(cheap[name], plain[name], rtol=1e-14)
    with nbp.precision("float32"), brainstate.environ.context(dt=_dt("hodgkin_huxley")):
        layer = nbp.HodgkinHuxley(4, dtype="float32")
        layer.init_state()
        x = _drive(layer, "hodgkin_huxley")
        jaxpr = brainstate.transform.StatefulFunction(lambda: layer.update(x)).make_jaxpr()
        text = str(jaxpr.get_jaxpr())
    assert "exp" in text and " pow " not in text, text
