"""Published behaviour of ``gated_lif`` (integrate-and-fire variants;
docs/models/integrate_and_fire_variants.md).

Each test names the reference (and figure or section) whose behaviour it reproduces. The
model runs as a BrainPy layer in float64 (the cross-check ties it to Brian2 step by
step); expected values come from the reference's closed-form results or from an
independent numpy implementation of the published update, never from the code under
test.
"""

import numpy as np
import pytest

from ._helpers import run_layer as _run


@pytest.mark.parametrize("preset", ["lif_hard", "lif_soft"])
def test_gated_lif_reduces_to_lif_when_gates_close(preset):
    """gated_lif: with alpha = 1, beta = 0 the GLIF is a LIF (hard reset gamma = 1, soft gamma = 0).

    Yao et al. (2022), Sec. 3 (GLIF unifies LIF variants through its gates): checked
    against a numpy LIF with retention 0.25 and the reset acting in the next step.
    """
    X, steps = 0.45, 200
    spikes, tr = _run("gated_lif", steps, X, preset=preset)
    hard = preset == "lif_hard"
    v, s, ref_v, ref_s = 0.0, 0.0, [], []
    for _ in range(steps):
        v = 0.25 * v * (1 - s) + X if hard else 0.25 * v + X - 0.5 * s
        s = float(v >= 0.5)
        ref_v.append(v)
        ref_s.append(s)
    assert len(spikes) > 10
    assert np.array_equal(spikes, np.nonzero(ref_s)[0])
    assert np.allclose(tr["v"], ref_v, rtol=1e-12, atol=1e-15)
