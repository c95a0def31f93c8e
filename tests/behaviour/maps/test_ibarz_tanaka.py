"""Published behaviour of the Ibarz-Tanaka map (Rulkov map with a smooth left branch).

Ibarz, Tanaka, Sanjuan, Aihara (2007), Phys Rev E 75:041902: as sigma rises the map
goes from silence (a stable fixed point on the quadratic branch) to tonic spiking;
at larger alpha it bursts. The oracle for silence is analytic: the fixed point
v* = sigma - 1, u* = (sigma - 1)(1 - alpha) - sigma^2 and its Jacobian
[[alpha + 2(v* + 1), 1], [-mu, 1]].
"""

import brian2 as b2
import numpy as np

from ._helpers import run_map

b2.prefs.codegen.target = "numpy"


def test_ibarz_tanaka_silent_fixed_point_matches_jacobian_analysis():
    """Silent preset (alpha = 1, sigma = -0.1, mu = 0.001): the simulated state equals
    the analytic fixed point within 1e-9 (after 8000 iterations; the eigenvalue moduli
    are < 1) and there are no spikes."""
    alpha, sigma, mu = 1.0, -0.1, 0.001
    vs = sigma - 1
    us = vs * (1 - alpha) - sigma ** 2
    lam = np.linalg.eigvals(np.array([[alpha + 2 * (vs + 1), 1.0], [-mu, 1.0]]))
    assert np.all(np.abs(lam) < 1)
    spk, tr = run_map("ibarz_tanaka", 1, 8000, 0.5, preset="silent",
                      init={"v": vs + 0.01, "u": us}, record=("v", "u"))
    assert len(spk[0]) == 0
    assert abs(tr["v"][-1, 0] - vs) < 1e-9 and abs(tr["u"][-1, 0] - us) < 1e-9


def test_ibarz_tanaka_tonic_spiking_versus_bursting():
    """Tonic preset: periodic spiking with one constant ISI. Bursting preset (alpha = 2):
    bursts of more than 10 spikes separated by silences more than 10 times the longest
    intra-burst ISI, all bursts of the same length within 1 spike (regular bursting)."""
    spk, _ = run_map("ibarz_tanaka", 1, 4000, 0.5, preset="tonic")
    isi = np.diff(spk[0][spk[0] > 1000])
    assert len(isi) >= 50 and len(np.unique(isi)) == 1, np.unique(isi)
    spk, _ = run_map("ibarz_tanaka", 1, 8000, 0.5, preset="bursting")
    s = spk[0][spk[0] > 1000]
    isi = np.diff(s)
    gaps = isi > 50
    assert gaps.sum() >= 3
    bursts = np.split(s, np.where(gaps)[0] + 1)[1:-1]
    sizes = [len(bb) for bb in bursts]
    assert min(sizes) > 10 and max(sizes) - min(sizes) <= 1, sizes
    assert isi[gaps].min() > 10 * isi[~gaps].max()
