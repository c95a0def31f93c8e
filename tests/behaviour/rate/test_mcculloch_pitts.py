"""Published behaviour of the McCulloch-Pitts unit (``equations/mcculloch_pitts.toml``).

McCulloch & Pitts (1943), Bull Math Biophys 5:115, Fig. 1: nets of threshold units
with a synaptic delay of one time step realise disjunction (b), conjunction (c) and
conjoined negation through absolute inhibition (d). The truth tables are those of
propositional logic; the expected outputs below are written from logic, not from runs.
"""

import brian2 as b2
import numpy as np
import pytest

from neuroplug.brian2 import McCullochPitts

b2.prefs.codegen.target = "numpy"

A = np.array([0, 0, 1, 1])
B = np.array([0, 1, 0, 1])


def _one_step(preset, I, I_inh=None):
    b2.start_scope()
    G = McCullochPitts(len(I), preset=preset, dt=1 * b2.ms)
    G.I = I
    if I_inh is not None:
        G.I_inh = I_inh
    b2.Network(G).run(1 * b2.ms)
    return np.asarray(G.y[:], dtype=int)


@pytest.mark.parametrize("preset, expected", [("and", A & B), ("or", A | B)])
def test_truth_tables_and_or(preset, expected):
    """Fig. 1c/1b: theta = 2 (conjunction) and theta = 1 (disjunction) with the number
    of active inputs as net input I = a + b (weights 1)."""
    assert list(_one_step(preset, (A + B).astype(float))) == list(expected)


def test_truth_table_not_and_absolute_inhibition():
    """Absolute inhibition: a NOT unit (theta = 0) fires unless its inhibitory input is
    active; an active inhibitory synapse vetoes firing even with excitation above
    threshold (the paper's rule; Fig. 1d)."""
    a = np.array([0.0, 1.0])
    assert list(_one_step("not", np.zeros(2), a)) == [1, 0]
    # OR unit with both excitatory inputs active but one inhibitory input: silent
    assert list(_one_step("or", np.array([2.0, 2.0]), np.array([0.0, 1.0]))) == [1, 0]


def test_two_layer_xor_network_with_one_step_delay_per_layer():
    """XOR = (a or b) and not (a and b) from McCulloch-Pitts units in two layers (the
    output is Fig. 1d's N3(t) = N1(t-1) and not N2(t-1) with N1 = OR, N2 = AND).
    Input units follow a random bit sequence; each Synapses summed variable reads the
    presynaptic y of the previous step, so the output at step n is
    XOR(a[n-2], b[n-2]) (one step per layer)."""
    rng = np.random.default_rng(1943)
    T = 24
    bits = rng.integers(0, 2, size=(T, 2))
    b2.start_scope()
    dt = 1 * b2.ms
    ta = b2.TimedArray(bits.astype(float), dt=dt)  # noqa: F841 - Brian2 reads it by name
    inp = McCullochPitts(2, preset="or", dt=dt)                  # relays: y = bit
    inp.run_regularly("I = ta(t, i)", when="start")
    hidden = McCullochPitts(2, theta=np.array([1.0, 2.0]), dt=dt)  # 0: OR, 1: AND
    out = McCullochPitts(1, theta=1.0, dt=dt)
    s_in = b2.Synapses(inp, hidden, "I_post = int(y_pre) : 1 (summed)")
    s_in.connect()                                               # both inputs to both
    s_exc = b2.Synapses(hidden, out, "I_post = int(y_pre) : 1 (summed)")
    s_exc.connect(i=0, j=0)                                      # OR excites
    s_inh = b2.Synapses(hidden, out, "I_inh_post = int(y_pre) : 1 (summed)")
    s_inh.connect(i=1, j=0)                                      # AND inhibits
    m_in = b2.StateMonitor(inp, "y", record=True, when="end")
    m_h = b2.StateMonitor(hidden, "y", record=True, when="end")
    m_out = b2.StateMonitor(out, "y", record=True, when="end")
    b2.Network(inp, hidden, out, s_in, s_exc, s_inh, m_in, m_h, m_out).run(T * dt)
    y_in = np.asarray(m_in.y, dtype=int).T
    y_h = np.asarray(m_h.y, dtype=int).T
    y_out = np.asarray(m_out.y[0], dtype=int)
    a, b = bits[:, 0], bits[:, 1]
    assert np.array_equal(y_in, bits)                            # layer 0: same step
    assert np.array_equal(y_h[1:, 0], (a | b)[:-1])              # layer 1: one step
    assert np.array_equal(y_h[1:, 1], (a & b)[:-1])
    assert np.array_equal(y_out[2:], (a ^ b)[:-2])               # layer 2: two steps
    assert (a ^ b).any() and not (a ^ b).all()                   # a non-trivial sequence
