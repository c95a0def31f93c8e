"""Timing: interleaved repeats of side-by-side contenders, their summaries and ratios,
and the process's peak memory.
"""

from __future__ import annotations

import resource

import numpy as np


def _self_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _interleaved(contenders, repeats, bar=None):
    """Run every contender once per repeat, in turn; returns {label: [(s, rss), ...]}."""
    out = {c.label: [] for c in contenders}
    for r in range(repeats):
        order = contenders if r % 2 == 0 else contenders[::-1]  # cancel order effects
        for c in order:
            out[c.label].append(c.run_once())
            if bar is not None:
                bar.update(1)
    return out


def _summary(samples):
    secs = [s for s, _ in samples]
    rss = [m for _, m in samples if m is not None]
    best = min(secs)
    return {"seconds": secs, "min_s": best, "median_s": float(np.median(secs)),
            "spread": (max(secs) - best) / best if best > 0 else None,
            "peak_rss_mb": max(rss) if rss else None}


def _ratio(a, b):
    """min(a)/min(b) and the spread of the per-repeat ratios."""
    ra = [x for x, _ in a]
    rb = [x for x, _ in b]
    pair = [x / y for x, y in zip(ra, rb)]
    return {"ratio": min(ra) / min(rb), "ratio_median": float(np.median(pair)),
            "ratio_min": min(pair), "ratio_max": max(pair)}
