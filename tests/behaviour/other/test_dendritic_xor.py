"""Published behaviour of the dendritic XOR unit (``equations/dendritic_xor.toml``).

The XOR truth table (Koch 1999, Biophysics of Computation, ch. 12; Gidon et al. 2020,
Science 367:83: XOR computed by a single dendrite of human L2/3 neurons) and the
non-monotonic response to input strength of Gidon et al. (2020), Fig. 3 (dCaAPs largest
near threshold, suppressed for strong input). Expected values are written from logic and
from solving 2x(1 - x) = theta by hand, not from runs.
"""

import brian2 as b2
import numpy as np
import pytest

from neuroplug.brian2 import DendriticXOR

b2.prefs.codegen.target = "numpy"

D1 = np.array([0.0, 0.0, 1.0, 1.0])
D2 = np.array([0.0, 1.0, 0.0, 1.0])


def _step(d1, d2, preset=None):
    b2.start_scope()
    G = DendriticXOR(len(d1), preset=preset, dt=1 * b2.ms)
    S = b2.SpikeMonitor(G)
    G.d1, G.d2 = d1, d2
    b2.Network(G, S).run(1 * b2.ms)
    return np.array(G.current[:]), np.bincount(np.asarray(S.i[:]), minlength=len(d1))


def test_xor_truth_table():
    """Binary inputs: the unit spikes for exactly one active input (0,1) and (1,0), not
    for none or both: XOR = [0, 1, 1, 0]."""
    current, spikes = _step(D1, D2, "xor")
    assert list(current) == [0.0, 1.0, 1.0, 0.0]
    assert list(spikes) == [0, 1, 1, 0]


@pytest.mark.slow
def test_xor_truth_table_brainpy_layer():
    """The same truth table from the BrainPy layer, the second input given by name
    (slow: ~10 s for the first BrainPy/JAX import and trace)."""
    import brainstate
    import saiunit as u

    from neuroplug.brainpy import DendriticXOR as Layer

    with brainstate.environ.context(dt=1.0 * u.ms):
        layer = Layer(4, preset="xor")
        layer.init_state()
        out = layer.update(D1, d2=D2)   # output = the current
        assert list(np.asarray(out)) == [0.0, 1.0, 1.0, 0.0]
        assert list(np.asarray(layer.spike.value)) == [0.0, 1.0, 1.0, 0.0]


def test_non_monotonic_response_to_input_strength():
    """Gidon et al. (2020), Fig. 3: the dendritic response is largest for intermediate
    input and falls for stronger input. Both inputs at strength x: the current
    2x(1 - x) peaks at x = 0.5 and returns to 0 at x = 1; with theta = 0.3 the unit
    spikes only inside the window 2x(1 - x) > 0.3, x in (0.1838, 0.8162)."""
    x = np.linspace(0, 1, 21)
    current, spikes = _step(x, x, "window")
    k = int(np.argmax(current))
    assert x[k] == 0.5 and np.all(np.diff(current[:k + 1]) > 0) and np.all(np.diff(current[k:]) < 0)
    lo, hi = (1 - np.sqrt(1 - 2 * 0.3)) / 2, (1 + np.sqrt(1 - 2 * 0.3)) / 2
    assert np.array_equal(spikes > 0, (x > lo) & (x < hi))
    assert spikes[0] == 0 and spikes[-1] == 0 and spikes[k] == 1
