"""Golden vectors of the DYNAP-SE DPI neuron from teili 1.1.0 (Brian2 2.2.2.1).

Runs teili's own ``DPI`` neuron (``teili.models.neuron_models.DPI``, 3 inputs) and
``DPISyn`` synapses (``teili.models.synapse_models.DPISyn``) in Brian2's numpy target with
forward Euler (teili's default method) at dt = 0.1 ms, 11 neurons in one group:

- 0-4: teili defaults, a step current (0, 2, 4.5, 6, 12 nA) from 20 ms;
- 5-8: piecewise-constant random currents (uniform 0..10 nA, held 5 ms) with per-neuron
  parameters: teili defaults; Ica = 0; Ica = 10 pA and Itauahp = 0.5 pA; Ishunt = 4 pA
  and refP = 3 ms;
- 9-10: a held current (3 and 4 nA) plus random excitatory (DPISyn weight +150) and
  inhibitory (weight -100) input spikes through one teili synapse each.

The held current enters teili's third input ``Iin2`` (set each step by ``run_regularly``
from a ``TimedArray``), the excitatory synapse ``Iin0``, the inhibitory one ``Iin1``.
``Imem`` starts at ``Io`` (teili starts it at 0 A; the library model starts at ``Io``).
Recorded in the ``end`` slot: ``Imem``, ``Iahp`` and the synaptic currents every 10th
step, and every spike.

Run with Python 3.7 (Brian2 2.2.2.1, which teili 1.1.0 pins, imports
``collections.MutableMapping`` and parses ``ast.Num``, so it does not run on 3.8+)::

    $(pyenv root)/versions/3.7.16/bin/python -m venv /work/venv-dpi
    /work/venv-dpi/bin/pip install "setuptools<58" wheel "cython<3" numpy==1.21.6 sympy==1.5.1
    /work/venv-dpi/bin/pip install --no-build-isolation Brian2==2.2.2.1
    /work/venv-dpi/bin/pip install --no-build-isolation teili==1.1.0 numpy==1.21.6
    QT_QPA_PLATFORM=offscreen /work/venv-dpi/bin/python tests/data/oracles/dpi_dynapse/generate.py
"""

import sys
import warnings
from pathlib import Path

warnings.filterwarnings("ignore")

import brian2
import numpy as np
import pkg_resources
import teili  # noqa: F401
from brian2 import (
    Network,
    SpikeGeneratorGroup,
    SpikeMonitor,
    StateMonitor,
    TimedArray,
    defaultclock,
    ms,
    pA,
    prefs,
)
from teili.core.groups import Connections, Neurons
from teili.models.neuron_models import DPI
from teili.models.synapse_models import DPISyn

SEED = 20140613
DT_MS = 0.1
STEPS = 4000                 # 400 ms
EVERY = 10                   # trace subsampling (steps)
N = 11
OUT = Path(__file__).with_name("teili_dpi.npz")


def stimulus(rng):
    """(STEPS, N) held current in amp, and the input spikes (indices, steps)."""
    I = np.zeros((STEPS, N))
    onset = round(20 / DT_MS)
    I[onset:, 0:5] = np.array([0, 2, 4.5, 6, 12]) * 1e-9
    hold = round(5 / DT_MS)
    blocks = rng.uniform(0, 10e-9, size=(STEPS // hold, 4))
    I[:, 5:9] = np.repeat(blocks, hold, axis=0)
    I[:, 9] = 3e-9
    I[:, 10] = 4e-9
    # excitatory source 0 at ~300 Hz, inhibitory source 1 at ~100 Hz, at most one spike
    # per source and step (the weight of a step is then the synapse's weight)
    exc = np.nonzero(rng.random(STEPS) < 300 * DT_MS * 1e-3)[0]
    inh = np.nonzero(rng.random(STEPS) < 100 * DT_MS * 1e-3)[0]
    return I, exc, inh


PARAMS = {  # per-neuron overrides of teili's defaults (neurons 5-8)
    "Ica": {6: 0 * pA, 7: 10 * pA},
    "Itauahp": {7: 0.5 * pA},
    "Ishunt": {8: 4 * pA},
    "refP": {8: 3 * ms},
}
W_EXC, W_INH = 150.0, -100.0


def main():
    prefs.codegen.target = "numpy"
    defaultclock.dt = DT_MS * ms
    rng = np.random.default_rng(SEED)
    I, exc, inh = stimulus(rng)

    G = Neurons(N, equation_builder=DPI(num_inputs=3), name="dpi", method="euler")
    G.Imem = 0.5 * pA  # = Io
    for name, values in PARAMS.items():
        for k, value in values.items():
            getattr(G, name)[k] = value
    G.namespace["stim"] = TimedArray(I * brian2.amp, dt=DT_MS * ms)
    G.run_regularly("Iin2 = stim(t, i)", when="start")

    src = SpikeGeneratorGroup(2, np.r_[np.zeros(len(exc), int), np.ones(len(inh), int)],
                              np.r_[exc, inh] * DT_MS * ms, name="src")
    Se = Connections(src, G, equation_builder=DPISyn(), name="syn_exc")
    Se.connect(i=[0, 0], j=[9, 10])
    Se.weight = W_EXC
    Si = Connections(src, G, equation_builder=DPISyn(), name="syn_inh")
    Si.connect(i=[1, 1], j=[9, 10])
    Si.weight = W_INH
    assert Se.input_number == 1 and Si.input_number == 2  # Iin0 and Iin1

    M = StateMonitor(G, ["Imem", "Iahp"], record=True, when="end", dt=EVERY * DT_MS * ms)
    Me = StateMonitor(Se, "I_syn", record=True, when="end", dt=EVERY * DT_MS * ms)
    Mi = StateMonitor(Si, "I_syn", record=True, when="end", dt=EVERY * DT_MS * ms)
    S = SpikeMonitor(G)
    Network(G, src, Se, Si, M, Me, Mi, S).run(STEPS * DT_MS * ms)

    spike_steps = np.round(np.asarray(S.t_) / (DT_MS * 1e-3)).astype(np.int64)
    np.savez_compressed(
        OUT,
        dt=DT_MS * 1e-3, steps=STEPS, every=EVERY, seed=SEED,
        Iin=I.astype(np.float64), exc_steps=exc.astype(np.int64), inh_steps=inh.astype(np.int64),
        w_exc=W_EXC, w_inh=W_INH,
        Ica=np.asarray(G.Ica_), Itauahp=np.asarray(G.Itauahp_),
        Ishunt=np.asarray(G.Ishunt_), refP=np.asarray(G.refP_),
        Imem=np.asarray(M.Imem_).T, Iahp=np.asarray(M.Iahp_).T,
        Isyn_e=np.asarray(Me.I_syn_).T, Isyn_i=np.asarray(Mi.I_syn_).T,
        spike_i=np.asarray(S.i[:]).astype(np.int64), spike_step=spike_steps,
        versions=np.array([f"teili {pkg_resources.get_distribution('teili').version}",
                           f"brian2 {brian2.__version__}", f"numpy {np.__version__}",
                           f"python {sys.version.split()[0]}"]),
    )
    counts = np.bincount(S.i[:], minlength=N)
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes); spikes per neuron {counts.tolist()}")


if __name__ == "__main__":
    main()
