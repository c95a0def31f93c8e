"""Golden vectors for ``loihi_cuba`` from Brian2Loihi 0.5.2 (Michaelis et al. 2022).

Brian2Loihi emulates the Loihi 1 CUBA compartment with Brian2 and reports bit-exact
agreement with the chip for neurons and synapses. Unlike Lava's bit-accurate LIF it
has a refractory period (1..64 steps), a current decay of 0 (``decay_I`` 0..4096), no
bias, and no 24-bit wrap or saturation (the stimuli below stay inside 24 bits; the
script checks it). Each target neuron receives random spike trains through 8
``LoihiSynapses`` (4 excitatory, weights 0..255, and 4 inhibitory, -256..0, 8-bit
weights with ``w_exp`` = 0, so each spike adds ``64*w`` to the current); the recorded
input ``a_in`` of a step is the sum of the weights of that step's arriving spikes.

Recorded after every step: ``u`` = Brian2Loihi's current ``I`` read in the
``before_groups`` slot (after the synaptic input is added, before the decay: this is
the compartment current of Davies et al. 2018 and of Lava), ``v`` at the end of the
step (after the reset), and the spikes.

    python3.11 -m venv /tmp/b2l && /tmp/b2l/bin/pip install -r tests/data/oracles/loihi_cuba/requirements-brian2loihi.txt
    /tmp/b2l/bin/python tests/data/oracles/loihi_cuba/make_vectors_brian2loihi.py

writes ``tests/data/oracles/loihi_cuba/brian2loihi.npz`` (deterministic for the seed).
"""

import json
import pathlib
import sys

import numpy as np

SEED = 20240614
STEPS = 1000
N = 6
K = 8  # synapses per neuron (K/2 excitatory, K/2 inhibitory)
OUT = pathlib.Path(__file__).with_name("brian2loihi.npz")

SETS = {
    # name: (decay_I, decay_v, threshold_v_mant, refractory, spike probability, excitatory bias)
    "refractory": (410, 205, 100, 5, 0.15, 1.5),
    "long_refractory": (4096, 4096, 30, 64, 0.2, 1.2),
    "no_refractory": (1, 4095, 500, 1, 0.1, 1.0),
    "no_current_decay": (0, 2048, 2000, 3, 0.02, 1.0),
}


def run_set(rng, decay_I, decay_v, vth, refractory, p, exc_bias):
    import brian2 as b2
    from brian2_loihi import LoihiNetwork, LoihiNeuronGroup, LoihiSpikeGeneratorGroup, LoihiSynapses

    b2.start_scope()
    b2.prefs.codegen.target = "numpy"  # exact either way; no compiler needed
    spikes_in = rng.random((STEPS, N * K)) < p
    w = np.zeros((N, K), dtype=np.int64)
    w[:, :K // 2] = rng.integers(0, 256, size=(N, K // 2))
    w[:, K // 2:] = -np.minimum(256, np.round(rng.integers(0, 257, size=(N, K // 2))
                                               / exc_bias)).astype(np.int64)
    steps, idx = np.nonzero(spikes_in)
    gen = LoihiSpikeGeneratorGroup(N * K, idx, steps)
    G = LoihiNeuronGroup(N, refractory=refractory, threshold_v_mant=vth, decay_v=decay_v,
                         decay_I=decay_I)
    pre_e = np.array([n * K + k for n in range(N) for k in range(K // 2)])
    pre_i = np.array([n * K + k for n in range(N) for k in range(K // 2, K)])
    Se = LoihiSynapses(gen, G, sign_mode=2)
    Se.connect(i=pre_e, j=pre_e // K)
    Se.w = w[:, :K // 2].reshape(-1)
    Si = LoihiSynapses(gen, G, sign_mode=3)
    Si.connect(i=pre_i, j=pre_i // K)
    Si.w = w[:, K // 2:].reshape(-1)
    assert np.array_equal(np.asarray(Se.w_act), 64 * w[:, :K // 2].reshape(-1))
    assert np.array_equal(np.asarray(Si.w_act), 64 * w[:, K // 2:].reshape(-1))
    Mu = b2.StateMonitor(G, "I", record=True, when="before_groups")
    Mv = b2.StateMonitor(G, "v", record=True, when="end")
    Sp = b2.SpikeMonitor(G)
    net = LoihiNetwork(gen, G, Se, Si, Mu, Mv, Sp)
    net.run(STEPS)
    a_in = (spikes_in.reshape(STEPS, N, K) * w[None]).sum(axis=2)
    u = np.asarray(Mu.I).T
    v = np.asarray(Mv.v).T
    assert np.array_equal(u, np.round(u)) and np.array_equal(v, np.round(v))
    s = np.zeros((STEPS, N), dtype=bool)
    s[np.round(np.asarray(Sp.t / b2.ms)).astype(int), np.asarray(Sp.i)] = True
    return a_in, u.astype(np.int64), v.astype(np.int64), s


def main():
    from importlib.metadata import version

    import brian2

    rng = np.random.default_rng(SEED)
    arrays, sets = {}, {}
    for name, (decay_I, decay_v, vth, refractory, p, exc_bias) in SETS.items():
        a_in, u, v, s = run_set(rng, decay_I, decay_v, vth, refractory, p, exc_bias)
        # Brian2Loihi has no 24-bit wrap or saturation: the vectors must stay inside
        assert np.abs(u).max() < 2**23 and np.abs(v).max() < 2**23 - 1, name
        sets[name] = {"brian2loihi_args": {"decay_I": decay_I, "decay_v": decay_v,
                                           "threshold_v_mant": vth,
                                           "refractory": refractory},
                      "parameters": {"decay_u": decay_I, "decay_v": decay_v, "vth": vth,
                                     "refractory_delay": refractory, "bias_mant": 0,
                                     "bias_exp": 0}}
        arrays.update({f"{name}__a_in": a_in.astype(np.int32),
                       f"{name}__u": u.astype(np.int32), f"{name}__v": v.astype(np.int32),
                       f"{name}__s": s})
        print(f"{name}: spikes {int(s.sum())}, u [{u.min()}, {u.max()}], "
              f"v [{v.min()}, {v.max()}]")
    meta = {"oracle": "brian2-loihi", "version": version("brian2-loihi"),
            "brian2": brian2.__version__, "python": sys.version.split()[0],
            "numpy": np.__version__, "seed": SEED, "steps": STEPS, "neurons": N,
            "synapses_per_neuron": K, "sets": sets,
            "record": "u = I in the before_groups slot (input added, not yet decayed), "
                      "v at the end of the step (after reset); s = spikes of that step"}
    np.savez_compressed(OUT, meta=np.array(json.dumps(meta)), **arrays)
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
