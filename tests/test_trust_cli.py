"""A table of bad command lines: each ends in one line on stderr, the right status, no
traceback and no file written.  ``{tmp}`` is a fresh folder; ``{file}`` a regular file
in it, ``{link}`` a symlink to it, ``{dir}`` a non-empty folder of the user's."""

import os
import subprocess
import sys

import pytest

from neuroplug import cli

LONG = "x" * 100_000
BAD = [
    # (argv, status)
    ("show", 2), ("show nope", 2), ("show adexx", 2), (f"show {LONG}", 2),
    ("show {tmp}/missing.toml", 2), ("show {file}", 2), ("show {tmp}", 2), ("show /dev/null", 2),
    ("list extra", 2), ("cache --clear extra", 2), ("docs --root {tmp}", 2),
    ("docs --root {file}", 2), ("frobnicate", 2), ("--nope", 2),
    # run: inputs
    ("run adex", 2), ("run adex --backend nest", 2), ("run adex --backend brian2 --stimulus 500mV", 2),
    ("run adex --backend brian2 --stimulus 500", 2), ("run adex --backend brian2 --stimulus nan",
                                                        2),
    ("run adex --backend brian2 --stimulus '1 foo'", 2), ("run adex --backend brian2 --stimulus inf", 2),
    ("run adex --backend brian2 --stimulus '1e400 pA'", 2), ("run adex --backend brian2 --stimulus ''", 2),
    ("run adex --backend brian2 --stimulus '1 pA; import os'", 2),
    ("run adex --backend brian2 --stimulus '1 __import__'", 2),
    ("run adex --backend brian2 --dt 0ms", 2), ("run adex --backend brian2 --dt -1ms", 2),
    ("run adex --backend brian2 --dt 1mV", 2), ("run adex --backend brian2 --dt nan", 2),
    ("run adex --backend brian2 --dt 1e-320s", 2), ("run adex --backend brian2 --dt 1ns", 2),
    ("run adex --backend brian2 --dt 1", 2), ("run adex --backend brian2 --dt ms", 2),
    ("run adex --backend brian2 --duration 1e308s", 2),
    ("run adex --backend brian2 --duration 1e-9ms", 2),
    ("run adex --backend brian2 --duration 20ms", 2), ("run adex --backend brian2 --duration -1s", 2),
    ("run adex --backend brian2 --duration 1pA", 2),
    ("run adex --backend brian2 --method rk4", 2), ("run adex --backend brian2 --method RK4", 2),
    ("run adex --backend brian2 --method magic", 2), ("run adex --backend brian2 --preset nope", 2),
    ("run adex --backend brian2 --preset ''", 2), ("run adex --backend brainpy --target cython", 2),
    ("run adex --backend brian2 --target cuda", 2), (f"run {LONG} --backend brian2", 2),
    # run: outputs
    ("run adex --backend brian2 --plot fig", 2), ("run adex --backend brian2 --plot fig.xyz", 2),
    ("run adex --backend brian2 --plot /proc/x.png", 2),
    ("run adex --backend brian2 --plot {tmp}", 2), ("run adex --backend brian2 --plot {file}/x.png", 2),
    ("run adex --backend brian2 --plot {tmp}/no/such/x.png", 2),
    (f"run adex --backend brian2 --plot {{tmp}}/{'y' * 300}.png", 2),
    ("run adex --backend brian2 --json /dev/full", 2), ("run adex --backend brian2 --json {link}", 2),
    ("run adex --backend brian2 --json {tmp}", 2), ("run adex --backend brian2 --json /proc/x.json", 2),
    # crosscheck
    ("crosscheck", 2), ("crosscheck adex --all", 2), ("crosscheck nope", 2),
    ("crosscheck adex --preset irregular", 2), ("crosscheck adex --preset delayed_regular_bursting", 2),
    ("crosscheck hindmarsh_rose --preset chaotic", 2), ("crosscheck izhikevich_2007 --preset FS", 2),
    ("crosscheck adex --preset nope", 2), ("crosscheck adex --method rk4", 2),
    ("crosscheck adex --method nope", 2), ("crosscheck adex --dt 0ms", 2),
    ("crosscheck adex --dt 1ns", 2), ("crosscheck adex --duration 20ms", 2),
    ("crosscheck adex --duration 0.01ms", 2), ("crosscheck adex --duration 1e308s", 2),
    ("crosscheck adex --dtype float16", 2), ("crosscheck adex --target cpp_standalone", 2),
    ("crosscheck adex --plot fig --json {tmp}/a.json", 2), ("crosscheck adex --plot /proc/x.png", 2),
    ("crosscheck adex --json /dev/full", 2), ("crosscheck adex --json {link}", 2),
    ("crosscheck adex --report {tmp}", 2), ("crosscheck adex --report {file}/r.md", 2),
    ("crosscheck adex --out {tmp}/o", 2), ("crosscheck --all --plot x.png", 2),
    ("crosscheck --all --out {file}", 2), ("crosscheck --all --out /proc/o", 2),
    ("crosscheck adex --json {tmp}/no/such/a.json", 2),
    # bench
    ("bench --repeats 0", 2), ("bench --repeats -3", 2), ("bench --runs 2", 2),
    ("bench --startup --quick", 2), ("bench --startup --runs 0", 2), ("bench --repeats x", 2),
    ("bench --json /dev/full --quick", 2), ("bench --plot fig --quick", 2),
    ("bench --markdown {tmp} --quick", 2), ("bench --workdir {file} --quick", 2),
    # build
    ("build lif", 2), ("build lif --target numpy", 2), ("build --target cpp_standalone", 2),
    ("build nope --target cpp_standalone", 2), ("build lif --target cpp_standalone -N 0", 2),
    ("build lif --target cpp_standalone -N -5", 2), ("build lif --target cpp_standalone -N x", 2),
    ("build lif --target cpp_standalone --duration 0ms", 2),
    ("build lif --target cpp_standalone --duration 1mV", 2),
    ("build lif --target cpp_standalone --duration 1e308s", 2),
    ("build lif --target cpp_standalone --directory {dir}", 2),
    ("build lif --target cpp_standalone --directory {file}", 2),
    ("build lif --target cpp_standalone --directory {link}", 2),
    # export / verify-hw
    ("export lif", 2), ("export nope --out {tmp}/e", 2), ("export lif --out {file}", 2),
    ("export lif --out /dev/null", 2), ("export lif --out /proc/e", 2),
    ("export lif --preset nope --out {tmp}/e", 2), ("export lif --width 2 --out {tmp}/e", 2),
    ("export lif --format v=Q99.99 --out {tmp}/e", 2), ("export lif --format garbage --out {tmp}/e", 2),
    ("export hodgkin_huxley --out {tmp}/e", 2), ("export lif --rounding up --out {tmp}/e", 2),
    ("verify-hw", 2), ("verify-hw lif --all", 2), ("verify-hw nope", 2), ("verify-hw lif --cycles 0", 2),
    ("verify-hw lif --steps iv", 2), ("verify-hw lif --preset nope", 2),
    ("verify-hw lif --json /proc/x.json", 2), ("verify-hw lif --markdown {tmp}", 2),
    ("verify-hw lif --out {file}", 2), ("verify-hw lif --sim ghdl", 2),
    # fuzz
    ("fuzz --mutants 0", 2), ("fuzz --mutants x", 2), ("fuzz --timeout 0", 2),
    ("fuzz --timeout nan", 2),
]


@pytest.fixture
def places(tmp_path):
    f = tmp_path / "file.txt"
    f.write_text("user data\n")
    link = tmp_path / "link.json"
    link.symlink_to(f)
    d = tmp_path / "project"
    d.mkdir()
    (d / "main.cpp").write_text("// the user's own code\n")
    return {"tmp": str(tmp_path), "file": str(f), "link": str(link), "dir": str(d)}


def _argv(line, places):
    import shlex

    return [a.format(**places) for a in shlex.split(line)]


def _snapshot(root):
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for n in filenames + dirnames:
            p = os.path.join(dirpath, n)
            out[p] = os.lstat(p).st_mtime_ns
    return out


@pytest.mark.parametrize("line,status", BAD, ids=[line[:60] for line, _ in BAD])
def test_bad_command_line(capsys, places, line, status, monkeypatch):
    monkeypatch.chdir(places["tmp"])
    before = _snapshot(places["tmp"])
    try:
        code = cli.main(_argv(line, places))
    except SystemExit as exc:  # argparse --help/--version only
        code = exc.code
    out, err = capsys.readouterr()
    assert code == status, (line, code, err[-500:])
    lines = [x for x in err.splitlines() if x.strip()]
    assert len(lines) == 1, (line, err[-1000:])
    assert "Traceback" not in err
    assert len(lines[0]) < 1200, lines[0][:300]
    assert _snapshot(places["tmp"]) == before, f"{line}: a file was written or changed"
    with open(places["file"]) as fh:
        assert fh.read() == "user data\n"


def test_table_covers_every_command():
    commands = {line.split()[0] for line, _ in BAD}
    assert {"show", "list", "cache", "docs", "run", "crosscheck", "bench", "build", "export",
            "verify-hw", "fuzz"} <= commands
    assert len(BAD) >= 100


@pytest.mark.parametrize("argv", [["run", "adex", "--backend", "brian2", "--stimulus", "500mV"],
                                  ["crosscheck", "adex", "--json", "/dev/full"],
                                  ["show", LONG[:5000]]])
def test_real_entry_point_one_line(argv):
    r = subprocess.run([sys.executable, "-m", "neuroplug.cli", *argv], capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 2
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr


def test_diverging_run_exits_1_with_one_line(capsys):
    code = cli.main(["run", "hodgkin_huxley", "--backend", "brian2", "--dt", "1 ms",
                     "--method", "euler", "--duration", "100 ms"])
    err = capsys.readouterr().err
    assert code == 1
    assert "diverged" in err and "neuron 0" in err and "step" in err
    assert len(err.strip().splitlines()) == 1
