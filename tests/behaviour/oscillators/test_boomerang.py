"""Published behaviour of ``boomerang`` (family "oscillator", catalog section C;
docs/models/oscillators.md).

The test runs the library model with ``neuroplug.brian2.group`` (numpy target) and
checks a feature its reference reports; the figure is named in the docstring.
"""

import brian2 as b2
import pytest

from ._helpers import settle_then_pulse as _settle_then_pulse

b2.prefs.codegen.target = "numpy"


def test_boomerang_bistable_switch():
    """felice Boomerang (seed 003): two stable fixpoints separated by a saddle on the
    diagonal; a transient current into node u switches the state to the other
    fixpoint, where it stays (memory); a small pulse lets it return (the 'boomerang')
    to the fixpoint it came from, with one spike at each arrival."""
    spikes, tr = _settle_then_pulse("boomerang", "I_u", 20.0)
    u, v = tr["u"][0], tr["v"][0]
    before = tr["t"].searchsorted(99)
    assert u[before] > v[before] + 0.05 and u[-1] < v[-1] - 0.05
    assert len(spikes[0]) == 2
    spikes2, tr2 = _settle_then_pulse("boomerang", "I_u", 5.0)
    assert tr2["u"][0][-1] == pytest.approx(u[before], abs=1e-4)
    assert len(spikes2[0]) == 2   # back at the same fixpoint: one more spike
