"""``neuroplug bench`` and ``neuroplug build``: cheap versions of what the benchmark measures.

The benchmark numbers themselves live in docs/benchmarks.md; these tests check that the
measurements exist and mean what they say: the library generates the same standalone
code as the hand-written model, the bench writes every field the docs need, the
Python-loop baseline simulates the same neuron, and brian2cuda projects compile.
"""

import ast
import json
import os
from pathlib import Path

import numpy as np
import pytest

from neuroplug import bench, startup
from neuroplug.build import build, cuda_available
from neuroplug.cli import main

REQUIRE_CUDA = os.environ.get("NEUROPLUG_REQUIRE_CUDA") == "1"


@pytest.mark.parametrize("model_id", bench.MODELS)
def test_standalone_code_identical_to_hand_written(model_id):
    """The library class generates the hand-written model's cpp_standalone code objects."""
    lib = bench.standalone_code(model_id, "library")
    hand = bench.standalone_code(model_id, "hand")
    assert "GROUP_stateupdater" in lib and "GROUP_spike_thresholder" in lib
    assert sorted(lib) == sorted(hand)
    for kind in lib:
        assert lib[kind] == hand[kind], f"{model_id}: {kind} differs"


def test_code_identity_detects_a_difference(monkeypatch):
    """The identity check can fail: a hand-written LIF with another threshold differs."""
    changed = dict(bench.HAND_WRITTEN["lif"], threshold="v >= V_th")
    monkeypatch.setitem(bench.HAND_WRITTEN, "lif", changed)
    r = bench.code_identity("lif")
    assert not r["identical"]
    assert r["per_object"]["GROUP_spike_thresholder"] is False


def test_python_loop_baseline_simulates_the_library_lif():
    """The seed-style per-neuron step() loop is the same LIF: same spike count as Brian2."""
    import brian2 as b2

    from neuroplug.brian2 import group

    from neuroplug.bench.workloads import _drive

    drive = _drive("lif", 3)
    G = group("lif", 3, dt=0.1 * b2.ms)
    G.I = drive * b2.amp
    S = b2.SpikeMonitor(G)
    b2.Network(G, S).run(200 * b2.ms, namespace={})
    neurons = [bench.SeedStyleLIF() for _ in range(3)]
    counts = [sum(n.step(float(x)) for _ in range(2000)) for n, x in zip(neurons, drive)]
    assert min(counts) > 0
    assert counts == list(S.count)


@pytest.mark.standalone
def test_bench_tiny_run_writes_every_field(tmp_path):
    """A tiny bench (all sections, 2 repeats) gives the JSON, Markdown and figure."""
    cfg = bench.config(quick=True, repeats=2, models=["lif"], workdir=tmp_path / "work")
    cfg.sizes = {"lif": [100, 400]}
    cfg.duration, cfg.numpy_duration, cfg.network_duration = 0.005, 0.002, 0.005
    cfg.compare_n, cfg.threads, cfg.loop_n, cfg.loop_steps = 100, (1,), 10, 10
    cfg.brainpy_dtypes, cfg.train_steps = ("float64",), 20
    res = bench.run(cfg, progress=False)
    bench.save_json(res, tmp_path / "b.json")
    bench.write_markdown(res, tmp_path / "b.md")
    bench.plot(res, tmp_path / "b.png")
    data = json.loads((tmp_path / "b.json").read_text())
    assert data["copy_bandwidth_gbs"] > 0
    assert data["libm"]["exp_ns"] > 0 and data["libm"]["expm1_ns"] > 0, data["libm"]
    backends = {e["backend"] for e in data["uncoupled"]}
    assert backends == {"brian2 cpp_standalone 1t", "brainpy float64", "brian2 numpy"}
    for e in data["uncoupled"]:
        assert len(e["seconds"]) == 2 and e["min_s"] > 0 and e["updates_per_s"] > 0
        assert e["setup_s"] > 0 and e["bytes_per_update"] > 0 and e["traffic_gbs"] > 0
        assert e["peak_rss_mb"] > 0
    kinds = {(c["kind"], c["backend"]) for c in data["comparisons"]}
    assert kinds == {("brian2_vs_hand", "numpy"), ("brian2_vs_hand", "cython"),
                     ("brian2_vs_hand", "cpp_standalone 1t"),
                     ("brainpy_vs_builtin", "brainpy float64"),
                     ("brainpy_vs_builtin", "brainpy float64 train"),
                     ("brainpy_vs_builtin", "brainpy float64 brian2-reset")}
    for c in data["comparisons"]:
        assert c["ratio"] > 0 and c["ratio_min"] <= c["ratio_median"] <= c["ratio_max"]
    assert data["code_identity"][0]["identical"] is True
    loop = data["python_loop"]
    assert set(loop["speedup"]) == {"brian2 numpy", "brainpy float64",
                                    "brian2 cpp_standalone 1t"}
    (coba,) = data["networks"]
    assert coba["network"] == "coba" and coba["spikes"] > 0 and coba["s_per_bio_s"] > 0
    assert {t["target"].split(" ")[0] for t in data["targets"]} >= {"LIF", "COBA", "Brian2"}
    md = (tmp_path / "b.md").read_text()
    assert "| lif | 4e+02 | brian2 cpp_standalone 1t |" in md
    assert (tmp_path / "b.png").stat().st_size > 1000


def test_libm_calls_counted_in_generated_hh_code(tmp_path):
    """HH's generated state updater (read by hand): ``exp(v/k)**c`` of alpha_h, beta_m and
    beta_n (3), two exp of -v in the h update (beta_h and the B term) and four
    ``exp(-dt/tau)`` factors are 9 distinct exp; alpha_m and alpha_n are 2 exprel. The
    exact LIF update has none (its exp is a folded constant)."""
    assert bench.libm_calls("hodgkin_huxley") == {"exp": 9, "expm1": 2}
    assert bench.libm_calls("lif") == {"exp": 0, "expm1": 0}
    lm = bench.libm_cost(tmp_path, {"exp": 9, "expm1": 2})
    assert lm["exp_ns"] > 0 and lm["expm1_ns"] > 0
    assert lm["hh_ceiling_updates_per_s"] == pytest.approx(
        1e9 / (9 * lm["exp_ns"] + 2 * lm["expm1_ns"]))


def test_bench_cli_rejects_bad_arguments(capsys):
    assert main(["bench", "--repeats", "0"]) == 2
    assert "--repeats" in capsys.readouterr().err
    assert main(["bench", "--models", "lif,nope"]) == 2
    assert "nope" in capsys.readouterr().err
    assert main(["build", "lif", "--target", "gpu"]) == 2
    assert main(["build", "no_such_model", "--target", "cpp_standalone"]) == 2
    assert "no_such_model" in capsys.readouterr().err


@pytest.mark.standalone
def test_build_cpp_standalone_runs(tmp_path, capsys):
    """``neuroplug build lif --target cpp_standalone`` compiles and runs; neurons spike."""
    r = build("lif", "cpp_standalone", directory=tmp_path / "p", N=20, duration="50 ms",
              run=True)
    assert r.binary.exists() and r.compile_seconds > 0
    assert r.spikes["lif"] > 0


@pytest.mark.standalone
def test_build_cuda_standalone_compile_only(tmp_path, capsys):
    """brian2cuda generates and nvcc-compiles lif and hodgkin_huxley (sm_90) without a GPU."""
    reason = cuda_available()
    if reason:
        if REQUIRE_CUDA:
            pytest.fail(f"NEUROPLUG_REQUIRE_CUDA=1 but {reason}")
        pytest.skip(reason)
    d = tmp_path / "cuda"
    code = main(["build", "lif", "hodgkin_huxley", "--target", "cuda_standalone",
                 "--compile-only", "--directory", str(d)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert (d / "main").exists() and os.access(d / "main", os.X_OK)
    cu = sorted(p.name for p in (d / "code_objects").glob("*.cu"))
    for model_id in ("lif", "hodgkin_huxley"):
        assert any(n.startswith(f"{model_id}_group_stateupdater") for n in cu), cu
    assert "-arch=sm_90" in (d / "makefile").read_text()
    assert "compiled in" in out


def test_cuda_preferences_are_restored():
    """The CUDA build settings are scoped: Brian2's C++ flags are unchanged afterwards."""
    if cuda_available():
        pytest.skip(cuda_available())
    from brian2 import prefs

    from neuroplug.build import cuda_preferences

    before = list(prefs["codegen.cpp.extra_compile_args_gcc"])
    with cuda_preferences():
        assert "-std=c++17" in prefs["codegen.cpp.extra_compile_args_gcc"]
    assert prefs["codegen.cpp.extra_compile_args_gcc"] == before


def _bench_imports(path: Path, modules: set) -> set:
    """Modules of neuroplug/bench that ``path`` imports (function bodies included)."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            mod = node.module or ""
            if node.level == 0 and mod.startswith("neuroplug.bench"):
                mod = mod.removeprefix("neuroplug.bench").lstrip(".")
            elif node.level != 1:
                continue
            head = mod.split(".")[0]
            out |= {head} if head else {a.name if a.name in modules else "__init__"
                                        for a in node.names}
        elif isinstance(node, ast.Import):
            out |= {a.name.split(".")[2] if a.name.count(".") >= 2 else "__init__"
                    for a in node.names if a.name.startswith("neuroplug.bench")}
    return out & modules


def bench_import_cycle(graph: dict) -> list | None:
    """One import cycle of ``graph`` (module -> imported modules) as a path, or None."""
    state = {}

    def visit(m, path):
        state[m] = "open"
        for d in sorted(graph[m]):
            if state.get(d) == "open":
                return path[path.index(d):] + [d]
            if d not in state and (cycle := visit(d, path + [d])):
                return cycle
        state[m] = "done"
        return None

    for m in sorted(graph):
        if m not in state and (cycle := visit(m, [m])):
            return cycle
    return None


def test_bench_package_modules_are_documented_and_import_one_way():
    """neuroplug/bench: each module has a docstring, and no module imports the package
    (``__init__`` re-exports) or, through others, itself."""
    pkg = Path(bench.__file__).parent
    modules = {p.stem for p in pkg.glob("*.py")}
    assert {"config", "workloads", "contenders", "timing", "report", "plots"} <= modules
    graph = {m: _bench_imports(pkg / f"{m}.py", modules | {"__init__"}) - {m} for m in modules}
    for m in sorted(modules):
        assert ast.get_docstring(ast.parse((pkg / f"{m}.py").read_text())), f"{m}.py: no docstring"
        if m != "__init__":
            assert "__init__" not in graph[m], f"bench/{m}.py imports the package itself"
    assert bench_import_cycle(graph) is None, " -> ".join(bench_import_cycle(graph))
    # the check can fail
    assert bench_import_cycle({**graph, "workloads": {"runner"}}) is not None
    assert _bench_imports(pkg / "runner.py", modules) >= {"config", "contenders", "timing"}


def test_copy_bandwidth_and_traffic_estimate():
    assert bench.copy_bandwidth(nbytes=8 * 2**20, repeats=2) > 0.1
    # lif: v read+write (16), I read (8), lastspike (8) + not_refractory (2)
    assert bench.bytes_per_update("lif") == 34
    assert bench.bytes_per_update("hodgkin_huxley") == 16 * 4 + 8 + 10
    assert np.isclose(bench.TARGETS["brian2_hand_ratio"], 0.03)


def test_nvcc_needed_message():
    """Without nvcc the reason names it (this is what the CUDA test skips with)."""
    path = os.environ.get("PATH", "")
    try:
        os.environ["PATH"] = ""
        assert "nvcc" in cuda_available()
    finally:
        os.environ["PATH"] = path


def test_missing_brian2cuda_message_names_install_command(monkeypatch):
    """Without brian2cuda the reason says so and gives this Python's pip command."""
    import shutil
    import sys

    from neuroplug.build import cuda_install_command

    monkeypatch.setattr(shutil, "which", lambda name: "/usr/bin/nvcc")
    monkeypatch.setitem(sys.modules, "brian2cuda", None)
    reason = cuda_available()
    assert reason.startswith("brian2cuda is not installed") and cuda_install_command() in reason
    expected = "neuroplug[cuda]" if sys.version_info >= (3, 12) else "brian2cuda==1.0a7"
    assert expected in cuda_install_command()


def test_curand_link_replaces_a_dangling_one(tmp_path):
    """The ``libcurand.so`` link is per wheel and a stale/dangling one is replaced."""
    from pathlib import Path

    from neuroplug.build import _curand_dirs

    libdir = tmp_path / "curand"
    libdir.mkdir()
    (libdir / "libcurand.so").symlink_to(tmp_path / "gone" / "libcurand.so.10")
    include, lib, runtime = _curand_dirs(libdir)
    if include is None:
        pytest.skip("nvidia-curand is not installed")
    link = libdir / "libcurand.so"
    assert lib == str(libdir) and link.resolve().exists()
    assert link.resolve().parent == Path(runtime).resolve()


# ----------------------------------------------------------------------------------
# bench --startup (neuroplug/startup.py): fresh subprocesses, cold and warm model cache
def _finite_positive(xs):
    return xs and all(isinstance(x, float) and np.isfinite(x) and x > 0 for x in xs)


def test_startup_bare_python_and_dir(tmp_path, monkeypatch):
    """One run of the bare-python baseline and of ``dir(neuroplug.brian2)`` (cold cache
    only, to stay cheap): positive finite times, every field of the report."""
    monkeypatch.setenv("NEUROPLUG_CACHE_DIR", str(tmp_path / "ignored"))
    res = bench.startup(runs=1, measurements=["python", "dir"], caches=("cold",),
                        progress=False, log=lambda s: None)
    assert res["config"]["measurements"] == ["python", "dir"]
    assert [(r["measurement"], r["cache"]) for r in res["rows"]] == \
        [("python", "cold"), ("dir", "cold")]
    py, d = res["rows"]
    for row in (py, d):
        assert not row["errors"], row["errors"]
        assert len(row["seconds"]) == 1 and _finite_positive(row["seconds"])
        assert row["min_s"] == row["median_s"] == row["seconds"][0]
    assert py["verdict"] == "baseline" and py["target_s"] is None
    assert d["target_s"] == 0.5 and d["verdict"] in ("PASS", "MISS")
    assert d["checks"] == {"dir() lists LIF": True}
    assert _finite_positive([d["import_s_median"]])  # the import is reported apart
    assert res["all_pass"] == (d["verdict"] == "PASS")
    env = res["environment"]
    assert env["brian2"] and env["python"] and env["date"]
    md = startup.markdown(res)
    assert "| measurement | cache | min (s) | median (s) | target | verdict |" in md
    assert "`dir(neuroplug.brian2)` | cold" in md and "Brian2 " + env["brian2"] in md
    assert json.loads(startup.save_json(res, tmp_path / "s.json").read_text())["rows"]


def test_startup_cache_states(tmp_path):
    """Cold: a new empty NEUROPLUG_CACHE_DIR per run; warm: one folder a priming run has
    populated. In-process results, verdicts from the median, and the plot."""
    code = ("import json, os, pathlib, time; d = pathlib.Path(os.environ['NEUROPLUG_CACHE_DIR']);"
            " n = len(list(d.iterdir())); (d / f'f{time.time_ns()}').write_text('x');"
            f" print({startup.MARK!r} + json.dumps({{'seconds': 1e-3, 'dir': str(d), "
            "'entries': n, 'checks': {'ran': True}}))")
    m = startup.Measurement("probe", "probe", ("-c", code), inner=True, target=1.0)
    res = bench.startup(runs=2, measurements=[m], progress=False, log=lambda s: None)
    cold, warm = res["rows"]
    assert [r["info"]["entries"] for r in cold["runs"]] == [0, 0]
    assert len({r["info"]["dir"] for r in cold["runs"]}) == 2
    assert [r["info"]["entries"] for r in warm["runs"]] == [1, 2]  # after priming
    assert warm["priming"]["ok"] and warm["priming"]["info"]["entries"] == 0
    assert cold["seconds"] == warm["seconds"] == [1e-3, 1e-3]
    assert cold["verdict"] == warm["verdict"] == "PASS" and res["all_pass"]
    assert startup.plot(res, tmp_path / "s.png").stat().st_size > 0


def test_startup_verdicts_use_the_median_and_the_baseline():
    ms = startup.MEASUREMENTS
    row = lambda name, secs, checks=None: {  # noqa: E731
        "measurement": name, "label": name, "cache": "warm", "errors": [],
        "runs": [{"seconds": s, "checks": checks or {}} for s in secs]}
    rows = [row("brian2", [1.5, 1.6, 9.0]), row("neuroplug.brian2", [0.1, 2.7, 2.8]),
            row("list", [1.0, 1.9, 30.0]),
            row("misspelt", [0.1, 0.1, 0.1], {"message says 'did you mean'": False})]
    rows[3]["runs"][0]["checks"] = {"message says 'did you mean'": True}
    startup._evaluate(rows, ms)
    assert rows[1]["target_s"] == pytest.approx(2.6) and rows[1]["verdict"] == "MISS"
    assert rows[2]["median_s"] == 1.9 and rows[2]["verdict"] == "PASS"
    assert rows[3]["verdict"] == "MISS"  # fast, but one run's message lacked the hint
    rows[0]["runs"][1]["seconds"] = 1.75
    startup._evaluate(rows, ms)
    assert rows[1]["verdict"] == "PASS"  # 2.7 <= 1.75 + 1


def test_startup_failing_measurement_is_reported(tmp_path):
    """A subprocess that exits non-zero is an ERROR row with its stderr tail, not an
    exception; later measurements still run."""
    bad = startup.Measurement("nope", "import no_such_module_xyz",
                              ("-c", "import no_such_module_xyz"), target=1.0)
    lines = []
    res = bench.startup(runs=2, measurements=[bad, "python"], progress=False,
                        log=lines.append)
    rows = {(r["measurement"], r["cache"]): r for r in res["rows"]}
    for c in ("cold", "warm"):
        r = rows["nope", c]
        assert r["verdict"] == "ERROR" and r["median_s"] is None and len(r["errors"]) == 1
        assert r["errors"][0]["returncode"] == 1
        assert "No module named 'no_such_module_xyz'" in r["errors"][0]["stderr_tail"]
        assert _finite_positive(rows["python", c]["seconds"])
    assert rows["nope", "warm"]["errors"][0]["run"] == "priming"
    assert not res["all_pass"]
    assert any("ERROR" in s and "no_such_module_xyz" in s for s in lines)
    md = startup.markdown(res)
    assert "**ERROR**" in md and "No module named" in md
    startup.plot(res, tmp_path / "s.png")


def test_startup_cli_rejects_bad_arguments(capsys):
    assert main(["bench", "--startup", "--runs", "0"]) == 2
    err = capsys.readouterr().err
    assert "--runs" in err and len(err.strip().splitlines()) == 1
    assert main(["bench", "--runs", "2"]) == 2
    assert "--startup" in capsys.readouterr().err
    assert main(["bench", "--startup", "--quick"]) == 2
    with pytest.raises(ValueError, match="no_such"):
        bench.startup(runs=1, measurements=["no_such"], progress=False)
