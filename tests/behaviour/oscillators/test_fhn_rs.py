"""Published behaviour of ``fhn_rs`` (family "oscillator", catalog section C;
docs/models/oscillators.md).

The test runs the library model with ``neuroplug.brian2.group`` (numpy target) and
checks a feature its reference reports; the figure is named in the docstring.
"""

import brian2 as b2
import numpy as np

from neuroplug.analysis import fhn_rs_iv_curves, plot_fhn_rs_iv

from ._helpers import run_segments as _run

b2.prefs.codegen.target = "numpy"


def test_fhn_rs_iv_curves_and_spiking_range(tmp_path):
    """Ribar & Sepulchre (2019), Sec. III and Fig. 3: the fast I-V curve has a
    negative-conductance region, the slow one is monotonic; the neuron spikes exactly
    when its single equilibrium (v = I) lies in that region, and rests outside it."""
    v = np.linspace(-3, 3, 601)
    c = fhn_rs_iv_curves(v)
    slope_fast = np.gradient(c["fast"], v)
    assert slope_fast.min() < -0.5 and slope_fast[np.abs(v) > 1.2].min() > 0
    assert np.gradient(c["slow"], v).min() > 0
    assert np.gradient(c["instantaneous"], v).min() > 0
    negative = v[slope_fast < 0]
    assert plot_fhn_rs_iv(tmp_path / "iv.png").stat().st_size > 1000
    amps = np.array([-1.5, -0.5, 0.5, 1.5])
    spikes, _ = _run("fhn_rs", 4, [(400, {"I": amps})], 0.05)
    for a, s in zip(amps, spikes):
        inside = negative.min() < a < negative.max()
        assert (len(s) >= 3) == inside, (a, len(s))
