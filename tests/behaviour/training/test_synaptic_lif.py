"""Synaptic (exponential-current) LIF training cell (equations/synaptic_lif.toml).

Published behaviour: one input spike of weight w gives the "dual-exponential"
postsynaptic potential of a LIF behind an exponentially decaying current (Rotter &
Diesmann 1999, PSC-exp kernel; snnTorch Synaptic, Eshraghian et al. 2023, tutorial 4,
"2nd-order" neuron):
v - E_L = w*tau_m*tau_syn/(C_m*(tau_m - tau_syn))*(exp(-t/tau_m) - exp(-t/tau_syn)),
peak at t* = tau_m*tau_syn*ln(tau_m/tau_syn)/(tau_m - tau_syn).  The closed form is
the oracle (exact integration: agreement to rounding, bound 1e-9 relative).

Independent re-implementation oracle: Norse's ``lif_feed_forward_step`` (Pehle &
Pedersen 2021), forward Euler with input spikes added to the current after the
threshold, written out from its documented update (Norse itself needs torch, which is
not installed).  With ``method="euler"`` the layer must give the same spike steps and
voltages to rounding (1e-9 relative): the same arithmetic in another order.

Surrogate gradient: d(spike count)/d(input scale) through the surrogate is finite and
non-zero.
"""

import numpy as np

import neuroplug.brainpy as nbp

from ._helpers import assert_surrogate_gradient, run

E_L, C_M, V_TH, V_RESET = -70e-3, 250e-12, -55e-3, -70e-3


def _run(weights_pA, dt_ms=0.1, method=None, **kw):
    """v (mV) and spikes after each step of a float64 SynapticLIF layer driven by a
    (steps x N) array of arriving spike weights (pA)."""
    return run(nbp.SynapticLIF, weights_pA, dt_ms, method=method, **kw)


def _psp(t, w, tau_m, tau_syn):
    """Closed-form dual-exponential PSP (V) of a weight-w (A) current jump at t = 0."""
    t = np.asarray(t, dtype=float)
    return np.where(t >= 0, w * tau_m * tau_syn / (C_M * (tau_m - tau_syn))
                    * (np.exp(-t / tau_m) - np.exp(-t / tau_syn)), 0.0)


def test_single_spike_psp_is_the_difference_of_exponentials():
    """PSP of one spike = closed form at every sample (1e-9 relative) for the defaults
    (tau_syn = 5 ms) and NEST's iaf_psc_exp (2 ms); peak time and height as the formula
    (6.93 ms and 10 mV for 1 nA with the defaults)."""
    n, k0, dt = 600, 10, 0.1
    for preset, tau_syn in ((None, 5e-3), ("nest_iaf_psc_exp", 2e-3)):
        w = np.zeros((n, 3))
        w[k0] = [1000.0, 300.0, -1000.0]  # pA; all subthreshold
        v, spk = _run(w, preset=preset)
        assert spk.sum() == 0
        t = (np.arange(n) - k0) * dt * 1e-3  # time since the spike entered I_syn
        want = (E_L + np.outer(_psp(t, 1e-12, 10e-3, tau_syn), [1000.0, 300.0, -1000.0])) * 1e3
        err = np.max(np.abs(v - want)) / np.max(np.abs(want - E_L * 1e3))
        assert err < 1e-9, (preset, err)
    # defaults: the published peak time/height of the PSC-exp kernel
    t_star = 10e-3 * 5e-3 * np.log(2.0) / 5e-3
    w = np.zeros((1500, 1))
    w[0, 0] = 1000.0
    v, _ = _run(w, dt_ms=0.01)  # sample k is k*0.01 ms after the spike
    assert abs(np.argmax(v[:, 0]) * 0.01e-3 - t_star) <= 0.01e-3
    assert abs((v[:, 0].max() - E_L * 1e3) - 10.0) < 1e-4  # 1 nA -> 10 mV


def _norse_lif(weights_A, dt, tau_m=10e-3, tau_syn=5e-3):
    """Norse ``lif_feed_forward_step`` (LIFParameters: tau_mem_inv, tau_syn_inv, v_leak,
    v_th, v_reset) in numpy, with Norse's current i in volts (i = I_syn*tau_m/C_m)."""
    R = tau_m / C_M
    v = np.full(weights_A.shape[1], E_L)
    i = np.zeros(weights_A.shape[1])
    vs, zs = [], []
    for x in weights_A:
        v_dec = v + dt / tau_m * ((E_L - v) + i)
        i_dec = i - dt / tau_syn * i
        z = (v_dec - V_TH > 0).astype(float)
        v = (1 - z) * v_dec + z * V_RESET
        i = i_dec + R * x
        vs.append(v.copy())
        zs.append(z)
    return np.array(vs), np.array(zs)


def test_euler_layer_equals_norse_lif_recursion():
    """method='euler' reproduces Norse's LIF step by step (spikes and v, 1e-9 rel.)
    for a 100 Hz train of three weights (all three fire: 14, 40 and 98 spikes)."""
    n, dt = 3000, 1e-4
    w = np.zeros((n, 3))
    w[100::100] = [800.0, 1500.0, 3000.0]
    v, spk = _run(w, method="euler")
    v_ref, z_ref = _norse_lif(w * 1e-12, dt)
    assert spk[:, 1:].sum() > 0
    np.testing.assert_array_equal(spk > 0.5, z_ref > 0.5)
    err = np.max(np.abs(v - v_ref * 1e3)) / 15.0
    assert err < 1e-9, err


def test_surrogate_gradient_of_spike_count_wrt_input():
    """d(spike count)/d(input scale) through the sigmoid surrogate: finite, non-zero."""
    x = np.zeros((200, 4))
    x[20::40] = 2000.0  # pA, 250 Hz train of strong spikes
    assert_surrogate_gradient(nbp.SynapticLIF, x)
