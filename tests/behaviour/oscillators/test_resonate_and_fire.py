"""Published behaviour of ``resonate_and_fire`` (family "oscillator", catalog section C;
docs/models/oscillators.md).

The test runs the library model with ``neuroplug.brian2.group`` (numpy target) and
checks a feature its reference reports; the figure is named in the docstring.
"""

import brian2 as b2
import numpy as np

from ._helpers import run_segments as _run

b2.prefs.codegen.target = "numpy"


def test_resonate_and_fire_responds_to_doublets_at_its_eigenperiod():
    """Izhikevich (2001), Fig. 3: a resonator fires to a doublet whose inter-pulse
    interval matches its eigenperiod, not to the same doublet at half the period nor to
    a single pulse."""
    period = 2 * np.pi / 0.25   # ms, omega = 0.25/ms
    amp = 900.0                 # Hz, 1 ms pulses
    t1, t_half, t_full = 10.0, 10.0 + period / 2, 10.0 + period
    # neurons: single pulse, doublet at half period, doublet at the eigenperiod
    first = np.array([amp, amp, amp]) * b2.Hz
    zero = np.zeros(3) * b2.Hz
    segs = [(t1, {"I": zero}), (1.0, {"I": first}), (t_half - t1 - 1, {"I": zero}),
            (1.0, {"I": np.array([0, amp, 0]) * b2.Hz}), (t_full - t_half - 1, {"I": zero}),
            (1.0, {"I": np.array([0, 0, amp]) * b2.Hz}), (60.0, {"I": zero})]
    spikes, _ = _run("resonate_and_fire", 3, segs, 0.1)
    assert [len(s) for s in spikes] == [0, 0, 1], spikes
