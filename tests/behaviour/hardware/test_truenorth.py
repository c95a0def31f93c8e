"""TrueNorth neuron (Cassidy et al. 2013): bit-exact against RANC's NeuronBlock in the
deterministic modes, its specified PRNG against the published MINSTD check value, and
the behaviours the paper builds from one neuron (tonic spiking, class 1 excitability,
coincidence detection, bistability) and from its stochastic modes.

Oracle: tests/data/oracles/truenorth/ -- RANC's C++ NeuronBlock (github.com/UA-RCL/RANC,
an open TrueNorth-like architecture) driven tick by tick by ranc_oracle.cpp; generate.py
rebuilds golden.npz (seed and RANC commit stored).  12 neurons x 2000 random ticks, both
RANC reset modes, negative resets; the comparison allows no difference.
"""

from pathlib import Path

import brian2 as b2
import numpy as np

b2.prefs.codegen.target = "numpy"

import neuroplug.brian2 as nb2

GOLDEN = Path(__file__).parents[2] / "data" / "oracles" / "truenorth" / "golden.npz"
INPUTS = ("A0", "A1", "A2", "A3")
M31 = 2**31 - 1


def run(n, steps, inputs, preset=None, record=("V", "prng", "eta"), **params):
    """Brian2 group (numpy); ``inputs`` maps A0..A3 to (steps, n) arrays (set at the
    start of each tick) or (n,) arrays (held).  Returns traces (steps, n) after each tick
    and a (steps, n) boolean raster."""
    b2.start_scope()
    G = nb2.group("truenorth", n, preset=preset, dt=1 * b2.ms, **params)
    for name, value in inputs.items():
        value = np.asarray(value, dtype=float)
        if value.ndim == 1:
            setattr(G, name, value)
        else:
            G.namespace[f"ta_{name}"] = b2.TimedArray(value, dt=1 * b2.ms)
            G.run_regularly(f"{name} = ta_{name}(t, i)", when="start")
    M = b2.StateMonitor(G, list(record), record=True, when="end")
    S = b2.SpikeMonitor(G)
    b2.Network(G, M, S).run(steps * b2.ms)
    traces = {k: np.array(getattr(M, k + "_")).T for k in record}
    raster = np.zeros((steps, n), dtype=bool)
    raster[np.round(np.asarray(S.t_) / 1e-3).astype(int), np.asarray(S.i[:])] = True
    return traces, raster


def test_deterministic_modes_bit_exact_against_ranc():
    """Membrane potential and spikes of 12 neurons x 2000 ticks equal RANC's NeuronBlock
    (0 difference); the run reaches both reset modes (normal and linear), negative
    resets (V < -beta: -R or V + beta) and leaks of both signs."""
    g = np.load(GOLDEN)
    p = {k: np.asarray(v, dtype=float) for k, v in zip(g["params_order"], g["params"].T)}
    n, steps = g["V"].shape[1], g["V"].shape[0]
    inp = g["inputs"].astype(float)
    tr, raster = run(n, steps, {k: inp[:, :, j] for j, k in enumerate(INPUTS)},
                     record=("V",), kappa=np.zeros(n), **p)
    np.testing.assert_array_equal(tr["V"], g["V"].astype(float))
    np.testing.assert_array_equal(raster, g["spike"].astype(bool))
    # corners: spikes under both reset modes, negative-threshold crossings in both
    V = g["V"].astype(np.int64)
    prev = np.vstack([np.zeros((1, n), dtype=np.int64), V[:-1]])
    drive = (inp * g["params"][None, :, :4]).sum(axis=2) + g["params"][None, :, 4]
    crossed_low = (prev + drive < -g["params"][None, :, 6]) & ~g["spike"].astype(bool)
    for mode in (0, 1):
        cols = g["params"][:, 8] == mode
        assert g["spike"][:, cols].sum() > 100
        assert crossed_low[:, cols].sum() > 50
    assert (g["params"][:, 4] < 0).any() and (g["params"][:, 4] > 0).any()


def test_prng_is_minstd_with_the_published_check_value():
    """The model's generator is Park & Miller's minimal standard: from seed 1 the
    10 000th number is 1043618065 (Park & Miller 1988, p. 1195).  Six numbers are drawn
    per tick, so after 1667 ticks the state is x_10002 = 16807^2 x_10000 mod (2^31 - 1);
    two other seeds give different streams."""
    tr, _ = run(3, 1667, {}, record=("prng",), seed=np.array([1.0, 2.0, 123456789.0]))
    assert tr["prng"][-1, 0] == (16807**2 * 1043618065) % M31
    assert tr["prng"][0, 0] == pow(16807, 6, M31)
    assert len(np.unique(tr["prng"][-1])) == 3


def test_single_neuron_behaviours():
    """Cassidy et al. (2013) build Izhikevich's behaviours from the neuron's modes:
    tonic spiking (normal reset: interval ceil(alpha / (A0 s0)) = 20 and 7 ticks),
    class 1 excitability (leak -1, linear reset: rate (A0 s0 - 1)/alpha, zero at the
    rheobase A0 = 1), coincidence detection (leak reversal: two unit inputs fire only
    when at most 2 ticks apart) and bistability (non-reset mode: an ON pulse starts
    firing on every tick, an OFF pulse stops it)."""
    steps = 800
    A0 = np.zeros((steps, 8))
    A1 = np.zeros((steps, 8))
    A0[:, 0], A0[:, 1] = 1, 3                       # tonic
    A0[:, 2], A0[:, 3], A0[:, 4] = 1, 2, 5          # class 1
    for k, gap in enumerate(range(1, 6)):           # integrator: pairs at gaps 1..5
        A0[100 + 100 * k, 5] = A0[100 + 100 * k + gap, 5] = 1
    A0[200, 6], A1[500, 6] = 1, 1                   # bistable: ON at 200, OFF at 500
    A0[300:305, 7] = 200000                         # saturation of the 20-bit register
    prm = {"s0": [1, 1, 1, 1, 1, 5, 10, 1], "s1": [0, 0, 0, 0, 0, 0, -10, 0],
           "lam": [0, 0, -1, -1, -1, -1, 0, 0], "epsilon": [0, 0, 0, 0, 0, 1, 0, 0],
           "alpha": [20, 20, 20, 20, 20, 7, 5, 10**6], "beta": [0, 0, 0, 0, 0, 20, 0, 0],
           "kappa": [1, 1, 1, 1, 1, 0, 1, 1], "gamma_mode": [0, 0, 1, 1, 1, 0, 2, 0]}
    tr, r = run(8, steps, {"A0": A0, "A1": A1},
                **{k: np.asarray(v, dtype=float) for k, v in prm.items()})
    isi = lambda j: np.diff(np.nonzero(r[:, j])[0])
    assert set(isi(0)) == {20} and set(isi(1)) == {7}
    assert not r[:, 2].any()
    assert r[:, 3].sum() == (steps * 1) // 20 and r[:, 4].sum() == (steps * 4) // 20
    fired = [r[100 + 100 * k: 100 + 100 * k + 8, 5].any() for k in range(5)]
    assert fired == [True, True, False, False, False]
    assert not r[:200, 6].any() and r[200:500, 6].all() and not r[500:, 6].any()
    assert tr["V"][304, 7] == 2**19 - 1  # saturated, not wrapped


def test_stochastic_modes_follow_their_probabilities():
    """Stochastic modes (Cassidy et al. 2013), drawn from the specified PRNG: the
    stochastic leak lam = 25 with alpha = 1 fires with probability (25 + 1)/256 per tick
    and geometric intervals (CV ~ 1); a stochastic synapse of weight 64 passes with
    probability 65/256 (alpha = 4: rate p/4); the threshold mask 15 makes the tonic
    interval 10 + first k with k > eta_k, whose mean follows from eta uniform on 0..15."""
    steps = 4000
    n = 6
    seeds = np.array([1.0, 7.0, 99.0, 1234.0, 5.0, 77.0])
    prm = {"s0": [0, 0, 64, 64, 1, 1], "b0": [0, 0, 1, 1, 0, 0], "lam": [25, 25, 0, 0, 0, 0],
           "c_lam": [1, 1, 0, 0, 0, 0], "alpha": [1, 1, 4, 4, 10, 10], "M": [0, 0, 0, 0, 15, 15]}
    A0 = np.array([0, 0, 1, 1, 1, 1], dtype=float)
    _, r = run(n, steps, {"A0": A0}, record=("V",), seed=seeds,
               **{k: np.asarray(v, dtype=float) for k, v in prm.items()})
    p_leak = 26 / 256
    count = r[:, :2].sum()
    assert abs(count - 2 * steps * p_leak) < 4 * np.sqrt(2 * steps * p_leak * (1 - p_leak))
    intervals = np.concatenate([np.diff(np.nonzero(r[:, j])[0]) for j in (0, 1)])
    assert 0.85 < intervals.std() / intervals.mean() < 1.1
    p_syn = 65 / 256
    expected = 2 * steps * p_syn / 4
    assert abs(r[:, 2:4].sum() - expected) < 4 * np.sqrt(expected)
    intervals = np.concatenate([np.diff(np.nonzero(r[:, j])[0]) for j in (4, 5)])
    assert intervals.min() >= 10 and intervals.max() <= 25
    survive, mean = 1.0, 10.0  # E[ISI] = 10 + sum_k P(ISI > 10 + k)
    for j in range(15):
        survive *= (15 - j) / 16
        mean += survive
    se = intervals.std() / np.sqrt(len(intervals))
    assert abs(intervals.mean() - mean) < 4 * se
