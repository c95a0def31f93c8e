"""Published behaviour of the inhomogeneous Poisson generator
(``equations/inhomogeneous_poisson.toml``).

Oracle: the defining property of an inhomogeneous Poisson process (Dayan & Abbott
2001, Sect. 1.4; Lewis & Shedler 1979): the expected spike count in a time bin is the
integral of the intensity over the bin (here the sum of ``lambda(t_n)*dt`` over the bin's
steps, the Bernoulli-per-step generator), so the PSTH of a sinusoidally modulated rate
is a sinusoid of amplitude ``r_1``, frequency ``f`` and phase 0, and a half-wave rectified
intensity leaves the negative half-cycles empty. Expected values come from these
formulas, not from a run of the model; tolerances are 4 standard errors.
"""

import brian2 as b2
import numpy as np

import neuroplug.brian2 as nb2

DT = 0.1e-3  # s


def _spike_times(n, duration, *, preset=None, rate=0.0, seed):
    b2.seed(seed)
    grp = nb2.group("inhomogeneous_poisson", n, preset=preset, dt=DT * b2.second)
    grp.rate = rate * b2.Hz
    mon = b2.SpikeMonitor(grp)
    b2.Network([grp, mon]).run(duration * b2.second)
    return np.asarray(mon.t / b2.second)


def test_sinusoidal_psth_amplitude_phase_and_bin_counts():
    """Defaults r_0 = 20 Hz, r_1 = 10 Hz, f = 5 Hz plus an input rate of 10 Hz: the
    first Fourier coefficient of the pooled spike train gives r_1 and phase 0 of the
    sine (4 sigma: about 0.8 Hz and 0.08 rad), the mean rate is r_0 + input, and the
    counts in 10 ms bins follow N * sum(lambda*dt) (chi-square within 4 sigma)."""
    n, T, r0, r1, f, extra = 200, 2.0, 20.0, 10.0, 5.0, 10.0
    t = _spike_times(n, T, rate=extra, seed=21)
    base = r0 + extra
    # mean rate
    assert abs(t.size / (n * T) - base) < 4 * np.sqrt(base / (n * T)), t.size / (n * T)
    # first Fourier coefficient at f: (1/(nT)) sum exp(-i w t_k) = r_1/(2i) for a sine
    c = np.exp(-2j * np.pi * f * t).sum() / (n * T)
    amp, phase = 2 * abs(c), np.angle(c) + np.pi / 2  # sin = cos(. - pi/2)
    se_amp = 2 * np.sqrt(base / (2 * n * T))
    assert abs(amp - r1) < 4 * se_amp, (amp, se_amp)
    assert abs(phase) < 4 * se_amp / r1, phase
    # counts in 10 ms bins against the integral of lambda on the step grid
    steps = np.arange(int(round(T / DT))) * DT
    lam = np.clip(r0 + r1 * np.sin(2 * np.pi * f * steps) + extra, 0, 1 / DT)
    edges = np.arange(0, T + 1e-9, 0.01)
    idx = np.searchsorted(edges, steps + DT / 2) - 1
    expected = n * np.bincount(idx, weights=lam * DT)
    counts = np.histogram(t, bins=edges - DT / 2)[0]
    chi2 = ((counts - expected) ** 2 / expected).sum()
    dof = len(counts)
    assert abs(chi2 / dof - 1) < 4 * np.sqrt(2 / dof), chi2 / dof


def test_rectified_sinusoid_is_silent_in_negative_half_cycles():
    """Preset rectified (r_0 = 0, r_1 = 40 Hz): lambda = max(0, r_1*sin(2 pi f t)),
    so no spike falls in the second half of any cycle, and the mean rate is r_1/pi
    (12.7 Hz; 4 sigma)."""
    n, T, r1, f = 200, 1.0, 40.0, 5.0
    t = _spike_times(n, T, preset="rectified", seed=22)
    phase = np.mod(t * f, 1.0)
    assert np.all(phase <= 0.5 + 1e-9), phase.max()
    expected = r1 / np.pi
    assert abs(t.size / (n * T) - expected) < 4 * np.sqrt(expected / (n * T)), t.size / (n * T)
