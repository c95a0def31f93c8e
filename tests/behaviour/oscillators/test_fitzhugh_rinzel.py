"""Published behaviour of ``fitzhugh_rinzel`` (family "oscillator", catalog section C;
docs/models/oscillators.md).

The test runs the library model with ``neuroplug.brian2.group`` (numpy target) and
checks a feature its reference reports; the figure is named in the docstring.
"""

import brian2 as b2
import numpy as np

from ..helpers import bursts as _bursts
from ._helpers import run_segments as _run

b2.prefs.codegen.target = "numpy"


def test_fitzhugh_rinzel_elliptic_bursting():
    """Izhikevich (2000), Fig. 45: elliptic bursting of the FitzHugh-Rinzel model at
    I = 0.3125: bursts of several spikes separated by long quiescent periods in which
    v shows subthreshold oscillations (not a fixed rest point)."""
    spikes, tr = _run("fitzhugh_rinzel", 1, [(4000, {"I": 0.3125})], 0.2,
                      record=("v",), record_dt_ms=1.0)
    bursts = [b for b in _bursts(spikes[0], 100.0) if len(b) >= 2]
    assert len(bursts) >= 3, [len(b) for b in _bursts(spikes[0], 100.0)]
    # the longest quiescent stretch between spikes
    s = spikes[0]
    k = np.argmax(np.diff(s))
    gap_start, gap_end = s[k] + 30, s[k + 1] - 30
    assert gap_end - gap_start > 300
    t, v = tr["t"], tr["v"][0]
    quiet = v[(t > gap_start) & (t < gap_end)]
    assert quiet.max() < 1.0
    # subthreshold oscillation: repeated local maxima with a visible amplitude
    peaks = np.where((quiet[1:-1] > quiet[:-2]) & (quiet[1:-1] > quiet[2:]))[0]
    assert len(peaks) >= 3 and np.ptp(quiet[len(quiet) // 2:]) > 0.02
