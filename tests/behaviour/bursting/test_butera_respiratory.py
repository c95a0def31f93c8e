"""Published behaviour of ``butera_respiratory`` (catalog section D, bursting;
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
