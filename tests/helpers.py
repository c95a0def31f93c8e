"""Shared helpers for the tests (library enumeration, stimulus amplitudes)."""

import saiunit as u

import neuroplug
from neuroplug.quantities import parse_quantity

MODEL_IDS = neuroplug.models()


def is_spiking(model_id):
    """True for models with a threshold (they spike); rate/mean-field/synapse models not."""
    return neuroplug.model(model_id).threshold is not None


def assert_exercised(result, model_id):
    """A cross-check protocol did something: spikes for a spiking model, a moving state
    for one without threshold (a rate, a mean-field or synaptic model)."""
    import numpy as np

    if is_spiking(model_id):
        assert sum(result.metrics["spikes"]["brian2"]) > 0, \
            "the protocol must make the model spike"
    else:
        traces = result.traces["brian2"]
        assert any(np.ptp(v) > 0 for v in traces.values()), \
            "the protocol must move the state of a model without threshold"


def strongest_drive(model_id):
    """The largest cross-check amplitude of a model (a Brian2 quantity), a constant drive
    in its working range.

    Protocol ``"random"`` lists ranges +-A of random integers, the widest chosen to drive
    an integer model into saturation or wrap-around (a constant at that value would pin
    it there): for it, the narrowest nonzero range is used.
    """
    m = neuroplug.model(model_id)
    amps = [parse_quantity(s) for s in m.crosscheck.stimulus]
    if m.crosscheck.protocol == "random":
        return min((a for a in amps if float(a) > 0), key=float, default=amps[0])
    return max(amps, key=float)


def capped_duration(model_id, max_steps):
    """The model's cross-check duration, capped at ``max_steps`` of its ``dt`` (a string).

    Keeps the per-model tests cheap for models with a small ``dt`` (conductance-based
    cells) without a per-model table in the tests.
    """
    m = neuroplug.model(model_id)
    duration = float(parse_quantity(m.crosscheck.duration))
    dt = float(parse_quantity(m.crosscheck.dt))
    return f"{min(duration, max_steps * dt) * 1e3!r} ms"


def layer_spike_times(model_id, stim, unit, dt_ms, **overrides):
    """Spike times (ms) per neuron of a float64 BrainPy layer for a (steps x N) stimulus
    given in ``unit``."""
    import brainstate
    import jax.numpy as jnp
    import numpy as np

    import neuroplug.brainpy as nbp

    with nbp.precision("float64"), brainstate.environ.context(dt=dt_ms * u.ms):
        layer = nbp.neuron_class(model_id)(stim.shape[1], **overrides)
        layer.init_state()
        spk = brainstate.transform.for_loop(lambda x: layer.update(x * unit),
                                            jnp.asarray(stim))
    spk = np.asarray(spk)
    return [np.nonzero(spk[:, i] > 0.5)[0] * dt_ms for i in range(stim.shape[1])]


def step_stimulus(amps, dt_ms, duration_ms, onset_ms=0.0):
    """A (steps x len(amps)) array: 0 before ``onset_ms``, then ``amps``."""
    import numpy as np

    stim = np.zeros((int(round(duration_ms / dt_ms)), len(amps)))
    stim[int(round(onset_ms / dt_ms)):] = amps
    return stim
