"""Published behaviour of the Amari (1977) neural field (``equations/amari.toml``).

Amari (1977), Biol Cybern 27:77, Sec. 3 (single-layer lateral-inhibition field):
without input a localized excitation of width a (the "a-solution") exists where
W(a) + h = 0, W(x) = int_0^x w(y) dy, and it is stable where w(a) < 0; if -h exceeds
W_m = max W no localized excitation exists. The width a is computed here from the
kernel formula with scipy quadrature (not from the library's code) and compared with
the width of the bump that the discretised field keeps after its input is removed.
"""

import brian2 as b2
import numpy as np
import pytest
from scipy.integrate import quad
from scipy.optimize import brentq

import neuroplug
from neuroplug.brian2 import Amari

b2.prefs.codegen.target = "numpy"

N, STEP = 120, 0.1          # ring of 120 units, grid step 0.1 (length 12)
DT_MS = 1.0                 # rk4; tau = 10 ms


def _params(preset):
    v = neuroplug.model("amari").parameter_values(preset)
    return {k: float(v[k]) for k in ("h", "w_E", "w_I", "sigma_E", "sigma_I")}


def _amari_width(p):
    """Stable a-solution: the root of W(a) + h = 0 on the falling branch of W."""
    def w(y):
        return (p["w_E"] * np.exp(-y**2 / (2 * p["sigma_E"]**2))
                - p["w_I"] * np.exp(-y**2 / (2 * p["sigma_I"]**2)))

    def W(x):
        return quad(w, 0, x)[0]

    x_m = brentq(w, 1e-6, 10)            # w changes sign: maximum of W
    if W(x_m) + p["h"] <= 0:
        return x_m, None                 # -h >= W_m: no a-solution
    return x_m, brentq(lambda a: W(a) + p["h"], x_m, 10)


PRESETS = ("working_memory", "broad_bump", "weak_excitation")


@pytest.fixture(scope="module")
def runs():
    """One field per preset (one network): a localized input for 40 ms, then none for
    100 ms (10 tau). Returns {preset: (u at the end of the input, u at the end)}."""
    b2.start_scope()
    groups = {p: Amari(N, preset=p, dx=STEP, dt=DT_MS * b2.ms) for p in PRESETS}
    net = b2.Network(*groups.values())
    pos = (np.arange(N) - N // 2) * STEP
    for G in groups.values():
        G.I = 1.5 * np.exp(-pos**2 / (2 * 0.5**2))
    net.run(40 * b2.ms)
    u_on = {p: np.array(G.u[:]) for p, G in groups.items()}
    for G in groups.values():
        G.I = 0
    net.run(100 * b2.ms)
    return {p: (u_on[p], np.array(G.u[:])) for p, G in groups.items()}


@pytest.mark.parametrize("preset", ["working_memory", "broad_bump"])
def test_bump_persists_with_amari_width(runs, preset):
    """Amari (1977), Sec. 3: a bump evoked by a transient localized input persists after
    the input is removed (working memory), with the width a of W(a) + h = 0 (stable
    since w(a) < 0). Measured (grid step 0.1): width 2.1 for a = 2.01 (h = -0.5), 2.5
    for a = 2.44 (h = -0.2): within one grid step."""
    p = _params(preset)
    x_m, a = _amari_width(p)
    assert a is not None
    w_a = p["w_E"] * np.exp(-a**2 / 2 / p["sigma_E"]**2) - p["w_I"] * np.exp(-a**2 / 2 / p["sigma_I"]**2)
    assert w_a < 0  # Amari's stability condition holds for this kernel
    u_on, u_off = runs[preset]
    active = u_off > 0
    assert active.any(), "the bump must survive the removal of the input"
    idx = np.flatnonzero(active)
    assert np.all(np.diff(idx) == 1), "one connected bump"
    assert abs(idx.mean() - N // 2) <= 1, "the bump stays where it was evoked"
    width = active.sum() * STEP
    assert abs(width - a) <= STEP, (width, a)


def test_bump_decays_for_weak_excitation(runs):
    """Amari (1977), Sec. 3: for -h > W_m (here w_E = 2: W_m = 0.069 < 0.5) there is no
    a-solution; the excitation evoked by the input dies out when it is removed and the
    field returns to its resting level h."""
    p = _params("weak_excitation")
    _, a = _amari_width(p)
    assert a is None
    u_on, u_off = runs["weak_excitation"]
    assert (u_on > 0).sum() >= 5  # the input did evoke a bump
    assert not (u_off > 0).any()
    assert np.allclose(u_off, p["h"], atol=1e-3)
