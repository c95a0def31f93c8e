"""The model library: every file loads, validates and is complete (enumerated)."""

import re

import pytest

import neuroplug
from neuroplug.library import METHODS, library_dir
from neuroplug.model import Model

from .helpers import MODEL_IDS

REQUIRED = {"lif", "adex", "izhikevich", "hodgkin_huxley", "rulkov", "stochastic_lif"}


def test_library_has_the_required_models():
    assert REQUIRED <= set(MODEL_IDS)
    assert MODEL_IDS == sorted(p.stem for p in library_dir().glob("*.toml"))


@pytest.mark.parametrize("model_id", MODEL_IDS)
def test_model_file_is_complete(model_id):
    m = neuroplug.model(model_id)
    assert isinstance(m, Model)
    assert m.id == model_id and m.title and m.family and m.description
    assert m.source.endswith(f"{model_id}.toml") and len(m.sha256) == 64
    assert m.method in METHODS and m.method in m.methods
    assert m.state and m.inputs, "every model needs state and an input"
    # every parameter is used somewhere and has a description
    text = " ".join(filter(None, [m.equations, m.threshold, m.reset, m.refractory, m.update,
                                  " ".join(s.init for s in m.state.values()),
                                  " ".join(i.on_spike or "" for i in m.inputs.values()),
                                  m.coupling.kernel if m.coupling else ""]))
    for name, p in m.parameters.items():
        assert p.description, name
        assert re.search(rf"\b{name}\b", text), f"parameter {name} is never used"
    for name, s in m.state.items():
        assert s.description and s.init, name
    # references: DOI or URL, and presets cite existing references
    keys = {r.key for r in m.references}
    assert all(r.doi or r.url for r in m.references)
    for preset in m.presets.values():
        assert preset.reference in keys and preset.description
        m.parameter_values(preset.name)  # valid values
    cc = m.crosscheck
    assert cc.reason and cc.tier in ("exact", "distributional", "bitexact") and cc.stimulus


def test_equations_are_the_exact_brian2_string():
    m = neuroplug.model("adex")
    assert "exp((v - V_T)/Delta_T)" in m.equations
    import brian2

    eqs = brian2.Equations(m.equations)
    assert set(eqs.diff_eq_names) == {"v", "w"}


def test_presets_required_by_the_catalog():
    assert {"RS", "IB", "CH", "FS", "LTS", "RZ", "TC"} <= set(neuroplug.model("izhikevich").presets)
    naud = neuroplug.model("adex").presets
    assert len(naud) >= 5
    assert all(p.reference == "naud2008" for p in naud.values())


def test_map_and_noise_models_are_expressible():
    assert neuroplug.model("rulkov").is_map and neuroplug.model("rulkov").update
    assert neuroplug.model("stochastic_lif").stochastic
    assert not neuroplug.model("lif").stochastic


def test_parameter_values_apply_preset_then_overrides():
    import brian2 as b2

    m = neuroplug.model("adex")
    v = m.parameter_values("tonic", b="10 pA")
    assert float(v["C"]) == pytest.approx(200e-12)
    assert float(v["b"]) == pytest.approx(10e-12)
    v = m.parameter_values(tau_w=50 * b2.ms)
    assert float(v["tau_w"]) == pytest.approx(0.05)


def test_saiunit_overrides_are_converted():
    import saiunit as su

    v = neuroplug.model("lif").parameter_values(tau_m=20 * su.ms, C_m=0.5 * su.nfarad)
    assert float(v["tau_m"]) == pytest.approx(0.02)
    assert float(v["C_m"]) == pytest.approx(5e-10)


def test_wheel_ships_equations_and_rtl():
    """`pip install .` must carry equations/ and hw/ inside the package (hatch force-include)."""
    import importlib.metadata
    import tomllib
    from pathlib import Path

    root = Path(__file__).parents[1]
    cfg = tomllib.loads((root / "pyproject.toml").read_text())
    include = cfg["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert include == {"equations": "neuroplug/equations",
                       "hw/rtl": "neuroplug/hw/rtl", "hw/tb": "neuroplug/hw/tb"}
    for source in include:
        assert any((root / source).iterdir()), f"{source}/ is empty"
    try:
        shipped = {str(f) for f in importlib.metadata.files("neuroplug") or ()}
    except importlib.metadata.PackageNotFoundError:
        return  # not installed here; CI installs it with `pip install .` and checks below
    if any(f.startswith("neuroplug/") for f in shipped):  # a real install, not an editable one
        # (possibly of an older checkout: check what ships, not that it equals this tree)
        assert "neuroplug/equations/lif.toml" in shipped
        assert "neuroplug/equations/README.md" in shipped
        assert any(f.startswith("neuroplug/hw/rtl/") and f.endswith(".v") for f in shipped)
        assert any(f.startswith("neuroplug/hw/tb/") and f.endswith(".py") for f in shipped)
