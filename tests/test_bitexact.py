"""The bitexact cross-check tier: Brian2 numpy, cython, cpp_standalone and BrainPy
identical on every step, corners reached, the first mismatch reported; its fields in
the model file and their errors; the random integer stimulus."""

import dataclasses
import json
import re
from pathlib import Path

import numpy as np
import pytest

import neuroplug
from neuroplug import crosschecking as cc
from neuroplug.library import library_dir

#: one worker runs the whole module, so the full cross-check (cython compilation, one
#: cpp_standalone build) happens once
pytestmark = pytest.mark.xdist_group("test_bitexact")


@pytest.fixture(scope="module")
def result():
    """The full cross-check of fixed_point_lif (one cpp_standalone build)."""
    return neuroplug.crosscheck("fixed_point_lif")


def test_fixed_point_lif_is_bitexact_in_every_target(result):
    assert result.passed, result.report()
    assert result.tier == "bitexact" and result.dtype == "float64"
    assert result.environment["brian2_targets"] == "numpy, cython, cpp_standalone"
    targets = result.metrics["targets"]
    assert set(targets) == {"cython", "cpp_standalone", "brainpy"}
    assert all(t["identical"] for t in targets.values())
    assert result.metrics["first_mismatch"] is None
    for name, v in result.metrics["variables"].items():
        assert v["identical"] and v["max_abs"] == 0 and v["bound"] == 0, name
    sp = result.metrics["spikes"]
    assert result.metrics["spike_steps_identical"] and all(sp["identical"])
    counts = sp["per_target"]
    assert counts["numpy"] == counts["cython"] == counts["cpp_standalone"] == counts["brainpy"]
    assert all(c > 50 for c in counts["numpy"])  # every neuron fires (and resets) often
    # integer traces are compared as int64, not through float
    assert result.traces["brian2"]["v"].dtype == np.int64
    assert result.traces["brainpy"]["v"].dtype == np.int64
    assert result.traces["brian2"]["v"].shape == (3, 10_000)


def test_the_corners_are_reached(result):
    corners = result.metrics["corners"]
    assert set(corners) == {"spike_reset", "refractory", "wrapped", "below_minus_half_range"}
    for name, c in corners.items():
        assert c["reached"] and c["count"] > 0 and c["first"] is not None, name
    # the wrap-around happens in the full-range neuron only (the others stay in range)
    v = result.traces["brian2"]["v"]
    ovf = result.traces["brian2"]["ovf"]
    assert ovf[2].any() and not ovf[:2].any()
    assert v.min() >= -2 ** 15 and v.max() < 2 ** 15


def test_report_json_and_plot(result, tmp_path):
    text = result.report()
    assert "tier `bitexact`" in text and "## Targets (against Brian2 numpy)" in text
    assert "| cpp_standalone | True |" in text and "## Corners" in text
    assert "random integers of `I`" in text and "held 20 steps, seed 13" in text
    data = json.loads(result.save_json(tmp_path / "r.json").read_text())
    assert data["tier"] == "bitexact" and data["passed"] is True
    assert data["metrics"]["corners"]["wrapped"]["reached"] is True
    png = result.plot(tmp_path / "r.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def numpy_only(monkeypatch):
    """Every Brian2 target of the tier replaced by the numpy target (no builds): for the
    tests of the comparison itself."""
    original = cc.simulate_brian2

    def simulate(m, preset, method, stim, dt, **kw):
        kw.pop("directory", None)
        return original(m, preset, method, stim, dt, **dict(kw, target="numpy"))

    monkeypatch.setattr(cc, "simulate_brian2", simulate)


def test_first_mismatch_is_reported_with_every_target(numpy_only, monkeypatch):
    original = cc.simulate_brainpy

    def perturbed(*args, **kw):
        traces, spikes, seconds = original(*args, **kw)
        traces = {k: np.array(v) for k, v in traces.items()}
        traces["cnt"][1, 123] += 1
        traces["v"][2, 200] -= 1
        spikes[0] = spikes[0][1:]
        return traces, spikes, seconds

    monkeypatch.setattr(cc, "simulate_brainpy", perturbed)
    r = neuroplug.crosscheck("fixed_point_lif", duration="400 ms")
    assert not r.passed
    first = r.metrics["first_mismatch"]
    assert first["variable"] == "cnt" and first["step"] == 123 and first["neuron"] == 1
    assert set(first["values"]) == {"numpy", "cython", "cpp_standalone", "brainpy"}
    assert first["values"]["brainpy"] == first["values"]["numpy"] + 1
    assert any(re.match(r"\[cnt\] first mismatch at step 123, neuron 1: numpy \d+, cython \d+, "
                        r"cpp_standalone \d+, brainpy \d+", f) for f in r.failures), r.failures
    assert any(f.startswith("[spikes] brainpy, neuron 0") for f in r.failures)
    assert not r.metrics["targets"]["brainpy"]["identical"]
    assert r.metrics["targets"]["cython"]["identical"]
    assert "First mismatch: `cnt` at step 123, neuron 1" in r.report()


def test_a_corner_never_reached_fails(numpy_only):
    m = neuroplug.model("fixed_point_lif")
    spec = dataclasses.replace(m.crosscheck, corners=m.crosscheck.corners + (
        ("impossible", "v > 40000"), ("driven_up", "I > 1000 and not spike == 1")))
    r = neuroplug.crosscheck(dataclasses.replace(m, crosscheck=spec), duration="300 ms")
    assert not r.passed
    assert r.failures == ["[corner] 'impossible' (v > 40000) was never true in the run: the "
                          "stimulus does not reach it"]
    assert r.metrics["corners"]["driven_up"]["reached"]  # inputs are names of a corner
    assert r.metrics["corners"]["wrapped"]["reached"]


def test_float32_compares_brainpy_float32_with_numpy():
    r = neuroplug.crosscheck("fixed_point_lif", dtype="float32", duration="2 s")
    assert r.passed, r.report()
    assert r.environment["brian2_targets"] == "numpy"
    assert set(r.metrics["targets"]) == {"brainpy"}


def test_cli_verdict_line(numpy_only, capsys):
    from neuroplug.cli import main

    assert main(["crosscheck", "fixed_point_lif", "--duration", "300 ms", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("PASS  fixed_point_lif") and "bitexact" in out
    assert "identical steps" in out


def test_random_stimulus():
    stim = cc.random_stimulus([0, 5, 1000], 95, hold=10, seed=3)
    assert stim.shape == (95, 3) and np.all(stim == np.round(stim))
    assert np.all(stim[:, 0] == 0) and np.abs(stim[:, 1]).max() <= 5
    assert np.abs(stim[:, 2]).max() <= 1000
    blocks = stim[:90].reshape(9, 10, 3)
    assert np.all(blocks == blocks[:, :1])  # held for 10 steps
    assert np.array_equal(stim, cc.random_stimulus([0, 5, 1000], 95, hold=10, seed=3))
    assert not np.array_equal(stim, cc.random_stimulus([0, 5, 1000], 95, hold=10, seed=4))
    values = np.random.default_rng(3).integers(-np.array([0, 5, 1000]),
                                               np.array([0, 5, 1000]) + 1, size=(10, 3))
    assert np.array_equal(stim, np.repeat(values, 10, axis=0)[:95])  # the documented draw


# -- the model-file fields --------------------------------------------------------------
def _variant(tmp_path, base, old, new):
    text = (library_dir() / f"{base}.toml").read_text()
    assert old in text, old
    path = tmp_path / f"{base}.toml"
    path.write_text(text.replace(old, new))
    return str(path)


@pytest.mark.parametrize("base, old, new, field, words", [
    ("fixed_point_lif", 'tier = "bitexact"', 'tier = "exact"', "crosscheck.corners",
     "expected them only with tier = \"bitexact\""),
    ("fixed_point_lif", 'wrapped = "ovf == 1"', 'wrapped = "ovv == 1"',
     "crosscheck.corners.wrapped", "unknown name 'ovv'"),
    ("fixed_point_lif", 'wrapped = "ovf == 1"', 'wrapped = ""', "crosscheck.corners.wrapped",
     "expected a condition"),
    ("fixed_point_lif", 'hold = 20', 'hold = 0', "crosscheck.hold", "1 <= hold"),
    ("fixed_point_lif", 'seed = 13', 'seed = -1', "crosscheck.seed", "0 <= seed"),
    ("fixed_point_lif", '"1024"', '"10.5"', "crosscheck.stimulus[1]", "expected an integer"),
    ("fixed_point_lif", 'hold = 20', 'hold = 20\nholds = 3', "crosscheck.holds",
     "unknown field 'holds'"),
    ("fixed_point_lif", 'tier = "bitexact"', 'tier = "bit-exact"', "crosscheck.tier",
     "'bitexact'"),
    ("fixed_point_lif", 'v_threshold = { value = "256"', 'v_threshold = { value = "256.5"',
     "parameters.v_threshold.value", "expected an integer"),
    ("lif", 'protocol = "step"', 'protocol = "random"', "crosscheck.protocol",
     "expected a dimensionless input"),
    ("fixed_point_lif", 'protocol = "random"', 'protocol = "step"', "crosscheck.hold",
     "expected it only with protocol = \"random\""),
])
def test_tier_field_errors(tmp_path, base, old, new, field, words):
    with pytest.raises(neuroplug.ModelDefinitionError) as exc:
        neuroplug.model(_variant(tmp_path, base, old, new))
    assert exc.value.field == field and words in exc.value.detail, str(exc.value)
    assert len(str(exc.value).splitlines()) == 1


def test_bitexact_refuses_random_numbers(tmp_path):
    path = _variant(tmp_path, "fixed_point_lif", "cnt = cnt - held",
                    "cnt = cnt - held*int(rand() < 2)")
    with pytest.raises(neuroplug.ModelDefinitionError, match="tier = \"distributional\"") as e:
        neuroplug.model(path)
    assert e.value.field == "crosscheck.tier"


def test_schema_documents_the_tier():
    readme = (Path(neuroplug.__file__).resolve().parents[1] / "equations" / "README.md")
    text = readme.read_text()
    for word in ("`bitexact`", "`corners`", "`hold`", "`seed`", '"random"',
                 "shift_right", "trunc_div", "round_shift", "saturate", "wrap"):
        assert word in text, word
