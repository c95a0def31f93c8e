"""Published behaviour of ``non_resetting_lif`` (integrate-and-fire variants;
docs/models/integrate_and_fire_variants.md).

Each test names the reference (and figure or section) whose behaviour it reproduces. The
model runs as a BrainPy layer in float64 (the cross-check ties it to Brian2 step by
step); expected values come from the reference's closed-form results or from an
independent numpy implementation of the published update, never from the code under
test.
"""

import math

import numpy as np
import saiunit as u

from ._helpers import run_layer as _run


def test_non_resetting_lif_keeps_v_passive_and_fires_at_the_threshold_period():
    """non_resetting_lif: v is never reset; the ISI follows the decaying threshold.

    Kobayashi, Tsubo & Shinomoto (2009), Fig. 1 (model scheme): the membrane potential
    is the leaky integral of the input, unaffected by spikes, and a spike raises the
    threshold. With one threshold time scale and constant v = E_L + R I, the threshold
    after a spike, omega + theta* + alpha, decays to v in tau_theta ln(1 + alpha/(R I - omega)).
    """
    steps, dt = 2000, 1e-4
    spikes, tr = _run("non_resetting_lif", steps, 1 * u.nA, record=("v", "theta"))
    t = (np.arange(steps) + 1) * dt
    R, tau_m = 50e6, 5e-3
    passive = -70e-3 + R * 1e-9 * (1 - np.exp(-t / tau_m))
    assert len(spikes) > 10
    assert np.max(np.abs(tr["v"] - passive)) <= 1e-9 * 50e-3
    isi_theory = 10e-3 * math.log(1 + 37e-3 / (R * 1e-9 - 19e-3))
    late_isis = np.diff(spikes[t[spikes] > 5 * tau_m]) * dt
    assert np.all(np.abs(late_isis - isi_theory) <= dt + 1e-12), (late_isis, isi_theory)
