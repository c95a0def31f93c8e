"""Regenerate golden.npz for the `truenorth` model from RANC's NeuronBlock (C++).

RANC (github.com/UA-RCL/RANC, MIT licence; commit 08ae4bdddc60c6c480708f0b9298cff798fe354f
used here) is an open TrueNorth-like architecture; its C++ simulator's NeuronBlock
implements the TrueNorth neuron's deterministic modes.  ranc_oracle.cpp drives it tick by
tick; this script compiles it against a RANC checkout with the system g++ (12.2.0 here),
feeds random parameters and inputs (numpy seed SEED) and stores parameters, inputs, the
membrane potential after every tick and the spikes.

Usage:
    python tests/data/oracles/truenorth/generate.py --ranc PATH_TO_RANC_CHECKOUT

The parameter sets use RANC's modes only: deterministic synapses and leak, no leak
reversal (epsilon 0), reset modes 0 and 1, negative reset (kappa 0), no threshold noise
(M 0); inputs are kept small enough that the 20-bit saturation of the model is never
reached (RANC's simulator has none).
"""

import argparse
import os
import subprocess
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SEED = 20130804
STEPS = 2000
NEURONS = 12


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ranc", required=True, help="RANC checkout (needs simulator/src)")
    ap.add_argument("--cxx", default="g++")
    ap.add_argument("--out", default=str(HERE / "golden.npz"))
    args = ap.parse_args()
    src = Path(args.ranc) / "simulator" / "src"
    rng = np.random.default_rng(SEED)
    # columns: s0 s1 s2 s3 lam alpha beta R gamma
    params = np.stack([
        rng.integers(-60, 120, NEURONS), rng.integers(-120, 60, NEURONS),
        rng.integers(-255, 256, NEURONS), rng.integers(-255, 256, NEURONS),
        rng.integers(-12, 13, NEURONS), rng.integers(1, 400, NEURONS),
        rng.integers(0, 400, NEURONS), rng.integers(-50, 51, NEURONS),
        np.arange(NEURONS) % 2,
    ], axis=1).astype(np.int64)
    # active synapses per axon type and tick: sparse, a few busy stretches
    p_active = np.array([0.3, 0.2, 0.05, 0.05])
    counts = rng.binomial(3, p_active[None, None, :], size=(STEPS, NEURONS, 4))
    busy = np.zeros((STEPS, NEURONS, 1), dtype=bool)
    for start in rng.integers(0, STEPS - 40, 20):
        busy[start:start + 40] = True
    counts = np.where(busy, counts * 2, counts).astype(np.int64)

    with tempfile.TemporaryDirectory() as tmp:
        exe = os.path.join(tmp, "ranc_oracle")
        subprocess.run([args.cxx, "-O2", "-std=c++14", f"-I{src}", str(HERE / "ranc_oracle.cpp"),
                        str(src / "neuronblock.cpp"), "-o", exe], check=True)
        lines = [str(NEURONS)] + [" ".join(str(int(x)) for x in row) for row in params]
        lines.append(str(STEPS))
        lines += [" ".join(str(int(x)) for x in counts[t, i]) for t in range(STEPS)
                  for i in range(NEURONS)]
        out = subprocess.run([exe], input="\n".join(lines) + "\n", check=True,
                             capture_output=True, text=True).stdout.split("\n")
        cxx = subprocess.run([args.cxx, "--version"], check=True, capture_output=True,
                             text=True).stdout.splitlines()[0]
    rec = np.array([[int(x) for x in ln.split()[1:]] for ln in out if ln.startswith("S ")],
                   dtype=np.int64).reshape(STEPS, NEURONS, 2)
    commit = subprocess.run(["git", "-C", args.ranc, "rev-parse", "HEAD"], check=False,
                            capture_output=True, text=True).stdout.strip()
    np.savez_compressed(
        args.out,
        params_order=np.array(["s0", "s1", "s2", "s3", "lam", "alpha", "beta", "R", "gamma_mode"]),
        params=params.astype(np.int32),
        inputs=counts.astype(np.int8),  # A0..A3
        V=rec[..., 0].astype(np.int32),
        spike=rec[..., 1].astype(np.int8),
        seed=SEED,
        compiler=cxx,
        ranc=commit or "08ae4bdddc60c6c480708f0b9298cff798fe354f (archive)",
    )
    print(f"wrote {args.out}: {NEURONS} neurons x {STEPS} ticks, {int(rec[..., 1].sum())} spikes,"
          f" V in [{rec[..., 0].min()}, {rec[..., 0].max()}]")


if __name__ == "__main__":
    main()
