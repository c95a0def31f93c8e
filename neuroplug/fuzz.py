"""Fuzzing the model-file loader: every input ends in a neuroplug error or a valid model.

A seeded mutator derives broken model files from the shipped ones (fields deleted,
duplicated, retyped or swapped; huge, unicode, non-finite and extreme values; deep
nesting; escape strings that would run code if anything evaluated them; reserved
names; truncation and byte flips) and loads each with the model cache off.  A mutant
passes if it loads or raises a :class:`~neuroplug.errors.ModelDefinitionError`
within the time limit, with a one-line message, and without creating the canary file
its escape strings try to create.

    neuroplug fuzz --mutants 5000 --seed 1
    python -m neuroplug.fuzz --mutants 5000
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import signal
import sys
import tempfile
import threading
import time
import tomllib
from pathlib import Path

__all__ = ["campaign", "mutants", "escape_strings", "dumps_toml", "add_arguments", "main"]


def escape_strings(canary: str) -> list[str]:
    """Strings that run ``touch CANARY`` if any part of neuroplug evaluated them."""
    cmd = f"touch {canary}"
    return [
        "[c for c in ().__class__.__base__.__subclasses__() if c.__name__ == 'catch_warnings']"
        f"[0]()._module.__builtins__['__import__']('os').system('{cmd}')",
        f"().__class__.__base__.__subclasses__()[0].__init__.__globals__['os'].system('{cmd}')",
        f"__import__('os').system('{cmd}')",
        f"exec(\"__import__('os').system('{cmd}')\")",
        f"eval(\"__import__('os').system('{cmd}')\")",
        f"open('{canary}', 'w')",
        f"(lambda: __import__('os').system('{cmd}'))()",
        f"getattr(__import__('os'), 'system')('{cmd}')",
        f"f\"{{__import__('os').system('{cmd}')}}\"",
        f"globals()['__builtins__']['__import__']('os').system('{cmd}')",
        f"'{{0.__class__}}'.format(__import__('os').system('{cmd}'))",
        "[c for c in ().__class__.__bases__[0].__subclasses__()]",
        f"mV.__class__.__init__.__globals__['os'].system('{cmd}')",
    ]


def dumps_toml(data: dict) -> str:
    """A TOML document of ``data`` (top-level keys; nested tables written inline)."""
    return "".join(f"{_key(k)} = {_value(v)}\n" for k, v in data.items())


def _key(k) -> str:
    return k if isinstance(k, str) and k and all(c.isalnum() or c in "_-" for c in k) \
        else json.dumps(str(k))


def _value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf") if math.isinf(v) \
            else repr(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{_key(k)} = {_value(x)}" for k, x in v.items()) + "}"
    return json.dumps(str(v))


_RESERVED = ["mV", "dt", "t", "xi", "xi_1", "True", "i", "N", "np_stimulus", "t_ref ", "exp",
             "lambda", "pi", "1abc", "a b", "", "x" * 300, "__class__", "not_refractory"]
_EXTREMES = [float("nan"), float("inf"), -float("inf"), 1e308, -1e308, 5e-324, -0.0, 0,
             10 ** 40, -10 ** 40, "", " ", "nan mV", "inf ms", "1e400 mV", "-70 mV*9**9**9**9",
             "1 mV**1000", "10 ms**-64", "1 " + "mV*" * 500 + "mV", "\u00b5V", "1 \u00b5s",
             "\x00", "70 mV\n+1", "-70 mV # c", "1 / 0", "(" * 300 + "1" + ")" * 300,
             "exp", "globals()", "[E_L,[E_L]]", "E_L", "1 ms", "1 Hz", "1", True, [], {},
             ["1 ms"], {"x": 1}, "x" * 5000]


def _paths(node, prefix=()):
    """Every (path, value) in a nested dict/list, depth first."""
    yield prefix, node
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, prefix + (i,))


def _set(root, path, value):
    node = root
    for p in path[:-1]:
        node = node[p]
    node[path[-1]] = value


def _delete(root, path):
    node = root
    for p in path[:-1]:
        node = node[p]
    del node[path[-1]]


def _mutate(data: dict, text: str, rng: random.Random, canary: str) -> str:
    """One mutant (TOML text) of a model file."""
    kind = rng.randrange(10)
    if kind == 0:  # text-level: truncate or flip bytes
        raw = bytearray(text.encode())
        if rng.random() < 0.5:
            return raw[:rng.randrange(len(raw))].decode("utf-8", "replace")
        for _ in range(rng.randint(1, 8)):
            raw[rng.randrange(len(raw))] = rng.randrange(256)
        return raw.decode("latin-1")
    if kind == 1:  # deep nesting
        depth = rng.choice([50, 400, 2000])
        return text + f"\nnested = {'[' * depth}1{']' * depth}\n"
    d = json.loads(json.dumps(data, default=str))
    paths = [p for p, _ in _paths(d) if p]
    path = rng.choice(paths)
    if kind == 2:
        _delete(d, path)
    elif kind == 3:  # a value of another field
        _set(d, path, json.loads(json.dumps(dict(_paths(d))[rng.choice(paths)])))
    elif kind == 4:
        _set(d, path, rng.choice(_EXTREMES))
    elif kind == 5:
        _set(d, path, rng.choice(escape_strings(canary)))
    elif kind == 6:  # rename a parameter/state/input/preset
        section = rng.choice(["parameters", "state", "inputs", "presets"])
        if d.get(section):
            old = rng.choice(list(d[section]))
            d[section][rng.choice(_RESERVED)] = d[section].pop(old)
    elif kind == 7:  # escape string inside an expression field
        fld = rng.choice(["equations", "threshold", "reset", "refractory", "threshold_scale",
                          "dt", "method"])
        base = d.get(fld) if isinstance(d.get(fld), str) else ""
        d[fld] = base + rng.choice([" + ", "\n", " : ", "; x = "]) + \
            rng.choice(escape_strings(canary))
    elif kind == 8:  # random unicode / huge string
        n = rng.choice([1, 10, 1000, 100_000])
        _set(d, path, "".join(chr(rng.randrange(32, 0x3000)) for _ in range(min(n, 2000))) *
             max(1, n // 2000))
    else:  # retype
        old = dict(_paths(d))[path]
        _set(d, path, rng.choice([[old], {"value": old}, str(old), 1, 1.5, True]))
    return dumps_toml(d)


def mutants(n: int, seed: int, canary: str):
    """Yield ``(label, toml_text)`` for ``n`` mutants of the shipped model files."""
    from .library import library_dir

    files = sorted(library_dir().glob("*.toml"))
    originals = [(p.stem, p.read_text(encoding="utf-8")) for p in files]
    tables = [tomllib.loads(t) for _, t in originals]
    rng = random.Random(seed)
    for k in range(n):
        j = rng.randrange(len(originals))
        yield f"{originals[j][0]}#{k}", _mutate(tables[j], originals[j][1], rng, canary)


class _Timeout(BaseException):
    pass


def _alarm(signum, frame):
    raise _Timeout()


def campaign(mutants_count: int = 200, seed: int = 0, timeout: float = 5.0,
             progress: bool = False) -> dict:
    """Load ``mutants_count`` mutants and classify the outcomes.

    Parameters
    ----------
    mutants_count : int
        Number of mutants.
    seed : int
        Seed of the mutator (the same seed gives the same mutants).
    timeout : float
        Seconds a load may take before it counts as a hang.
    progress : bool
        Show a progress bar.

    Returns
    -------
    dict
        ``outcomes`` (count per outcome: ``valid`` or the error class), ``slowest``
        (seconds, mutant), ``failures`` (list of ``(mutant, what)``: a non-neuroplug
        exception, a hang, a multi-line message, or code that ran), ``seconds``.
    """
    from .errors import ModelDefinitionError
    from .library import load_model
    from .progress import progress_bar

    old_cache = os.environ.get("NEUROPLUG_CACHE_DIR")
    os.environ["NEUROPLUG_CACHE_DIR"] = "off"
    outcomes: dict[str, int] = {}
    failures = []
    slowest = (0.0, "")
    start = time.perf_counter()
    use_alarm = hasattr(signal, "setitimer") and \
        threading.current_thread() is threading.main_thread()
    with tempfile.TemporaryDirectory(prefix="neuroplug-fuzz-") as tmp:
        canary = str(Path(tmp) / "canary")
        path = Path(tmp) / "mutant.toml"
        previous = signal.signal(signal.SIGALRM, _alarm) if use_alarm else None
        try:
            bar = progress_bar(mutants(mutants_count, seed, canary), total=mutants_count,
                               desc="fuzz", unit="mutant", disable=not progress)
            for label, text in bar:
                path.write_text(text, encoding="utf-8", errors="surrogatepass")
                t0 = time.perf_counter()
                outcome = None
                try:
                    if use_alarm:
                        signal.setitimer(signal.ITIMER_REAL, timeout)
                    try:
                        load_model(path)
                        outcome = "valid"
                    finally:
                        if use_alarm:
                            signal.setitimer(signal.ITIMER_REAL, 0)
                except _Timeout:
                    failures.append((label, f"hang: no result after {timeout:g} s"))
                    outcome = "hang"
                except ModelDefinitionError as exc:
                    outcome = type(exc).__name__
                    if "\n" in str(exc) or len(str(exc)) > 1000:
                        failures.append((label, f"message of {len(str(exc))} characters on "
                                                f"{str(exc).count(chr(10)) + 1} lines"))
                except Exception as exc:  # noqa: BLE001 - exactly what the fuzzer looks for
                    outcome = f"crash: {type(exc).__name__}"
                    failures.append((label, f"{type(exc).__name__}: "
                                            f"{' '.join(str(exc).split())[:200]}"))
                seconds = time.perf_counter() - t0
                if seconds > timeout and outcome != "hang":
                    failures.append((label, f"slow: {seconds:.1f} s"))
                slowest = max(slowest, (seconds, label))
                if os.path.exists(canary):
                    failures.append((label, "CODE RAN: the canary file was created"))
                    os.unlink(canary)
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
        finally:
            if use_alarm:
                signal.signal(signal.SIGALRM, previous)
            if old_cache is None:
                os.environ.pop("NEUROPLUG_CACHE_DIR", None)
            else:
                os.environ["NEUROPLUG_CACHE_DIR"] = old_cache
    return {"mutants": mutants_count, "seed": seed, "timeout": timeout,
            "outcomes": dict(sorted(outcomes.items(), key=lambda kv: -kv[1])),
            "slowest": {"seconds": slowest[0], "mutant": slowest[1]},
            "failures": failures, "seconds": time.perf_counter() - start}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``neuroplug fuzz``."""
    parser.add_argument("--mutants", type=int, default=1000,
                        help="number of mutated model files to load (default 1000)")
    parser.add_argument("--seed", type=int, default=0, help="mutator seed (default 0)")
    parser.add_argument("--timeout", type=float, default=5.0,
                        help="seconds one load may take (default 5)")


def main(args) -> int:
    """Run a campaign, print the outcome table; 1 if any mutant failed."""
    if args.mutants < 1:
        raise ValueError(f"--mutants: found {args.mutants}, expected >= 1")
    if not (args.timeout > 0 and math.isfinite(args.timeout)):
        raise ValueError(f"--timeout: found {args.timeout}, expected a positive number")
    r = campaign(args.mutants, args.seed, args.timeout, progress=True)
    print(f"fuzz: {r['mutants']} mutants (seed {r['seed']}) in {r['seconds']:.1f} s; "
          f"slowest load {r['slowest']['seconds']:.2f} s ({r['slowest']['mutant']})")
    for outcome, count in r["outcomes"].items():
        print(f"    {count:7d}  {outcome}")
    for label, what in r["failures"][:50]:
        print(f"FAILED {label}: {what}")
    print(f"{len(r['failures'])} failure(s)")
    return 1 if r["failures"] else 0


if __name__ == "__main__":  # pragma: no cover
    p = argparse.ArgumentParser(prog="python -m neuroplug.fuzz", description=__doc__.split(
        "\n")[0])
    add_arguments(p)
    try:
        sys.exit(main(p.parse_args()))
    except ValueError as exc:
        print(f"neuroplug fuzz: error: {exc}", file=sys.stderr)
        sys.exit(2)
