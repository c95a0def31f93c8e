"""Published behaviour of ``ilif`` (integrate-and-fire variants;
docs/models/integrate_and_fire_variants.md).

Each test names the reference (and figure or section) whose behaviour it reproduces. The
model runs as a BrainPy layer in float64 (the cross-check ties it to Brian2 step by
step); expected values come from the reference's closed-form results or from an
independent numpy implementation of the published update, never from the code under
test.
"""

from ._helpers import run_layer as _run


def test_ilif_inhibition_reduces_overactivation():
    """ilif: the inhibitory units fire fewer spikes than the LIF they extend.

    Sun et al. (2025), abstract and Sec. 4 (ILIF lowers firing rates): same charge,
    threshold and soft reset, compared with the plain LIF in numpy.
    """
    for X in (0.6, 0.7):
        spikes, _ = _run("ilif", 300, X)
        v, lif = 0.0, 0
        for _ in range(300):
            v = v * 0.5 + X
            if v >= 1.0:
                lif += 1
                v -= 1.0
        assert 0 < len(spikes) < 0.9 * lif, (X, len(spikes), lif)
