"""Golden vectors for the ``akida`` model from BrainChip's MetaTF ``akida`` package.

Runs the Akida 1.0 layers FullyConnected (1/2/4-bit weights) and InputConvolutional
(8-bit weights) of the package's software backend (``akida.Model.forward``) with
random weights, thresholds and activation steps, once with ``activation=False`` (the
integer potentials) and once with ``activation=True`` (the quantised activations), and
stores, per neuron, the sequence of potentials (one per input sample or pixel: the
model's input ``I``), the layer's threshold / act_step / act_bits, and the activations.

Run in a separate venv (not CI's interpreter):

    python3.11 -m venv /tmp/venv-akida && /tmp/venv-akida/bin/pip install akida==2.19.3
    /tmp/venv-akida/bin/python tests/data/oracles/akida/generate.py

Writes golden.npz next to this file (seed 20261205).
"""

from pathlib import Path

import akida
import numpy as np

SEED = 20261205
HERE = Path(__file__).parent


def log_steps(rng, n):
    """act_step values: log-uniform in [1/16, 40] (float32, as the package stores them),
    the first four on the 1/16 grid and two just below a grid point."""
    st = np.exp(rng.uniform(np.log(1 / 16), np.log(40), n))
    st[:4] = rng.integers(1, 160, 4) / 16
    st[4:6] = rng.integers(2, 160, 2) / 16 - 1e-3
    return np.maximum(st, 1 / 16).astype(np.float32)


def fully_connected(rng, wb, ab, n_in=32, n=12, samples=120):
    lo, hi = (0, 1) if wb == 1 else (1 - 2 ** (wb - 1), 2 ** (wb - 1) - 1)  # the package's ranges
    W = rng.integers(lo, hi + 1, (1, 1, n_in, n)).astype(np.int8)
    W *= (np.arange(n_in)[:, None] < rng.integers(2, n_in + 1, n)[None, :]).astype(np.int8)
    x = rng.integers(0, 16, (samples, 1, 1, n_in)).astype(np.uint8)
    m_off = akida.Model(layers=[akida.InputData((1, 1, n_in), input_bits=4),
                                akida.FullyConnected(n, weights_bits=wb, activation=False)])
    m_on = akida.Model(layers=[akida.InputData((1, 1, n_in), input_bits=4),
                               akida.FullyConnected(n, weights_bits=wb, activation=True, act_bits=ab)])
    m_off.layers[1].variables["weights"] = W
    m_on.layers[1].variables["weights"] = W
    pot = m_off.forward(x).reshape(samples, n).astype(np.int64)
    assert np.array_equal(pot, x.reshape(samples, n_in).astype(np.int64) @ W.reshape(n_in, n))
    sd = max(1.0, float(pot.std()))
    th = (pot.mean(0) + rng.normal(0, sd, n)).round().astype(np.int32)
    st = log_steps(rng, n) * np.float32(max(1.0, sd / 8) if wb > 2 else 1.0)
    st = np.maximum(st, np.float32(1 / 16)).astype(np.float32)
    m_on.layers[1].variables["threshold"] = th
    m_on.layers[1].variables["act_step"] = st
    st = m_on.layers[1].variables["act_step"]
    act = m_on.forward(x).reshape(samples, n).astype(np.int64)
    return pot, act, th, st


def input_conv(rng, ab, n_filt=6, size=13):
    W = rng.integers(-128, 128, (3, 3, 1, n_filt)).astype(np.int8)
    x = rng.integers(0, 256, (1, size, size, 1)).astype(np.uint8)
    kw = dict(input_shape=(size, size, 1), kernel_size=(3, 3), filters=n_filt, weights_bits=8,
              padding=akida.Padding.Valid)
    m_off = akida.Model(layers=[akida.InputConvolutional(**kw, activation=False)])
    m_on = akida.Model(layers=[akida.InputConvolutional(**kw, activation=True, act_bits=ab)])
    m_off.layers[0].variables["weights"] = W
    m_on.layers[0].variables["weights"] = W
    pot = m_off.forward(x).reshape(-1, n_filt).astype(np.int64)
    sd = max(1.0, float(pot.std()))
    th = (pot.mean(0) + rng.normal(0, sd, n_filt)).round().astype(np.int32)
    st = np.maximum(log_steps(rng, n_filt) * np.float32(sd / 8), np.float32(1 / 16)).astype(np.float32)
    m_on.layers[0].variables["threshold"] = th
    m_on.layers[0].variables["act_step"] = st
    st = m_on.layers[0].variables["act_step"]
    act = m_on.forward(x).reshape(-1, n_filt).astype(np.int64)
    return pot, act, th, st


def main():
    rng = np.random.default_rng(SEED)
    P, A, TH, ST, AB, WB, LAYER = [], [], [], [], [], [], []
    for wb in (1, 2, 4):
        for ab in (1, 2, 4):
            pot, act, th, st = fully_connected(rng, wb, ab)
            P.append(pot); A.append(act); TH.append(th); ST.append(st)
            AB += [ab] * len(th); WB += [wb] * len(th); LAYER += [0] * len(th)
    steps = P[0].shape[0]
    for ab in (1, 2, 4):
        pot, act, th, st = input_conv(rng, ab)
        pot, act = pot[:steps], act[:steps]
        P.append(pot); A.append(act); TH.append(th); ST.append(st)
        AB += [ab] * len(th); WB += [8] * len(th); LAYER += [1] * len(th)
    np.savez_compressed(
        HERE / "golden.npz",
        potential=np.concatenate(P, 1).astype(np.int32),
        activation=np.concatenate(A, 1).astype(np.uint8),
        threshold=np.concatenate(TH).astype(np.int32),
        act_step=np.concatenate(ST).astype(np.float32),
        act_bits=np.array(AB, np.int8), weights_bits=np.array(WB, np.int8),
        layer=np.array(LAYER, np.int8),
        akida_version=np.array(akida.__version__), seed=np.array(SEED),
    )


if __name__ == "__main__":
    main()
