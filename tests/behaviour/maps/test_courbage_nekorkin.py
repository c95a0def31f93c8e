"""Published behaviour of the Courbage-Nekorkin-Vdovin (2007) map.

Courbage, Nekorkin, Vdovin (2007), Chaos 17:043109: for J < J_min the rest state
x = J is stable (excitable, phasic spiking; a focus with damped subthreshold
oscillations when eps > m0^2/4), for J > J_min and a small jump beta the map spikes
tonically, and inside the invariant-region bounds beta_0 < beta < beta_1 it shows
chaotic spiking-bursting (Fig. 4). The oracle for the rest state is analytic: the
fixed point (J, F(J)) and the Jacobian [[1 + F'(J), -1], [eps, 1]].
"""

import brian2 as b2
import numpy as np

from ._helpers import run_map

b2.prefs.codegen.target = "numpy"


M0, M1, A_, D = 0.4, 0.65, 0.2, 0.3


def test_courbage_nekorkin_rest_state_excitability_and_subthreshold_focus():
    """Rest state for J = 0.1 < J_min: simulated state equals (J, -m0 J) within 1e-9;
    Jacobian eigenvalues are real (node) for eps = 0.01 and complex with modulus < 1
    (focus) for eps = 0.05; a step of 0.05 fires exactly one phasic spike; the focus
    rings (x - J changes sign at least 4 times) without spiking after a 0.002 kick."""
    J = 0.1
    for eps, complex_ in [(0.01, False), (0.05, True)]:
        lam = np.linalg.eigvals(np.array([[1 - M0, -1.0], [eps, 1.0]]))
        assert np.all(np.abs(lam) < 1) and (abs(lam[0].imag) > 0) == complex_
    spk, tr = run_map("courbage_nekorkin", 2, 3000, 1.0, preset="excitable",
                      inputs={"I": np.array([0.0, 0.05])}, record=("x", "y"))
    assert abs(tr["x"][-1, 0] - J) < 1e-9 and abs(tr["y"][-1, 0] + M0 * J) < 1e-9
    assert len(spk[0]) == 0 and len(spk[1]) == 1
    spk, tr = run_map("courbage_nekorkin", 1, 400, 1.0, preset="subthreshold",
                      init={"x": 0.102, "y": -M0 * J}, record=("x",))
    dev = tr["x"][:, 0] - J
    assert len(spk[0]) == 0
    assert np.count_nonzero(np.diff(np.sign(dev[np.abs(dev) > 1e-12])) != 0) >= 4
    assert np.abs(dev[-50:]).max() < 0.1 * np.abs(dev[:20]).max()


def test_courbage_nekorkin_tonic_spiking_versus_chaotic_bursting():
    """Tonic preset: regular spiking (ISIs within 3 iterations of each other). Fig. 4
    parameter set: the invariant-region condition beta_0 < beta < beta_1 holds, ISIs are
    irregular and clustered (many ISIs of 2-4 iterations within bursts and some > 8
    between them), and orbits 1e-9 apart diverge (chaos)."""
    jmin = A_ * M1 / (M0 + M1)
    jmax = (M0 + A_ * M1) / (M0 + M1)
    beta0 = M0 * (1 - jmax + jmin)
    beta1 = (1 + M1) * min(jmax - D, D - jmin)
    assert beta0 < 0.25 < beta1
    spk, _ = run_map("courbage_nekorkin", 1, 3000, 1.0, preset="tonic")
    isi = np.diff(spk[0][spk[0] > 500])
    assert len(isi) >= 8 and isi.max() - isi.min() <= 3, isi
    spk, tr = run_map("courbage_nekorkin", 2, 6000, 1.0, preset="chaotic_bursting",
                      init={"x": np.array([0.0, 1e-9])}, record=("x",))
    isi = np.diff(spk[0][spk[0] > 1000])
    assert np.mean(isi <= 4) > 0.4 and np.mean(isi >= 8) > 0.02, np.bincount(isi)
    assert np.abs(tr["x"][-1000:, 0] - tr["x"][-1000:, 1]).max() > 0.05
