"""``neuroplug bench``: throughput of library models, and proof of zero plugin overhead.

One run measures, on the machine at hand:

* **uncoupled populations** of ``lif``, ``adex``, ``izhikevich`` and
  ``hodgkin_huxley`` over N: steady-state neuron updates per second, set-up time
  (code generation + compilation, or JIT) separately, peak memory, and the memory
  traffic the update implies compared with a copy bandwidth measured in the same run;
* **side-by-side comparisons** with interleaved repeats (each repeat runs every
  contender once, in turn; the minimum and the spread of the repeats are reported):
  Brian2 library class vs the same equations written by hand (``numpy``, ``cython``,
  ``cpp_standalone`` with 1 and 2 OpenMP threads), BrainPy library class vs the
  matching ``brainpy.state`` built-in, and the library vs a per-neuron Python
  ``step()`` loop;
* the **COBA** (Vogels & Abbott 2005) and **COBAHH** (Brette et al. 2007, benchmark 3)
  networks built from ``coba_lif`` and ``traub_miles``, in ``cpp_standalone``.

Timings exclude set-up: Brian2 runtime targets are run once before timing (code
generation, Cython compilation), ``cpp_standalone`` binaries report their own run
time (``results/last_run_info.txt``, loading excluded), BrainPy functions are
compiled by a first call.  Everything the report needs goes into one JSON file;
:func:`write_markdown` and :func:`plot` turn it into the tables and the figure of
``docs/benchmarks.md``.

``neuroplug bench --startup`` (import and start-up times in fresh subprocesses, issue 10)
lives in :mod:`neuroplug.startup`; :func:`startup` is re-exported here.

The package is split by concern; each module can be read alone:

* :mod:`neuroplug.bench.config`: :class:`BenchConfig`, :func:`config`, the models and the
  issue 5 :data:`TARGETS`;
* :mod:`neuroplug.bench.workloads`: what is simulated (drives, the hand-written Brian2
  models, the seed-style Python neuron, the COBA / COBAHH networks);
* :mod:`neuroplug.bench.contenders`: what is timed (Brian2 runtime targets and
  ``cpp_standalone`` binaries, BrainPy library layer vs the built-in, the Python loop);
* :mod:`neuroplug.bench.timing`: interleaved repeats, their summaries and ratios;
* :mod:`neuroplug.bench.machine`: copy bandwidth, bytes per update, libm cost, environment;
* :mod:`neuroplug.bench.identity`: generated ``cpp_standalone`` code, library vs hand;
* :mod:`neuroplug.bench.runner`: the plan, :func:`run` and the recorded results;
* :mod:`neuroplug.bench.report`: JSON and Markdown; :mod:`neuroplug.bench.plots`: the figure.

This module re-exports their public names.
"""

from __future__ import annotations

# ruff: noqa: F401 (re-exports: every public name the module neuroplug/bench.py had)
from ..startup import startup
from .config import MODELS, TARGETS, BenchConfig, config
from .contenders import (
    LIBRARY_FOR_BUILTIN,
    BrainPyLayer,
    Brian2Runtime,
    NetworkStandalone,
    PythonLoop,
    Standalone,
    braintools_const,
)
from .identity import code_identity, standalone_code
from .machine import bytes_per_update, copy_bandwidth, libm_calls, libm_cost
from .plots import plot
from .report import markdown, save_json, write_markdown
from .runner import UPDATE_COST, run
from .workloads import HAND_WRITTEN, SeedStyleLIF, hand_written_group

__all__ = ["run", "BenchConfig", "write_markdown", "plot", "hand_written_group",
           "standalone_code", "TARGETS", "startup"]
