"""loihi_cuba: the Loihi CUBA compartment (Davies et al. 2018) against its oracles.

Oracles (golden vectors, see tests/data/oracles/loihi_cuba/README.md):
- Lava 0.10.0's bit-accurate LIF (``PyLifModelBitAcc``): 4 sets x 6 neurons x 1000
  random steps reaching the 24-bit wrap of ``u`` both ways, the saturation of ``v`` at
  +-(2**23 - 1), every bias exponent 0..7, the decay extremes and negative decays;
- Brian2Loihi 0.5.2 (Michaelis et al. 2022, bit-exact with the chip): 4 sets x 6
  neurons x 1000 steps of random synaptic input with refractory delays 1, 3, 5, 64 and
  decays 0 and 4096.
Tolerance: none. Every state (``u``, ``v``) and every spike must be identical on every
step, in Brian2 (numpy target) and BrainPy (float64/int64 and float32/int32).
"""

import numpy as np
import pytest

from .test_loihi_vectors import Vectors, replay_brian2

LIM = 2**23 - 1


@pytest.fixture(scope="module")
def lava():
    return Vectors("loihi_cuba", "lava.npz", ["u", "v"], ["a_in"],
                   per_neuron=["bias_mant", "bias_exp"])


@pytest.fixture(scope="module")
def b2l():
    return Vectors("loihi_cuba", "brian2loihi.npz", ["u", "v"], ["a_in"])


def _trunc_div(x, d):
    """Integer x*d/4096 rounded toward zero (the chip's sign(p)*(|p| >> 12))."""
    p = x * d
    return np.sign(p) * (np.abs(p) >> 12)


def test_lava_vectors_reach_the_corners(lava):
    """The Lava vectors contain what the comparison must cover: u wrapping past +2**23
    and past -2**23, v saturated at -(2**23 - 1) and (before the reset of a spike) at
    +(2**23 - 1), spikes, and decays of negative values where rounding toward zero
    differs from rounding down."""
    u, v, s = lava.ref["u"], lava.ref["v"], lava.spikes
    du = np.diff(u, axis=0)
    assert (du < -2**23).sum() >= 10  # wrapped above +2**23
    assert (du > 2**23).sum() >= 10   # wrapped below -2**23
    assert (v == -LIM).sum() >= 50
    # positive saturation: the unclipped v of a spiking step exceeds 2**23 - 1
    d_v = 4096 - lava.params["decay_v"].astype(np.int64)
    bias = np.floor(lava.params["bias_mant"] * 2.0**lava.params["bias_exp"]).astype(np.int64)
    v_pre = _trunc_div(v[:-1], d_v) + u[1:] + bias
    assert ((v_pre > LIM) & s[1:]).sum() >= 10
    assert s.sum() >= 1000
    d_u = 4096 - lava.params["decay_u"].astype(np.int64)
    neg = (u[:-1] < 0) & ((u[:-1] * d_u) % 4096 != 0)
    assert neg.sum() >= 1000


def test_brian2loihi_vectors_reach_the_corners(b2l):
    """Refractory holds (v held at 0 after a spike while u is non-zero), no current decay
    (decay_u = 0), complete decays (4096) and spikes occur in the Brian2Loihi vectors."""
    u, v, s = b2l.ref["u"], b2l.ref["v"], b2l.spikes
    ref = b2l.params["refractory_delay"].astype(int)
    held = 0
    for k, j in zip(*np.nonzero(s)):
        window = slice(k + 1, min(k + ref[j], len(s)))
        held += int(((v[window, j] == 0) & (u[window, j] != 0)).sum())
    assert held >= 500
    assert set(np.unique(ref)) == {1, 3, 5, 64}
    assert {0, 4096} <= set(np.unique(b2l.params["decay_u"]))
    assert s.sum() >= 1000


@pytest.mark.parametrize("backend", ["brian2", "brainpy", "brainpy-float32"])
def test_lava_bit_exact(lava, backend):
    """Lava 0.10.0 PyLifModelBitAcc: 0 difference in u, v and spikes on every step."""
    lava.check(backend)


@pytest.mark.parametrize("backend", ["brian2", "brainpy"])
def test_brian2loihi_bit_exact(b2l, backend):
    """Brian2Loihi 0.5.2: 0 difference in u (its I before the decay), v and spikes."""
    b2l.check(backend)


@pytest.mark.slow
def test_lava_bit_exact_cython(lava, cython_target):
    """The same Lava vectors through Brian2's cython target (compiled C integer and
    double arithmetic instead of numpy's)."""
    lava.check("brian2")


def _pulse(steps, n, k0=5, amp=1000):
    a = np.zeros((steps, n))
    a[k0] = amp
    return a


def test_decays_are_the_time_constants_of_davies2018():
    """Davies et al. 2018: the CUBA compartment's current and voltage decay with time
    constants tau_u and tau_v, held as 12-bit decays delta = 4096/tau. With decay_u = 410
    (tau_u = 4096/410 = 10 steps) a current pulse falls below 1/e of its height after
    10 steps (the geometric factor (1 - 410/4096)**10 = 0.348 < 1/e < 0.387 = 9 steps);
    with decay_u = 4096 (the current lasts one step) and decay_v = 205 (tau_v = 20) the
    voltage falls below 1/e after 20 steps."""
    steps = 60
    tr, _ = replay_brian2("loihi_cuba", 2, steps,
                          {"decay_u": np.array([410.0, 4096.0]),
                           "decay_v": np.array([0.0, 205.0]), "vth": 131071.0},
                          {}, {"a_in": _pulse(steps, 2)}, ["u", "v"])
    u, v = tr["u"][:, 0], tr["v"][:, 1]
    assert u[5] == v[5] == 64 * 1000
    tau_u = int(np.argmax(u[5:] < u[5] / np.e))
    tau_v = int(np.argmax(v[5:] < v[5] / np.e))
    assert tau_u == 10
    assert tau_v == 20


def test_refractory_delay_lengthens_the_interspike_interval():
    """Loihi's refractory delay (Brian2Loihi's ``refractory``, 1..64 steps): after a
    spike v is held at 0 for refractory - 1 steps. An integrator (decay_v = 0, the
    current lasting one step: decay_u = 4096) driven by a_in = 7 gains 64*7 = 448 per
    step and crosses 64*vth = 6400 after ceil(6401/448) = 15 steps, so the interspike
    interval is 15 + refractory - 1: 15, 18 and 24 steps for delays 1, 4 and 10."""
    steps = 200
    _, spikes = replay_brian2("loihi_cuba", 3, steps,
                              {"decay_u": 4096.0, "decay_v": 0.0, "vth": 100.0,
                               "refractory_delay": np.array([1.0, 4.0, 10.0])},
                              {}, {"a_in": np.full((steps, 3), 7.0)}, ["v"])
    for j, isi in enumerate([15, 18, 24]):
        k = np.nonzero(spikes[:, j])[0]
        assert k[0] == 14  # the 15th step (0-based 14)
        assert set(np.diff(k)) == {isi}
