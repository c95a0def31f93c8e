"""Tutorial: your own model file, in both simulators, cross-checked, with its docs page.

Loads ``examples/tutorial_own_model.toml`` (an adapting leaky integrate-and-fire
written for this tutorial), builds a Brian2 group and a BrainPy layer from it, runs both
with the same input, cross-checks them, and writes the model's documentation page.

    python examples/tutorial_own_model.py --out docs/tutorials/figures
    python examples/tutorial_own_model.py --quick --out /tmp/own    # 0.3 s instead of 1 s

``--quick`` (or ``NEUROPLUG_TUTORIAL_QUICK=1``) shortens the simulated time. Writes
``own_model.png`` (both simulators), ``own_model_crosscheck.png`` and
``adapting_lif.md`` (the docs page) into ``--out``.
"""

import argparse
import os
from pathlib import Path

from neuroplug.crosschecking import exact_cpu_flags

exact_cpu_flags()   # numpy-like rounding in JAX, before JAX starts (see the cross-check tutorial)

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import neuroplug  # noqa: E402

MODEL_FILE = Path(__file__).resolve().with_name("tutorial_own_model.toml")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true",
                    default=os.environ.get("NEUROPLUG_TUTORIAL_QUICK", "") not in ("", "0"),
                    help="0.3 s of simulated time (CI size)")
    ap.add_argument("--out", default=".", help="folder for the figures and the page")
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    duration_ms = 300 if args.quick else 1000

    # [load]
    # The file is validated when it is loaded: units, parameters, presets, references
    # and Brian2's own verdict on the equations. A mistake is one error naming the field.
    m = neuroplug.model(str(MODEL_FILE))
    print(m.id, "-", m.title)
    print("parameters:", {k: str(p.value) for k, p in m.parameters.items()})
    print("presets:", list(m.presets), "| methods:", m.methods)
    # [load end]

    # [brian2]
    import brian2 as b2

    from neuroplug.brian2 import group

    b2.start_scope()
    b2.prefs.codegen.target = "numpy"
    G = group(str(MODEL_FILE), 2, preset="strong")      # a brian2.NeuronGroup
    G.I = [500, 800] * b2.pA
    mon = b2.StateMonitor(G, ["v", "w"], record=True)
    b2.run(duration_ms * b2.ms)
    v_brian2 = mon.v / b2.mV                              # (2, steps)
    # [brian2 end]

    # [brainpy]
    import brainstate
    import jax.numpy as jnp
    import saiunit as u

    from neuroplug.brainpy import neuron_class, precision

    AdaptingLIF = neuron_class(str(MODEL_FILE))          # a brainpy.state.Neuron class
    # layers compute in float32 unless asked otherwise; float64 to compare with Brian2
    with precision("float64"), brainstate.environ.context(dt=0.1 * u.ms):
        layer = AdaptingLIF(2, preset="strong", dtype="float64")
        layer.init_state()
        current = jnp.array([500.0, 800.0]) * u.pA

        def step(i):
            layer.update(current)       # one step of Brian2's schedule; the layer counts t
            return layer.v.value        # every state variable is a state of the layer

        v_brainpy = brainstate.transform.for_loop(step, jnp.arange(int(duration_ms * 10)))
        v_brainpy = np.asarray(u.get_magnitude(v_brainpy.to(u.mV))).T   # (2, steps)
    # [brainpy end]

    # Brian2's StateMonitor records at the start of a step, before the update; the layer's
    # value after update i is Brian2's record of step i + 1
    v_brian2 = v_brian2[:, 1:]
    steps = min(v_brian2.shape[1], v_brainpy.shape[1])
    diff = np.max(np.abs(v_brian2[:, :steps] - v_brainpy[:, :steps]))
    print(f"max |v_brian2 - v_brainpy| = {diff:.2e} mV")

    # [crosscheck]
    result = neuroplug.crosscheck(str(MODEL_FILE), preset="strong",
                                  duration=f"{duration_ms} ms")
    print(result.report().split("\n\n")[1])
    result.plot(out / "own_model_crosscheck.png")
    # [crosscheck end]

    # [docs]
    from neuroplug.catalog import model_page

    (out / f"{m.id}.md").write_text(model_page(m))
    # [docs end]
    print(f"wrote {out / (m.id + '.md')}")

    t = (np.arange(steps) + 1) * 0.1
    fig, ax = plt.subplots(figsize=(8, 3.5))
    for k, amp in enumerate((500, 800)):
        ax.plot(t, v_brian2[k, :steps], color=f"C{k}", lw=1.2, label=f"Brian2, {amp} pA")
        ax.plot(t, v_brainpy[k, :steps], color="k", ls=":", lw=1, label=f"BrainPy, {amp} pA")
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("v (mV)")
    ax.set_title(f"{m.id} (preset strong), your own model file in both simulators")
    ax.legend(fontsize=8, ncol=2, loc="lower right")
    fig.tight_layout()
    fig.savefig(out / "own_model.png", dpi=100)
    plt.close(fig)
    return 0 if result.passed and diff < 1e-9 else 1


if __name__ == "__main__":
    raise SystemExit(main())
