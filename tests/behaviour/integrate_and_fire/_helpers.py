"""Helpers of the integrate-and-fire behaviour tests."""

import brainstate
import brian2 as b2
import jax.numpy as jnp
import numpy as np
import saiunit as u
from brian2 import ms

import neuroplug
import neuroplug.brainpy as nbp
import neuroplug.brian2 as nb2
from neuroplug.quantities import parse_quantity


def spike_trains(model_id, currents, duration, preset=None, **overrides):
    """Constant currents (one neuron each) for ``duration``; spike times in ms."""
    currents = list(currents)
    group = nb2.group(model_id, len(currents), preset=preset, dt=0.1 * ms, **overrides)
    group.I = b2.Quantity(currents)
    monitor = b2.SpikeMonitor(group)
    b2.Network(group, monitor).run(duration)
    trains = monitor.spike_trains()
    return [np.asarray(trains[i] / ms) for i in range(len(currents))]


def params(model_id, preset=None):
    return neuroplug.model(model_id).parameter_values(preset)


def run_group(model_id, amplitudes, duration, *, preset=None, dt=0.1 * b2.ms, record=(),
              input_name="I", seed=None, **overrides):
    """Spike trains (list of arrays, seconds) and optional traces of one Brian2 group."""
    if seed is not None:
        b2.seed(seed)
    grp = nb2.group(model_id, len(amplitudes), preset=preset, dt=dt, **overrides)
    setattr(grp, input_name, b2.Quantity(amplitudes) if hasattr(amplitudes[0], "dim") else amplitudes)
    spikes = b2.SpikeMonitor(grp)
    objects = [grp, spikes]
    state = None
    if record:
        state = b2.StateMonitor(grp, list(record), record=True)
        objects.append(state)
    net = b2.Network(objects)
    net.run(duration)
    trains = [np.asarray(t / b2.second) for t in spikes.spike_trains().values()]
    return trains, state


def run_layer(model_id, steps, x, *, preset=None, record=("v",), dt=None, **overrides):
    """Run one neuron (a float64 BrainPy layer) for ``steps`` steps; ``x`` is a constant
    drive or a (steps,) array.

    Returns ``(spike_steps, traces)``; traces are SI mantissas, index n holds the state
    after step n, i.e. at t = (n + 1) dt.
    """
    m = neuroplug.model(model_id)
    dt = float(parse_quantity(dt or m.dt))
    unit = x.unit if isinstance(x, u.Quantity) else None
    with nbp.precision("float64"), brainstate.environ.context(dt=dt * u.second):
        xs = jnp.broadcast_to(jnp.asarray(x.mantissa if unit is not None else x,
                                          dtype=jnp.float64), (steps,))
        layer = nbp.neuron_class(model_id)(1, preset=preset, dtype="float64", **overrides)
        layer.init_state()

        def step(xi):
            spk = layer.update(xi if unit is None else u.Quantity(xi, unit=unit))
            vals = {}
            for k in record:
                v = getattr(layer, k).value
                vals[k] = v.mantissa if isinstance(v, u.Quantity) else v
            return spk, vals

        spk, vals = brainstate.transform.for_loop(step, xs)
    spikes = np.nonzero(np.asarray(spk)[:, 0] > 0.5)[0]
    return spikes, {k: np.asarray(v)[:, 0] for k, v in vals.items()}
