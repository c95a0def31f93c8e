"""Published behaviour of ``mat`` (classic integrate-and-fire;
docs/models/integrate_and_fire_classic.md).

The figure or equation is named in the test's docstring. Runs use Brian2's runtime numpy
target via ``neuroplug.brian2.group`` and are kept to a few thousand steps.
"""

import numpy as np
from brian2 import ms, nA

from ._helpers import spike_trains as _spike_trains


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
