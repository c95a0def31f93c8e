"""Fixed-point primitives and the seed-compatible Q8.8 LIF, against independent references."""

import math
import random
from fractions import Fraction

import pytest

from neuroplug.hw.bittrue import SeedQ88LIF, wrap_signed
from neuroplug.hw.fixedpoint import (FixedPointError, QFormat, coefficient_format, encode, fit,
                                     round_shift)

REFERENCE = {
    "floor": lambda q: math.floor(q),
    "half_up": lambda q: math.floor(q + Fraction(1, 2)),
    "toward_zero": lambda q: math.trunc(q),
}


@pytest.mark.parametrize("mode", sorted(REFERENCE))
def test_round_shift_matches_exact_rational_rounding(mode):
    rng = random.Random(0)
    values = [rng.randint(-10**9, 10**9) for _ in range(2000)] + list(range(-40, 41))
    for x in values:
        for s in (1, 2, 3, 7, 16):
            assert round_shift(x, s, mode) == REFERENCE[mode](Fraction(x, 2 ** s)), (x, s)
    assert round_shift(-5, 0, mode) == -5 and round_shift(3, -2, mode) == 12


def test_rounding_modes_differ_where_they_should():
    # -1.5 -> floor -2, half_up -1, toward_zero -1; 1.5 -> 1, 2, 1
    assert [round_shift(-3, 1, m) for m in ("floor", "half_up", "toward_zero")] == [-2, -1, -1]
    assert [round_shift(3, 1, m) for m in ("floor", "half_up", "toward_zero")] == [1, 2, 1]


def test_fit_saturates_or_wraps_and_flags():
    f = QFormat(4, 4)  # 8 bits: -128..127
    assert fit(100, f, "saturate") == (100, False)
    assert fit(130, f, "saturate") == (127, True)
    assert fit(-200, f, "saturate") == (-128, True)
    assert fit(130, f, "wrap") == (130 - 256, True)
    assert fit(-129, f, "wrap") == (127, True)
    with pytest.raises(FixedPointError, match="unknown overflow"):
        fit(1000, f, "clip")


def test_encode_refuses_overflow_and_underflow():
    f = QFormat(8, 8)
    assert encode(-70.0, f, "v") == -70 * 256
    with pytest.raises(FixedPointError, match="does not fit Q8.8"):
        encode(200.0, f, "threshold")
    with pytest.raises(FixedPointError, match="underflows to 0"):
        encode(1e-4, f, "leak")


@pytest.mark.parametrize("value", [0.990049834, -0.00995016625, 3.98e-4, 718.25, -13.0, 2.5e-9])
def test_coefficient_format_keeps_the_most_significant_bits(value):
    f = coefficient_format(value, 24)
    assert f.width == 24
    k = encode(value, f, "c")
    assert abs(k / 2 ** f.frac_bits - value) <= abs(value) * 2.0 ** -22


def test_qformat_parse_and_errors():
    assert str(QFormat.parse("Q8.16")) == "Q8.16" and QFormat.parse("8.16").width == 24
    with pytest.raises(FixedPointError, match="cannot parse"):
        QFormat.parse("Q8")


# ---- the seed's FixedPointLIFNeuron -----------------------------------------------
def _seed_mask(value, width):  # transcribed from the seed document
    mask = (1 << width) - 1
    value = value & mask
    if value >= (1 << (width - 1)):
        value -= 1 << width
    return value


class _SeedTranscription:
    """The seed's FixedPointLIFNeuron.step, transcribed line by line (defaults 16/8/256/2)."""

    def __init__(self):
        self.data_width, self.fraction = 16, 8
        self.v_rest = self.v_reset = 0
        self.v_threshold, self.refractory_period = 256, 2
        self.v, self.refractory_counter = self.v_rest, 0

    def step(self, leak_k, gain_k, I_t, noise_in=0):
        W = self.data_width
        if self.refractory_counter > 0:
            self.refractory_counter -= 1
            self.v = self.v_rest
            return 0, _seed_mask(self.v, W)
        diff = _seed_mask(self.v_rest - self.v, 2 * W)
        dv_leak = (diff * leak_k) >> self.fraction
        dv_in = (I_t * gain_k) >> self.fraction
        v_next = _seed_mask(self.v + dv_leak + dv_in + noise_in, W)
        if v_next >= self.v_threshold:
            spike, self.v, self.refractory_counter = 1, self.v_reset, self.refractory_period
        else:
            spike, self.v = 0, v_next
        return spike, _seed_mask(self.v, W)


def test_q88_hand_computed_vectors():
    n = SeedQ88LIF()
    # the seed docstring call: 100 * 16 >> 8 = 6, below 1.0 (256)
    assert n.step(240, 16, 100) == (0, 6)
    # leak: (0 - 6) * 240 >> 8 = -6 (floor of -5.625); input 6 -> v = 6
    assert n.step(240, 16, 100) == (0, 6)
    # 5000 * 16 >> 8 = 312 >= 256: spike, reset to 0, two refractory steps at V_REST
    assert n.step(0, 16, 5000) == (1, 0)
    assert n.step(0, 16, 5000) == (0, 0)
    assert n.step(0, 16, 5000) == (0, 0)
    assert n.step(0, 16, 5000) == (1, 0)
    # wrap-around: 32767 * 32767 >> 8 = 0x3FFF00 -> low 16 bits 0xFF00 = -256
    m = SeedQ88LIF()
    assert m.step(0, 32767, 32767) == (0, -256)


def test_q88_matches_seed_transcription_on_random_vectors():
    rng = random.Random(3)
    ours, seed = SeedQ88LIF(), _SeedTranscription()
    spikes = 0
    for _ in range(20000):
        args = (rng.randint(-300, 300), rng.randint(-300, 300), rng.randint(-3000, 3000),
                rng.randint(-20, 20))
        a, b = ours.step(*args), seed.step(*args)
        assert a == b
        spikes += a[0]
    assert spikes > 100


def test_wrap_signed():
    assert wrap_signed(0x8000, 16) == -32768 and wrap_signed(-1, 8) == -1
    assert wrap_signed(256 + 5, 8) == 5
