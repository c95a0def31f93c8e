"""Published behaviour of ``sfa`` (adaptive and stochastic integrate-and-fire;
docs/models/integrate_and_fire_adaptive.md).

The test checks a feature the model's reference reports (the figure or equation is named
in the docstring). Brian2 (numpy target) unless stated otherwise; it runs in a few
seconds.
"""

import brian2 as b2
import numpy as np

from ._helpers import run_group as _run


def _onset_and_steady_rates(train):
    isi = np.diff(train)
    return 1.0 / isi[0], 1.0 / np.mean(isi[-5:])


def test_sfa_onset_and_steady_state_fi_curves():
    """Adaptation current (Benda & Herz 2003, Sect. 2-3 and Fig. 1: onset f-I curve
    f_0(I) above the steady-state curve f_inf(I), which is flatter; the rate decays
    from f_0 to f_inf with an effective time constant shorter than the adaptation
    time constant, tau_eff < tau_w)."""
    amps = [300 * b2.pA, 450 * b2.pA, 600 * b2.pA]
    trains, _ = _run("sfa", amps, 1 * b2.second)
    f0, finf = np.array([_onset_and_steady_rates(t) for t in trains]).T
    assert np.all(finf < 0.8 * f0), (f0, finf)
    slope0 = np.polyfit([300, 450, 600], f0, 1)[0]
    slope_inf = np.polyfit([300, 450, 600], finf, 1)[0]
    assert 0 < slope_inf < slope0, (slope0, slope_inf)
    # effective time constant of the rate decay at 450 pA
    t = trains[1]
    rate = 1.0 / np.diff(t)
    excess = rate - finf[1]
    keep = excess > 0.1 * excess[0]
    tau_eff = -1.0 / np.polyfit(t[1:][keep], np.log(excess[keep]), 1)[0]
    assert 0.005 < tau_eff < 0.100, tau_eff  # tau_w = 100 ms
