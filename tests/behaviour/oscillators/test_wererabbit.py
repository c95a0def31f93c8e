"""Published behaviour of ``wererabbit`` (family "oscillator", catalog section C;
docs/models/oscillators.md).

The test runs the library model with ``neuroplug.brian2.group`` (numpy target) and
checks a feature its reference reports; the figure is named in the docstring.
"""

import brian2 as b2
import numpy as np

from ._helpers import settle_then_pulse as _settle_then_pulse

b2.prefs.codegen.target = "numpy"


def test_wererabbit_bistable_switch():
    """felice WereRabbit docs (seed 003), 'switching in the diagonal of the phase
    plane': two stable fixpoints, one on each side of u = v; a transient current into
    the predator node moves the state across the diagonal, and it stays on the other
    fixpoint after the pulse (memory). Each arrival at a fixpoint is one spike."""
    spikes, tr = _settle_then_pulse("wererabbit", "I_u", -20.0, pulse_ms=50.0)
    t, u, v = tr["t"], tr["u"][0], tr["v"][0]
    before = t.searchsorted(99)
    assert u[before] > v[before] + 0.1           # u > v fixpoint
    assert u[-1] < v[-1] - 0.1                   # switched, and stays after the pulse
    assert np.allclose([u[-1], v[-1]], [v[before], u[before]], atol=2e-3)  # mirror state
    s = spikes[0]
    assert len(s) == 2 and s[0] < 100 and s[1] > 150, s
    # a weak pulse (inside the basin) does not switch
    _, tr2 = _settle_then_pulse("wererabbit", "I_u", -10.0, pulse_ms=50.0)
    assert tr2["u"][0][-1] > tr2["v"][0][-1] + 0.1
