"""Export: the IR's folded constants, the sidecar, refusals with clear errors, lint, CLI."""

import hashlib
import json
import math
import subprocess

import pytest

from neuroplug import cli
from neuroplug.hw.bittrue import BitTrue
from neuroplug.hw.export import ExportError, ExportWarning, HwOptions, design, export
from neuroplug.hw.fixedpoint import QFormat
from neuroplug.hw.ir import NotExportable, build_map
from neuroplug.hw.sim import verilator_env

from .hw_helpers import PERFECT, need


def test_lif_exact_map_folds_the_decay_factor():
    ir = build_map("lif")
    terms = {t.factors: t.coef for t in ir.states["v"].terms}
    P = math.exp(-0.1 / 10.0)                       # dt = 0.1 ms, tau_m = 10 ms
    assert terms[("v",)] == pytest.approx(P - 1, rel=1e-12)
    assert terms[()] == pytest.approx((1 - P) * -70.0, rel=1e-12)         # mV
    assert terms[("I",)] == pytest.approx((1 - P) * 10.0 / 250.0, rel=1e-12)  # mV per pA
    assert ir.refractory_steps == 20 and ir.refractory_hold == 19


def test_izhikevich_euler_map_and_adex_exponential_euler():
    terms = {t.factors: t.coef for t in build_map("izhikevich", "RS").states["v"].terms}
    assert terms[("v", "v")] == pytest.approx(0.1 * 0.04) and terms[("u",)] == -0.1
    adex = build_map("adex", "tonic")
    (exp_term,) = [t for t in adex.states["v"].terms if t.exp]
    assert exp_term.exp.alpha == pytest.approx(0.5) and exp_term.exp.beta == pytest.approx(25.0)
    lam = 10.0 / 200.0                                # g_L / C per ms
    assert {t.factors: t.coef for t in adex.states["v"].terms}[("v",)] == \
        pytest.approx(math.exp(-0.1 * lam) - 1)


@pytest.mark.parametrize("model, reason", [
    ("hodgkin_huxley", "not a polynomial"),
    ("stochastic_lif", "draws random numbers"),
    ("poisson", "draws random numbers"),
    ("alpha", "no threshold"),
    ("rulkov", "discrete-time"),
])
def test_unexportable_models_are_refused_with_the_reason(model, reason, tmp_path):
    with pytest.raises(NotExportable, match=reason) as info:
        export(model, out=tmp_path)
    assert model in str(info.value) and list(tmp_path.iterdir()) == []


def test_sidecar_records_formats_constants_and_the_model_hash(tmp_path):
    spec = export("lif", "brunel2000", out=tmp_path, opts=HwOptions(rounding="floor"))
    side = json.loads((tmp_path / "np_lif_brunel2000.json").read_text())
    src = (tmp_path / "np_lif_brunel2000.v").read_text()
    model_file = side["model_file"]
    assert side["model_sha256"] == hashlib.sha256(open(model_file, "rb").read()).hexdigest()
    assert side["verilog_sha256"] == hashlib.sha256(src.encode()).hexdigest()
    assert (side["model"], side["preset"], side["rounding"], side["overflow"]) == \
        ("lif", "brunel2000", "floor", "saturate")
    assert side["dt_s"] == pytest.approx(1e-4)
    (v,) = side["states"]
    assert v["format"]["frac_bits"] >= 12 and v["format"]["width"] == 24
    for t in v["terms"]:   # every constant with its encoding
        assert abs(t["k"] / 2 ** t["k_format"]["frac_bits"] - t["coef"]) <= abs(t["coef"]) * 2e-7
    assert side["threshold"]["int"] == 20 * 2 ** v["format"]["frac_bits"]
    assert "`default_nettype none" in src and "`timescale" in src and "posedge clk" in src
    assert spec["files"] == [str(tmp_path / "np_lif_brunel2000.v"),
                             str(tmp_path / "np_lif_brunel2000.json")]
    check = side["error_check"]      # the error bound against the state's range, recorded
    assert check["passed"] and not check["accepted"] and check["limit"] == 0.01
    assert check["states"]["v"]["kind"] == "steady state" and check["states"]["v"]["ratio"] < 1e-3


def test_refuses_a_format_that_cannot_hold_the_range(tmp_path):
    with pytest.raises(ExportError, match=r"v' = -70 does not fit Q4.4"):
        export("lif", out=tmp_path, opts=HwOptions(formats={"v": QFormat(4, 4)}))
    assert list(tmp_path.iterdir()) == []   # nothing half-written


def test_refuses_an_initial_value_that_does_not_fit():
    ir = build_map("lif", "brunel2000")     # init 0 mV, threshold 20 mV
    ranges = {"states": {"v": [0.0, 5.0]}, "input": [0.0, 100.0], "stimuli": [0.0],
              "rheobase": 1.0}
    ir.states["v"].init = 100.0
    try:
        with pytest.raises(ExportError, match="initial value of 'v' = 100 does not fit"):
            design(ir, HwOptions(formats={"v": QFormat(6, 10)}), ranges)
    finally:
        ir.states["v"].init = 0.0


def test_refuses_a_coefficient_that_underflows():
    ir = build_map(PERFECT)
    with pytest.raises(ExportError, match="underflows to 0"):
        design(ir, HwOptions(formats={"v": QFormat(10, 1)}, guard_bits=0))


def test_q8_8_profile_constants_and_refusal(tmp_path):
    with pytest.warns(ExportWarning, match="rheobase"):   # tests/test_hw_robustness.py
        spec = export("lif", out=tmp_path, profile="q8_8")
    p, ports = spec["parameters"], spec["ports"]
    assert (p["DATA_WIDTH"], p["FRACTION"]) == (16, 8)
    assert p["V_REST"] == -70 * 256 and p["V_THRESHOLD"] == -55 * 256 + 1   # v > -55 mV
    assert ports["leak_k"] == round((1 - math.exp(-0.01)) * 256) == 3
    assert p["REFRACTORY_PERIOD"] == 19
    with pytest.raises(ExportError, match="underflows to 0"):
        export(PERFECT, out=tmp_path / "x", profile="q8_8")


def test_bittrue_rounding_modes_are_all_used():
    ir = build_map("lif")
    traces = {}
    for mode in ("floor", "half_up", "toward_zero"):
        bt = BitTrue(design(ir, HwOptions(rounding=mode)))
        traces[mode] = [bt.step({"I": 300 << 12})["v"] for _ in range(300)]
    assert len({tuple(t) for t in traces.values()}) == 3


def _lint(path):
    env = verilator_env()
    import os

    full = dict(os.environ, **env)
    r = subprocess.run(["verilator", "--lint-only", "-Wall", str(path)], capture_output=True,
                       text=True, env=full)
    return r.returncode, r.stdout + r.stderr


@pytest.mark.filterwarnings("ignore::neuroplug.hw.errors.ExportWarning")
def test_every_generated_module_is_verilator_lint_wall_clean(tmp_path):
    """Every exportable library model/preset, the q8_8 profile and the test's perfect
    integrator: ``verilator --lint-only -Wall`` prints no warning and no error."""
    need("verilator")
    from neuroplug.hw.ladder import exportable

    jobs = exportable() + [(PERFECT, None, None)]
    assert len(jobs) > 30, jobs
    dirty = []
    for k, (model, preset, profile) in enumerate(jobs):
        spec = export(model, preset, out=tmp_path / str(k), profile=profile)
        code, text = _lint(spec["files"][0])
        if code != 0 or "%Warning" in text or "%Error" in text:
            dirty.append(f"{model}[{preset}] {profile}: {text}")
    assert not dirty, "\n".join(dirty)


@pytest.mark.parametrize("opts", [HwOptions(overflow="wrap"), HwOptions(rounding="toward_zero")])
def test_lint_clean_for_other_rounding_and_overflow(opts, tmp_path):
    need("verilator")
    ir = build_map("adex", "tonic")
    from neuroplug.hw.verilog import verilog_source

    spec = design(ir, opts)
    path = tmp_path / f"{spec['module']}.v"
    path.write_text(verilog_source(spec))
    code, text = _lint(path)
    assert code == 0 and "%Warning" not in text, text


def test_cli_export_and_refusal(tmp_path, capsys):
    code = cli.main(["export", "izhikevich", "--preset", "FS", "--out", str(tmp_path)])
    out, _ = capsys.readouterr()
    assert code == 0 and "np_izhikevich_fs.v" in out and "Q8.16" in out
    assert (tmp_path / "np_izhikevich_fs.json").exists()
    code = cli.main(["export", "hodgkin_huxley", "--out", str(tmp_path / "hh")])
    _, err = capsys.readouterr()
    assert code == 2 and "not exportable" in err and len(err.strip().splitlines()) == 1
    code = cli.main(["export", "lif", "--format", "v=Q8", "--out", str(tmp_path / "bad")])
    _, err = capsys.readouterr()
    assert code == 2 and "cannot parse format" in err
    code = cli.main(["export", "lif", "--format", "x=Q8.8", "--out", str(tmp_path / "bad")])
    _, err = capsys.readouterr()
    assert code == 2 and "not signals of the model" in err
