"""Regenerate golden.npz for the `spinnaker_lif` model from the ARM fixed-point oracle.

The oracle (oracle.c) is sPyNNaker's IF_curr_exp neuron written with GCC's
ISO/IEC TR 18037 `accum` types, cross-compiled for ARM with the flags spinnaker_tools'
make/spinnaker_tools.mk gives SpiNNaker binaries (ARM state: THUMB := 0 by default,
-march=armv5te -std=gnu99 -ffreestanding -Ofast) and run under
qemu-arm, linked with spinn_common's expk()/expulr() (src/stdfix-exp.c).

Requirements (Debian 12 packages, versions used for the committed vectors):
    gcc-arm-linux-gnueabi 12.2.0-14cross1, libc6-dev-armel-cross, qemu-user 7.2
and a checkout of https://github.com/SpiNNakerManchester/spinn_common
(commit 1e3a090cee6943999f64ca51ecc6fc5412da565b used here).

Usage:
    python tests/data/oracles/spinnaker_lif/generate.py --spinn-common PATH

Parameters are encoded as sPyNNaker's host does it (DataType.S1615.encode_as_int:
int(round(Decimal(str(value)) * 2**15)), round half to even).  The inputs are random
(numpy seed SEED) and include bursts of huge values that overflow the 32-bit `accum`
arithmetic (the wrap corner) besides ordinary synaptic weights and DC currents.

Note: GCC's `accum * accum` differs between instruction sets (measured with GCC 12.2):
in ARM state it is inlined as a 64-bit product shifted right by 15 (rounding toward
minus infinity); compiled with -mthumb it calls libgcc's __mulsa3, which rounds to
nearest.  SpiNNaker binaries are built in ARM state, so the oracle is too.
"""

import argparse
import decimal
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SEED = 20240613
STEPS = 2000
CFLAGS = ["-mthumb-interwork", "-march=armv5te", "-std=gnu99", "-ffreestanding", "-Ofast", "-static"]

# PyNN / sPyNNaker IF_curr_exp parameters: v_init, v_rest, cm, tau_m, i_offset,
# v_reset, tau_refrac, timestep, tau_syn_E, tau_syn_I, v_thresh
PYNN_DEFAULT = {"v": -65.0, "v_rest": -65.0, "cm": 1.0, "tau_m": 20.0, "i_offset": 0.0,
                "v_reset": -65.0, "tau_refrac": 0.1, "dt": 1.0, "tau_syn_E": 5.0,
                "tau_syn_I": 5.0, "v_thresh": -50.0}
NEURONS = [
    ("pynn_default_dt1", PYNN_DEFAULT, "ordinary"),
    ("pynn_default_dt01", {**PYNN_DEFAULT, "dt": 0.1}, "ordinary"),
    ("spynnaker_example", {**PYNN_DEFAULT, "cm": 0.25, "tau_refrac": 2.0, "v_reset": -70.0},
     "ordinary"),
    ("offset_fast_syn", {**PYNN_DEFAULT, "cm": 0.5, "tau_m": 10.0, "tau_refrac": 5.0,
                         "tau_syn_E": 1.0, "tau_syn_I": 10.0, "i_offset": 0.5}, "ordinary"),
    ("wrap_default", PYNN_DEFAULT, "wrap"),
    ("wrap_example", {**PYNN_DEFAULT, "cm": 0.25, "tau_refrac": 2.0, "v_reset": -70.0},
     "wrap"),
]
ORDER = ["v", "v_rest", "cm", "tau_m", "i_offset", "v_reset", "tau_refrac", "dt",
         "tau_syn_E", "tau_syn_I", "v_thresh"]


def s1615(value):
    """sPyNNaker's host encoding of a REAL parameter (round half to even)."""
    return round(decimal.Decimal(str(value)) * 32768)  # the host writes int(round(...))


def inputs(rng, kind):
    """(STEPS, 3) raw s16.15 inputs: w_exc, w_inh (ring-buffer weights), I_dc."""
    nA = 32768
    w_exc = np.where(rng.random(STEPS) < 0.15, rng.integers(0, 6 * nA, STEPS), 0)
    w_inh = np.where(rng.random(STEPS) < 0.10, rng.integers(0, 8 * nA, STEPS), 0)
    levels = rng.integers(-2 * nA, 3 * nA, STEPS // 100 + 1)
    i_dc = np.repeat(levels, 100)[:STEPS]
    if kind == "wrap":
        # bursts near the int32 limits: input*R and alpha - V overflow 32 bits
        for start in rng.integers(100, STEPS - 50, 12):
            length = rng.integers(1, 20)
            i_dc[start:start + length] = rng.integers(-2**31 + 1, 2**31 - 1)
        huge = rng.random(STEPS) < 0.01
        w_exc = np.where(huge, rng.integers(2**28, 2**31 - 1, STEPS), w_exc)
    return np.stack([w_exc, w_inh, i_dc], axis=1).astype(np.int64)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--spinn-common", required=True, help="spinn_common checkout")
    ap.add_argument("--cc", default="arm-linux-gnueabi-gcc")
    ap.add_argument("--qemu", default="qemu-arm")
    ap.add_argument("--out", default=str(HERE / "golden.npz"))
    args = ap.parse_args()
    sc = Path(args.spinn_common)
    rng = np.random.default_rng(SEED)
    params = np.array([[s1615(p[k]) for k in ORDER] for _, p, _ in NEURONS], dtype=np.int64)
    stim = np.stack([inputs(rng, kind) for _, _, kind in NEURONS], axis=1)  # steps, n, 3

    with tempfile.TemporaryDirectory() as tmp:
        exe = os.path.join(tmp, "oracle")
        subprocess.run([args.cc, *CFLAGS, f"-I{sc / 'include'}", str(HERE / "oracle.c"),
                        str(sc / "src" / "stdfix-exp.c"), "-o", exe], check=True)
        lines = [str(len(NEURONS))]
        lines += [" ".join(str(int(x)) for x in row) for row in params]
        lines.append(str(STEPS))
        lines += [" ".join(str(int(x)) for x in stim[t, i]) for t in range(STEPS)
                  for i in range(len(NEURONS))]
        out = subprocess.run([args.qemu, exe], input="\n".join(lines) + "\n", check=True,
                             capture_output=True, text=True).stdout.split("\n")
        cc_version = subprocess.run([args.cc, "--version"], check=True, capture_output=True,
                                    text=True).stdout.splitlines()[0]
    consts = np.array([[int(x) for x in ln.split()[1:]] for ln in out if ln.startswith("C ")],
                      dtype=np.int64)
    steps = np.array([[int(x) for x in ln.split()[1:]] for ln in out if ln.startswith("S ")],
                     dtype=np.int64).reshape(STEPS, len(NEURONS), 5)
    np.savez_compressed(
        args.out,
        names=np.array([n for n, _, _ in NEURONS]),
        params_order=np.array(ORDER),
        params=params.astype(np.int32),
        constants_order=np.array(["R", "exp_TC", "T_refract", "exc_decay", "exc_init",
                                  "inh_decay", "inh_init"]),
        constants=consts,
        inputs=stim.astype(np.int32),  # w_exc, w_inh, I_dc
        V=steps[..., 0].astype(np.int32),
        refract=steps[..., 1].astype(np.int16),
        I_exc=steps[..., 2].astype(np.int32),
        I_inh=steps[..., 3].astype(np.int32),
        spike=steps[..., 4].astype(np.int8),
        seed=SEED,
        compiler=cc_version,
        cflags=" ".join(CFLAGS),
        spinn_common=subprocess.run(["git", "-C", str(sc), "rev-parse", "HEAD"], check=False,
                                    capture_output=True, text=True).stdout.strip() or "unknown",
    )
    print(f"wrote {args.out}: {len(NEURONS)} neurons x {STEPS} steps, "
          f"{int(steps[..., 4].sum())} spikes")


if __name__ == "__main__":
    if shutil.which("qemu-arm") is None:
        raise SystemExit("qemu-arm not found (Debian: apt-get install qemu-user)")
    main()
