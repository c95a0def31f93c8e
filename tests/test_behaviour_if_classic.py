"""Published behaviour of the classic integrate-and-fire models.

One check per model that it reproduces a feature its reference reports; the figure or
equation is named in each docstring. All runs use Brian2's runtime numpy target via
``neuroplug.brian2.group`` and are kept to a few thousand steps.
"""

import brian2 as b2
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from brian2 import mV, ms, nA, pA

import neuroplug
import neuroplug.brian2 as nb


def _spike_trains(model_id, currents, duration, preset=None, **overrides):
    """Constant currents (one neuron each) for ``duration``; spike times in ms."""
    currents = list(currents)
    group = nb.group(model_id, len(currents), preset=preset, dt=0.1 * ms, **overrides)
    group.I = b2.Quantity(currents)
    monitor = b2.SpikeMonitor(group)
    b2.Network(group, monitor).run(duration)
    trains = monitor.spike_trains()
    return [np.asarray(trains[i] / ms) for i in range(len(currents))]


def _params(model_id, preset=None):
    return neuroplug.model(model_id).parameter_values(preset)


# ----------------------------------------------------------------------------------
def test_iaf_period_is_charge_over_current():
    """Perfect integrator: with constant input the period is ``t_ref + C_m dV / I`` and
    there is no rheobase (Burkitt 2006, Sec. 2, the non-leaky integrator's rate for
    constant input)."""
    p = _params("iaf")
    currents = [20 * pA, 300 * pA, 1 * nA]
    trains = _spike_trains("iaf", currents, 400 * ms)
    dt = 0.1
    for current, train in zip(currents, trains):
        assert len(train) >= 2, "a perfect integrator fires for any positive current"
        period = float((p["t_ref"] + p["C_m"] * (p["V_th"] - p["V_reset"]) / current) / ms)
        assert abs(np.mean(np.diff(train)) - period) <= 2 * dt, (current, period)


def test_lapicque_strength_duration_curve():
    """Lapicque's strength-duration relation ``I_th(T) = I_rh / (1 - exp(-T/tau_m))``:
    3% above it a pulse of duration T fires, 3% below it does not (Lapicque 1907, as
    reviewed by Brunel & van Rossum 2007, Eq. 1)."""
    p = _params("lapicque", "no_refractory")
    rheobase = (p["V_th"] - p["E_L"]) / p["R_m"]
    for duration in (1 * ms, 5 * ms, 20 * ms):
        threshold = rheobase / (1 - np.exp(-float(duration / p["tau_m"])))
        group = nb.group("lapicque", 2, preset="no_refractory", dt=0.1 * ms)
        monitor = b2.SpikeMonitor(group)
        net = b2.Network(group, monitor)
        group.I = [1.03, 0.97] * threshold
        net.run(duration)
        group.I = 0 * pA
        net.run(20 * ms)
        counts = monitor.count[:]
        assert counts[0] == 1 and counts[1] == 0, (duration, counts)


def test_expif_type_one_onset_at_rheobase():
    """EIF: no firing below the rheobase ``I_rh = (V_T - E_L - Delta_T)/R_m`` and
    arbitrarily slow firing just above it, i.e. a continuous (type I) f-I curve
    (Fourcaud-Trocme et al. 2003, the EIF model: rheobase and f-I curve)."""
    p = _params("expif")
    rheobase = (p["V_T"] - p["E_L"] - p["Delta_T"]) / p["R_m"]
    below, above, strong = _spike_trains("expif", [0.97 * rheobase, 1.05 * rheobase,
                                                   3 * rheobase], 600 * ms)
    assert len(below) == 0
    assert 1 <= len(above) <= 6          # below 10 Hz just above rheobase
    assert len(strong) > 5 * len(above)


def test_qif_rest_and_threshold_fixed_points():
    """QIF without input: the rest ``E_L`` is stable and ``V_c`` is the unstable threshold;
    started 0.5 mV above ``V_c`` the neuron fires, 0.5 mV below it returns to rest
    (Latham et al. 2000, the model section: the two fixed points of the QIF)."""
    p = _params("qif")
    group = nb.group("qif", 2, dt=0.1 * ms)
    group.v = [p["V_c"] + 0.5 * mV, p["V_c"] - 0.5 * mV]
    group.I = 0 * pA
    monitor = b2.SpikeMonitor(group)
    b2.Network(group, monitor).run(100 * ms)
    assert monitor.count[0] >= 1 and monitor.count[1] == 0
    assert abs(float((group.v[1] - p["E_L"]) / mV)) < 0.5


def test_adqif_spike_frequency_adaptation():
    """Adaptive QIF with a slow spike-triggered current: the inter-spike intervals grow
    during a current step (spike-frequency adaptation of a regular-spiking cell, Izhikevich 2007, Ch. 8)."""
    (train,) = _spike_trains("adqif", [200 * pA], 500 * ms, preset="adapting")
    isi = np.diff(train)
    assert len(isi) >= 5
    assert np.all(np.diff(isi) >= -0.1 - 1e-9)   # non-decreasing (to one step)
    assert isi[-1] > 1.3 * isi[0]


def test_iqif_bistability():
    """IQIF 'bistable' parameters: silent at rest, a brief input pulse switches the
    neuron to sustained firing without input (reset above threshold; the bistable
    behaviour of the reference implementation's 'bistable' parameter file)."""
    group = nb.group("iqif", 1, preset="bistable", dt=1 * ms)
    monitor = b2.SpikeMonitor(group)
    net = b2.Network(group, monitor)
    group.I = 0
    net.run(100 * ms)
    silent = monitor.count[0]
    group.I = 10
    net.run(10 * ms)
    group.I = 0
    net.run(300 * ms)
    assert silent == 0
    late = np.asarray(monitor.t / ms)
    assert np.sum(late > 210) >= 10, "firing must persist after the pulse"
    assert float(group.x[0]) == int(group.x[0]), "the state stays integer"


def test_iqif_integer_rounding_is_exact_and_differentiable():
    """BrainPy executes the integer map with exact integer values (forward) while the
    rounding passes gradients straight through (so the layer can be trained)."""
    import brainstate
    import braintools
    import saiunit as u

    import neuroplug.brainpy as nbp

    layer = nbp.neuron_class("iqif")(1, preset="class1", spk_fun=braintools.surrogate.Sigmoid())

    def run(drive):
        layer.init_state()
        with brainstate.environ.context(dt=1 * u.ms):
            spikes = brainstate.transform.for_loop(lambda i: layer.update(drive),
                                                   jnp.arange(100))
        return jnp.sum(spikes) + 1e-3 * jnp.sum(layer.x.value), (spikes, layer.x.value)

    (_, (spikes, x)), grad = jax.value_and_grad(run, has_aux=True)(jnp.asarray([2.7]))
    assert float(jnp.sum(spikes)) > 0, "2.7 (truncated to 2) per step must fire"
    assert float(x[0]) == int(x[0]), "the state stays integer"
    assert bool(jnp.all(jnp.isfinite(grad))) and float(jnp.abs(grad[0])) > 0


def test_nlif_rheobase_of_the_cubic():
    """Cubic nonlinear IF: constant currents fire only above the rheobase
    ``R_m I_rh = 2 V_s / (3 sqrt(3))`` where the minimum of F(v) reaches zero (Gerstner
    et al. 2014, Sec. 5.1: rheobase of a nonlinear IF is set by the minimum of F)."""
    p = _params("nlif")
    rheobase = 2 * p["V_s"] / (3 * np.sqrt(3) * p["R_m"])
    below, above = _spike_trains("nlif", [0.97 * rheobase, 1.03 * rheobase], 600 * ms)
    assert len(below) == 0 and len(above) >= 1


def test_glif_after_spike_currents_cause_adaptation():
    """GLIF levels: GLIF1 (LIF) fires with constant intervals; adding the after-spike
    currents (GLIF3) produces spike-frequency adaptation, and GLIF5's threshold
    mechanisms adapt further (Teeter et al. 2018, Fig. 1 model hierarchy)."""
    isi = {level: np.diff(_spike_trains("glif", [300 * pA], 500 * ms, preset=level)[0])
           for level in ("glif_1", "glif_3", "glif_5")}
    assert len(isi["glif_1"]) > 10 and np.ptp(isi["glif_1"]) <= 0.1 + 1e-9
    assert isi["glif_3"][-1] > 1.5 * isi["glif_3"][0]
    assert len(isi["glif_5"]) < len(isi["glif_3"]) < len(isi["glif_1"])


def test_gif_firing_patterns():
    """Mihalas & Niebur 2009, Fig. 1: tonic spiking (A) keeps firing through a 500 ms
    step; phasic spiking (D) fires only at the onset; tonic bursting (M) fires bursts
    separated by long pauses."""
    (tonic,) = _spike_trains("gif", [1.5 * nA], 500 * ms, preset="tonic_spiking")
    (phasic,) = _spike_trains("gif", [1.5 * nA], 500 * ms, preset="phasic_spiking")
    (bursting,) = _spike_trains("gif", [2 * nA], 500 * ms, preset="tonic_bursting")
    assert len(tonic) > 15 and tonic[-1] > 450
    assert 1 <= len(phasic) <= 6 and phasic[-1] < 250
    isi = np.diff(bursting)
    long_pauses = isi > 10 * np.min(isi)
    assert 2 <= long_pauses.sum() and len(bursting) > 3 * long_pauses.sum()


def test_mat_cell_classes():
    """Kobayashi et al. 2009 (Fig. 5B parameters): the RS cell adapts without an initial
    burst, the FS cell fires at a much higher rate, the CH cell fires high-frequency
    bursts separated by pauses."""
    rs, fs, ch = (_spike_trains("mat", [0.6 * nA], 600 * ms, preset=p)[0]
                  for p in ("RS", "FS", "CH"))
    isi_rs = np.diff(rs)
    assert isi_rs[0] > 10 and isi_rs[-1] > 2 * isi_rs[0]
    assert len(fs) > 3 * len(rs)
    isi_ch = np.diff(ch)
    assert np.min(isi_ch) <= 2.5 and np.max(isi_ch) > 10 * np.min(isi_ch)


@pytest.mark.parametrize("model_id", ["iaf", "lapicque", "expif", "qif", "adqif", "iqif",
                                      "nlif", "glif", "gif", "mat"])
def test_models_are_in_the_integrate_and_fire_family(model_id):
    m = neuroplug.model(model_id)
    assert m.family == "integrate-and-fire" and m.references
