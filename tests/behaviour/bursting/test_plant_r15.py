"""Published behaviour of ``plant_r15`` (catalog section D, bursting;
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
