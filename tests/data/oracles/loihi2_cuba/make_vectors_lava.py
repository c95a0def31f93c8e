"""Golden vectors for ``loihi2_cuba`` from Lava 0.10.0's bit-accurate LIF and LIFReset.

Runs ``lava.proc.lif.process.LIFReset`` (process model ``PyLifResetModelBitAcc``) and
``LIF`` (``PyLifModelBitAcc``) with ``Loihi2SimCfg(select_tag="fixed_pt")`` on the CPU,
on random integer inputs, and records ``u``, ``v`` and the spikes after every step. The
sets reach: the 24-bit wrap of ``u`` both ways and the saturation of ``v`` at
+-(2**23 - 1) (``lif_wrap``, random initial states), the periodic reset of LIFReset with
intervals 1, 7 and 50 and offsets below and above the interval (Lava takes the offset
modulo the interval), spikes, negative operands of the decays (rounded toward zero),
bias exponents 0..7, and the decay extremes du = 4095 (u holds only this step's input)
and dv = 0 (no leak).

Lava needs Python 3.10 (see requirements-lava.txt); from the repository root:

    python3.10 -m venv /tmp/lava && /tmp/lava/bin/pip install -r tests/data/oracles/loihi2_cuba/requirements-lava.txt
    /tmp/lava/bin/python tests/data/oracles/loihi2_cuba/make_vectors_lava.py

writes ``tests/data/oracles/loihi2_cuba/lava.npz`` (deterministic for the seed below).
The parameters are stored in the model's terms, which are Lava's (``du``, ``dv``,
``vth``, ``bias_mant``, ``bias_exp``, ``reset_interval``, ``reset_offset``; a plain LIF
is ``reset_interval`` = 0).
"""

import json
import pathlib
import sys

import numpy as np

SEED = 20240615
STEPS = 1000
N = 6
OUT = pathlib.Path(__file__).with_name("lava.npz")

SETS = {
    # name: (du, dv, vth, reset_interval (0: plain LIF), reset_offset, stimulus kind)
    "lif_wrap": (0, 0, 131071, 0, 0, "wrap"),
    "reset_every_step": (409, 205, 30, 1, 0, "typical"),
    "reset_7": (1000, 0, 250, 7, 3, "typical"),
    "reset_50_offset_above": (4095, 100, 60, 50, 137, "mixed"),
}


def stimulus(rng, kind):
    if kind == "wrap":
        sign = np.repeat(rng.choice([-1, 1], size=(STEPS // 100, N)), 100, axis=0)
        amp = rng.integers(0, 32768, size=(STEPS, N))
        return (sign * amp * (rng.random((STEPS, N)) < 0.6)).astype(np.int64)
    if kind == "typical":
        w = rng.integers(-256, 255, size=(8, N))
        drive = ((rng.random((STEPS, 8, N)) < 0.15) * w[None]).sum(axis=1)
        return (drive + 25).astype(np.int64)
    if kind == "mixed":
        return rng.integers(-1500, 1700, size=(STEPS, N)).astype(np.int64)
    raise ValueError(kind)


def run_lava(du, dv, vth, reset_interval, reset_offset, bias_mant, bias_exp, u0, v0, a_in):
    from lava.magma.core.run_conditions import RunSteps
    from lava.magma.core.run_configs import Loihi2SimCfg
    from lava.proc.io.sink import RingBuffer as Sink
    from lava.proc.io.source import RingBuffer as Source
    from lava.proc.lif.process import LIF, LIFReset

    steps, n = a_in.shape
    kw = {"shape": (n,), "du": du, "dv": dv, "vth": vth, "bias_mant": bias_mant,
          "bias_exp": bias_exp, "u": u0, "v": v0}
    if reset_interval:
        lif = LIFReset(reset_interval=reset_interval, reset_offset=reset_offset, **kw)
        expected = "PyLifResetModelBitAcc"
    else:
        lif = LIF(**kw)
        expected = "PyLifModelBitAcc"
    src = Source(data=a_in.T.astype(np.int32))
    sink = Sink(shape=(n,), buffer=steps)
    src.s_out.connect(lif.a_in)
    lif.s_out.connect(sink.a_in)
    cfg = Loihi2SimCfg(select_tag="fixed_pt")
    u = np.zeros((steps, n), dtype=np.int64)
    v = np.zeros((steps, n), dtype=np.int64)
    try:
        for k in range(steps):
            lif.run(condition=RunSteps(num_steps=1), run_cfg=cfg)
            u[k] = np.asarray(lif.u.get()).astype(np.int64)
            v[k] = np.asarray(lif.v.get()).astype(np.int64)
        s = np.asarray(sink.data.get()).T.astype(bool)
        model = lif.model_class.__name__
    finally:
        lif.stop()
    assert model == expected, model
    return u, v, s, model


def main():
    from importlib.metadata import version

    rng = np.random.default_rng(SEED)
    arrays, sets = {}, {}
    for name, (du, dv, vth, ri, ro, kind) in SETS.items():
        a_in = stimulus(rng, kind)
        bias_mant = rng.integers(-4096, 4096, size=N) if kind != "typical" else \
            rng.integers(-8, 9, size=N)
        bias_exp = np.arange(N) % 8 if kind != "typical" else rng.integers(0, 3, size=N)
        if kind == "wrap":
            bias_mant = rng.integers(-64, 64, size=N)
            u0 = rng.integers(-2**23 + 1, 2**23, size=N)
            v0 = rng.integers(-2**23 + 1, 2**23 - 1, size=N)
        else:
            u0 = rng.integers(-5000, 5000, size=N)
            v0 = rng.integers(-5000, 5000, size=N)
        u, v, s, model = run_lava(du, dv, vth, ri, ro, bias_mant, bias_exp, u0, v0, a_in)
        sets[name] = {"process_model": model,
                      "parameters": {"du": du, "dv": dv, "vth": vth, "reset_interval": ri,
                                     "reset_offset": ro}}
        arrays.update({f"{name}__a_in": a_in.astype(np.int32),
                       f"{name}__bias_mant": bias_mant.astype(np.int32),
                       f"{name}__bias_exp": bias_exp.astype(np.int32),
                       f"{name}__u0": u0.astype(np.int32), f"{name}__v0": v0.astype(np.int32),
                       f"{name}__u": u.astype(np.int32), f"{name}__v": v.astype(np.int32),
                       f"{name}__s": s})
        print(f"{name}: spikes {int(s.sum())}, u [{u.min()}, {u.max()}], v [{v.min()}, {v.max()}]")
    meta = {"oracle": "lava-nc", "version": version("lava-nc"),
            "processes": "lava.proc.lif.process.LIF, LIFReset",
            "run_cfg": "Loihi2SimCfg(select_tag='fixed_pt')",
            "python": sys.version.split()[0], "numpy": np.__version__,
            "seed": SEED, "steps": STEPS, "neurons": N, "sets": sets,
            "record": "u, v after each step (after the spike reset); s = spikes of that step"}
    np.savez_compressed(OUT, meta=np.array(json.dumps(meta)), **arrays)
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
