"""Published behaviour of ``slif`` (integrate-and-fire variants;
docs/models/integrate_and_fire_variants.md).

Each test names the reference (and figure or section) whose behaviour it reproduces. The
model runs as a BrainPy layer in float64 (the cross-check ties it to Brian2 step by
step); expected values come from the reference's closed-form results or from an
independent numpy implementation of the published update, never from the code under
test.
"""

import math

import numpy as np

from ._helpers import run_layer as _run


def test_slif_isi_follows_the_lif_rate_function():
    """slif: ISI = t_ref + tau_m ln(R I / (R I - thr)) for a constant input.

    Samadi et al. (2017), Sec. 2 (the simplified LIF neuron and its firing rate): the
    forward-Euler model at 0.1 ms reproduces the analytic interval within 2 steps.
    """
    dt = 1e-4
    spikes, _ = _run("slif", 3000, 1.0)
    isi = np.diff(spikes) * dt
    theory = 1e-3 + 20e-3 * math.log(1.0 / (1.0 - 0.4))
    assert len(isi) > 10 and np.all(np.abs(isi - theory) <= 2 * dt), (isi[:3], theory)
