"""Published behaviour of ``hindmarsh_rose`` (family "oscillator", catalog section C;
docs/models/oscillators.md).

The test runs the library model with ``neuroplug.brian2.group`` (numpy target) and
checks a feature its reference reports; the figure is named in the docstring.
"""

import brian2 as b2
import numpy as np

from ..helpers import bursts as _bursts
from ._helpers import run_segments as _run

b2.prefs.codegen.target = "numpy"


def test_hindmarsh_rose_spikes_per_burst_grow_with_current():
    """Hindmarsh & Rose (1984), Figs. 3-5 (bifurcation picture in Innocenti et al.
    2007, Fig. 1): with r = 0.006 the model fires single spikes, then regular bursts of
    2 and 3 spikes as I grows (1.5, 2, 2.5), and tonic spiking at I = 3.5."""
    amps = np.array([1.5, 2.0, 2.5, 3.5])
    spikes, _ = _run("hindmarsh_rose", 4, [(1600, {"I": amps})], 0.05)
    per_burst = []
    for s in spikes:
        b = _bursts(s[s > 800], 40.0)[1:-1]   # complete bursts only
        per_burst.append({len(x) for x in b})
    assert per_burst[0] == {1}, per_burst
    assert per_burst[1] == {2}, per_burst
    assert per_burst[2] == {3}, per_burst
    assert len(_bursts(spikes[3][spikes[3] > 800], 40.0)) == 1 and len(spikes[3]) > 20
