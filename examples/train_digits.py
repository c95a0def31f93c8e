"""Train a spiking network of neuroplug neurons on scikit-learn's 8x8 digits.

The network: 64 pixels -> ``Linear`` -> a layer of library neurons (``neuroplug.brainpy``,
biophysical units: the linear layer's output is a current in nA) -> ``Linear`` -> 10
classes. Each image is presented as a constant input current for ``--steps`` time steps
(rate coding by the hidden neurons: a brighter, better-matching image makes them fire
more); the class scores are the time average of the readout of the hidden spikes, and
the loss is the cross-entropy of those scores. Gradients flow through the spikes by the
layer's surrogate gradient (``--surrogate``), and, with ``--train-tau``, into the
neurons' membrane time constants (log-parameterised, one per neuron).

Usage (full size, the numbers in docs/tutorials/training.md)::

    python examples/train_digits.py                     # neuroplug LIF
    python examples/train_digits.py --neuron builtin    # brainpy.state's built-in LIF
    python examples/train_digits.py --neuron adex       # AdEx neurons (Brette & Gerstner)
    python examples/train_digits.py --neuron izhikevich

Outputs (``--out``, default ``train_digits_out/``): ``<neuron>.json`` (accuracies, loss
per epoch, seconds per epoch, settings) and ``<neuron>.png`` (learning curve).
The data set ships with scikit-learn (no download).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

NEURONS = ("lif", "builtin", "adex", "izhikevich")


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--neuron", choices=NEURONS, default="lif",
                   help="hidden neurons: neuroplug lif/adex/izhikevich, or brainpy.state's "
                        "built-in LIF (default: lif)")
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--hidden", type=int, default=256)
    p.add_argument("--steps", type=int, default=20, help="time steps per image")
    p.add_argument("--dt", type=float, default=1.0, help="time step in ms")
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--surrogate", default="superspike",
                   help="surrogate gradient by name (neuroplug.brainpy.SURROGATES)")
    p.add_argument("--train-tau", action="store_true",
                   help="also train each hidden neuron's membrane time constant")
    p.add_argument("--subset", type=int, default=None,
                   help="use only the first N training images (quick runs)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="train_digits_out", help="folder for the JSON and plot")
    p.add_argument("--no-plot", action="store_true")
    args = p.parse_args(argv)
    for name in ("epochs", "hidden", "steps", "batch"):
        if getattr(args, name) < 1:
            p.error(f"--{name}: found {getattr(args, name)}, expected a positive integer")
    if not 0 < args.dt <= 10:
        p.error(f"--dt: found {args.dt} ms, expected 0 < dt <= 10 ms")
    if args.subset is not None and args.subset < args.batch:
        p.error(f"--subset: found {args.subset}, expected at least one batch ({args.batch})")
    return args


def load_digits(seed):
    """Pixels scaled to [0, 1] and labels, split 80/20 (stratified, fixed seed)."""
    import numpy as np
    try:
        from sklearn.datasets import load_digits as _load
        from sklearn.model_selection import train_test_split
    except ImportError:
        sys.exit("train_digits: needs scikit-learn (its bundled 8x8 digits): "
                 "pip install scikit-learn, or pip install '.[train]' from the checkout")

    data = _load()
    x = (data.data / 16.0).astype(np.float32)
    return train_test_split(x, data.target, test_size=0.2, stratify=data.target,
                            random_state=seed)


def hidden_layer(kind, n, surrogate, train_tau):
    """The hidden spiking layer and the unit of its input current."""
    import brainpy.state as bps
    import braintools
    import saiunit as u

    import neuroplug.brainpy as npb

    trainable = {"lif": ("tau_m",), "adex": ("tau_w",), "izhikevich": ()}
    if kind == "builtin":
        return bps.LIF(n, R=40 * u.Mohm, tau=10 * u.ms, V_th=-55 * u.mV, V_reset=-70 * u.mV,
                       V_rest=-70 * u.mV, spk_reset="hard",
                       spk_fun=npb.surrogate(surrogate),
                       V_initializer=braintools.init.Constant(-70 * u.mV)), u.nA
    cls = {"lif": npb.LIF, "adex": npb.AdEx, "izhikevich": npb.Izhikevich}[kind]
    extra = {"trainable": trainable[kind], "per_neuron": True} if train_tau else {}
    layer = cls(n, spk_fun=surrogate, **extra)
    unit = layer._input_units[layer.neuroplug_model.primary_input]
    # AdEx: C = 281 pF needs about twice LIF's drive; Izhikevich's input is in mV/ms
    scale = {"lif": 1.0, "adex": 2.0, "izhikevich": 20.0}[kind]
    return layer, scale * (u.nA if unit == u.amp else unit)


# [network]
def build(args, n_in=64, n_out=10):
    import brainstate
    import braintools

    class Net(brainstate.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc_in = brainstate.nn.Linear(
                n_in, args.hidden, w_init=braintools.init.KaimingNormal(scale=4.0))
            self.neurons, self.unit = hidden_layer(args.neuron, args.hidden, args.surrogate,
                                                   args.train_tau)
            self.fc_out = brainstate.nn.Linear(args.hidden, n_out)

        def update(self, x):
            return self.fc_out(self.neurons(self.fc_in(x) * self.unit))

    return Net()
# [network end]


def train(args, log=print):
    import brainstate
    import braintools
    import jax
    import jax.numpy as jnp
    import numpy as np
    import saiunit as u

    brainstate.random.seed(args.seed)
    x_train, x_test, y_train, y_test = load_digits(args.seed)
    if args.subset:
        x_train, y_train = x_train[:args.subset], y_train[:args.subset]
    net = build(args)
    weights = net.states(brainstate.ParamState)
    opt = braintools.optim.Adam(lr=args.lr)
    opt.register_trainable_weights(weights)
    steps = np.arange(args.steps)

    # [training step]
    def scores(x):
        brainstate.nn.init_all_states(net, batch_size=x.shape[0])
        out = brainstate.transform.for_loop(lambda i: net(x), steps)
        return out.mean(axis=0)

    def loss_fn(x, y):
        logits = scores(x)
        return braintools.metric.softmax_cross_entropy_with_integer_labels(logits, y).mean()

    @brainstate.transform.jit
    def train_step(x, y):
        grads, loss = brainstate.transform.grad(loss_fn, weights, return_value=True)(x, y)
        opt.update(grads)
        return loss

    # [training step end]

    @brainstate.transform.jit
    def predict(x):
        return jnp.argmax(scores(x), axis=-1)

    def accuracy(x, y):
        hits = sum(int((np.asarray(predict(x[i:i + 512])) == y[i:i + 512]).sum())
                   for i in range(0, len(x), 512))
        return hits / len(x)

    rng = np.random.default_rng(args.seed)
    history = {"epoch": [], "loss": [], "train_acc": [], "test_acc": [], "seconds": []}
    n_batches = len(x_train) // args.batch
    with brainstate.environ.context(dt=args.dt * u.ms):
        t_start = time.perf_counter()
        for epoch in range(1, args.epochs + 1):
            t0 = time.perf_counter()
            order = rng.permutation(len(x_train))
            losses = []
            for b in range(n_batches):
                idx = order[b * args.batch:(b + 1) * args.batch]
                losses.append(train_step(x_train[idx], y_train[idx]))
            loss = float(np.mean(jax.device_get(losses)))
            seconds = time.perf_counter() - t0
            if not np.isfinite(loss):
                raise FloatingPointError(f"epoch {epoch}: loss is {loss}; try a smaller --lr")
            train_acc, test_acc = accuracy(x_train, y_train), accuracy(x_test, y_test)
            for k, v in zip(history, (epoch, loss, train_acc, test_acc, seconds)):
                history[k].append(v)
            log(f"epoch {epoch:3d}  loss {loss:.4f}  train {train_acc:.3f}  "
                f"test {test_acc:.3f}  {seconds:.2f} s")
        total = time.perf_counter() - t_start
    result = {
        "neuron": args.neuron, "test_accuracy": history["test_acc"][-1],
        "best_test_accuracy": max(history["test_acc"]),
        "train_accuracy": history["train_acc"][-1], "total_seconds": total,
        # the first epoch includes JIT compilation
        "seconds_per_epoch": float(np.median(history["seconds"][1:] or history["seconds"])),
        "first_epoch_seconds": history["seconds"][0], "history": history,
        "settings": {k: v for k, v in vars(args).items() if k not in ("out", "no_plot")},
        "train_images": len(x_train), "test_images": len(x_test),
        "versions": _versions(),
    }
    if args.train_tau and args.neuron == "lif":
        tau = np.asarray(net.neurons.parameter("tau_m").to_decimal(u.ms))
        result["tau_m_ms"] = {"min": float(tau.min()), "median": float(np.median(tau)),
                              "max": float(tau.max())}
    return result


def _versions():
    from importlib.metadata import version

    return {p: version(p) for p in ("neuroplug", "brainpy", "brainstate", "braintools",
                                    "jax", "scikit-learn")}


def plot(result, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    h = result["history"]
    fig, (a, b) = plt.subplots(1, 2, figsize=(8, 3), dpi=90)
    a.plot(h["epoch"], h["loss"], color="k")
    a.set(xlabel="epoch", ylabel="training loss (cross-entropy)", yscale="log")
    b.plot(h["epoch"], h["train_acc"], label="train")
    b.plot(h["epoch"], h["test_acc"], label="test")
    b.axhline(0.95, color="0.6", lw=0.8, ls="--")
    b.set(xlabel="epoch", ylabel="accuracy", ylim=(0, 1.0))
    b.legend(loc="lower right")
    fig.suptitle(f"8x8 digits, {result['neuron']} neurons: test accuracy "
                 f"{result['test_accuracy']:.3f}, {result['seconds_per_epoch']:.2f} s/epoch",
                 fontsize=9)
    fig.tight_layout()
    fig.savefig(path, metadata={"Software": None})
    plt.close(fig)


def main(argv=None):
    args = parse_args(argv)
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        sys.exit(f"train_digits: --out '{out}' is a file, expected a folder")
    result = train(args)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{args.neuron}.json").write_text(json.dumps(result, indent=1))
    if not args.no_plot:
        plot(result, out / f"{args.neuron}.png")
    print(f"{args.neuron}: test accuracy {result['test_accuracy']:.3f} "
          f"(best {result['best_test_accuracy']:.3f}), {result['seconds_per_epoch']:.2f} s per "
          f"epoch, {result['total_seconds']:.0f} s in all; wrote {out}/{args.neuron}.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
