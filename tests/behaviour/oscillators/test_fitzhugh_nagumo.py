"""Published behaviour of ``fitzhugh_nagumo`` (family "oscillator", catalog section C;
docs/models/oscillators.md).

The test runs the library model with ``neuroplug.brian2.group`` (numpy target) and
checks a feature its reference reports; the figure is named in the docstring.
"""

import brian2 as b2
import numpy as np

from ._helpers import run_segments as _run

b2.prefs.codegen.target = "numpy"


def test_fitzhugh_nagumo_threshold_and_relaxation_oscillation():
    """FitzHugh (1961), Fig. 1 and Fig. 3: excitable at I = 0 (a short pulse fires
    all-or-none: a weak one gives no spike, a strong one exactly one), a limit cycle for
    a constant current inside the oscillatory range, none above it (depolarisation block).
    """
    pulse = np.array([0.3, 1.5, 0, 0, 0])       # 1 ms pulses
    steady = np.array([0, 0, 0.5, 1.0, 2.0])    # then constant currents
    spikes, _ = _run("fitzhugh_nagumo", 5, [(1, {"I": pulse}), (300, {"I": steady})], 0.05)
    n = [len(s) for s in spikes]
    assert n[0] == 0 and n[1] == 1, n
    assert n[2] >= 6 and n[3] >= 6, n
    assert n[4] <= 1, n
    isi = np.diff(spikes[2][spikes[2] > 100])
    assert isi.std() < 0.01 * isi.mean()  # periodic limit cycle
