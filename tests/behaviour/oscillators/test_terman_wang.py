"""Published behaviour of ``terman_wang`` (family "oscillator", catalog section C;
docs/models/oscillators.md).

The test runs the library model with ``neuroplug.brian2.group`` (numpy target) and
checks a feature its reference reports; the figure is named in the docstring.
"""

import brian2 as b2
import numpy as np

from ._helpers import run_segments as _run

b2.prefs.codegen.target = "numpy"


def test_terman_wang_relaxation_oscillation_with_short_active_phase():
    """Terman & Wang (1995), Sec. 2 / Fig. 1: for I > 0 the unit oscillates between a
    silent and an active phase, with gamma = 6 the active phase is much shorter than
    the silent one; for I < 0 it is excitable and stays silent."""
    spikes, tr = _run("terman_wang", 2, [(600, {"I": np.array([0.2, -0.05])})], 0.05,
                      record=("x",), record_dt_ms=0.5)
    assert len(spikes[1]) == 0
    s = spikes[0]
    assert len(s) >= 3
    period = np.mean(np.diff(s[1:]))
    t, x = tr["t"], tr["x"][0]
    window = (t > s[1]) & (t < s[1] + 2 * period)
    duty = np.mean(x[window] > 0)
    assert 0.05 < duty < 0.4, duty
