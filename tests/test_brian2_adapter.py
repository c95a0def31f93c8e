"""Brian2 adapter: library classes are real NeuronGroups on every target."""

import re

import brian2 as b2
import numpy as np
import pytest

import neuroplug
import neuroplug.brian2 as nb2

from .helpers import MODEL_IDS, is_spiking, strongest_drive


@pytest.mark.parametrize("model_id", MODEL_IDS)
def test_class_is_a_neurongroup(model_id):
    m = neuroplug.model(model_id)
    cls = getattr(nb2, m.class_name)
    assert cls is nb2.neuron_group_class(model_id)
    assert issubclass(cls, b2.NeuronGroup)
    G = cls(3)
    assert isinstance(G, b2.NeuronGroup) and len(G) == 3
    for name, var in m.state.items():
        assert name in G.variables
    assert G.neuroplug_model is m


def test_required_class_names():
    for name in ("AdEx", "LIF", "Izhikevich", "HodgkinHuxley", "Rulkov", "StochasticLIF"):
        assert issubclass(getattr(nb2, name), b2.NeuronGroup)
    with pytest.raises(AttributeError):
        nb2.NoSuchModel  # noqa: B018


def _drive(G, model_id):
    """Drive a group's primary input at its strongest cross-check amplitude (a spike
    input gets its cross-check spike train).  Returns the extra network objects."""
    return G.drive(strongest_drive(model_id))


@pytest.mark.parametrize("model_id", MODEL_IDS)
def test_runs_on_numpy_and_spikes(model_id):
    """At the strongest drive a spiking model spikes within 300 ms; a model without
    threshold (rate, mean-field, synaptic) moves its state; all stay finite."""
    m = neuroplug.model(model_id)
    G = nb2.group(model_id, 2, dt=float(neuroplug.quantities.parse_quantity(m.crosscheck.dt))
                  * b2.second)
    S = b2.SpikeMonitor(G) if is_spiking(model_id) else None
    M = b2.StateMonitor(G, list(m.state), record=0)
    net = b2.Network(G, M, *_drive(G, model_id), *([S] if S is not None else []))
    for _ in range(15):  # until the first spike (or a state moves), at most 300 ms
        net.run(20 * b2.ms)
        if S is not None and S.num_spikes:
            break
        if S is None and any(np.ptp(getattr(M, name + "_")) > 0 for name in m.state):
            break
    if S is not None:
        assert S.num_spikes > 0, f"{model_id} did not spike within 300 ms at its strongest drive"
    else:
        assert any(np.ptp(getattr(M, name + "_")) > 0 for name in m.state), \
            f"{model_id}: no state variable moved within 300 ms at its strongest drive"
    for name in m.state:
        assert np.all(np.isfinite(np.asarray(getattr(M, name + "_"), dtype=float)))


def test_scalar_overrides_go_to_the_namespace():
    G = nb2.LIF(2, tau_m=20 * b2.ms, V_th="-50 mV")
    assert G.namespace["tau_m"] == 20 * b2.ms
    assert float(G.namespace["V_th"]) == pytest.approx(-0.05)
    assert "tau_m" not in G.variables


def test_per_neuron_overrides_become_variables():
    taus = np.array([5, 10, 20, 40]) * b2.ms
    G = nb2.LIF(4, tau_m=taus)
    assert "tau_m" in G.variables and "tau_m" not in G.namespace
    np.testing.assert_allclose(G.tau_m_, [0.005, 0.01, 0.02, 0.04])
    G.I = 0.5 * b2.nA
    S = b2.SpikeMonitor(G)
    b2.Network(G, S).run(200 * b2.ms)
    counts = S.count[:]
    assert len(set(counts.tolist())) > 1, "heterogeneous time constants must change rates"


def test_bad_per_neuron_shape():
    with pytest.raises(neuroplug.ModelDefinitionError, match=r"shape \(3,\)"):
        nb2.LIF(4, tau_m=np.ones(3) * b2.ms)


def test_preset_and_method():
    G = nb2.AdEx(1, preset="tonic", method="euler")
    assert float(G.namespace["C"]) == pytest.approx(200e-12)
    assert G.method_choice == "euler"
    with pytest.raises(neuroplug.InputError, match="not listed"):
        nb2.AdEx(1, method="rk4")  # the file says rk4 overflows
    with pytest.warns(UserWarning, match="not listed"):
        assert nb2.AdEx(1, method="rk4", allow_unlisted_method=True).method_choice == "rk4"
    with pytest.raises(neuroplug.ParameterError, match="unknown preset"):
        nb2.AdEx(1, preset="nope")


def _normalised_code(group):
    texts = []
    for obj in group.contained_objects:
        obj.before_run({})
        if getattr(obj, "codeobj", None) is not None:
            code = str(obj.codeobj.code)
            texts.append(re.sub(group.name, "GROUP", code))
    return texts


@pytest.mark.parametrize("model_id", ["lif", "adex", "hodgkin_huxley"])
def test_generated_code_equals_hand_written(model_id):
    """A library group generates exactly the code of the same equations written by hand."""
    m = neuroplug.model(model_id)
    lib = nb2.group(model_id, 10, name="libgroup")
    args = nb2.group_arguments(model_id, 10)
    hand = b2.NeuronGroup(10, args.equations, threshold=m.threshold, reset=m.reset or None,
                          refractory=args.refractory or False, method=m.method,
                          namespace=dict(args.namespace), name="handgroup")
    a = _normalised_code(lib)
    b = _normalised_code(hand)
    assert len(a) >= 2 and a == b


def _ei_network(N_E=80, N_I=20):
    """A small excitatory/inhibitory network of library neurons."""
    E = nb2.LIF(N_E, name="exc")
    I = nb2.Izhikevich(N_I, preset="FS", name="inh")
    E.I = 0.45 * b2.nA
    I.I = 4 * b2.mV / b2.ms
    ee = b2.Synapses(E, E, on_pre="v_post += 0.5*mV", name="ee")
    ee.connect(p=0.1)
    ei = b2.Synapses(E, I, on_pre="v_post += 2*mV", name="ei")
    ei.connect(p=0.2)
    ie = b2.Synapses(I, E, on_pre="v_post -= 1*mV", name="ie")
    ie.connect(p=0.2)
    SE, SI = b2.SpikeMonitor(E, name="se"), b2.SpikeMonitor(I, name="si")
    ME = b2.StateMonitor(E, "v", record=[0, 1], name="me")
    return b2.Network(E, I, ee, ei, ie, SE, SI, ME), SE, SI, ME


@pytest.mark.parametrize("target", ["numpy", "cython"])
def test_ei_network_runtime(target):
    b2.prefs.codegen.target = target
    b2.seed(3)
    net, SE, SI, ME = _ei_network()
    net.run(200 * b2.ms)
    assert SE.num_spikes > 0 and SI.num_spikes > 0
    assert ME.v.shape == (2, 2000)


@pytest.mark.standalone
def test_ei_network_and_every_model_cpp_standalone(tmp_path):
    """One cpp_standalone build: the E/I network plus a group of every library model
    (each at the smaller of its own dt and the default clock's)."""
    from neuroplug.build import standalone_device

    with standalone_device("cpp_standalone", tmp_path / "standalone"):
        b2.seed(3)
        net, SE, SI, ME = _ei_network()
        monitors = {}
        for model_id in MODEL_IDS:
            m = neuroplug.model(model_id)
            # a model pinned to a dt below the default clock's (stiff conductance models)
            # runs at its own dt; the others keep the default clock
            dt = min(m.default_dt(), b2.defaultclock.dt)
            G = nb2.group(model_id, 2, dt=dt, name=f"g_{model_id}")
            net.add(G, *_drive(G, model_id))
            if is_spiking(model_id):
                mon = b2.SpikeMonitor(G, name=f"s_{model_id}")
            else:  # a rate, mean-field or synaptic model: its state must move
                mon = b2.StateMonitor(G, list(m.state), record=0, name=f"s_{model_id}")
            net.add(mon)
            monitors[model_id] = mon
        net.run(300 * b2.ms)
        b2.device.build(directory=str(tmp_path / "standalone"), compile=True, run=True)
        assert SE.num_spikes > 0 and SI.num_spikes > 0
        assert ME.v.shape == (2, 3000)
        for model_id, mon in monitors.items():
            if isinstance(mon, b2.SpikeMonitor):
                assert mon.num_spikes > 0, model_id
            else:
                values = [np.asarray(getattr(mon, k + "_"), dtype=float) for k in
                          neuroplug.model(model_id).state]
                assert any(np.ptp(v) > 0 for v in values), model_id
                assert all(np.all(np.isfinite(v)) for v in values), model_id


def test_unit_free_numpy_exprel_is_bit_identical_and_restored():
    """The fast numpy exprel (no per-call unit check) computes exactly Brian2's exprel."""
    from brian2.core.functions import DEFAULT_FUNCTIONS

    from neuroplug.brian2 import unit_free_numpy_functions

    exprel = DEFAULT_FUNCTIONS["exprel"]
    x = np.concatenate([[0.0, 1e-17, -1e-17, 1e-9, 716.9, 717.1, -800.0, np.nan],
                        np.random.default_rng(1).normal(0, 30, 1000)])
    checked = np.asarray(exprel.pyfunc(x))  # Brian2's unit-checked function
    impls = exprel.implementations._implementations
    before = impls["numpy"]
    with unit_free_numpy_functions():
        fast = impls["numpy"]
        assert fast is not before
        np.testing.assert_array_equal(np.asarray(fast.get_code(None)(x)), checked)
    assert impls["numpy"] is before
