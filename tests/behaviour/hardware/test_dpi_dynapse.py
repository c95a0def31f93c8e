"""DYNAP-SE DPI neuron (``dpi_dynapse``): agreement with teili 1.1.0 and the circuit's
behaviour.

Oracle: tests/data/oracles/dpi_dynapse/teili_dpi.npz, written by generate.py in the same
folder with teili 1.1.0's ``DPI`` neuron and ``DPISyn`` synapses on Brian2 2.2.2.1
(numpy target, forward Euler, dt = 0.1 ms; Python 3.7, which that Brian2 needs).
"""

from pathlib import Path

import brian2 as b2
import numpy as np
import pytest

b2.prefs.codegen.target = "numpy"

import neuroplug
import neuroplug.brian2 as nb2

from ._dpi import run

ORACLE = Path(__file__).parents[2] / "data" / "oracles" / "dpi_dynapse" / "teili_dpi.npz"
REL_BOUND = 1e-12  # max |ours - teili| / range(teili) per trace (measured 1.5e-14)


def test_matches_teili_dpi_neuron_and_synapses():
    """11 neurons x 4000 steps (step currents, random currents with four parameter sets,
    excitatory and inhibitory DPI synapses driven by random spikes): the same spike steps
    as teili (173 spikes) and every recorded trace (every 10th step) within 1e-12 of its
    range (measured: Imem 1.5e-14, Iahp 3.0e-16, Isyn 1.9e-16; the residue is the
    rounding of Brian2 2.2's and 2.9's differently ordered Euler expressions, amplified
    by the positive feedback during a spike's upswing)."""
    g = np.load(ORACLE)
    steps, every, dt_ms = int(g["steps"]), int(g["every"]), float(g["dt"]) * 1e3
    N = g["Iin"].shape[1]
    params = {name: g[name] * (b2.second if name == "refP" else b2.amp)
              for name in ("Ica", "Itauahp", "Ishunt", "refP")}
    spikes = [("we", g["exc_steps"], abs(float(g["w_exc"])), (9, 10)),
              ("wi", g["inh_steps"], abs(float(g["w_inh"])), (9, 10))]
    traces, raster = run(N, steps, g["Iin"], dt_ms, every, spikes, **params)

    ref = np.zeros((steps, N), dtype=bool)
    ref[g["spike_step"], g["spike_i"]] = True
    assert ref.sum() == 173 and ref[:, 9:].sum() > 10 and ref[:, 6].sum() > ref[:, 7].sum()
    np.testing.assert_array_equal(np.argwhere(raster), np.argwhere(ref))
    for var in ("Imem", "Iahp"):
        a, b = traces[var], g[var]
        assert a.shape == b.shape
        rel = np.max(np.abs(a - b), axis=0) / np.ptp(b, axis=0).clip(1e-15)
        assert rel.max() <= REL_BOUND, f"[{var}] max rel diff {rel.max():.3g} > {REL_BOUND}"
    for var in ("Isyn_e", "Isyn_i"):  # teili's synapses onto neurons 9 and 10
        a, b = traces[var][:, 9:], g[var]
        assert np.ptp(b) > 1e-9  # the synapses were driven well above Io
        rel = np.max(np.abs(a - b)) / np.ptp(b)
        assert rel <= REL_BOUND, f"[{var}] max rel diff {rel:.3g} > {REL_BOUND}"
        np.testing.assert_array_equal(traces[var][:, :9], 0.5e-12)  # no synapse: Io


# ---------------------------------------------------------------------------------------
# Behaviour of the circuit equations (one Brian2 run shared by the tests below)

DT = 1e-4
STEPS = 3000
IO = 0.5e-12
X_REST = IO * (np.sqrt(5) - 1) / 2  # rest without input: Imem + Imem**2/Io = Io


@pytest.fixture(scope="module")
def behaviour():
    """Six neurons, 300 ms: 0 subthreshold (2 nA); 1 defaults, 2 Ica = 0, 3 strong
    adaptation (6, 6, 8 nA); 4 no input, Ishunt = 0 (below Io), started at the rest
    point; 5 one excitatory spike of weight 10 at step 100."""
    b2.start_scope()
    Ica = np.array([2, 2, 0, 10, 2, 2]) * 1e-12 * b2.amp
    Itauahp = np.array([1, 1, 1, 0.5, 1, 1]) * 1e-12 * b2.amp
    Ishunt = np.array([0.5, 0.5, 0.5, 0.5, 0, 0.5]) * 1e-12 * b2.amp
    G = nb2.group("dpi_dynapse", 6, dt=DT * b2.second, Ica=Ica, Itauahp=Itauahp,
                  Ishunt=Ishunt)
    G.Iin = np.array([2, 6, 6, 8, 0, 0]) * 1e-9 * b2.amp
    G.Imem[4] = X_REST * b2.amp
    src = b2.SpikeGeneratorGroup(1, [0], [100 * DT] * b2.second, dt=DT * b2.second)
    S = G.spike_synapses(src, weight="10", input="we", dt=DT * b2.second)
    S.connect(i=0, j=5)
    M = b2.StateMonitor(G, ["Imem", "Iahp", "Isyn_e", "Isyn_i"], record=True, when="end")
    Sm = b2.SpikeMonitor(G)
    b2.Network(G, src, S, M, Sm).run(STEPS * DT * b2.second, namespace={})
    tr = {v: np.asarray(getattr(M, v + "_")).T for v in ("Imem", "Iahp", "Isyn_e", "Isyn_i")}
    steps = np.round(np.asarray(Sm.t_) / DT).astype(int)
    spikes = [steps[np.asarray(Sm.i[:]) == k] for k in range(6)]
    return tr, spikes


def _defaults():
    """The model's default parameter values in SI units (floats)."""
    values = neuroplug.model("dpi_dynapse").parameter_values()
    return {k: float(np.asarray(v)) for k, v in values.items()}


def test_subthreshold_steady_state_is_the_dpi_gain(behaviour):
    """Below the feedback onset the membrane DPI settles where dImem/dt = 0:
    Imem = ((Ith/Itau)*(Iin + Iconst - Ishunt - Iahp) - Ith)/(1 + (Ishunt + Iahp)/Itau)
    (Chicca et al. 2014; Ia ~ 1e-22 A here): 199.15 pA for 2 nA, to 1e-9 relative."""
    tr, spikes = behaviour
    p = _defaults()
    Iin = 2e-9 + p["Iconst"]
    expected = ((p["Ith"] / p["Itau"]) * (Iin - p["Ishunt"] - IO) - p["Ith"]) / \
        (1 + (p["Ishunt"] + IO) / p["Itau"])
    assert len(spikes[0]) == 0
    assert abs(tr["Imem"][-1, 0] - expected) <= 1e-9 * expected
    assert abs(expected - 199.15e-12) < 1e-16


def test_rest_point_below_the_dark_current(behaviour):
    """Without input Imem sinks below Io, where every bias is replaced by Io and the
    shunt by min(max(Ishunt, Io), Imem) = Imem: dImem/dt ~ Io - Imem - Imem**2/Io, zero
    at Io*(sqrt(5) - 1)/2 = 0.309 pA.  Started there, the neuron stays there (to 1e-12
    relative), also with Ishunt = 0 < Io -- the meaning of teili's
    clip(Ishunt, Io, Imem) in numpy; Brian2's cython/C++ clip would return Io there
    and move the rest point to 0."""
    tr, spikes = behaviour
    assert len(spikes[4]) == 0
    assert np.max(np.abs(tr["Imem"][:, 4] - X_REST)) <= 1e-12 * X_REST


def test_adaptation_refractoriness_and_ahp_jumps(behaviour):
    """Iahp grows by Iahpmax = (Ica/Itauahp)*Ithahp at every spike and otherwise decays
    as exp(-t/tauahp) (Euler: factor 1 - dt/tauahp per step), to 1e-12 relative; Imem is
    held at Ireset for refP = 1 ms (10 steps) after each spike; the inter-spike
    intervals lengthen with adaptation, are constant without it (Ica = 0) and lengthen
    most with the strong preset values."""
    tr, spikes = behaviour
    p = _defaults()
    kappa = (p["kn"] + p["kp"]) / 2
    tauahp = p["Cahp"] * p["Ut"] / (kappa * p["Itauahp"])
    Iahp, s = tr["Iahp"][:, 1], spikes[1]
    assert len(s) > 10
    k = np.arange(s[0] + 1, STEPS)
    jump = np.isin(k, s) * p["Ica"] / p["Itauahp"] * p["Ithahp"]
    pred = Iahp[k - 1] * (1 - DT / tauahp) + jump
    assert np.all(Iahp[k - 1] > IO)
    assert np.max(np.abs(Iahp[k] - pred) / pred) <= 1e-12
    for sp in s[:-1]:
        np.testing.assert_array_equal(tr["Imem"][sp:sp + 10, 1], p["Ireset"])
        assert tr["Imem"][sp + 10, 1] > p["Ireset"]
    isi = [np.diff(spikes[n]) for n in (1, 2, 3)]
    assert isi[0][-1] > 1.5 * isi[0][0]                 # adapting
    assert np.ptp(isi[1][1:]) <= 1 and len(spikes[2]) > len(spikes[1])  # Ica = 0: tonic
    assert isi[2][-1] > 3 * isi[2][0]                   # strong adaptation
    assert isi[2][-1] / isi[2][0] > isi[0][-1] / isi[0][0]


def test_dpi_synapse_step_and_decay(behaviour):
    """One spike of weight w onto a synapse at rest (Isyn = Io) adds
    w*Iw*Io/(Io*(Io/Io + 1)) = w*Iw/2 = 35 pA; above Io the DPI synapse then decays
    with tau_e = Csyn*Ut/(kappa*Itau_e) (5.3 ms; Euler factor 1 - dt/tau_e, to 1e-12
    relative) until it is back at Io, and raises Imem (by 70%, no spike)."""
    tr, spikes = behaviour
    p = _defaults()
    I = tr["Isyn_e"][:, 5]
    np.testing.assert_array_equal(I[:100], IO)
    assert abs(I[100] - (IO + 10 * p["Iw_e"] / 2)) <= 1e-12 * I[100]
    tau_e = p["Csyn_e"] * p["Ut"] / ((p["kn"] + p["kp"]) / 2 * p["Itau_e"])
    above = np.nonzero(I[100:] > IO)[0][-1] + 100
    assert above > 150
    ratio = I[101:above] / I[100:above - 1]
    assert np.max(np.abs(ratio - (1 - DT / tau_e))) <= 1e-12
    np.testing.assert_array_equal(tr["Isyn_i"][:, 5], IO)
    assert len(spikes[5]) == 0 and tr["Imem"][:, 5].max() > 1.5 * tr["Imem"][99, 5]

