"""What one bench run measures: the configurations, the models and the targets.

:class:`BenchConfig` holds the sizes, durations, repeats and contenders of one run;
:func:`config` returns the full configuration (``docs/benchmarks.md``) or the ``--quick``
one. :data:`TARGETS` are the goals of issue 5 that the report checks.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..errors import ParameterError

#: issue 5 targets on the 2-core reference machine
TARGETS = {
    "lif_cpp_1thread_1e6": 4e8,      # updates/s, cpp_standalone, 1 thread, N = 1e6
    "lif_brainpy_float64_1e6": 5e8,  # updates/s
    "hh_per_core": 1e7,              # updates/s per core
    "coba_cpp_s_per_bio_s": 2.0,     # wall seconds per biological second
    "brian2_hand_ratio": 0.03,       # |ratio - 1| <= 0.03
    "brainpy_builtin_ratio": 1.10,   # ratio <= 1.10
}

MODELS = ("lif", "adex", "izhikevich", "hodgkin_huxley")


@dataclass
class BenchConfig:
    """What one bench run measures (see :func:`config`)."""

    quick: bool
    models: tuple
    sizes: dict           # model -> list of N
    duration: float       # biological seconds per timed repeat (compiled backends)
    numpy_duration: float  # biological seconds per repeat for Brian2 runtime targets
    numpy_max_n: int      # largest N for the Brian2 runtime targets
    repeats: int
    compare_n: int        # N of the side-by-side comparisons
    compare_models: tuple
    threads: tuple        # OpenMP thread counts of cpp_standalone
    loop_n: int           # N and steps of the per-neuron Python loop
    loop_steps: int
    network_duration: float
    networks: tuple
    max_updates: float = 5e8  # cap of neuron updates per timed repeat (shortens big N)
    brainpy_dtypes: tuple = ("float64", "float32")  # library vs built-in comparisons
    train_steps: int = 200    # time steps of a timed training step (forward + backward)
    workdir: str = ""


def config(quick=False, repeats=None, models=None, workdir=None) -> BenchConfig:
    """The standard configurations: full (docs/benchmarks.md) and ``quick``."""
    if quick:
        cfg = BenchConfig(quick=True, models=("lif", "hodgkin_huxley"),
                          sizes={"lif": [1000, 10000], "hodgkin_huxley": [1000, 10000]},
                          duration=0.1, numpy_duration=0.02, numpy_max_n=10000, repeats=5,
                          compare_n=10000, compare_models=("lif",), threads=(1, 2),
                          loop_n=100, loop_steps=200, network_duration=0.1,
                          networks=("coba",), max_updates=2e7)
    else:
        sizes = {m: [1000, 100_000, 1_000_000] for m in MODELS}
        sizes["lif"] = [1000, 100_000, 1_000_000, 4_000_000]
        cfg = BenchConfig(quick=False, models=MODELS, sizes=sizes, duration=1.0,
                          numpy_duration=0.1, numpy_max_n=100_000, repeats=5,
                          compare_n=100_000, compare_models=MODELS, threads=(1, 2),
                          loop_n=1000, loop_steps=1000, network_duration=1.0,
                          networks=("coba", "cobahh"))
    if repeats is not None:
        if repeats < 1:
            raise ParameterError(f"found repeats={repeats}, expected >= 1")
        cfg.repeats = int(repeats)
    if models:
        unknown = [m for m in models if m not in MODELS]
        if unknown:
            raise ParameterError(f"unknown bench model(s) {unknown}; expected some of "
                                 f"{list(MODELS)}")
        cfg.models = tuple(models)
        cfg.compare_models = tuple(m for m in cfg.compare_models if m in models) or \
            (models[0],)
        cfg.sizes = {m: cfg.sizes.get(m, cfg.sizes[next(iter(cfg.sizes))]) for m in models}
    cfg.workdir = str(workdir or Path(tempfile.gettempdir()) / "neuroplug-bench")
    return cfg
