"""Published behaviour of ``chay`` (catalog section D, bursting; docs/models/bursting.md).

The test runs a Brian2 group built by ``neuroplug.brian2`` and checks a feature that the
model's reference reports. The run is seconds of model time with slow variables, so it
uses Brian2's cython target (compiled once, then cached).
"""

import brian2 as b2
import numpy as np
import pytest

from ..helpers import bursts as _bursts
from ..helpers import run_spike_trains as _run

pytestmark = [pytest.mark.filterwarnings("ignore"),
              pytest.mark.usefixtures("cython_target")]  # long runs: compiled target


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
