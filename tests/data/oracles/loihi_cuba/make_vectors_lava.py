"""Golden vectors for ``loihi_cuba`` from Lava's bit-accurate Loihi LIF (lava-nc 0.10.0).

Runs ``lava.proc.lif.process.LIF`` with its ``PyLifModelBitAcc`` process model
(``Loihi2SimCfg(select_tag="fixed_pt")``, CPU) on random integer inputs and records
``u``, ``v`` and the spikes after every step. The inputs reach the corners of the
arithmetic: the 24-bit wrap of ``u`` in both directions, the saturation of ``v`` at
+-(2**23 - 1), spikes, negative operands of the decays (rounded toward zero), every
bias exponent 0..7 with negative and positive mantissas, and the decay extremes
(``du`` = 0 and 4095, ``dv`` = 0 and 4095).

Lava needs Python 3.10 (see requirements-lava.txt); from the repository root:

    python3.10 -m venv /tmp/lava && /tmp/lava/bin/pip install -r tests/data/oracles/loihi_cuba/requirements-lava.txt
    /tmp/lava/bin/python tests/data/oracles/loihi_cuba/make_vectors_lava.py

writes ``tests/data/oracles/loihi_cuba/lava.npz`` (deterministic for the seed below).
The parameters are stored in the model's terms: Lava's ``du`` is the register
``decay_u - 1`` (Lava adds its 1-bit ``ds_offset`` = 1), ``dv`` is ``decay_v``.
"""

import json
import pathlib
import sys

import numpy as np

SEED = 20240613
STEPS = 1000
N = 6
OUT = pathlib.Path(__file__).with_name("lava.npz")


def run_lava(du, dv, vth, bias_mant, bias_exp, u0, v0, a_in):
    """Run one LIF process (N neurons) step by step; return u, v, s as (STEPS, N)."""
    from lava.magma.core.run_conditions import RunSteps
    from lava.magma.core.run_configs import Loihi2SimCfg
    from lava.proc.io.sink import RingBuffer as Sink
    from lava.proc.io.source import RingBuffer as Source
    from lava.proc.lif.process import LIF

    steps, n = a_in.shape
    src = Source(data=a_in.T.astype(np.int32))
    lif = LIF(shape=(n,), du=du, dv=dv, vth=vth, bias_mant=bias_mant, bias_exp=bias_exp,
              u=u0, v=v0)
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
    assert model == "PyLifModelBitAcc", model
    return u, v, s


def stimulus(rng, kind):
    """Random integer input a_in (STEPS, N) of one kind."""
    if kind == "wrap":
        # bursts of large inputs of one sign, alternating, so that u runs past +-2**23
        sign = np.repeat(rng.choice([-1, 1], size=(STEPS // 100, N)), 100, axis=0)
        amp = rng.integers(0, 32768, size=(STEPS, N))
        on = rng.random((STEPS, N)) < 0.6
        return (sign * amp * on).astype(np.int64)
    if kind == "typical":
        # sparse spikes through up to 8 synapses with 8-bit signed weights
        w = rng.integers(-256, 255, size=(8, N))
        spikes = rng.random((STEPS, 8, N)) < 0.15
        drive = (spikes * w[None]).sum(axis=1)
        return (drive + 20).astype(np.int64)
    if kind == "extreme":
        return rng.integers(-2000, 2300, size=(STEPS, N)).astype(np.int64)
    raise ValueError(kind)


SETS = {
    # name: (du, dv, vth, stimulus kind)
    "wrap": (0, 0, 131071, "wrap"),
    "typical": (409, 205, 200, "typical"),
    "extreme": (4095, 4095, 40, "extreme"),
    "slow_v": (1365, 0, 3000, "typical"),
}


def main():
    from importlib.metadata import version

    import lava.proc.lif.models as lif_models

    rng = np.random.default_rng(SEED)
    arrays, sets = {}, {}
    for name, (du, dv, vth, kind) in SETS.items():
        a_in = stimulus(rng, kind)
        bias_mant = rng.integers(-4096, 4096, size=N)
        bias_exp = np.arange(N) % 8
        if name == "wrap":
            bias_mant = rng.integers(-64, 64, size=N)
        if name == "typical":
            bias_mant = rng.integers(-8, 9, size=N)
            bias_exp = rng.integers(0, 3, size=N)
        u0 = rng.integers(-2**23 + 1, 2**23, size=N) if name == "wrap" else np.zeros(N, int)
        v0 = rng.integers(-2**23 + 1, 2**23 - 1, size=N) if name == "wrap" else np.zeros(N, int)
        u, v, s = run_lava(du, dv, vth, bias_mant, bias_exp, u0, v0, a_in)
        sets[name] = {"lava_args": {"du": du, "dv": dv, "vth": vth},
                      "parameters": {"decay_u": du + 1, "decay_v": dv, "vth": vth,
                                     "refractory_delay": 1}}
        arrays.update({f"{name}__a_in": a_in.astype(np.int32),
                       f"{name}__bias_mant": bias_mant.astype(np.int32),
                       f"{name}__bias_exp": bias_exp.astype(np.int32),
                       f"{name}__u0": u0.astype(np.int32), f"{name}__v0": v0.astype(np.int32),
                       f"{name}__u": u.astype(np.int32), f"{name}__v": v.astype(np.int32),
                       f"{name}__s": s})
        print(f"{name}: spikes {int(s.sum())}, u range [{u.min()}, {u.max()}], "
              f"v range [{v.min()}, {v.max()}]")
    meta = {"oracle": "lava-nc", "version": version("lava-nc"),
            "process": "lava.proc.lif.process.LIF",
            "process_model": lif_models.PyLifModelBitAcc.__qualname__,
            "run_cfg": "Loihi2SimCfg(select_tag='fixed_pt')",
            "python": sys.version.split()[0], "numpy": np.__version__,
            "seed": SEED, "steps": STEPS, "neurons": N, "sets": sets,
            "record": "u, v after each step (after reset); s = spikes of that step"}
    np.savez_compressed(OUT, meta=np.array(json.dumps(meta)), **arrays)
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
