"""Golden vectors of the Loihi models: replay machinery and checks of the vector files.

The oracles (Lava 0.10.0 on Python 3.10, Brian2Loihi 0.5.2) do not run in CI's
interpreter, so ``tests/data/oracles/loihi*/make_vectors_*.py`` ran them once and the
recorded inputs, states and spikes are committed next to the scripts (with the oracle
version and seed in each file's ``meta``). The model tests (``test_loihi_cuba.py``,
``test_loihi2_cuba.py``, ``test_loihi2_rf.py``) replay the recorded inputs through
``neuroplug.brian2`` (numpy target) and ``neuroplug.brainpy`` (float64) and require
every state and every spike to be identical on every step. This module holds the replay
functions and checks that each vector file says where it came from.
"""

import json
import pathlib

import numpy as np
import pytest

ORACLES = pathlib.Path(__file__).resolve().parents[2] / "data" / "oracles"

#: The vector files, their oracle and version.
FILES = {
    ("loihi_cuba", "lava.npz"): ("lava-nc", "0.10.0"),
    ("loihi_cuba", "brian2loihi.npz"): ("brian2-loihi", "0.5.2"),
    ("loihi2_cuba", "lava.npz"): ("lava-nc", "0.10.0"),
    ("loihi2_rf", "lava.npz"): ("lava-nc", "0.10.0"),
}


def load(model_id, name):
    """``(meta, {set: {array name: array}})`` of one vector file."""
    with np.load(ORACLES / model_id / name) as z:
        meta = json.loads(str(z["meta"]))
        sets = {}
        for key in z.files:
            if key == "meta":
                continue
            set_name, arr = key.split("__", 1)
            sets.setdefault(set_name, {})[arr] = z[key]
    return meta, sets


class Vectors:
    """All sets of one vector file side by side: one neuron column per (set, neuron), so
    a single run with per-neuron parameters replays the whole file."""

    def __init__(self, model_id, name, states, inputs, per_neuron=()):
        self.model_id, self.name = model_id, name
        self.meta, sets = load(model_id, name)
        self.sets = list(sets)
        self.steps = self.meta["steps"]
        widths = [arrays["s"].shape[1] for arrays in sets.values()]
        self.n = sum(widths)
        edges = np.cumsum([0] + widths)
        self.columns = {s: slice(a, b) for s, a, b in zip(self.sets, edges[:-1], edges[1:])}

        def cat(key):
            return np.concatenate([sets[s][key] for s in self.sets], axis=1)

        self.inputs = {k: cat(k) for k in inputs}
        self.ref = {k: cat(k).astype(np.int64) for k in states}
        self.spikes = cat("s").astype(bool)
        names = set().union(*(self.meta["sets"][s]["parameters"] for s in self.sets))
        self.params = {}
        for p in sorted(names | set(per_neuron)):
            self.params[p] = np.concatenate([
                np.asarray(sets[s][p], dtype=float) if p in sets[s] else
                np.full(w, float(self.meta["sets"][s]["parameters"][p]))
                for s, w in zip(self.sets, widths)])
        self.init = {k: np.concatenate([np.asarray(sets[s].get(f"{k}0", np.zeros(w)),
                                                   dtype=float)
                                        for s, w in zip(self.sets, widths)])
                     for k in states}

    def replay(self, backend):
        """``backend``: 'brian2' (the current Brian2 target), 'brainpy' (float64) or
        'brainpy-float32'."""
        args = (self.model_id, self.n, self.steps, self.params, self.init, self.inputs,
                list(self.ref))
        if backend == "brian2":
            return replay_brian2(*args)
        return replay_brainpy(*args, dtype="float32" if backend.endswith("32") else "float64")

    def check(self, backend):
        traces, spikes = self.replay(backend)
        assert_identical(self.model_id, self.name, traces, spikes, self.ref, self.spikes,
                         backend)
        return traces, spikes


def replay_brian2(model_id, n, steps, params, init, inputs, record):
    """Run ``n`` neurons of a library map model for ``steps`` steps in Brian2 (numpy).

    ``inputs`` maps input names to (steps, n) arrays, applied at the start of each step
    (a ``TimedArray`` read in the ``start`` slot); ``init`` maps state variables to their
    initial values; ``params`` holds scalars or per-neuron arrays. Returns the recorded
    state variables as (steps, n) arrays (at the end of each step, after the reset) and
    the spikes as a (steps, n) boolean array.
    """
    import brian2 as b2

    import neuroplug.brian2 as nb2

    b2.start_scope()
    dt = 1 * b2.ms
    ns = {f"np_stim_{k}": b2.TimedArray(np.asarray(v, dtype=float), dt=dt)
          for k, v in inputs.items()}
    G = nb2.group(model_id, n, dt=dt, namespace=ns, **params)
    for var, value in init.items():
        setattr(G, var, value)
    G.run_regularly("\n".join(f"{k} = np_stim_{k}(t, i)" for k in inputs), when="start")
    M = b2.StateMonitor(G, list(record), record=True, when="end")
    S = b2.SpikeMonitor(G)
    b2.Network(G, M, S).run(steps * dt, namespace={})
    traces = {k: np.array(getattr(M, k + "_")).T for k in record}
    spikes = np.zeros((steps, n), dtype=bool)
    spikes[np.round(np.asarray(S.t_) / 1e-3).astype(int), np.asarray(S.i)] = True
    return traces, spikes


def replay_brainpy(model_id, n, steps, params, init, inputs, record, dtype="float64"):
    """The same with a ``neuroplug.brainpy`` layer in ``dtype`` (float64: JAX x64, integer
    state in int64; float32: integer state in int32).

    The first input of the model is passed positionally to ``update()``, the others by
    name, one step per ``brainstate.transform.for_loop`` iteration.
    """
    import brainstate
    import jax.numpy as jnp
    import saiunit as su

    import neuroplug
    from neuroplug.brainpy import neuron_class, precision

    m = neuroplug.model(model_id)
    names = list(m.inputs)
    with precision(dtype), brainstate.environ.context(dt=1 * su.ms):
        layer = neuron_class(model_id)(n, dtype=dtype, **params)
        layer.init_state()
        for var, value in init.items():
            state = getattr(layer, var)
            state.value = jnp.asarray(np.asarray(value), dtype=state.value.dtype)

        def step(xs):
            first, *rest = xs
            spk = layer.update(first, **dict(zip(names[1:], rest)))
            return spk, [getattr(layer, k).value for k in record]

        xs = [jnp.asarray(np.asarray(inputs[k], dtype=dtype)) for k in names]
        spk, vals = brainstate.transform.for_loop(step, xs)
    traces = {k: np.asarray(getattr(v, "mantissa", v)) for k, v in zip(record, vals)}
    return traces, np.asarray(spk) > 0


def assert_identical(model_id, set_name, ours, spikes, ref, ref_spikes, backend):
    """Every recorded state and spike identical on every step (0 difference)."""
    for var, expected in ref.items():
        got = ours[var]
        bad = np.argwhere(got != expected)
        assert bad.size == 0, (
            f"{model_id} {set_name} ({backend}): {var} differs at {len(bad)} of "
            f"{expected.size} values; first at step {bad[0][0]}, neuron {bad[0][1]}: "
            f"ours {got[tuple(bad[0])]}, oracle {expected[tuple(bad[0])]}")
    bad = np.argwhere(spikes != ref_spikes)
    assert bad.size == 0, (
        f"{model_id} {set_name} ({backend}): spikes differ at {len(bad)} (step, neuron) "
        f"pairs; first at step {bad[0][0]}, neuron {bad[0][1]}")


@pytest.mark.parametrize("key", sorted(FILES), ids=lambda k: "/".join(k))
def test_vector_file_says_where_it_came_from(key):
    """Each committed vector file names its oracle, version and seed, holds >= 1000
    steps per set, is < 300 kB, and its generating script and pinned requirements are
    committed next to it."""
    model_id, name = key
    path = ORACLES / model_id / name
    assert path.stat().st_size < 300_000
    meta, sets = load(model_id, name)
    oracle, version = FILES[key]
    assert (meta["oracle"], meta["version"]) == (oracle, version)
    assert isinstance(meta["seed"], int)
    assert meta["steps"] >= 1000
    assert sets and all(len(arrays["s"]) == meta["steps"] for arrays in sets.values())
    scripts = list((ORACLES / model_id).glob("make_vectors_*.py"))
    assert scripts, "the script that made the vectors is committed with them"
    reqs = list((ORACLES / model_id).glob("requirements-*.txt"))
    assert reqs and all("==" in line for r in reqs
                        for line in r.read_text().splitlines() if line and line[0] != "#")


#: Every vector file with the model's recorded states, inputs and per-neuron arrays.
REPLAYS = [
    ("loihi_cuba", "lava.npz", ["u", "v"], ["a_in"], ["bias_mant", "bias_exp"]),
    ("loihi_cuba", "brian2loihi.npz", ["u", "v"], ["a_in"], []),
    ("loihi2_cuba", "lava.npz", ["u", "v"], ["a_in"], ["bias_mant", "bias_exp"]),
    ("loihi2_rf", "lava.npz", ["real", "imag"], ["a_imag_in", "a_real_in"], []),
]


@pytest.mark.slow
@pytest.mark.standalone
def test_lava_vectors_bit_exact_in_cpp_standalone(tmp_path):
    """One cpp_standalone build replaying the Lava vectors of the two kinds of arithmetic
    (loihi_cuba: decays, wrap, saturation, bias; loihi2_rf: rotation, saturation), one
    group each: the compiled C++ integer and double arithmetic gives 0 difference in
    every state and spike, as the numpy and cython targets and BrainPy do. (All four
    vector files pass in cpp_standalone too; two keep the build under 30 s.)"""
    import brian2 as b2

    import neuroplug.brian2 as nb2
    from neuroplug.build import standalone_device

    with standalone_device("cpp_standalone", tmp_path / "standalone"):
        dt = 1 * b2.ms
        runs = []
        net = b2.Network()
        for k, (model_id, name, states, inputs, per_neuron) in enumerate(
                [REPLAYS[0], REPLAYS[3]]):
            V = Vectors(model_id, name, states, inputs, per_neuron=per_neuron)
            ns = {f"np_stim_{x}": b2.TimedArray(np.asarray(v, dtype=float), dt=dt)
                  for x, v in V.inputs.items()}
            G = nb2.group(model_id, V.n, dt=dt, namespace=ns, name=f"g{k}", **V.params)
            for var, value in V.init.items():
                setattr(G, var, value)
            G.run_regularly("\n".join(f"{x} = np_stim_{x}(t, i)" for x in V.inputs),
                            when="start")
            M = b2.StateMonitor(G, states, record=True, when="end", name=f"m{k}")
            S = b2.SpikeMonitor(G, name=f"s{k}")
            net.add(G, M, S)
            runs.append((V, M, S))
        net.run(max(V.steps for V, _, _ in runs) * dt)
        b2.device.build(directory=str(tmp_path / "standalone"), compile=True, run=True)
        for V, M, S in runs:
            traces = {x: np.array(getattr(M, x + "_")).T for x in V.ref}
            spikes = np.zeros((V.steps, V.n), dtype=bool)
            spikes[np.round(np.asarray(S.t_) / 1e-3).astype(int), np.asarray(S.i)] = True
            assert_identical(V.model_id, V.name, traces, spikes, V.ref, V.spikes,
                             "cpp_standalone")
