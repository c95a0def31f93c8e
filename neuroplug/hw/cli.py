"""``neuroplug export`` and ``neuroplug verify-hw`` (registered by :mod:`neuroplug.cli`).

    neuroplug export MODEL [--preset P] [--format SIG=Q8.16,... | q8_8] [--rounding R]
                     [--overflow O] [--width W] [--coef-width C] [--accept-error] --out DIR
    neuroplug verify-hw MODEL [--preset P] [--sim icarus|verilator] [--cycles N]
    neuroplug verify-hw --all [--sim ...]
"""

from __future__ import annotations

import re
import sys
import warnings
from pathlib import Path

from .export import COEF_WIDTH_RANGE, MAX_REL_ERROR, MAX_SIGNAL_WIDTH, WIDTH_RANGE
from .errors import HwUsageError
from .fixedpoint import OVERFLOWS, ROUNDINGS

__all__ = ["add_commands", "COMMANDS"]


def add_commands(sub) -> None:
    """Add the ``export`` and ``verify-hw`` subcommands to an argparse subparsers object."""
    e = sub.add_parser("export", help="export a model to fixed-point Verilog + bit-true model",
                       description="Fold a model (+ preset) into a fixed-point map and write "
                       "<module>.v (Verilog-2005) and <module>.json (formats, constants, "
                       "rounding, overflow, dt, model id/preset/sha256) into DIR.")
    e.add_argument("model", help="model id or path to a .toml model file")
    e.add_argument("--preset", help="preset name")
    e.add_argument("--format", metavar="SPEC",
                   help="'q8_8' (the seed-compatible Q8.8 LIF profile) or per-signal formats "
                   "'v=Q8.16,I=Q14.10' (default: 24-bit signals sized from characterisation "
                   "runs, >= 12 fractional bits)")
    e.add_argument("--rounding", choices=ROUNDINGS,
                   help="rounding of every right shift (default half_up; not with q8_8)")
    e.add_argument("--overflow", choices=OVERFLOWS,
                   help="saturate (default) or wrap; both set the sticky ovf output "
                   "(not with q8_8, which wraps)")
    e.add_argument("--width", type=int, help=f"default signal width, {WIDTH_RANGE[0]}.."
                   f"{WIDTH_RANGE[1]} (24; not with q8_8)")
    e.add_argument("--coef-width", type=int, help="bits of each constant, "
                   f"{COEF_WIDTH_RANGE[0]}..{COEF_WIDTH_RANGE[1]} (24; not with q8_8)")
    e.add_argument("--accept-error", action="store_true",
                   help=f"export even if a state's error bound exceeds {MAX_REL_ERROR:.0%} of "
                   "its characterised range (refused otherwise)")
    e.add_argument("--out", required=True, metavar="DIR", help="output folder")
    e.add_argument("--neurons", type=int, metavar="N",
                   help="write a population core: N neurons (1..65536) over one pipelined "
                   "datapath, state in block RAM, AXI4-Stream in/out (docs/hardware.md)")

    v = sub.add_parser("verify-hw", help="run the hardware verification ladder",
                       description="(i) float map vs Brian2, (ii) bit-true vs float (LSB "
                       "bound, f-I sweep), (iii) RTL vs bit-true under cocotb, 0 LSB on every "
                       "cycle. Exits 1 if any step fails.")
    v.add_argument("model", nargs="?", help="model id or path to a .toml model file")
    v.add_argument("--preset", help="preset name")
    v.add_argument("--all", action="store_true",
                   help="every exportable model and preset, the q8_8 profile and every "
                   "integer map model and preset")
    v.add_argument("--format", choices=["q8_8"], help="verify the q8_8 profile export")
    v.add_argument("--sim", action="append", choices=["icarus", "verilator"],
                   help="simulator(s) of step (iii) (repeatable; default icarus)")
    v.add_argument("--cycles", type=int, default=10_000, help="cycles of step (iii) (10000)")
    v.add_argument("--steps", default="i,ii,iii", help="ladder steps to run (default i,ii,iii)")
    v.add_argument("--out", metavar="DIR", help="keep exports and simulation builds in DIR")
    v.add_argument("--neurons", type=int, metavar="N",
                   help="verify the population core of N neurons instead: every neuron's "
                   "state and spikes against the bit-true model on every time step "
                   "(--cycles then counts time steps)")
    v.add_argument("--json", metavar="FILE", help="write the ladder results as JSON")
    v.add_argument("--markdown", metavar="FILE",
                   help="write the ladder figures as a Markdown table (as in docs/hardware.md)")


def _formats(text: str | None):
    """``--format`` as ``{signal: QFormat}`` (``{}`` for none or ``q8_8``)."""
    from .fixedpoint import FixedPointError, QFormat

    if not text or text == "q8_8":
        return {}
    out, given = {}, {}
    for part in text.split(","):
        if "=" not in part:
            raise HwUsageError(f"--format: expected 'q8_8' or 'SIGNAL=Q<int>.<frac>,...', "
                               f"found {part!r}")
        name, q = (x.strip() for x in part.split("=", 1))
        if name in given:
            raise HwUsageError(f"--format: signal '{name}' is given twice ({given[name]}, "
                               f"{part.strip()}); expected each signal at most once")
        given[name] = part.strip()
        bits = re.fullmatch(r"[Qq]?(-?\d+)\.(\d+)", q)
        if bits and int(bits[1]) + int(bits[2]) > MAX_SIGNAL_WIDTH:
            raise HwUsageError(f"--format {name}={q} is {int(bits[1]) + int(bits[2])} bits; "
                               f"expected at most {MAX_SIGNAL_WIDTH} (every state and input is "
                               f"a signed integer of at most {MAX_SIGNAL_WIDTH} bits)")
        try:
            out[name] = QFormat.parse(q)
        except FixedPointError as exc:
            raise HwUsageError(f"--format {name}: {exc}") from None
    return out


#: options of a generic export that the fixed q8_8 profile does not take
_GENERIC_ONLY = {"rounding": "--rounding", "overflow": "--overflow", "width": "--width",
                 "coef_width": "--coef-width", "accept_error": "--accept-error"}


def cmd_export(args) -> int:
    from .errors import ExportError, ExportWarning
    from .export import HwOptions, export
    from .q88 import PROFILE_SETTINGS

    profile = "q8_8" if args.format == "q8_8" else None
    neurons = getattr(args, "neurons", None)
    if neurons is not None and profile:
        raise HwUsageError("--neurons: the q8_8 profile has no population core; expected the "
                           "generic design (omit --format q8_8 or give SIGNAL=Q<int>.<frac>)")
    if profile:
        given = [opt for name, opt in _GENERIC_ONLY.items() if getattr(args, name)
                 not in (None, False)]
        if given:
            fixed = PROFILE_SETTINGS
            raise HwUsageError(f"{', '.join(given)}: --format q8_8 is a fixed profile "
                               f"({fixed['format']}, {fixed['width']} bits, rounding "
                               f"{fixed['rounding']}, overflow {fixed['overflow']}); expected "
                               "none of these options with it")
        opts = None
    else:
        chosen = {k: getattr(args, k) for k in ("width", "coef_width", "rounding", "overflow")
                  if getattr(args, k) is not None}
        try:
            opts = HwOptions(formats=_formats(args.format), accept_error=args.accept_error,
                             **chosen)
        except ExportError as exc:
            raise HwUsageError(exc.detail) from None
    if neurons is not None:
        return _export_population(args, neurons, opts)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ExportWarning)
        spec = export(args.model, args.preset, out=args.out, opts=opts, profile=profile)
    print(f"exported {spec['model']}" + (f"[{spec['preset']}]" if spec["preset"] else "")
          + f" as module {spec['module']} ({spec.get('profile')})")
    if spec.get("profile") == "integer":
        for s in spec["states"]:
            print(f"    {s['name']:>9} {s['width']:>3} bits  [{s['lo']}, {s['hi']}]"
                  + ("  (register wraps, as int64)" if s["wraps"] else ""))
        for i in spec["inputs"]:
            print(f"    {i['name']:>9} {i['width']:>3} bits  -> port {i['port']}")
    elif profile is None:
        for s in spec["states"]:
            b = spec["error_bound"][s["name"]]
            print(f"    {s['name']:>4} {s['format']['q']:>8} {s['unit']:<6} per-step error "
                  f"<= {b['per_step_lsb']:.2f} LSB")
        for i in spec["inputs"]:
            print(f"    {i['name']:>4} {i['format']['q']:>8} {i['unit']}  -> port "
                  f"{i['name'].lower()}_in")
    else:
        rb = spec["rheobase"]
        if rb["model_nA"] is not None and rb["q8_8_nA"] is not None:
            print(f"    rheobase {rb['model_nA']:.4g} nA (model), {rb['q8_8_nA']:.4g} nA "
                  f"(Q8.8 bit-true); wrapper module {spec['wrapper']['module']} ties "
                  f"leak_k = {spec['ports']['leak_k']}, gain_k = {spec['ports']['gain_k']}")
    for f in spec["files"]:
        print(f"wrote {f}")
    sys.stdout.flush()
    for w in caught:
        if issubclass(w.category, ExportWarning):
            print(f"neuroplug export: warning: {w.message}", file=sys.stderr)
        else:
            warnings.showwarning(w.message, w.category, w.filename, w.lineno)
    return 0


def _export_population(args, n: int, opts) -> int:
    """``neuroplug export MODEL --neurons N ...``: a time-multiplexed population core."""
    from .population import MAX_NEURONS, export_population

    if not 1 <= n <= MAX_NEURONS:
        raise HwUsageError(f"--neurons: expected an integer 1..{MAX_NEURONS}, found {n}")
    if _is_integer(args.model):
        raise HwUsageError(f"--neurons: model '{args.model}' is an integer map model, whose "
                           "export is one combinational neuron core (population cores are "
                           "generated for the fixed-point exports of float models only); "
                           "expected no --neurons")
    pop = export_population(args.model, args.preset, n=n, out=args.out, opts=opts)
    p = pop["population"]
    print(f"exported {pop['model']}" + (f"[{pop['preset']}]" if pop["preset"] else "")
          + f" as population core {pop['module']}: N = {n}, one neuron update every "
          f"{p['ii']} cycle(s), {p['lanes']} lane(s) of {p['lane_width'][0]}x"
          f"{p['lane_width'][1]}-bit multipliers ({p['dsp']} 16x16 products), "
          f"{p['cycles_per_step']} cycles per time step")
    for f in pop["files"]:
        print(f"wrote {f}")
    return 0


def cmd_verify(args) -> int:
    if getattr(args, "neurons", None) is not None:
        from .population_sim import cli_verify

        if args.model and _is_integer(args.model):
            raise HwUsageError(f"--neurons: model '{args.model}' is an integer map model "
                               "(no population core; see neuroplug export); expected no "
                               "--neurons")

        return cli_verify(args)
    from ..progress import progress_bar
    from .ladder import exportable, markdown_table, save_json, verify
    from .sim import simulator_available

    sims = args.sim or ["icarus"]
    for s in sims:
        why = simulator_available(s)
        if why:
            raise HwUsageError(f"--sim {s}: {why}")
    steps = tuple(x.strip() for x in args.steps.split(","))
    if set(steps) - {"i", "ii", "iii"}:
        raise HwUsageError(f"--steps: expected a subset of i,ii,iii, found {args.steps!r}")
    if args.all == bool(args.model):
        raise HwUsageError("give either a MODEL or --all")
    if args.cycles < 1:
        raise HwUsageError("--cycles must be positive")
    if args.all:
        from .intverify import integer_jobs

        jobs = exportable() + integer_jobs()
    else:
        jobs = [(args.model, args.preset, args.format)]
    if not args.all:
        from ..library import model

        m = model(args.model)
        if args.preset is not None and args.preset not in m.presets:
            raise HwUsageError(f"--preset: unknown preset '{args.preset}' for model '{m.id}'; "
                               f"expected one of {sorted(m.presets) or 'none'}")
    results = []
    bar = progress_bar(jobs, desc="verify-hw", disable=len(jobs) == 1, unit="model")
    for mid, preset, profile in bar:
        out = None
        if args.out:
            from .export import module_name

            stem = str(mid).split("/")[-1].removesuffix(".toml")
            out = f"{args.out}/{module_name(stem, preset)}" + (f"_{profile}" if profile else "")
        if profile is None and _is_integer(mid):
            from .intverify import verify_integer

            r = verify_integer(mid, preset, sims=sims, cycles=args.cycles, out=out,
                               steps=steps)
        else:
            r = verify(mid, preset, sims=sims, cycles=args.cycles, out=out, profile=profile,
                       steps=steps)
        results.append(r)
        (bar.write if len(jobs) > 1 else print)(r.report())
    if args.json:
        save_json(results, args.json)
        print(f"json: {args.json}")
    if args.markdown:
        from .export import _atomic_write

        _atomic_write(Path(args.markdown),
                      markdown_table([r for r in results if r.profile != "integer"]))
        print(f"markdown: {args.markdown}")
    failed = [r.label for r in results if not r.passed]
    if len(results) > 1:
        print(f"\n{len(results) - len(failed)}/{len(results)} passed"
              + (f"; failed: {', '.join(failed)}" if failed else ""))
    sys.stdout.flush()
    return 1 if failed else 0


def _is_integer(mid) -> bool:
    from .export import _is_integer_model

    return _is_integer_model(mid)


COMMANDS = {"export": cmd_export, "verify-hw": cmd_verify}


def run(command: str, args) -> int:
    """Dispatch ``command``; usage errors print one line and return 2."""
    try:
        return COMMANDS[command](args)
    except HwUsageError as exc:
        print(f"neuroplug {command}: error: {exc}", file=sys.stderr)
        return 2

