"""Published behaviour of the conductance-based models (section B of the catalog).

Each test drives the BrainPy layer of a library model (the same generated update as
Brian2, see docs/semantics.md) with step currents under ``for_loop`` and checks one
feature the model's reference reports. The bounds are the published qualitative
features with margins; the measured values are quoted in the docstrings.
"""

import brainstate
import jax.numpy as jnp
import numpy as np
import saiunit as u

import neuroplug.brainpy as nbp

UA_CM2 = 1e-2  # 1 uA/cm**2 in A/m**2
MS_CM2 = 10 * u.siemens / u.meter ** 2


def _spike_times(model_id, stim_ua_cm2, dt_ms, preset=None, **overrides):
    """Spike times (ms) per neuron for a (steps x N) stimulus in uA/cm**2."""
    stim = np.asarray(stim_ua_cm2, dtype=float) * UA_CM2
    with nbp.precision("float64"), brainstate.environ.context(dt=dt_ms * u.ms):
        layer = nbp.neuron_class(model_id)(stim.shape[1], preset=preset, **overrides)
        layer.init_state()
        spk = brainstate.transform.for_loop(
            lambda x: layer.update(x * u.amp / u.meter ** 2), jnp.asarray(stim))
    spk = np.asarray(spk)
    return [np.nonzero(spk[:, i] > 0.5)[0] * dt_ms for i in range(stim.shape[1])]


def _steps(amps, dt_ms, duration_ms, onset_ms=0.0):
    n = int(round(duration_ms / dt_ms))
    stim = np.zeros((n, len(amps)))
    stim[int(round(onset_ms / dt_ms)):] = amps
    return stim


def _steady_rate(times_ms):
    """Rate (Hz) from the last inter-spike interval; 0 without two spikes."""
    return 1e3 / np.diff(times_ms)[-1] if len(times_ms) > 1 else 0.0


def test_wang_buzsaki_class_I_onset_and_high_rates():
    """Wang & Buzsaki (1996), Fig. 1C: class I f-I curve, arbitrarily low rates above
    rheobase (about 0.16 uA/cm^2) and several hundred Hz at strong drive.
    Measured: 0.2 uA/cm^2 -> about 11 Hz, 20 uA/cm^2 -> about 390 Hz, 0.1 -> silent."""
    sp = _spike_times("wang_buzsaki", _steps([0.1, 0.2, 20.0], 0.01, 600), 0.01)
    assert len(sp[0]) == 0
    assert 0 < _steady_rate(sp[1]) < 25
    assert _steady_rate(sp[2]) > 250


def test_connor_stevens_class_I_low_rates_from_the_A_current():
    """Dayan & Abbott (2001), Fig. 6.2 (Connor et al. 1977): the A-current makes the
    f-I curve start at low rates. Measured: 8 uA/cm^2 silent, 8.5 -> 9.6 Hz,
    40 -> 224 Hz."""
    sp = _spike_times("connor_stevens", _steps([8.0, 8.5, 40.0], 0.025, 800), 0.025)
    assert len(sp[0]) == 0
    assert 0 < _steady_rate(sp[1]) < 20
    assert _steady_rate(sp[2]) > 150


def test_golomb_fs_d_current_delays_tonic_firing():
    """Golomb et al. (2007), delayed firing near threshold (their Figs. 2-3): with the
    D-current an onset spike is followed by a long silence before tonic firing;
    without it (g_Kd = 0) the firing is regular from the start. Measured at
    3.3 uA/cm^2: first ISI 389 ms vs. 26 ms later; without g_Kd 23 ms throughout."""
    stim = _steps([3.3, 3.3], 0.01, 800)
    sp = _spike_times("golomb_fs", stim, 0.01, g_Kd=np.array([0.39, 0.0]) * MS_CM2)
    with_kd, without = np.diff(sp[0]), np.diff(sp[1])
    assert len(with_kd) >= 3 and len(without) >= 3
    assert with_kd[0] > 5 * np.median(with_kd[1:])
    assert without.max() < 1.5 * without.min()


def test_pospischil_rs_adapts_and_fs_differs():
    """Pospischil et al. (2008), RS cell (their RS fit): spike-frequency adaptation by
    I_M, the inter-spike interval lengthens during a step. Measured at 2 uA/cm^2:
    first ISI 17 ms, last 31 ms. Blocking I_M (g_M = 0) removes the adaptation."""
    stim = _steps([2.0, 2.0], 0.025, 600)
    sp = _spike_times("pospischil", stim, 0.025, preset="RS",
                      g_M=np.array([7.5e-5, 0.0]) * 1e4 * u.siemens / u.meter ** 2)
    adapting, blocked = np.diff(sp[0]), np.diff(sp[1])
    assert adapting[-1] > 1.5 * adapting[0]
    assert blocked[-1] < 1.1 * blocked[0]


def test_destexhe_thalamic_rebound_burst():
    """Destexhe et al. (1993), Figs. 1-2: release from hyperpolarisation evokes a
    low-threshold calcium spike with a burst of sodium spikes; the cell is silent at
    rest. Measured: -1 uA/cm^2 for 300 ms, then 0 -> 2 spikes 2 ms apart at 446 ms."""
    dt = 0.025
    stim = np.zeros((int(700 / dt), 2))
    stim[int(100 / dt):int(400 / dt), 1] = -1.0
    sp = _spike_times("destexhe_thalamic", stim, dt)
    assert len(sp[0]) == 0, "silent at rest"
    burst = sp[1][(sp[1] > 400) & (sp[1] < 450)]
    assert len(burst) >= 2 and np.all(np.diff(burst) < 10)
    assert len(sp[1][sp[1] < 400]) == 0, "no spikes during the hyperpolarisation"


def _largest_burst(times_ms):
    """Most spikes in one burst; bursts are separated by ISIs above half the longest."""
    isi = np.diff(times_ms)
    sizes = np.diff(np.concatenate(([0], np.nonzero(isi > 0.5 * isi.max())[0] + 1,
                                    [len(times_ms)])))
    return int(sizes.max())


def test_huber_braun_fewer_spikes_per_burst_when_warmer():
    """Braun et al. (1998), temperature series of the cold receptor: slow-wave bursts
    whose number of spikes per burst falls with temperature, down to single spikes.
    Measured largest burst (spikes) in 0.5-3 s: 10 C 5, 20 C 3, 30 C 1."""
    temps = np.array([283.15, 293.15, 303.15]) * u.kelvin
    sp = _spike_times("huber_braun", np.zeros((int(3000 / 0.05), 3)), 0.05, T=temps)
    spb = [_largest_burst(s[s > 500]) for s in sp]
    assert spb[0] > spb[1] > spb[2] == 1
    assert spb[0] >= 4
