"""Published behaviour of ``compte_nmda`` (Compte et al. 2000 cell; Jahr & Stevens 1990
Mg block; Lisman, Fellous & Wang 1998 NMDA bistability).

1. The NMDA magnesium block of the model against the Jahr & Stevens (1990) values
   (1 mM Mg: unblocked fraction 1/(1 + exp(-0.062 V/mV)/3.57), half block at
   -ln(3.57)/0.062 = -20.5 mV), and the negative-slope region of the NMDA I-V curve.
2. Persistent firing with sufficient NMDA drive: with a constant NMDA conductance the
   negative slope conductance makes the cell bistable (Lisman et al. 1998): the same
   cell under the same input stays silent or fires persistently depending on whether a
   brief current pulse was given; with an AMPA (voltage-independent) conductance
   instead, the pulse leaves no trace. The operating point (200 nS NMDA, -650 pA
   holding current) is ours, chosen from the I-V curve; the network persistent activity
   of Compte et al. (2000) needs the network and is not claimed here.
"""

import brian2 as b2
import numpy as np
import pytest

import neuroplug.brian2 as nb2

pytestmark = pytest.mark.filterwarnings("ignore")


def test_mg_block_matches_jahr_stevens():
    """Unblocked fraction at -80..0 mV equals the Jahr-Stevens values (0.0444 at
    -70 mV, 0.781 at 0 mV, 1/2 at -20.5 mV) to 1e-12; the NMDA current
    g B(V)(V - 0 mV) has a negative-slope region between -60 and -30 mV."""
    v_half = -np.log(3.57) / 0.062  # -20.53 mV
    volts = np.array([-80.0, -70.0, -60.0, -40.0, v_half, -20.0, 0.0])
    G = nb2.group("compte_nmda", len(volts))
    G.v = volts * b2.mV
    G.g_NMDA = 1 * b2.nS
    block = np.asarray(G.B_Mg[:])
    jahr_stevens = 1.0 / (1.0 + 1.0 / 3.57 * np.exp(-0.062 * volts))
    np.testing.assert_allclose(block, jahr_stevens, rtol=1e-12)
    assert block[1] == pytest.approx(0.0444, abs=1e-4)
    assert block[-1] == pytest.approx(0.781, abs=1e-3)
    assert block[4] == pytest.approx(0.5, abs=1e-12)
    v = np.linspace(-80, 0, 81)
    G2 = nb2.group("compte_nmda", len(v))
    G2.v = v * b2.mV
    G2.g_NMDA = 1 * b2.nS
    i_nmda = np.asarray(G2.I_NMDA[:] / b2.pA)
    slope = np.diff(i_nmda)
    # negative slope conductance: the (inward, negative) current grows as v depolarises
    assert np.all(slope[(v[:-1] >= -60) & (v[:-1] < -30)] < 0)


def test_nmda_bistability_persistent_firing_after_a_pulse():
    """Four cells under -650 pA holding current: two with g_NMDA = 200 nS, two with
    g_AMPA = 18 nS; one of each gets a 1 nA, 100 ms pulse. After the pulse the NMDA
    cell that got it keeps firing (measured 22 Hz) while its twin stays silent; both
    AMPA cells are silent after the pulse (no memory without NMDA's voltage dependence)."""
    G = nb2.group("compte_nmda", 4)
    G.g_NMDA = np.array([200.0, 200.0, 0.0, 0.0]) * b2.nS
    G.g_AMPA = np.array([0.0, 0.0, 18.0, 18.0]) * b2.nS
    hold = np.full(4, -650.0) * b2.pA
    G.I = hold
    S = b2.SpikeMonitor(G)
    net = b2.Network(G, S)
    net.run(200 * b2.ms)
    G.I = hold + np.array([0.0, 1000.0, 0.0, 1000.0]) * b2.pA
    net.run(100 * b2.ms)
    G.I = hold
    net.run(500 * b2.ms)
    st = S.spike_trains()
    after = [np.sum(np.asarray(st[k] / b2.ms) > 350.0) for k in range(4)]
    before = [np.sum(np.asarray(st[k] / b2.ms) < 200.0) for k in range(4)]
    assert before == [0, 0, 0, 0], before
    assert after[0] == 0 and after[1] >= 10, after   # NMDA: history decides
    assert after[2] == 0 and after[3] == 0, after    # AMPA: no persistent state
    assert np.sum(np.asarray(st[3] / b2.ms) > 200.0) >= 1, "the AMPA pulse did excite"
