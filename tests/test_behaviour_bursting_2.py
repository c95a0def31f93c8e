"""Published behaviour of the second batch of bursting models (catalog D).

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


def _run(model_id, duration, dt, record=(), inputs=None, **params):
    """Run one neuron per entry of the (array-valued) parameters or inputs.

    Returns the spike trains in ms and a StateMonitor of ``record`` (or None).
    """
    sizes = [len(np.atleast_1d(np.asarray(v))) for v in list(params.values())
             + list((inputs or {}).values())]
    n = max(sizes) if sizes else 1
    G = nb2.group(model_id, n, dt=dt, **params)
    for name, value in (inputs or {}).items():
        setattr(G, name, value)
    S = b2.SpikeMonitor(G)
    objects = [G, S]
    M = None
    if record:
        M = b2.StateMonitor(G, list(record), record=True, dt=10 * dt)
        objects.append(M)
    b2.Network(*objects).run(duration)
    return [np.asarray(S.spike_trains()[i] / b2.ms) for i in range(n)], M


def _bursts(spikes_ms, gap_ms):
    """Split a spike train into bursts at inter-spike intervals longer than ``gap_ms``."""
    if len(spikes_ms) == 0:
        return []
    return np.split(spikes_ms, np.where(np.diff(spikes_ms) > gap_ms)[0] + 1)


def test_sherman_rinzel_keizer_square_wave_bursting():
    """Sherman, Rinzel & Keizer (1988): the deterministic model (the large-cluster
    limit, whose bursting channel sharing restores; figure number not checked against
    the paper, parameters of Table 1 via Keener & Sneyd Table 9.1) bursts regularly in
    square waves with a silent phase of several seconds; calcium builds up during the
    active phase (terminating it) and decays in the silent phase."""
    (free,), M = _run("sherman_rinzel_keizer", 30 * b2.second, 0.5 * b2.ms, record=("ca",))
    bursts = _bursts(free, 1000)
    sizes = [len(b) for b in bursts]
    assert len(bursts) >= 2 and min(sizes) >= 10, sizes
    assert max(sizes) - min(sizes) <= 1, f"regular bursts expected, got sizes {sizes}"
    period = np.diff([b[0] for b in bursts])
    assert np.all((period > 8000) & (period < 25000)), period
    silent = np.array([b2_[0] - b1[-1] for b1, b2_ in zip(bursts[:-1], bursts[1:])])
    assert np.all(silent > 3000), silent
    t = np.asarray(M.t / b2.ms)
    ca = np.asarray(M.ca[0])
    for b in bursts[:-1]:
        start, end = np.searchsorted(t, [b[0], b[-1]])
        assert ca[end] > ca[start], "calcium rises during the active phase"
    for b1, b2_ in zip(bursts[:-1], bursts[1:]):
        start, end = np.searchsorted(t, [b1[-1], b2_[0]])
        assert ca[end] < ca[start], "calcium falls during the silent phase"


def test_plant_r15_parabolic_bursting():
    """Rinzel & Lee (1987), Figs. 1-2 (Plant's R15 model): parabolic bursting. Bursts
    of several spikes separated by long silent phases; within a burst the inter-spike
    interval first shortens and then lengthens, so the shortest interval lies inside
    the burst and the last interval is much longer than the shortest."""
    (spikes,), _ = _run("plant_r15", 21 * b2.second, 0.5 * b2.ms)
    bursts = _bursts(spikes, 3000)
    assert len(bursts) >= 2, [len(b) for b in bursts]
    assert np.all(np.diff([b[0] for b in bursts]) > 8000), "silent phases of several seconds"
    for burst in bursts:
        isi = np.diff(burst)
        assert len(isi) >= 4, f"expected >= 5 spikes per burst, got {len(burst)}"
        shortest = int(np.argmin(isi))
        assert 0 < shortest < len(isi) - 1, f"frequency should rise then fall: ISIs {isi}"
        assert isi[-1] > 1.5 * isi[shortest], f"frequency falls at the burst end: ISIs {isi}"
