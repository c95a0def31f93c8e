"""Published behaviour of the oscillator models (family "oscillator", catalog section C).

Each test runs the library model with ``neuroplug.brian2.group`` (numpy target) and
checks one feature its reference reports; the figure is named in the docstring.
"""

import brian2 as b2
import numpy as np
import pytest

import neuroplug.brian2 as nb2
from neuroplug.analysis import fhn_rs_iv_curves, plot_fhn_rs_iv

b2.prefs.codegen.target = "numpy"


def _run(model_id, n, segments, dt_ms, preset=None, record=(), record_dt_ms=None, **params):
    """Run ``n`` neurons through ``segments`` = [(duration_ms, {input: values}), ...].

    Returns spike times per neuron (ms) and the recorded traces (time in ms first).
    """
    b2.start_scope()
    G = nb2.group(model_id, n, preset=preset, dt=dt_ms * b2.ms, **params)
    S = b2.SpikeMonitor(G)
    objs = [G, S]
    M = None
    if record:
        M = b2.StateMonitor(G, list(record), record=True,
                            dt=(record_dt_ms or dt_ms) * b2.ms)
        objs.append(M)
    net = b2.Network(*objs)
    for duration, inputs in segments:
        for name, value in inputs.items():
            setattr(G, name, value)
        net.run(duration * b2.ms)
    spikes = [np.asarray(S.t_[S.i[:] == k]) * 1e3 for k in range(n)]
    traces = {}
    if M is not None:
        traces["t"] = np.array(M.t_) * 1e3
        for name in record:
            traces[name] = np.array(getattr(M, name + "_"))  # a copy outlives M
    return spikes, traces


def _bursts(times, gap_ms):
    """Split spike times into bursts separated by more than ``gap_ms``."""
    if len(times) == 0:
        return []
    return np.split(times, np.where(np.diff(times) > gap_ms)[0] + 1)


def test_fitzhugh_nagumo_threshold_and_relaxation_oscillation():
    """FitzHugh (1961), Fig. 1 and Fig. 3: excitable at I = 0 (a short pulse fires
    all-or-none: a weak one gives no spike, a strong one exactly one), a limit cycle for
    a constant current inside the oscillatory range, none above it (depolarisation block).
    """
    pulse = np.array([0.3, 1.5, 0, 0, 0])       # 1 ms pulses
    steady = np.array([0, 0, 0.5, 1.0, 2.0])    # then constant currents
    spikes, _ = _run("fitzhugh_nagumo", 5, [(1, {"I": pulse}), (300, {"I": steady})], 0.05)
    n = [len(s) for s in spikes]
    assert n[0] == 0 and n[1] == 1, n
    assert n[2] >= 6 and n[3] >= 6, n
    assert n[4] <= 1, n
    isi = np.diff(spikes[2][spikes[2] > 100])
    assert isi.std() < 0.01 * isi.mean()  # periodic limit cycle


def test_morris_lecar_type_I_versus_type_II_onset():
    """Rinzel & Ermentrout (1989), Fig. 7.2 vs 7.4 (Tsumoto et al. 2006): class I
    (SNIC) starts firing at arbitrarily low rates, class II (Hopf) jumps from rest to
    a rate of ~10 Hz."""
    amps = np.array([39.0, 40.5, 60.0, 88.0, 90.0, 100.0])

    def rates(preset):
        spikes, _ = _run("morris_lecar", len(amps), [(1500, {"I": amps * b2.uA / b2.cm**2})],
                         0.1, preset=preset)
        out = []
        for s in spikes:
            s = s[s > 300]
            out.append(1e3 / np.mean(np.diff(s)) if len(s) >= 2 else 0.0)
        return np.array(out)

    r1, r2 = rates("type_I"), rates("type_II")
    # type I: silent just below onset, then a low rate just above it
    assert r1[0] == 0 and 0 < r1[1] < 5, r1
    assert r1[2] > 3 * r1[1], r1
    # type II: silent at 88, already ~10 Hz at 90 (no low-rate branch)
    assert r2[3] == 0 and r2[4] > 8, r2
    assert r2[5] < 2 * r2[4], r2


def test_hindmarsh_rose_spikes_per_burst_grow_with_current():
    """Hindmarsh & Rose (1984), Figs. 3-5 (bifurcation picture in Innocenti et al.
    2007, Fig. 1): with r = 0.006 the model fires single spikes, then regular bursts of
    2 and 3 spikes as I grows (1.5, 2, 2.5), and tonic spiking at I = 3.5."""
    amps = np.array([1.5, 2.0, 2.5, 3.5])
    spikes, _ = _run("hindmarsh_rose", 4, [(1600, {"I": amps})], 0.05)
    per_burst = []
    for s in spikes:
        b = _bursts(s[s > 800], 40.0)[1:-1]   # complete bursts only
        per_burst.append({len(x) for x in b})
    assert per_burst[0] == {1}, per_burst
    assert per_burst[1] == {2}, per_burst
    assert per_burst[2] == {3}, per_burst
    assert len(_bursts(spikes[3][spikes[3] > 800], 40.0)) == 1 and len(spikes[3]) > 20


def test_fitzhugh_rinzel_elliptic_bursting():
    """Izhikevich (2000), Fig. 45: elliptic bursting of the FitzHugh-Rinzel model at
    I = 0.3125: bursts of several spikes separated by long quiescent periods in which
    v shows subthreshold oscillations (not a fixed rest point)."""
    spikes, tr = _run("fitzhugh_rinzel", 1, [(4000, {"I": 0.3125})], 0.2,
                      record=("v",), record_dt_ms=1.0)
    bursts = [b for b in _bursts(spikes[0], 100.0) if len(b) >= 2]
    assert len(bursts) >= 3, [len(b) for b in _bursts(spikes[0], 100.0)]
    # the longest quiescent stretch between spikes
    s = spikes[0]
    k = np.argmax(np.diff(s))
    gap_start, gap_end = s[k] + 30, s[k + 1] - 30
    assert gap_end - gap_start > 300
    t, v = tr["t"], tr["v"][0]
    quiet = v[(t > gap_start) & (t < gap_end)]
    assert quiet.max() < 1.0
    # subthreshold oscillation: repeated local maxima with a visible amplitude
    peaks = np.where((quiet[1:-1] > quiet[:-2]) & (quiet[1:-1] > quiet[2:]))[0]
    assert len(peaks) >= 3 and np.ptp(quiet[len(quiet) // 2:]) > 0.02


def test_theta_neuron_rate_grows_like_sqrt_of_drive():
    """Ermentrout & Kopell (1986); Ermentrout (1996), Eq. 2 and Fig. 1: a theta neuron
    is silent for I < 0 and fires with period pi*tau/sqrt(I) for I > 0 (SNIC)."""
    amps = np.array([-0.05, 0.01, 0.04, 0.16, 0.64])
    spikes, _ = _run("theta", 5, [(1500, {"I": amps})], 0.1)
    assert len(spikes[0]) == 0
    tau_ms = 10.0
    for s, a in zip(spikes[1:], amps[1:]):
        rate = 1e3 / np.mean(np.diff(s[1:]))
        assert rate == pytest.approx(1e3 * np.sqrt(a) / (np.pi * tau_ms), rel=0.01)


def test_resonate_and_fire_responds_to_doublets_at_its_eigenperiod():
    """Izhikevich (2001), Fig. 3: a resonator fires to a doublet whose inter-pulse
    interval matches its eigenperiod, not to the same doublet at half the period nor to
    a single pulse."""
    period = 2 * np.pi / 0.25   # ms, omega = 0.25/ms
    amp = 900.0                 # Hz, 1 ms pulses
    t1, t_half, t_full = 10.0, 10.0 + period / 2, 10.0 + period
    # neurons: single pulse, doublet at half period, doublet at the eigenperiod
    first = np.array([amp, amp, amp]) * b2.Hz
    zero = np.zeros(3) * b2.Hz
    segs = [(t1, {"I": zero}), (1.0, {"I": first}), (t_half - t1 - 1, {"I": zero}),
            (1.0, {"I": np.array([0, amp, 0]) * b2.Hz}), (t_full - t_half - 1, {"I": zero}),
            (1.0, {"I": np.array([0, 0, amp]) * b2.Hz}), (60.0, {"I": zero})]
    spikes, _ = _run("resonate_and_fire", 3, segs, 0.1)
    assert [len(s) for s in spikes] == [0, 0, 1], spikes


def test_balanced_resonate_and_fire_is_balanced_and_refractory():
    """Higuchi et al. (2024), Sec. 3.1-3.2 (Eq. 7, Fig. 2): with b = p(omega) the
    Euler-discretised oscillator neither grows nor decays (divergence boundary); the
    spike-triggered q gives a smooth refractory period, so a strong constant input
    fires far less often than without it."""
    # balance: b_offset = 0, no input, free oscillation from x = 0.5
    b2.start_scope()
    G = nb2.group("balanced_resonate_and_fire", 2, dt=0.1 * b2.ms,
                  b_offset=np.array([0.0, 0.1]) / b2.ms)
    G.x = 0.5
    M = b2.StateMonitor(G, ["x", "y"], record=True)
    b2.Network(G, M).run(200 * b2.ms)
    r = np.hypot(M.x_, M.y_)
    assert np.max(np.abs(r[0] / 0.5 - 1)) < 1e-9
    assert r[1, -1] < 0.5 * 0.5          # b_offset > 0 damps
    # refractoriness through q
    spikes, _ = _run("balanced_resonate_and_fire", 2, [(200, {"I": 3 * b2.kHz})], 0.1,
                     gamma=np.array([0.9, 1e-6]))
    n_brf, n_plain = len(spikes[0]), len(spikes[1])
    assert n_brf > 0 and n_plain > 2 * n_brf, (n_brf, n_plain)
    assert np.min(np.diff(spikes[0])) > 0.15   # never on consecutive steps


def test_mckean_excitable_oscillating_and_blocked():
    """McKean (1970); Tonnelier (2003), Sec. 2: with the piecewise-linear nullcline
    the rest point is on the left branch (excitable) for I < a(1+gamma)/(2 gamma) =
    0.375, on the middle branch (relaxation oscillation) up to 0.875, and on the right
    branch (depolarisation block) above."""
    amps = np.array([0.3, 0.5, 0.8, 1.0])
    spikes, _ = _run("mckean", 4, [(500, {"I": amps})], 0.05)
    late = [np.sum(s > 150) for s in spikes]
    assert late[0] == 0 and late[3] == 0, late
    assert late[1] >= 3 and late[2] >= 3, late


def test_terman_wang_relaxation_oscillation_with_short_active_phase():
    """Terman & Wang (1995), Sec. 2 / Fig. 1: for I > 0 the unit oscillates between a
    silent and an active phase, with gamma = 6 the active phase is much shorter than
    the silent one; for I < 0 it is excitable and stays silent."""
    spikes, tr = _run("terman_wang", 2, [(600, {"I": np.array([0.2, -0.05])})], 0.05,
                      record=("x",), record_dt_ms=0.5)
    assert len(spikes[1]) == 0
    s = spikes[0]
    assert len(s) >= 3
    period = np.mean(np.diff(s[1:]))
    t, x = tr["t"], tr["x"][0]
    window = (t > s[1]) & (t < s[1] + 2 * period)
    duty = np.mean(x[window] > 0)
    assert 0.05 < duty < 0.4, duty


def test_fhn_rs_iv_curves_and_spiking_range(tmp_path):
    """Ribar & Sepulchre (2019), Sec. III and Fig. 3: the fast I-V curve has a
    negative-conductance region, the slow one is monotonic; the neuron spikes exactly
    when its single equilibrium (v = I) lies in that region, and rests outside it."""
    v = np.linspace(-3, 3, 601)
    c = fhn_rs_iv_curves(v)
    slope_fast = np.gradient(c["fast"], v)
    assert slope_fast.min() < -0.5 and slope_fast[np.abs(v) > 1.2].min() > 0
    assert np.gradient(c["slow"], v).min() > 0
    assert np.gradient(c["instantaneous"], v).min() > 0
    negative = v[slope_fast < 0]
    assert plot_fhn_rs_iv(tmp_path / "iv.png").stat().st_size > 1000
    amps = np.array([-1.5, -0.5, 0.5, 1.5])
    spikes, _ = _run("fhn_rs", 4, [(400, {"I": amps})], 0.05)
    for a, s in zip(amps, spikes):
        inside = negative.min() < a < negative.max()
        assert (len(s) >= 3) == inside, (a, len(s))


def _settle_then_pulse(model_id, name, amp_pA, pulse_ms=20.0):
    """Rest 100 ms, a current pulse into ``name``, then 180 ms without input."""
    zero = 0 * b2.pA
    segs = [(100, {name: zero}), (pulse_ms, {name: amp_pA * b2.pA}), (180, {name: zero})]
    return _run(model_id, 1, segs, 0.02, record=("u", "v"), record_dt_ms=1.0)


def test_wererabbit_bistable_switch():
    """felice WereRabbit docs (seed 003), 'switching in the diagonal of the phase
    plane': two stable fixpoints, one on each side of u = v; a transient current into
    the predator node moves the state across the diagonal, and it stays on the other
    fixpoint after the pulse (memory). Each arrival at a fixpoint is one spike."""
    spikes, tr = _settle_then_pulse("wererabbit", "I_u", -20.0, pulse_ms=50.0)
    t, u, v = tr["t"], tr["u"][0], tr["v"][0]
    before = t.searchsorted(99)
    assert u[before] > v[before] + 0.1           # u > v fixpoint
    assert u[-1] < v[-1] - 0.1                   # switched, and stays after the pulse
    assert np.allclose([u[-1], v[-1]], [v[before], u[before]], atol=2e-3)  # mirror state
    s = spikes[0]
    assert len(s) == 2 and s[0] < 100 and s[1] > 150, s
    # a weak pulse (inside the basin) does not switch
    _, tr2 = _settle_then_pulse("wererabbit", "I_u", -10.0, pulse_ms=50.0)
    assert tr2["u"][0][-1] > tr2["v"][0][-1] + 0.1


def test_boomerang_bistable_switch():
    """felice Boomerang (seed 003): two stable fixpoints separated by a saddle on the
    diagonal; a transient current into node u switches the state to the other
    fixpoint, where it stays (memory); a small pulse lets it return (the 'boomerang')
    to the fixpoint it came from, with one spike at each arrival."""
    spikes, tr = _settle_then_pulse("boomerang", "I_u", 20.0)
    u, v = tr["u"][0], tr["v"][0]
    before = tr["t"].searchsorted(99)
    assert u[before] > v[before] + 0.05 and u[-1] < v[-1] - 0.05
    assert len(spikes[0]) == 2
    spikes2, tr2 = _settle_then_pulse("boomerang", "I_u", 5.0)
    assert tr2["u"][0][-1] == pytest.approx(u[before], abs=1e-4)
    assert len(spikes2[0]) == 2   # back at the same fixpoint: one more spike
