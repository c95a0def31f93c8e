"""Published behaviour of ``sherman_rinzel_keizer`` (catalog section D, bursting;
docs/models/bursting.md).

The test runs a Brian2 group built by ``neuroplug.brian2`` and checks a feature that the
model's reference reports. The run is seconds of model time with slow variables, so it
uses Brian2's cython target (compiled once, then cached).
"""

import brian2 as b2
import numpy as np
import pytest

from ..helpers import bursts as _bursts
from ._helpers import run_with_monitor as _run

pytestmark = [pytest.mark.filterwarnings("ignore"),
              pytest.mark.usefixtures("cython_target")]  # long runs: compiled target


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
