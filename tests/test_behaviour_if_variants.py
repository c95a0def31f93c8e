"""Published behaviour of the integrate-and-fire variants (one check per model).

Each test names the reference (and figure or section) whose behaviour it reproduces.
The models run as BrainPy layers in float64 (the cross-check ties these to Brian2
step by step); expected values come from the references' closed-form results or from
an independent numpy implementation of the published update, never from the code
under test.
"""

import math

import brainstate
import jax.numpy as jnp
import numpy as np
import pytest
import saiunit as u

import neuroplug
import neuroplug.brainpy as nbp
from neuroplug.quantities import parse_quantity


def _run(model_id, steps, x, *, preset=None, record=("v",), dt=None, **overrides):
    """Run one neuron for ``steps`` steps; ``x`` is a constant drive or a (steps,) array.

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


# ----------------------------------------------------------------------------------
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


def test_non_resetting_lif_keeps_v_passive_and_fires_at_the_threshold_period():
    """non_resetting_lif: v is never reset; the ISI follows the decaying threshold.

    Kobayashi, Tsubo & Shinomoto (2009), Fig. 1 (model scheme): the membrane potential
    is the leaky integral of the input, unaffected by spikes, and a spike raises the
    threshold. With one threshold time scale and constant v = E_L + R I, the threshold
    after a spike, omega + theta* + alpha, decays to v in tau_theta ln(1 + alpha/(R I - omega)).
    """
    steps, dt = 2000, 1e-4
    spikes, tr = _run("non_resetting_lif", steps, 1 * u.nA, record=("v", "theta"))
    t = (np.arange(steps) + 1) * dt
    R, tau_m = 50e6, 5e-3
    passive = -70e-3 + R * 1e-9 * (1 - np.exp(-t / tau_m))
    assert len(spikes) > 10
    assert np.max(np.abs(tr["v"] - passive)) <= 1e-9 * 50e-3
    isi_theory = 10e-3 * math.log(1 + 37e-3 / (R * 1e-9 - 19e-3))
    late_isis = np.diff(spikes[t[spikes] > 5 * tau_m]) * dt
    assert np.all(np.abs(late_isis - isi_theory) <= dt + 1e-12), (late_isis, isi_theory)


@pytest.mark.parametrize("w", [-2.0, 0.0, 2.0])
def test_plif_charging_follows_the_learnable_decay(w):
    """plif: with k = sigmoid(w), H[t] = X (1 - (1 - k)^t) from rest; hard reset to 0.

    Fang et al. (2021), Sec. 3 (PLIF neuron, Eqs. of the charge/fire/reset steps): a
    spike occurs at the first t with H[t] >= V_th, and the membrane restarts from 0,
    so the spike period is that t; larger w (shorter tau) fires sooner.
    """
    X, steps = 1.5, 200
    k = 1 / (1 + math.exp(-w))
    period = next(t for t in range(1, 100) if X * (1 - (1 - k) ** t) >= 1.0)
    spikes, tr = _run("plif", steps, X, w=str(w))
    assert np.array_equal(spikes, np.arange(period - 1, steps, period))
    first = np.arange(1, period)
    assert np.allclose(tr["v"][: period - 1], X * (1 - (1 - k) ** first), rtol=1e-12)


def test_plif_shorter_time_constant_fires_more():
    """plif: rate increases with w at fixed input (Fang et al. 2021, Sec. 3)."""
    counts = [len(_run("plif", 200, 1.2, w=str(w))[0]) for w in (-2.0, 0.0, 2.0)]
    assert counts[0] < counts[1] < counts[2], counts


def test_klif_rectifies_and_scales_the_membrane():
    """klif: ReLU(k H) clamps negative potentials to 0; k = 1 is a LIF; k > 1 fires sooner.

    Jiang & Zhang (2023), Sec. 2 (KLIF: scaling factor k and ReLU after the charge).
    """
    _, neg = _run("klif", 50, -0.5)
    assert np.all(neg["v"] == 0.0)
    lif_spikes, _ = _run("plif", 300, 1.2)  # tau = 2, hard reset: the same LIF
    klif_spikes, _ = _run("klif", 300, 1.2)
    assert len(lif_spikes) > 10 and np.array_equal(klif_spikes, lif_spikes)
    scaled, _ = _run("klif", 300, 0.8, k="1.5")
    plain, _ = _run("klif", 300, 0.8)
    assert len(plain) == 0 and len(scaled) > 10  # 0.8 < V_th only without scaling


@pytest.mark.parametrize("preset", ["lif_hard", "lif_soft"])
def test_gated_lif_reduces_to_lif_when_gates_close(preset):
    """gated_lif: with alpha = 1, beta = 0 the GLIF is a LIF (hard reset gamma = 1, soft gamma = 0).

    Yao et al. (2022), Sec. 3 (GLIF unifies LIF variants through its gates): checked
    against a numpy LIF with retention 0.25 and the reset acting in the next step.
    """
    X, steps = 0.45, 200
    spikes, tr = _run("gated_lif", steps, X, preset=preset)
    hard = preset == "lif_hard"
    v, s, ref_v, ref_s = 0.0, 0.0, [], []
    for _ in range(steps):
        v = 0.25 * v * (1 - s) + X if hard else 0.25 * v + X - 0.5 * s
        s = float(v >= 0.5)
        ref_v.append(v)
        ref_s.append(s)
    assert len(spikes) > 10
    assert np.array_equal(spikes, np.nonzero(ref_s)[0])
    assert np.allclose(tr["v"], ref_v, rtol=1e-12, atol=1e-15)


def test_clif_complementary_reset_lowers_the_rate():
    """clif: a spike resets by V_th plus sigmoid(m) with m >= 1, so CLIF fires less than LIF.

    Huang et al. (2024), Sec. 4 (CLIF: complementary potential, its reset term); the
    LIF reference is the same charge with the plain soft reset, in numpy.
    """
    X, steps = 0.8, 300
    spikes, tr = _run("clif", steps, X, record=("v", "m"))
    v, lif = 0.0, 0
    for _ in range(steps):
        v = v * 0.5 + X
        if v >= 1.0:
            lif += 1
            v -= 1.0
    assert 0 < len(spikes) < lif, (len(spikes), lif)
    for n in spikes[spikes > 0]:  # the reset goes below H - V_th - 1/2
        h = tr["v"][n - 1] * 0.5 + X
        assert tr["m"][n] >= 1.0
        assert tr["v"][n] == pytest.approx(h - 1.0 - 1 / (1 + math.exp(-tr["m"][n])), abs=1e-12)


def test_tc_lif_keeps_a_subthreshold_pulse_without_decay():
    """tc_lif: the two compartments exchange charge without loss (long-term memory).

    Zhang et al. (2024), Sec. 3 (TC-LIF dynamics; the reason it holds long-term
    dependencies): the linear map has determinant 1, so the response to one input
    pulse oscillates with constant amplitude for 1000 steps, where a LIF forgets it.
    """
    steps = 1000
    x = np.zeros(steps)
    x[0] = 0.2
    spikes, tr = _run("tc_lif", steps, x, record=("v_d", "v_s"))
    assert len(spikes) == 0
    early, late = np.max(np.abs(tr["v_s"][:100])), np.max(np.abs(tr["v_s"][-100:]))
    assert early > 0.1 and late >= 0.95 * early, (early, late)
    M = np.array([[1.0, -0.5], [0.5, 0.75]])  # beta_1 = beta_2 = 0.5
    assert np.linalg.det(M) == pytest.approx(1.0)


def test_ilif_inhibition_reduces_overactivation():
    """ilif: the inhibitory units fire fewer spikes than the LIF they extend.

    Sun et al. (2025), abstract and Sec. 4 (ILIF lowers firing rates): same charge,
    threshold and soft reset, compared with the plain LIF in numpy.
    """
    for X in (0.6, 0.7):
        spikes, _ = _run("ilif", 300, X)
        v, lif = 0.0, 0
        for _ in range(300):
            v = v * 0.5 + X
            if v >= 1.0:
                lif += 1
                v -= 1.0
        assert 0 < len(spikes) < 0.9 * lif, (X, len(spikes), lif)


def test_sigma_delta_reconstruction_error_is_bounded_by_the_threshold():
    """sigma_delta: summed graded spikes track ReLU(sigma) within theta, sparsely.

    Yoon (2017) (sigma-delta modulation by spiking neurons) and Orchard et al. (2021),
    Sec. on sigma-delta neurons: the receiver's reconstruction differs from the
    activation by less than the threshold at every step.
    """
    steps = 1000
    signal = 0.8 * np.sin(2 * np.pi * np.arange(steps) / 400.0) + 0.1
    x = np.diff(np.concatenate([[0.0], signal]))  # delta-coded input: sigma = signal
    spikes, tr = _run("sigma_delta", steps, x, record=("act_ref", "s_out", "sigma"))
    assert np.allclose(tr["sigma"], signal, atol=1e-12)
    recon = np.cumsum(tr["s_out"])
    assert np.allclose(recon, tr["act_ref"], atol=1e-12)
    assert np.max(np.abs(np.maximum(signal, 0) - recon)) < 0.1
    assert 20 < len(spikes) < steps / 5  # events only when the change exceeds theta


def test_quad_lif_has_a_type_one_onset_at_the_analytic_rheobase():
    """quad_lif: no firing below R I_rh = a0 (V_c - E_L)^2 / 4, arbitrarily slow firing above.

    Latham et al. (2000), quadratic integrate-and-fire theory (saddle-node onset, type I):
    the rheobase is the minimum of the quadratic current (136.9 mV / R = 1.369 nA here)
    and the rate rises continuously from zero.
    """
    i_rh = 1e-3 * (23.4 ** 2) / 4 / 100e6
    assert len(_run("quad_lif", 5000, 0.98 * i_rh * u.amp)[0]) == 0
    isi = {}
    for f in (1.005, 1.02):
        spikes, _ = _run("quad_lif", 5000, f * i_rh * u.amp)
        assert len(spikes) >= 5, f
        isi[f] = np.median(np.diff(spikes))
    # T ~ (I - I_rh)^(-1/2): four times closer to rheobase, about twice the interval
    assert 1.6 < isi[1.005] / isi[1.02] < 2.2, isi


def test_slif_isi_follows_the_lif_rate_function():
    """slif: ISI = t_ref + tau_m ln(R I / (R I - thr)) for a constant input.

    Samadi et al. (2017), Sec. 2 (the simplified LIF neuron and its firing rate): the
    forward-Euler model at 0.1 ms reproduces the analytic interval within 2 steps.
    """
    dt = 1e-4
    spikes, _ = _run("slif", 3000, 1.0)
    isi = np.diff(spikes) * dt
    theory = 1e-3 + 20e-3 * math.log(1.0 / (1.0 - 0.4))
    assert len(isi) > 10 and np.all(np.abs(isi - theory) <= 2 * dt), (isi[:3], theory)


def test_izhikevich_2007_rs_adapts_ib_bursts_first_ch_chatters():
    """izhikevich_2007: RS spike-frequency adaptation and the IB initial burst.

    Izhikevich (2007), ch. 8: Fig. 8.12 (RS: intervals lengthen during a step) and
    Sec. 8.2.2 (IB: an initial burst of closely spaced spikes, then regular spiking) and
    Sec. 8.2.4 (CH: repetitive high-frequency bursts).
    """
    dt = 0.05e-3
    rs, _ = _run("izhikevich_2007", 8000, 150 * u.pA, preset="RS")
    rs_isi = np.diff(rs) * dt
    assert len(rs_isi) >= 5 and rs_isi[0] < np.min(rs_isi[1:]) and rs_isi[-1] > 1.15 * rs_isi[0]
    ib, _ = _run("izhikevich_2007", 8000, 550 * u.pA, preset="IB")
    ib_isi = np.diff(ib) * dt
    assert len(ib_isi) >= 4
    assert ib_isi[0] < 0.3 * np.median(ib_isi[2:]), ib_isi
    ch, _ = _run("izhikevich_2007", 8000, 300 * u.pA, preset="CH")
    ch_isi = np.diff(ch) * dt
    # chattering (Sec. 8.2.4): bursts, i.e. short intra-burst and long inter-burst intervals
    assert np.sum(ch_isi < 10e-3) >= 5 and np.sum(ch_isi > 30e-3) >= 3, ch_isi
