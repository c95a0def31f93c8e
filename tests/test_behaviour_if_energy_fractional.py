"""Published behaviour of the energy-constrained and fractional-order LIF models.

One test (or two) per model of docs/models/integrate_and_fire_4.md, each checking a
feature its reference reports (the figure is named in the docstring). Brian2 (numpy
target); every test runs in a few seconds.
"""

import math

import brian2 as b2
import numpy as np

import neuroplug.brian2 as nb2


def _spike_steps(monitor, index, dt):
    return np.round(np.asarray(monitor.spike_trains()[index] / dt)).astype(int)


def test_energy_lif_firing_needs_energy_and_resumes_after_recovery():
    """eLIF (Fardet & Levina 2020, eLIF section and Fig. 2: spiking consumes energy,
    spike generation fails when the energy falls below epsilon_c and recovers with the
    energy). A strong step makes the healthy neuron fire a short train, then stop
    although ``v`` stays above threshold (depolarisation block with depleted energy);
    after a pause without input the energy is partly replenished and the same step
    makes it fire again (fewer spikes: as many as the recovered energy pays for). Controls: with free spikes (``delta = 0``) the neuron fires
    throughout the step; with impaired energy production (``alpha = 0.6``) it fires
    fewer spikes before failing."""
    dt = 0.1 * b2.ms
    grp = nb2.group("energy_lif", 3, dt=dt, alpha=[1.0, 1.0, 0.6], delta=[0.1, 0.0, 0.1])
    spikes = b2.SpikeMonitor(grp)
    state = b2.StateMonitor(grp, ["v", "epsilon"], record=True, dt=1 * b2.ms)
    net = b2.Network(grp, spikes, state)
    grp.I = 200 * b2.pA
    net.run(300 * b2.ms)          # step 1: 0-300 ms
    grp.I = 0 * b2.pA
    net.run(900 * b2.ms)          # recovery: 300-1200 ms
    grp.I = 200 * b2.pA
    net.run(200 * b2.ms)          # step 2: 1200-1400 ms
    t = [np.asarray(spikes.spike_trains()[i] / b2.ms) for i in range(3)]
    ts = np.asarray(state.t / b2.ms)

    healthy, free, impaired = t
    first = healthy[healthy < 300]
    second = healthy[healthy >= 1200]
    assert 2 <= len(first) <= 6, first
    # firing stops within the step: silence for the last 200 ms of it ...
    assert first[-1] < 100, first
    late = (ts > 150) & (ts < 300)
    # ... although v is above threshold, because the energy is at or below epsilon_c
    assert np.all(state.v[0][late] > -55 * b2.mV)
    assert np.all(state.epsilon[0][late] <= 0.2)
    # the energy recovers above epsilon_c during the pause, and firing resumes
    assert state.epsilon[0][(ts > 1150) & (ts < 1200)].min() > 0.3
    assert 1 <= len(second) <= len(first), (first, second)
    # controls: spikes without cost never stop; impaired cells fail sooner
    assert len(free[free < 300]) > 20 and free[free < 300][-1] > 280
    assert len(impaired[impaired < 300]) < len(first), (impaired, first)


def _l1_reference(alpha, amplitude, steps, *, memory_reset=False, dt=0.1, c_m=0.5,
                  g_l=0.025, e_l=-70.0, v_th=-50.0, v_reset=-70.0):
    """Spike times (ms) of Teka et al.'s L1 scheme with the full history (O(N**2)).

    Units as in the paper: ms, mV, nA, nF, uS; the memory trace sums every past
    increment of v (reset jumps included) with weights (j+1)**(1-a) - j**(1-a)."""
    lag = np.arange(steps + 1, dtype=float)
    weights = (lag + 1.0) ** (1 - alpha) - lag ** (1 - alpha)
    markov = dt ** alpha * math.gamma(2 - alpha)
    increments = np.zeros(steps)
    v, start, spikes = e_l, 0, []
    for n in range(steps):
        memory = np.dot(increments[start:n], weights[n - start:0:-1]) if n > start else 0.0
        new = v + markov * (-g_l * (v - e_l) + amplitude) / c_m - memory
        if new > v_th:
            spikes.append((n + 1) * dt)
            new = v_reset
            if memory_reset:
                start = n + 1
        increments[n] = new - v
        v = new
    return np.array(spikes)


def test_fractional_lif_reproduces_the_full_history_l1_scheme():
    """The sum-of-exponentials memory reproduces the paper's numerical scheme (Teka et
    al. 2014, Methods: L1 scheme of the Caputo derivative with the whole voltage
    history, resets included; and the memory-reset variant of their Fig. 9B): spike
    counts within one and spike times within 1 ms over 400 ms, for strong (alpha = 0.2)
    and moderate (0.5) memory. This is the stated error of the approximation."""
    dt = 0.1 * b2.ms
    cases = [(0.5, 1.0, 0), (0.2, 4.0, 0), (0.1, 7.0, 1)]  # alpha, nA, memory_reset
    grp = nb2.group("fractional_lif", len(cases), dt=dt, alpha=[c[0] for c in cases],
                    memory_reset=[c[2] for c in cases])
    grp.I = [c[1] for c in cases] * b2.nA
    spikes = b2.SpikeMonitor(grp)
    b2.Network(grp, spikes).run(400 * b2.ms)
    for i, (alpha, amplitude, reset) in enumerate(cases):
        ours = np.asarray(spikes.spike_trains()[i] / b2.ms) + 0.1  # spike at end of step
        ref = _l1_reference(alpha, amplitude, 4000, memory_reset=bool(reset))
        assert len(ref) >= 5, (alpha, ref)
        assert abs(len(ours) - len(ref)) <= 1, (alpha, len(ours), len(ref))
        n = min(len(ours), len(ref))
        assert np.max(np.abs(ours[:n] - ref[:n])) <= 1.0, (alpha, ours[:n] - ref[:n])


def test_fractional_lif_latency_and_spike_timing_adaptation():
    """Teka et al. (2014), Fig. 1D,E,G and Fig. 9: under a constant current the
    first-spike latency grows as alpha decreases, and the full fractional model (the
    reset remembered by the memory trace) shows spike-timing adaptation, its
    inter-spike intervals shrinking over the train, while the ordinary LIF
    (alpha = 1) fires regularly and so does the fractional model with memory reset
    (Fig. 9B)."""
    dt = 0.1 * b2.ms
    alphas = [1.0, 0.8, 0.5, 0.5]
    resets = [0, 0, 0, 1]
    grp = nb2.group("fractional_lif", 4, dt=dt, alpha=alphas, memory_reset=resets)
    grp.I = 1 * b2.nA
    spikes = b2.SpikeMonitor(grp)
    b2.Network(grp, spikes).run(600 * b2.ms)
    trains = [np.asarray(spikes.spike_trains()[i] / b2.ms) for i in range(4)]
    lif, weak, strong, erased = trains
    assert lif[0] < weak[0] < strong[0], (lif[0], weak[0], strong[0])
    for train in (lif, weak, strong):
        assert len(train) > 10
    isi_lif, isi_strong, isi_erased = np.diff(lif), np.diff(strong), np.diff(erased)
    assert np.ptp(isi_lif) <= 0.1 + 1e-9, isi_lif          # regular (one step)
    assert isi_strong[0] > 1.5 * isi_strong[-1], isi_strong  # adaptation
    assert np.all(np.diff(isi_strong[:6]) < 0), isi_strong
    weak_isi = np.diff(weak)
    assert weak_isi[0] > weak_isi[-1] and weak_isi[0] / weak_isi[-1] < isi_strong[0] / isi_strong[-1]
    # memory reset: every interval repeats the first latency
    assert len(erased) >= 2 and np.ptp(isi_erased) <= 0.1 + 1e-9, isi_erased
    assert abs(isi_erased[0] - erased[0]) <= 0.1 + 1e-9


def test_fractional_lif_step_response_is_the_mittag_leffler_function():
    """Teka et al. (2014), Fig. 1B,C: below threshold the fractional membrane answers a
    current step with ``R*I*(1 - E_alpha(-(t/tau)**alpha))``, a power-law approach
    instead of an exponential one. For alpha = 1/2, ``E_1/2(-x) = exp(x**2)*erfc(x)``
    (scipy's ``erfcx``), with ``(t/tau)**alpha = sqrt(t/ms)/20`` (C_m/g_L = 20 ms**alpha).
    The model (L1 step plus the finite memory) stays within 0.5% of R*I of the exact
    response over 1 s, and is far from the exponential of the ordinary LIF."""
    from scipy.special import erfcx

    grp = nb2.group("fractional_lif", 1, dt=0.1 * b2.ms)
    grp.I = 0.4 * b2.nA                                     # R*I = 16 mV < 20 mV
    state = b2.StateMonitor(grp, "v", record=True)
    b2.Network(grp, state).run(1 * b2.second)
    t = np.asarray(state.t / b2.ms)                         # v[n] is the state at n*dt
    v = np.asarray(state.v[0] / b2.mV)
    exact = -70 + 16 * (1 - erfcx(np.sqrt(t) / 20))
    assert np.max(np.abs(v - exact)) < 0.005 * 16, np.max(np.abs(v - exact))
    exponential = -70 + 16 * (1 - np.exp(-t / 20))
    assert np.max(np.abs(v - exponential)) > 0.2 * 16
