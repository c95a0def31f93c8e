"""brainscales_adex: the BrainScaleS-2 AdEx neuron circuit model.

Oracles: (1) the library's float AdEx (equations/adex.toml), which with t_ref = 0 and
acceleration = 1 is the same model: identical spike steps and traces within 1e-12 of
the voltage range (Brian2 numpy, 500 ms at dt = 0.1 ms, six Naud presets); (2) the
firing patterns of Naud et al. (2008) that BrainScaleS-2 reproduces (Billaudelle et
al. 2022), asserted on the spike trains, for the presets and for their 10-bit CapMem
variants. No hardware traces: pynn-brainscales / hxtorch are not on PyPI and need the
chip.
"""

import brian2 as b2
import numpy as np
import pytest

b2.prefs.codegen.target = "numpy"

import neuroplug
import neuroplug.brian2 as nb2
from neuroplug.quantities import parse_quantity

NAUD = ["tonic", "adapting", "initial_burst", "regular_bursting", "delayed_accelerating", "transient"]
CAPMEM = ["tonic", "adapting", "initial_burst", "regular_bursting"]
V_LSB, G_LSB, B_LSB, TW_FULL, C_LSB = 120e-3 / 1022, 40e-9 / 1022, 400e-12 / 1022, 10.22, 4e-12


def run(model_id, presets, duration_ms=300.0, dt_ms=0.1, **extra):
    """One neuron per preset (per-neuron parameter arrays), each held at its preset's
    stimulus from t = 0; returns (v in V: steps x n, spike trains in ms of the run)."""
    m = neuroplug.model(model_id)
    stim = np.array([float(parse_quantity(m.presets[p].stimulus)) for p in presets])
    steps = int(round(duration_ms / dt_ms))
    b2.start_scope()
    dt = dt_ms * b2.ms
    if len(presets) == 1:  # scalar parameters: Brian2's cached code
        G = nb2.group(model_id, 1, preset=presets[0], dt=dt, **extra)
    else:
        vals = [m.parameter_values(p) for p in presets]
        params = {k: b2.Quantity(np.array([float(v[k]) for v in vals]),
                                 dim=b2.get_dimensions(vals[0][k])) for k in vals[0]}
        G = nb2.group(model_id, len(presets), dt=dt, **params, **extra)
    G.I = stim * b2.amp
    M = b2.StateMonitor(G, "v", record=True, when="end")
    S = b2.SpikeMonitor(G)
    b2.Network(G, M, S).run(steps * dt)
    trains = [np.asarray(S.spike_trains()[i] / b2.ms) for i in range(len(presets))]
    return np.array(M.v_).T, trains


@pytest.fixture(scope="module")
def naud_runs():
    """brainscales_adex with the Naud presets and their CapMem variants (one network),
    and the float AdEx with the Naud presets."""
    v, trains = run("brainscales_adex", NAUD + [n + "_capmem" for n in CAPMEM])
    return (v[:, :len(NAUD)], trains[:len(NAUD)]), run("adex", NAUD), trains[len(NAUD):]


def isis(train):
    return np.diff(train)


def test_same_as_float_adex(naud_runs):
    """t_ref = 0, acceleration = 1: the library's float AdEx with the same Naud presets
    gives the same spike times and voltage traces (|dv| <= 1e-12 of the range)."""
    (v1, s1), (v2, s2), _ = naud_runs
    for a, b in zip(s1, s2):
        np.testing.assert_array_equal(a, b)
    assert np.max(np.abs(v1 - v2)) <= 1e-12 * np.ptp(v2)
    assert all(len(s) >= 1 for s in s1) and sum(len(s) for s in s1) > 50


def test_acceleration_is_a_time_rescaling():
    """acceleration = 1000 with dt/1000 (the BrainScaleS-2 wall-clock run, 40 us)
    reproduces the biological run (40 ms) with time divided by 1000: the same spike
    steps, voltages within 1e-9 of the range."""
    v1, s1 = run("brainscales_adex", ["regular_bursting"], duration_ms=40.0)
    v2, s2 = run("brainscales_adex", ["regular_bursting"], duration_ms=0.04, dt_ms=1e-4,
                 acceleration=1000)
    for a, b in zip(s1, s2):
        np.testing.assert_array_equal(np.round(a / 0.1).astype(int), np.round(b / 1e-4).astype(int))
    assert np.max(np.abs(v1 - v2)) <= 1e-9 * np.ptp(v1)
    assert all(len(s) >= 2 for s in s1)


def classify(train):
    """Features of a spike train (ms, step current from t = 0) that tell Naud et al.'s
    (2008) patterns apart."""
    d = isis(train)
    late = d[len(d) // 2:]
    return {
        "n": len(train),
        "first": train[0] if len(train) else np.inf,
        "cv_late": np.std(late) / np.mean(late) if len(late) > 1 else np.nan,
        "adapt": d[-1] / d[0] if len(d) else np.nan,
        "burst_ratio": np.max(d) / np.min(d) if len(d) else np.nan,
        "last": train[-1] if len(train) else np.nan,
    }


def check_pattern(name, train):
    """Assert the Naud et al. (2008) pattern ``name`` on a 300 ms spike train."""
    c, d = classify(train), isis(train)
    if name == "tonic":  # regular from the start: no adaptation
        assert c["n"] > 20 and c["cv_late"] < 0.01 and 0.9 < c["adapt"] < 1.1, c
    elif name == "adapting":  # ISIs lengthen monotonically, several-fold
        assert c["n"] > 5 and c["adapt"] > 3 and np.all(np.diff(d) > 0), c
    elif name == "initial_burst":  # short ISIs at the start only, then regular firing
        assert c["burst_ratio"] > 5 and d[0] < d[-1] / 5 and c["cv_late"] < 0.01, c
        assert np.sum(d > 3 * d.min()) == len(d) - np.argmax(d > 3 * d.min())  # long ISIs stay long
    elif name == "regular_bursting":  # bursts separated by long gaps, repeatedly
        long = d > 5 * d.min()
        assert np.sum(long) >= 2 and np.sum(~long) >= 2 and c["cv_late"] > 0.5, c
    elif name == "delayed_accelerating":  # late first spike, then ISIs shorten
        assert c["first"] > 25 and c["adapt"] < 0.8, c
    elif name == "transient":  # one or a few spikes at the onset, then silence
        assert 1 <= c["n"] <= 3 and c["last"] < 50, c


def test_naud_firing_patterns(naud_runs):
    """The presets fire in the pattern they are named after (300 ms step current)."""
    for name, train in zip(NAUD, naud_runs[0][1]):
        check_pattern(name, train)


def test_capmem_variants_keep_the_patterns(naud_runs):
    """The 10-bit CapMem variants fire in the pattern of the unquantised preset."""
    for name, train in zip(CAPMEM, naud_runs[2]):
        check_pattern(name, train)


def test_capmem_presets_lie_on_the_grid():
    """Every *_capmem parameter is a CapMem code 0..1022 of the stated linear calibration
    (C a 6-bit step 0..63), within 1e-9 of a code; V_peak is code 1022."""
    m = neuroplug.model("brainscales_adex")
    for name in CAPMEM:
        p = {k: float(v) for k, v in m.parameter_values(name + "_capmem").items()}
        codes = {k: (p[k] + 0.12) / V_LSB for k in ("E_L", "V_T", "V_r", "V_peak")}
        codes.update(g_L=p["g_L"] / G_LSB, a=abs(p["a"]) / G_LSB, b=p["b"] / B_LSB,
                     tau_w=TW_FULL / p["tau_w"])
        for k, c in codes.items():
            assert abs(c - round(c)) < 1e-6 and 0 <= round(c) <= 1022, (name, k, c)
        assert round(codes["V_peak"]) == 1022
        c = p["C"] / C_LSB
        assert abs(c - round(c)) < 1e-9 and 0 <= round(c) <= 63, (name, c)


def test_defaults_and_presets_in_hardware_ranges():
    """Membrane time constants C/g_L within 0.1..200 ms (calix: 0.1..200 us at 1000x),
    refractory periods 0 (off) or >= 0.04 ms."""
    m = neuroplug.model("brainscales_adex")
    for name in [None] + list(m.presets):
        p = {k: float(v) for k, v in m.parameter_values(name).items()}
        tau_m = p["C"] / p["g_L"]
        assert 0.1e-3 <= tau_m <= 200e-3, (name, tau_m)
        assert p["t_ref"] == 0 or p["t_ref"] >= 0.04e-3, name


def test_calix_refractory_hold():
    """calix_lif: after each spike v is held at V_r for t_ref = 2 ms (20 steps), and no
    two spikes are closer than that."""
    v, (train,) = run("brainscales_adex", ["calix_lif"], duration_ms=60.0)
    assert len(train) > 5 and np.min(np.diff(train)) >= 2.0 - 1e-9
    for t in train:
        k = int(round(t / 0.1))
        np.testing.assert_allclose(v[k:k + 20, 0], -70e-3, atol=1e-15)
        assert v[k + 21, 0] > -70e-3

