"""Population cores (``neuroplug export MODEL --neurons N``): plan, refusals, lint,
synthesis, the bounded hazard proof and the cocotb comparison with N bit-true neurons.

Simulation budget: Verilator checks the LIF, Izhikevich and AdEx cores of 256
neurons in one build for ``VERILATOR_STEPS`` time steps together (>= 10^4 steps of
256 neurons: every neuron's state and the spikes on every step); Icarus runs each
core shorter, and a too-small N (below the pipeline depth) on both models.
``neuroplug verify-hw MODEL --neurons N --cycles STEPS`` runs longer checks.
"""

import json
import os
import subprocess

import pytest

from neuroplug import cli
from neuroplug.hw.bittrue import BitTrue
from neuroplug.hw.export import ExportError, HwOptions, design
from neuroplug.hw.ir import build_map
from neuroplug.hw.population import MAX_NEURONS, UP5K_DSP, export_population, plan, population_spec
from neuroplug.hw.population_model import PopulationBitTrue
from neuroplug.hw.population_sim import check_hazards, run_population, run_population_suite
from neuroplug.hw.sim import verilator_env

from .hw_helpers import need

MODELS = ("lif", "izhikevich", "adex")
#: time steps per core in the Verilator run (N = 256 each): 10^4 together
VERILATOR_STEPS = {"lif": 8000, "izhikevich": 1300, "adex": 700}
#: time steps per core on Icarus (N = 256; Icarus is ~50x slower per cycle here)
ICARUS_STEPS = {"lif": 30, "izhikevich": 10, "adex": 10}

_SPECS = {}


def spec_of(model):
    if model not in _SPECS:
        _SPECS[model] = design(build_map(model, None))
    return _SPECS[model]


def _export(model, n, folder):
    pop = export_population(model, None, n=n, out=folder)
    return pop, next(f for f in pop["files"] if f.endswith(".json"))


# ---------------------------------------------------------------- plan and refusals
@pytest.mark.parametrize("model, ii", [("lif", 1), ("izhikevich", 7), ("adex", 10)])
def test_plan_fits_the_up5k_dsps_and_respects_chains(model, ii):
    pl = plan(spec_of(model))
    assert pl.dsp <= UP5K_DSP and pl.ii == ii
    used = set()
    for o in pl.ops:
        assert 0 <= o.slot < pl.ii and 0 <= o.lane < pl.lanes
        assert (o.lane, o.slot) not in used
        used.add((o.lane, o.slot))
        for prod, kind in o.after:     # a chained product waits for its operand
            p = next(x for x in pl.ops if x.name == prod)
            assert o.slot >= p.slot + (pl.lm + 1 if kind == "chain" else pl.lm + 4)
    assert pl.depth == pl.ii + pl.lm + 5


def test_plan_with_more_dsps_and_with_fewer():
    lif = spec_of("lif")
    assert plan(lif, dsp_budget=4).ii == 2       # one lane of 4 products: 2 cycles
    assert plan(lif, dsp_budget=None).ii == 1
    # Izhikevich: the chain 0.004*v*v, not the DSP count, bounds II (>= product latency + 2)
    izh = plan(spec_of("izhikevich"), dsp_budget=16)
    assert izh.ii == izh.lm + 2 == 7
    assert plan(spec_of("izhikevich"), dsp_budget=16, levels_per_stage=2).ii == 6


@pytest.mark.parametrize("n", [0, -1, MAX_NEURONS + 1, 2.5, True])
def test_neuron_count_is_checked(n):
    with pytest.raises(ExportError, match="--neurons: expected an integer"):
        population_spec(spec_of("lif"), n)


def test_refuses_the_q8_8_profile_and_wide_inputs():
    from neuroplug.hw.q88 import q88_spec

    with pytest.raises(ExportError, match="q8_8 profile has no population core"):
        population_spec(q88_spec("lif", None), 8)
    from neuroplug.hw.fixedpoint import QFormat

    wide = design(build_map("lif", None), HwOptions(formats={"I": QFormat(24, 12)}))
    with pytest.raises(ExportError, match="at most 32 bits"):
        population_spec(wide, 8)


def test_cli_export_writes_the_core_and_refuses_bad_arguments(tmp_path, capsys):
    code = cli.main(["export", "lif", "--neurons", "300", "--out", str(tmp_path / "ok")])
    out, _ = capsys.readouterr()
    assert code == 0 and "np_lif_pop" in out and "N = 300" in out
    names = sorted(p.name for p in (tmp_path / "ok").iterdir())
    assert names == ["np_lif_pop.json", "np_lif_pop.v", "np_pop_ctrl.v", "np_pop_fifo.v"]
    pop = json.loads((tmp_path / "ok" / "np_lif_pop.json").read_text())
    assert pop["population"]["neurons"] == 300 and pop["population"]["ii"] == 1
    assert "parameter integer N = 300" in (tmp_path / "ok" / "np_lif_pop.v").read_text()
    for args, msg in ((["--neurons", "0"], "expected an integer 1..65536, found 0"),
                      (["--neurons", "70000"], "found 70000"),
                      (["--neurons", "8", "--format", "q8_8"], "q8_8 profile")):
        bad = tmp_path / "bad"
        code = cli.main(["export", "lif", *args, "--out", str(bad)])
        _, err = capsys.readouterr()
        assert code == 2 and msg in err and len(err.strip().splitlines()) == 1, err
        assert not bad.exists() or not any(bad.iterdir())
    code = cli.main(["verify-hw", "--all", "--neurons", "8"])
    _, err = capsys.readouterr()
    assert code == 2 and "give one MODEL" in err
    code = cli.main(["verify-hw", "lif", "--neurons", "8", "--steps", "i"])
    _, err = capsys.readouterr()
    assert code == 2 and "--steps and --markdown apply to the single-neuron ladder" in err


def test_population_model_is_n_independent_bittrue_neurons():
    spec = spec_of("lif")
    pop = PopulationBitTrue(spec, 3)
    one = BitTrue(spec)
    pop.set_input(1, 400 << 12)
    pop.set_input(2, (1 << 40) + 5)             # a beat's low bits count
    assert pop.inputs[2]["I"] == 5
    for _ in range(300):
        spikes = pop.step()
        ref = one.step({"I": 400 << 12})
        assert (1 in spikes) == bool(ref["spike"]) and 0 not in spikes
        assert pop.neurons[1].x == one.x and pop.neurons[1].count == one.count


# ---------------------------------------------------------------- RTL checks
def _lint(paths, top):
    full = dict(os.environ, **(verilator_env() or {}))
    r = subprocess.run(["verilator", "--lint-only", "-Wall", "--top-module", top,
                        *map(str, paths)], capture_output=True, text=True, env=full, check=False)
    return r.returncode, r.stdout + r.stderr


@pytest.mark.parametrize("model", MODELS)
def test_generated_core_is_verilator_lint_wall_clean(model, tmp_path):
    need("verilator")
    pop, _ = _export(model, 256, tmp_path)
    srcs = [f for f in pop["files"] if f.endswith(".v")]
    code, text = _lint(srcs, pop["module"])
    assert code == 0 and "%Warning" not in text and "%Error" not in text, text


@pytest.mark.parametrize("model", ["lif", "izhikevich"])
def test_synthesis_for_up5k_without_latches_uses_bram_and_at_most_8_dsps(model, tmp_path):
    need("yosys")
    from neuroplug.hw.pnr import synth_core

    pop, _ = _export(model, 1024, tmp_path)
    cells = synth_core([f for f in pop["files"] if f.endswith(".v")], pop["module"])
    assert 0 < cells["DSP"] <= UP5K_DSP, cells
    # states and inputs of 1024 neurons are in block RAM, not flip-flops
    assert cells["BRAM"] >= 8 and cells["FF"] < 3000, cells


def test_latch_check_of_the_core_synthesis_can_fail(tmp_path):
    need("yosys")
    from neuroplug.hw.pnr import synth_core

    v = tmp_path / "latchy.v"
    v.write_text("module latchy(input wire en, input wire d, output reg q);\n"
                 "  always @* if (en) q = d;\nendmodule\n")
    with pytest.raises(RuntimeError, match="yosys failed"):
        synth_core([v], "latchy")


def test_hazard_proof_holds_with_the_interlock_and_fails_without():
    """Bounded proof on np_pop_ctrl.v: no neuron is read while its update is in flight.

    N * II <= D needs the interlock (without it the check finds the hazard); with
    N * II > D round-robin order alone is safe."""
    need("yosys")
    assert check_hazards(3, 1, 6, interlock=True, steps=16)["proved"]
    assert not check_hazards(3, 1, 6, interlock=False, steps=16)["proved"]
    assert check_hazards(3, 2, 5, interlock=False, steps=18)["proved"]
    assert not check_hazards(4, 2, 9, interlock=False, steps=18)["proved"]


def _assert_ran(r, steps):
    assert r.get("passed", True), r.get("error")   # a suite's per-core summaries: no key
    assert r["mismatches"] == 0 and r["steps"] == steps
    assert r["spikes"] > 0 and r["saturated"] > 0 and r["ovf_steps"] > 0


@pytest.mark.parametrize("model", MODELS)
def test_icarus_256_neurons_equal_bittrue(model, tmp_path):
    need("icarus")
    _, sidecar = _export(model, 256, tmp_path)
    r = run_population(sidecar, "icarus", steps=ICARUS_STEPS[model])
    _assert_ran(r, ICARUS_STEPS[model])


@pytest.mark.parametrize("model, n", [("lif", 3), ("izhikevich", 2)])
def test_fewer_neurons_than_pipeline_stages_are_handled(model, n, tmp_path):
    """N * II <= D: the interlock holds reads back; still bit-exact, FIFO of 2 stalls."""
    need("icarus")
    pop, sidecar = _export(model, n, tmp_path)
    assert n * pop["population"]["ii"] <= pop["population"]["depth"]
    r = run_population(sidecar, "icarus", steps=150, fifo_aw=1)
    _assert_ran(r, 150)
    assert r["stall_cycles"] > 0 and r["beats_held_back"] > 0
    if model == "lif":
        assert r["refractory_holds"] > 0


def test_verilator_lif_izhikevich_adex_256_neurons_10k_steps(tmp_path):
    """One Verilator build, three cores, every state and spike of every step."""
    need("verilator")
    cores = {}
    for model in MODELS:
        _, sidecar = _export(model, 256, tmp_path / model)
        cores[model[:3]] = (sidecar, VERILATOR_STEPS[model])
    r = run_population_suite(cores, "verilator", build_dir=tmp_path / "build")
    assert r["passed"], r.get("error")
    assert sum(x["steps"] for x in r["results"]) >= 10_000 - sum(ICARUS_STEPS.values())
    for x, model in zip(r["results"], MODELS):
        _assert_ran(x, VERILATOR_STEPS[model])
        assert x["neurons"] == 256 and x["stall_cycles"] > 0 and x["beats_held_back"] > 0
    assert r["results"][0]["refractory_holds"] > 0


def test_a_one_lsb_change_in_the_core_is_caught(tmp_path):
    """The comparison can fail: the folded constant of v, one accumulator LSB off."""
    import re

    need("icarus")
    _, sidecar = _export("lif", 16, tmp_path)
    vpath = tmp_path / "np_lif_pop.v"
    text = vpath.read_text()
    m = re.search(r"(C_V = )(-?)(\d+)'sh([0-9a-f]+);", text)
    value = (-1 if m.group(2) else 1) * int(m.group(4), 16) + 1
    lit = f"-{m.group(3)}'sh{-value:x}" if value < 0 else f"{m.group(3)}'sh{value:x}"
    vpath.write_text(text.replace(m.group(0), f"{m.group(1)}{lit};"))
    r = run_population(sidecar, "icarus", steps=5)
    assert not r["passed"] and "!= bit-true" in r.get("error", ""), r


@pytest.mark.parametrize("opts", [HwOptions(overflow="wrap", rounding="floor"),
                                  HwOptions(rounding="toward_zero")],
                         ids=["wrap-floor", "toward_zero"])
def test_other_rounding_and_overflow_are_bit_exact(opts, tmp_path):
    need("icarus")
    pop = export_population("izhikevich", None, n=4, out=tmp_path, opts=opts)
    assert pop["rounding"] == opts.rounding and pop["overflow"] == opts.overflow
    r = run_population(tmp_path / "np_izhikevich_pop.json", "icarus", steps=60)
    assert r["passed"], r.get("error")
    assert r["mismatches"] == 0 and r["spikes"] > 0 and r["ovf_steps"] > 0


def test_place_and_route_wrapper_compiles_with_the_core(tmp_path):
    """The one-pin wrapper of ``python -m neuroplug.hw.pnr`` (no nextpnr needed here)."""
    need("iverilog")
    from neuroplug.hw.pnr import wrapper_verilog

    pop, _ = _export("adex", 64, tmp_path)
    (tmp_path / "pnr_wrap.v").write_text(wrapper_verilog(pop))
    srcs = [f for f in pop["files"] if f.endswith(".v")] + [str(tmp_path / "pnr_wrap.v")]
    r = subprocess.run(["iverilog", "-g2005", "-Wall", "-s", "pnr_wrap", "-o",
                        str(tmp_path / "a.out"), *srcs], capture_output=True, text=True,
                       check=False)
    assert r.returncode == 0, r.stderr
