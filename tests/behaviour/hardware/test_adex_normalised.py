"""Published behaviour of the normalised AdEx map (``adex_normalised``).

The model is the ``SCAdExNeuron`` of the SC-NeuroCore custom-model tutorial: the AdEx of
Brette & Gerstner (2005) with voltages rescaled to V/(100 mV) + 1, one forward-Euler
step per iteration, the exponent clamped at 5 and the state clamped to v in [0, 1],
w >= 0. Checks:

* the tutorial's own reference code (transcribed below from the tutorial text) is
  reproduced step by step over random inputs that reach every clamp;
* the rheobase equals the saddle-node current of Touboul & Brette (2008),
  I_SN = (g_L + a)(V_T - E_L - Delta_T + Delta_T ln(1 + a/g_L)), and below it the cell
  rests at the analytic fixed point;
* the presets are Naud et al. (2008) Table 1 converted to the normalised units: the same
  firing patterns (Fig. 4a-d) and the spike times of the library's dimensional ``adex``
  (an independent model file, forward Euler at 0.1 ms) for the same Table 1 values.
"""

import math

import brian2 as b2
import numpy as np
import pytest
from scipy.optimize import brentq

import neuroplug
import neuroplug.brian2 as nb2

from ._mcells import run_layer

b2.prefs.codegen.target = "numpy"


class TutorialAdEx:
    """SCAdExNeuron.step of the SC-NeuroCore tutorial (section 2), transcribed."""

    def __init__(self, E_L=0.30, V_T=0.50, V_reset=0.28, V_peak=0.80, delta_T=0.02,
                 g_L=0.10, a=0.02, b=0.05, tau_w=30.0, dt=1.0):
        self.__dict__.update(locals())
        self.V, self.w = E_L, 0.0
        self.exp_clamped = 0

    def step(self, I):
        raw = (self.V - self.V_T) / max(self.delta_T, 1e-6)
        self.exp_clamped += raw > 5.0
        exp_term = self.delta_T * math.exp(min(raw, 5.0))
        dV = (-self.g_L * (self.V - self.E_L) + self.g_L * exp_term - self.w + I) * self.dt
        self.V += dV
        dw = (self.a * (self.V - self.E_L) - self.w) / self.tau_w * self.dt
        self.w += dw
        spike = self.V >= self.V_peak
        if spike:
            self.V = self.V_reset
            self.w += self.b
        self.V = min(max(self.V, 0.0), 1.0)
        self.w = max(0.0, self.w)
        return int(spike), self.V, self.w


def test_adex_normalised_reproduces_tutorial_code_step_by_step():
    """Random piecewise-constant inputs in [-0.4, 0.7] (2 x 3000 steps): spikes identical
    and v, w within 1e-12 of the tutorial's code at every step (the same double-precision
    operations in the same order; 1e-12 leaves room for a last-bit difference between
    XLA's exp and libm's). Corners reached and asserted: the clamp v = 0, the clamp
    w = 0, the exponent clamp (v above V_T + 5 Delta_T), spikes and resets."""
    rng = np.random.default_rng(20240613)
    drive = np.repeat(rng.uniform(-0.3, 0.6, (30, 2)), 100, axis=0)
    drive += rng.uniform(-0.1, 0.1, drive.shape)
    got = run_layer("adex_normalised", drive, record=("v", "w"))
    for k in range(drive.shape[1]):
        ref = TutorialAdEx()
        out = np.array([ref.step(float(x)) for x in drive[:, k]])
        np.testing.assert_array_equal(got["spike"][:, k], out[:, 0] > 0.5)
        assert np.max(np.abs(got["v"][:, k] - out[:, 1])) <= 1e-12
        assert np.max(np.abs(got["w"][:, k] - out[:, 2])) <= 1e-12
        assert ref.exp_clamped > 0
    assert np.sum(got["v"] == 0.0) > 100 and np.sum(got["w"] == 0.0) > 100
    assert got["spike"].sum() > 100


def test_adex_normalised_tutorial_example_adapts():
    """Tutorial section 3 protocol (I = 0.15 for 50 < t < 250, 300 steps): the
    inter-spike interval grows ('spike-frequency adaptation, a hallmark of the AdEx
    model': it more than doubles, rising over the first five spikes, then stays within one
    step of its adapted value) and w accumulates."""
    t = np.arange(300)
    drive = np.where((t > 50) & (t < 250), 0.15, 0.0)[:, None]
    got = run_layer("adex_normalised", drive, record=("w",))
    isi = np.diff(np.nonzero(got["spike"][:, 0])[0])
    assert len(isi) >= 4 and np.all(np.diff(isi[:5]) > 0) and isi[-1] >= 2 * isi[0], isi
    assert got["w"][249, 0] > 0.05


def test_adex_normalised_rheobase_is_touboul_brette_saddle_node():
    """Tonic-preset parameters (a/g_L = 0.2 < tau_m/tau_w = 0.67: saddle-node case of
    Touboul & Brette 2008). I_SN from their formula; at 0.97 I_SN the map rests at the
    fixed point solved from I = g_L(v - E_L) - g_L Delta_T exp((v - V_T)/Delta_T) + a(v - E_L)
    (within 1e-9; the Euler map has the equilibria of the ODE), at 1.03 I_SN it fires."""
    E_L, V_T, D, g_L, a = 0.30, 0.50, 0.02, 0.05, 0.01
    i_sn = (g_L + a) * (V_T - E_L - D + D * math.log(1 + a / g_L))
    drive = np.tile([0.97 * i_sn, 1.03 * i_sn], (20000, 1))
    got = run_layer("adex_normalised", drive, record=("v",), preset="tonic")
    f = lambda v: g_L * (v - E_L) - g_L * D * math.exp((v - V_T) / D) + a * (v - E_L) - 0.97 * i_sn
    v_star = brentq(f, E_L, V_T + D * math.log(1 + a / g_L), xtol=1e-15)
    assert not got["spike"][:, 0].any()
    assert abs(got["v"][-1, 0] - v_star) < 1e-9
    assert got["spike"][:, 1].sum() >= 3


# Naud et al. (2008), Table 1: C (pF), g_L (nS), E_L, V_T, Delta_T, V_r (mV), a (nS),
# tau_w (ms), b (pA) and the step current I (pA) of each pattern.
NAUD = {
    "tonic": {"C": 200, "g_L": 10, "E_L": -70, "V_T": -50, "Delta_T": 2, "a": 2, "tau_w": 30, "b": 0, "V_r": -58, "I": 500},
    "adapting": {"C": 200, "g_L": 12, "E_L": -70, "V_T": -50, "Delta_T": 2, "a": 2, "tau_w": 300, "b": 60, "V_r": -58, "I": 500},
    "initial_burst": {"C": 130, "g_L": 18, "E_L": -58, "V_T": -50, "Delta_T": 2, "a": 4, "tau_w": 150, "b": 120, "V_r": -50, "I": 400},
    "regular_bursting": {"C": 200, "g_L": 10, "E_L": -58, "V_T": -50, "Delta_T": 2, "a": 2, "tau_w": 120, "b": 100, "V_r": -46, "I": 210},
}


def _naud_spikes_dimensional():
    """Library ``adex`` (forward Euler, 0.1 ms), Table 1 values, V_peak = V_T + 5 Delta_T."""
    b2.start_scope()
    col = {k: np.array([p[k] for p in NAUD.values()], float) for k in NAUD["tonic"]}
    G = nb2.group("adex", len(NAUD), method="euler", dt=0.1 * b2.ms,
                  C=col["C"] * b2.pF, g_L=col["g_L"] * b2.nS, E_L=col["E_L"] * b2.mV,
                  V_T=col["V_T"] * b2.mV, Delta_T=col["Delta_T"] * b2.mV, a=col["a"] * b2.nS,
                  tau_w=col["tau_w"] * b2.ms, b=col["b"] * b2.pA, V_r=col["V_r"] * b2.mV,
                  V_peak=(col["V_T"] + 5 * col["Delta_T"]) * b2.mV)
    G.I = col["I"] * b2.pA
    G.v = col["E_L"] * b2.mV
    mon = b2.SpikeMonitor(G)
    b2.Network(G, mon).run(500 * b2.ms)
    return [np.asarray(mon.t_[mon.i[:] == k]) * 1e3 for k in range(len(NAUD))]


def test_adex_normalised_naud_patterns_match_dimensional_adex():
    """Each preset (Table 1 converted: v = V/100 mV + 1, rates per ms, h = 0.1 ms),
    driven by its Table 1 current, over 500 ms: the same number of spikes as the
    dimensional AdEx and every spike within 0.5 ms (measured: <= 0.2 ms; the map updates
    w with the new v, Brian2's Euler with the old one, an O(h) difference), and the
    pattern of Naud et al. Fig. 4: tonic (late ISIs equal within 2%), adapting (last ISI
    > 5 x first), initial burst (two ISIs < 10 ms, then > 50 ms), regular bursting
    (short ISIs < 10 ms alternating with long ones > 100 ms)."""
    ref = _naud_spikes_dimensional()
    model = neuroplug.model("adex_normalised")
    conv = {name: {"E_L": p["E_L"] / 100 + 1, "V_T": p["V_T"] / 100 + 1,
                   "V_reset": p["V_r"] / 100 + 1, "V_peak": (p["V_T"] + 5 * p["Delta_T"]) / 100 + 1,
                   "Delta_T": p["Delta_T"] / 100, "g_L": p["g_L"] / p["C"], "a": p["a"] / p["C"],
                   "b": p["b"] / p["C"] / 100, "tau_w": p["tau_w"], "h": 0.1}
            for name, p in NAUD.items()}
    for name, values in conv.items():  # the presets are exactly this conversion
        preset = model.presets[name]
        assert {k: float(v) for k, v in preset.parameters.items()} == pytest.approx(values, rel=1e-12)
        assert float(preset.stimulus) == pytest.approx(NAUD[name]["I"] / NAUD[name]["C"] / 100, rel=1e-12)
    overrides = {k: np.array([c[k] for c in conv.values()]) for k in conv["tonic"]}
    drive = np.tile([p["I"] / p["C"] / 100 for p in NAUD.values()], (5000, 1))
    got = run_layer("adex_normalised", drive, **overrides)
    for k, name in enumerate(NAUD):
        t_ms = (np.nonzero(got["spike"][:, k])[0] + 1) * 0.1
        assert len(t_ms) == len(ref[k]), (name, len(t_ms), len(ref[k]))
        assert np.max(np.abs(t_ms - ref[k])) <= 0.5, name
        isi = np.diff(t_ms)
        if name == "tonic":
            assert np.ptp(isi[10:]) <= 0.02 * isi[-1]
        elif name == "adapting":
            assert isi[-1] > 5 * isi[0]
        elif name == "initial_burst":
            assert np.all(isi[:2] < 10) and np.all(isi[2:] > 50)
        else:
            assert np.all(isi[2::2] > 100) and np.all(isi[3::2] < 10), isi
