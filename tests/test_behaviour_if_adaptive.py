"""Published behaviour of the adaptive integrate-and-fire models.

One test per model of docs/models/integrate_and_fire_adaptive.md, each checking a
feature its reference reports (the figure or equation is named in the docstring).
Brian2 (numpy target) unless stated otherwise; every test runs in a few seconds.
"""

import brian2 as b2
import numpy as np
import pytest

import neuroplug.brian2 as nb2


def _run(model_id, amplitudes, duration, *, preset=None, dt=0.1 * b2.ms, record=(),
         input_name="I", seed=None, **overrides):
    """Spike trains (list of arrays, seconds) and optional traces of one group."""
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


def test_alif_spike_frequency_adaptation():
    """ALIF (Bellec et al. 2018, Methods; Gerstner et al. 2014, Sect. 6.1 / Fig. 6.1):
    under a constant current the threshold climbs with every spike, so the inter-spike
    intervals lengthen and the steady rate is well below the onset rate; without
    adaptation (beta = 0) the same neuron fires regularly."""
    (train,), _ = _run("alif", [500 * b2.pA], 1 * b2.second)
    isi = np.diff(train)
    assert len(isi) > 10
    assert isi[-1] > 2.0 * isi[0], (isi[0], isi[-1])
    assert np.all(np.diff(isi[:5]) > 0), "ISIs grow monotonically at onset"
    (flat,), _ = _run("alif", [500 * b2.pA], 0.5 * b2.second, beta=0 * b2.mV)
    flat_isi = np.diff(flat)
    assert np.ptp(flat_isi) < 0.2e-3


def _onset_and_steady_rates(train):
    isi = np.diff(train)
    return 1.0 / isi[0], 1.0 / np.mean(isi[-5:])


def test_sfa_onset_and_steady_state_fi_curves():
    """Adaptation current (Benda & Herz 2003, Sect. 2-3 and Fig. 1: onset f-I curve
    f_0(I) above the steady-state curve f_inf(I), which is flatter; the rate decays
    from f_0 to f_inf with an effective time constant shorter than the adaptation
    time constant, tau_eff < tau_w)."""
    amps = [300 * b2.pA, 450 * b2.pA, 600 * b2.pA]
    trains, _ = _run("sfa", amps, 1 * b2.second)
    f0, finf = np.array([_onset_and_steady_rates(t) for t in trains]).T
    assert np.all(finf < 0.8 * f0), (f0, finf)
    slope0 = np.polyfit([300, 450, 600], f0, 1)[0]
    slope_inf = np.polyfit([300, 450, 600], finf, 1)[0]
    assert 0 < slope_inf < slope0, (slope0, slope_inf)
    # effective time constant of the rate decay at 450 pA
    t = trains[1]
    rate = 1.0 / np.diff(t)
    excess = rate - finf[1]
    keep = excess > 0.1 * excess[0]
    tau_eff = -1.0 / np.polyfit(t[1:][keep], np.log(excess[keep]), 1)[0]
    assert 0.005 < tau_eff < 0.100, tau_eff  # tau_w = 100 ms


def test_benda_herz_rate_follows_the_universal_model():
    """Benda & Herz (2003), Sect. 4 (step response of the universal model, their
    Fig. 5-type exponential decay): after a step the rate decays from f_0(I) to
    f_inf = f_0/(1 + gamma*k_0) with tau_eff = tau_A/(1 + gamma*k_0). The spike times
    must sit where the analytic phase integral reaches whole cycles."""
    k0, ith, gamma, tau = 0.5e12, 100e-12, 2e-12, 0.1  # SI defaults of the model
    amps = [300e-12, 500e-12]
    trains, _ = _run("benda_herz", [a * b2.amp for a in amps], 0.6 * b2.second)
    for amp, train in zip(amps, trains):
        f0 = k0 * (amp - ith)
        finf = f0 / (1 + gamma * k0)
        tau_eff = tau / (1 + gamma * k0)
        phase = finf * train + (f0 - finf) * tau_eff * (1 - np.exp(-train / tau_eff))
        assert len(train) > 20
        np.testing.assert_allclose(phase, np.arange(1, len(train) + 1), atol=0.05)


def test_eprop_alif_threshold_adaptation_follows_the_paper_map():
    """Bellec et al. (2020), Methods (ALIF neuron: A_t = v_th + beta*a_t,
    a_{t+1} = rho*a_t + z_t, v_{t+1} = alpha*v_t + I_{t+1} - z_t*v_th): after one
    spike the threshold excess decays as beta*rho**k and the reset subtracts v_th in
    the step after the spike; under constant drive the ISIs lengthen (Fig. 1-type
    adaptation that gives the LSNN its working memory)."""
    dt = 1 * b2.ms
    grp = nb2.group("eprop_alif", 1, dt=dt)
    mon = b2.StateMonitor(grp, ["v", "a"], record=True, when="end")
    net = b2.Network(grp, mon)
    grp.I = 1.0
    net.run(dt)
    grp.I = 0.0
    net.run(30 * dt)
    v, a = mon.v[0], mon.a[0]
    alpha, rho = np.exp(-1 / 20), np.exp(-1 / 2000)
    assert v[0] == pytest.approx(1.0)  # spiked in step 0 (v > 0.6)
    np.testing.assert_allclose(v[1], alpha * 1.0 - 0.6, rtol=1e-12)
    np.testing.assert_allclose(a[1:], rho ** np.arange(30), rtol=1e-12)
    # constant drive: the adaptive threshold stretches the inter-spike intervals
    (train,), _ = _run("eprop_alif", [0.1], 2 * b2.second, dt=dt, tau_a=200 * b2.ms)
    isi = np.diff(train)
    assert len(isi) > 5 and isi[-1] > 2 * isi[0], isi


def _ramp_spikes(model_id, amplitude, ramp, duration, **overrides):
    """Spike count of one neuron driven by a linear current ramp (0 -> amplitude)."""
    grp = nb2.group(model_id, 1, dt=0.1 * b2.ms, **overrides)
    grp.run_regularly("I = I_max*clip(t/T_ramp, 0, 1)", when="start")
    spikes = b2.SpikeMonitor(grp)
    b2.Network(grp, spikes).run(duration, namespace={"I_max": amplitude, "T_ramp": ramp})
    return spikes.num_spikes


def test_adaptive_threshold_if_accommodation():
    """Voltage-dependent threshold (Platkiewicz & Brette 2010, Fig. 7; Fontaine et al.
    2014, Fig. 1: the threshold rises with slow depolarisation): a fast step of
    300 pA fires, a slow ramp to the same 300 pA does not, because the threshold
    follows the slow depolarisation; with a_theta = 0 (LIFDT) the ramp fires too."""
    step = _ramp_spikes("adaptive_threshold_if", 300 * b2.pA, 0.1 * b2.ms, 300 * b2.ms)
    slow = _ramp_spikes("adaptive_threshold_if", 300 * b2.pA, 1 * b2.second, 1.3 * b2.second)
    fixed = _ramp_spikes("adaptive_threshold_if", 300 * b2.pA, 1 * b2.second, 1.3 * b2.second,
                         a_theta=0)
    assert step >= 1
    assert slow == 0
    assert fixed >= 1


def test_homeostatic_lif_rates_return_to_the_set_point():
    """Firing-rate homeostasis (Turrigiano 2012, Fig. 1: whatever the perturbation of
    drive, firing rates return to their set point; Desai et al. 1999, Fig. 1: the
    change is intrinsic excitability): two neurons whose drives differ by a factor two
    start at rates differing by more than two, and both settle at r_target = 10 Hz.
    Faster homeostasis (eta_theta = 0.5 mV/s per Hz) keeps the test short."""
    trains, _ = _run("homeostatic_lif", [300 * b2.pA, 600 * b2.pA], 8 * b2.second,
                     dt=0.5 * b2.ms, eta_theta=0.5 * b2.mV)
    early = np.array([np.sum(t < 0.5) / 0.5 for t in trains])
    late = np.array([np.sum(t > 5.0) / 3.0 for t in trains])
    assert early[1] > 2 * early[0] > 40, early
    np.testing.assert_allclose(late, 10.0, rtol=0.2)


def _siegert_rate(mu, sigma, theta=20e-3, v_r=10e-3, tau=20e-3, tau_rp=2e-3):
    from scipy.integrate import quad
    from scipy.special import erfcx

    # exp(u**2)*(1 + erf(u)) == erfcx(-u), stable for large |u|
    integral, _ = quad(lambda u: erfcx(-u), (v_r - mu) / sigma, (theta - mu) / sigma)
    return 1.0 / (tau_rp + tau * np.sqrt(np.pi) * integral)


def test_stochastic_if_rate_matches_the_siegert_formula():
    """Brunel & Hakim (1999), eq. (22) / Brunel (2000), eq. (21) (stationary rate of
    the leaky IF with diffusive input, the curves of Brunel & Hakim Fig. 2): the
    simulated rate of 400 neurons (BrainPy, dt = 0.02 ms to keep the discretisation
    bias of the threshold crossing small) lies within 8% of the analytic rate."""
    import brainstate
    import jax.numpy as jnp
    import saiunit as u

    import neuroplug.brainpy as nbp

    mu, sigma = 15e-3, 5e-3
    with nbp.precision("float32"), brainstate.environ.context(dt=0.02 * u.ms):
        brainstate.random.seed(1)
        layer = nbp.neuron_class("stochastic_if")(400)
        layer.init_state()
        n = 50_000  # 1 s
        spikes = brainstate.transform.for_loop(lambda i: layer.update(mu * u.volt),
                                               jnp.arange(n))
    # discard the first 100 ms (start from rest)
    rate = float(np.asarray(spikes)[5000:].sum()) / (400 * 0.9)
    expected = _siegert_rate(mu, sigma)
    assert 5 < expected < 30
    assert rate == pytest.approx(expected, rel=0.08), (rate, expected)


def test_escape_rate_hazard_is_exponential_in_the_potential():
    """Escape noise (Gerstner 2000, Sect. 2.2, exponential escape rate; Gerstner et al.
    2014, Sect. 9.1.1, Fig. 9.3): at a fixed potential the neuron fires as a Poisson
    process with rate rho_0*exp((v - theta)/Delta_u). With the membrane clamped at rest
    (preset poisson_clamp) the rate matches the hazard, the ISIs are exponential
    (CV ~ 1), and lowering the potential by Delta_u divides the rate by e."""
    n = 300
    theta = np.r_[np.full(n, -70.0), np.full(n, -72.0)] * b2.mV  # v - theta = 0, +Delta_u
    trains, _ = _run("escape_rate", [0 * b2.pA] * (2 * n), 2 * b2.second,
                     preset="poisson_clamp", seed=3, theta=theta)
    rates = np.array([len(t) for t in trains]).reshape(2, n).mean(1) / 2.0
    dt = 1e-4
    expected = (1 - np.exp(-20.0 * np.exp([0.0, 1.0]) * dt)) / dt  # per-step escape prob.
    np.testing.assert_allclose(rates, expected, rtol=0.04)
    isi = np.concatenate([np.diff(t) for t in trains[:n]])
    assert np.std(isi) / np.mean(isi) == pytest.approx(1.0, abs=0.05)
