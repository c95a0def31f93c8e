"""Published behaviour of ``homeostatic_lif`` (adaptive and stochastic integrate-and-fire;
docs/models/integrate_and_fire_adaptive.md).

The test checks a feature the model's reference reports (the figure or equation is named
in the docstring). Brian2 (numpy target) unless stated otherwise; it runs in a few
seconds.
"""

import brian2 as b2
import numpy as np

from ._helpers import run_group as _run


def test_homeostatic_lif_rates_return_to_the_set_point():
    """Firing-rate homeostasis (Turrigiano 2012, Fig. 1: whatever the perturbation of
    drive, firing rates return to their set point; Desai et al. 1999, Fig. 1: the
    change is intrinsic excitability): two neurons whose drives differ by a factor two
    start at rates differing by more than two, and both settle at r_target = 10 Hz.
    Faster homeostasis (eta_theta = 0.5 mV/s per Hz) keeps the test short."""
    trains, _ = _run("homeostatic_lif", [300 * b2.pA, 600 * b2.pA], 8 * b2.second,
                     dt=0.5 * b2.ms, eta_theta=0.5 * b2.mV)
    early = np.array([np.sum(t < 0.5) / 0.5 for t in trains])
    late = np.array([np.sum(t > 5.0) / 3.0 for t in trains])
    assert early[1] > 2 * early[0] > 40, early
    np.testing.assert_allclose(late, 10.0, rtol=0.2)
