"""Lava 0.10.0 against Brian2Loihi 0.5.2 on the stimuli of ``brian2loihi.npz``.

Runs Lava's bit-accurate LIF (``PyLifModelBitAcc``) on the recorded inputs of every
Brian2Loihi set that Lava's registers can express (``du = decay_I - 1`` needs
``decay_I >= 1``; ``dv = decay_v`` needs ``decay_v <= 4095``) and reports, per set, on
how many steps ``u``, ``v`` and the spikes of the two oracles are identical. Lava has no
refractory period, so for a set with ``refractory > 1`` only the steps up to each
neuron's first spike can agree (after it Brian2Loihi holds ``v`` at 0). Run in the Lava
environment (requirements-lava.txt), from the repository root:

    /tmp/lava/bin/python tests/data/oracles/loihi_cuba/compare_oracles.py
"""

import json
import pathlib
import sys

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from make_vectors_lava import run_lava


def main():
    here = pathlib.Path(__file__).parent
    with np.load(here / "brian2loihi.npz") as z:
        meta = json.loads(str(z["meta"]))
        data = {k: z[k] for k in z.files if k != "meta"}
    for name, info in meta["sets"].items():
        args = info["brian2loihi_args"]
        if args["decay_I"] < 1 or args["decay_v"] > 4095:
            print(f"{name}: not expressible in Lava's registers ({args}); skipped")
            continue
        a_in = data[f"{name}__a_in"].astype(np.int64)
        n = a_in.shape[1]
        u, v, s = run_lava(args["decay_I"] - 1, args["decay_v"], args["threshold_v_mant"],
                           np.zeros(n, int), np.zeros(n, int), np.zeros(n, int),
                           np.zeros(n, int), a_in)
        same = ((u == data[f"{name}__u"]) & (v == data[f"{name}__v"])
                & (s == data[f"{name}__s"]))
        if args["refractory"] == 1:
            print(f"{name}: identical on {int(same.all(axis=1).sum())} of {len(same)} steps "
                  f"({int(s.sum())} spikes)")
        else:
            first = [int(np.argmax(data[f"{name}__s"][:, j])) for j in range(n)]
            ok = [bool(same[:f + 1, j].all()) for j, f in enumerate(first)]
            print(f"{name}: identical up to and including the first spike for {sum(ok)} of "
                  f"{n} neurons (first spikes at steps {first}); after it the refractory "
                  f"period (refractory={args['refractory']}) of Brian2Loihi applies")


if __name__ == "__main__":
    main()
