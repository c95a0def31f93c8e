"""Cross-check Brian2 <-> BrainPy for every model (enumerated) and that it can fail."""

import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import neuroplug
from neuroplug import crosschecking as cc

from .helpers import MODEL_IDS, assert_exercised, capped_duration

JOBS = cc.jobs()


@pytest.fixture(scope="module", autouse=True)
def _reuse_brian2_runs():
    """Run each Brian2 reference once per worker: the float32 tier compares BrainPy
    float32 against the same Brian2 float64 run as the float64 check (same model, preset,
    method, stimulus and dt), so it reuses it.  Tests of one model share an xdist group
    (``--dist loadgroup``) and run on one worker, float64 first."""
    import hashlib

    from neuroplug.library import is_library_model

    original = cc.simulate_brian2
    runs = {}

    def simulate(m, preset, method, stim, dt, **kwargs):
        if not is_library_model(m):
            return original(m, preset, method, stim, dt, **kwargs)
        key = (m.id, m.sha256, preset, method, stim.shape, float(dt),
               hashlib.sha256(np.ascontiguousarray(stim).tobytes()).hexdigest(),
               tuple(sorted(kwargs.items())))
        if key not in runs:
            runs[key] = original(m, preset, method, stim, dt, **kwargs)
        return runs[key]

    cc.simulate_brian2 = simulate
    yield
    cc.simulate_brian2 = original


def _grouped(params, ids):
    """pytest params sharing the model's xdist group."""
    return [pytest.param(*p, id=i, marks=pytest.mark.xdist_group(p[0])) for p, i in zip(params, ids)]


@pytest.mark.slow
@pytest.mark.parametrize("model_id, preset",
                         _grouped(JOBS, [f"{m}-{p}" if p else m for m, p in JOBS]))
def test_crosscheck_float64(model_id, preset):
    r = neuroplug.crosscheck(model_id, preset=preset)
    assert r.passed, r.report()
    assert r.environment["xla_exact_flags"]
    assert_exercised(r, model_id)
    if r.tier in ("exact", "bitexact"):
        assert r.metrics["spike_steps_identical"]
        assert r.duration == pytest.approx(float(neuroplug.quantities.parse_quantity(
            neuroplug.model(model_id).crosscheck.duration)))
        for name, v in r.metrics["variables"].items():
            assert v["max_rel"] <= cc.EXACT_REL_BOUND, name
        if r.tier == "bitexact":  # every target identical, every declared corner reached
            assert all(t["identical"] for t in r.metrics["targets"].values())
            corners = r.metrics["corners"]
            assert corners, "a bitexact model declares the corners its stimulus reaches"
            assert all(c["reached"] for c in corners.values()), corners
    else:
        for row in r.metrics["distribution"]:
            assert row["rate_rel_diff"] <= cc.RATE_REL_BOUND
            few = min(row["isi_count_brian2"], row["isi_count_brainpy"]) <= 10
            assert row["ks_pvalue"] > cc.KS_P_MIN or few  # no ISI test without intervals


@pytest.mark.parametrize("model_id", _grouped([(m,) for m in MODEL_IDS], MODEL_IDS))
def test_crosscheck_float32_tier(model_id):
    m = neuroplug.model(model_id)
    duration = capped_duration(model_id, 20_000)
    r = neuroplug.crosscheck(model_id, dtype="float32", duration=duration,
                             seeds=2 if m.crosscheck.tier == "distributional" else None)
    assert r.passed, r.report()
    assert_exercised(r, model_id)


def test_crosscheck_detects_a_different_model(monkeypatch):
    """A BrainPy run with a 0.1% different time constant must fail the exact tier."""
    original = cc.simulate_brainpy

    def perturbed(m, preset, method, stim, dt, **kw):
        from neuroplug import brainpy as nbp

        real = nbp.neuron_class

        def cls_with_tau(model):
            base = real(model)

            class Perturbed(base):
                def __init__(self, *a, **k):
                    super().__init__(*a, tau_m="10.01 ms", **k)

            return Perturbed

        monkeypatch.setattr(nbp, "neuron_class", cls_with_tau)
        try:
            return original(m, preset, method, stim, dt, **kw)
        finally:
            monkeypatch.setattr(nbp, "neuron_class", real)

    monkeypatch.setattr(cc, "simulate_brainpy", perturbed)
    r = neuroplug.crosscheck("lif", duration="300 ms")
    assert not r.passed
    assert any(f.startswith("[v]") for f in r.failures)
    assert any(f.startswith("[spikes]") for f in r.failures)


def test_distributional_tier_detects_different_noise(monkeypatch):
    original = cc.simulate_brainpy

    def noisier(m, preset, method, stim, dt, **kw):
        return original(m, "brunel_hakim", method, stim, dt, **kw)  # sigma 5 mV, not 3 mV

    monkeypatch.setattr(cc, "simulate_brainpy", noisier)
    r = neuroplug.crosscheck("stochastic_lif", duration="500 ms", seeds=2)
    assert not r.passed
    assert any(f.startswith("[rate]") or f.startswith("[ISI]") for f in r.failures)


def test_coincidence_factor():
    a = np.array([100, 300, 500, 900])
    assert cc.coincidence_factor(a, a, 1e-4) == pytest.approx(1.0)
    assert cc.coincidence_factor(a, a + 5000, 1e-4, duration=1.0) < 0.1
    assert cc.coincidence_factor([], [], 1e-4) == 1.0
    assert cc.coincidence_factor(a, [], 1e-4) == 0.0


def test_report_json_and_plot(tmp_path):
    r = neuroplug.crosscheck("izhikevich", preset="CH", duration="300 ms")
    assert r.passed
    text = r.report()
    assert text.startswith("# Cross-check: izhikevich[CH]")
    assert "PASSED" in text and "| v |" in text and "| u |" in text
    js = json.loads(r.save_json(tmp_path / "r.json").read_text())
    assert js["passed"] is True and js["model"] == "izhikevich" and js["preset"] == "CH"
    assert set(js["metrics"]["variables"]) == {"v", "u"}
    png = r.plot(tmp_path / "r.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000
    assert not list(tmp_path.glob("*.tmp*"))


def test_bad_arguments():
    with pytest.raises(neuroplug.ParameterError, match="unknown preset"):
        neuroplug.crosscheck("lif", preset="nope")
    with pytest.raises(neuroplug.ParameterError, match="method"):
        neuroplug.crosscheck("lif", method="leapfrog")
    with pytest.raises(neuroplug.ParameterError, match="positive time"):
        neuroplug.crosscheck("lif", dt="-1 ms")
    with pytest.raises(neuroplug.ParameterError, match="dtype"):
        neuroplug.crosscheck("lif", dtype="float16")


METHOD_JOBS = [(m, meth) for m in MODEL_IDS for meth in neuroplug.model(m).methods
               if meth != neuroplug.model(m).method]


@pytest.mark.slow
@pytest.mark.parametrize("model_id, method",
                         _grouped(METHOD_JOBS, [f"{m}-{meth}" for m, meth in METHOD_JOBS]))
def test_every_listed_method_agrees(model_id, method):
    """The method is shared: every method a model lists passes its tier too."""
    m = neuroplug.model(model_id)
    distributional = m.crosscheck.tier == "distributional"
    duration = capped_duration(model_id, 10_000 if distributional else 5_000)
    r = neuroplug.crosscheck(model_id, method=method, duration=duration,
                             seeds=2 if distributional else None)
    assert r.passed and r.method == method, r.report()
    assert_exercised(r, model_id)


def test_saiunit_and_brian2_times_are_accepted():
    import brian2 as b2
    import saiunit as su

    r1 = neuroplug.crosscheck("lif", dt=0.1 * su.ms, duration=100 * su.ms)
    r2 = neuroplug.crosscheck("lif", dt=0.1 * b2.ms, duration="100 ms")
    assert r1.dt == r2.dt == pytest.approx(1e-4) and r1.passed and r2.passed


# -- one verdict: BrainPy in a child process when this process lacks the XLA flags ---------
ROOT = Path(neuroplug.__file__).resolve().parent.parent


def _python_without_xla_flags(script, timeout=240):
    """Run ``script`` (after :func:`_summary`'s source) in a fresh Python of this checkout
    whose environment has no XLA_FLAGS; return (parsed last stdout line, stderr)."""
    env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    proc = subprocess.run([sys.executable, "-c", inspect.getsource(_summary) + script],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1]), proc.stderr


def _summary(r):
    from neuroplug.crosschecking import _jsonable

    variables = r.metrics.get("variables", {})
    return _jsonable({"passed": r.passed, "failures": r.failures,
                      "max_rel": {k: v["max_rel"] for k, v in variables.items()},
                      "spikes": r.metrics["spikes"], "distribution": r.metrics.get("distribution"),
                      "process": r.environment["brainpy_process"],
                      "flags": r.environment["xla_exact_flags"]})


def test_crosscheck_after_jax_started_without_flags_matches_in_process():
    """JAX already running without the exact flags: BrainPy runs in a child process that
    has them, and the verdict and figures are those of the in-process (CLI) run."""
    script = """
import json, os
import jax
jax.numpy.zeros(1)  # JAX's backend starts here, without the exact flags
import neuroplug
from neuroplug import crosschecking as cc
r = neuroplug.crosscheck("pinsky_rinzel", duration="50 ms")
assert "XLA_FLAGS" not in os.environ and not cc.exact_flags_active()
assert "child process" in r.report() and "brainpy_child_overhead_s" in r.timing
print(json.dumps(_summary(r)))
"""
    child, stderr = _python_without_xla_flags(script)
    assert "RuntimeWarning" not in stderr and "Traceback" not in stderr, stderr
    r = neuroplug.crosscheck("pinsky_rinzel", duration="50 ms")  # flags set by conftest
    here = json.loads(json.dumps(_summary(r)))
    assert here["process"] == cc.IN_PROCESS and child["process"] == cc.IN_CHILD
    assert child["flags"] and here["flags"] and child["passed"] and here["passed"]
    assert sum(child["spikes"]["brian2"]) > 0
    for key in ("max_rel", "spikes", "failures"):
        assert child[key] == here[key], key


def test_crosscheck_in_fresh_process_float32_and_distributional_tiers():
    """A process that never imported JAX: both other tiers run through the child, with
    the progress bar, and leave this process without JAX and without XLA_FLAGS."""
    script = """
import json, os, sys
import neuroplug
a = neuroplug.crosscheck("lif", dtype="float32", duration="100 ms")
b = neuroplug.crosscheck("stochastic_lif", duration="100 ms", seeds=2, progress=True)
assert "jax" not in sys.modules and "XLA_FLAGS" not in os.environ
print(json.dumps([_summary(a), _summary(b)]))
"""
    (a, b), stderr = _python_without_xla_flags(script)
    assert "RuntimeWarning" not in stderr and "Traceback" not in stderr, stderr
    assert "stochastic_lif seeds" in stderr, stderr  # the progress bar
    here_a = neuroplug.crosscheck("lif", dtype="float32", duration="100 ms")
    here_b = neuroplug.crosscheck("stochastic_lif", duration="100 ms", seeds=2)
    for child, here in ((a, here_a), (b, here_b)):
        assert child["process"] == cc.IN_CHILD
        assert child == dict(json.loads(json.dumps(_summary(here))), process=cc.IN_CHILD)


def test_child_process_errors_become_errors_here(monkeypatch):
    """An error in the child is the same exception here; a dead or hung child an error."""
    m = neuroplug.model("lif")
    stim = cc._stimulus(m, np.array([3e-10]), 0.0, 200, 1e-4)
    with cc._BrainpyChild() as child:
        _, spikes, _ = child.simulate(m, None, "exact", stim, 1e-4)
        assert len(spikes) == 1 and child.environment()["xla_exact_flags"]
        with pytest.raises(neuroplug.ParameterError, match="unknown preset 'nope'") as info:
            child.simulate(m, "nope", "exact", stim, 1e-4)
        assert info.value.field == "presets" and info.value.model == "lif"
        child._proc.kill()
        child._proc.wait()
        with pytest.raises(neuroplug.BackendError, match="exited with status"):
            child.simulate(m, None, "exact", stim, 1e-4)
    monkeypatch.setattr(cc, "CHILD_START_TIMEOUT_S", 1e-3)
    with pytest.raises(neuroplug.BackendError, match="gave no start-up message within"):
        with cc._BrainpyChild() as child:
            child.simulate(m, None, "exact", stim, 1e-4)
    assert child._proc.poll() is not None
