"""The run: the plan of measurement groups, running it, and recording each group's
results and the issue 5 targets into the result dictionary (see ``--json``).
"""

from __future__ import annotations

import os
from dataclasses import asdict
from pathlib import Path

from .config import MODELS, BenchConfig, config
from .contenders import (
    LIBRARY_FOR_BUILTIN,
    BrainPyLayer,
    Brian2Runtime,
    NetworkStandalone,
    PythonLoop,
    Standalone,
)
from .identity import code_identity
from .machine import _environment, bytes_per_update, copy_bandwidth, libm_calls, libm_cost
from .timing import _interleaved, _ratio, _summary
from .workloads import _dt


def run(cfg: BenchConfig | None = None, *, progress=True, log=print) -> dict:
    """Run the benchmark; returns the result dictionary (see ``--json``)."""
    import brian2 as b2

    from ..progress import progress_bar

    cfg = cfg or config()
    workdir = Path(cfg.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    res = {"environment": _environment(), "config": asdict(cfg), "uncoupled": [],
           "comparisons": [], "networks": [], "python_loop": None, "code_identity": []}
    res["copy_bandwidth_gbs"] = copy_bandwidth()
    res["libm"] = libm_cost(workdir / "libm", libm_calls("hodgkin_huxley")
                            if "hodgkin_huxley" in cfg.models else None)
    plan = _plan(cfg)
    total = sum(len(p["contenders"]) * (cfg.repeats + 1) for p in plan)
    bar = progress_bar(range(total), desc="bench", disable=not progress, unit="run")
    b2.prefs.codegen.target = "numpy"
    for item in plan:
        bar.set_postfix_str(item["title"][:50])
        for c in item["contenders"]:
            c.prepare()
            bar.update(1)
        samples = _interleaved(item["contenders"], cfg.repeats, bar)
        for c in item["contenders"]:
            if isinstance(c, BrainPyLayer):
                c.close()
        _record(res, item, samples, cfg)
        bar.write(_line(res, item))
    bar.close()
    res["code_identity"] = [{"model": m, "target": "cpp_standalone",
                             **code_identity(m)} for m in cfg.compare_models]
    res["environment"]["load_average_end"] = os.getloadavg()
    res["targets"] = _targets(res)
    return res


#: relative cost of one neuron update, scaling the per-repeat update cap so that a
#: repeat lasts seconds for every model (an HH update costs ~50 LIF updates: about ten
#: scalar exp/expm1 calls, see docs/benchmarks.md)
UPDATE_COST = {"hodgkin_huxley": 25.0}


def _duration(cfg, mid, N, duration, scale=1.0):
    """``duration`` shortened (whole steps, at least 100) so that a repeat has at most
    ``cfg.max_updates * scale / UPDATE_COST[mid]`` neuron updates: steady-state
    throughput needs no 1 s of HH at N = 1e6 (1e11 updates)."""
    dt = _dt(mid)
    cap = cfg.max_updates * scale / UPDATE_COST.get(mid, 1.0)
    steps = min(int(round(duration / dt)), max(100, int(cap / N)))
    return steps * dt


def _plan(cfg):
    """The measurement groups, in order; each is timed with interleaved repeats."""
    plan = []
    wd = Path(cfg.workdir)
    for mid in cfg.models:
        for N in cfg.sizes[mid]:
            dur = _duration(cfg, mid, N, cfg.duration)
            cs = [Standalone(mid, "library", N, dur, 1, wd),
                  BrainPyLayer(mid, "library", N, dur)]
            if N <= cfg.numpy_max_n:
                cs.append(Brian2Runtime(mid, "library", "numpy", N,
                                        _duration(cfg, mid, N, cfg.numpy_duration, 0.1)))
            plan.append({"kind": "uncoupled", "model": mid, "N": N, "contenders": cs,
                         "title": f"{mid} N={N}"})
    for mid in cfg.compare_models:
        N = cfg.compare_n
        dur = _duration(cfg, mid, N, cfg.duration)
        for target in ("numpy", "cython"):
            d = _duration(cfg, mid, N, cfg.numpy_duration, 0.1)
            plan.append({"kind": "brian2_vs_hand", "model": mid, "N": N, "backend": target,
                         "title": f"{mid} library vs hand {target}",
                         "contenders": [Brian2Runtime(mid, v, target, N, d)
                                        for v in ("library", "hand")]})
        for threads in cfg.threads:
            plan.append({"kind": "brian2_vs_hand", "model": mid, "N": N,
                         "backend": f"cpp_standalone {threads}t",
                         "title": f"{mid} library vs hand cpp {threads}t",
                         "contenders": [Standalone(mid, v, N, dur, threads, wd)
                                        for v in ("library", "hand")]})
        for dtype in cfg.brainpy_dtypes:
            for mode in ("forward", "train"):
                # a training step keeps every step's state for the backward pass: fewer steps
                d = dur if mode == "forward" else _dt(mid) * cfg.train_steps
                tag = "" if mode == "forward" else " train"
                plan.append({"kind": "brainpy_vs_builtin", "model": mid, "N": N,
                             "backend": f"brainpy {dtype}{tag}",
                             "title": f"{mid} library vs built-in {dtype}{tag}",
                             "contenders": [BrainPyLayer(mid, v, N, d, dtype, mode)
                                            for v in ("library", "builtin")]})
                if mode == "forward" and "lazy_reset" in LIBRARY_FOR_BUILTIN.get(mid, {}):
                    # the same with Brian2's same-step reset (the layers' default)
                    plan.append({"kind": "brainpy_vs_builtin", "model": mid, "N": N,
                                 "backend": f"brainpy {dtype} brian2-reset",
                                 "title": f"{mid} library (Brian2 reset) vs built-in {dtype}",
                                 "contenders": [BrainPyLayer(mid, v, N, d, dtype, mode)
                                                for v in ("library-brian2", "builtin")]})
    plan.append({"kind": "python_loop", "model": "lif", "N": cfg.loop_n,
                 "title": "lif python step() loop",
                 "contenders": [PythonLoop(cfg.loop_n, cfg.loop_steps),
                                Brian2Runtime("lif", "library", "numpy", cfg.loop_n,
                                              cfg.loop_steps * 1e-4),
                                BrainPyLayer("lif", "library", cfg.loop_n,
                                             cfg.loop_steps * 1e-4),
                                Standalone("lif", "library", cfg.loop_n,
                                           cfg.loop_steps * 1e-4, 1, wd)]})
    for kind in cfg.networks:
        plan.append({"kind": "network", "model": kind, "N": 4000, "title": kind,
                     "contenders": [NetworkStandalone(kind, cfg.network_duration, 1, wd)]})
    return plan


def _steps(c):
    dur = c.duration if not isinstance(c, PythonLoop) else c.steps * 1e-4
    if isinstance(c, PythonLoop):
        return c.steps
    return int(round(dur / _dt(c.model_id if c.model_id in MODELS else "lif")))


def _entry(c, samples):
    s = _summary(samples)
    steps = _steps(c)
    e = {"label": c.label, "backend": c.backend, "N": c.N, "steps": steps,
         "setup_s": c.setup_seconds, **s}
    if isinstance(c, Standalone):
        e["compile_s"] = c.compile_seconds
    if isinstance(c, Brian2Runtime):
        e["wall_seconds"] = c.wall_seconds
        e["wall_min_s"] = min(c.wall_seconds)
    e["updates_per_s"] = c.N * steps / s["min_s"]
    return e


def _record(res, item, samples, cfg):
    cs = item["contenders"]
    entries = [_entry(c, samples[c.label]) for c in cs]
    kind = item["kind"]
    if kind == "uncoupled":
        bpu = bytes_per_update(item["model"])
        for e in entries:
            e["bytes_per_update"] = bpu
            e["traffic_gbs"] = e["updates_per_s"] * bpu / 1e9
            e["traffic_fraction_of_copy"] = e["traffic_gbs"] / res["copy_bandwidth_gbs"]
            res["uncoupled"].append({"model": item["model"], **e})
    elif kind in ("brian2_vs_hand", "brainpy_vs_builtin"):
        r = _ratio(samples[cs[0].label], samples[cs[1].label])
        res["comparisons"].append({"kind": kind, "model": item["model"], "N": item["N"],
                                   "backend": item["backend"], "library": entries[0],
                                   "reference": entries[1], **r})
    elif kind == "python_loop":
        loop = entries[0]
        res["python_loop"] = {"N": item["N"], "loop": loop, "library": entries[1:],
                              "speedup": {e["backend"]: e["updates_per_s"] /
                                          loop["updates_per_s"] for e in entries[1:]}}
    elif kind == "network":
        e = entries[0]
        c = cs[0]
        res["networks"].append({"network": item["model"], "N": c.N, **e,
                                "bio_seconds": c.duration,
                                "s_per_bio_s": e["min_s"] / c.duration,
                                "spikes": c.spike_count()})


def _line(res, item):
    kind = item["kind"]
    if kind == "uncoupled":
        es = res["uncoupled"][-len(item["contenders"]):]
        return f"{item['title']:<28} " + "  ".join(
            f"{e['backend']}: {e['updates_per_s']:.3g}/s" for e in es)
    if kind in ("brian2_vs_hand", "brainpy_vs_builtin"):
        c = res["comparisons"][-1]
        return (f"{item['title']:<40} ratio {c['ratio']:.3f} "
                f"(per-repeat {c['ratio_min']:.3f}..{c['ratio_max']:.3f})")
    if kind == "python_loop":
        p = res["python_loop"]
        return "python loop speedups: " + ", ".join(f"{k} x{v:.3g}"
                                                    for k, v in p["speedup"].items())
    n = res["networks"][-1]
    return f"{item['title']:<10} {n['s_per_bio_s']:.2f} s per biological second " \
           f"({n['spikes']} spikes)"


def _targets(res):
    out = []

    def find(model, backend, N):
        for e in res["uncoupled"]:
            if e["model"] == model and e["backend"] == backend and e["N"] == N:
                return e["updates_per_s"]
        return None

    def add(name, measured, target, ok):
        out.append({"target": name, "goal": target, "measured": measured,
                    "met": None if measured is None else bool(ok(measured))})

    add("LIF cpp_standalone 1 thread, N=1e6 (updates/s)",
        find("lif", "brian2 cpp_standalone 1t", 1_000_000), ">= 4e8", lambda x: x >= 4e8)
    add("LIF BrainPy float64, N=1e6 (updates/s)",
        find("lif", "brainpy float64", 1_000_000), ">= 5e8", lambda x: x >= 5e8)
    hh = [e["updates_per_s"] for e in res["uncoupled"] if e["model"] == "hodgkin_huxley"
          and e["backend"] == "brian2 cpp_standalone 1t"]
    add("HH cpp_standalone 1 thread, best N (updates/s per core)", max(hh) if hh else None,
        ">= 1e7", lambda x: x >= 1e7)
    coba = [n["s_per_bio_s"] for n in res["networks"] if n["network"] == "coba"]
    add("COBA 4000 cpp_standalone (s per biological s)", coba[0] if coba else None,
        "<= 2", lambda x: x <= 2)
    for c in res["comparisons"]:
        if c["kind"] == "brian2_vs_hand":
            add(f"Brian2 {c['model']} library/hand {c['backend']} (time ratio)", c["ratio"],
                "1.00 +- 0.03", lambda x: abs(x - 1) <= 0.03)
        elif not c["backend"].endswith("brian2-reset"):  # that one is for information
            add(f"BrainPy {c['model']} library/built-in {c['backend'][8:]} (time ratio)",
                c["ratio"], "<= 1.10", lambda x: x <= 1.10)
    return out
