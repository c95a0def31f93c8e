"""Published behaviour of the Chialvo (1995) map.

Chialvo (1995), Chaos Solitons Fractals 5:461: at a = 0.89, c = 0.28 the map has an
excitable rest state for a small bias k, periodic oscillations at k = 0.03, b = 0.6,
and aperiodic (chaotic) bursting when b is lowered to 0.18. The oracle for the rest
state is analytic: the fixed point solved from the map equations and its stability
from the Jacobian.
"""

import brian2 as b2
import numpy as np

from ._helpers import run_map

b2.prefs.codegen.target = "numpy"


A, C = 0.89, 0.28


def test_chialvo_excitable_fixed_point_matches_jacobian_analysis():
    """Excitable regime (k = 0.02, b = 0.6): the simulated rest state equals the fixed
    point solved from x = x^2 exp(y - x) + k, y = (c - b x)/(1 - a) (brentq, tolerance
    1e-9: both are double-precision evaluations of the same equations), the Jacobian
    eigenvalues are inside the unit circle, and raising the bias by 0.015 fires spikes."""
    from scipy.optimize import brentq

    b, k = 0.6, 0.02
    ystar = lambda x: (C - b * x) / (1 - A)
    xs = brentq(lambda x: x * x * np.exp(ystar(x) - x) + k - x, 0.0, 0.1, xtol=1e-15)
    ys = ystar(xs)
    e = np.exp(ys - xs)
    jac = np.array([[(2 * xs - xs * xs) * e, xs * xs * e], [-b, A]])
    assert np.all(np.abs(np.linalg.eigvals(jac)) < 1)
    spk, tr = run_map("chialvo", 2, 3000, 1.0, preset="excitable",
                      inputs={"I": np.array([0.0, 0.015])}, record=("x", "y"))
    assert abs(tr["x"][-1, 0] - xs) < 1e-9 and abs(tr["y"][-1, 0] - ys) < 1e-9
    assert len(spk[0]) == 0 and len(spk[1]) >= 5


def test_chialvo_oscillation_versus_aperiodic_bursting():
    """Chialvo (1995): b = 0.6 gives regular oscillations (ISIs within 2 iterations of
    each other), b = 0.18 aperiodic bursting (many distinct ISIs, CV > 0.2), and on the
    chaotic attractor two orbits 1e-9 apart separate to O(0.1) (sensitivity)."""
    spk, _ = run_map("chialvo", 1, 4000, 1.0, preset="oscillatory")
    isi = np.diff(spk[0][spk[0] > 500])
    assert len(isi) >= 20 and isi.max() - isi.min() <= 2, isi
    spk, tr = run_map("chialvo", 2, 4000, 1.0, preset="chaotic",
                      init={"x": np.array([0.0, 1e-9])}, record=("x",))
    isi = np.diff(spk[0][spk[0] > 500])
    assert len(np.unique(isi)) >= 8 and isi.std() / isi.mean() > 0.2, isi
    assert np.abs(tr["x"][-1000:, 0] - tr["x"][-1000:, 1]).max() > 0.1
