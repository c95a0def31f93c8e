"""``neuroplug bench --startup``: import and start-up times in fresh subprocesses (issue 10).

Every measurement runs in a new interpreter (``sys.executable``), ``runs`` times in each
of two states of the disk cache of validated models (``NEUROPLUG_CACHE_DIR``):

* **cold**: the variable points at a new, empty temporary folder for every run;
* **warm**: it points at one folder per measurement that an unmeasured priming run of
  the same measurement has populated.

Cold and warm runs alternate.  Only that cache is cold: Python's bytecode, Brian2's and
JAX's own caches and the operating system's file cache are whatever the machine has.

Imports and ``neuroplug list`` are timed by the parent (wall time around
:func:`subprocess.run`, interpreter start included, which the bare ``python -c pass``
baseline shows); ``dir(neuroplug.brian2)`` and the misspelt-class lookup are timed inside
the subprocess, after ``import neuroplug.brian2`` (whose in-process time is recorded
separately).  Verdicts use the median of each cache state; targets relative to a
baseline use that baseline's median in the same cache state.

This module imports only the standard library, so that the parent measures nothing of
its own: ``neuroplug.crosschecking``, ``neuroplug.plotting`` and tqdm load when needed.
"""

from __future__ import annotations

import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

__all__ = ["Measurement", "MEASUREMENTS", "CACHES", "startup", "markdown", "save_json",
           "write_markdown", "plot"]

#: marker of the JSON line an in-process measurement prints on stdout
MARK = "NEUROPLUG_STARTUP_RESULT "

#: Brian2's banner for an uncaught exception (its excepthook); must not appear on stderr
BRIAN2_BANNER = "Brian 2 encountered an unexpected error"

CACHES = ("cold", "warm")
CACHE_ENV = "NEUROPLUG_CACHE_DIR"


@dataclass(frozen=True)
class Measurement:
    """One start-up measurement: a command line run as ``[sys.executable, *args]``.

    ``inner``: the command prints ``MARK + json`` on stdout with ``seconds`` (the time it
    measured itself) and optionally ``import_s`` and ``checks`` ({description: bool});
    otherwise the parent's wall time is the measurement.  ``target`` is in seconds, added
    to the median of the ``relative_to`` baseline when given; ``strict`` means < instead
    of <=.  No target: a baseline.  ``forbid_stderr``: strings whose presence on the
    subprocess's stderr fails a check.
    """

    name: str
    label: str
    args: tuple
    inner: bool = False
    target: float | None = None
    relative_to: str | None = None
    strict: bool = False
    forbid_stderr: tuple = ()
    forbid_labels: tuple = ()

    def target_text(self, baselines=None) -> str:
        if self.target is None:
            return "baseline"
        op = "<" if self.strict else "<="
        if self.relative_to is None:
            return f"{op} {self.target:g} s"
        base = MEASUREMENTS[self.relative_to].label if self.relative_to in MEASUREMENTS \
            else self.relative_to
        return f"{op} `{base}` + {self.target:g} s"


_DIR_CODE = f"""\
import json, time
t0 = time.perf_counter()
import neuroplug.brian2 as m
t1 = time.perf_counter()
names = dir(m)
t2 = time.perf_counter()
print({MARK!r} + json.dumps({{"seconds": t2 - t1, "import_s": t1 - t0, "names": len(names),
      "checks": {{"dir() lists LIF": "LIF" in names}}}}))
"""

_MISSPELT_CODE = f"""\
import json, time
t0 = time.perf_counter()
import neuroplug.brian2 as m
t1 = time.perf_counter()
try:
    getattr(m, "LIFF")
except AttributeError as exc:
    err, msg = "AttributeError", str(exc)
except Exception as exc:
    err, msg = type(exc).__name__, str(exc)
else:
    err, msg = None, ""
t2 = time.perf_counter()
print({MARK!r} + json.dumps({{"seconds": t2 - t1, "import_s": t1 - t0,
      "raised": err, "message": msg[:500],
      "checks": {{"raises AttributeError": err == "AttributeError",
                 "message says 'did you mean'": "did you mean" in msg.lower()}}}}))
"""


def _measurements():
    ms = [
        Measurement("python", "python -c pass", ("-c", "pass")),
        Measurement("brian2", "import brian2", ("-c", "import brian2")),
        Measurement("brainpy", "import brainpy.state", ("-c", "import brainpy.state")),
        Measurement("neuroplug.brian2", "from neuroplug.brian2 import LIF",
                    ("-c", "from neuroplug.brian2 import LIF"), target=1.0,
                    relative_to="brian2"),
        Measurement("neuroplug.brainpy", "from neuroplug.brainpy import LIF",
                    ("-c", "from neuroplug.brainpy import LIF"), target=1.0,
                    relative_to="brainpy"),
        Measurement("list", "neuroplug list", ("-m", "neuroplug", "list"), target=2.0),
        Measurement("dir", "dir(neuroplug.brian2)", ("-c", _DIR_CODE), inner=True,
                    target=0.5),
        Measurement("misspelt", "neuroplug.brian2.LIFF (misspelt)", ("-c", _MISSPELT_CODE),
                    inner=True, target=1.0, strict=True, forbid_stderr=(BRIAN2_BANNER,),
                    forbid_labels=("no Brian2 error banner on stderr",)),
    ]
    return {m.name: m for m in ms}


#: the measurements of ``neuroplug bench --startup``, in report order
MEASUREMENTS = _measurements()


# ----------------------------------------------------------------------------------
def _package_root() -> str:
    """The folder holding the ``neuroplug`` package the parent runs (subprocesses import
    the same code, even where an editable install points elsewhere)."""
    return str(Path(__file__).resolve().parent.parent)


def _child_env(cache_dir) -> dict:
    env = dict(os.environ)
    env[CACHE_ENV] = str(cache_dir)
    root = _package_root()
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    return env


def _tail(text, lines=15, chars=2000) -> str:
    text = (text or "").rstrip()
    return "\n".join(text.splitlines()[-lines:])[-chars:]


def _run_once(m: Measurement, cache_dir, timeout) -> dict:
    """One subprocess run: {"ok", "seconds", "wall_s", ...} or {"ok": False, "error", ...}."""
    cmd = [sys.executable, *m.args]
    t0 = time.perf_counter()
    try:
        p = subprocess.run(cmd, env=_child_env(cache_dir), cwd=_package_root(),
                           stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE if m.inner else subprocess.DEVNULL,
                           stderr=subprocess.PIPE, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        err = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) \
            else exc.stderr
        return {"ok": False, "error": f"timed out after {timeout:g} s",
                "returncode": None, "stderr_tail": _tail(err)}
    except OSError as exc:
        return {"ok": False, "error": f"could not start: {exc}", "returncode": None,
                "stderr_tail": ""}
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        return {"ok": False, "error": f"exit status {p.returncode}",
                "returncode": p.returncode, "stderr_tail": _tail(p.stderr), "wall_s": wall}
    out = {"ok": True, "wall_s": wall, "seconds": wall, "checks": {}}
    if m.inner:
        lines = [ln for ln in p.stdout.splitlines() if ln.startswith(MARK)]
        try:
            info = json.loads(lines[-1][len(MARK):])
            seconds = float(info.pop("seconds"))
        except (IndexError, ValueError, KeyError, TypeError):
            return {"ok": False, "error": "no result line on stdout", "returncode": 0,
                    "stderr_tail": _tail(p.stderr), "stdout_tail": _tail(p.stdout),
                    "wall_s": wall}
        out["checks"].update(info.pop("checks", {}))
        out["seconds"] = seconds
        out["info"] = info
    for s, label in zip(m.forbid_stderr, m.forbid_labels or m.forbid_stderr):
        out["checks"][label] = s not in (p.stderr or "")
    if not all(out["checks"].values()):
        out["stderr_tail"] = _tail(p.stderr)
    return out


def _resolve(measurements):
    """Measurement objects in report order, the baselines relative targets need added."""
    if measurements is None:
        return list(MEASUREMENTS.values())
    out = []
    for m in measurements:
        if isinstance(m, str):
            if m not in MEASUREMENTS:
                raise ValueError(f"unknown start-up measurement '{m}'; expected one of "
                                 f"{list(MEASUREMENTS)}")
            m = MEASUREMENTS[m]
        out.append(m)
    names = {m.name for m in out}
    for m in list(out):
        if m.relative_to and m.relative_to not in names:
            out.insert(0, MEASUREMENTS[m.relative_to])
            names.add(m.relative_to)
    deps = {m.relative_to for m in out}  # baselines first: their medians set targets
    return [m for m in out if m.name in deps] + [m for m in out if m.name not in deps]


def _versions() -> dict:
    from importlib import metadata

    v = {"python": platform.python_version()}
    for dist in ("brian2", "brainpy", "jax", "jaxlib"):
        try:
            v[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            v[dist] = None
    return v


def cpu_model() -> str:
    """The processor's model name (``/proc/cpuinfo`` on Linux, else ``platform``)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def _environment() -> dict:
    cpu = cpu_model()
    return {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "host": platform.node(), "cpu": cpu, "cores": os.cpu_count(),
            "load_average_start": list(os.getloadavg()), "executable": sys.executable,
            "neuroplug_root": _package_root(), **_versions()}


# ----------------------------------------------------------------------------------
def startup(runs: int = 5, measurements=None, *, caches=CACHES, timeout: float = 600.0,
            progress: bool = True, log=None) -> dict:
    """Measure start-up times in fresh subprocesses; returns the result dictionary.

    Parameters
    ----------
    runs : int
        Measured runs per (measurement, cache state), >= 1.
    measurements : list of str or Measurement, optional
        Names from :data:`MEASUREMENTS` (default: all) or custom :class:`Measurement`
        objects.  Baselines of relative targets are added when missing.
    caches : tuple
        Cache states to measure, a subset of ``("cold", "warm")``.
    timeout : float
        Seconds after which a subprocess counts as failed.

    A failing subprocess (non-zero exit, time-out, no result line) makes that row's
    verdict ``ERROR`` (its stderr tail is kept) and skips its remaining runs; it never
    raises.  ``result["all_pass"]`` is True when every row with a target is ``PASS``.
    """
    if runs < 1:
        raise ValueError(f"runs: found {runs}, expected >= 1")
    bad = [c for c in caches if c not in CACHES]
    if bad or not caches:
        raise ValueError(f"caches: found {list(caches)}, expected a subset of {list(CACHES)}")
    ms = _resolve(measurements)
    from .progress import progress_bar

    res = {"kind": "startup", "environment": _environment(),
           "config": {"runs": runs, "caches": list(caches), "timeout_s": timeout,
                      "measurements": [m.name for m in ms]},
           "measurements": {m.name: {"label": m.label, "command": [sys.executable, *m.args],
                                     "inner": m.inner} for m in ms},
           "rows": []}
    per = runs * len(caches) + ("warm" in caches)
    bar = progress_bar(range(per * len(ms)), desc="startup", disable=not progress,
                       unit="run")
    write = log or bar.write
    with tempfile.TemporaryDirectory(prefix="neuroplug-startup-") as root:
        for i, m in enumerate(ms):
            rows = {c: {"measurement": m.name, "label": m.label, "cache": c, "runs": [],
                        "errors": []} for c in caches}
            warm_dir = Path(root) / f"warm-{i}"
            if "warm" in caches:
                warm_dir.mkdir()
                bar.set_postfix_str(f"{m.name} (priming)")
                r = _run_once(m, warm_dir, timeout)
                bar.update(1)
                rows["warm"]["priming"] = r
                if not r["ok"]:
                    rows["warm"]["errors"].append({"run": "priming", **r})
                    bar.update(runs)
            for k in range(runs):
                order = caches if k % 2 == 0 else caches[::-1]  # cancel order effects
                for c in order:
                    row = rows[c]
                    if row["errors"]:  # failed once: deterministic, do not repeat
                        continue
                    bar.set_postfix_str(f"{m.name} ({c})")
                    if c == "cold":
                        d = Path(tempfile.mkdtemp(prefix="cold-", dir=root))
                        r = _run_once(m, d, timeout)
                        shutil.rmtree(d, ignore_errors=True)
                    else:
                        r = _run_once(m, warm_dir, timeout)
                    bar.update(1)
                    if r["ok"]:
                        row["runs"].append(r)
                    else:
                        row["errors"].append({"run": k, **r})
                        bar.update(runs - k - 1)
            res["rows"] += [rows[c] for c in caches]
            _evaluate(res["rows"], {x.name: x for x in ms})
            for c in caches:
                write(_line(rows[c]))
    bar.close()
    res["environment"]["load_average_end"] = list(os.getloadavg())
    res["all_pass"] = all(r["verdict"] in ("PASS", "baseline") for r in res["rows"])
    return res


def _evaluate(rows, ms) -> None:
    """Fill in min/median, target and verdict of every row (in place).

    Verdicts: ``PASS``/``MISS`` from the median (and every run's checks), ``ERROR`` when a
    run failed, ``baseline`` without a target, ``n/a`` when a baseline failed."""
    medians = {}
    for row in rows:
        secs = [r["seconds"] for r in row["runs"]]
        row["seconds"] = secs
        row["min_s"] = min(secs) if secs else None
        row["median_s"] = statistics.median(secs) if secs else None
        imp = [r["info"]["import_s"] for r in row["runs"] if "import_s" in r.get("info", {})]
        row["import_s_median"] = statistics.median(imp) if imp else None
        checks = {}
        for r in row["runs"]:
            for name, ok in r["checks"].items():
                checks[name] = checks.get(name, True) and bool(ok)
        row["checks"] = checks
        if not row["errors"]:
            medians[(row["measurement"], row["cache"])] = row["median_s"]
    for row in rows:
        m = ms[row["measurement"]]
        row["target"] = m.target_text()
        if m.target is None:
            row["target_s"] = None
        elif m.relative_to is None:
            row["target_s"] = m.target
        else:
            base = medians.get((m.relative_to, row["cache"]))
            row["target_s"] = None if base is None else base + m.target
        if row["errors"]:
            row["verdict"] = "ERROR"
        elif m.target is None:
            row["verdict"] = "baseline"
        elif row["target_s"] is None:
            row["verdict"] = "n/a"
        else:
            t, x = row["target_s"], row["median_s"]
            met = (x < t) if m.strict else (x <= t)
            row["verdict"] = "PASS" if met and all(row["checks"].values()) else "MISS"


def _g(x, fmt=".3g"):
    return "-" if x is None or not math.isfinite(x) else format(x, fmt)


def _target_cell(row) -> str:
    t = row["target"]
    if row["target_s"] is not None and t.count("`"):
        t += f" = {row['target_s']:.3g} s"
    return t


def _line(row) -> str:
    head = f"{row['label']} [{row['cache']}]"
    if row["errors"]:
        e = row["errors"][0]
        tail = "\n".join("    " + ln for ln in (e.get("stderr_tail") or "").splitlines())
        return f"{head}: ERROR (run {e['run']}: {e['error']})" + (f"\n{tail}" if tail else "")
    s = (f"{head}: median {_g(row['median_s'])} s, min {_g(row['min_s'])} s, "
         f"target {_target_cell(row)}: {row['verdict']}")
    failed = [k for k, ok in row["checks"].items() if not ok]
    return s + (f" (failed: {', '.join(failed)})" if failed else "")


# ----------------------------------------------------------------------------------
# output
def _md(text: str) -> str:
    return str(text).replace("|", "\\|")


def markdown(res) -> str:
    """A Markdown table of a :func:`startup` result, with versions, date and notes."""
    env = res["environment"]
    cfg = res["config"]
    L = [f"Start-up measured {env['date']} on {env['cpu']} ({env['cores']} cores), load "
         f"average {env['load_average_start'][0]:.1f} at start, "
         f"{env.get('load_average_end', [math.nan])[0]:.1f} at end; Python {env['python']}, "
         f"Brian2 {env['brian2']}, BrainPy {env['brainpy']}, JAX {env['jax']}.", "",
         f"{cfg['runs']} runs per row, each in a fresh `python` subprocess; cold = empty "
         f"`{CACHE_ENV}` per run, warm = one populated by an unmeasured priming run. "
         "Imports and `neuroplug list`: wall time measured by the parent (interpreter "
         "start included); `dir()` and the misspelt name: time inside the subprocess, "
         "after `import neuroplug.brian2`. Verdicts from the median.", "",
         "| measurement | cache | min (s) | median (s) | target | verdict |",
         "|---|---|---:|---:|---|---|"]
    for row in res["rows"]:
        v = row["verdict"]
        v = f"**{v}**" if v in ("MISS", "ERROR") else v
        L.append(f"| `{_md(row['label'])}` | {row['cache']} | {_g(row['min_s'])} | "
                 f"{_g(row['median_s'])} | {_md(_target_cell(row))} | {v} |")
    notes = []
    for row in res["rows"]:
        if row["import_s_median"] is not None:
            notes.append(f"`import neuroplug.brian2` before `{_md(row['label'])}` "
                         f"[{row['cache']}], in process: median "
                         f"{_g(row['import_s_median'])} s")
        for k, ok in row["checks"].items():
            notes.append(f"`{_md(row['label'])}` [{row['cache']}]: {k}: "
                         f"{'yes' if ok else '**no**'}")
        info = row["runs"][0].get("info", {}) if row["runs"] else {}
        if "raised" in info:
            notes.append(f"`{_md(row['label'])}` [{row['cache']}] raised "
                         f"{info['raised']}: \"{_md(' '.join(info['message'].split()))}\"")
    if notes:
        L += [""] + [f"- {n}" for n in notes]
    for row in res["rows"]:
        for e in row["errors"]:
            L += ["", f"**ERROR** `{_md(row['label'])}` [{row['cache']}], run {e['run']}: "
                  f"{e['error']}"]
            if e.get("stderr_tail"):
                L += ["", "```", e["stderr_tail"], "```"]
    return "\n".join(L) + "\n"


def save_json(res, path):
    from .crosschecking import _atomic_write

    def clean(x):
        if isinstance(x, float) and not math.isfinite(x):
            return None
        if isinstance(x, dict):
            return {str(k): clean(v) for k, v in x.items()}
        if isinstance(x, (list, tuple)):
            return [clean(v) for v in x]
        return x

    return _atomic_write(path, json.dumps(clean(res), indent=2) + "\n")


def write_markdown(res, path):
    from .crosschecking import _atomic_write

    return _atomic_write(path, markdown(res))


def plot(res, path):
    """Horizontal bars of the medians (log scale), one per (measurement, cache state),
    with the targets as black ticks; missed and failed rows in red."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .plotting import _save

    rows = res["rows"]
    fig, ax = plt.subplots(figsize=(9, 0.38 * len(rows) + 1.4))
    ys = list(range(len(rows)))[::-1]
    colours = {"cold": "#4c72b0", "warm": "#dd8452"}
    xs = [r["median_s"] for r in rows if r["median_s"]]
    xs += [r["target_s"] for r in rows if r["target_s"]]
    lo, hi = min(xs + [0.1]) / 3, max(xs + [1.0]) * 4
    for y, row in zip(ys, rows):
        x = row["median_s"]
        bad = row["verdict"] in ("MISS", "ERROR")
        if x:
            ax.barh(y, x - lo, left=lo, color=colours.get(row["cache"], "grey"),
                    edgecolor="red" if bad else "none", linewidth=1.5)
        if row["target_s"] is not None:
            ax.plot([row["target_s"]], [y], marker="|", color="k", markersize=16, mew=2)
        ax.text(max(x or lo, lo) * 1.1, y, row["verdict"], va="center", fontsize=7,
                color="red" if bad else "k")
    ax.set_xscale("log")
    ax.set_xlim(lo, hi)
    ax.set_yticks(ys, [f"{r['label']} [{r['cache']}]" for r in rows], fontsize=7)
    ax.set_xlabel("median seconds (| = target)")
    ax.grid(True, axis="x", which="both", alpha=0.3)
    env = res["environment"]
    ax.set_title(f"neuroplug start-up, {res['config']['runs']} runs - {env['cpu']}, "
                 f"{env['date'][:10]}", fontsize=8)
    return _save(fig, path)
