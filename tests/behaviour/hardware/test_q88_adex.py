"""Bit-exactness of the Q8.8 fixed-point AdEx (``q88_adex``, the ``FixedPointAdExNeuron``
of the SC-NeuroCore custom-model tutorial, section 7).

The oracle is an independent plain-Python re-implementation of the tutorial's
description: Python integers, ``>>`` (arithmetic shift: floor division by a power of
two) and the tutorial's 16-bit saturation. The model runs in BrainPy (the code Brian2
generates for it; ``neuroplug crosscheck q88_adex`` holds Brian2 and BrainPy to
identical values). Tolerance: none, every state and spike must be equal at every step.
"""

import numpy as np

from ._mcells import run_layer


def sat16(x):
    return max(-32768, min(32767, x))


class Q88AdExOracle:
    """The tutorial's FixedPointAdExNeuron.step, rewritten with corner counters."""

    def __init__(self, E_L=77, V_T=128, V_reset=72, V_peak=205, g_L=26, a=5, b=13):
        self.p = {"E_L": E_L, "V_T": V_T, "V_reset": V_reset, "V_peak": V_peak,
                  "g_L": g_L, "a": a, "b": b}
        self.V, self.w = E_L, 0
        self.corners = dict.fromkeys(
            ["leak_sat", "exp_sat", "exp_on", "v_sat_hi", "v_sat_lo", "dw_sat",
             "w_sat_hi", "w_sat_lo", "w_reset_sat", "floor_not_trunc", "spike"], 0)

    def _shift(self, x, k):
        if x < 0 and x % (1 << k):
            self.corners["floor_not_trunc"] += 1  # >> rounds toward -inf, C '/' would not
        return x >> k

    def step(self, I_q8):
        p, c = self.p, self.corners
        raw = self._shift(p["g_L"] * (self.V - p["E_L"]), 8)
        c["leak_sat"] += raw != sat16(raw)
        leak = sat16(raw)
        if self.V > p["V_T"]:
            c["exp_on"] += 1
            raw = self._shift(p["g_L"] * (self.V - p["V_T"]), 7)
            c["exp_sat"] += raw != sat16(raw)
            exp_term = sat16(raw)
        else:
            exp_term = 0
        dV = -leak + exp_term - self._shift(self.w, 2) + self._shift(I_q8, 1)
        c["v_sat_hi"] += self.V + dV > 32767
        c["v_sat_lo"] += self.V + dV < -32768
        self.V = sat16(self.V + dV)
        raw = self._shift(p["a"] * (self.V - p["E_L"]), 8) - self._shift(self.w, 5)
        c["dw_sat"] += raw != sat16(raw)
        dw = sat16(raw)
        c["w_sat_hi"] += self.w + dw > 32767
        c["w_sat_lo"] += self.w + dw < -32768
        self.w = sat16(self.w + dw)
        spike = self.V >= p["V_peak"]
        if spike:
            c["spike"] += 1
            c["w_reset_sat"] += self.w + p["b"] > 32767 or self.w + p["b"] < -32768
            self.V = p["V_reset"]
            self.w = sat16(self.w + p["b"])
        return int(spike), self.V, self.w


def test_q88_adex_default_matches_tutorial_example():
    """The tutorial's verification protocol (section 8: I = 0.15, i.e. I_q8 = int(0.15 *
    256) = 38, for 50 < t < 150, 200 steps): identical spikes, v and w."""
    t = np.arange(200)
    drive = np.where((t > 50) & (t < 150), 38, 0)[:, None]
    got = run_layer("q88_adex", drive, record=("v", "w"))
    ref = Q88AdExOracle()
    out = np.array([ref.step(int(x)) for x in drive[:, 0]])
    np.testing.assert_array_equal(got["spike"][:, 0], out[:, 0] > 0)
    np.testing.assert_array_equal(got["v"][:, 0], out[:, 1])
    np.testing.assert_array_equal(got["w"][:, 0], out[:, 2])
    assert out[:, 0].sum() >= 2


def test_q88_adex_bit_exact_on_random_parameters_and_inputs():
    """24 neurons with random 16-bit parameters (seeded), 1000 steps of random
    piecewise-constant 16-bit inputs each (24 000 neuron-steps): v, w and spikes equal
    to the oracle at every step. Asserted corners: saturation of the leak term, of the
    linear 'exp' term, of dw, of v at both ends, of w at both ends and at the
    spike-triggered increment; the piecewise-linear branch active; negative operands
    of every shift where floor and truncation differ; spikes and resets."""
    rng = np.random.default_rng(88)
    n, steps = 24, 1000
    E_L = rng.integers(-3000, 3000, n)
    params = {
        "E_L": E_L, "V_T": E_L + rng.integers(0, 4000, n),
        "V_reset": rng.integers(-3000, 3000, n),
        "V_peak": np.where(rng.random(n) < 0.25, 32767, rng.integers(200, 20000, n)),
        "g_L": np.where(rng.random(n) < 0.5, rng.integers(0, 64, n), rng.integers(0, 32768, n)),
        "a": rng.integers(-4000, 4000, n), "b": rng.integers(0, 32768, n) * (rng.random(n) < 0.7),
    }
    levels = rng.integers(-32768, 32768, (steps // 50, n))
    drive = np.repeat(levels, 50, axis=0) + rng.integers(-200, 200, (steps, n))
    drive = np.clip(drive, -32768, 32767)
    got = run_layer("q88_adex", drive, record=("v", "w"),
                    **{k: v.astype(float) for k, v in params.items()})
    corners = {}
    for k in range(n):
        ref = Q88AdExOracle(**{name: int(v[k]) for name, v in params.items()})
        out = np.array([ref.step(int(x)) for x in drive[:, k]])
        np.testing.assert_array_equal(got["spike"][:, k], out[:, 0] > 0, err_msg=f"neuron {k}")
        np.testing.assert_array_equal(got["v"][:, k], out[:, 1], err_msg=f"neuron {k}")
        np.testing.assert_array_equal(got["w"][:, k], out[:, 2], err_msg=f"neuron {k}")
        for name, count in ref.corners.items():
            corners[name] = corners.get(name, 0) + count
    assert all(count > 0 for count in corners.values()), corners
