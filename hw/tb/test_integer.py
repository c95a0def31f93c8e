"""cocotb testbench (HAND-WRITTEN): integer-model RTL == bit-true model, every cycle.

One or several cores of ``neuroplug export`` for integer models (``profile =
"integer"``) in one simulation: a single core as the top level, or the suite wrapper
of :func:`neuroplug.hw.intverify.suite_verilog` (ports ``<module>__<port>``, one clock,
reset and enable).  Driven by environment variables (``neuroplug.hw.intverify``):

NEUROPLUG_CORES   JSON list of {"spec": sidecar path, "prefix": port prefix,
                  "expect": "match" | "mismatch"}
NEUROPLUG_CYCLES  clock cycles to check (>= 10^4 for verify-hw)
NEUROPLUG_SEED    seed of the random stimulus
NEUROPLUG_RESULT  where to write the summary (JSON)

Every cycle, ``spike`` and every state tap of every core must equal the bit-true model
(:class:`neuroplug.hw.intmodel.IntegerModel`); the first mismatch fails the test with
its core, signal, cycle, expected and actual value.  A core marked ``"mismatch"`` (the
deliberately broken core of the test-suite) must show a mismatch instead.  The summary
counts, per core, spikes and the corners reached: each saturation bound (``min``/``max``
of a clip) that was active, each modulo that wrapped, each comparison seen both true
and false, and register wrap-arounds.
"""

from __future__ import annotations

import json
import os
import random
import sys

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge

sys.path.insert(0, os.environ["NEUROPLUG_HW_DIR"])
from intmodel import IntegerModel, corner_counter, stimulus_plan, wrap_signed


def _signed(value, width):
    """A port's value as a signed integer (1-bit ports come as a single Logic)."""
    raw = value.to_unsigned() if hasattr(value, "to_unsigned") else int(value)
    return wrap_signed(raw, width)


def _port(prefix, name):
    return getattr(_port.dut, prefix + name)


@cocotb.test()
async def rtl_equals_bittrue(dut):
    """Every output of every core equals its bit-true model on every cycle."""
    cores = json.loads(os.environ["NEUROPLUG_CORES"])
    cycles = int(os.environ.get("NEUROPLUG_CYCLES", "10000"))
    rng = random.Random(int(os.environ.get("NEUROPLUG_SEED", "1")))
    _port.dut = dut
    run = []
    for c in cores:
        with open(c["spec"]) as fh:
            spec = json.load(fh)
        model = IntegerModel(spec)
        ins = [(i["name"], _port(c["prefix"], i["port"])) for i in spec["inputs"]]
        outs = [(s["name"], _port(c["prefix"], s["port"]), s["width"])
                for s in spec["states"]]
        run.append({"spec": spec, "model": model, "ins": ins, "outs": outs,
                    "spike": _port(c["prefix"], "spike"), "expect": c.get("expect", "match"),
                    "corners": corner_counter(spec), "first": None, "spikes": 0,
                    "prefix": c["prefix"]})
    plan = stimulus_plan([r["spec"] for r in run], cycles, rng)
    cocotb.start_soon(Clock(dut.clk, 10, unit="ns").start())
    dut.rst.value = 1
    dut.en.value = 0
    for r in run:
        for _, sig in r["ins"]:
            sig.value = 0
    for cyc, (rst, en, values) in enumerate(plan):
        await FallingEdge(dut.clk)
        dut.rst.value = rst
        dut.en.value = en
        for r, vals in zip(run, values):
            for name, sig in r["ins"]:
                sig.value = vals[name]
        await RisingEdge(dut.clk)
        await ReadOnly()
        for r, vals in zip(run, values):
            model = r["model"]
            if rst:
                model.reset()
                exp = model.outputs()
            else:
                if en:
                    exp, nodes = model.step_nodes(vals)
                    r["corners"].add(nodes)
                else:
                    exp = model.step(vals, 0)
            got = {"spike": int(r["spike"].value)}
            for name, sig, width in r["outs"]:
                got[name] = _signed(sig.value, width)
            r["spikes"] += exp["spike"]
            if got != exp and r["first"] is None:
                bad = next(k for k in exp if got[k] != exp[k])
                r["first"] = {"signal": bad, "cycle": cyc, "expected": exp[bad],
                              "got": got[bad], "rst": rst, "en": en, "inputs": vals}
                if r["expect"] == "match":
                    break
        if any(r["first"] is not None and r["expect"] == "match" for r in run):
            break
    summary = {"cycles": len(plan), "cores": {}}
    for r in run:
        summary["cores"][r["spec"]["module"]] = {
            "model": r["spec"]["model"], "preset": r["spec"]["preset"],
            "expect": r["expect"], "first_mismatch": r["first"], "spikes": r["spikes"],
            "corners": r["corners"].summary()}
    with open(os.environ["NEUROPLUG_RESULT"], "w") as fh:
        json.dump(summary, fh, indent=1)
    for r in run:
        f = r["first"]
        mod = r["spec"]["module"]
        if r["expect"] == "match":
            assert f is None, (f"{mod}: signal {f['signal']} differs at cycle {f['cycle']}: "
                               f"expected {f['expected']}, got {f['got']} (rst={f['rst']} "
                               f"en={f['en']} inputs={f['inputs']})")
        else:
            assert f is not None, f"{mod}: the broken core was not caught"
