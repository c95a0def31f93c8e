"""Published behaviour of ``theta`` (family "oscillator", catalog section C;
docs/models/oscillators.md).

The test runs the library model with ``neuroplug.brian2.group`` (numpy target) and
checks a feature its reference reports; the figure is named in the docstring.
"""

import brian2 as b2
import numpy as np
import pytest

from ._helpers import run_segments as _run

b2.prefs.codegen.target = "numpy"


def test_theta_neuron_rate_grows_like_sqrt_of_drive():
    """Ermentrout & Kopell (1986); Ermentrout (1996), Eq. 2 and Fig. 1: a theta neuron
    is silent for I < 0 and fires with period pi*tau/sqrt(I) for I > 0 (SNIC)."""
    amps = np.array([-0.05, 0.01, 0.04, 0.16, 0.64])
    spikes, _ = _run("theta", 5, [(1500, {"I": amps})], 0.1)
    assert len(spikes[0]) == 0
    tau_ms = 10.0
    for s, a in zip(spikes[1:], amps[1:]):
        rate = 1e3 / np.mean(np.diff(s[1:]))
        assert rate == pytest.approx(1e3 * np.sqrt(a) / (np.pi * tau_ms), rel=0.01)
