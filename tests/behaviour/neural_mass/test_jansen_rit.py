"""Jansen-Rit (1995) neural mass: published behaviour and The Virtual Brain as oracle.

The library model (``equations/jansen_rit.toml``) is run as a Brian2 group (numpy
target). The oracle is ``tvb.simulator.models.JansenRit`` (tvb-library), an
independent implementation written in mV and ms, with the state ordered as ours
(y0..y5) and the external input ``p`` given as its parameter ``mu`` (1/ms).
"""

import brian2 as b2
import numpy as np
import pytest

import neuroplug
import neuroplug.brian2 as nb2

from ._helpers import frequency, model_rhs

b2.prefs.codegen.target = "numpy"

import tvb.simulator.models as tvb_models

STATE = ("y0", "y1", "y2", "y3", "y4", "y5")





def _tvb_jansen_rit(C=135.0, p_hz=220.0):
    """TVB's JansenRit with Jansen & Rit's (1995) values; TVB's default v0 is 5.52 mV
    (from a later paper), Jansen & Rit's is 6 mV."""
    jr = tvb_models.JansenRit(A=np.array([3.25]), B=np.array([22.0]), a=np.array([0.1]),
                              b=np.array([0.05]), v0=np.array([6.0]),
                              nu_max=np.array([0.0025]), r=np.array([0.56]),
                              J=np.array([C]), a_1=np.array([1.0]), a_2=np.array([0.8]),
                              a_3=np.array([0.25]), a_4=np.array([0.25]),
                              mu=np.array([p_hz * 1e-3]))
    jr.configure()
    return jr


def _tvb_dfun(jr, y):
    """TVB's dfun on states y (6 x n, mV and mV/ms), zero long-range and local coupling."""
    n = y.shape[1]
    return jr.dfun(y[..., None], np.zeros((2, n, 1)), local_coupling=0.0)[..., 0]


def test_right_hand_side_matches_the_virtual_brain():
    """The derivatives of our equations equal TVB's JansenRit.dfun at 200 random states
    (SI vs mV/ms: y in mV = 1e3 * volt, y' in mV/ms = volt/second, y'' in mV/ms**2 =
    1e-3 volt/second**2). Tolerance 1e-12 relative to each component's scale: the two
    evaluate the same formula in different units and operation order, so they may
    differ by a few rounding errors (~1e-16) of the largest term, never more."""
    rng = np.random.default_rng(1995)
    n = 200
    # y0 in -0.5..1.5 mV (C*y0 spans the sigmoids), y1, y2 in -5..30 mV, y3..y5 in
    # -0.5..0.5 mV/ms: the ranges the dynamics visit, without exp overflow
    y_mv = np.vstack([rng.uniform(-0.5, 1.5, (1, n)), rng.uniform(-5, 30, (2, n)),
                      rng.uniform(-0.5, 0.5, (3, n))])
    for C, p in ((135.0, 220.0), (270.0, 120.0), (68.0, 320.0)):
        m = neuroplug.model("jansen_rit")
        values = m.parameter_values()
        values["C"] = C
        state = {k: y_mv[i] * 1e-3 for i, k in enumerate(STATE[:3])}
        state.update({k: y_mv[i] for i, k in enumerate(STATE[3:], start=3)})  # mV/ms = V/s
        ours = model_rhs("jansen_rit", state, {"p": p}, values=values)
        theirs = _tvb_dfun(_tvb_jansen_rit(C, p), y_mv)
        for i, k in enumerate(STATE):
            ref = theirs[i] if i < 3 else theirs[i] * 1e3      # -> V/s and V/s**2
            scale = np.max(np.abs(ref))
            assert np.max(np.abs(ours[k] - ref)) <= 1e-12 * scale, (C, p, k)


def _rk4_tvb(jr, y0, dt_ms, nsteps):
    y = np.array(y0, dtype=float)
    out = np.empty((nsteps, y.shape[0], y.shape[1]))
    for s in range(nsteps):
        k1 = _tvb_dfun(jr, y)
        k2 = _tvb_dfun(jr, y + 0.5 * dt_ms * k1)
        k3 = _tvb_dfun(jr, y + 0.5 * dt_ms * k2)
        k4 = _tvb_dfun(jr, y + dt_ms * k3)
        y = y + dt_ms / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        out[s] = y
    return out


@pytest.mark.slow
def test_alpha_trajectory_matches_the_virtual_brain():
    """1 s of the alpha rhythm (C = 135, p = 220 Hz, from rest) with classic RK4 at
    dt = 0.1 ms: our Brian2 group against TVB's dfun stepped by the same RK4.
    Same scheme and step, so the traces differ only by rounding (different units and
    operation order), which the stable limit cycle does not amplify: bound 1e-8 of the
    range of the EEG output y1 - y2 (measured 1.1e-14). Slow (10 000 Brian2 numpy steps
    and 40 000 TVB dfun calls, ~5 s)."""
    dt_ms, nsteps = 0.1, 10000
    b2.start_scope()
    G = nb2.group("jansen_rit", 1, dt=dt_ms * b2.ms)
    G.p = 220 * b2.Hz
    M = b2.StateMonitor(G, ["y1", "y2"], record=True)
    b2.Network(G, M).run(nsteps * dt_ms * b2.ms)
    ours = (M.y1_[0] - M.y2_[0]) * 1e3                      # mV, after each step
    theirs = _rk4_tvb(_tvb_jansen_rit(135.0, 220.0), np.zeros((6, 1)), dt_ms, nsteps)
    theirs = theirs[:, 1, 0] - theirs[:, 2, 0]
    # Brian2's monitor records before the step: shift by one step
    diff = np.max(np.abs(ours[1:] - theirs[:-1]))
    assert diff <= 1e-8 * np.ptp(theirs), diff





@pytest.fixture(scope="module")
def sweep():
    """One group: the alpha range, the C sweep of Fig. 3 and the p sweep across the
    onset of the spike-like cycles; 2 s at dt = 0.5 ms (RK4: a dt = 0.05), the last 1 s analysed."""
    cases = [(135, 150), (135, 220), (135, 320),                        # alpha
             (68, 220), (128, 220), (270, 220), (675, 220), (1350, 220),  # Fig. 3
             (135, 105), (135, 110), (135, 118), (135, 125), (135, 135)]  # spike-like
    b2.start_scope()
    G = nb2.group("jansen_rit", len(cases), dt=0.5 * b2.ms,
                  C=np.array([float(c) for c, _ in cases]))
    G.p = np.array([p for _, p in cases]) * b2.Hz
    M = b2.StateMonitor(G, "v_pyr", record=True, dt=1 * b2.ms)
    b2.Network(G, M).run(2000 * b2.ms)
    out = {}
    for k, case in enumerate(cases):
        x = M.v_pyr_[k][1000:] * 1e3                         # mV
        out[case] = (np.ptp(x), frequency(x, 1000.0))
    return out


def test_alpha_rhythm_at_the_standard_parameters(sweep):
    """Jansen & Rit (1995), Fig. 3 (C = 135) and Fig. 7: with the standard parameters
    and p inside 120-320 pulses/s the model produces an alpha rhythm, 8-12 Hz
    (measured 10.4, 10.9, 11.1 Hz at p = 150, 220, 320 Hz; 4.2-2.2 mV peak to peak)."""
    for p in (150, 220, 320):
        ptp, f = sweep[(135, p)]
        assert 8.0 <= f <= 12.0, (p, f)
        assert ptp > 1.0, (p, ptp)


def test_connectivity_sweep(sweep):
    """Jansen & Rit (1995), Fig. 3 (C = 68, 128, 135, 270, 675, 1350 at the same input):
    too little (C = 68) and too much (C = 1350) feedback give no rhythm (a fixed point
    for a constant input; noise-like output for the paper's random input); C = 128-135
    give the ~10 Hz alpha rhythm; C = 270 and 675 give large-amplitude, slower
    spike-like activity (measured 5.1 and 2.7 Hz, 41 and 146 mV peak to peak, vs
    3.3 mV for the alpha rhythm at C = 135)."""
    for C in (68, 1350):
        assert sweep[(C, 220)][0] < 1e-3, (C, sweep[(C, 220)])
    for C in (128, 135):
        assert 8.0 <= sweep[(C, 220)][1] <= 12.0, (C, sweep[(C, 220)])
    alpha_ptp = sweep[(135, 220)][0]
    for C in (270, 675):
        ptp, f = sweep[(C, 220)]
        assert ptp > 5 * alpha_ptp and 2.0 <= f <= 8.0, (C, ptp, f)


def test_spike_like_cycle_born_on_an_invariant_circle(sweep):
    """Grimbert & Faugeras (2006), bifurcation diagram in p (standard parameters): below
    p ~ 113 Hz the stable state is a fixed point; just above, large-amplitude spike-like
    cycles appear with a period that diverges at the onset (a saddle-node on an
    invariant circle), so their frequency grows with p from ~0 Hz; near p ~ 137 Hz they
    give way to the alpha cycle. Measured: no oscillation at 105/110 Hz; 2.1, 2.8, 3.7 Hz
    at 118/125/135 Hz with ~10 mV peak to peak (three times the alpha amplitude)."""
    for p in (105, 110):
        assert sweep[(135, p)][0] < 1e-3, (p, sweep[(135, p)])
    freqs = [sweep[(135, p)][1] for p in (118, 125, 135)]
    assert 0.5 < freqs[0] < freqs[1] < freqs[2] < 6.0, freqs
    for p in (118, 125, 135):
        assert sweep[(135, p)][0] > 2.5 * sweep[(135, 220)][0], (p, sweep[(135, p)])
