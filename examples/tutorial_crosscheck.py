"""Tutorial: cross-check a model between Brian2 and BrainPy, and read the report.

Runs the AdEx model (Naud et al. 2008 'tonic' preset) in both simulators with the same
stimulus, dt and method, compares them against the model's declared tier, and writes
the report (Markdown), the metrics (JSON) and the figure. Then it does the same in
float32, where the tier's bounds are looser.

    python examples/tutorial_crosscheck.py --out docs/tutorials/figures
    python examples/tutorial_crosscheck.py --quick --out /tmp/xc    # 0.2 s instead of 1 s

``--quick`` (or ``NEUROPLUG_TUTORIAL_QUICK=1``) shortens the simulated time. Writes
``crosscheck_adex.png``, ``crosscheck_adex.md`` and ``crosscheck_adex.json`` into ``--out``.
"""

import argparse
import json
import os
from pathlib import Path

# JAX must start with numpy-like rounding for bit-comparable arithmetic; set before
# anything imports JAX, this runs the BrainPy side in this process (without it,
# neuroplug.crosscheck runs it in a child process that has the flags).
from neuroplug.crosschecking import exact_cpu_flags

exact_cpu_flags()

import neuroplug  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true",
                    default=os.environ.get("NEUROPLUG_TUTORIAL_QUICK", "") not in ("", "0"),
                    help="0.2 s of simulated time (CI size)")
    ap.add_argument("--out", default=".", help="folder for the figure, report and JSON")
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    duration = "200 ms" if args.quick else None      # None: the model's own protocol

    # [check]
    result = neuroplug.crosscheck("adex", preset="tonic", duration=duration)
    print(result.report())
    result.plot(out / "crosscheck_adex.png")
    result.save_report(out / "crosscheck_adex.md")
    result.save_json(out / "crosscheck_adex.json")
    # [check end]

    # [read]
    # The verdict and what it rests on, as data
    print("passed:", result.passed, "| tier:", result.tier, "| method:", result.method)
    for var, m in result.metrics["variables"].items():
        # largest difference relative to the variable's range, against the tier's bound
        print(f"  {var}: max rel diff {m['max_rel']:.1e} <= bound {m['bound']:.0e}: "
              f"{m['max_rel'] <= m['bound']} (worst at neuron, step {m['at']})")
    sp = result.metrics["spikes"]
    print(f"  spikes: Brian2 {sp['brian2']}, BrainPy {sp['brainpy']}, "
          f"identical steps {all(sp['identical'])}")
    print("failures:", result.failures or "none")
    # [read end]

    # [float32]
    r32 = neuroplug.crosscheck("adex", preset="tonic", duration=duration, dtype="float32")
    print(r32.report().split("\n\n")[1])   # the verdict line of the float32 check
    # [float32 end]

    data = json.loads((out / "crosscheck_adex.json").read_text())
    assert data["passed"] == result.passed
    return 0 if result.passed and r32.passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
