"""Published behaviour of ``adaptive_threshold_if`` (adaptive and stochastic integrate-and-
fire; docs/models/integrate_and_fire_adaptive.md).

The test checks a feature the model's reference reports (the figure or equation is named
in the docstring). Brian2 (numpy target) unless stated otherwise; it runs in a few
seconds.
"""

import brian2 as b2

import neuroplug.brian2 as nb2


def _ramp_spikes(model_id, amplitude, ramp, duration, **overrides):
    """Spike count of one neuron driven by a linear current ramp (0 -> amplitude)."""
    grp = nb2.group(model_id, 1, dt=0.1 * b2.ms, **overrides)
    grp.run_regularly("I = I_max*clip(t/T_ramp, 0, 1)", when="start")
    spikes = b2.SpikeMonitor(grp)
    b2.Network(grp, spikes).run(duration, namespace={"I_max": amplitude, "T_ramp": ramp})
    return spikes.num_spikes


def test_adaptive_threshold_if_accommodation():
    """Voltage-dependent threshold (Platkiewicz & Brette 2010, Fig. 7; Fontaine et al.
    2014, Fig. 1: the threshold rises with slow depolarisation): a fast step of
    300 pA fires, a slow ramp to the same 300 pA does not, because the threshold
    follows the slow depolarisation; with a_theta = 0 (LIFDT) the ramp fires too."""
    step = _ramp_spikes("adaptive_threshold_if", 300 * b2.pA, 0.1 * b2.ms, 300 * b2.ms)
    slow = _ramp_spikes("adaptive_threshold_if", 300 * b2.pA, 1 * b2.second, 1.3 * b2.second)
    fixed = _ramp_spikes("adaptive_threshold_if", 300 * b2.pA, 1 * b2.second, 1.3 * b2.second,
                         a_theta=0)
    assert step >= 1
    assert slow == 0
    assert fixed >= 1
