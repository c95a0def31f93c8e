"""The ``neuroplug`` command.

    neuroplug list
    neuroplug cache [--clear]
    neuroplug docs [--root DIR] [--figures [--models A,B] [--jobs N]]
    neuroplug show MODEL
    neuroplug run MODEL --backend brian2|brainpy [--target T] [--preset P] [--plot FILE]
    neuroplug crosscheck MODEL [--preset P] [--method M] [--plot FILE] [--json FILE]
    neuroplug crosscheck --all [--out DIR]
    neuroplug bench [--quick] [--json FILE] [--plot FILE] [--markdown FILE]
    neuroplug build MODEL [MODEL ...] --target cpp_standalone|cuda_standalone [--compile-only]

    neuroplug fuzz [--mutants N] [--seed S]

Exit status: 0 success; 1 the check ran and failed (a cross-check that disagrees, a run
that diverged, a hardware ladder step that failed); 2 bad input or a refused request,
with one line on stderr (no traceback) and no output file written.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import textwrap
from pathlib import Path

__all__ = ["main"]

EPILOG = """examples:
  neuroplug list
  neuroplug show adex
  neuroplug run izhikevich --backend brainpy --preset CH --plot ch.png
  neuroplug crosscheck adex --preset tonic --plot adex.png --json adex.json
  neuroplug crosscheck --all --out crosscheck-results
  neuroplug bench --quick --json bench.json --plot bench.png --markdown bench.md
  neuroplug build lif hodgkin_huxley --target cuda_standalone --compile-only
"""


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2
        raise _UsageError(f"{self.prog}: error: {message} (see '{self.prog} --help')")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="neuroplug", description="One library of neuron models for Brian2, "
                "brainpy.state and Verilog: list, inspect, run and cross-check models.",
                epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=_version())
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    sub.add_parser("list", help="list the models in the library")

    k = sub.add_parser("cache", help="show or clear the on-disk cache of validated models",
                       description="Brian2's verdict on each model file and the code it "
                       "derived are cached per file content and Brian2 version "
                       "(folder: $NEUROPLUG_CACHE_DIR, else the user cache directory).")
    k.add_argument("--clear", action="store_true", help="delete every cache entry")

    d = sub.add_parser("docs", help="regenerate the model catalog pages from equations/",
                       description="Rewrite docs/catalog/ (index and one page per model) and "
                       "the model list in README.md from the model files.")
    d.add_argument("--root", default=".", help="source checkout to write into (default: .)")
    d.add_argument("--figures", action="store_true",
                   help="also regenerate the figures and their sidecars under "
                   "docs/catalog/figures (simulates: minutes for the whole library)")
    d.add_argument("--models", default=None, metavar="A,B",
                   help="with --figures: only these models (comma-separated ids)")
    d.add_argument("--jobs", type=int, default=1, metavar="N",
                   help="with --figures: worker processes (default 1)")

    s = sub.add_parser("show", help="show a model: equations, parameters, presets, references")
    s.add_argument("model", help="model id or path to a .toml model file")

    r = sub.add_parser("run", help="simulate a model with a step current in one simulator",
                       description="Simulate one neuron per stimulus amplitude with a step "
                       "input and print spike counts and rates; optionally plot the traces.")
    r.add_argument("model", help="model id or path to a .toml model file")
    r.add_argument("--backend", required=True, choices=["brian2", "brainpy"],
                   help="simulator to run")
    r.add_argument("--target", choices=["numpy", "cython", "cpp_standalone"], default=None,
                   help="Brian2 code-generation target (default numpy; cpp_standalone builds "
                   "and compiles a C++ project, then runs it)")
    _common(r)
    r.add_argument("--stimulus", action="append", metavar="AMPLITUDE",
                   help="step amplitude with unit, e.g. '500 pA' (repeatable; default: the "
                   "model's cross-check amplitudes)")
    r.add_argument("--plot", metavar="FILE", help="write a figure of the traces (PNG/PDF/SVG)")
    r.add_argument("--json", metavar="FILE", help="write spike counts and rates as JSON")

    c = sub.add_parser("crosscheck", help="run a model in Brian2 and BrainPy and compare",
                       description="Run the same model, preset, stimulus, dt and method in "
                       "Brian2 and BrainPy and compare against the model's declared tier. "
                       "Exits 1 if any cross-check fails.")
    c.add_argument("model", nargs="?", help="model id or path to a .toml model file")
    c.add_argument("--all", action="store_true",
                   help="every model, with its default parameters and listed presets")
    _common(c)
    c.add_argument("--dtype", choices=["float64", "float32"], default="float64",
                   help="BrainPy precision (Brian2 always runs float64); default float64")
    c.add_argument("--target", choices=["numpy", "cython"], default="numpy",
                   help="Brian2 code-generation target of the reference run")
    c.add_argument("--plot", metavar="FILE", help="write the comparison figure")
    c.add_argument("--json", metavar="FILE", help="write the metrics as JSON")
    c.add_argument("--report", metavar="FILE", help="write the Markdown report")
    c.add_argument("--out", metavar="DIR",
                   help="with --all: write plot, JSON and report of every check into DIR")
    c.add_argument("--quiet", action="store_true", help="print only the verdict lines")

    from .hw.cli import add_commands as add_hw_commands  # export, verify-hw

    add_hw_commands(sub)
    _add_bench_build(sub)
    return p


def _add_bench_build(sub):
    """The ``bench`` and ``build`` subcommands (neuroplug/bench/, neuroplug/build.py)."""
    b = sub.add_parser("bench", help="benchmark the library models and the plugin overhead",
                       description="Throughput of library models (updates/s vs N), set-up "
                       "times, memory traffic, library vs hand-written/built-in ratios with "
                       "interleaved repeats, and the COBA/COBAHH networks. See "
                       "docs/benchmarks.md.")
    b.add_argument("--quick", action="store_true",
                   help="small sizes and short runs (a few minutes on 2 cores)")
    b.add_argument("--repeats", type=int, help="interleaved repeats per measurement (default 5)")
    b.add_argument("--models", help="comma-separated subset of lif,adex,izhikevich,"
                   "hodgkin_huxley")
    b.add_argument("--workdir", metavar="DIR", help="where standalone projects are built")
    b.add_argument("--json", metavar="FILE", help="write all results as JSON")
    b.add_argument("--plot", metavar="FILE", help="write the updates/s vs N figure (with "
                   "--startup: the start-up medians vs targets)")
    b.add_argument("--markdown", metavar="FILE", help="write the result tables as Markdown")
    b.add_argument("--startup", action="store_true",
                   help="instead: import/start-up times in fresh subprocesses, cold and warm "
                   "model cache, against the issue 10 targets (exit status 1 if any is "
                   "missed)")
    b.add_argument("--runs", type=int, help="with --startup: runs per measurement and cache "
                   "state (default 5)")
    d = sub.add_parser("build", help="generate and compile a standalone project "
                       "(cpp_standalone or brian2cuda's cuda_standalone)",
                       description="Generate a Brian2 standalone project with one group per "
                       "model and compile it. cuda_standalone compiles with nvcc for sm_90 "
                       "and needs no GPU with --compile-only.")
    d.add_argument("models", nargs="+", metavar="MODEL", help="model id(s)")
    d.add_argument("--target", required=True, choices=["cpp_standalone", "cuda_standalone"])
    d.add_argument("--compile-only", action="store_true",
                   help="generate and compile, do not run the binary")
    d.add_argument("--directory", metavar="DIR", help="project directory (default: temporary)")
    d.add_argument("-N", type=int, default=100, help="neurons per model (default 100)")
    d.add_argument("--duration", default="10 ms", help="simulated time (default '10 ms')")
    d.add_argument("--force", action="store_true",
                   help="build into an existing non-empty folder neuroplug did not create")
    f = sub.add_parser("fuzz", help="load mutated model files: every one must end in a "
                       "neuroplug error or a valid model, fast, without running code",
                       description="A seeded campaign of broken model files derived from the "
                       "shipped ones (see neuroplug/fuzz.py). Exit status 1 if any mutant "
                       "crashed, hung or ran code.")
    from .fuzz import add_arguments as add_fuzz_arguments

    add_fuzz_arguments(f)


def _cmd_bench(args) -> int:
    if args.startup:  # import/start-up times (neuroplug/startup.py), issue 10
        given = [f"--{k}" for k in ("quick", "repeats", "models", "workdir")
                 if getattr(args, k) not in (None, False)]
        if given:
            raise _UsageError(f"--startup does not take {', '.join(given)}")
        if args.runs is not None and args.runs < 1:
            raise _UsageError(f"--runs: found {args.runs}, expected >= 1")
        from . import startup  # standard library only; neuroplug.bench imports Brian2

        res = startup.startup(runs=5 if args.runs is None else args.runs)
        _print_and_write(startup, res, args)
        bad = [f"{r['label']} [{r['cache']}]: {r['verdict']}" for r in res["rows"]
               if r["verdict"] not in ("PASS", "baseline")]
        if bad:
            print(f"startup: {len(bad)} target(s) not met: {'; '.join(bad)}")
            return 1
        print("startup: all targets met")
        return 0
    if args.runs is not None:
        raise _UsageError("--runs needs --startup (the throughput bench takes --repeats)")
    from . import bench

    models = [m.strip() for m in args.models.split(",")] if args.models else None
    if args.repeats is not None and args.repeats < 1:
        raise _UsageError(f"--repeats: found {args.repeats}, expected >= 1")
    cfg = bench.config(quick=args.quick, repeats=args.repeats, models=models,
                       workdir=args.workdir)
    res = bench.run(cfg)
    _print_and_write(bench, res, args)
    return 0


def _print_and_write(module, res, args) -> None:
    """Print a bench result as Markdown and write the files ``--json/--markdown/--plot`` ask."""
    print(module.markdown(res))
    if args.json:
        print(f"json: {module.save_json(res, args.json)}")
    if args.markdown:
        print(f"markdown: {module.write_markdown(res, args.markdown)}")
    if args.plot:
        print(f"figure: {module.plot(res, args.plot)}")


def _cmd_build(args) -> int:
    from .build import build

    r = build(args.models, target=args.target, directory=args.directory, N=args.N,
              duration=args.duration, compile=True, run=not args.compile_only,
              force=args.force)
    print(f"{r.target} project for {', '.join(r.models)} in {r.directory}: generated in "
          f"{r.generate_seconds:.1f} s, compiled in {r.compile_seconds:.1f} s"
          + (f", ran in {r.run_seconds:.2f} s, spikes {r.spikes}" if r.run_seconds else ""))
    print(f"binary: {r.binary}")
    return 0


def _common(p):
    p.add_argument("--preset", help="preset name (see 'neuroplug show MODEL')")
    p.add_argument("--method", help="integration method (Brian2 name: exact, euler, rk2, rk4, "
               "heun, milstein, exponential_euler)")
    p.add_argument("--dt", help="time step with unit, e.g. '0.1 ms' (default: the model's)")
    p.add_argument("--duration", help="simulated time with unit, e.g. '1 s'")
    p.add_argument("--allow-unlisted-method", action="store_true",
                   help="accept a --method the model file does not list (with a warning)")


def _version():
    from . import __version__

    return f"neuroplug {__version__}"


# ----------------------------------------------------------------------------------
def main(argv=None) -> int:
    """Entry point of the ``neuroplug`` command; returns the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except _UsageError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    if args.command is None:
        parser.print_help()
        return 2
    if args.command in ("crosscheck", "run"):
        from .crosschecking import exact_cpu_flags

        exact_cpu_flags()  # before JAX starts: round like numpy (docs/semantics.md)
    import warnings

    warnings.formatwarning = lambda message, category, *a, **k: \
        f"neuroplug: warning: {message}\n"
    if args.command not in ("list", "cache"):  # these read files only: no Brian2 to import
        _quiet_brian2()
    from .errors import DivergenceError, NeuroplugError, one_line

    try:
        _check_outputs(args)  # before any simulation: a bad path must not lose the work
        if args.command in ("export", "verify-hw"):
            from .hw.cli import run as run_hw

            return run_hw(args.command, args)
        return {"list": _cmd_list, "cache": _cmd_cache, "docs": _cmd_docs, "show": _cmd_show,
                "run": _cmd_run, "crosscheck": _cmd_crosscheck, "bench": _cmd_bench,
                "build": _cmd_build, "fuzz": _cmd_fuzz}[args.command](args)
    except _UsageError as exc:
        print(f"neuroplug: error: {one_line(str(exc))}", file=sys.stderr)
        return 2
    except DivergenceError as exc:  # the run happened and failed
        print(f"neuroplug: {one_line(str(exc))}", file=sys.stderr)
        return 1
    except NeuroplugError as exc:
        print(f"neuroplug: error: {one_line(str(exc))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("neuroplug: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `neuroplug show adex | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _check_outputs(args) -> None:
    """Validate every output path of the command before any work is done."""
    from .files import check_output_dir, check_output_path, figure_formats

    cmd = args.command
    if getattr(args, "plot", None):
        check_output_path(args.plot, "--plot", suffixes=figure_formats())
    for opt in ("json", "report", "markdown"):
        if getattr(args, opt, None):
            check_output_path(getattr(args, opt), f"--{opt}")
    if cmd in ("crosscheck", "export", "verify-hw") and getattr(args, "out", None):
        check_output_dir(args.out, "--out", create=False)
    if cmd == "build" and args.directory:
        from .build import check_project_directory

        check_project_directory(args.directory, args.force)
    if getattr(args, "workdir", None):
        check_output_dir(args.workdir, "--workdir", create=False)


def _cmd_fuzz(args) -> int:
    from . import fuzz

    try:
        return fuzz.main(args)
    except ValueError as exc:
        raise _UsageError(str(exc)) from None


def _quiet_brian2():
    import logging

    from brian2.utils.logger import BrianLogger

    BrianLogger.console_handler.setLevel(logging.ERROR)
    # keep Python's own traceback for real bugs instead of Brian2's report hook
    sys.excepthook = sys.__excepthook__


def _cmd_list(args) -> int:
    from .library import models, summary

    rows = [("id", "class", "family", "kind", "presets", "tier", "title")]
    for mid in models():  # read from the files: no Brian2 (`show` validates one model)
        s = summary(mid)
        rows.append((s["id"], s["class_name"], s["family"], s["kind"], str(s["presets"]),
                     s["tier"], s["title"]))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)) + "  " + r[-1])
    print(f"\n{len(rows) - 1} models")
    return 0


def _cmd_cache(args) -> int:
    from . import cache

    folder = cache.cache_dir()
    if folder is None:
        print("cache: off (NEUROPLUG_CACHE_DIR)")
        return 0
    if args.clear:
        print(f"cache: {folder}: removed {cache.clear()} entries")
        return 0
    entries = list(folder.glob("*/*.json")) if folder.is_dir() else []
    size = sum(p.stat().st_size for p in entries)
    current = folder / cache.environment_key()
    here = sum(1 for p in entries if p.parent == current)
    print(f"cache: {folder}\n{len(entries)} entries, {size / 1e6:.1f} MB; {here} for this "
          f"Brian2 and neuroplug (key {cache.environment_key()})")
    return 0


def _cmd_docs(args) -> int:
    import time

    from .catalog import write_docs

    root = Path(args.root)
    if not (root / "README.md").is_file() or not (root / "equations").is_dir():
        raise _UsageError(f"--root: '{root}' is not a neuroplug source checkout "
                          "(expected README.md and equations/ there)")
    if (args.models or args.jobs != 1) and not args.figures:
        raise _UsageError("--models and --jobs need --figures")
    if args.jobs < 1:
        raise _UsageError(f"--jobs: found {args.jobs}, expected a positive number")
    if args.figures:
        from .docfigures import generate
        from .library import models

        known = models()
        ids = known if args.models is None else [x.strip() for x in args.models.split(",")
                                                  if x.strip()]
        unknown = [x for x in ids if x not in known]
        if unknown or not ids:
            raise _UsageError(f"--models: unknown model id(s) {', '.join(unknown) or '(none)'}"
                              "; see `neuroplug list`")
        t0 = time.perf_counter()
        generate(ids, root, jobs=args.jobs, progress=True)
        print(f"figures of {len(ids)} model(s) in {time.perf_counter() - t0:.0f} s")
    try:
        changed = write_docs(root)
    except ValueError as exc:
        raise _UsageError(f"--root: {root / 'README.md'}: {exc}") from None
    for p in changed:
        print(f"wrote {p}")
    print(f"{len(changed)} file(s) changed")
    return 0


def _cmd_show(args) -> int:
    from .library import model

    m = model(args.model)
    out = [f"{m.id} - {m.title}", f"family: {m.family}   kind: {m.kind}   "
           f"brian2: neuroplug.brian2.{m.class_name}   brainpy: neuroplug.brainpy.{m.class_name}",
           f"file: {m.source}", "", textwrap.fill(" ".join(m.description.split()), 88), "",
           "equations:", textwrap.indent(m.equations.rstrip(), "    ")]
    if m.update:
        out += ["update (one map step):", textwrap.indent(m.update.strip(), "    ")]
    out += [f"threshold: {m.threshold}", f"reset: {m.reset or '(none)'}",
            f"refractory: {m.refractory or '(none)'}",
            f"method: {m.method}  (also: {', '.join(x for x in m.methods if x != m.method) or '-'})",
            f"dt: {m.dt}", "", "parameters:"]
    w = max([len(n) for n in m.parameters] + [4])
    for n, p in m.parameters.items():
        out.append(f"    {n.ljust(w)}  {p.value:>16}  {p.description}")
    out += ["state:"]
    for n, s in m.state.items():
        out.append(f"    {n.ljust(w)}  {s.unit:>16}  init {s.init}: {s.description}")
    out += ["inputs:"]
    for n, i in m.inputs.items():
        out.append(f"    {n.ljust(w)}  {i.unit:>16}  {i.description}")
    if m.presets:
        out += ["presets:"]
        for n, p in m.presets.items():
            vals = ", ".join(f"{k}={v}" for k, v in p.parameters.items())
            out.append(f"    {n}: {p.description}" + (f"\n        {vals}" if vals else ""))
    out += ["references:"]
    for r in m.references:
        out.append(f"    [{r.key}] {r.citation}" + (f" doi:{r.doi}" if r.doi else ""))
    cc = m.crosscheck
    out += [f"cross-check: tier {cc.tier}, protocol {cc.protocol}, "
            f"stimulus {', '.join(cc.stimulus)}, dt {cc.dt}, duration {cc.duration}",
            textwrap.indent(textwrap.fill(" ".join(cc.reason.split()), 84), "    ")]
    print("\n".join(out))
    return 0


def _cmd_run(args) -> int:
    import numpy as np

    from .crosschecking import (
        _refuse_empty_window,
        _stimulus,
        _time,
        simulate_brainpy,
        simulate_brian2,
    )
    from .inputs import check_method, check_steps, stimulus_amplitudes
    from .library import model
    from .quantities import format_quantity, parse_quantity

    m = model(args.model)
    _check_choice(m, args)
    method = check_method(m, args.method, allow_unlisted=args.allow_unlisted_method)
    dt = _time(args.dt, m.crosscheck.dt, "dt", m)
    duration = _time(args.duration, m.crosscheck.duration, "duration", m)
    texts = args.stimulus or ([m.presets[args.preset].stimulus] if args.preset and
                              m.presets[args.preset].stimulus else list(m.crosscheck.stimulus))
    amps = stimulus_amplitudes(m, texts, "--stimulus")
    nsteps = check_steps(m, dt, duration, len(amps))
    onset = float(parse_quantity(m.crosscheck.onset))
    _refuse_empty_window(m, onset, dt, nsteps)
    stim = _stimulus(m, np.array([float(a) for a in amps]), onset, nsteps, dt)
    if args.target is not None and args.backend != "brian2":
        raise _UsageError(f"--target: {args.target} is a Brian2 target; expected it only with "
                          f"--backend brian2")
    if args.backend == "brian2":
        traces, spikes, sec = simulate_brian2(m, args.preset, method, stim, dt,
                                              target=args.target or "numpy")
    else:
        traces, spikes, sec = simulate_brainpy(m, args.preset, method, stim, dt)
    where = args.backend + (f" ({args.target or 'numpy'})" if args.backend == "brian2" else "")
    print(f"{m.id}{'[' + args.preset + ']' if args.preset else ''} on {where}: "
          f"{nsteps} steps of {dt * 1e3:g} ms in {sec:.2f} s")
    rows = []
    # without a threshold the result is a variable (the output, else the first state)
    shown = None if m.threshold else (m.output if m.output in traces else next(iter(traces)))
    for i, (a, s) in enumerate(zip(amps, spikes)):
        rate = len(s) / (nsteps * dt)
        row = {"stimulus": format_quantity(a, 4), "spikes": len(s), "rate_hz": rate}
        text = f"{len(s):5d} spikes, {rate:8.2f} Hz"
        if shown is not None:
            unit = m.state[shown].unit
            x = np.asarray(traces[shown][i], dtype=float)
            row.update({"variable": shown, "unit": unit, "final": float(x[-1]),
                        "min": float(x.min()), "max": float(x.max())})
            text = (f"{shown} final {x[-1]:.4g}, range [{x.min():.4g}, {x.max():.4g}] "
                    f"({unit})")
        rows.append(row)
        print(f"    {m.primary_input} = {format_quantity(a, 4):>12}: {text}")
    if args.json:
        from .crosschecking import _atomic_write

        _atomic_write(args.json, json.dumps({"model": m.id, "preset": args.preset,
                                             "backend": args.backend, "dt": dt,
                                             "duration": nsteps * dt, "results": rows},
                                            indent=2) + "\n")
    if args.plot:
        from .plotting import plot_run

        plot_run(m, traces, spikes, [format_quantity(a, 4) for a in amps], dt, args.plot,
                 title=f"{m.id} {args.preset or ''} ({args.backend})")
        print(f"figure: {args.plot}")
    return 0


def _check_choice(m, args):
    from .library import METHODS

    if args.preset is not None and args.preset not in m.presets:
        raise _UsageError(f"--preset: unknown preset '{args.preset}' for model '{m.id}'; "
                          f"expected one of {sorted(m.presets) or 'none'}")
    if args.method is not None and args.method not in METHODS:
        raise _UsageError(f"--method: unknown method '{args.method}'; expected one of "
                          f"{list(METHODS)}")
    if args.allow_unlisted_method and args.method and args.method not in m.methods:
        print(f"neuroplug: warning: model '{m.id}': method '{args.method}' is not listed in "
              f"{m.source} (listed: {', '.join(m.methods)}); its results are not checked",
              file=sys.stderr)


def _cmd_crosscheck(args) -> int:
    from .crosschecking import jobs, run
    from .library import model
    from .progress import progress_bar

    if args.all == bool(args.model):
        raise _UsageError("give either a MODEL or --all")
    if args.all:
        if args.preset or args.plot or args.json or args.report:
            raise _UsageError("--all takes --out DIR instead of --preset/--plot/--json/--report")
        todo = jobs()
    else:
        m = model(args.model)
        _check_choice(m, args)
        todo = [(args.model, args.preset)]
        if args.out:
            raise _UsageError("--out is for --all; use --plot/--json/--report for one model")
    if args.out:
        from .files import check_output_dir

        check_output_dir(args.out, "--out")
    failed = []
    bar = progress_bar(todo, desc="cross-check", disable=not args.all, unit="check")
    for mid, preset in bar:
        if args.all:
            bar.set_postfix_str(f"{mid}{'[' + preset + ']' if preset else ''}")
        r = run(mid, preset=preset, method=args.method, dt=args.dt, duration=args.duration,
                dtype=args.dtype, target=args.target,
                allow_unlisted_method=args.allow_unlisted_method)
        line = _verdict_line(r)
        if args.all:
            bar.write(line)
        elif args.quiet:
            print(line)
        else:
            print(r.report())
        if args.all and args.out:
            stem = Path(args.out) / f"{r.model}{'-' + r.preset if r.preset else ''}-{r.dtype}"
            r.plot(stem.with_suffix(".png"))
            r.save_json(stem.with_suffix(".json"))
            r.save_report(stem.with_suffix(".md"))
        if args.plot:
            r.plot(args.plot)
            print(f"figure: {args.plot}")
        if args.json:
            r.save_json(args.json)
            print(f"json: {args.json}")
        if args.report:
            r.save_report(args.report)
            print(f"report: {args.report}")
        if not r.passed:
            failed.append(r.label)
    if args.all:
        print(f"\n{len(todo) - len(failed)}/{len(todo)} cross-checks passed"
              + (f"; failed: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


def _verdict_line(r) -> str:
    vs = r.metrics.get("variables", {})
    worst = max((v["max_rel"] for v in vs.values()), default=None)
    sp = r.metrics.get("spikes", {})
    dist = r.metrics.get("distribution")
    detail = []
    if worst is not None:
        detail.append(f"max rel diff {worst:.2e}")
    if sp and r.tier in ("exact", "bitexact"):
        detail.append(f"spikes {sp.get('total_brian2')}/{sp.get('total_brainpy')}"
                      f"{' identical steps' if sp and all(sp['identical']) else ''}")
    if dist:
        detail.append("rate diff " + ", ".join(f"{d['rate_rel_diff']:.3f}" for d in dist))
        detail.append("KS p " + ", ".join(f"{d['ks_pvalue']:.2g}" for d in dist))
    verdict = "PASS" if r.passed else "FAIL"
    return f"{verdict}  {r.label:<36} {r.tier:<14} {r.dtype}  " + "; ".join(detail) + \
        ("" if r.passed else "  <- " + r.failures[0])


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
