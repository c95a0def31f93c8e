"""Published behaviour of ``mckean`` (family "oscillator", catalog section C;
docs/models/oscillators.md).

The test runs the library model with ``neuroplug.brian2.group`` (numpy target) and
checks a feature its reference reports; the figure is named in the docstring.
"""

import brian2 as b2
import numpy as np

from ._helpers import run_segments as _run

b2.prefs.codegen.target = "numpy"


def test_mckean_excitable_oscillating_and_blocked():
    """McKean (1970); Tonnelier (2003), Sec. 2: with the piecewise-linear nullcline
    the rest point is on the left branch (excitable) for I < a(1+gamma)/(2 gamma) =
    0.375, on the middle branch (relaxation oscillation) up to 0.875, and on the right
    branch (depolarisation block) above."""
    amps = np.array([0.3, 0.5, 0.8, 1.0])
    spikes, _ = _run("mckean", 4, [(500, {"I": amps})], 0.05)
    late = [np.sum(s > 150) for s in spikes]
    assert late[0] == 0 and late[3] == 0, late
    assert late[1] >= 3 and late[2] >= 3, late
