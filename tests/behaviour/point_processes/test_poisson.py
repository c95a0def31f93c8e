"""Published behaviour of the homogeneous Poisson generator (``equations/poisson.toml``).

Oracle: the Poisson process itself (Dayan & Abbott 2001, Sect. 1.4; Heeger 2000):
the rate equals the input rate, spike counts have Fano factor 1, inter-spike intervals
are exponential with rate ``rate`` (CV 1), and with a dead time ``t_ref`` the ISI is
``t_ref`` plus an exponential interval and the rate ``r/(1 + r*t_ref)``. All expected
values are computed from these formulas, not from a run of the model. The generator
draws one Bernoulli trial per step with probability ``p = rate*dt``; where that differs
from the continuous process by O(p) the discrete-time value is used and said so.
Statistical tolerances are 4 standard errors (computed from the expected values).
"""

import brian2 as b2
import numpy as np
import pytest
from scipy import stats

import neuroplug.brian2 as nb2

DT = 0.1e-3  # s


def _trains(n, duration, *, rate, t_ref=None, seed):
    b2.seed(seed)
    overrides = {} if t_ref is None else {"t_ref": t_ref}
    grp = nb2.group("poisson", len(rate), dt=DT * b2.second, **overrides)
    grp.rate = rate
    mon = b2.SpikeMonitor(grp)
    b2.Network([grp, mon]).run(duration * b2.second)
    return [np.asarray(t / b2.second) for t in mon.spike_trains().values()]


def _jittered_isis(trains, duration, shift, rng, horizon=0.3):
    """ISIs minus ``shift``, each moved back by a uniform fraction of a step: a
    geometric number of steps with success probability p, jittered this way, is
    exactly the exponential distribution of rate -log(1 - p)/dt at the grid points
    (rate*(1 + p/2 + ...)), so the ISIs can be KS-tested against the continuous law.

    Only intervals that start before ``duration - horizon`` are used: intervals cut
    by the end of the run would bias the sample towards short ones (by about
    CV^2*mean/duration, 2% at 50 Hz in 1 s), while the interval after a spike at a
    given time is an unbiased draw (renewal). ``horizon`` is long enough that no such
    interval is censored (checked)."""
    isi = []
    for t in trains:
        start = t < duration - horizon
        assert start.sum() <= max(len(t) - 1, 0), "censored interval"
        isi.append(np.diff(t)[start[:-1]] if len(t) > 1 else [])
    isi = np.concatenate(isi) - shift
    return isi - rng.uniform(0, DT, isi.size)


def test_poisson_rate_fano_cv_and_exponential_isis():
    """Dayan & Abbott 2001, Sect. 1.4 (homogeneous Poisson process): rate = input
    rate, count Fano factor 1, ISI CV 1, ISIs ~ Exp(rate) (KS); zero or negative input
    rate gives silence."""
    n, T, r = 300, 1.0, 50.0
    rate = np.r_[np.full(n, r), 0.0, -10.0] * b2.Hz
    trains = _trains(n + 2, T, rate=rate, seed=11)
    assert len(trains[n]) == 0 and len(trains[n + 1]) == 0
    trains = trains[:n]
    p = r * DT
    counts = np.array([len(t) for t in trains])
    # rate: binomial count of n*T/dt trials
    se = np.sqrt(r * (1 - p) / (n * T))
    assert abs(counts.sum() / (n * T) - r) < 4 * se, counts.sum() / (n * T)
    # Fano factor of counts in 100 ms windows (expected 1 - p = 0.995)
    w = np.concatenate([np.histogram(t, bins=np.arange(0, T + 1e-9, 0.1))[0] for t in trains])
    mu = r * 0.1
    fano = w.var(ddof=1) / w.mean()
    assert abs(fano - 1.0) < 4 * np.sqrt((mu + 2 * mu**2) / w.size) / mu + p, fano
    rng = np.random.default_rng(0)
    isi = _jittered_isis(trains, T, 0.0, rng)
    cv = isi.std() / isi.mean()
    assert abs(cv - 1.0) < 4 / np.sqrt(isi.size) + p, cv
    ks = stats.kstest(isi, "expon", args=(0, 1 / r))
    assert ks.pvalue > 1e-3, (ks.statistic, ks.pvalue)


def test_poisson_dead_time():
    """Poisson process with an absolute refractory period (Dayan & Abbott 2001,
    Sect. 1.4; preset dead_time, t_ref = 2 ms at 100 Hz): no ISI below t_ref, the
    ISI minus the dead time is exponential with the input rate, and the rate drops to
    r/(1 + r*t_ref) (83.3 Hz; on the dt grid the dead time is t_ref - dt, giving
    1/(t_ref - dt + 1/r) = 84.0 Hz, which is the value tested)."""
    n, T, r, t_ref = 300, 1.0, 100.0, 2e-3
    trains = _trains(n, T, rate=np.full(n, r) * b2.Hz, t_ref=t_ref * b2.second, seed=12)
    isi_raw = np.concatenate([np.diff(t) for t in trains])
    assert isi_raw.min() >= t_ref - 1e-9
    expected = 1 / (t_ref - DT + 1 / r)
    assert expected == pytest.approx(r / (1 + r * t_ref), rel=0.01)  # the continuous law
    counts = np.array([len(t) for t in trains])
    # renewal process: count variance ~ CV^2 * mean, CV = 1/(1 + r*(t_ref - dt))
    cv2 = (1 / (1 + r * (t_ref - DT))) ** 2
    se = np.sqrt(cv2 * expected / (n * T))
    assert abs(counts.sum() / (n * T) - expected) < 4 * se + 1.0 / T, counts.sum() / (n * T)
    isi = _jittered_isis(trains, T, t_ref - DT, np.random.default_rng(1))
    ks = stats.kstest(isi, "expon", args=(0, 1 / r))
    assert ks.pvalue > 1e-3, (ks.statistic, ks.pvalue)
