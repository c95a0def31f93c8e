"""Shared runs of the training-cell tests: a float64 layer over a drive array, and the
surrogate-gradient check."""

import brainstate
import braintools
import jax
import jax.numpy as jnp
import numpy as np
import saiunit as u

from neuroplug.brainpy import precision


def run(cls, drive_pA, dt_ms=0.1, record=(("v", u.mV),), **kw):
    """The recorded state variables (in the given units) and the spikes after each step
    of a float64 layer of ``cls`` driven by a (steps x N) array in pA (the primary input:
    a current, or the weights of arriving spikes)."""
    drive = np.asarray(drive_pA, dtype=float)
    with precision("float64"), brainstate.environ.context(dt=dt_ms * u.ms):
        layer = cls(drive.shape[1], **kw)
        layer.init_state()

        def step(x):
            spk = layer.update(x * u.pA)
            return tuple(getattr(layer, name).value.to_decimal(unit)
                         for name, unit in record) + (spk,)
        out = brainstate.transform.for_loop(step, jnp.asarray(drive))
    return tuple(np.asarray(o) for o in out)


def assert_surrogate_gradient(cls, drive_pA):
    """d(spike count)/d(input scale) through the sigmoid surrogate, for 4 neurons driven
    by a (steps x 4) array in pA scaled by 0.8, 1.0, 1.2 and 1.5: finite, non-zero."""
    x = jnp.asarray(np.asarray(drive_pA, dtype=float))
    with brainstate.environ.context(dt=0.1 * u.ms):
        layer = cls(4, spk_fun=braintools.surrogate.Sigmoid())

        def count(scale):
            layer.init_state()
            spk = brainstate.transform.for_loop(lambda xi: layer.update(xi * scale * u.pA), x)
            return spk.sum()
        total, g = jax.value_and_grad(count)(jnp.array([0.8, 1.0, 1.2, 1.5]))
    assert float(total) > 0
    assert bool(jnp.all(jnp.isfinite(g))) and bool(jnp.any(g != 0)), g
