"""loihi2_cuba: Lava 0.10.0's bit-accurate LIF and LIFReset (Loihi 2's CUBA-LIF).

Oracle: Lava 0.10.0 itself (golden vectors, tests/data/oracles/loihi2_cuba): 4 sets x 6
neurons x 1000 random steps of ``LIF`` (``PyLifModelBitAcc``) and ``LIFReset``
(``PyLifResetModelBitAcc``, reset intervals 1, 7 and 50, an offset above the interval),
reaching the 24-bit wrap of ``u`` both ways and the saturation of ``v``. Tolerance: none.
Every state and spike must be identical on every step, in Brian2 (numpy target) and
BrainPy (float64/int64 and float32/int32).
"""

import numpy as np
import pytest

from .test_loihi_vectors import Vectors, replay_brian2


@pytest.fixture(scope="module")
def lava():
    return Vectors("loihi2_cuba", "lava.npz", ["u", "v"], ["a_in"],
                   per_neuron=["bias_mant", "bias_exp"])


def test_lava_vectors_reach_the_corners(lava):
    """Wrap of u both ways, saturation of v, spikes, and periodic resets of non-zero
    states (reset steps n with n mod interval == offset mod interval) occur."""
    u, v, s = lava.ref["u"], lava.ref["v"], lava.spikes
    du = np.diff(u, axis=0)
    assert (du < -2**23).sum() >= 10 and (du > 2**23).sum() >= 10
    assert (v == -(2**23 - 1)).sum() >= 10
    assert s.sum() >= 1000
    interval = lava.params["reset_interval"].astype(int)
    offset = lava.params["reset_offset"].astype(int)
    n = np.arange(1, lava.steps + 1)[:, None]
    resets = (interval > 0) & (n % np.maximum(interval, 1) == offset % np.maximum(interval, 1))
    assert sorted(set(interval)) == [0, 1, 7, 50]
    # a reset step that mattered: the state before it was not zero
    before = (u[:-1] != 0) | (v[:-1] != 0)
    assert (resets[1:] & before).sum() >= 1000


@pytest.mark.parametrize("backend", ["brian2", "brainpy", "brainpy-float32"])
def test_lava_bit_exact(lava, backend):
    """Lava 0.10.0 LIF/LIFReset: 0 difference in u, v and spikes on every step."""
    lava.check(backend)


@pytest.mark.slow
def test_lava_bit_exact_cython(lava, cython_target):
    """The same vectors through Brian2's cython target."""
    lava.check("brian2")


def test_reset_interval_makes_every_window_start_from_rest():
    """Lava's LIFReset 'resets its internal state every reset_interval steps': with the
    same input pattern in each 16-step window (reset offset 0, so the resets fall on
    steps 16, 32, ...), u, v and the spikes repeat window after window; the plain LIF
    (reset_interval = 0) carries its state over and does not repeat."""
    steps, w = 160, 16
    pattern = np.array([40, 0, 0, 25, 0, 0, 0, 60, 0, 0, -30, 0, 0, 0, 10, 0], float)
    a = np.tile(pattern, steps // w)[:, None].repeat(2, axis=1)
    tr, spikes = replay_brian2("loihi2_cuba", 2, steps,
                               {"du": 409.0, "dv": 205.0, "vth": 40.0,
                                "reset_interval": np.array([16.0, 0.0])},
                               {}, {"a_in": a}, ["u", "v"])
    # Lava's step n = k + 1 is reset when n % 16 == 0: windows are steps [16m - 1, 16m + 15)
    u = tr["u"][w - 1:steps - 1].reshape(-1, w, 2)
    v = tr["v"][w - 1:steps - 1].reshape(-1, w, 2)
    s = spikes[w - 1:steps - 1].reshape(-1, w, 2)
    assert s[..., 0].sum() >= 8
    for x in (u, v, s):
        assert (x[:, :, 0] == x[0, :, 0]).all()
    assert not (u[:, :, 1] == u[0, :, 1]).all()


def test_du_4095_leaves_only_this_steps_input():
    """Lava adds the 1-bit offset ds_offset = 1 to du so that du = 4095 decays the current
    completely (4096/4096): u is then exactly 64*a_in each step."""
    steps = 50
    a = np.random.default_rng(1).integers(-500, 500, size=(steps, 1)).astype(float)
    tr, _ = replay_brian2("loihi2_cuba", 1, steps, {"du": 4095.0, "vth": 131071.0}, {},
                          {"a_in": a}, ["u"])
    assert np.array_equal(tr["u"][:, 0], 64 * a[:, 0])
