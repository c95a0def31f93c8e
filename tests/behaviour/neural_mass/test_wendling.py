"""Wendling et al. (2002) neural mass: the activity types of Fig. 3 under a constant
input, and the Jansen-Rit reduction (G = 0) as its oracle.

The Virtual Brain (tvb-library) has no Wendling model; the oracle is the library's
Jansen-Rit model, itself checked against TVB (``test_jansen_rit.py``): with the fast
somatic inhibition removed (G = 0) Wendling's equations are Jansen & Rit's.
"""

import brian2 as b2
import numpy as np
import pytest

import neuroplug
import neuroplug.brian2 as nb2

from ._helpers import frequency, model_rhs

b2.prefs.codegen.target = "numpy"

#: (A, B, G) in mV of the six activity types, Wendling et al. (2002), Fig. 3
TYPES = {1: (5, 50, 15), 2: (5, 40, 15), 3: (5, 25, 15), 4: (5, 10, 15), 5: (5, 5, 25),
         6: (5, 15, 0)}





def test_presets_are_the_activity_types_of_fig3():
    m = neuroplug.model("wendling")
    for t, (A, B, G) in TYPES.items():
        v = m.parameter_values(f"type{t}")
        assert (float(v["A"]), float(v["B"]), float(v["G"])) == \
            pytest.approx((A * 1e-3, B * 1e-3, G * 1e-3), rel=1e-12)


def test_reduces_to_jansen_rit_without_fast_inhibition():
    """G = 0 (and y3 = y8 = 0): Wendling's right-hand side for the Jansen-Rit variables
    (y0, y1, y2 and derivatives) equals the Jansen-Rit model's at 200 random states,
    for the Jansen-Rit and the type-6 gains. The two files compute the same formula in
    the same order, so the bound is 1e-15 of each component's scale (rounding only)."""
    rng = np.random.default_rng(2002)
    n = 200
    pairs = {"y0": "y0", "y1": "y1", "y2": "y2", "y5": "y3", "y6": "y4", "y7": "y5"}
    for A, B in ((3.25, 22.0), (5.0, 15.0)):
        wd = neuroplug.model("wendling").parameter_values()
        jr = neuroplug.model("jansen_rit").parameter_values()
        for vals in (wd, jr):
            vals["A"], vals["B"] = A * b2.mV, B * b2.mV
        wd["G"] = 0 * b2.mV
        y = {"y0": rng.uniform(-0.5e-3, 1.5e-3, n), "y1": rng.uniform(-5e-3, 30e-3, n),
             "y2": rng.uniform(-5e-3, 30e-3, n)}
        dy = {k: rng.uniform(-0.5, 0.5, n) for k in ("y5", "y6", "y7")}
        wstate = {**y, **dy, "y3": np.zeros(n), "y4": rng.uniform(-5e-3, 30e-3, n),
                  "y8": np.zeros(n), "y9": rng.uniform(-0.5, 0.5, n)}
        jstate = {**y, "y3": dy["y5"], "y4": dy["y6"], "y5": dy["y7"]}
        w = model_rhs("wendling", wstate, {"p": 90.0}, values=wd)
        j = model_rhs("jansen_rit", jstate, {"p": 90.0}, values=jr)
        assert np.all(w["y3"] == 0) and np.all(w["y8"] == 0)  # fast branch stays at rest
        for wk, jk in pairs.items():
            assert np.max(np.abs(w[wk] - j[jk])) <= 1e-15 * np.max(np.abs(j[jk])), (A, B, wk)


def test_reduced_trajectory_equals_jansen_rit():
    """The same reduction over time: 0.3 s of the type-6 gains with G = 0 (p = 90 Hz,
    RK4, dt = 0.5 ms) in both models. The EEG outputs agree to 1e-12 of their range
    (Brian2 generates the same RK4 arithmetic for the shared variables; measured 0)."""
    outs = []
    for model_id, params in (("wendling", {"G": 0 * b2.mV}), ("jansen_rit", {})):
        b2.start_scope()
        G = nb2.group(model_id, 1, dt=0.5 * b2.ms, A=5 * b2.mV, B=15 * b2.mV, **params)
        G.p = 90 * b2.Hz
        M = b2.StateMonitor(G, "v_pyr", record=0)
        b2.Network(G, M).run(300 * b2.ms)
        outs.append(np.array(M.v_pyr_[0]))
    assert np.ptp(outs[1]) > 1e-3                      # the oscillation is there
    assert np.max(np.abs(outs[0] - outs[1])) <= 1e-12 * np.ptp(outs[1])





def test_activity_types_under_a_constant_input():
    """Wendling et al. (2002), Fig. 3, with the mean input p = 90 Hz held constant (the
    paper adds white noise of 30 Hz s.d.): type 3 (sustained discharge of spikes) is a
    large-amplitude rhythmic discharge of a few Hz; type 6 (quasi-sinusoidal activity)
    a smaller, faster, alpha-band sinusoid; types 1, 2, 4 and 5 (background, sporadic
    spikes, slow rhythmic, low-voltage rapid activity) have a stable fixed point, i.e.
    they are activity that the paper's noise drives, not a self-sustained rhythm.
    Measured (1.5 s, RK4, dt = 0.5 ms, last 0.75 s): type 3 4.5 Hz, 18.8 mV peak to
    peak; type 6 11.0 Hz, 10.3 mV; the others < 1e-3 mV and decaying (bound 0.01 mV)."""
    b2.start_scope()
    A, B, G = (np.array(v, dtype=float) * b2.mV for v in zip(*TYPES.values()))
    grp = nb2.group("wendling", len(TYPES), dt=0.5 * b2.ms, A=A, B=B, G=G)
    grp.p = 90 * b2.Hz
    M = b2.StateMonitor(grp, "v_pyr", record=True, dt=1 * b2.ms)
    b2.Network(grp, M).run(1500 * b2.ms)
    res = {}
    for k, t in enumerate(TYPES):
        x = M.v_pyr_[k][750:] * 1e3
        res[t] = (np.ptp(x), frequency(x, 1000.0))
    for t in (1, 2, 4, 5):
        assert res[t][0] < 1e-2, (t, res[t])
    ptp3, f3 = res[3]
    ptp6, f6 = res[6]
    assert 2.0 <= f3 <= 7.0 and ptp3 > 10.0, res[3]
    assert 8.0 <= f6 <= 14.0 and 2.0 < ptp6 < ptp3, res[6]
