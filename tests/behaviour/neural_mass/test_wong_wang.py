"""Wong & Wang (2006) reduced two-population decision model (equations/wong_wang.toml).

Published behaviour (Wong & Wang 2006, J Neurosci 26:1314): winner-take-all choice and
reaction times that shorten with motion coherence (Fig. 4), the spontaneous state
before the stimulus, and, with the paper's OU noise fed through the noise inputs, a
psychometric function rising from chance at c' = 0 to certain choice at high coherence.
Independent oracle: The Virtual Brain's ``ReducedWongWang`` (the one-population
reduction of Deco et al. 2013 that uses the same H(x) and S kinetics).
"""

import brainstate
import jax.numpy as jnp
import numpy as np
import pytest
import saiunit as u

import neuroplug.brainpy as nbp

from ._helpers import model_rhs

# the paper's H(x) (Abbott & Chance fit, Wong & Wang 2006 Eq. 7) and couplings, written
# here from the paper to read the population rates off the simulated gating variables
A, B, D = 270.0, 108.0, 0.154          # Hz/nA, Hz, s
J_S, J_C, J_EXT, I_0, MU0 = 0.2609, 0.0497, 5.2e-4, 0.3255, 30.0  # nA, nA, nA/Hz, nA, Hz
THRESHOLD_HZ = 15.0                     # decision threshold of the paper
S_SPONT = 0.1026                        # spontaneous state, measured in test_spontaneous


def _paper_rates(S1, S2, c, mu0=MU0):
    def H(x):
        y = A * x - B
        return y / (1.0 - np.exp(-D * y))
    x1 = J_S * S1 - J_C * S2 + I_0 + J_EXT * mu0 * (1 + c / 100)
    x2 = J_S * S2 - J_C * S1 + I_0 + J_EXT * mu0 * (1 - c / 100)
    return H(x1), H(x2)





def _run(coh, steps, preset=None, S0=S_SPONT):
    with brainstate.environ.context(dt=0.1 * u.ms):
        layer = nbp.WongWang(len(coh), preset=preset)
        layer.init_state()
        layer.S1.value = S0 * jnp.ones(len(coh))
        layer.S2.value = S0 * jnp.ones(len(coh))

        def step(i):
            out = layer.update(jnp.asarray(coh))
            return layer.S1.value, layer.S2.value, out.to_decimal(u.Hz)
        S1, S2, rd = brainstate.transform.for_loop(step, jnp.arange(steps))
    return np.asarray(S1), np.asarray(S2), np.asarray(rd)


def test_spontaneous_state():
    """Without stimulus (mu0 = 0) both populations settle at the same low rate of the
    paper's spontaneous state (a few Hz; the paper's I_0 was chosen for ~2 Hz)."""
    S1, S2, rd = _run(np.zeros(2), 15000, preset="spontaneous", S0=0.1)
    r1, r2 = _paper_rates(S1[-1], S2[-1], 0.0, mu0=0.0)
    assert np.allclose(S1[-1], S2[-1]) and np.allclose(rd[-1], 0.0)
    assert abs(S1[-1, 0] - S_SPONT) < 1e-3          # measured 0.10263
    assert 1.0 < r1[0] < 3.0                         # measured 1.78 Hz
    assert np.all(np.abs(np.diff(S1[-100:, 0])) < 1e-10)  # a fixed point


def test_winner_take_all_and_reaction_time_falls_with_coherence():
    """Fig. 4 of Wong & Wang (2006): with the stimulus on (mu0 = 30 Hz) the population
    favoured by the coherence wins (rate in the decision state ~30-35 Hz, the other
    suppressed below its spontaneous rate), and the time to reach the 15 Hz decision
    threshold falls monotonically with coherence (paper: from ~700-800 ms near zero
    coherence to ~300-400 ms at 51.2 %; measured deterministic core 705 ms at 3.2 % to
    250 ms at 51.2 %)."""
    coh = np.array([3.2, 6.4, 12.8, 25.6, 51.2])
    S1, S2, rd = _run(coh, 15000)
    r1, r2 = _paper_rates(S1, S2, coh)
    assert np.all(r1[-1] > 25) and np.all(r1[-1] < 40)   # decision state (30.4-34.5 Hz)
    assert np.all(r2[-1] < 1.5)                           # loser suppressed (0.55-0.83 Hz)
    assert np.allclose(rd[-1], (r1 - r2)[-1], rtol=1e-5)  # the layer output (float32) is r1 - r2
    rt = np.array([np.argmax(r1[:, k] >= THRESHOLD_HZ) for k in range(len(coh))]) * 0.1
    assert np.all(rt > 0) and not np.any(r2 >= THRESHOLD_HZ)
    assert np.all(np.diff(rt) < 0), rt
    assert 500 < rt[0] < 900 and 150 < rt[-1] < 400, rt
    assert rt[0] / rt[-1] > 2


@pytest.mark.slow
def test_choice_probability_with_noise_five_seeds():
    """With the paper's noise (OU current, tau_AMPA = 2 ms, sigma = 0.02 nA per
    population, fed through I_noise1/I_noise2) choice is stochastic: at c' = 0 each
    population wins half of the trials, the fraction of correct choices rises with
    coherence and reaches ~100 % at 51.2 % (the psychometric function of Fig. 4), and
    mean decision times fall with coherence. 5 seeds x 50 trials per coherence;
    bounds are ~4 binomial standard errors around the expected values."""
    cs = np.array([0.0, 6.4, 12.8, 51.2])
    ntr, steps, dt, tau, sig = 50, 10000, 1e-4, 2e-3, 0.02e-9
    C = np.repeat(cs, ntr)
    N = len(C)
    p1 = np.zeros((5, len(cs)))
    rts = np.zeros((5, len(cs)))
    with brainstate.environ.context(dt=0.1 * u.ms):
        for seed in range(5):
            brainstate.random.seed(seed)
            layer = nbp.WongWang(N)
            layer.init_state()
            layer.S1.value = S_SPONT * jnp.ones(N)
            layer.S2.value = S_SPONT * jnp.ones(N)
            n1 = brainstate.State(jnp.zeros(N))
            n2 = brainstate.State(jnp.zeros(N))

            def step(i):
                for n in (n1, n2):   # Euler step of tau dI/dt = -I + eta sqrt(tau) sigma
                    n.value = n.value + (-n.value * dt + np.sqrt(tau * dt) * sig
                                         * brainstate.random.normal(size=N)) / tau
                layer.update(jnp.asarray(C), I_noise1=n1.value * u.amp,
                             I_noise2=n2.value * u.amp)
                return layer.S1.value, layer.S2.value
            S1, S2 = map(np.asarray, brainstate.transform.for_loop(step, jnp.arange(steps)))
            r1, r2 = _paper_rates(S1[::10], S2[::10], C)   # 1 ms resolution
            never = 10 ** 9
            t1 = np.where((r1 >= THRESHOLD_HZ).any(0), np.argmax(r1 >= THRESHOLD_HZ, 0), never)
            t2 = np.where((r2 >= THRESHOLD_HZ).any(0), np.argmax(r2 >= THRESHOLD_HZ, 0), never)
            decided = np.minimum(t1, t2) < never
            assert decided.mean() > 0.95
            for k, c in enumerate(cs):
                sel = (C == c) & decided
                p1[seed, k] = np.mean(t1[sel] < t2[sel])
                rts[seed, k] = np.mean(np.minimum(t1, t2)[sel])
    p = p1.mean(0)   # measured: 0.48, 0.85, 0.98, 1.0 (300 trials each)
    assert abs(p[0] - 0.5) < 0.12
    assert np.all(np.diff(p) >= -0.02) and p[1] > 0.7 and p[-1] > 0.97
    rt = rts.mean(0)  # measured ~670, 590, 460, 240 ms
    assert np.all(np.diff(rt) < 0), rt


def test_rhs_matches_tvb_reduced_wong_wang():
    """Oracle: TVB's ``ReducedWongWang`` (Deco et al. 2013) is the one-population form
    dS/dt = -S/tau_s + (1 - S) gamma H(w J_N S + I_o + J_N c) with the same H(x). Our
    population 1 is that form with w J_N = J_11 and the cross-inhibition, stimulus and
    noise currents passed through TVB's coupling term c = (-J_12 S2 + I_1 + I_noise1)/J_N
    (population 2 likewise). TVB works in ms, kHz and nA (a = 0.270, b = 0.108, d = 154).
    Compared at 200 random states, coherences and noise currents: relative difference
    <= 1e-12 of the size of the terms (the two evaluations differ only in unit-conversion
    rounding, ~1e-16, amplified by at most ~1e2 where a x - b cancels)."""
    import tvb.simulator.models as tm

    rng = np.random.default_rng(0)
    n = 200
    S1, S2 = rng.uniform(0, 1, n), rng.uniform(0, 1, n)
    c = rng.uniform(-100, 100, n)
    n1, n2 = rng.normal(0, 0.02, n), rng.normal(0, 0.02, n)   # nA
    ours = model_rhs("wong_wang", {"S1": S1, "S2": S2},
                     {"c": c, "I_noise1": n1 * 1e-9, "I_noise2": n2 * 1e-9})
    tvb = tm.ReducedWongWang(a=np.array([0.270]), b=np.array([0.108]), d=np.array([154.0]),
                             gamma=np.array([0.641]), tau_s=np.array([100.0]),
                             w=np.array([1.0]), J_N=np.array([J_S]), I_o=np.array([I_0]))
    tvb.configure()
    for S_own, S_other, stim, noise, var in ((S1, S2, J_EXT * MU0 * (1 + c / 100), n1, "S1"),
                                             (S2, S1, J_EXT * MU0 * (1 - c / 100), n2, "S2")):
        coupling = (-J_C * S_other + stim + noise) / J_S
        d = tvb.dfun(S_own.reshape(1, n, 1), coupling.reshape(1, n, 1))[0, :, 0] * 1e3  # 1/s
        scale = np.abs(S_own / 0.1) + np.abs((1 - S_own) * 0.641 * _paper_rates(
            S_own, S_other, 0.0, mu0=0.0)[0]) + 1.0
        assert np.all(np.abs(ours[var] - d) <= 1e-12 * scale), np.max(np.abs(ours[var] - d) / scale)
