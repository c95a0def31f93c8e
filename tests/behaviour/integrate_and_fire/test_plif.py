"""Published behaviour of ``plif`` (integrate-and-fire variants;
docs/models/integrate_and_fire_variants.md).

Each test names the reference (and figure or section) whose behaviour it reproduces. The
model runs as a BrainPy layer in float64 (the cross-check ties it to Brian2 step by
step); expected values come from the reference's closed-form results or from an
independent numpy implementation of the published update, never from the code under
test.
"""

import math

import numpy as np
import pytest

from ._helpers import run_layer as _run


@pytest.mark.parametrize("w", [-2.0, 0.0, 2.0])
def test_plif_charging_follows_the_learnable_decay(w):
    """plif: with k = sigmoid(w), H[t] = X (1 - (1 - k)^t) from rest; hard reset to 0.

    Fang et al. (2021), Sec. 3 (PLIF neuron, Eqs. of the charge/fire/reset steps): a
    spike occurs at the first t with H[t] >= V_th, and the membrane restarts from 0,
    so the spike period is that t; larger w (shorter tau) fires sooner.
    """
    X, steps = 1.5, 200
    k = 1 / (1 + math.exp(-w))
    period = next(t for t in range(1, 100) if X * (1 - (1 - k) ** t) >= 1.0)
    spikes, tr = _run("plif", steps, X, w=str(w))
    assert np.array_equal(spikes, np.arange(period - 1, steps, period))
    first = np.arange(1, period)
    assert np.allclose(tr["v"][: period - 1], X * (1 - (1 - k) ** first), rtol=1e-12)


def test_plif_shorter_time_constant_fires_more():
    """plif: rate increases with w at fixed input (Fang et al. 2021, Sec. 3)."""
    counts = [len(_run("plif", 200, 1.2, w=str(w))[0]) for w in (-2.0, 0.0, 2.0)]
    assert counts[0] < counts[1] < counts[2], counts
