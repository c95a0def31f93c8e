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


@pytest.fixture(autouse=True)
def _brian2_numpy_target():
    """Every test starts on Brian2's runtime device with the numpy target."""
    old = brian2.prefs.codegen.target
    brian2.prefs.codegen.target = "numpy"
    yield
    brian2.prefs.codegen.target = old
    brian2.device.reinit() if brian2.get_device().__class__.__name__ != "RuntimeDevice" else None
    brian2.set_device("runtime")
