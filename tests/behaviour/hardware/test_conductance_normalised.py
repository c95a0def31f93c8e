"""Published behaviour of the normalised conductance-based LIF map
(``conductance_normalised``, the ``SCConductanceNeuron`` of the SC-NeuroCore tutorial).

Checks: the tutorial's reference code (transcribed below from the tutorial text) is
reproduced step by step over random inputs that reach every clamp; at constant
conductances the membrane relaxes to the effective reversal potential with the
effective time constant tau_eff = 1/(1/tau_m + g_E + g_I) of the high-conductance-state
analysis (Destexhe et al. 2003, Box 1; Kuhn et al. 2004, Eqs. 3-4), and the cell fires
exactly when that potential reaches threshold (excitation shunted by inhibition raises
the rheobase as the formula says).
"""

import numpy as np
import pytest

from ._mcells import run_layer

V_REST, V_E, V_I, V_TH, TAU_M, TAU_E, TAU_I = 0.30, 0.90, 0.10, 0.60, 20.0, 5.0, 10.0


class TutorialConductance:
    """SCConductanceNeuron.step of the SC-NeuroCore tutorial (section 6), transcribed."""

    def __init__(self, V_rest=0.30, V_E=0.90, V_I=0.10, V_threshold=0.60, V_reset=0.30,
                 tau_m=20.0, tau_E=5.0, tau_I=10.0, dt=1.0):
        self.__dict__.update(locals())
        self.V, self.g_E, self.g_I = V_rest, 0.0, 0.0

    def step(self, I_exc=0.0, I_inh=0.0):
        self.g_E += (-self.g_E / self.tau_E + I_exc) * self.dt
        self.g_I += (-self.g_I / self.tau_I + I_inh) * self.dt
        self.g_E = max(0.0, self.g_E)
        self.g_I = max(0.0, self.g_I)
        I_syn = self.g_E * (self.V_E - self.V) + self.g_I * (self.V_I - self.V)
        dV = (-(self.V - self.V_rest) / self.tau_m + I_syn) * self.dt
        self.V += dV
        self.V = min(max(self.V, 0.0), 1.0)
        spike = self.V >= self.V_threshold
        if spike:
            self.V = self.V_reset
        return int(spike), self.V, self.g_E, self.g_I


def test_conductance_normalised_reproduces_tutorial_code_step_by_step():
    """Random piecewise-constant excitatory and inhibitory drives (2 x 3000 steps, each in
    [-0.2, 0.6]): spikes identical and v, g_E, g_I within 1e-12 of the tutorial's code
    at every step (the same double operations, possibly reassociated by Brian2's code
    generation: rounding-level differences only). Corners reached and asserted: g_E = 0 and g_I = 0 (negative
    drive), v = 0 and v = 1 (Euler overshoot past a reversal potential at large
    conductance), spikes."""
    rng = np.random.default_rng(7)

    def blocks():
        x = np.repeat(rng.uniform(-0.2, 0.5, (30, 2)), 100, axis=0)
        return x + rng.uniform(-0.1, 0.1, x.shape)

    exc, inh = blocks(), blocks()
    got = run_layer("conductance_normalised", exc, record=("v", "g_E", "g_I"),
                    extra={"I_inh": inh})
    for k in range(exc.shape[1]):
        ref = TutorialConductance()
        out = np.array([ref.step(float(e), float(i)) for e, i in zip(exc[:, k], inh[:, k])])
        np.testing.assert_array_equal(got["spike"][:, k], out[:, 0] > 0.5)
        for col, name in enumerate(("v", "g_E", "g_I"), start=1):
            assert np.max(np.abs(got[name][:, k] - out[:, col])) <= 1e-12, name
    assert np.sum(got["g_E"] == 0) > 50 and np.sum(got["g_I"] == 0) > 50
    assert np.sum(got["v"] == 0) > 10 and got["spike"].sum() > 50
    # v = 1: a strong excitatory kick from rest overshoots V_E (threshold moved out of reach)
    got = run_layer("conductance_normalised", np.array([[1.2], [1.2]]), record=("v",),
                    V_th=1.5)
    assert got["v"][0, 0] == 1.0 and not got["spike"].any()


def test_conductance_normalised_effective_reversal_and_time_constant():
    """Constant drives, conductances started at their steady state g_E* = tau_E I_exc,
    g_I* = tau_I I_inh: v, started at rest, converges to V_eff = (V_rest/tau_m + g_E V_E + g_I V_I)/g_tot with
    g_tot = 1/tau_m + g_E + g_I (within 1e-12) and its distance to V_eff shrinks by the
    factor 1 - h g_tot per step, the forward-Euler image of tau_eff = 1/g_tot (within
    1e-6). tau_eff falls in proportion to the total conductance (three-fold here), the
    shortening of the integration time in the high-conductance state."""
    exc = np.array([0.002, 0.004, 0.006])
    inh = np.array([0.0, 0.004, 0.010])
    g_e, g_i = TAU_E * exc, TAU_I * inh
    g_tot = 1 / TAU_M + g_e + g_i
    v_eff = (V_REST / TAU_M + g_e * V_E + g_i * V_I) / g_tot
    assert np.all(v_eff < V_TH)
    got = run_layer("conductance_normalised", np.tile(exc, (800, 1)), record=("v", "g_E"),
                    extra={"I_inh": np.tile(inh, (800, 1))}, init={"g_E": g_e, "g_I": g_i})
    assert not got["spike"].any()
    np.testing.assert_allclose(got["g_E"][-1], g_e, rtol=1e-12)
    np.testing.assert_allclose(got["v"][-1], v_eff, atol=1e-12)
    d = got["v"][5:15] - v_eff
    np.testing.assert_allclose(d[1:] / d[:-1], np.broadcast_to(1 - g_tot, (9, 3)), rtol=1e-6)
    assert (1 / g_tot[0]) / (1 / g_tot[-1]) == pytest.approx(3.0)


def test_conductance_normalised_rheobase_from_effective_reversal():
    """The cell fires iff V_eff >= V_th. Without inhibition that needs
    g_E* = (V_th - V_rest)/(tau_m (V_E - V_th)), i.e. I_exc = 0.01; with g_I* = 0.05
    (I_inh = 0.005) shunting inhibition raises it to
    I_exc = (V_th - V_rest)/tau_m + g_I (V_th - V_I))/(tau_E (V_E - V_th)) = 0.02667.
    2% below each: silent for 3000 steps; 2% above: fires (conductances started at their
    steady state, so that no transient of the faster g_E fires the cell)."""
    i0 = (V_TH - V_REST) / (TAU_M * (V_E - V_TH)) / TAU_E
    g_i = TAU_I * 0.005
    i1 = ((V_TH - V_REST) / TAU_M + g_i * (V_TH - V_I)) / (TAU_E * (V_E - V_TH))
    exc = np.array([0.98 * i0, 1.02 * i0, 0.98 * i1, 1.02 * i1])
    inh = np.array([0.0, 0.0, 0.005, 0.005])
    got = run_layer("conductance_normalised", np.tile(exc, (3000, 1)),
                    extra={"I_inh": np.tile(inh, (3000, 1))},
                    init={"g_E": TAU_E * exc, "g_I": TAU_I * inh})
    n = got["spike"].sum(axis=0)
    assert n[0] == 0 and n[2] == 0 and n[1] > 0 and n[3] > 0, n
    assert abs(i0 - 0.01) < 1e-15 and abs(i1 - 0.0266667) < 1e-6
