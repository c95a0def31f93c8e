"""Published behaviour of catalog models added by helper m2 (mainen_sejnowski).

Each test drives the BrainPy layer of a library model (the same generated update as
Brian2, see docs/semantics.md) with step currents under ``for_loop`` and checks one
feature the model's reference reports; measured values are quoted in the docstrings.
"""

import brainstate
import jax.numpy as jnp
import numpy as np
import saiunit as u

import neuroplug.brainpy as nbp


def _spike_times(model_id, stim, unit, dt_ms, **overrides):
    """Spike times (ms) per neuron for a (steps x N) stimulus given in ``unit``."""
    with nbp.precision("float64"), brainstate.environ.context(dt=dt_ms * u.ms):
        layer = nbp.neuron_class(model_id)(stim.shape[1], **overrides)
        layer.init_state()
        spk = brainstate.transform.for_loop(lambda x: layer.update(x * unit),
                                            jnp.asarray(stim))
    spk = np.asarray(spk)
    return [np.nonzero(spk[:, i] > 0.5)[0] * dt_ms for i in range(stim.shape[1])]


def _steps(amps, dt_ms, duration_ms, onset_ms=0.0):
    stim = np.zeros((int(round(duration_ms / dt_ms)), len(amps)))
    stim[int(round(onset_ms / dt_ms)):] = amps
    return stim


def _bursts(times_ms, max_isi_ms=6.0):
    """Sizes of the groups of spikes whose ISIs are all below ``max_isi_ms``."""
    groups = np.split(times_ms, np.nonzero(np.diff(times_ms) >= max_isi_ms)[0] + 1)
    return [len(g) for g in groups if len(g)]


def test_mainen_sejnowski_regular_spiking_vs_bursting_with_rho():
    """Mainen & Sejnowski (1996), Fig. 1 and its two-compartment reduction: the same
    channels fire regularly with a small dendrite and in bursts with a large one
    (layer 5 pyramid). Exponential Euler at the demo's 25 us step, 0.2 nA into the
    soma from 10 ms. Measured: rho = 50 fires a regular train (ISIs 12.0-12.7 ms, no
    burst, last spike after 280 ms); rho = 200 fires a burst of 5 spikes 2.5-4 ms
    apart (23-36 ms), then no spike for the rest of the 300 ms run."""
    sp = _spike_times("mainen_sejnowski", _steps([0.2, 0.2], 0.025, 300, 10.0),
                      u.nA, 0.025, rho=np.array([50.0, 200.0]))
    regular, bursting = sp
    isi_rs = np.diff(regular)
    assert len(regular) >= 15
    assert isi_rs.min() > 8.0 and isi_rs.max() < 1.5 * isi_rs.min()
    assert max(_bursts(regular)) == 1
    isi_ib = np.diff(bursting)
    assert max(_bursts(bursting)) >= 3 and isi_ib.min() < 5.0
    # the burst is followed by silence while the small cell keeps firing
    assert len(bursting) <= 12 and bursting[-1] < 100.0
    assert regular[-1] > 280.0
