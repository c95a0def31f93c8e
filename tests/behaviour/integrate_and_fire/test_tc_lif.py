"""Published behaviour of ``tc_lif`` (integrate-and-fire variants;
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


def test_tc_lif_keeps_a_subthreshold_pulse_without_decay():
    """tc_lif: the two compartments exchange charge without loss (long-term memory).

    Zhang et al. (2024), Sec. 3 (TC-LIF dynamics; the reason it holds long-term
    dependencies): the linear map has determinant 1, so the response to one input
    pulse oscillates with constant amplitude for 1000 steps, where a LIF forgets it.
    """
    steps = 1000
    x = np.zeros(steps)
    x[0] = 0.2
    spikes, tr = _run("tc_lif", steps, x, record=("v_d", "v_s"))
    assert len(spikes) == 0
    early, late = np.max(np.abs(tr["v_s"][:100])), np.max(np.abs(tr["v_s"][-100:]))
    assert early > 0.1 and late >= 0.95 * early, (early, late)
    M = np.array([[1.0, -0.5], [0.5, 0.75]])  # beta_1 = beta_2 = 0.5
    assert np.linalg.det(M) == pytest.approx(1.0)
