"""cocotb testbench (HAND-WRITTEN): RTL == bit-true model, every output, every cycle.

Driven by environment variables that ``neuroplug.hw.sim.run_cocotb`` sets:

NEUROPLUG_SPEC    the JSON sidecar of the module under test
NEUROPLUG_CYCLES  clock cycles to check (>= 10^4 for the verification ladder)
NEUROPLUG_SEED    seed of the random stimulus
NEUROPLUG_RESULT  where to write the summary (JSON)

The stimulus mixes random piecewise-constant inputs around the characterised range,
random single-cycle input noise, ``en`` gaps, a reset in the middle of the run and
full-range inputs that drive the state into saturation.  Every cycle the registered
outputs (spike, every state tap, ovf) must equal the bit-true model's exactly; the
test also asserts that spikes, saturation/overflow and (where the model has one)
the refractory hold really occurred.
"""

from __future__ import annotations

import json
import os
import random
import sys

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge

# the bit-true model is plain Python: load it without importing neuroplug (and Brian2)
sys.path.insert(0, os.environ["NEUROPLUG_HW_DIR"])
from bittrue import BitTrue, SeedQ88LIF, port_name  # noqa: E402


def _load():
    with open(os.environ["NEUROPLUG_SPEC"]) as fh:
        spec = json.load(fh)
    cycles = int(os.environ.get("NEUROPLUG_CYCLES", "10000"))
    rng = random.Random(int(os.environ.get("NEUROPLUG_SEED", "1")))
    return spec, cycles, rng


def _write_result(summary):
    path = os.environ.get("NEUROPLUG_RESULT")
    if path:
        with open(path, "w") as fh:
            json.dump(summary, fh, indent=1)


def _plan(cycles, rng, levels, full_lo, full_hi):
    """Per-cycle (rst, en, value): the stimulus of the whole run."""
    plan = [(1, 0, 0), (1, 1, 0)]
    n_main = int(cycles * 0.6)
    while len(plan) < n_main:
        level = rng.choice(levels)
        for _ in range(rng.randint(50, 600)):
            jitter = rng.randint(-abs(level) // 64 - 1, abs(level) // 64 + 1)
            en = 0 if rng.random() < 0.1 else 1
            plan.append((0, en, level + jitter))
    plan += [(1, 1, 0), (0, 0, 0), (0, 1, levels[-1])]          # reset mid-run
    plan += [(0, 1, levels[-1])] * 200
    while len(plan) < int(cycles * 0.8):                         # full-range random inputs
        plan.append((0, 1 if rng.random() < 0.95 else 0, rng.randint(full_lo, full_hi)))
    plan += [(0, 1, full_hi)] * 300 + [(0, 1, full_lo)] * 300    # saturate both ways
    while len(plan) < cycles:
        plan.append((0, 1, rng.choice(levels)))
    return plan[:cycles]


async def _cycle(dut, drive):
    await FallingEdge(dut.clk)
    for sig, val in drive.items():
        getattr(dut, sig).value = val
    await RisingEdge(dut.clk)
    await ReadOnly()


def _signed(sig):
    return sig.value.to_signed()


@cocotb.test()
async def rtl_equals_bittrue(dut):
    """Every output equals the bit-true model on every cycle."""
    spec, cycles, rng = _load()
    if spec.get("profile") == "q8_8":
        await _q88(dut, spec, cycles, rng)
        return
    model = BitTrue(spec)
    inp = spec["inputs"][0]
    iport = port_name(inp["name"], True)
    fmt = inp["format"]
    lo, hi = -(1 << (fmt["width"] - 1)), (1 << (fmt["width"] - 1)) - 1
    scale = 2 ** fmt["frac_bits"]
    stims = spec["characterisation"]["stimuli"]
    levels = sorted({max(lo, min(hi, round(a * scale))) for a in stims})
    plan = _plan(cycles, rng, levels, lo, hi)
    states = [s["name"] for s in spec["states"]]
    smin = {s["name"]: -(1 << (s["format"]["width"] - 1)) for s in spec["states"]}
    smax = {s["name"]: (1 << (s["format"]["width"] - 1)) - 1 for s in spec["states"]}
    cocotb.start_soon(Clock(dut.clk, 10, unit="ns").start())
    dut.rst.value = 1
    dut.en.value = 0
    getattr(dut, iport).value = 0
    spikes = sat = holds = ovf_cycles = 0
    for c, (rst, en, val) in enumerate(plan):
        await _cycle(dut, {"rst": rst, "en": en, iport: val})
        holds += int(bool(en and not rst and model.count != 0))
        if rst:
            model.reset()
            exp = model.outputs()
        else:
            exp = model.step({inp["name"]: val}, en)
        got = {"spike": int(dut.spike.value), "ovf": int(dut.ovf.value)}
        for n in states:
            got[n] = _signed(getattr(dut, port_name(n, False)))
        assert got == exp, f"cycle {c}: RTL {got} != bit-true {exp} (rst={rst} en={en} in={val})"
        spikes += exp["spike"]
        sat += any(exp[n] in (smin[n], smax[n]) for n in states)
        ovf_cycles += exp["ovf"]
    summary = {"module": spec["module"], "cycles": len(plan), "spikes": spikes,
               "saturated_cycles": sat, "ovf_cycles": ovf_cycles, "refractory_holds": holds,
               "mismatches": 0}
    _write_result(summary)
    assert spikes > 0, "no spike occurred: the test proves nothing about the spike path"
    assert ovf_cycles > 0, "overflow (saturation or wrap) was never reached"
    if spec["overflow"] == "saturate":
        assert sat > 0, "saturation was never reached"
    if spec["refractory_hold"]:
        assert holds > 0, "the refractory hold never occurred"


async def _q88(dut, spec, cycles, rng):
    p = spec["parameters"]
    ports = spec["ports"]
    model = SeedQ88LIF(p["DATA_WIDTH"], p["FRACTION"], p["V_REST"], p["V_RESET"],
                       p["V_THRESHOLD"], p["REFRACTORY_PERIOD"])
    W = p["DATA_WIDTH"]
    lo, hi = -(1 << (W - 1)), (1 << (W - 1)) - 1
    cocotb.start_soon(Clock(dut.clk, 10, unit="ns").start())
    spikes = wraps = holds = 0
    seed_vector = [(1, 0, 0, 0, 0, 0), (0, 1, 240, 16, 100, 0)]   # the seed's docstring call
    plan = list(seed_vector)
    while len(plan) < cycles:
        r = rng.random()
        if r < 0.5:      # the model's own constants with a step input
            i_t = rng.choice([0, 64, 128, 256, 512, 1024]) + rng.randint(-8, 8)
            plan.append((0, 1 if rng.random() > 0.1 else 0, ports["leak_k"], ports["gain_k"],
                         i_t, 0))
        elif r < 0.98:   # arbitrary constants, inputs and noise (wrap-around reached)
            plan.append((0, 1, rng.randint(lo, hi), rng.randint(lo, hi), rng.randint(lo, hi),
                         rng.randint(-64, 64)))
        else:
            plan.append((1, rng.randint(0, 1), 0, 0, 0, 0))
    for c, (rst, en, lk, gk, it, nz) in enumerate(plan[:cycles]):
        await _cycle(dut, {"rst": rst, "en": en, "leak_k": lk, "gain_k": gk, "i_in": it,
                           "noise_in": nz})
        if rst:
            model.reset()
            exp_spike, exp_v, exp_ovf = 0, model.v, 0
            ovf = 0
        else:
            was_refr = model.count > 0
            if en and not was_refr:
                s = (model.v_rest - model.v) * lk >> model.F
                total = model.v + s + (it * gk >> model.F) + nz
                ovf = ovf or not (lo <= total <= hi)
            exp_spike, exp_v = model.step(lk, gk, it, nz, en)
            exp_ovf = int(ovf)
            holds += int(en and was_refr)
        got = (int(dut.spike.value), _signed(dut.v), int(dut.ovf.value))
        assert got == (exp_spike, exp_v, exp_ovf), \
            f"cycle {c}: RTL {got} != seed model {(exp_spike, exp_v, exp_ovf)}"
        spikes += exp_spike
        wraps += exp_ovf
    summary = {"module": spec["module"], "cycles": cycles, "spikes": spikes,
               "saturated_cycles": 0, "ovf_cycles": wraps, "refractory_holds": holds,
               "mismatches": 0}
    _write_result(summary)
    assert spikes > 0 and wraps > 0 and holds > 0, summary
