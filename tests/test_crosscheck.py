"""Cross-check Brian2 <-> BrainPy for every model (enumerated) and that it can fail."""

import json

import numpy as np
import pytest

import neuroplug
from neuroplug import crosschecking as cc

from .helpers import MODEL_IDS, capped_duration

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
    sp = r.metrics["spikes"]
    assert sum(sp["brian2"]) > 0, "the protocol must make the model spike"
    if r.tier == "exact":
        assert r.metrics["spike_steps_identical"]
        assert r.duration == pytest.approx(float(neuroplug.quantities.parse_quantity(
            neuroplug.model(model_id).crosscheck.duration)))
        for name, v in r.metrics["variables"].items():
            assert v["max_rel"] <= cc.EXACT_REL_BOUND, name
    else:
        for row in r.metrics["distribution"]:
            assert row["rate_rel_diff"] <= cc.RATE_REL_BOUND
            assert row["ks_pvalue"] > cc.KS_P_MIN


@pytest.mark.parametrize("model_id", _grouped([(m,) for m in MODEL_IDS], MODEL_IDS))
def test_crosscheck_float32_tier(model_id):
    m = neuroplug.model(model_id)
    duration = capped_duration(model_id, 20_000)
    r = neuroplug.crosscheck(model_id, dtype="float32", duration=duration,
                             seeds=2 if m.crosscheck.tier == "distributional" else None)
    assert r.passed, r.report()
    assert sum(r.metrics["spikes"]["brian2"]) > 0


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
    assert sum(r.metrics["spikes"]["brian2"]) > 0


def test_saiunit_and_brian2_times_are_accepted():
    import brian2 as b2
    import saiunit as su

    r1 = neuroplug.crosscheck("lif", dt=0.1 * su.ms, duration=100 * su.ms)
    r2 = neuroplug.crosscheck("lif", dt=0.1 * b2.ms, duration="100 ms")
    assert r1.dt == r2.dt == pytest.approx(1e-4) and r1.passed and r2.passed
