"""Published behaviour of ``glif`` (classic integrate-and-fire;
docs/models/integrate_and_fire_classic.md).

The figure or equation is named in the test's docstring. Runs use Brian2's runtime numpy
target via ``neuroplug.brian2.group`` and are kept to a few thousand steps.
"""

import numpy as np
from brian2 import ms, pA

from ._helpers import spike_trains as _spike_trains


def test_glif_after_spike_currents_cause_adaptation():
    """GLIF levels: GLIF1 (LIF) fires with constant intervals; adding the after-spike
    currents (GLIF3) produces spike-frequency adaptation, and GLIF5's threshold
    mechanisms adapt further (Teeter et al. 2018, Fig. 1 model hierarchy)."""
    isi = {level: np.diff(_spike_trains("glif", [300 * pA], 500 * ms, preset=level)[0])
           for level in ("glif_1", "glif_3", "glif_5")}
    assert len(isi["glif_1"]) > 10 and np.ptp(isi["glif_1"]) <= 0.1 + 1e-9
    assert isi["glif_3"][-1] > 1.5 * isi["glif_3"][0]
    assert len(isi["glif_5"]) < len(isi["glif_3"]) < len(isi["glif_1"])
