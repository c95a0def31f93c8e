"""SpiNNaker (sPyNNaker) IF_curr_exp in s16.15 fixed point: bit-exact against an ARM
build of the same arithmetic, and the published closed-form LIF behaviour.

Oracle: tests/data/oracles/spinnaker_lif/ -- sPyNNaker's IF_curr_exp step written with
GCC's TR 18037 ``accum`` types, cross-compiled for ARM (armv5te, -Ofast, GCC 12.2) and run
under qemu-arm, with spinn_common's expk/expulr for the initialisation (generate.py
rebuilds golden.npz; seed and toolchain are stored in the file).  Six neurons x 2000
random steps; the comparison allows no difference at all.
"""

from math import ceil, exp, log
from pathlib import Path

import brian2 as b2
import numpy as np

import neuroplug
import neuroplug.brian2 as nb2

b2.prefs.codegen.target = "numpy"

GOLDEN = Path(__file__).parents[2] / "data" / "oracles" / "spinnaker_lif" / "golden.npz"
STATES = ("V", "refract", "I_exc", "I_inh")
CONSTANTS = ("R", "exp_TC", "T_refract", "exc_decay", "exc_init", "inh_decay", "inh_init")


def run(n, steps, inputs, dt_ms=1.0, preset=None, **params):
    """Brian2 group of ``n`` neurons; ``inputs`` maps an input to a (steps, n) array (set
    at the start of each step) or an (n,) array (held).  Returns traces (steps, n) after
    each step and a (steps, n) boolean spike raster."""
    b2.start_scope()
    G = nb2.group("spinnaker_lif", n, preset=preset, dt=dt_ms * b2.ms, **params)
    for name, value in inputs.items():
        value = np.asarray(value, dtype=float)
        if value.ndim == 1:
            setattr(G, name, value)
        else:
            G.namespace[f"ta_{name}"] = b2.TimedArray(value, dt=dt_ms * b2.ms)
            G.run_regularly(f"{name} = ta_{name}(t, i)", when="start")
    M = b2.StateMonitor(G, list(STATES), record=True, when="end")
    S = b2.SpikeMonitor(G)
    b2.Network(G, M, S).run(steps * dt_ms * b2.ms)
    traces = {k: np.array(getattr(M, k + "_")).T for k in STATES}
    raster = np.zeros((steps, n), dtype=bool)
    raster[np.round(np.asarray(S.t_) / (dt_ms * 1e-3)).astype(int), np.asarray(S.i[:])] = True
    return traces, raster


def _decay(x, d):
    """decay_s1615 on Python integers (int64 product, arithmetic shift by 32)."""
    return (int(x) * int(d)) >> 32


def test_golden_vectors_bit_exact_and_corners_reached():
    """Every state and spike of 6 neurons x 2000 random steps equals the ARM oracle's
    (0 difference), including the steps where in*R and the membrane update overflow
    32 bits (wrap-around), refractory countdowns of 1, 2 and 5 steps, and negative
    products (rounding toward minus infinity, not toward zero)."""
    g = np.load(GOLDEN)
    c = dict(zip(g["constants_order"], g["constants"].T))
    p = dict(zip(g["params_order"], g["params"].T))
    n = len(g["names"])
    steps = g["V"].shape[0]
    params = dict(V_rest=p["v_rest"], V_reset=p["v_reset"], V_thresh=p["v_thresh"],
                  I_offset=p["i_offset"], **{k: c[k] for k in CONSTANTS})
    params = {k: np.asarray(v, dtype=float) for k, v in params.items()}
    inp = g["inputs"].astype(float)
    tr, raster = run(n, steps, {"w_exc": inp[:, :, 0], "w_inh": inp[:, :, 1],
                                "I_dc": inp[:, :, 2]}, **params)
    for k in STATES:
        np.testing.assert_array_equal(tr[k], g[k].astype(float), err_msg=k)
    np.testing.assert_array_equal(raster, g["spike"].astype(bool))

    # corners, from the oracle's own record (Python integers)
    assert g["spike"].sum(axis=0).min() > 0
    assert set(np.unique(g["refract"])) >= {0, 1, 2, 3, 4, 5}
    w, rec = g["inputs"].tolist(), {k: g[k].tolist() for k in ("V", "refract", "I_exc", "I_inh")}
    wrap = lambda x: (x + 2**31) % 2**32 - 2**31
    wrapped = negative_inexact = 0
    for i in range(n):
        R, E = int(c["R"][i]), int(c["exp_TC"][i])
        Iexc, Iinh, V, ref = 0, 0, int(p["v_rest"][i]), 0
        for t in range(steps):
            je = Iexc + _decay(w[t][i][0], c["exc_init"][i])
            ji = Iinh + _decay(w[t][i][1], c["inh_init"][i])
            if ref <= 0:
                x = wrap(je - ji + int(p["i_offset"][i]) + w[t][i][2])
                wrapped += not (-2**31 <= (x * R) >> 15 < 2**31)
                a = wrap(wrap((x * R) >> 15) + int(p["v_rest"][i]))
                prod = wrap(a - V) * E
                negative_inexact += prod < 0 and prod % 2**15 != 0
            Iexc, Iinh = rec["I_exc"][t][i], rec["I_inh"][t][i]
            V, ref = rec["V"][t][i], rec["refract"][t][i]
    assert wrapped > 10 and negative_inexact > 100


def test_preset_constants_are_the_chips_initialisation():
    """The raw constants of the presets are those the chip's neuron_model_initialise /
    decay_and_init compute (oracle, spinn_common's expk/expulr), and they are close to
    the real-valued formulas: R = tau_m/cm, exp_TC = exp(-dt/tau_m), decay =
    exp(-dt/tau_syn), init = (tau_syn/dt)(1 - decay)."""
    g = np.load(GOLDEN)
    names = list(g["names"])
    m = neuroplug.model("spinnaker_lif")
    for preset in ("pynn_default_dt1", "pynn_default_dt01", "spynnaker_example"):
        values = m.parameter_values(preset)
        row = g["constants"][names.index(preset)]
        for k, v in zip(CONSTANTS, row):
            assert float(values[k]) == v, (preset, k)
        prm = dict(zip(g["params_order"], g["params"][names.index(preset)]))
        for k in ("V_rest", "V_reset", "V_thresh"):
            assert float(values[k]) == prm[k.lower()]
        dt, tau_m = prm["dt"] / 32768, prm["tau_m"] / 32768
        assert abs(row[1] / 32768 - exp(-dt / tau_m)) < 2e-4
        assert abs(row[0] / 32768 - tau_m / (prm["cm"] / 32768)) < 1e-3
        decay = row[3] / 2**32
        assert abs(decay - exp(-dt / 5.0)) < 2e-4
        assert abs(row[4] / 2**32 - (5.0 / dt) * (1 - decay)) < 2e-3


def test_dc_firing_matches_the_closed_form_lif_solution():
    """sPyNNaker integrates the LIF membrane with its closed-form solution (Rhodes et
    al. 2018, neuron models): after the refractory steps V_k = V_inf + (V_reset - V_inf)
    exp(-k dt/tau_m), so the inter-spike interval of a DC current is T_refract +
    ceil(tau_m/dt ln((V_reset - V_inf)/(V_th - V_inf))).  The s16.15 model gives
    exactly that interval (measured: 63, 35, 26, 14, 8, 5 steps) for currents from 0.2
    to 2 nA, and no spike below the rheobase (15 mV / 80 MOhm =
    0.1875 nA); cell of sPyNNaker's examples: cm 0.25 nF, tau_refrac 2 ms."""
    currents = np.array([0.18, 0.2, 0.25, 0.3, 0.5, 1.0, 2.0])
    raw = np.round(currents * 32768)
    steps = 600
    _, raster = run(len(currents), steps, {"I_dc": raw}, preset="spynnaker_example")
    R, tau, dt, t_ref = 80.0, 20.0, 1.0, 2  # cm = 0.25 nF: R = 80 MOhm
    assert not raster[:, 0].any()
    for j, current in enumerate(currents[1:], start=1):
        v_inf = -65.0 + R * current
        isi = t_ref + ceil(tau / dt * log((-70.0 - v_inf) / (-50.0 - v_inf)))
        model_isi = np.diff(np.nonzero(raster[:, j])[0])[1:]
        assert len(model_isi) >= 3
        assert np.all(model_isi == isi), (current, isi, model_isi)
