"""The neuroplug command: every subcommand, files written, one-line errors with status 2."""

import json

import pytest

from neuroplug import cli
from neuroplug import crosschecking as cc

from .helpers import MODEL_IDS


def run(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_list(capsys):
    code, out, _ = run(capsys, "list")
    assert code == 0
    for mid in MODEL_IDS:
        assert mid in out
    assert f"{len(MODEL_IDS)} models" in out


def test_show(capsys):
    code, out, _ = run(capsys, "show", "adex")
    assert code == 0
    assert "exp((v - V_T)/Delta_T)" in out and "naud2008" in out and "tonic" in out


def test_help_explains_itself(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["crosscheck", "--help"])
    out = capsys.readouterr().out
    assert info.value.code == 0 and "--preset" in out and "Exits 1" in out


@pytest.mark.parametrize("backend", ["brian2", "brainpy"])
def test_run(capsys, tmp_path, backend):
    png, js = tmp_path / "run.png", tmp_path / "run.json"
    code, out, _ = run(capsys, "run", "izhikevich", "--backend", backend, "--preset", "CH",
                       "--duration", "200 ms", "--plot", str(png), "--json", str(js))
    assert code == 0, out
    data = json.loads(js.read_text())
    assert data["backend"] == backend and sum(r["spikes"] for r in data["results"]) > 0
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_crosscheck_one_model_writes_files(capsys, tmp_path):
    png, js, md = tmp_path / "x.png", tmp_path / "x.json", tmp_path / "x.md"
    code, out, _ = run(capsys, "crosscheck", "lif", "--duration", "300 ms", "--plot", str(png),
                       "--json", str(js), "--report", str(md))
    assert code == 0, out
    assert "PASSED" in out
    assert json.loads(js.read_text())["passed"] is True
    assert md.read_text().startswith("# Cross-check: lif")
    assert png.stat().st_size > 10_000


def test_crosscheck_all_with_progress(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(cc, "jobs", lambda model_ids=None: [("lif", None), ("rulkov", "tonic")])
    code, out, err = run(capsys, "crosscheck", "--all", "--duration", "200 ms", "--out",
                         str(tmp_path))
    assert code == 0, out + err
    assert "2/2 cross-checks passed" in out
    assert (tmp_path / "rulkov-tonic-float64.png").exists()
    assert (tmp_path / "lif-float64.json").exists()


def test_crosscheck_failure_exits_1(capsys, monkeypatch):
    monkeypatch.setattr(cc, "EXACT_REL_BOUND", 0.0)  # impossible bound for AdEx (uses exp)
    code, out, _ = run(capsys, "crosscheck", "adex", "--duration", "100 ms", "--quiet")
    assert code == 1 and out.startswith("FAIL")


@pytest.mark.parametrize("argv, fragment", [
    (["frobnicate"], "invalid choice"),
    (["run", "lif"], "--backend"),
    (["run", "lif", "--backend", "nest"], "invalid choice"),
    (["crosscheck"], "either a MODEL or --all"),
    (["crosscheck", "nosuch"], "unknown model 'nosuch'"),
    (["crosscheck", "adex", "--preset", "nope"], "unknown preset 'nope'"),
    (["crosscheck", "lif", "--method", "leapfrog"], "unknown method"),
    (["crosscheck", "lif", "--dt", "fast"], "field 'dt'"),
    (["run", "lif", "--backend", "brian2", "--stimulus", "3 parsecs"], "unknown unit"),
    (["show", "tests/data/invalid/unknown_unit.toml"], "unknown unit 'pFF'"),
])
def test_bad_arguments_one_line_exit_2(capsys, argv, fragment):
    code, out, err = run(capsys, *argv)
    assert code == 2
    lines = [line for line in err.strip().splitlines() if line]
    assert len(lines) == 1, err
    assert fragment in lines[0] and "Traceback" not in err
