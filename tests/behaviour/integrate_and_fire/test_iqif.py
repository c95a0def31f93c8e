"""Published behaviour of ``iqif`` (classic integrate-and-fire;
docs/models/integrate_and_fire_classic.md).

The figure or equation is named in the test's docstring. Runs use Brian2's runtime numpy
target via ``neuroplug.brian2.group`` and are kept to a few thousand steps.
"""

import brian2 as b2
import jax
import jax.numpy as jnp
import numpy as np
from brian2 import ms

import neuroplug.brian2 as nb


def test_iqif_bistability():
    """IQIF 'bistable' parameters: silent at rest, a brief input pulse switches the
    neuron to sustained firing without input (reset above threshold; the bistable
    behaviour of the reference implementation's 'bistable' parameter file)."""
    group = nb.group("iqif", 1, preset="bistable", dt=1 * ms)
    monitor = b2.SpikeMonitor(group)
    net = b2.Network(group, monitor)
    group.I = 0
    net.run(100 * ms)
    silent = monitor.count[0]
    group.I = 10
    net.run(10 * ms)
    group.I = 0
    net.run(300 * ms)
    assert silent == 0
    late = np.asarray(monitor.t / ms)
    assert np.sum(late > 210) >= 10, "firing must persist after the pulse"
    assert float(group.x[0]) == int(group.x[0]), "the state stays integer"


def test_iqif_integer_rounding_is_exact_and_differentiable():
    """BrainPy executes the integer map with exact integer values (forward) while the
    rounding passes gradients straight through (so the layer can be trained)."""
    import brainstate
    import braintools
    import saiunit as u

    import neuroplug.brainpy as nbp

    layer = nbp.neuron_class("iqif")(1, preset="class1", spk_fun=braintools.surrogate.Sigmoid())

    def run(drive):
        layer.init_state()
        with brainstate.environ.context(dt=1 * u.ms):
            spikes = brainstate.transform.for_loop(lambda i: layer.update(drive),
                                                   jnp.arange(100))
        return jnp.sum(spikes) + 1e-3 * jnp.sum(layer.x.value), (spikes, layer.x.value)

    (_, (spikes, x)), grad = jax.value_and_grad(run, has_aux=True)(jnp.asarray([2.7]))
    assert float(jnp.sum(spikes)) > 0, "2.7 (truncated to 2) per step must fire"
    assert float(x[0]) == int(x[0]), "the state stays integer"
    assert bool(jnp.all(jnp.isfinite(grad))) and float(jnp.abs(grad[0])) > 0
