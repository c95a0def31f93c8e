"""Published behaviour of ``hay_l5`` (catalog section E, multi-compartment;
docs/models/compartments.md).

The test runs a Brian2 group built by ``neuroplug.brian2`` (numpy target, short run) and
checks a feature that the model's reference reports.
"""

import brian2 as b2
import numpy as np
import pytest

import neuroplug.brian2 as nb2

pytestmark = pytest.mark.filterwarnings("ignore")


def test_hay_l5_bac_firing():
    """Larkum, Zhu & Sakmann (1999), Fig. 1, and the BAC firing protocol of Hay et al. (2011):
    a somatic spike alone (2 ms somatic pulse) is a single spike and leaves the tuft far
    below a Ca spike; distal input alone (10 ms tuft current) stays subthreshold; the
    two together trigger a tuft Ca spike and a somatic burst. Without the tuft Ca
    conductance the coincidence gives no burst."""
    b2.defaultclock.dt = 0.025 * b2.ms
    soma = np.array([40.0, 0.0, 40.0, 40.0]) * b2.uA / b2.cm**2
    tuft = np.array([0.0, 2.0, 2.0, 2.0]) * b2.uA / b2.cm**2
    g_Ca = np.array([1.0, 1.0, 1.0, 0.0]) * b2.mS / b2.cm**2
    G = nb2.group("hay_l5", 4, dt=0.025 * b2.ms, g_Ca=g_Ca)
    S = b2.SpikeMonitor(G)
    M = b2.StateMonitor(G, "V_u", record=True, dt=0.1 * b2.ms)
    net = b2.Network(G, S, M)
    net.run(50 * b2.ms)
    G.I_s, G.I_u = soma, tuft
    net.run(2 * b2.ms)
    G.I_s = 0 * soma
    net.run(8 * b2.ms)
    G.I_u = 0 * tuft
    net.run(60 * b2.ms)
    counts = [len(S.spike_trains()[i]) for i in range(4)]
    tuft_peak = np.asarray(M.V_u / b2.mV).max(axis=1)
    assert counts[0] == 1 and tuft_peak[0] < -40, (counts, tuft_peak)  # bAP alone
    assert counts[1] == 0 and tuft_peak[1] < -40, (counts, tuft_peak)  # distal input alone
    assert tuft_peak[2] > 0, "coincidence triggers the tuft Ca spike"
    spikes = np.asarray(S.spike_trains()[2] / b2.ms)
    assert len(spikes) >= 2 and np.all(np.diff(spikes) < 15), spikes  # somatic burst
    assert counts[3] == 1 and tuft_peak[3] < 0, (counts, tuft_peak)  # no Ca channels
