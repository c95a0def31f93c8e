"""loihi2_rf: Lava 0.10.0's fixed-point resonate-and-fire neuron (Loihi 2, Orchard et al.
2021).

Oracle: Lava 0.10.0 ``RF`` with ``PyRFModelFixed`` (golden vectors,
tests/data/oracles/loihi2_rf): 4 sets x 6 neurons x 1000 random steps of input to both
parts, periods 7.3 to 97 steps, damping 0 to 0.2, decay_bits 8 and 12, state_exp 0, 3
and 6, reaching the saturation of both parts at +-(2**23 - 1). Tolerance: none. Every
state and spike must be identical on every step, in Brian2 (numpy target) and BrainPy
(float64/int64 and float32/int32).
"""

import numpy as np
import pytest

from .test_loihi_vectors import Vectors, replay_brian2

LIM = 2**23 - 1


@pytest.fixture(scope="module")
def lava():
    return Vectors("loihi2_rf", "lava.npz", ["real", "imag"], ["a_imag_in", "a_real_in"])


def test_lava_vectors_reach_the_corners(lava):
    """Saturation of both parts at both signs, spikes, upward zero crossings of imag with
    real below threshold (no spike), and products of negative values where rounding
    toward zero differs from rounding down."""
    re, im, s = lava.ref["real"], lava.ref["imag"], lava.spikes
    for x in (re, im):
        assert (x == LIM).sum() >= 10 and (x == -LIM).sum() >= 10
    assert s.sum() >= 300
    crossing = (im[1:] >= 0) & (im[:-1] < 0)
    assert (crossing & ~s[1:]).sum() >= 300
    assert (crossing & s[1:]).sum() == s[1:].sum()
    b = lava.params["decay_bits"].astype(np.int64)
    c = lava.params["cos_decay"].astype(np.int64)
    inexact_negative = (re[:-1] < 0) & ((re[:-1] * c) % (2**b) != 0)
    assert inexact_negative.sum() >= 1000


@pytest.mark.parametrize("backend", ["brian2", "brainpy", "brainpy-float32"])
def test_lava_bit_exact(lava, backend):
    """Lava 0.10.0 PyRFModelFixed: 0 difference in real, imag and spikes on every step."""
    lava.check(backend)


@pytest.mark.slow
def test_lava_bit_exact_cython(lava, cython_target):
    """The same vectors through Brian2's cython target."""
    lava.check("brian2")


def test_kick_rings_at_the_period_and_damping_of_lava_rf():
    """Lava's RF(period=20, alpha=0.05) (the defaults: Re/Im rotated by 2 pi/period and
    damped by 1 - alpha per step, Lava's RF docstring; the resonator of Izhikevich 2001
    and Orchard et al. 2021): after one kick into imag the state rings with a period of
    20 steps (upward zero crossings of imag 20 +- 1 steps apart, 20.0 +- 0.2 on
    average) and its amplitude shrinks by (1 - 0.05)**20 = 0.358 per period (within
    2%); it spikes once per period, at the upward crossing, while the amplitude is above
    the threshold, then falls silent."""
    steps = 200
    a = np.zeros((steps, 1))
    a[5] = -2000
    tr, spikes = replay_brian2("loihi2_rf", 1, steps, {}, {}, {"a_imag_in": a,
                                                              "a_real_in": 0 * a},
                               ["real", "imag"])
    re, im = tr["real"][:, 0].astype(float), tr["imag"][:, 0].astype(float)
    up = np.nonzero((im[1:] >= 0) & (im[:-1] < 0))[0] + 1
    up = up[:5]
    assert len(up) == 5
    assert set(np.diff(up)) <= {19, 20, 21}
    assert np.mean(np.diff(up)) == pytest.approx(20.0, abs=0.2)
    amp = np.hypot(re, im)
    ratio = amp[30:70] / amp[10:50]
    assert np.all(np.abs(ratio - 0.95**20) < 0.02 * 0.95**20)
    k = np.nonzero(spikes[:, 0])[0]
    assert 1 <= len(k) < len(up)
    assert set(k) <= set(up)
    assert list(k) == list(up[:len(k)])  # the first crossings, while the ringing is large
