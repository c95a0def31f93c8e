"""Wilson & Cowan (1972): limit cycle and hysteresis, with The Virtual Brain as oracle.

The library model (``equations/wilson_cowan.toml``) runs as a Brian2 group (numpy
target). The oracle is ``tvb.simulator.models.WilsonCowan`` (tvb-library): its
``b_e``/``b_i`` are our thresholds ``theta_e``/``theta_i`` (TVB's own ``theta_e``,
``theta_i`` are extra offsets, set to 0), ``c_ee, c_ei, c_ie, c_ii`` are c1..c4, and
``shift_sigmoid=True`` is Wilson & Cowan's S(0) = 0 sigmoid; TVB's time is in ms.
"""

import brian2 as b2
import numpy as np
import pytest

import neuroplug
import neuroplug.brian2 as nb2

from ._helpers import model_rhs

b2.prefs.codegen.target = "numpy"

import tvb.simulator.models as tvb_models


def _tvb(values, P, Q=0.0):
    f = {k: float(v) for k, v in values.items()}
    wc = tvb_models.WilsonCowan(
        c_ee=np.array([f["c1"]]), c_ei=np.array([f["c2"]]), c_ie=np.array([f["c3"]]),
        c_ii=np.array([f["c4"]]), tau_e=np.array([f["tau_e"] * 1e3]),
        tau_i=np.array([f["tau_i"] * 1e3]), a_e=np.array([f["a_e"]]),
        b_e=np.array([f["theta_e"]]), a_i=np.array([f["a_i"]]), b_i=np.array([f["theta_i"]]),
        theta_e=np.array([0.0]), theta_i=np.array([0.0]), c_e=np.array([1.0]),
        c_i=np.array([1.0]), r_e=np.array([f["r_e"]]), r_i=np.array([f["r_i"]]),
        k_e=np.array([f["k_e"]]), k_i=np.array([f["k_i"]]), P=np.array([P]),
        Q=np.array([Q]), alpha_e=np.array([1.0]), alpha_i=np.array([1.0]),
        shift_sigmoid=np.array([True]))
    wc.configure()
    return wc


def _tvb_dfun(wc, y):
    n = y.shape[1]
    return wc.dfun(y[..., None], np.zeros((2, n, 1)), local_coupling=0.0)[..., 0]


@pytest.mark.parametrize("preset", ["limit_cycle", "hysteresis"])
def test_right_hand_side_matches_the_virtual_brain(preset):
    """Derivatives at 200 random states (E, I in -0.1..0.6) and several P, Q equal
    TVB's WilsonCowan.dfun (1/ms -> 1/s). Same formula, different operation order:
    bound 1e-12 of each component's scale (a few roundings of ~1e-16)."""
    rng = np.random.default_rng(1972)
    n = 200
    values = neuroplug.model("wilson_cowan").parameter_values(preset)
    values["k_e"], values["k_i"] = 0.97, 0.99          # k enters too: not 1
    y = rng.uniform(-0.1, 0.6, (2, n))
    for P, Q in ((0.0, 0.0), (1.25, 0.0), (-0.5, 0.7)):
        ours = model_rhs("wilson_cowan", {"E": y[0], "I": y[1]}, {"P": P, "Q": Q}, values=values)
        theirs = _tvb_dfun(_tvb(values, P, Q), y) * 1e3
        for i, k in enumerate(("E", "I")):
            scale = np.max(np.abs(theirs[i]))
            assert np.max(np.abs(ours[k] - theirs[i])) <= 1e-12 * scale, (preset, P, Q, k)


@pytest.mark.slow
def test_limit_cycle_trajectory_matches_the_virtual_brain():
    """1 s of the limit cycle (P = 1.25, from E = I = 0, RK4, dt = 0.1 ms): our Brian2
    group against TVB's dfun stepped by the same classic RK4. Same scheme and step,
    the cycle is stable: traces differ by rounding only, bound 1e-9 of the range of E
    (measured 1.7e-13). Slow: 10 000 Brian2 numpy steps and 40 000 TVB dfun calls."""
    dt_ms, nsteps = 0.1, 10000
    b2.start_scope()
    G = nb2.group("wilson_cowan", 1, dt=dt_ms * b2.ms)
    G.P = 1.25
    M = b2.StateMonitor(G, "E", record=0)
    b2.Network(G, M).run(nsteps * dt_ms * b2.ms)
    wc = _tvb(neuroplug.model("wilson_cowan").parameter_values(), 1.25)
    y = np.zeros((2, 1))
    theirs = np.empty(nsteps)
    for s in range(nsteps):
        k1 = _tvb_dfun(wc, y)
        k2 = _tvb_dfun(wc, y + 0.5 * dt_ms * k1)
        k3 = _tvb_dfun(wc, y + 0.5 * dt_ms * k2)
        k4 = _tvb_dfun(wc, y + dt_ms * k3)
        y = y + dt_ms / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        theirs[s] = y[0, 0]
    ours = np.array(M.E[0])
    assert np.ptp(theirs[5000:]) > 0.1
    assert np.max(np.abs(ours[1:] - theirs[:-1])) <= 1e-9 * np.ptp(theirs)


def _cycle(x, dt_ms):
    mid = 0.5 * (x.min() + x.max())
    up = np.nonzero((x[:-1] < mid) & (x[1:] >= mid))[0]
    period = np.mean(np.diff(up)) * dt_ms if len(up) >= 2 else np.inf
    return np.ptp(x), period


def test_limit_cycle():
    """Wilson & Cowan (1972), limit-cycle parameter set (Figs. 8-9): no oscillation
    without input (P = 0) and none for a strong input (P = 3, E saturates high); at
    P = 1.25 a stable oscillation whose amplitude and period do not depend on the
    initial state (a limit cycle, not a centre). Measured: E from 0.10 to 0.27,
    period 5.0 tau (50 ms with tau = 10 ms), from (0, 0) and from (0.4, 0.1)."""
    b2.start_scope()
    G = nb2.group("wilson_cowan", 4, dt=0.2 * b2.ms)
    G.P = np.array([0.0, 1.25, 1.25, 3.0])
    G.E = np.array([0.0, 0.0, 0.4, 0.0])
    G.I = np.array([0.0, 0.0, 0.1, 0.0])
    M = b2.StateMonitor(G, "E", record=True, dt=0.2 * b2.ms)
    b2.Network(G, M).run(600 * b2.ms)
    tail = M.E[:, 1500:]                                 # last 300 ms = 6 cycles
    assert np.ptp(tail[0]) < 1e-3 and np.ptp(tail[3]) < 1e-3    # vs > 0.1 on the cycle
    (a1, T1), (a2, T2) = _cycle(tail[1], 0.2), _cycle(tail[2], 0.2)
    assert a1 > 0.1 and abs(a1 - a2) < 1e-3 * a1, (a1, a2)
    tau_ms = 10.0
    assert 3 * tau_ms < T1 < 8 * tau_ms and abs(T1 - T2) < 0.01 * T1, (T1, T2)


def test_hysteresis_sweeping_P_up_and_down():
    """Wilson & Cowan (1972), multiple steady states and hysteresis (parameter set of
    Figs. 2-5): P is swept from -1 to 1 in steps of 0.25 (150 ms = 15 tau each) in one
    population and from 1 down to -1 in another (RK4, dt = 0.5 ms). Going up, E follows
    the low branch up to P = 0.25 and jumps to the high branch at P = 0.5; going down
    it stays high down to P = -0.5 and drops at P = -0.75. For P = -0.5...0.25 the same
    input holds two different stable states (measured: low E <= 0.034, high
    E >= 0.39); elsewhere both directions end in the same state."""
    Ps = np.arange(-1.0, 1.01, 0.25)
    seg_ms = 150.0
    sweep = b2.TimedArray(np.vstack([Ps, Ps[::-1]]).T, dt=seg_ms * b2.ms)
    b2.start_scope()
    G = nb2.group("wilson_cowan", 2, preset="hysteresis", dt=0.5 * b2.ms)
    G.run_regularly("P = sweep(t, i)", dt=0.5 * b2.ms, when="before_groups")
    M = b2.StateMonitor(G, "E", record=True, dt=0.5 * b2.ms)
    b2.Network(G, M).run(len(Ps) * seg_ms * b2.ms, namespace={"sweep": sweep})
    ends = (np.arange(1, len(Ps) + 1) * int(seg_ms / 0.5)) - 1   # last sample per level
    up, down = M.E[0][ends], M.E[1][ends][::-1]
    both = (Ps > -0.6) & (Ps < 0.3)
    assert np.all(down[both] - up[both] > 0.3), (up, down)
    assert np.all(np.abs(down[~both] - up[~both]) < 1e-4), (up, down)  # one branch
    assert up.max() > 0.4 and up.min() < 0.0
