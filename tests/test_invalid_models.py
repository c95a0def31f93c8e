"""Every invalid model file raises the right error, naming file, model, field and problem.

Each fixture in ``tests/data/invalid/`` is ``equations/lif.toml`` with exactly one
problem (its first line says which).  ``INVALID`` maps each fixture to the most
specific exception class expected and to fragments that must appear in the message.
Fixtures the validator does not (yet) reject are listed in ``GAPS`` and run as strict
xfails: they document the missing check, and start failing once it is added, so the
entry can then be moved into the passing set.
"""

from pathlib import Path

import pytest

import neuroplug
import neuroplug.library
from neuroplug import (
    Model,
    ModelDefinitionError,
    ModelNotFoundError,
    ParameterError,
    UnitError,
)

DATA = Path(__file__).parent / "data"
INVALID_DIR = DATA / "invalid"
MY_LIF = DATA / "valid" / "my_lif.toml"

LIF = "model 'lif'"

#: fixture file name -> (exact exception class, fragments of str(exc))
INVALID = {
    # --- TOML and schema -------------------------------------------------------------
    "malformed_toml.toml": (ModelDefinitionError,
                            ["malformed TOML", "expected a valid TOML document"]),
    "unknown_field.toml": (ModelDefinitionError,
                           [LIF, "field 'colour'", "unknown field 'colour'", "expected one of"]),
    "unknown_parameter_field.toml": (ModelDefinitionError,
                                     [LIF, "field 'parameters.tau_m.units'",
                                      "unknown field 'units'", "expected one of",
                                      "'constraint', 'description', 'type', 'value'"]),
    "missing_field.toml": (ModelDefinitionError,
                           [LIF, "field 'method'", "missing required field"]),
    "wrong_type.toml": (ModelDefinitionError,
                        [LIF, "field 'dt'", "found float 0.1", "expected str"]),
    "bad_id.toml": (ModelDefinitionError,
                    ["model 'My-LIF'", "field 'id'", "found id 'My-LIF'",
                     "expected lower_snake_case"]),
    # --- units and values ------------------------------------------------------------
    "unknown_unit.toml": (UnitError,
                          [LIF, "field 'parameters.C_m.value'", "unknown unit 'pFF'",
                           "'250 pFF'", "expected a Brian2 unit name"]),
    "nan_value.toml": (UnitError,
                       [LIF, "field 'parameters.C_m.value'", "found non-finite value 'nan pF'",
                        "expected a finite number"]),
    "inf_value.toml": (UnitError,
                       [LIF, "field 'parameters.C_m.value'", "found non-finite value 'inf pF'",
                        "expected a finite number"]),
    "overflow_value.toml": (UnitError,
                            [LIF, "field 'parameters.C_m.value'",
                             "found non-finite value '1e400 pF'", "expected a finite number"]),
    "toml_nan_value.toml": (UnitError,
                            [LIF, "field 'parameters.C_m.value'", "found non-finite value nan",
                             "expected a finite number"]),
    "nonpositive_tau.toml": (ParameterError,
                             [LIF, "field 'parameters.tau_m'", "found -10",
                              "expected a positive value", "constraint 'positive'"]),
    "zero_tau.toml": (ParameterError,
                      [LIF, "field 'parameters.tau_m'", "found 0",
                       "expected a positive value", "constraint 'positive'"]),
    "negative_refractory.toml": (ParameterError,
                                 [LIF, "field 'parameters.t_ref'", "found -2",
                                  "expected a value >= 0", "constraint 'nonnegative'"]),
    "bad_constraint.toml": (ModelDefinitionError,
                            [LIF, "field 'parameters.t_ref.constraint'", "found 'sometimes'",
                             "expected one of", "'positive', 'nonnegative', 'any'"]),
    "dimension_mismatch.toml": (UnitError,
                                [LIF, "field 'equations'", "inconsistent units", "C_m = 250 mV"]),
    # --- equations, state, inputs ----------------------------------------------------
    "bad_equations.toml": (ModelDefinitionError,
                           [LIF, "field 'equations'", "was never closed",
                            "was never closed"]),
    "undeclared_state.toml": (ModelDefinitionError,
                              [LIF, "field 'state.v'", "equation variable 'v' (volt)",
                               "is not declared", "expected an entry under [state]"]),
    "state_not_in_equations.toml": (ModelDefinitionError,
                                    [LIF, "field 'state.w'", "state variable 'w'",
                                     "does not appear in the equations", "expected one of ['v']"]),
    "undeclared_parameter.toml": (ModelDefinitionError,
                                  [LIF, "field 'equations'", "Brian2 rejects the equations",
                                   '"C_m" could not be resolved']),
    "input_not_parameter.toml": (ModelDefinitionError,
                                 [LIF, "field 'inputs.I_syn'", "input 'I_syn'",
                                  "is not a parameter variable of the equations",
                                  "expected a line such as 'I_syn : amp'"]),
    "bad_init_unit.toml": (UnitError,
                           [LIF, "field 'state.v.init'", "init '0 pA' has dimensions A",
                            "expected volt"]),
    "bad_init_expression.toml": (ModelDefinitionError,
                                 [LIF, "field 'state.v.init'",
                                  "cannot evaluate init expression 'E_rest'",
                                  "unknown name 'E_rest'",
                                  "expression of parameters and units"]),
    "inf_init.toml": (UnitError,
                      [LIF, "field 'state.v.init'", "finite"]),
    # --- method, threshold, reset ----------------------------------------------------
    "bad_method.toml": (ModelDefinitionError,
                        [LIF, "field 'method'", "found 'leapfrog'", "expected one of",
                         "'exact'", "'rk4'"]),
    "nonlinear_exact.toml": (ModelDefinitionError,
                             [LIF, "field 'method'", "method 'exact'",
                              "needs linear equations"]),
    "bad_reset.toml": (ModelDefinitionError,
                       [LIF, "field 'reset'", "Brian2 rejects the reset",
                        '"V_rest" could not be resolved']),
    "threshold_unit.toml": (UnitError,
                            [LIF, "field 'threshold'", "inconsistent units",
                             "different units", "t_ref = 2 ms"]),
    # --- presets ---------------------------------------------------------------------
    "unknown_preset_parameter.toml": (ModelDefinitionError,
                                      [LIF, "field 'presets.no_refractory.parameters.tau_x'",
                                       "unknown parameter 'tau_x'", "expected one of",
                                       "'tau_m'"]),
    "preset_parameter_unit.toml": (UnitError,
                                   [LIF, "field 'presets.no_refractory.parameters.t_ref'",
                                    "found '0 mV'", "expected dimensions of '2 ms'"]),
    "preset_negative_tau.toml": (ParameterError,
                                 [LIF, "field 'presets.no_refractory.parameters.tau_m'",
                                  "found -5", "expected a positive value"]),
    "preset_unknown_reference.toml": (ModelDefinitionError,
                                      [LIF, "field 'presets.no_refractory.reference'",
                                       "unknown reference 'nobody2020'", "expected one of",
                                       "'gerstner2014'"]),
    "preset_stimulus_unit.toml": (UnitError,
                                  [LIF, "field 'presets.brunel2000.stimulus'", "300 mV",
                                   "amp"]),
    # --- cross-check contract --------------------------------------------------------
    "bad_tier.toml": (ModelDefinitionError,
                      [LIF, "field 'crosscheck.tier'", "found 'approximate'",
                       "expected one of ['exact', 'distributional', 'bitexact']"]),
    "stimulus_unit.toml": (UnitError,
                           [LIF, "field 'crosscheck.stimulus[0]'", "found '300 mV' (volt)",
                            "expected a value in amp", "input 'I'"]),
    "crosscheck_zero_dt.toml": (UnitError,
                                [LIF, "field 'crosscheck.dt'", "found '0 ms'", "positive"]),
    "stochastic_exact_tier.toml": (ModelDefinitionError,
                                   ["model 'stochastic_lif'", "field 'crosscheck.tier'",
                                    "random numbers (xi", "distributional"]),
    "unknown_spike_variable.toml": (ModelDefinitionError,
                                    [LIF, "field 'spike_variable'", "found 'u'",
                                     "expected a state variable"]),
    "crosscheck_unknown_preset.toml": (ModelDefinitionError,
                                       [LIF, "field 'crosscheck.presets[1]'",
                                        "unknown preset 'brunel2001'", "expected one of",
                                        "'brunel2000'"]),
}

#: fixtures the validator accepts although they are invalid (strict xfail)
GAPS: dict[str, str] = {}


def _cases():
    for name, (cls, fragments) in sorted(INVALID.items()):
        marks = [pytest.mark.xfail(strict=True, raises=AssertionError, reason=GAPS[name])] \
            if name in GAPS else []
        yield pytest.param(name, cls, fragments, id=name.removesuffix(".toml"), marks=marks)


@pytest.mark.parametrize("name, cls, fragments", list(_cases()))
def test_invalid_model_file(name, cls, fragments):
    path = INVALID_DIR / name
    assert path.is_file(), f"fixture {path} is missing"
    with pytest.raises(ModelDefinitionError) as info:
        try:
            neuroplug.load_model(path)
        except ModelDefinitionError:
            raise
        else:
            raise AssertionError(f"{name} loaded without error; expected {cls.__name__}")
    exc = info.value
    assert type(exc) is cls, f"{name}: raised {type(exc).__name__}: {exc}"
    message = str(exc)
    assert exc.source == str(path)
    assert name in message, message
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    if exc.model is not None:
        assert f"model '{exc.model}'" in message
    if exc.field is not None:
        assert f"field '{exc.field}'" in message


def test_every_invalid_fixture_is_in_the_table():
    on_disk = {p.name for p in INVALID_DIR.glob("*.toml")}
    assert on_disk, f"no fixtures in {INVALID_DIR}"
    assert on_disk - set(INVALID) == set(), "fixtures without an expected error in INVALID"
    assert set(INVALID) - on_disk == set(), "INVALID names fixtures that do not exist"
    assert set(GAPS) <= set(INVALID)


# ----------------------------------------------------------------------------------
# API errors
@pytest.fixture
def clean_registry():
    neuroplug.library._registry.pop("my_lif", None)
    yield
    neuroplug.library._registry.pop("my_lif", None)


def test_unknown_model_id():
    with pytest.raises(ModelNotFoundError) as info:
        neuroplug.model("no_such_model")
    assert "unknown model 'no_such_model'" in str(info.value)
    assert "expected one of" in str(info.value)
    assert "lif" in str(info.value)


def test_missing_model_file():
    path = DATA / "valid" / "no_such_file.toml"
    with pytest.raises(ModelNotFoundError) as info:
        neuroplug.model(path)
    assert "no_such_file.toml" in str(info.value)


def test_unknown_preset():
    with pytest.raises(ParameterError) as info:
        neuroplug.model("lif").parameter_values(preset="nope")
    msg = str(info.value)
    assert type(info.value) is ParameterError
    assert "unknown preset 'nope'" in msg
    assert "model 'lif'" in msg and "brunel2000" in msg


def test_unknown_parameter_override():
    with pytest.raises(ParameterError) as info:
        neuroplug.model("lif").parameter_values(tau_x="1 ms")
    msg = str(info.value)
    assert "unknown parameter override 'tau_x'" in msg
    assert "field 'parameters.tau_x'" in msg and "tau_m" in msg


def test_override_with_wrong_dimensions():
    with pytest.raises(ParameterError) as info:
        neuroplug.model("lif").parameter_values(tau_m="5 mV")
    msg = str(info.value)
    assert "field 'parameters.tau_m'" in msg
    assert "dimensions" in msg and "default value 10 ms" in msg


def test_override_nonpositive_time_constant():
    with pytest.raises(ParameterError) as info:
        neuroplug.model("lif").parameter_values(tau_m="-1 ms")
    msg = str(info.value)
    assert "field 'parameters.tau_m'" in msg and "positive" in msg


def test_override_non_finite():
    with pytest.raises(ParameterError) as info:
        neuroplug.model("lif").parameter_values(C_m="inf pF")
    assert "non-finite" in str(info.value)


def test_valid_user_file_by_path():
    m = neuroplug.load_model(MY_LIF)
    assert isinstance(m, Model) and m.id == "my_lif"
    assert m.title != neuroplug.model("lif").title
    for arg in (MY_LIF, str(MY_LIF)):
        m = neuroplug.model(arg)
        assert isinstance(m, Model)
        assert m.id == "my_lif"
        assert m.source == str(MY_LIF)


def test_register_user_file_and_duplicate(clean_registry):
    assert "my_lif" not in neuroplug.models()
    m = neuroplug.register(MY_LIF)
    assert m.id == "my_lif"
    assert "my_lif" in neuroplug.models()
    assert neuroplug.model("my_lif") is m
    with pytest.raises(ModelDefinitionError) as info:
        neuroplug.register(MY_LIF)
    exc = info.value
    assert type(exc) is ModelDefinitionError
    assert "duplicate id 'my_lif'" in str(exc)
    assert exc.field == "id" and exc.model == "my_lif"
    assert neuroplug.register(MY_LIF, replace=True).id == "my_lif"


def test_register_duplicate_of_library_id(clean_registry):
    with pytest.raises(ModelDefinitionError) as info:
        neuroplug.register(neuroplug.library.library_dir() / "lif.toml")
    assert "duplicate id 'lif'" in str(info.value)


def test_a_listed_method_is_checked_when_first_used(tmp_path):
    """Loading derives the pinned method's code; another listed method that Brian2 cannot
    apply fails with the same clear error the first time it is asked for."""
    from neuroplug.brian2 import numpy_code

    text = (DATA / "invalid" / "nonlinear_exact.toml").read_text()
    path = tmp_path / "lif.toml"
    path.write_text(text.replace('\nmethod = "exact"', '\nmethod = "euler"', 1))
    m = neuroplug.load_model(path)
    assert m.method == "euler" and "exact" in m.methods
    with pytest.raises(ModelDefinitionError) as err:
        numpy_code(m, "exact")
    for part in ("field 'methods'", "method 'exact'", "needs linear equations"):
        assert part in str(err.value)
