"""Published behaviour of ``quad_lif`` (integrate-and-fire variants;
docs/models/integrate_and_fire_variants.md).

Each test names the reference (and figure or section) whose behaviour it reproduces. The
model runs as a BrainPy layer in float64 (the cross-check ties it to Brian2 step by
step); expected values come from the reference's closed-form results or from an
independent numpy implementation of the published update, never from the code under
test.
"""

import numpy as np
import saiunit as u

from ._helpers import run_layer as _run


def test_quad_lif_has_a_type_one_onset_at_the_analytic_rheobase():
    """quad_lif: no firing below R I_rh = a0 (V_c - E_L)^2 / 4, arbitrarily slow firing above.

    Latham et al. (2000), quadratic integrate-and-fire theory (saddle-node onset, type I):
    the rheobase is the minimum of the quadratic current (136.9 mV / R = 1.369 nA here)
    and the rate rises continuously from zero.
    """
    i_rh = 1e-3 * (23.4 ** 2) / 4 / 100e6
    assert len(_run("quad_lif", 5000, 0.98 * i_rh * u.amp)[0]) == 0
    isi = {}
    for f in (1.005, 1.02):
        spikes, _ = _run("quad_lif", 5000, f * i_rh * u.amp)
        assert len(spikes) >= 5, f
        isi[f] = np.median(np.diff(spikes))
    # T ~ (I - I_rh)^(-1/2): four times closer to rheobase, about twice the interval
    assert 1.6 < isi[1.005] / isi[1.02] < 2.2, isi
