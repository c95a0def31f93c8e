"""Montbrio, Pazo & Roxin (2015) firing-rate equations (equations/montbrio_pazo_roxin.toml).

Published behaviour (Phys Rev X 5:021028): bistability of a low-activity node and a
high-activity focus at Delta = 1, J = 15, eta_bar = -5 (Fig. 1) and the damped
oscillation after a current step I0 = 3 (Fig. 2a). Analytic oracle: the fixed points of
the 2D system, solved here from the paper's equations, and their linearisation.
Independent oracle: The Virtual Brain's ``MontbrioPazoRoxin`` right-hand side.
"""

import brainstate
import jax.numpy as jnp
import numpy as np
import saiunit as u
from scipy.optimize import brentq

import neuroplug.brainpy as nbp

from ._helpers import model_rhs

TAU = 10e-3  # s





def paper_fixed_points(eta, J=15.0, Delta=1.0):
    """Fixed points of the paper's Eqs. (12-13) in scaled units (R = tau r, t/tau):
    v = -Delta/(2 pi R) and v^2 + eta + J R - pi^2 R^2 = 0; with the Jacobian's eigenvalues."""
    f = lambda R: (Delta / (2 * np.pi * R)) ** 2 + eta + J * R - np.pi ** 2 * R ** 2
    grid = np.logspace(-4, 1, 5000)
    fv = f(grid)
    out = []
    for k in np.nonzero(fv[:-1] * fv[1:] < 0)[0]:
        R = brentq(f, grid[k], grid[k + 1], xtol=1e-15)
        v = -Delta / (2 * np.pi * R)
        jac = np.array([[2 * v, 2 * R], [J - 2 * np.pi ** 2 * R, 2 * v]])
        out.append((R, v, np.linalg.eigvals(jac)))
    return out


def _run(r0, v0, I, steps, dt_ms=0.01, **params):
    with nbp.precision("float64"), brainstate.environ.context(dt=dt_ms * u.ms):
        layer = nbp.MontbrioPazoRoxin(len(r0), dtype="float64", **params)
        layer.init_state()
        layer.r.value = jnp.asarray(r0, dtype=float) * u.Hz
        layer.v.value = jnp.asarray(v0, dtype=float)

        def step(i):
            out = layer.update(jnp.asarray(I[i] if np.ndim(I) == 2 else I, dtype=float))
            return out.to_decimal(u.Hz), layer.v.value
        r, v = brainstate.transform.for_loop(step, jnp.arange(steps))
    return np.asarray(r) * TAU, np.asarray(v)


def test_bistability_two_stable_fixed_points_fig1():
    """Fig. 1: at eta_bar = -5 (J = 15, Delta = 1) the low node and the high focus are both
    stable; runs from two initial conditions (near rest / near high activity) end on
    the two stable fixed points solved from the paper's equations (within 1e-6:
    the slowest transient, the focus's, has decayed by e^-15 after 500 ms), and at eta_bar = -10 both
    initial conditions reach the single low node."""
    fps = paper_fixed_points(-5.0)
    stable = [(R, v) for R, v, ev in fps if np.all(ev.real < 0)]
    assert len(fps) == 3 and len(stable) == 2
    R, v = _run(np.array([0.05, 0.9]) / TAU, np.array([-2.0, -0.3]), 0.0, 50000)
    assert abs(R[-1, 0] - stable[0][0]) < 1e-6 and abs(v[-1, 0] - stable[0][1]) < 1e-6
    assert abs(R[-1, 1] - stable[1][0]) < 1e-6 and abs(v[-1, 1] - stable[1][1]) < 1e-6
    assert stable[1][0] / stable[0][0] > 10            # 1.031 vs 0.081
    (Rl, vl, _), = paper_fixed_points(-10.0)
    R, v = _run(np.array([0.05, 0.9]) / TAU, np.array([-2.0, -0.3]), 0.0, 50000, eta_bar=-10)
    assert np.all(np.abs(R[-1] - Rl) < 1e-6) and np.all(np.abs(v[-1] - vl) < 1e-6)


def test_damped_oscillation_after_step_fig2():
    """Fig. 2a: a step I0 = 3 from the low state at eta_bar = -5 drives the rate up, and it
    settles on the focus of eta_bar + I0 = -2 through damped oscillations. The period
    and damping of the late (linear) part match the focus eigenvalue
    lambda = (-0.2318 +/- 5.766 i)/tau from the paper's equations: period within 1 %,
    decay per period within 5 % (measured 0.03 % and 0.2 %; peak tau r = 2.88 vs the
    focus at 1.373)."""
    (Rf, vf, ev), = paper_fixed_points(-2.0)
    lam = ev[0]
    r0, v0 = paper_fixed_points(-5.0)[0][:2]
    R, v = _run(np.array([r0 / TAU]), np.array([v0]), 3.0, 50000)
    R = R[:, 0]
    assert R.max() > 1.5 * Rf                           # overshoot of the transient
    assert abs(R[-1] - Rf) < 1e-4                       # focus of eta + I0 = -2
    t = np.arange(len(R)) * 0.01e-3 / TAU               # time in units of tau
    late = (t > 10) & (t < 35)  # linear regime (small amplitude), above rounding
    x = R[late] - Rf
    peaks = np.nonzero((x[1:-1] > x[:-2]) & (x[1:-1] >= x[2:]))[0] + 1
    assert len(peaks) >= 5
    period = np.diff(t[late][peaks]).mean()
    assert abs(period - 2 * np.pi / abs(lam.imag)) < 0.01 * period
    decay = np.exp(np.diff(np.log(x[peaks]))).mean()
    assert abs(decay - np.exp(lam.real * 2 * np.pi / abs(lam.imag))) < 0.05


def test_rhs_matches_tvb():
    """Oracle: TVB's ``MontbrioPazoRoxin.dfun`` (ms, kHz; cr = cv = 0, no coupling) at 200
    random states, inputs and parameter sets. The two are the same formulas in other
    units, so they agree to unit-conversion rounding: |ours - TVB| <= 1e-12 times the sum
    of the magnitudes of the terms of each right-hand side (cancellation between the
    terms is the only amplification)."""
    import tvb.simulator.models as tm

    rng = np.random.default_rng(1)
    n = 200
    r = rng.uniform(0, 300, n)                # Hz
    v = rng.uniform(-3, 2, n)
    I = rng.uniform(-5, 5, n)
    Delta, eta, J = rng.uniform(0.1, 3), rng.uniform(-10, 0), rng.uniform(0, 25)
    ours = model_rhs("montbrio_pazo_roxin", {"r": r, "v": v}, {"I": I},
                     Delta=Delta, eta_bar=eta, J=J)
    tvb = tm.MontbrioPazoRoxin(tau=np.array([10.0]), Delta=np.array([Delta]),
                               eta=np.array([eta]), J=np.array([J]), I=I[:, None],
                               cr=np.array([0.0]), cv=np.array([0.0]))
    tvb.configure()
    d = tvb.dfun(np.stack([r * 1e-3, v])[..., None], np.zeros((2, n, 1)))[..., 0]
    dr, dv = d[0] * 1e6, d[1] * 1e3            # kHz/ms -> Hz/s, 1/ms -> 1/s
    R = r * TAU
    scale_r = (Delta / np.pi + np.abs(2 * R * v)) / TAU ** 2
    scale_v = (v ** 2 + abs(eta) + J * R + (np.pi * R) ** 2 + np.abs(I)) / TAU
    assert np.all(np.abs(ours["r"] - dr) <= 1e-12 * scale_r)
    assert np.all(np.abs(ours["v"] - dv) <= 1e-12 * scale_v)
