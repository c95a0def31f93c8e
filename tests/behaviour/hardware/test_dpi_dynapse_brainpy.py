"""DYNAP-SE DPI neuron (``dpi_dynapse``) in BrainPy: the spike inputs of its DPI
synapses against Brian2 (the cross-check drives the held input ``Iin`` only).

In a file of its own so that each file stays under 10 s (JAX import and compilation).
"""

import brainstate
import brian2 as b2
import jax.numpy as jnp
import numpy as np
import saiunit as u

b2.prefs.codegen.target = "numpy"

import neuroplug.brainpy as nbp
from neuroplug.brainpy import precision

from ._dpi import run


def test_brainpy_spike_inputs_match_brian2():
    """The DPI synapses in BrainPy (``update(Iin, we=..., wi=...)``, float64) against
    Brian2's Synapses onto the spike inputs: 2 neurons x 1000 steps of random excitatory
    and inhibitory spikes on top of 4.5 and 5.5 nA give the same spike steps and traces
    within 1e-9 of their range (the cross-check covers the held input only)."""
    rng = np.random.default_rng(7)
    steps, N = 1000, 2
    exc = np.nonzero(rng.random(steps) < 0.03)[0]
    inh = np.nonzero(rng.random(steps) < 0.01)[0]
    Iin = np.tile([4.5e-9, 5.5e-9], (steps, 1))
    traces, raster = run(N, steps, Iin, spikes=[("we", exc, 150.0, (0, 1)),
                                                ("wi", inh, 100.0, (0, 1))])
    we, wi = np.zeros((steps, N)), np.zeros((steps, N))
    we[exc], wi[inh] = 150.0, 100.0
    with precision("float64"), brainstate.environ.context(dt=0.1 * u.ms):
        layer = nbp.DPIDynapse(N)
        layer.init_state()

        def step(args):
            I, e, i = args
            spk = layer.update(I * u.amp, we=e, wi=i)
            return spk, [getattr(layer, v).value.to_decimal(u.amp)
                         for v in ("Imem", "Iahp", "Isyn_e", "Isyn_i")]

        spk, vals = brainstate.transform.for_loop(
            step, (jnp.asarray(Iin), jnp.asarray(we), jnp.asarray(wi)))
    assert raster.sum() > 8 and len(inh) > 5
    np.testing.assert_array_equal(np.asarray(spk) > 0, raster)
    for name, b in zip(("Imem", "Iahp", "Isyn_e", "Isyn_i"), vals):
        a = traces[name]
        assert np.max(np.abs(a - np.asarray(b))) <= 1e-9 * np.ptp(a), name
