"""Published behaviour of ``klif`` (integrate-and-fire variants;
docs/models/integrate_and_fire_variants.md).

Each test names the reference (and figure or section) whose behaviour it reproduces. The
model runs as a BrainPy layer in float64 (the cross-check ties it to Brian2 step by
step); expected values come from the reference's closed-form results or from an
independent numpy implementation of the published update, never from the code under
test.
"""

import numpy as np

from ._helpers import run_layer as _run


def test_klif_rectifies_and_scales_the_membrane():
    """klif: ReLU(k H) clamps negative potentials to 0; k = 1 is a LIF; k > 1 fires sooner.

    Jiang & Zhang (2023), Sec. 2 (KLIF: scaling factor k and ReLU after the charge).
    """
    _, neg = _run("klif", 50, -0.5)
    assert np.all(neg["v"] == 0.0)
    lif_spikes, _ = _run("plif", 300, 1.2)  # tau = 2, hard reset: the same LIF
    klif_spikes, _ = _run("klif", 300, 1.2)
    assert len(lif_spikes) > 10 and np.array_equal(klif_spikes, lif_spikes)
    scaled, _ = _run("klif", 300, 0.8, k="1.5")
    plain, _ = _run("klif", 300, 0.8)
    assert len(plain) == 0 and len(scaled) > 10  # 0.8 < V_th only without scaling
