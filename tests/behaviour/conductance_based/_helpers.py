"""Helpers of the conductance-based behaviour tests (BrainPy layers, step currents)."""

import brainstate
import jax.numpy as jnp
import numpy as np
import saiunit as u

import neuroplug.brainpy as nbp

UA_CM2 = 1e-2  # 1 uA/cm**2 in A/m**2
MS_CM2 = 10 * u.siemens / u.meter ** 2


def spike_times(model_id, stim_ua_cm2, dt_ms, preset=None, **overrides):
    """Spike times (ms) per neuron for a (steps x N) stimulus in uA/cm**2."""
    stim = np.asarray(stim_ua_cm2, dtype=float) * UA_CM2
    with nbp.precision("float64"), brainstate.environ.context(dt=dt_ms * u.ms):
        layer = nbp.neuron_class(model_id)(stim.shape[1], preset=preset, **overrides)
        layer.init_state()
        spk = brainstate.transform.for_loop(
            lambda x: layer.update(x * u.amp / u.meter ** 2), jnp.asarray(stim))
    spk = np.asarray(spk)
    return [np.nonzero(spk[:, i] > 0.5)[0] * dt_ms for i in range(stim.shape[1])]


def steps(amps, dt_ms, duration_ms, onset_ms=0.0):
    n = int(round(duration_ms / dt_ms))
    stim = np.zeros((n, len(amps)))
    stim[int(round(onset_ms / dt_ms)):] = amps
    return stim


def steady_rate(times_ms):
    """Rate (Hz) from the last inter-spike interval; 0 without two spikes."""
    return 1e3 / np.diff(times_ms)[-1] if len(times_ms) > 1 else 0.0
