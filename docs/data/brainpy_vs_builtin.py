"""Regenerate docs/data/brainpy_vs_builtin.json: each library layer against the
brainpy.state built-in (N = 1e5), float64 and float32, forward and training step.

The contenders and timing are neuroplug.bench's own (``BrainPyLayer``, ``_interleaved``,
``_ratio``: min/min plus the per-repeat ratios), run for these pairs only.  Run on an idle
machine, with XLA's default flags (as a training script and ``neuroplug bench`` run;
the cross-check's numpy-rounding flags are not set)::

    python docs/data/brainpy_vs_builtin.py [--repeats R] [--models lif,adex] [--out FILE]
"""

import argparse
import json
import platform
from datetime import UTC, datetime
from pathlib import Path

from neuroplug.bench.config import config
from neuroplug.bench.contenders import LIBRARY_FOR_BUILTIN, BrainPyLayer
from neuroplug.bench.timing import _interleaved, _ratio
from neuroplug.bench.workloads import _dt


#: forward steps: HH's are costly; LIF's are cheap (2000 steps take ~50 ms, where the
#: machine's timer noise is +-15 %), so it runs longer; training steps: cfg.train_steps
FORWARD_STEPS = {"hodgkin_huxley": 200, "lif": 10_000}


def _measure(mid, variant, dtype, mode, steps, repeats):
    """One library variant against the built-in, interleaved repeats."""
    dur = steps * _dt(mid)
    pair = [BrainPyLayer(mid, v, 100_000, dur, dtype, mode) for v in (variant, "builtin")]
    for c in pair:
        c.prepare()
    try:
        res = _interleaved(pair, repeats)
    finally:
        for c in reversed(pair):
            c.close()
    lib, bi = (res[c.label] for c in pair)
    return {"model": mid, "library": variant, "N": 100_000, "dtype": dtype, "mode": mode,
            "steps": steps, "library_min_s": min(s for s, _ in lib),
            "builtin_min_s": min(s for s, _ in bi), **_ratio(lib, bi), "repeats": repeats}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=11)
    p.add_argument("--models", default="lif,adex,izhikevich,hodgkin_huxley")
    p.add_argument("--out", default=str(Path(__file__).with_suffix(".json")))
    args = p.parse_args()
    cfg = config()
    import brainpy
    import brainstate
    import jax

    rows = []
    for mid in args.models.split(","):
        for dtype in ("float64", "float32"):
            for mode in ("forward", "train"):
                steps = FORWARD_STEPS.get(mid, 2000) if mode == "forward" else cfg.train_steps
                variants = ["library"]
                if mode == "forward" and "lazy_reset" in LIBRARY_FOR_BUILTIN.get(mid, {}):
                    variants.append("library-brian2")  # Brian2's same-step reset
                for variant in variants:
                    rows.append(_measure(mid, variant, dtype, mode, steps, args.repeats))
                    r = rows[-1]
                    print(f"{mid} {variant} {dtype} {mode}: ratio {r['ratio']:.2f} (median "
                          f"{r['ratio_median']:.2f})", flush=True)
    meta = {"date": datetime.now(UTC).isoformat(timespec="minutes"),
            "cpu": platform.processor() or platform.machine(),
            "versions": {"jax": jax.__version__, "brainpy": brainpy.__version__,
                         "brainstate": brainstate.__version__}}
    Path(args.out).write_text(json.dumps({"environment": meta, "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
