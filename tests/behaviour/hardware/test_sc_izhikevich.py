"""Behaviour of the stochastic Izhikevich map (``sc_izhikevich``, SC-NeuroCore's
``SCIzhikevichNeuron`` with its ``baseline_half_euler`` integrator).

Checks: without noise the SC-NeuroCore step (transcribed below from its API page) is
reproduced step by step; the firing classes of Izhikevich (2003), Fig. 2 (RS, IB, CH,
FS) appear with the paper's parameters at I = 10; with noise the firing-rate
statistics equal those of the transcribed step driven by numpy's Gaussian generator
(a distributional oracle: different random numbers, same process).
"""

import numpy as np

from ._mcells import run_layer


def sc_izhikevich_oracle(I, a=0.02, b=0.2, c=-65.0, d=8.0, dt=1.0, noise=None):
    """SCIzhikevichNeuron._step_baseline_half_euler, vectorised over neurons: I is
    (steps x N); ``noise`` (steps x N) are the noise_std * N(0, 1) samples or None."""
    v = np.full(I.shape[1], c)
    u = b * v
    vs, spikes = [], []
    for k in range(I.shape[0]):
        for _ in range(2):
            dv = 0.04 * v**2 + 5.0 * v + 140.0 - u + I[k]
            du = a * (b * v - u)
            v = v + dv * dt * 0.5
            u = u + du * dt * 0.5
        if noise is not None:
            v = v + noise[k]
        spk = v >= 30.0
        v = np.where(spk, c, v)
        u = np.where(spk, u + d, u)
        vs.append(v)
        spikes.append(spk)
    return np.array(vs), np.array(spikes)


def test_sc_izhikevich_noise_free_matches_sc_neurocore_step():
    """Random piecewise-constant inputs in [0, 20] (2 x 2000 steps, noise_std = 0):
    identical spikes and v within 1e-9 mV (the same double operations, possibly
    reassociated by Brian2's code generation)."""
    rng = np.random.default_rng(3)
    drive = np.repeat(rng.uniform(0, 20, (20, 2)), 100, axis=0)
    got = run_layer("sc_izhikevich", drive, record=("v",), noise_std=0.0)
    v, spk = sc_izhikevich_oracle(drive)
    np.testing.assert_array_equal(got["spike"], spk)
    assert np.max(np.abs(got["v"] - v)) <= 1e-9
    assert spk.sum() > 50


# Izhikevich (2003), Fig. 2: (a, b, c, d) of RS, IB, CH, FS
FIG2 = np.array([[0.02, 0.2, -65, 8], [0.02, 0.2, -55, 4], [0.02, 0.2, -50, 2],
                 [0.1, 0.2, -65, 2]])


def test_sc_izhikevich_firing_classes_of_izhikevich_2003_fig2():
    """I = 10, 1000 steps, no noise, the Fig. 2 parameters. RS: tonic with adaptation
    (first ISI shorter than the last); IB: an initial burst (first ISI < 1/3 of the later
    ones) then tonic spiking; CH: repetitive bursts (ISIs both <= 10 ms and >= 20 ms,
    repeatedly); FS: tonic at a much higher rate than RS without adaptation (last ISI
    within 1 ms of the second)."""
    got = run_layer("sc_izhikevich", np.full((1000, 4), 10.0), noise_std=0.0,
                    **dict(zip("abcd", FIG2.T)))
    rs, ib, ch, fs = (np.diff(np.nonzero(got["spike"][:, k])[0]) for k in range(4))
    assert len(rs) > 5 and rs[0] < rs[-1]
    assert ib[0] < np.median(ib[2:]) / 3 and np.ptp(ib[-5:]) <= 2
    assert np.sum(ch <= 10) >= 5 and np.sum(ch >= 20) >= 3
    assert len(fs) > 2 * len(rs) and abs(fs[-1] - fs[1]) <= 1


def test_sc_izhikevich_noise_statistics_match_numpy_oracle():
    """200 neurons, noise_std = 1 mV (the default), I = 3 (below the noise-free rheobase:
    silent without noise) and I = 10, 1000 steps: the mean rate of the model is within
    10% of the oracle's (numpy generator; the standard error of either mean is ~3% here)
    and noise fires the subthreshold cell."""
    n, steps = 200, 1000
    drive = np.repeat(np.array([[3.0, 10.0]]), n // 2, axis=1)
    drive = np.tile(drive, (steps, 1))
    got = run_layer("sc_izhikevich", drive)
    _, quiet = sc_izhikevich_oracle(drive[:, :1], noise=None)
    rng = np.random.default_rng(11)
    _, spk = sc_izhikevich_oracle(drive, noise=rng.normal(0, 1.0, drive.shape))
    assert quiet.sum() == 0
    for cols in (slice(0, n // 2), slice(n // 2, n)):
        ours, ref = got["spike"][:, cols].mean(), spk[:, cols].mean()
        assert ref > 0 and abs(ours - ref) <= 0.1 * ref, (ours, ref)
