"""Published behaviour of ``bertram_phantom`` (catalog section D, bursting;
docs/models/bursting.md).

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
