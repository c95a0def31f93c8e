"""Published behaviour of ``fractional_lif`` (energy-constrained and fractional-order
integrate-and-fire; docs/models/integrate_and_fire_energy_and_fractional.md).

Each test checks a feature the model's reference reports (the figure is named in the
docstring). Brian2 (numpy target); every test runs in a few seconds.
"""

import math

import brian2 as b2
import numpy as np

import neuroplug.brian2 as nb2


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
