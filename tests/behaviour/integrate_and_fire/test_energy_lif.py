"""Published behaviour of ``energy_lif`` (energy-constrained and fractional-order
integrate-and-fire; docs/models/integrate_and_fire_energy_and_fractional.md).

Each test checks a feature the model's reference reports (the figure is named in the
docstring). Brian2 (numpy target); every test runs in a few seconds.
"""

import brian2 as b2
import numpy as np

import neuroplug.brian2 as nb2


def test_energy_lif_firing_needs_energy_and_resumes_after_recovery():
    """eLIF (Fardet & Levina 2020, eLIF section and Fig. 2: spiking consumes energy,
    spike generation fails when the energy falls below epsilon_c and recovers with the
    energy). A strong step makes the healthy neuron fire a short train, then stop
    although ``v`` stays above threshold (depolarisation block with depleted energy);
    after a pause without input the energy is partly replenished and the same step
    makes it fire again (fewer spikes: as many as the recovered energy pays for). Controls: with free spikes (``delta = 0``) the neuron fires
    throughout the step; with impaired energy production (``alpha = 0.6``) it fires
    fewer spikes before failing."""
    dt = 0.1 * b2.ms
    grp = nb2.group("energy_lif", 3, dt=dt, alpha=[1.0, 1.0, 0.6], delta=[0.1, 0.0, 0.1])
    spikes = b2.SpikeMonitor(grp)
    state = b2.StateMonitor(grp, ["v", "epsilon"], record=True, dt=1 * b2.ms)
    net = b2.Network(grp, spikes, state)
    grp.I = 200 * b2.pA
    net.run(300 * b2.ms)          # step 1: 0-300 ms
    grp.I = 0 * b2.pA
    net.run(900 * b2.ms)          # recovery: 300-1200 ms
    grp.I = 200 * b2.pA
    net.run(200 * b2.ms)          # step 2: 1200-1400 ms
    t = [np.asarray(spikes.spike_trains()[i] / b2.ms) for i in range(3)]
    ts = np.asarray(state.t / b2.ms)

    healthy, free, impaired = t
    first = healthy[healthy < 300]
    second = healthy[healthy >= 1200]
    assert 2 <= len(first) <= 6, first
    # firing stops within the step: silence for the last 200 ms of it ...
    assert first[-1] < 100, first
    late = (ts > 150) & (ts < 300)
    # ... although v is above threshold, because the energy is at or below epsilon_c
    assert np.all(state.v[0][late] > -55 * b2.mV)
    assert np.all(state.epsilon[0][late] <= 0.2)
    # the energy recovers above epsilon_c during the pause, and firing resumes
    assert state.epsilon[0][(ts > 1150) & (ts < 1200)].min() > 0.3
    assert 1 <= len(second) <= len(first), (first, second)
    # controls: spikes without cost never stop; impaired cells fail sooner
    assert len(free[free < 300]) > 20 and free[free < 300][-1] > 280
    assert len(impaired[impaired < 300]) < len(first), (impaired, first)
