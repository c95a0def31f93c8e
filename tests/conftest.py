"""Test configuration.

JAX must start without FMA contraction for bit-comparable arithmetic with numpy (see
docs/semantics.md), so the flag is set here, before anything imports JAX.
"""

import logging

from neuroplug.crosschecking import exact_cpu_flags

exact_cpu_flags()

import brian2  # noqa: E402
import pytest  # noqa: E402
from brian2.utils.logger import BrianLogger  # noqa: E402

BrianLogger.console_handler.setLevel(logging.ERROR)

#: The core tests (``pytest -m core``), which CI's Python 3.13 leg runs on the newest
#: stack: every model loaded, run in both adapters (forward, batched, gradient) and
#: cross-checked (float32 tier, capped length), the CLI, the Icarus ladder of ``lif`` and
#: the CUDA compile of ``lif``.  Entries are whole files or ``file::test`` (any
#: parametrisation, or one ``file::test[id]``); ``CORE_EXCLUDE`` removes the long ones.
CORE = (
    "test_library.py", "test_invalid_models.py", "test_first_contact.py", "test_cli.py",
    "test_brian2_adapter.py", "test_brainpy_adapter.py", "test_crosscheck.py",
    "test_hw_ladder.py::test_ladder_icarus[lif-None]",
    "test_bench.py::test_build_cuda_standalone_compile_only",
)
CORE_EXCLUDE = (
    "test_brian2_adapter.py::test_ei_network_and_every_model_cpp_standalone",
    "test_brian2_adapter.py::test_ei_network_runtime",
)


def _matches(item, entries) -> bool:
    name = f"{item.path.name}::{item.name}"
    base = f"{item.path.name}::{item.originalname}"
    return any(e in (item.path.name, name, base) for e in entries)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if _matches(item, CORE) and not _matches(item, CORE_EXCLUDE) and \
                "slow" not in item.keywords:
            item.add_marker(pytest.mark.core)


@pytest.fixture(scope="session", autouse=True)
def _fast_brian2_numpy_functions():
    """Brian2's numpy ``exprel`` without its per-call unit check (bit-identical results;
    see neuroplug.brian2.unit_free_numpy_functions): conductance models run ~3x faster."""
    from neuroplug.brian2 import unit_free_numpy_functions

    with unit_free_numpy_functions():
        yield


@pytest.fixture(autouse=True)
def _brian2_numpy_target():
    """Every test starts on Brian2's runtime device with the numpy target."""
    old = brian2.prefs.codegen.target
    brian2.prefs.codegen.target = "numpy"
    brian2.defaultclock.dt = 0.1 * brian2.ms  # a test that changes it must not leak it
    yield
    brian2.prefs.codegen.target = old
    brian2.device.reinit() if brian2.get_device().__class__.__name__ != "RuntimeDevice" else None
    brian2.set_device("runtime")
    brian2.defaultclock.dt = 0.1 * brian2.ms


@pytest.fixture
def cython_target(_brian2_numpy_target):
    """Brian2's cython target for long runs (``_brian2_numpy_target`` restores numpy)."""
    brian2.prefs.codegen.target = "cython"
    yield
