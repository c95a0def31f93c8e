"""Extract the SpiNNaker2 LIF trace of the NIR paper into nir_lif_spinnaker2.npz.

Source: github.com/neuromorphs/NIR (BSD-3-Clause), paper/01_lif/lif_spinnaker2.csv
(last changed in commit 9149719477411d61cf8447d3af66c7aa0a238fd9; read here at
7232ada6d30e1beea78b180a5135b1a3bb3d3bc0), written by paper/01_lif/lif_spinnaker2.py:
the NIR graph lif_norse.nir (one LIF: tau 2.5 ms, r 1, v_leak 0, v_threshold 0.1, input
weight 1) with weights and threshold scaled by 102.02, converted by py-spinnaker2's
s2_nir (dt 0.1 ms, forward Euler, reset to zero, delay 0) and run with py-spinnaker2's
Brian2 backend (spinnaker2.brian2_sim).  Columns: input spike (0/1), v / 102.02, output
spike; the script drops the first recorded step (v[1:]).

Parameters of the converted neuron (s2_nir.convert_LIF, forward Euler):
    alpha_decay = 1 - dt/tau = 0.96, stored as float32 (0.9599999785423279)
    threshold   = 0.1 * 102.02 / (dt/tau * r) = 255.05, reset to v_reset = 0
    weight      = 102 (integer synaptic weight; the trace rises by exactly 102.0)

Usage: python tests/data/oracles/spinnaker2/extract.py --nir PATH_TO_NIR_CHECKOUT
"""

import argparse
import subprocess
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nir", required=True, help="NIR checkout (git repository)")
    ap.add_argument("--out", default=str(HERE / "nir_lif_spinnaker2.npz"))
    args = ap.parse_args()
    path = "paper/01_lif/lif_spinnaker2.csv"
    text = subprocess.run(["git", "-C", args.nir, "show", f"HEAD:{path}"], check=True,
                          capture_output=True, text=True).stdout
    commit = subprocess.run(["git", "-C", args.nir, "rev-parse", "HEAD"], check=True,
                            capture_output=True, text=True).stdout.strip()
    data = np.array([[float(x) for x in line.split(",")] for line in text.split("\n") if line])
    np.savez_compressed(
        args.out, input=data[:, 0].astype(np.int8), v_scaled=data[:, 1],
        spike=data[:, 2].astype(np.int8), scale=102.02, weight=102.0,
        alpha_decay=float(np.float32(0.96)), threshold=255.05,
        source=f"github.com/neuromorphs/NIR@{commit}:{path}")
    print(f"wrote {args.out}: {len(data)} steps, {int(data[:, 2].sum())} spikes")


if __name__ == "__main__":
    main()
