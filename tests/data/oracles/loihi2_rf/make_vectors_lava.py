"""Golden vectors for ``loihi2_rf`` from Lava 0.10.0's fixed-point resonate-and-fire neuron.

Runs ``lava.proc.rf.process.RF`` with its process model ``PyRFModelFixed``
(``Loihi2SimCfg(select_tag="fixed_pt")``, CPU) on random integer inputs to the real and
imaginary parts and records ``real``, ``imag`` and the spikes after every step. The
sets reach: saturation of both parts at +-(2**23 - 1) (``saturate``: no decay and
large inputs), spikes at the upward zero crossing of ``imag`` with ``real >= vth``,
crossings below threshold (no spike), negative products (rounded toward zero) and the
input scaling ``state_exp`` = 0, 3 and 6.

Lava needs Python 3.10 (see requirements-lava.txt); from the repository root:

    python3.10 -m venv /tmp/lava && /tmp/lava/bin/pip install -r tests/data/oracles/loihi2_rf/requirements-lava.txt
    /tmp/lava/bin/python tests/data/oracles/loihi2_rf/make_vectors_lava.py

writes ``tests/data/oracles/loihi2_rf/lava.npz`` (deterministic for the seed below).
The parameters are stored in the model's terms: the integer registers ``sin_decay``,
``cos_decay`` and ``vth`` that Lava's ``RF`` process computes from its arguments
``period``, ``alpha``, ``decay_bits``, ``state_exp`` and ``vth`` (read back from the
process), with those arguments kept for reference.
"""

import json
import pathlib
import sys

import numpy as np

SEED = 20240616
STEPS = 1000
N = 6
OUT = pathlib.Path(__file__).with_name("lava.npz")

SETS = {
    # name: (period, alpha, state_exp, decay_bits, vth, stimulus kind)
    "resonant": (20.0, 0.05, 6, 12, 150.0, "pulses"),
    "saturate": (7.3, 0.0, 6, 12, 100000.0, "large"),
    "slow": (97.0, 0.01, 0, 12, 25.0, "noise"),
    "coarse": (12.5, 0.2, 3, 8, 500.0, "noise"),
}


def stimulus(rng, kind):
    if kind == "pulses":
        re = rng.integers(-400, 401, size=(STEPS, N)) * (rng.random((STEPS, N)) < 0.05)
        im = rng.integers(-400, 401, size=(STEPS, N)) * (rng.random((STEPS, N)) < 0.05)
    elif kind == "large":
        sign = np.repeat(rng.choice([-1, 1], size=(STEPS // 50, N)), 50, axis=0)
        re = sign * rng.integers(0, 32768, size=(STEPS, N))
        im = rng.integers(-32768, 32768, size=(STEPS, N)) * (rng.random((STEPS, N)) < 0.5)
    elif kind == "noise":
        re = rng.integers(-300, 301, size=(STEPS, N))
        im = rng.integers(-300, 301, size=(STEPS, N))
    else:
        raise ValueError(kind)
    return re.astype(np.int64), im.astype(np.int64)


def run_lava(period, alpha, state_exp, decay_bits, vth, re_in, im_in):
    from lava.magma.core.run_conditions import RunSteps
    from lava.magma.core.run_configs import Loihi2SimCfg
    from lava.proc.io.sink import RingBuffer as Sink
    from lava.proc.io.source import RingBuffer as Source
    from lava.proc.rf.process import RF

    steps, n = re_in.shape
    rf = RF(shape=(n,), period=period, alpha=alpha, state_exp=state_exp,
            decay_bits=decay_bits, vth=vth)
    s_re = Source(data=re_in.T.astype(np.int32))
    s_im = Source(data=im_in.T.astype(np.int32))
    sink = Sink(shape=(n,), buffer=steps)
    s_re.s_out.connect(rf.a_real_in)
    s_im.s_out.connect(rf.a_imag_in)
    rf.s_out.connect(sink.a_in)
    cfg = Loihi2SimCfg(select_tag="fixed_pt")
    real = np.zeros((steps, n), dtype=np.int64)
    imag = np.zeros((steps, n), dtype=np.int64)
    try:
        for k in range(steps):
            rf.run(condition=RunSteps(num_steps=1), run_cfg=cfg)
            real[k] = np.asarray(rf.real.get()).astype(np.int64)
            imag[k] = np.asarray(rf.imag.get()).astype(np.int64)
        s = np.asarray(sink.data.get()).T.astype(bool)
        registers = {k: float(np.asarray(getattr(rf, k).get()).reshape(-1)[0])
                     for k in ("sin_decay", "cos_decay", "vth", "state_exp", "decay_bits")}
        model = rf.model_class.__name__
    finally:
        rf.stop()
    assert model == "PyRFModelFixed", model
    assert all(float(x).is_integer() for x in registers.values()), registers
    return real, imag, s, {k: int(x) for k, x in registers.items()}


def main():
    from importlib.metadata import version

    rng = np.random.default_rng(SEED)
    arrays, sets = {}, {}
    for name, (period, alpha, state_exp, decay_bits, vth, kind) in SETS.items():
        re_in, im_in = stimulus(rng, kind)
        real, imag, s, registers = run_lava(period, alpha, state_exp, decay_bits, vth,
                                            re_in, im_in)
        sets[name] = {"lava_args": {"period": period, "alpha": alpha, "state_exp": state_exp,
                                    "decay_bits": decay_bits, "vth": vth},
                      "parameters": registers}
        arrays.update({f"{name}__a_real_in": re_in.astype(np.int32),
                       f"{name}__a_imag_in": im_in.astype(np.int32),
                       f"{name}__real": real.astype(np.int32),
                       f"{name}__imag": imag.astype(np.int32), f"{name}__s": s})
        print(f"{name}: {registers}, spikes {int(s.sum())}, real [{real.min()}, {real.max()}], "
              f"imag [{imag.min()}, {imag.max()}]")
    meta = {"oracle": "lava-nc", "version": version("lava-nc"),
            "process": "lava.proc.rf.process.RF", "process_model": "PyRFModelFixed",
            "run_cfg": "Loihi2SimCfg(select_tag='fixed_pt')",
            "python": sys.version.split()[0], "numpy": np.__version__,
            "seed": SEED, "steps": STEPS, "neurons": N, "sets": sets,
            "record": "real, imag after each step; s = spikes of that step"}
    np.savez_compressed(OUT, meta=np.array(json.dumps(meta)), **arrays)
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
