"""Simulate a population core against N bit-true neurons (cocotb, Icarus or Verilator).

``hw/tb/test_population.py`` checks every neuron's state and spikes on every time
step; :func:`run_population` builds and runs it for one exported core, and
:func:`verify_population` exports and runs it (``neuroplug verify-hw MODEL --neurons N``).
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

from .sim import _environment, _failure_text, simulator_available, tb_dir, verilator_env

__all__ = ["run_population", "verify_population"]


def run_population(sidecar, sim: str = "icarus", build_dir=None, steps: int = 100,
                   seed: int = 1, waves: bool = False) -> dict:
    """Run the population testbench on an exported core.

    Parameters
    ----------
    sidecar : path
        ``<module>_pop.json`` written by :func:`neuroplug.hw.population.export_population`
        (the Verilog files lie next to it).
    sim : {"icarus", "verilator"}
    build_dir : path, optional
        Build folder (default ``sim_<module>_<sim>`` next to the sidecar).
    steps, seed : int
        Time steps checked and stimulus seed.
    waves : bool
        Dump waveforms.

    Returns
    -------
    dict
        The testbench summary plus ``passed``, ``sim``, ``seconds`` and, on failure,
        ``error``.
    """
    why = simulator_available(sim)
    if why:
        raise RuntimeError(why)
    from cocotb_tools.runner import get_runner

    sidecar = Path(sidecar).resolve()
    pop = json.loads(sidecar.read_text())
    top = pop["module"]
    sources = [sidecar.parent / Path(f).name for f in pop["population"]["files"]]
    build_dir = Path(build_dir or sidecar.parent / f"sim_{top}_{sim}").resolve()
    build_dir.mkdir(parents=True, exist_ok=True)
    result = build_dir / "neuroplug_result.json"
    xml = build_dir / "results.xml"
    for stale in (result, xml):
        if stale.exists():
            stale.unlink()
    env = dict(verilator_env() or {}) if sim == "verilator" else {}
    tb = str(tb_dir())
    added = [tb] if tb not in sys.path else []
    sys.path[:0] = added
    t0 = time.perf_counter()
    error = None
    try:
        with _environment(env):
            runner = get_runner(sim)
            build_args = ["--x-assign", "fast", "--x-initial", "fast"] \
                if sim == "verilator" else []
            runner.build(sources=sources, hdl_toplevel=top, build_dir=build_dir, always=True,
                         waves=waves, build_args=build_args, timescale=("1ns", "1ps"))
            runner.test(hdl_toplevel=top, test_module="test_population", build_dir=build_dir,
                        test_dir=build_dir, waves=waves, results_xml=str(xml),
                        extra_env={"NEUROPLUG_SPEC": str(sidecar),
                                   "NEUROPLUG_STEPS": str(steps),
                                   "NEUROPLUG_SEED": str(seed),
                                   "NEUROPLUG_RESULT": str(result),
                                   "NEUROPLUG_HW_DIR": str(Path(__file__).resolve().parent)})
    except SystemExit as exc:   # cocotb's runner exits on failures under pytest
        error = f"simulation failed (exit {exc.code})"
    finally:
        for p in added:
            sys.path.remove(p)
    failures = xml.read_text().count("<failure") if xml.exists() else 1
    summary = json.loads(result.read_text()) if result.exists() else {}
    if failures and error is None:
        error = "testbench reported a failure"
    if error:
        summary["error"] = error + _failure_text(xml)
    summary.update({"passed": error is None and bool(summary), "sim": sim,
                    "build_dir": str(build_dir), "seconds": time.perf_counter() - t0})
    return summary


def verify_population(model, preset=None, n: int = 256, sims=("icarus",), steps: int = 1000,
                      seed: int = 1, out=None, opts=None) -> list[dict]:
    """Export the population core of a model and run the testbench on each simulator."""
    from .population import export_population

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(out) if out else Path(tmp)
        pop = export_population(model, preset, n=n, out=folder, opts=opts)
        sidecar = next(f for f in pop["files"] if f.endswith(".json"))
        return [run_population(sidecar, sim, steps=steps, seed=seed) for sim in sims]
