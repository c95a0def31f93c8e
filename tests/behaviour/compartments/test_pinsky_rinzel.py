"""Published behaviour of ``pinsky_rinzel`` (catalog section E, multi-compartment;
docs/models/compartments.md).

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
