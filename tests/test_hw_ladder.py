"""The hardware verification ladder for every exportable model and preset.

(i) float map vs Brian2, (ii) bit-true vs float, (iii) RTL vs bit-true on Icarus
Verilog (every job) and Verilator (the LIF and the q8_8 profile), each in its own
build folder under tmp_path (safe under pytest-xdist).  ``EXPORTABLE`` lists the
models the exporter covers now; a library ``iaf`` joins automatically when present.
"""

import json

import pytest

import neuroplug
from neuroplug import cli
from neuroplug.hw.export import export
from neuroplug.hw.ladder import verify
from neuroplug.hw.sim import run_cocotb
from neuroplug.hw.export import HwOptions

from .hw_helpers import PERFECT, need

EXPORTABLE = [m for m in ("lif", "iaf", "izhikevich", "adex") if m in neuroplug.models()]
JOBS = [(m, p) for m in EXPORTABLE for p in [None] + list(neuroplug.model(m).presets)]
JOBS += [(PERFECT, None), (PERFECT, "fast")]


def _check(result):
    assert result.passed, result.report()
    names = [s.name for s in result.steps]
    assert any(n.startswith("(iii)") for n in names), names
    for s in result.steps:
        if s.name.startswith("(iii)"):
            m = s.metrics
            assert m["cycles"] >= 10_000 and m["mismatches"] == 0
            assert m["spikes"] > 0 and m["ovf_cycles"] > 0


@pytest.mark.parametrize("model, preset", JOBS,
                         ids=[f"{m.split('/')[-1]}-{p}" for m, p in JOBS])
def test_ladder_icarus(model, preset, tmp_path):
    need("icarus")
    r = verify(model, preset, sims=("icarus",), out=tmp_path)
    _check(r)
    assert [s.name.split()[0] for s in r.steps] == ["(i)", "(ii)", "(ii)", "(iii)"]
    sub = r.steps[1].metrics
    if sub["bound_lsb"] is None:   # n/a: the subthreshold state does not attract
        assert sub["rho"] >= 1.0
    else:
        assert sub["max_dv_lsb"] <= sub["bound_lsb"]


def test_ladder_q8_8_icarus(tmp_path):
    need("icarus")
    _check(verify("lif", None, sims=("icarus",), out=tmp_path, profile="q8_8"))


def test_ladder_verilator_lif_and_q8_8(tmp_path):
    need("verilator")
    _check(verify("lif", None, sims=("verilator",), out=tmp_path / "lif", steps=("iii",)))
    _check(verify("lif", "brunel2000", sims=("verilator",), out=tmp_path / "q",
                  profile="q8_8", steps=("iii",)))


@pytest.mark.parametrize("rounding, overflow", [("floor", "wrap"), ("toward_zero", "saturate"),
                                                ("half_up", "wrap")])
def test_rtl_equals_bittrue_for_every_rounding_and_overflow(rounding, overflow, tmp_path):
    need("icarus")
    from neuroplug.hw.export import _atomic_write, sidecar_json
    from neuroplug.hw.ir import build_map
    from neuroplug.hw.export import design
    from neuroplug.hw.verilog import verilog_source

    spec = design(build_map("adex", "adapting"), HwOptions(rounding=rounding, overflow=overflow))
    v, j = tmp_path / f"{spec['module']}.v", tmp_path / f"{spec['module']}.json"
    _atomic_write(v, verilog_source(spec))
    _atomic_write(j, sidecar_json(spec))
    r = run_cocotb(j, v, "icarus", build_dir=tmp_path / "build", cycles=10_000, seed=7)
    assert r["passed"], r
    assert r["spikes"] > 0 and r["ovf_cycles"] > 0


def test_cli_verify_hw(tmp_path, capsys):
    need("icarus")
    code = cli.main(["verify-hw", "lif", "--preset", "no_refractory", "--steps", "iii",
                     "--json", str(tmp_path / "r.json"), "--markdown", str(tmp_path / "r.md")])
    out, _ = capsys.readouterr()
    assert code == 0 and "PASS  (iii) RTL == bit-true [icarus]" in out
    (rec,) = json.loads((tmp_path / "r.json").read_text())
    assert rec["passed"] and rec["preset"] == "no_refractory"
    (row,) = [ln for ln in (tmp_path / "r.md").read_text().splitlines()
              if ln.startswith("| `lif[no_refractory]`")]
    m = rec["steps"][0]["metrics"]
    assert f"| {m['cycles']}: {m['spikes']} / " in row and row.endswith("| 0 LSB |")
    code = cli.main(["verify-hw", "lif", "--preset", "nope"])
    _, err = capsys.readouterr()
    assert code == 2 and "unknown preset 'nope'" in err


def test_markdown_table_shows_failures_and_figures():
    from neuroplug.hw.ladder import LadderResult, Step, markdown_table

    good = LadderResult("lif", None, None, [
        Step("(ii) subthreshold |dv|", True, "", {"max_dv_lsb": 46.14, "bound_lsb": 60.6}),
        Step("(iii) RTL == bit-true [icarus]", True, "",
             {"cycles": 10_000, "spikes": 113, "saturated_cycles": 370, "ovf_cycles": 371,
              "refractory_holds": 2143, "sim": "icarus"}),
        Step("(iii) RTL == bit-true [verilator]", False, "mismatch at cycle 17",
             {"sim": "verilator"})])
    refused = LadderResult("cuba_lif", None, None,
                           [Step("export", False, "export refused: state I_syn | events")])
    unbounded = LadderResult("adex", "irregular", None, [
        Step("(ii) subthreshold |dv|", True, "n/a",
             {"max_dv_lsb": 3.21, "bound_lsb": None, "rho": 1.0137})])
    rows = markdown_table([good, refused.to_dict(), unbounded]).splitlines()
    assert rows[0].endswith("| (iii) icarus | (iii) verilator |")
    assert rows[2] == ("| `lif` | **FAIL** | - | 46.1 / 60.6 LSB | - | "
                       "10000: 113 / 370 / 371 / 2143 | 0 LSB | **FAIL** |")
    assert rows[3].startswith("| `cuba_lif` | **FAIL** | export refused: state I_syn \\| events |")
    assert "| 3.2 LSB / n/a (rho = 1.0137) |" in rows[4]


def test_a_broken_rtl_is_caught(tmp_path):
    """Step (iii) can fail: one LSB changed in the leak constant of the Verilog is detected."""
    need("icarus")
    spec = export("lif", None, out=tmp_path)
    vpath, jpath = spec["files"]
    src = open(vpath).read()
    (i,) = [i for i, t in enumerate(spec["states"][0]["terms"]) if t["factors"] == ["v"]]
    line = next(ln for ln in src.splitlines() if f"V_T{i}_K =" in ln)
    literal = line.split("=")[1].split(";")[0].strip()          # e.g. -43'sh5185
    sign, rest = ("-", literal[1:]) if literal.startswith("-") else ("", literal)
    width, digits = rest.split("'sh")
    broken = f"{sign}{width}'sh{int(digits, 16) + 1:x}"
    open(vpath, "w").write(src.replace(line, line.replace(literal, broken)))
    r = run_cocotb(jpath, vpath, "icarus", build_dir=tmp_path / "b", cycles=10_000)
    assert not r["passed"] and "RTL" in r.get("error", "")
