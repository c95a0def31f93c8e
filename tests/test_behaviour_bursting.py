"""Published behaviour of the bursting and multi-compartment models (catalog D and E).

Each test runs a Brian2 group built by ``neuroplug.brian2`` and checks one feature that
the model's reference reports. The runs are seconds of model time with slow
variables, so they use Brian2's cython target (compiled once, then cached).
"""

import brian2 as b2
import numpy as np
import pytest

import neuroplug.brian2 as nb2

pytestmark = [pytest.mark.filterwarnings("ignore"),
              pytest.mark.usefixtures("cython_target")]  # long runs: compiled target


def _run(model_id, duration, dt, inputs=None, init=None, **params):
    """Run one neuron per entry of the (array-valued) parameters; return spike trains in ms."""
    n = max(len(np.atleast_1d(np.asarray(v))) for v in params.values()) if params else 1
    G = nb2.group(model_id, n, dt=dt, **params)
    for name, value in (inputs or {}).items():
        setattr(G, name, value)
    for name, value in (init or {}).items():
        setattr(G, name, value)
    S = b2.SpikeMonitor(G)
    b2.Network(G, S).run(duration)
    return [np.asarray(S.spike_trains()[i] / b2.ms) for i in range(n)]


def _bursts(spikes_ms, gap_ms):
    """Split a spike train into bursts at inter-spike intervals longer than ``gap_ms``."""
    if len(spikes_ms) == 0:
        return []
    return np.split(spikes_ms, np.where(np.diff(spikes_ms) > gap_ms)[0] + 1)


def test_chay_period_adding_with_gKC():
    """Chay (1985), Figs. 1-3: beating at small g_KC; regular bursting at larger g_KC,
    with fewer spikes per burst as g_KC grows (3 spikes at 14/s, 2 at 17/s)."""
    trains = _run("chay", 30 * b2.second, 0.5 * b2.ms, g_KC=np.array([4, 14, 17]) * b2.Hz)
    beating, three, two = (t[t > 10000] for t in trains)  # skip the initial transient
    assert len(beating) > 50 and np.max(np.diff(beating)) < 300, "g_KC = 4/s should beat"
    for spikes, size in ((three, 3), (two, 2)):
        bursts = _bursts(spikes, 1000)
        assert len(bursts) >= 3, f"expected >= 3 bursts, got {len(bursts)}"
        # the first burst may be cut by the transient window, the last by the end of the run
        assert all(len(b) == size for b in bursts[1:-1]), [len(b) for b in bursts]
        starts = np.array([b[0] for b in bursts])
        assert np.all(np.diff(starts) > 3000), "bursts are separated by silent phases"


def test_butera_regimes_with_tonic_drive():
    """Butera, Rinzel & Smith (1999a), Fig. 4: with increasing tonic excitation
    g_tonic the pacemaker goes from quiescence to bursting to tonic beating."""
    trains = _run("butera_respiratory", 8 * b2.second, 0.2 * b2.ms, init={"h": 0.4},
                  g_tonic=np.array([0, 0.4, 1.0]) * b2.nS)
    quiet, bursting, beating = trains
    assert len(quiet) == 0
    bursts = _bursts(bursting, 150)
    assert len(bursts) >= 2 and all(len(b) >= 2 for b in bursts), [len(b) for b in bursts]
    assert np.min(np.diff([b[0] for b in bursts])) > 1000, "silent phases of about a second"
    late = beating[beating > 1000]
    assert len(late) > 50 and np.max(np.diff(late)) < 100, "strong drive gives tonic beating"


def test_bertram_phantom_fast_and_medium_bursting():
    """Bertram et al. (2000), Figs. 2-3: g_s1 = 20 pS gives fast bursting (period of a
    few seconds), g_s1 = 7 pS medium bursting with a period several times longer."""
    fast, medium = _run("bertram_phantom", 40 * b2.second, 0.25 * b2.ms,
                        g_s1=np.array([20, 7]) * b2.psiemens)
    fast_b, medium_b = _bursts(fast, 1000), _bursts(medium, 1000)
    fast_period = np.median(np.diff([b[0] for b in fast_b]))
    medium_period = np.median(np.diff([b[0] for b in medium_b]))
    assert len(fast_b) >= 8 and 2000 < fast_period < 5000, fast_period
    assert len(medium_b) >= 2 and medium_period > 3 * fast_period, medium_period
    assert np.median([len(b) for b in medium_b]) > 3 * np.median([len(b) for b in fast_b])


def test_pinsky_rinzel_bursting_depends_on_coupling():
    """Pinsky & Rinzel (1994), Figs. 3 and 5: at I_s = 0.75 uA/cm2 the default coupling
    g_c = 2.1 mS/cm2 gives bursts (somatic doublets riding a dendritic calcium spike),
    strong coupling g_c = 10.5 mS/cm2 single spikes."""
    weak, strong = _run("pinsky_rinzel", 2 * b2.second, 0.05 * b2.ms,
                        inputs={"I_s": 0.75 * b2.uA / b2.cm**2},
                        g_c=np.array([2.1, 10.5]) * b2.mS / b2.cm**2)
    weak_b = _bursts(weak[weak > 200], 30)
    strong_b = _bursts(strong[strong > 200], 30)
    assert len(weak_b) >= 3 and all(len(b) >= 2 for b in weak_b), [len(b) for b in weak_b]
    assert len(strong_b) >= 3 and all(len(b) == 1 for b in strong_b), [len(b) for b in strong_b]
