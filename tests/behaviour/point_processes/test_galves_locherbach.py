"""Published behaviour of the Galves-Locherbach neuron (``equations/galves_locherbach.toml``).

Oracle: with a constant input the model is a renewal process whose interval law
follows from its definition (Galves & Locherbach 2013, leak g(k) = mu**(k-1); firing
function of Brochini et al. 2016): k steps after a spike (or after the start, V = 0)
the potential is ``V_k = I*(1 - mu**k)/(1 - mu)``, the neuron fires with
``p_k = clip(Gamma*(V_k - theta), 0, 1)``, so ``P(ISI = k) = p_k * prod_{j<k}(1 - p_j)``.
This law is computed here by a numpy recurrence, independently of the model code,
and the simulated mean ISI and ISI histogram are compared with it (4 standard errors;
chi-square within 4 sigma of its expectation).
"""

import brian2 as b2
import numpy as np

import neuroplug.brian2 as nb2

DT = 1e-3  # s, one map step


def _isi_law(I, mu, Gamma, theta, kmax=5000):
    k = np.arange(1, kmax + 1)
    V = I * k if mu == 1 else I * (1 - mu**k) / (1 - mu)
    p = np.clip(Gamma * (V - theta), 0, 1)
    survive = np.r_[1.0, np.cumprod(1 - p)[:-1]]
    return k, p * survive


def _trains(I, duration, *, preset=None, seed):
    b2.seed(seed)
    grp = nb2.group("galves_locherbach", len(I), preset=preset, dt=DT * b2.second)
    grp.I = I * b2.mV
    mon = b2.SpikeMonitor(grp)
    b2.Network([grp, mon]).run(duration * b2.second)
    return [np.round(np.asarray(t / b2.second) / DT).astype(int)
            for t in mon.spike_trains().values()]


def _renewal_isis(steps, n_steps, horizon=300):
    """The interval after every spike earlier than ``n_steps - horizon``: iid draws of
    the ISI law (renewal), unlike all intervals inside the run, which the end of the
    run biases towards short ones. ``horizon`` is long enough that none is censored
    (P(ISI > 300 steps) < 1e-7 here; checked)."""
    isi = []
    for s in steps:
        start = s < n_steps - horizon
        assert start.sum() <= max(s.size - 1, 0), "censored interval"
        isi.append(np.diff(s)[start[:-1]] if s.size > 1 else np.zeros(0, int))
    return np.concatenate(isi)


def _check_renewal(steps, law_k, law_p, n_steps=1000):
    """Mean ISI within 4 SE of the exact law and a chi-square test of the histogram."""
    isi = _renewal_isis(steps, n_steps)
    mean = (law_k * law_p).sum()
    sd = np.sqrt((law_k**2 * law_p).sum() - mean**2)
    assert abs(isi.mean() - mean) < 4 * sd / np.sqrt(isi.size), (isi.mean(), mean)
    expected = isi.size * law_p
    keep = expected >= 5
    counts = np.bincount(isi, minlength=law_k.size + 1)[1:law_k.size + 1]
    obs = np.r_[counts[keep], counts[~keep].sum()]
    exp = np.r_[expected[keep], expected[~keep].sum()]
    chi2 = ((obs - exp) ** 2 / exp).sum()
    dof = obs.size - 1
    assert abs(chi2 - dof) < 4 * np.sqrt(2 * dof), (chi2, dof)
    return isi, mean


def test_renewal_isi_law_with_leak():
    """Defaults (mu = 0.9, Gamma = 0.1/mV, theta = 0) at I = 0.1 mV per step: the
    mean ISI is the exact 16.51 steps (60.6 Hz at 1 ms steps) and the ISI histogram
    follows P(ISI = k) of the renewal law; the first spike has the same law (the
    neuron starts at V = 0, as after a reset)."""
    n = 400
    k, p = _isi_law(0.1, 0.9, 0.1, 0.0)
    steps = _trains(np.full(n, 0.1), 1.0, seed=31)
    isi, mean = _check_renewal(steps, k, p)
    assert abs(mean - 16.51) < 0.01
    first = np.array([s[0] + 1 for s in steps if s.size])  # step index 0 is the 1st step
    sd = np.sqrt((k**2 * p).sum() - mean**2)
    assert abs(first.mean() - mean) < 4 * sd / np.sqrt(first.size), first.mean()


def test_threshold_silence_and_minimal_interval():
    """Preset threshold (theta = 0.5 mV, Brochini et al. 2016, V_T > 0): with
    I/(1 - mu) <= theta the potential never passes the threshold and the neuron is
    silent for ever (I = 0.045 mV); at I = 0.1 mV the shortest possible ISI is the
    first k with V_k > theta (7 steps) and the ISIs follow the exact renewal law."""
    n = 300
    steps = _trains(np.r_[np.full(n, 0.1), np.full(20, 0.045)], 1.0, preset="threshold",
                    seed=32)
    assert sum(s.size for s in steps[n:]) == 0
    k, p = _isi_law(0.1, 0.9, 0.1, 0.5)
    kmin = k[np.nonzero(p)[0][0]]
    assert kmin == 7
    isi, _ = _check_renewal(steps[:n], k, p)
    assert isi.min() == kmin


def test_memoryless_is_bernoulli():
    """Preset memoryless (mu = 0): V = I in every step, so the spike train is a
    Bernoulli process with p = Gamma*(I - theta) = 0.05 at I = 0.5 mV: rate 50 Hz
    and geometric ISIs."""
    n = 300
    steps = _trains(np.full(n, 0.5), 1.0, preset="memoryless", seed=33)
    k, p = _isi_law(0.5, 0.0, 0.1, 0.0)
    assert np.allclose(p[:3], 0.05 * 0.95 ** np.arange(3))
    _check_renewal(steps, k, p)
    rate = sum(s.size for s in steps) / (n * 1.0)
    assert abs(rate - 50.0) < 4 * np.sqrt(50.0 * 0.95 / n), rate
