"""Published behaviour of ``morris_lecar`` (family "oscillator", catalog section C;
docs/models/oscillators.md).

The test runs the library model with ``neuroplug.brian2.group`` (numpy target) and
checks a feature its reference reports; the figure is named in the docstring.
"""

import brian2 as b2
import numpy as np

from ._helpers import run_segments as _run

b2.prefs.codegen.target = "numpy"


def test_morris_lecar_type_I_versus_type_II_onset():
    """Rinzel & Ermentrout (1989), Fig. 7.2 vs 7.4 (Tsumoto et al. 2006): class I
    (SNIC) starts firing at arbitrarily low rates, class II (Hopf) jumps from rest to
    a rate of ~10 Hz."""
    amps = np.array([39.0, 40.5, 60.0, 88.0, 90.0, 100.0])

    def rates(preset):
        spikes, _ = _run("morris_lecar", len(amps), [(1500, {"I": amps * b2.uA / b2.cm**2})],
                         0.1, preset=preset)
        out = []
        for s in spikes:
            s = s[s > 300]
            out.append(1e3 / np.mean(np.diff(s)) if len(s) >= 2 else 0.0)
        return np.array(out)

    r1, r2 = rates("type_I"), rates("type_II")
    # type I: silent just below onset, then a low rate just above it
    assert r1[0] == 0 and 0 < r1[1] < 5, r1
    assert r1[2] > 3 * r1[1], r1
    # type II: silent at 88, already ~10 Hz at 90 (no low-rate branch)
    assert r2[3] == 0 and r2[4] > 8, r2
    assert r2[5] < 2 * r2[4], r2
