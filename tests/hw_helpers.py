"""Shared helpers of the hardware tests (tests/test_hw_*.py)."""

import os
from pathlib import Path

import pytest

from neuroplug.hw.sim import simulator_available

DATA = Path(__file__).parent / "data"
PERFECT = str(DATA / "valid" / "perfect_integrator.toml")

#: CI sets this: a missing simulator or tool is then a failure, never a skip
REQUIRE_HW = os.environ.get("NEUROPLUG_REQUIRE_HW", "") not in ("", "0")


def need(sim_or_tool: str) -> None:
    """Skip (or, with NEUROPLUG_REQUIRE_HW=1, fail) when a simulator/tool is missing."""
    import shutil

    if sim_or_tool in ("icarus", "verilator"):
        why = simulator_available(sim_or_tool)
    else:
        why = None if shutil.which(sim_or_tool) else f"{sim_or_tool} is not installed"
    if why:
        if REQUIRE_HW:
            pytest.fail(f"NEUROPLUG_REQUIRE_HW is set but {why}")
        pytest.skip(why)
