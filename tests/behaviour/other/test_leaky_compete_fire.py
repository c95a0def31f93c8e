"""Published behaviour of the leaky-compete-and-fire winner-take-all population
(``equations/leaky_compete_fire.toml``): a spiking version of the leaky competing
accumulator (LCA) of Usher & McClelland (2001), Psychol Rev 108:550, Eq. 4.

Both groups run in one Brian2 network (numpy target); each is its own coupled ring.
"""

import brian2 as b2
import numpy as np
import pytest

import neuroplug
from neuroplug.brian2 import LeakyCompeteFire

b2.prefs.codegen.target = "numpy"

INPUTS = np.array([1.0, 1.1, 0.9, 0.95])
SWAPPED = INPUTS[[1, 0, 2, 3]]      # the two largest inputs exchanged
T_SWAP, T_END = 200.0, 400.0        # ms


@pytest.fixture(scope="module")
def spikes():
    """Spike times (ms) per unit: 'wta' (INPUTS, swapped at T_SWAP) and 'free' (preset
    no_inhibition, INPUTS throughout)."""
    b2.start_scope()
    dt = 0.25 * b2.ms
    groups = {"wta": LeakyCompeteFire(4, dt=dt),
              "free": LeakyCompeteFire(4, preset="no_inhibition", dt=dt)}
    mons = {k: b2.SpikeMonitor(G) for k, G in groups.items()}
    net = b2.Network(*groups.values(), *mons.values())
    for G in groups.values():
        G.I = INPUTS
    net.run(T_SWAP * b2.ms)
    groups["wta"].I = SWAPPED
    net.run((T_END - T_SWAP) * b2.ms)
    return {k: [np.asarray(M.t[M.i == n] / b2.ms) for n in range(4)] for k, M in mons.items()}


def _counts(trains, t0, t1):
    return np.array([np.sum((s >= t0) & (s < t1)) for s in trains])


def test_only_the_strongest_unit_fires_after_a_transient(spikes):
    """Usher & McClelland (2001), Eq. 4: lateral inhibition (beta) makes the accumulator
    with the largest input the only active one. From rest all four units are driven
    above threshold and the two strongest fire during the transient; after it only the
    unit with input 1.1 fires. Measured: spikes in the first 60 ms [1, 1, 0, 0] (the
    0.9 and 0.95 units are inhibited before their first spike); from 100 ms to the swap
    only unit 1, at 30 Hz."""
    tr = spikes["wta"]
    early = _counts(tr, 0, 60)
    late = _counts(tr, 100, T_SWAP)
    assert np.count_nonzero(early) >= 2, early      # a real competition
    assert late[1] > 0 and np.count_nonzero(late) == 1, late
    rate = late[1] / (T_SWAP - 100) * 1e3
    assert 20 < rate < 60, rate


def test_winner_changes_when_inputs_swap(spikes):
    """Usher & McClelland (2001): the choice follows the largest input; exchanging the
    two largest inputs hands the activity to the other unit (measured: the old winner's
    last spike 79 ms after the swap; only unit 0 fires in the last 100 ms, 3 spikes)."""
    late = _counts(spikes["wta"], T_END - 100, T_END)
    assert late[0] > 0 and np.count_nonzero(late) == 1, late


def test_without_inhibition_every_unit_fires_by_its_input(spikes):
    """Control (beta = alpha = 0): independent LIF units; all fire at the LIF rate
    1/(t_ref + tau_m ln(I/(I - v_th))) of their input (theory 29.2, 35.7, 21.8, 25.7 Hz;
    measured over 300 ms 30.0, 36.7, 20.0, 26.7 Hz), ordered by input."""
    p = {k: float(v) for k, v in neuroplug.model("leaky_compete_fire").parameter_values().items()}
    late = _counts(spikes["free"], 100, T_END)
    expected = 1.0 / (p["t_ref"] + p["tau_m"] * np.log(INPUTS / (INPUTS - p["v_th"])))
    measured = late / ((T_END - 100) * 1e-3)
    assert np.all(np.abs(measured - expected) <= 0.05 * expected + 1000 / (T_END - 100)), \
        (measured, expected)
    assert list(np.argsort(measured)) == list(np.argsort(INPUTS))
