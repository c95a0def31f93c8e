"""Tutorial: export a model to Verilog and read the verification ladder.

Exports the AdEx model (Naud et al. 2008 'tonic' preset) to fixed-point Verilog-2005
plus its JSON sidecar, runs the float64 map and the bit-true integer model side by side,
and runs the verification ladder (float map vs Brian2, bit-true vs float map, RTL vs
bit-true under cocotb on Icarus Verilog).

    python examples/tutorial_verilog.py --out docs/tutorials/figures
    python examples/tutorial_verilog.py --quick --out /tmp/hw    # 2 000 RTL cycles

``--quick`` (or ``NEUROPLUG_TUTORIAL_QUICK=1``) runs 2 000 RTL cycles instead of the
ladder's 10 000. Without Icarus Verilog (``iverilog``) the RTL step is left out, with a
note. Writes ``verilog_adex.png``, the Verilog and the sidecar (``hw/``) and the ladder's
report ``verilog_ladder.txt`` into ``--out``.
"""

import argparse
import json
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

MODEL, PRESET = "adex", "tonic"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true",
                    default=os.environ.get("NEUROPLUG_TUTORIAL_QUICK", "") not in ("", "0"),
                    help="2 000 RTL cycles (CI size)")
    ap.add_argument("--out", default=".", help="folder for the figure, Verilog and report")
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    # [export]
    from neuroplug.hw import export

    spec = export(MODEL, PRESET, out=out / "hw")          # np_adex_tonic.v + .json
    print("wrote", *[Path(f).name for f in spec["files"]])
    for s in spec["states"]:
        f = s["format"]
        print(f"  state {s['name']}: Q{f['int_bits']}.{f['frac_bits']} "
              f"(LSB {2.0 ** -f['frac_bits']:.2e} {s.get('unit', '')})")
    print("  rounding", spec["rounding"], "| overflow", spec["overflow"],
          "| rheobase", spec["characterisation"]["rheobase"])
    # [export end]

    # [bittrue]
    from neuroplug.hw.ir import build_map
    from neuroplug.hw.ladder import run_bittrue

    ir = build_map(MODEL, PRESET)                          # the float64 map (working units)
    steps = 3000
    amp = 1.5 * spec["characterisation"]["rheobase"]       # 1.5x rheobase
    frac = spec["inputs"][0]["format"]["frac_bits"]
    q = round(amp * 2 ** frac)                             # the input on the input's grid
    traces64, spikes64, _ = ir.float_map().run(np.full(steps, q / 2 ** frac))
    spikes_bt, traces_bt, _overflows = run_bittrue(spec, q, steps)
    print(f"1.5x rheobase, {steps} steps: float64 map {len(spikes64)} spikes, "
          f"bit-true {len(spikes_bt)} spikes, identical steps "
          f"{np.array_equal(spikes64, spikes_bt)}")
    # [bittrue end]

    # [ladder]
    from neuroplug.hw import verify
    from neuroplug.hw.sim import simulator_available

    why_not = simulator_available("icarus")                # None when iverilog is there
    steps_run = ("i", "ii", "iii") if why_not is None else ("i", "ii")
    if why_not:
        print(f"RTL step (iii) left out: {why_not}")
    ladder = verify(MODEL, PRESET, sims=("icarus",), cycles=2000 if args.quick else 10_000,
                    out=out / "ladder", steps=steps_run)
    print(ladder.report())
    # [ladder end]
    (out / "verilog_ladder.txt").write_text(ladder.report() + "\n")
    (out / "verilog_ladder.json").write_text(json.dumps(ladder.to_dict(), indent=1) + "\n")

    v_name = spec["states"][0]["name"]
    t = np.arange(steps) * ir.dt * 1e3
    fig, axes = plt.subplots(2, 1, figsize=(8, 5), sharex=True,
                             gridspec_kw={"height_ratios": [2, 1]})
    axes[0].plot(t, traces64[v_name], color="C0", lw=1.2, label="float64 map")
    axes[0].plot(t, traces_bt[v_name], color="k", ls=":", lw=1, label="bit-true (= RTL)")
    axes[0].set_ylabel(f"{v_name} ({spec['states'][0].get('unit', 'working units')})")
    axes[0].legend(fontsize=8, loc="lower right")
    axes[0].set_title(f"{MODEL}[{PRESET}] at 1.5x rheobase: fixed point vs float64")
    axes[1].plot(t, np.abs(traces_bt[v_name] - traces64[v_name]), color="C3", lw=0.8)
    axes[1].set_yscale("log")
    axes[1].set_ylabel("|bit-true - float64|")
    axes[1].set_xlabel("time (ms)")
    fig.tight_layout()
    fig.savefig(out / "verilog_adex.png", dpi=100)
    plt.close(fig)
    return 0 if ladder.passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
