"""Published behaviour of ``coba_lif``, the cell of the COBA benchmark network (Vogels &
Abbott 2005; Brette et al. 2007, benchmark 1), and its synaptic-conductance path.

See docs/models/benchmark_cells.md; ``neuroplug bench`` builds the network.
"""

import brian2 as b2
import numpy as np
import pytest

from ..helpers import check_conductance_kicks


def _network_rates(kind, duration_ms, seed=3):
    from neuroplug.bench.workloads import _coba_network

    net, S = _coba_network(kind, N=4000, seed=seed)
    net.run(duration_ms * b2.ms, namespace={})
    t = np.asarray(S.t_)
    i = np.array(S.i)
    return t, i


@pytest.mark.parametrize("model_id,var,weight,nsteps,dt", [
    ("coba_lif", "g_e", 6e-9 * 8, 1000, 1e-4),
    ("coba_lif", "g_i", 67e-9, 1000, 1e-4),
])
def test_conductance_kicks_agree_between_simulators(model_id, var, weight, nsteps, dt):
    """Synaptic increments of g_e/g_i give the same v trace and spikes in both simulators
    (see ``check_conductance_kicks``)."""
    check_conductance_kicks(model_id, var, weight, nsteps, dt)


def test_coba_lif_network_self_sustained_irregular_activity():
    """Vogels & Abbott (2005) / Brette et al. (2007) benchmark 1: the 4000-cell COBA network
    (80 % excitatory, 2 % connectivity, g_e += 6 nS, g_i += 67 nS) sustains asynchronous
    irregular activity without external input after a random initial state.

    Checked: spikes continue in the last 100 ms of 300 ms, the mean rate is in the
    few-to-tens of Hz range, and inter-spike intervals are irregular (CV > 0.5).
    """
    t, i = _network_rates("coba", 300)
    late = t > 0.2
    rate = late.sum() / 4000 / 0.1
    assert 1.0 < rate < 80.0, f"late mean rate {rate:.1f} Hz"
    cvs = []
    for n in np.unique(i[late]):
        isi = np.diff(t[(i == n)])
        if len(isi) >= 3:
            cvs.append(np.std(isi) / np.mean(isi))
    assert len(cvs) > 50
    assert np.median(cvs) > 0.5, f"median CV {np.median(cvs):.2f}"
