"""Helpers shared by the behaviour tests of several families (tests/behaviour/<family>/).

Helpers used by one family only live in that family's ``_helpers.py``; the general
ones (stimuli, BrainPy spike times) are in ``tests/helpers.py``.
"""

import brainstate
import brian2 as b2
import jax.numpy as jnp
import numpy as np
import saiunit as su

import neuroplug.brian2 as nb2
from neuroplug.brainpy import neuron_class, precision
from neuroplug.brian2 import group

#: Steps at which the benchmark cells' conductance-kick tests deliver a synaptic spike.
KICK_STEPS = (100, 300, 320, 340, 360, 380, 600)


def kicked_brian2(model_id, var, weight, nsteps, dt):
    """One neuron; ``var += weight`` through a synapse at KICK_STEPS (Brian2 numpy)."""
    G = group(model_id, 1, dt=dt * b2.second)
    src = b2.SpikeGeneratorGroup(1, [0] * len(KICK_STEPS),
                                 np.array(KICK_STEPS) * dt * b2.second, dt=dt * b2.second)
    S = b2.Synapses(src, G, on_pre=f"{var} += w_syn", namespace={"w_syn": weight * b2.siemens},
                    dt=dt * b2.second)
    S.connect()
    M = b2.StateMonitor(G, ["v", var], record=0, when="end", dt=dt * b2.second)
    sp = b2.SpikeMonitor(G)
    b2.Network(G, src, S, M, sp).run(nsteps * dt * b2.second, namespace={})
    steps = np.round(np.asarray(sp.t_) / dt).astype(int)
    return np.array(M.v_[0]), np.array(getattr(M, var + "_")[0]), steps  # copies outlive M


def kicked_brainpy(model_id, var, weight, nsteps, dt):
    """The same in BrainPy: the weight is added to the conductance before ``update()``."""
    kicks = np.zeros(nsteps)
    # Brian2 applies on_pre after the threshold of step k, i.e. before the update of k + 1
    kicks[np.array(KICK_STEPS) + 1] = weight
    with precision("float64"), brainstate.environ.context(dt=dt * su.second):
        layer = neuron_class(model_id)(1, dtype="float64")
        layer.init_state()
        state = getattr(layer, var)

        def step(k):
            state.value = state.value + su.Quantity(k, unit=su.siemens)
            spk = layer.update(0 * su.amp)
            return spk, layer.v.value.mantissa, state.value.mantissa

        spk, v, g = brainstate.transform.for_loop(step, jnp.asarray(kicks))
    return np.asarray(v)[:, 0], np.asarray(g)[:, 0], np.nonzero(np.asarray(spk)[:, 0])[0]


def check_conductance_kicks(model_id, var, weight, nsteps, dt):
    """Synaptic increments of a conductance give the same v trace and spikes in both
    simulators; the recorded conductance differs only at a kick step itself (Brian2 has
    applied the increment at the end of that step, BrainPy applies it at the start of the
    next one)."""
    v1, g1, s1 = kicked_brian2(model_id, var, weight, nsteps, dt)
    v2, g2, s2 = kicked_brainpy(model_id, var, weight, nsteps, dt)
    assert np.ptp(g1) > 0.5 * weight  # the kicks arrived
    np.testing.assert_array_equal(s1, s2)
    assert np.max(np.abs(v1 - v2)) <= 1e-9 * np.ptp(v1)
    shifted = g2.copy()
    shifted[list(KICK_STEPS)] += weight
    assert np.max(np.abs(g1 - shifted)) <= 1e-9 * np.ptp(g1)
    if var == "g_e":
        assert len(s1) > 0, "excitatory kicks should make the cell fire"


def bursts(spikes_ms, gap_ms):
    """Split a spike train into bursts at inter-spike intervals longer than ``gap_ms``."""
    if len(spikes_ms) == 0:
        return []
    return np.split(spikes_ms, np.where(np.diff(spikes_ms) > gap_ms)[0] + 1)


def run_spike_trains(model_id, duration, dt, inputs=None, init=None, **params):
    """Run one neuron per entry of the (array-valued) parameters; return spike trains in ms."""
    n = max(len(np.atleast_1d(np.asarray(v))) for v in params.values()) if params else 1
    G = nb2.group(model_id, n, dt=dt, **params)
    for name, value in (inputs or {}).items():
        setattr(G, name, value)
    for name, value in (init or {}).items():
        setattr(G, name, value)
    S = b2.SpikeMonitor(G)
    b2.Network(G, S).run(duration)
    return [np.asarray(S.spike_trains()[i] / b2.ms) for i in range(n)]
