"""Reporting: the result dictionary as JSON and as the Markdown tables of
``docs/benchmarks.md``.
"""

from __future__ import annotations

import json


def save_json(res, path):
    from ..crosschecking import _atomic_write, _jsonable

    return _atomic_write(path, json.dumps(_jsonable(res), indent=2) + "\n")


def _g(x, fmt=".3g"):
    return "-" if x is None else format(x, fmt)


def markdown(res) -> str:
    """Markdown tables of a bench result (the body of docs/benchmarks.md's results)."""
    env = res["environment"]
    L = [f"Measured {env['date']} on {env['cpu']} ({env['cores']} cores, "
         f"{env['memory_gib']} GiB), load average {_g(env['load_average_start'][0], '.1f')} at "
         f"start; Python {env['python']}, Brian2 {env['brian2']}, BrainPy {env['brainpy']}, "
         f"JAX {env['jax']} ({', '.join(env['jax_devices'])}); GPU: {env['gpu'] or 'none'}. "
         f"{'Quick run. ' if res['config']['quick'] else ''}"
         f"{res['config']['repeats']} interleaved repeats; times are minima, spread = "
         f"(max - min)/min. Copy bandwidth measured in this run: "
         f"{res['copy_bandwidth_gbs']:.1f} GB/s.", ""]
    L += ["### Uncoupled populations", "",
          "| model | N | backend | steps | updates/s | min s | spread | set-up s | peak RSS MB | "
          "traffic GB/s | of copy bw |",
          "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for e in res["uncoupled"]:
        L.append(f"| {e['model']} | {e['N']:.0e} | {e['backend']} | {e['steps']} | "
                 f"{e['updates_per_s']:.3g} "
                 f"| {e['min_s']:.3g} | {_g(e['spread'], '.0%')} | {_g(e['setup_s'], '.1f')} | "
                 f"{_g(e['peak_rss_mb'], '.0f')} | {e['traffic_gbs']:.2f} | "
                 f"{e['traffic_fraction_of_copy']:.0%} |")
    L += ["", "### Library vs hand-written / built-in (side by side)", "",
          "| comparison | model | N | backend | time ratio (min/min) | per-repeat ratios | "
          "library updates/s |", "|---|---|---:|---|---:|---|---:|"]
    for c in res["comparisons"]:
        what = "Brian2 library / hand-written" if c["kind"] == "brian2_vs_hand" else \
            "BrainPy library / brainpy.state built-in"
        L.append(f"| {what} | {c['model']} | {c['N']:.0e} | {c['backend']} | "
                 f"{c['ratio']:.3f} | {c['ratio_min']:.3f}..{c['ratio_max']:.3f} | "
                 f"{c['library']['updates_per_s']:.3g} |")
    if res["code_identity"]:
        L += ["", "Generated `cpp_standalone` code objects, library class vs hand-written "
              "(group name replaced): " + "; ".join(
                  f"{c['model']}: {'identical' if c['identical'] else 'DIFFERENT'} "
                  f"({', '.join(c['code_objects'])})" for c in res["code_identity"]) + "."]
    p = res["python_loop"]
    if p:
        L += ["", "### Per-neuron Python step() loop (seed-library style)", "",
              f"LIF, N = {p['N']}: Python loop {p['loop']['updates_per_s']:.3g} updates/s.", "",
              "| library backend | updates/s | speedup |", "|---|---:|---:|"]
        for e in p["library"]:
            L.append(f"| {e['backend']} | {e['updates_per_s']:.3g} | "
                     f"{p['speedup'][e['backend']]:.3g}x |")
    if res["networks"]:
        L += ["", "### Networks (cpp_standalone, 1 thread)", "",
              "| network | N | biological s | wall s (min) | s per biological s | spread | "
              "spikes | compile s |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
        for n in res["networks"]:
            L.append(f"| {n['network']} | {n['N']} | {n['bio_seconds']:g} | {n['min_s']:.3g} | "
                     f"{n['s_per_bio_s']:.3g} | {_g(n['spread'], '.0%')} | {n['spikes']} | "
                     f"{_g(n.get('compile_s'), '.1f')} |")
    lm = res.get("libm") or {}
    if "hh_calls" in lm:
        L += ["", f"Scalar libm cost in this run (Brian2's C++ flags, not vectorised, as in "
              f"Brian2's HH loop): exp {lm['exp_ns']:.1f} ns, expm1(x)/x {lm['expm1_ns']:.1f} "
              f"ns; an HH update makes {lm['hh_calls']['exp']} exp and "
              f"{lm['hh_calls']['expm1']} expm1 calls, {lm['hh_libm_ns_per_update']:.0f} ns, "
              f"so libm alone caps HH at {lm['hh_ceiling_updates_per_s']:.3g} updates/s "
              "per core."]
    L += ["", "### Targets (issue 5)", "", "| target | goal | measured | met |",
          "|---|---|---:|---|"]
    for t in res["targets"]:
        met = "n/a" if t["met"] is None else ("yes" if t["met"] else "**no**")
        L.append(f"| {t['target']} | {t['goal']} | {_g(t['measured'])} | {met} |")
    return "\n".join(L) + "\n"


def write_markdown(res, path):
    from ..crosschecking import _atomic_write

    return _atomic_write(path, markdown(res))
