"""Published behaviour of ``dendrify`` (catalog section E, multi-compartment;
docs/models/compartments.md).

The test runs a Brian2 group built by ``neuroplug.brian2`` (numpy target, short run) and
checks a feature that the model's reference reports.
"""

import brian2 as b2
import numpy as np
import pytest

import neuroplug.brian2 as nb2

pytestmark = pytest.mark.filterwarnings("ignore")


def _pulse_response(model_id, pulse_input, amplitudes, pulse, settle, after, inputs=None,
                    record="V_s", **params):
    """Settle, inject a current pulse of the given amplitudes into ``pulse_input``, and
    return (spike counts during and after the pulse, baseline and peak of ``record``
    from the pulse onset on, the monitor)."""
    n = len(amplitudes)
    G = nb2.group(model_id, n, **params)
    for name, value in (inputs or {}).items():
        setattr(G, name, value)
    S = b2.SpikeMonitor(G)
    M = b2.StateMonitor(G, record, record=True)
    net = b2.Network(G, S, M)
    net.run(settle)
    baseline = np.asarray(getattr(G, record)[:] / b2.mV)
    onset_index = len(M.t)
    setattr(G, pulse_input, amplitudes)
    net.run(pulse)
    setattr(G, pulse_input, 0 * amplitudes)
    net.run(after)
    counts = np.array([np.sum(S.spike_trains()[i] >= settle) for i in range(n)])
    peak = np.asarray(getattr(M, record)[:, onset_index:] / b2.mV).max(axis=1)
    return counts, baseline, peak, M


def test_dendrify_dendritic_spike_makes_coincident_input_supralinear():
    """Pagkalos, Chavlis & Poirazi (2023), Fig. 2 (dendritic Na spikes in a reduced
    compartmental model) and Dendrify's "active vs passive dendrites" example: a
    dendritic spike amplifies coincident dendritic input. With the soma held below
    threshold by a bias, one input (150 pA for 5 ms in the dendrite) depolarises the soma
    by ~2 mV and does not trigger a dendritic spike; two coincident inputs (300 pA)
    trigger a dendritic spike and a somatic spike, although twice the single-input
    depolarisation stays below threshold; with a passive dendrite the same double input
    does not make the soma fire."""
    amplitudes = np.array([150.0, 300.0, 150.0, 300.0]) * b2.pA
    g_Na = np.array([30.0, 30.0, 0.0, 0.0]) * b2.nS
    g_K = np.array([14.0, 14.0, 0.0, 0.0]) * b2.nS
    counts, baseline, peak, _ = _pulse_response(
        "dendrify", "I_d", amplitudes, 5 * b2.ms, 100 * b2.ms, 40 * b2.ms,
        inputs={"I_s": 175 * b2.pA}, g_Na_d=g_Na, g_K_d=g_K)
    gap = -40.0 - baseline[0]  # distance of the resting soma to the threshold V_th
    single = peak[0] - baseline[0]
    assert 0 < single and 2 * single < gap, (single, gap)  # linear sum stays subthreshold
    assert counts[0] == 0 and counts[2] == 0
    assert counts[1] >= 1, "coincident input with an active dendrite fires the soma"
    assert counts[3] == 0, "the same input with a passive dendrite does not"
    assert np.isclose(peak[0], peak[2]), "below the dendritic threshold active = passive"
