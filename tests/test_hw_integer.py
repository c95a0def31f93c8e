"""Integer chip models in hardware (issue 13, item 5): ``neuroplug export`` compiles the
model's own statements into a bit-true model and a Verilog module; the library model
in Brian2 == bit-true == RTL at 0 LSB; lint, synthesis, refusals.

Simulation budget: ONE Verilator build holds every core (each model's default and the
presets that take other branches) plus a deliberately broken core, and runs them all
for ``VERILATOR_CYCLES`` (>= 10^4) cycles together; Icarus runs a short suite;
``neuroplug verify-hw MODEL --sim icarus --sim verilator`` runs the long checks of one
model.
"""

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

import neuroplug
from neuroplug import cli
from neuroplug.hw.export import ExportError, HwOptions, export
from neuroplug.hw.integer import IntegerExportError, _magic, integer_spec, integer_verilog
from neuroplug.hw.intmodel import IntegerModel
from neuroplug.hw.intverify import brian2_check, corner_failures, run_integer_sim
from neuroplug.hw.sim import verilator_env
from neuroplug.library import library_dir

from .hw_helpers import need

#: one worker runs the module, so the exports and the Verilator build happen once
pytestmark = pytest.mark.xdist_group("test_hw_integer")

#: every integer / fixed-point model of the hardware family
MODELS = ("fixed_point_lif", "loihi_cuba", "loihi2_cuba", "loihi2_rf", "spinnaker_lif",
          "truenorth", "q88_adex", "akida")
#: hardware-family maps that are not integer arithmetic: refused, with the reason
REFUSED = {
    "adex_normalised": r"the initial value of 'v' \(0.3\) is not an integer",
    "conductance_normalised": r"the initial value of 'v' \(0.3\) is not an integer",
    "sc_lif": r"statement 'v_int = v - \(v - v_rest\)\*h/tau_m \+ R\*input_scale\*bit\*h': "
              r"adds to the quotient of a division by 20, which Brian2 rounds in float64",
    "sc_izhikevich": r"statement 'v = v1 \+ dv2\*h/2 \+ noise_std\*randn\(\)': the model draws "
                     r"random numbers",
    "spinnaker2": r"statement 'v = alpha_decay\*v \+ I \+ i_offset': the value assigned to "
                  r"state 'v' is not an integer",
}
#: the cores of the shared simulation: each model's default and presets that take the
#: branches the default folds away (refractory hold, periodic reset, TrueNorth's
#: stochastic synapse / leak / threshold, linear and negative-threshold resets)
CORES = [(m, None) for m in MODELS] + [
    ("fixed_point_lif", "seed_example"), ("loihi_cuba", "refractory"),
    ("loihi2_cuba", "reset_window"), ("loihi2_rf", "lava_docstring"),
    ("spinnaker_lif", "spynnaker_example"), ("truenorth", "stochastic_threshold"),
    ("truenorth", "stochastic_synapse"), ("truenorth", "stochastic_leak"),
    ("truenorth", "integrator"), ("truenorth", "class1"), ("akida", "binary")]
VERILATOR_CYCLES = 10_000
ICARUS_CYCLES = 300


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """Every core exported once: {(model, preset): spec with its files}."""
    root = tmp_path_factory.mktemp("integer")
    return {(m, p): export(m, p, out=root / f"{m}_{p}") for m, p in CORES}


def _cores(exported, keys):
    return [{"spec": exported[k]["files"][1], "verilog": exported[k]["files"][0]}
            for k in keys]


# ---------------------------------------------------------------- compiler
def test_every_hardware_map_is_exported_or_refused():
    hw = [mid for mid in neuroplug.models() if neuroplug.model(mid).family == "hardware"
          and neuroplug.model(mid).kind == "map"]
    assert set(hw) == set(MODELS) | set(REFUSED), sorted(hw)


@pytest.mark.parametrize("mid", sorted(REFUSED))
def test_refusal_names_model_and_statement(mid, tmp_path):
    with pytest.raises(IntegerExportError, match=REFUSED[mid]) as err:
        export(mid, out=tmp_path)
    assert f"model '{mid}'" in str(err.value) and "\n" not in str(err.value)
    assert not list(tmp_path.iterdir())        # nothing written
    assert cli.main(["export", mid, "--out", str(tmp_path)]) == 2



@pytest.mark.parametrize("command", ["export", "verify-hw"])
def test_population_option_refused_for_integer_models(command, tmp_path, capsys):
    """--neurons (population cores) exists for the float models' fixed-point exports only:
    one line saying so, exit 2, nothing written."""
    assert cli.main([command, "akida", "--neurons", "16", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert "integer map model" in err and "--neurons" in err and "\n" not in err
    assert not list(tmp_path.iterdir())

def _toml(tmp_path, update, threshold="v > 100", reset="v = 0"):
    text = (Path(library_dir()) / "fixed_point_lif.toml").read_text()
    text = re.sub(r'update = """.*?"""', f'update = """\n{update}\n"""', text, flags=re.DOTALL)
    text = re.sub(r'threshold = ".*?"', f'threshold = "{threshold}"', text)
    text = re.sub(r'reset = """.*?"""', f'reset = """\n{reset}\n"""', text, flags=re.DOTALL)
    text = re.sub(r"\[crosscheck\.corners\].*", "", text, flags=re.DOTALL)
    path = tmp_path / "probe.toml"
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize("update, why", [
    ("v = v // (cnt + 1)", r"statement 'v = v // \(cnt \+ 1\)': '//' by a variable"),
    ("v = v % (cnt + 1)", r"'%' by a variable"),
    ("v = v + shift_right(I, cnt)", r"shift_right\(\) needs an integer constant"),
    ("v = int(I*0.1)", r"multiplies a variable by the constant 0.1, which float64 holds only "
                       r"approximately"),
    ("v = int(1.0*I/3 + 1)", r"adds to the quotient of a division by 3, which Brian2 rounds"),
    ("v = int(1.0*I/0.3)", r"divides by the non-integer constant 0.3"),
])
def test_refuses_what_has_no_exact_integer_form(tmp_path, update, why):
    with pytest.raises(IntegerExportError, match=why):
        integer_spec(_toml(tmp_path, update))


def test_float_expressions_of_integers_compile_exactly(tmp_path):
    """int(1.0*x/4096) truncates, floor(x/4096.0) floors, % follows Python, 2**k folds,
    constants fold in float64 as Brian2 computes them."""
    # floor(0.7*10) is 7 in Brian2's float64 (the exact product of the double 0.7 is 6.99..)
    path = _toml(tmp_path, "v = int(1.0*I/4096) + 0*noise + int(floor(0.7*10)) - 7\n"
                 "cnt = int(floor(1.0*I/4096))\nheld = (I + 3) % 7 - 3\n"
                 "ovf = int(1.0*I*2**3/16)",
                 threshold="v > 2**20", reset="v = v")
    bt = IntegerModel(integer_spec(path))
    for x in (-8193, -4097, -4096, -1, 0, 1, 4095, 4096, 9000, -9000, 7, -7):
        out = bt.step({"I": x})
        assert out["v"] == int(x / 4096) and out["cnt"] == x // 4096
        assert out["held"] == (x + 3) % 7 - 3 and out["ovf"] == int(x / 2)


@pytest.mark.parametrize("d", [3, 7, 10, 127773, 2 ** 31 - 1])
def test_division_by_a_constant_is_an_exact_reciprocal(d):
    import random

    rng = random.Random(d)
    for xmax in (d - 1, d, 1000, 2 ** 20, 2 ** 34, 2 ** 40):
        m, s = _magic(d, xmax)
        for x in [0, 1, d - 1, min(d, xmax), xmax] + [rng.randint(0, xmax) for _ in range(500)]:
            if x <= xmax:
                assert (x * m) >> s == x // d


def test_widths_come_from_the_interval_analysis(exported):
    w = {(m, s["name"]): (s["width"], s["lo"], s["hi"], s["wraps"])
         for (m, p), spec in exported.items() if p is None for s in spec["states"]}
    assert w["fixed_point_lif", "v"] == (16, -32768, 32767, False)   # wrap(.., 16)
    assert w["fixed_point_lif", "cnt"][1:3] == (0, 2)                 # the refractory counter
    assert w["loihi_cuba", "v"][0] == 24 and w["loihi2_rf", "real"][0] == 24   # clip
    assert w["truenorth", "V"] == (20, -524288, 524287, False)
    assert w["q88_adex", "v"][0] == 16
    # 32-bit inputs can push Loihi's u past 24 bits (64*a_in): int64 register, as Brian2
    assert w["loihi_cuba", "u"][0] == 64 and w["loihi_cuba", "u"][3]


def test_sidecar_round_trips_and_bittrue_runs_from_it(exported):
    spec = exported["fixed_point_lif", None]
    again = json.loads(Path(spec["files"][1]).read_text())
    assert again["profile"] == "integer" and again["nodes"] == spec["nodes"]
    a, b = IntegerModel(again), IntegerModel(spec)
    for k in range(300):
        assert a.step({"I": 700, "noise": k % 5}) == b.step({"I": 700, "noise": k % 5})
    assert sum(IntegerModel(spec).step({"I": 700})["spike"] for _ in range(300)) > 0
    text = Path(spec["files"][0]).read_text()
    assert text == integer_verilog(again) and "GENERATED" in text


def test_export_takes_no_fixed_point_options(tmp_path):
    with pytest.raises(ExportError, match="do not apply to an integer map model"):
        export("loihi_cuba", out=tmp_path, opts=HwOptions(width=16))
    with pytest.raises(ExportError, match="q8_8"):
        export("loihi_cuba", out=tmp_path, profile="q8_8")


# ---------------------------------------------------------------- Brian2 == bit-true
@pytest.mark.parametrize("mid", MODELS)
def test_library_model_in_brian2_equals_bittrue(mid, exported):
    r = brian2_check(mid, None, exported[mid, None], steps=10_000)
    assert r["passed"], r["first_mismatch"]
    assert r["steps"] == 10_000 and sum(r["spikes"]) > 0
    for name, c in r["corners"].items():       # fixed_point_lif declares its corners
        assert c["reached"], name


def test_brian2_check_can_fail(exported):
    spec = json.loads(json.dumps(exported["q88_adex", None]))
    spec["states"][0]["init"] += 1                    # v starts 1 LSB off
    r = brian2_check("q88_adex", None, spec, steps=50)
    f = r["first_mismatch"]
    assert not r["passed"] and f["signal"] == "v" and f["step"] == 0
    assert f["bittrue"] == f["brian2"] + 1 or f["bittrue"] != f["brian2"]


# ---------------------------------------------------------------- lint, synthesis
def _lint(paths, top=None):
    full = dict(os.environ, **(verilator_env() or {}))
    cmd = ["verilator", "--lint-only", "-Wall"] + (["--top-module", top] if top else [])
    r = subprocess.run(cmd + [str(p) for p in paths], capture_output=True, text=True,
                       env=full, check=False)
    return r.returncode, r.stdout + r.stderr


def test_every_core_is_verilator_lint_wall_clean(exported):
    need("verilator")
    dirty = []
    for key, spec in exported.items():
        code, text = _lint([spec["files"][0]])
        if code != 0 or "%Warning" in text or "%Error" in text:
            dirty.append(f"{key}: {text}")
    assert not dirty, "\n".join(dirty)


@pytest.mark.parametrize("mid", ["fixed_point_lif", "q88_adex"])
def test_synthesises_for_ice40_without_latches(mid, exported):
    need("yosys")
    from neuroplug.hw.synth import synthesize

    spec = exported[mid, None]
    cells = synthesize(Path(spec["files"][0]), spec["module"], "ice40")
    assert cells["LUT"] > 0 and cells["FF"] >= 16     # at least the 16-bit v register


# ---------------------------------------------------------------- RTL == bit-true
def _broken(exported, folder):
    """fixed_point_lif with v stored 1 LSB high: a core the check must reject."""
    spec = json.loads(json.dumps(exported["fixed_point_lif", None]))
    spec["module"] = "np_int_broken_lif"
    src = Path(exported["fixed_point_lif", None]["files"][0]).read_text()
    src = src.replace("module np_int_fixed_point_lif (", "module np_int_broken_lif (")
    v = next(s for s in spec["states"] if s["name"] == "v")
    reg = re.search(r"assign v = (np_r\d+);", src).group(1)
    line = re.search(rf"{reg} <= (np_n\d+);", src)
    src = src.replace(line.group(0), f"{reg} <= {line.group(1)} + 16'sd1;")
    assert v["width"] == 16 and src.count(" + 16'sd1;") == 1
    folder.mkdir(exist_ok=True)
    (folder / "np_int_broken_lif.v").write_text(src)
    (folder / "np_int_broken_lif.json").write_text(json.dumps(spec))
    return {"spec": str(folder / "np_int_broken_lif.json"),
            "verilog": str(folder / "np_int_broken_lif.v"), "expect": "mismatch"}


def _check_suite(r, keys, exported, cycles):
    assert r["cycles"] == cycles, r.get("error")
    for k in keys:
        core = r["cores"][exported[k]["module"]]
        assert core["first_mismatch"] is None, (k, core["first_mismatch"])
        assert not corner_failures(core), (k, corner_failures(core), core)


def test_one_verilator_build_proves_every_core_bit_exact(exported, tmp_path):
    """>= 10^4 cycles of every core on Verilator, 0 LSB on spike and every state, corners
    reached; the broken core is rejected naming signal, cycle, expected and actual."""
    need("verilator")
    keys = list(exported)
    cores = _cores(exported, keys) + [_broken(exported, tmp_path / "broken")]
    r = run_integer_sim(cores, "verilator", build_dir=tmp_path / "vl", cycles=VERILATOR_CYCLES)
    assert r["passed"], r.get("error")
    _check_suite(r, keys, exported, VERILATOR_CYCLES)
    bad = r["cores"]["np_int_broken_lif"]["first_mismatch"]
    assert bad["signal"] == "v" and bad["got"] == bad["expected"] + 1, bad
    assert bad["cycle"] < 5
    # every comparison of every core was seen true and false: refractory counters,
    # Lava's reset window, Loihi's 24-bit wrap tests, TrueNorth's stochastic draws ...
    for k in keys:
        c = r["cores"][exported[k]["module"]]["corners"]["comparisons"]
        assert c["ops"] and c["both_ways"] == c["ops"], (k, c)


def test_icarus_short_suite_and_a_mismatch_fails_the_run(exported, tmp_path):
    need("icarus")
    keys = [(m, None) for m in MODELS]
    r = run_integer_sim(_cores(exported, keys), "icarus", build_dir=tmp_path / "ic",
                        cycles=ICARUS_CYCLES)
    assert r["passed"], r.get("error")
    assert r["cycles"] == ICARUS_CYCLES
    for k in keys:
        assert r["cores"][exported[k]["module"]]["first_mismatch"] is None
    # a broken core expected to match fails the run, naming the signal and the cycle
    broken = dict(_broken(exported, tmp_path / "broken"), expect="match")
    r = run_integer_sim([broken], "icarus", build_dir=tmp_path / "ic2", cycles=50)
    assert not r["passed"]
    assert re.search(r"np_int_broken_lif: signal v differs at cycle \d+: expected -?\d+, "
                     r"got -?\d+", r["error"]), r["error"]


def test_verify_hw_command(tmp_path, capsys):
    need("icarus")
    rc = cli.main(["verify-hw", "q88_adex", "--cycles", "400", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert rc == 0, out
    assert "(a) Brian2 == bit-true" in out and "(b) RTL == bit-true [icarus]" in out
    assert "400 cycles: 0 LSB on spike and every state" in out


def test_verify_hw_all_includes_every_integer_model_and_preset():
    from neuroplug.hw.intverify import integer_jobs

    jobs = integer_jobs()
    for mid in MODELS:
        presets = {p for m, p, _ in jobs if m == mid}
        assert presets == {None, *neuroplug.model(mid).presets}, mid
    assert not {m for m, _, _ in jobs} & set(REFUSED)
