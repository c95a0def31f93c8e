"""Published behaviour of ``izhikevich_2007`` (integrate-and-fire variants;
docs/models/integrate_and_fire_variants.md).

Each test names the reference (and figure or section) whose behaviour it reproduces. The
model runs as a BrainPy layer in float64 (the cross-check ties it to Brian2 step by
step); expected values come from the reference's closed-form results or from an
independent numpy implementation of the published update, never from the code under
test.
"""

import numpy as np
import saiunit as u

from ._helpers import run_layer as _run


def test_izhikevich_2007_rs_adapts_ib_bursts_first_ch_chatters():
    """izhikevich_2007: RS spike-frequency adaptation and the IB initial burst.

    Izhikevich (2007), ch. 8: Fig. 8.12 (RS: intervals lengthen during a step) and
    Sec. 8.2.2 (IB: an initial burst of closely spaced spikes, then regular spiking) and
    Sec. 8.2.4 (CH: repetitive high-frequency bursts).
    """
    dt = 0.05e-3
    rs, _ = _run("izhikevich_2007", 8000, 150 * u.pA, preset="RS")
    rs_isi = np.diff(rs) * dt
    assert len(rs_isi) >= 5 and rs_isi[0] < np.min(rs_isi[1:]) and rs_isi[-1] > 1.15 * rs_isi[0]
    ib, _ = _run("izhikevich_2007", 8000, 550 * u.pA, preset="IB")
    ib_isi = np.diff(ib) * dt
    assert len(ib_isi) >= 4
    assert ib_isi[0] < 0.3 * np.median(ib_isi[2:]), ib_isi
    ch, _ = _run("izhikevich_2007", 8000, 300 * u.pA, preset="CH")
    ch_isi = np.diff(ch) * dt
    # chattering (Sec. 8.2.4): bursts, i.e. short intra-burst and long inter-burst intervals
    assert np.sum(ch_isi < 10e-3) >= 5 and np.sum(ch_isi > 30e-3) >= 3, ch_isi
