"""Published behaviour of ``clif`` (integrate-and-fire variants;
docs/models/integrate_and_fire_variants.md).

Each test names the reference (and figure or section) whose behaviour it reproduces. The
model runs as a BrainPy layer in float64 (the cross-check ties it to Brian2 step by
step); expected values come from the reference's closed-form results or from an
independent numpy implementation of the published update, never from the code under
test.
"""

import math

import pytest

from ._helpers import run_layer as _run


def test_clif_complementary_reset_lowers_the_rate():
    """clif: a spike resets by V_th plus sigmoid(m) with m >= 1, so CLIF fires less than LIF.

    Huang et al. (2024), Sec. 4 (CLIF: complementary potential, its reset term); the
    LIF reference is the same charge with the plain soft reset, in numpy.
    """
    X, steps = 0.8, 300
    spikes, tr = _run("clif", steps, X, record=("v", "m"))
    v, lif = 0.0, 0
    for _ in range(steps):
        v = v * 0.5 + X
        if v >= 1.0:
            lif += 1
            v -= 1.0
    assert 0 < len(spikes) < lif, (len(spikes), lif)
    for n in spikes[spikes > 0]:  # the reset goes below H - V_th - 1/2
        h = tr["v"][n - 1] * 0.5 + X
        assert tr["m"][n] >= 1.0
        assert tr["v"][n] == pytest.approx(h - 1.0 - 1 / (1 + math.exp(-tr["m"][n])), abs=1e-12)
