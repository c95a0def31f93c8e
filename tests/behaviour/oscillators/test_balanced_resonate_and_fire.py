"""Published behaviour of ``balanced_resonate_and_fire`` (family "oscillator", catalog
section C; docs/models/oscillators.md).

The test runs the library model with ``neuroplug.brian2.group`` (numpy target) and
checks a feature its reference reports; the figure is named in the docstring.
"""

import brian2 as b2
import numpy as np

import neuroplug.brian2 as nb2

from ._helpers import run_segments as _run

b2.prefs.codegen.target = "numpy"


def test_balanced_resonate_and_fire_is_balanced_and_refractory():
    """Higuchi et al. (2024), Sec. 3.1-3.2 (Eq. 7, Fig. 2): with b = p(omega) the
    Euler-discretised oscillator neither grows nor decays (divergence boundary); the
    spike-triggered q gives a smooth refractory period, so a strong constant input
    fires far less often than without it."""
    # balance: b_offset = 0, no input, free oscillation from x = 0.5
    b2.start_scope()
    G = nb2.group("balanced_resonate_and_fire", 2, dt=0.1 * b2.ms,
                  b_offset=np.array([0.0, 0.1]) / b2.ms)
    G.x = 0.5
    M = b2.StateMonitor(G, ["x", "y"], record=True)
    b2.Network(G, M).run(200 * b2.ms)
    r = np.hypot(M.x_, M.y_)
    assert np.max(np.abs(r[0] / 0.5 - 1)) < 1e-9
    assert r[1, -1] < 0.5 * 0.5          # b_offset > 0 damps
    # refractoriness through q
    spikes, _ = _run("balanced_resonate_and_fire", 2, [(200, {"I": 3 * b2.kHz})], 0.1,
                     gamma=np.array([0.9, 1e-6]))
    n_brf, n_plain = len(spikes[0]), len(spikes[1])
    assert n_brf > 0 and n_plain > 2 * n_brf, (n_brf, n_plain)
    assert np.min(np.diff(spikes[0])) > 0.15   # never on consecutive steps
