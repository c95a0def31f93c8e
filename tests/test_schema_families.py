"""The schema features of the non-point-neuron families, checked on small test models
(tests/data/families): spike inputs (on_spike), the "spikes" protocol, kernel coupling,
integer/boolean state, the output variable; and their one-line errors."""

import re
from pathlib import Path

import brainstate
import brian2 as b2
import jax.numpy as jnp
import numpy as np
import pytest
import saiunit as u

import neuroplug
import neuroplug.brainpy as nbp
import neuroplug.brian2 as nb2
from neuroplug.library import load_model

DATA = Path(__file__).parent / "data" / "families"


def _model(name):
    return load_model(DATA / f"{name}.toml")


def test_spike_input_is_the_alpha_kernel_in_both_simulators():
    """One spike of weight w at step k: I(t) = w (s/tau) exp(1 - s/tau), s = t - t_k, in
    Brian2 (SpikeGeneratorGroup + the group's spike_synapses) and in BrainPy (weights
    passed to update) -- the closed form is the oracle (exact integration: 1e-9)."""
    m = _model("spike_input")
    dt, k, n, w = 1e-4, 50, 400, 1e-11
    tau = 2e-3
    G = nb2.neuron_group_class(m)(1, dt=dt * b2.second)
    gen = b2.SpikeGeneratorGroup(1, [0], [k * dt] * b2.second, dt=dt * b2.second)
    syn = G.spike_synapses(gen, weight="10*pA", dt=dt * b2.second)
    syn.connect()
    M = b2.StateMonitor(G, "I_syn", record=0, when="end", dt=dt * b2.second)
    b2.Network(G, gen, syn, M).run(n * dt * b2.second)
    brian = np.asarray(M.I_syn_[0])

    with nbp.precision("float64"), brainstate.environ.context(dt=dt * u.second):
        layer = nbp.neuron_class(m)(1, dtype="float64")
        layer.init_state()
        x = np.zeros((n, 1))
        x[k] = w
        out = brainstate.transform.for_loop(lambda xi: layer.update(xi * u.amp), jnp.asarray(x))
    brainpy = np.asarray(out.to_decimal(u.amp))[:, 0]

    s = (np.arange(n) - k) * dt
    expected = np.where(s > 0, w * (s / tau) * np.exp(1 - s / tau), 0.0)
    assert np.max(np.abs(brian - expected)) <= 1e-9 * w
    assert np.max(np.abs(brainpy - expected)) <= 1e-9 * w
    assert np.max(brian) == pytest.approx(w, rel=1e-3)  # peak = weight at t = tau


def test_on_pre_code_names_the_post_variables_and_the_weight():
    G = nb2.neuron_group_class(_model("spike_input"))(2)
    assert G.on_pre("2*pA") == "x_post += (2*pA)*exp(1)"
    assert G.on_pre() == "x_post += w*exp(1)"
    assert G.output_variable == "I_syn"
    with pytest.raises(neuroplug.ParameterError, match="expected a spike input"):
        G.on_pre(input="nope")


def test_ring_coupling_is_the_kernel_sum_in_both_simulators():
    """After one step from a random state, the coupling target of unit i equals
    sum_j w(d_ij) f(u_j) with the kernel written out here in numpy."""
    m = _model("ring_field")
    n, dt = 16, 1e-4
    rng = np.random.default_rng(1)
    u0 = rng.uniform(-1, 1, n)
    p = {k: float(v.quantity) for k, v in m.parameters.items()}
    idx = np.arange(n)
    d = np.minimum(np.abs(idx[:, None] - idx[None, :]), n - np.abs(idx[:, None] - idx[None, :]))
    W = (p["w_E"] * np.exp(-(d * p["dx"]) ** 2 / (2 * p["sigma_E"] ** 2))
         - p["w_I"] * np.exp(-(d * p["dx"]) ** 2 / (2 * p["sigma_I"] ** 2))) * p["dx"]
    f = 1 / (1 + np.exp(-p["beta"] * (u0 - p["theta"])))
    expected = W @ f

    G = nb2.neuron_group_class(m)(n, dt=dt * b2.second)
    G.u = u0
    b2.Network(G).run(dt * b2.second)
    assert np.allclose(np.asarray(G.I_field_), expected, rtol=1e-12, atol=1e-14)

    with nbp.precision("float64"), brainstate.environ.context(dt=dt * u.second):
        layer = nbp.neuron_class(m)(n, dtype="float64")
        layer.init_state()
        layer.u.value = jnp.asarray(u0)
        layer.update(jnp.zeros(n))
    # the same Euler-free check: the new u equals Brian2's (same coupling, same RK4)
    assert np.allclose(np.asarray(layer.u.value), np.asarray(G.u_), rtol=1e-12, atol=1e-15)
    with pytest.raises(neuroplug.InputError, match="one dimension"):
        nbp.neuron_class(m)((4, 4))
    for make in (nbp.neuron_class(m), nb2.neuron_group_class(m)):
        with pytest.raises(neuroplug.InputError, match="scalar parameters"):
            make(4, w_E=np.ones(4))


def test_integer_and_boolean_state_keep_their_types():
    m = _model("logic_unit")
    assert m.state["y"].dtype == "boolean" and m.state["n"].dtype == "integer"
    with brainstate.environ.context(dt=1 * u.ms):
        layer = nbp.neuron_class(m)(3)
        layer.init_state()
        for _ in range(4):
            out = layer.update(jnp.array([0.0, 1.0, 2.0]))
    assert out.dtype == jnp.bool_ and out.tolist() == [False, True, True]
    assert jnp.issubdtype(layer.n.value.dtype, jnp.integer)
    assert layer.n.value.tolist() == [0, 4, 4]
    G = nb2.neuron_group_class(m)(3, dt=1 * b2.ms)
    G.I = [0, 1, 2]
    b2.Network(G).run(4 * b2.ms)
    assert G.y[:].tolist() == [False, True, True] and G.n[:].tolist() == [0, 4, 4]


@pytest.mark.parametrize("name", ["spike_input", "ring_field", "logic_unit"])
def test_test_models_cross_check(name):
    r = neuroplug.crosscheck(_model(name))
    assert r.passed, r.report()
    assert any(np.ptp(v) > 0 for v in r.traces["brian2"].values())


BAD = [
    ("spike_input", 'output = "I_syn"', 'output = "rate"', "output", "expected a state variable"),
    ("spike_input", 'protocol = "spikes"', 'protocol = "step"', "crosscheck.protocol",
     "is a spike input"),
    ("spike_input", 'spike_rate = "50 Hz"', "", "crosscheck.spike_rate", "needs the rate"),
    ("spike_input", 'spike_rate = "50 Hz"', 'spike_rate = "50 ms"', "crosscheck.spike_rate",
     "expected a positive rate"),
    ("spike_input", 'on_spike = "x += w*exp(1)"', 'on_spike = "x += __import__(1)"',
     "inputs.w.on_spike", "__"),
    ("spike_input", 'on_spike = "x += w*exp(1)"', 'on_spike = "x += w*mV"',
     "inputs.w.on_spike", "units"),
    ("ring_field", 'target = "I_field"', 'target = "u"', "coupling.target",
     "expected a parameter variable"),
    ("ring_field", 'source = "f_u"', 'source = "g"', "coupling.source",
     "expected a state variable or subexpression"),
    ("ring_field", '*dx"\n', '*dx*mV"\n', "coupling.kernel", "kernel has dimensions"),
    ("ring_field", '*dx"\n', '*dx*nope"\n', "coupling.kernel", "cannot evaluate the kernel"),
    ("ring_field", 'source = "f_u"', 'source = "f_u"\ntopology = "torus"', "coupling.topology",
     "expected one of"),
    ("logic_unit", "n = n + int(y)", "n = n + int(rand() < 0.5)", "crosscheck.tier",
     "draws random numbers"),
]


@pytest.mark.parametrize("name, old, new, field, text", BAD,
                         ids=[f"{b[0]}-{b[3]}-{i}" for i, b in enumerate(BAD)])
def test_bad_family_fields_are_one_line_errors(tmp_path, name, old, new, field, text):
    source = (DATA / f"{name}.toml").read_text()
    assert old in source
    path = tmp_path / f"{name}.toml"
    path.write_text(source.replace(old, new, 1))
    with pytest.raises(neuroplug.ModelDefinitionError) as info:
        load_model(path)
    assert info.value.field == field, str(info.value)
    assert text in str(info.value) and "\n" not in str(info.value)
    assert re.search(rf"model '{name}'", str(info.value))


def test_run_command_reports_the_output_of_a_model_without_threshold(tmp_path, capsys):
    """`neuroplug run` on a field prints the variable's range (not '0 spikes') and draws
    the population as a unit x time image."""
    from neuroplug.cli import main

    fig = tmp_path / "field.png"
    assert main(["run", str(DATA / "ring_field.toml"), "--backend", "brainpy",
                 "--duration", "30 ms", "--plot", str(fig)]) == 0
    out = capsys.readouterr().out
    assert "u final" in out and "spikes" not in out.split("\n", 1)[1]
    assert fig.stat().st_size > 5000


def test_drive_sends_a_spike_train_into_a_spike_input():
    """G.drive(w) on a spike input: a regular train at the model's rate (50 Hz here), each
    spike of weight w (per neuron); the alpha current peaks at w every 20 ms."""
    m = _model("spike_input")
    G = nb2.neuron_group_class(m)(2, dt=0.1 * b2.ms)
    extra = G.drive(np.array([10.0, 20.0]) * b2.pA)
    assert len(extra) == 2
    M = b2.StateMonitor(G, ["I_syn", "x"], record=True)
    b2.Network(G, M, *extra).run(100 * b2.ms)
    peaks = np.asarray(M.I_syn_).max(axis=1)
    assert peaks[0] == pytest.approx(10e-12, rel=0.05) and peaks[1] == pytest.approx(20e-12,
                                                                                     rel=0.05)
    x = np.asarray(M.x_[0])  # jumps once per spike: 5 spikes in 100 ms at 50 Hz
    assert int(np.sum(np.diff(x) > 0)) == 5
    held = nb2.neuron_group_class(_model("ring_field"))(3)
    assert held.drive(0.5) == [] and np.all(held.I[:] == 0.5)
