"""Published behaviour of ``cuba_lif`` (integrate-and-fire variants;
docs/models/integrate_and_fire_variants.md).

Each test names the reference (and figure or section) whose behaviour it reproduces. The
model runs as a BrainPy layer in float64 (the cross-check ties it to Brian2 step by
step); expected values come from the reference's closed-form results or from an
independent numpy implementation of the published update, never from the code under
test.
"""

import math

import brainstate
import numpy as np
import pytest
import saiunit as u

import neuroplug
import neuroplug.brainpy as nbp

from ._helpers import run_layer as _run


def test_cuba_lif_psp_is_the_rotter_diesmann_kernel():
    """cuba_lif: a synaptic current jump gives the PSC-exp PSP of Rotter & Diesmann (1999).

    Rotter & Diesmann (1999), the exponential-current kernel: v - E_L =
    I0 tau_m tau_s / (C (tau_m - tau_s)) (exp(-t/tau_m) - exp(-t/tau_s)), peaking at
    tau_m tau_s ln(tau_m/tau_s)/(tau_m - tau_s) = 4.02 ms for NEST's defaults. Exact
    integration must hit the kernel at every grid point.
    """
    steps, dt = 300, 1e-4
    _, tr = _run("cuba_lif", steps, 0 * u.pA, preset="psp", record=("v", "I_syn"))
    t = (np.arange(steps) + 1) * dt
    tau_m, tau_s, C, I0, E_L = 10e-3, 2e-3, 250e-12, 1e-9, -70e-3
    kernel = I0 * tau_m * tau_s / (C * (tau_m - tau_s)) * (np.exp(-t / tau_m) - np.exp(-t / tau_s))
    assert np.max(np.abs(tr["v"] - E_L - kernel)) <= 1e-9 * np.max(kernel)
    assert np.allclose(tr["I_syn"], I0 * np.exp(-t / tau_s), rtol=1e-12)
    t_peak = tau_m * tau_s * math.log(tau_m / tau_s) / (tau_m - tau_s)
    assert abs(t[np.argmax(tr["v"])] - t_peak) <= dt
    assert np.max(kernel) > 1e-3  # a visible (> 1 mV) PSP


def test_cuba_lif_delta_inputs_go_to_the_synaptic_current(tmp_path):
    """cuba_lif: BrainPy delta inputs increment I_syn (``delta_variable``), as on_pre does.

    A delta input of 1 nA before the first step gives exactly the trace of the 'psp'
    preset (I_syn = 1 nA at t = 0). Also checks that ``delta_variable`` must name a
    state variable (schema check on load).
    """
    steps = 100
    _, psp = _run("cuba_lif", steps, 0 * u.pA, preset="psp", record=("v", "I_syn"))
    with nbp.precision("float64"), brainstate.environ.context(dt=0.1 * u.ms):
        layer = nbp.CubaLIF(1, dtype="float64")
        layer.init_state()
        layer.add_delta_input("spike", 1 * u.nA)
        v = []
        for _ in range(steps):
            layer.update(0 * u.pA)
            v.append(float(layer.v.value.to_decimal(u.volt)[0]))
    assert np.array_equal(np.asarray(v), psp["v"])
    bad = tmp_path / "bad_cuba.toml"
    text = open(neuroplug.model("cuba_lif").source).read()
    bad.write_text(text.replace('delta_variable = "I_syn"', 'delta_variable = "I_ext"'))
    with pytest.raises(neuroplug.ModelDefinitionError, match="delta_variable"):
        neuroplug.model(str(bad))
