"""Published behaviour of ``sigma_delta`` (integrate-and-fire variants;
docs/models/integrate_and_fire_variants.md).

Each test names the reference (and figure or section) whose behaviour it reproduces. The
model runs as a BrainPy layer in float64 (the cross-check ties it to Brian2 step by
step); expected values come from the reference's closed-form results or from an
independent numpy implementation of the published update, never from the code under
test.
"""

import numpy as np

from ._helpers import run_layer as _run


def test_sigma_delta_reconstruction_error_is_bounded_by_the_threshold():
    """sigma_delta: summed graded spikes track ReLU(sigma) within theta, sparsely.

    Yoon (2017) (sigma-delta modulation by spiking neurons) and Orchard et al. (2021),
    Sec. on sigma-delta neurons: the receiver's reconstruction differs from the
    activation by less than the threshold at every step.
    """
    steps = 1000
    signal = 0.8 * np.sin(2 * np.pi * np.arange(steps) / 400.0) + 0.1
    x = np.diff(np.concatenate([[0.0], signal]))  # delta-coded input: sigma = signal
    spikes, tr = _run("sigma_delta", steps, x, record=("act_ref", "s_out", "sigma"))
    assert np.allclose(tr["sigma"], signal, atol=1e-12)
    recon = np.cumsum(tr["s_out"])
    assert np.allclose(recon, tr["act_ref"], atol=1e-12)
    assert np.max(np.abs(np.maximum(signal, 0) - recon)) < 0.1
    assert 20 < len(spikes) < steps / 5  # events only when the change exceeds theta
