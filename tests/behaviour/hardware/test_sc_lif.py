"""Behaviour of the LFSR-bitstream-driven LIF (``sc_lif``).

Checks against independent references:

* the stochastic number generator: a plain-Python 16-bit Fibonacci LFSR (taps 16, 14,
  13, 11, written with ``^`` and ``>>``) gives the same states; the model's LFSR has the
  maximal period 65535 = 2**16 - 1, and over one period the stream for probability p
  holds exactly floor(65535 p) ones (each non-zero state once: the exactness of
  LFSR-based stochastic number generation, Alaghi & Hayes 2013, Sec. 3);
* the membrane: SC-NeuroCore's ``StochasticLIFNeuron.step`` with ``process_bitstream``
  (transcribed below, noise_std = 0) fed with the oracle's bits;
* with p = 1 (a stream of ones) the inter-spike interval is the LIF's analytic one
  for constant drive (Gerstner & Kistler 2002, Sec. 4.1.1), discretised: t_ref + the
  first n with v_n = mu tau' (1 - (1 - h/tau)^n) >= theta.
"""

import math

import numpy as np

from ._mcells import run_layer

SEED = 0xACE1


def lfsr_states(seed, n):
    """The 16-bit Fibonacci LFSR x^16 + x^14 + x^13 + x^11 + 1, n successive states."""
    out, s = [], seed
    for _ in range(n):
        bit = (s ^ (s >> 2) ^ (s >> 3) ^ (s >> 5)) & 1
        s = (s >> 1) | (bit << 15)
        out.append(s)
    return np.array(out)


class StochasticLIFOracle:
    """StochasticLIFNeuron.step / process_bitstream of SC-NeuroCore, noise_std = 0."""

    def __init__(self, v_rest=0.0, v_reset=0.0, v_threshold=1.0, tau_mem=20.0, dt=1.0,
                 resistance=1.0, refractory_period=2):
        self.__dict__.update(locals())
        self.v, self.refractory_counter = v_rest, 0

    def step(self, input_current):
        if self.refractory_counter > 0:
            self.refractory_counter -= 1
            self.v = self.v_rest
            return 0
        self.v += -(self.v - self.v_rest) * (self.dt / self.tau_mem) \
            + self.resistance * input_current * self.dt
        if self.v >= self.v_threshold:
            self.v = self.v_reset
            self.refractory_counter = self.refractory_period
            return 1
        return 0


def test_sc_lif_bitstream_is_the_maximal_lfsr_and_exact_over_a_period():
    """65536 steps at p = 0.1, 0.25, 0.5, 0.9 (seed 0xACE1): the LFSR states equal the
    oracle's for the first 5000 steps, the state first returns to the seed after exactly
    65535 steps, and the ones in that period number floor(65535 p)."""
    ps = np.array([0.1, 0.25, 0.5, 0.9])
    got = run_layer("sc_lif", np.tile(ps, (65536, 1)), record=("lfsr", "bit"))
    np.testing.assert_array_equal(got["lfsr"][:5000, 0], lfsr_states(SEED, 5000))
    back = np.nonzero(got["lfsr"][:, 0] == SEED)[0]
    assert back[0] == 65534  # state after step index 65534, i.e. after 65535 advances
    ones = got["bit"][:65535].sum(axis=0)
    np.testing.assert_array_equal(ones, np.floor(65535 * ps))


def test_sc_lif_membrane_matches_stochastic_lif_process_bitstream():
    """Four streams (p = 0.3, 0.6, 0.8, 1.0; two LFSR seeds), 3000 steps: the oracle's
    LIF fed with the oracle LFSR's bits (current = bit * input_scale) gives identical
    spikes and v within 1e-12 (the same double operations, possibly reassociated by
    Brian2's code generation). Refractory steps and resets are reached."""
    ps = np.array([0.3, 0.6, 0.8, 1.0])
    seeds = np.array([SEED, 12345, SEED, 777])
    got = run_layer("sc_lif", np.tile(ps, (3000, 1)), record=("v", "ref"),
                    lfsr_seed=seeds.astype(float))
    for k in range(4):
        bits = (lfsr_states(int(seeds[k]), 3000) <= ps[k] * 65535).astype(int)
        ref = StochasticLIFOracle()
        spikes, v, refr = [], [], []
        for bit in bits:
            spikes.append(ref.step(bit * 0.1))
            v.append(ref.v)
            refr.append(ref.refractory_counter)
        np.testing.assert_array_equal(got["spike"][:, k], np.array(spikes) > 0)
        np.testing.assert_array_equal(got["ref"][:, k], refr)
        assert np.max(np.abs(got["v"][:, k] - v)) <= 1e-12
    assert got["spike"].sum(axis=0).min() > 5 and (got["ref"] == 2).any()


def test_sc_lif_rate_follows_encoded_probability():
    """p = 1: ISI = 2 + n*, n* = ceil(ln(1 - theta/(mu tau)) / ln(1 - 1/tau)) = 14 with
    mu = 0.1 per step, tau = 20 (16 steps). Below it the rate grows with p, and depends on
    the encoded value, not on the stream: two LFSR seeds give rates within 10%."""
    n_star = math.ceil(math.log(1 - 1.0 / (0.1 * 20)) / math.log(1 - 1 / 20))
    ps = np.array([0.5, 0.6, 0.7, 0.8, 1.0, 0.8])
    seeds = np.array([SEED] * 5 + [4242], dtype=float)
    got = run_layer("sc_lif", np.tile(ps, (4000, 1)), lfsr_seed=seeds)
    isi = np.diff(np.nonzero(got["spike"][:, 4])[0])
    assert n_star == 14 and np.all(isi == 2 + n_star)
    counts = got["spike"].sum(axis=0)
    assert np.all(np.diff(counts[:5]) > 0), counts
    assert abs(counts[5] - counts[3]) <= 0.1 * counts[3], counts
