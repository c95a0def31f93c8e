"""Shared by the tests of the SC-NeuroCore cells (adex_normalised, conductance_normalised,
q88_adex, sc_lif, sc_izhikevich): run a float64 BrainPy layer of a map model over
per-step inputs and record its state after every step."""

import brainstate
import jax.numpy as jnp
import numpy as np
import saiunit as u

from neuroplug.brainpy import neuron_class, precision


def _plain(x):
    return np.asarray(u.get_mantissa(x), dtype=float)


def run_layer(model_id, drive, record=("v",), extra=None, init=None, dt_ms=1.0, **overrides):
    """Run ``drive.shape[1]`` neurons for ``drive.shape[0]`` steps; the primary input of
    step k is ``drive[k]``, further inputs are ``extra[name][k]``. Returns a dict of
    (steps x N) arrays: each recorded state variable after the step, and ``spike``.
    ``init`` maps state variables to per-neuron initial values (dimensionless models)."""
    drive = np.asarray(drive, dtype=float)
    with precision("float64"), brainstate.environ.context(dt=dt_ms * u.ms):
        extra = {k: jnp.asarray(np.asarray(v, dtype=float)) for k, v in (extra or {}).items()}
        layer = neuron_class(model_id)(drive.shape[1], **overrides)
        layer.init_state()
        for name, value in (init or {}).items():
            var = getattr(layer, name)
            var.value = jnp.asarray(value, dtype=jnp.asarray(var.value).dtype) + 0 * var.value

        def step(args):
            x, kw = args
            spk = layer.update(x, **kw)
            return tuple(getattr(layer, name).value for name in record) + (spk,)

        out = brainstate.transform.for_loop(step, (jnp.asarray(drive), extra))
    res = {name: _plain(o) for name, o in zip(record, out[:-1])}
    res["spike"] = _plain(out[-1]) > 0.5
    return res
