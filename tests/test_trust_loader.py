"""Loading a model file never runs code and always ends in a neuroplug error or a model."""

import os
import subprocess
import sys
import time
import tomllib

import pytest

from neuroplug.errors import ModelDefinitionError, ModelNotFoundError
from neuroplug.fuzz import dumps_toml, escape_strings
from neuroplug.library import library_dir, load_model, model
from neuroplug.quantities import parse_quantity

ADEX = tomllib.loads((library_dir() / "adex.toml").read_text())

#: (field path, how to place an escape string there)
FIELDS = [
    ("parameters.C.value", lambda d, e: d["parameters"]["C"].update(value=e)),
    ("parameters.C.value unit", lambda d, e: d["parameters"]["C"].update(value=f"281 {e}")),
    ("state.v.init", lambda d, e: d["state"]["v"].update(init=e)),
    ("equations", lambda d, e: d.update(equations=d["equations"] + f"\nz = {e} : 1\n")),
    ("equations unit", lambda d, e: d.update(equations=d["equations"] + f"\nz : {e}\n")),
    ("threshold", lambda d, e: d.update(threshold=e)),
    ("reset", lambda d, e: d.update(reset=f"v = {e}")),
    ("refractory", lambda d, e: d.update(refractory=e)),
    ("threshold_scale", lambda d, e: d.update(threshold_scale=e)),
    ("dt", lambda d, e: d.update(dt=f"0.1 {e}")),
    ("crosscheck.stimulus", lambda d, e: d["crosscheck"].update(stimulus=[e])),
    ("presets.tonic.parameters.a", lambda d, e: d["presets"]["tonic"]["parameters"].update(
        a=e)),
]


def _write(tmp_path, data, name="m.toml"):
    p = tmp_path / name
    p.write_text(dumps_toml(data))
    return p


@pytest.mark.parametrize("field,place", FIELDS, ids=[f for f, _ in FIELDS])
def test_escape_strings_never_run(tmp_path, field, place):
    canary = tmp_path / "canary"
    for k, escape in enumerate(escape_strings(str(canary))):
        data = tomllib.loads(dumps_toml(ADEX))
        place(data, escape)
        with pytest.raises(ModelDefinitionError) as info:
            load_model(_write(tmp_path, data, f"m{k}.toml"))
        assert not canary.exists(), f"{field}: code ran for {escape!r}"
        assert "\n" not in str(info.value)


def test_show_with_escape_exits_2(tmp_path):
    canary = tmp_path / "canary"
    data = tomllib.loads(dumps_toml(ADEX))
    data["parameters"]["C"]["value"] = f"281 {escape_strings(str(canary))[0]}"
    p = _write(tmp_path, data)
    r = subprocess.run([sys.executable, "-m", "neuroplug.cli", "show", str(p)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and not canary.exists()
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr


@pytest.mark.parametrize("text", ["-70 mV*9**9**9**9", "1 mV**1000", "1 mV*" * 50 + "1",
                                  "1 " + "(" * 500 + "mV" + ")" * 500, "x" * 10 ** 6])
def test_quantities_bounded(text):
    t0 = time.perf_counter()
    with pytest.raises(ValueError):
        parse_quantity(text)
    assert time.perf_counter() - t0 < 1.0


def _mutated(mutate):
    data = tomllib.loads(dumps_toml(ADEX))
    mutate(data)
    return data


CRASHERS = {
    "init exp": lambda d: d["state"]["v"].update(init="exp"),
    "init globals": lambda d: d["state"]["v"].update(init="globals()"),
    "init list": lambda d: d["state"]["v"].update(init="[E_L,[E_L]]"),
    "preset list of tables": lambda d: d["crosscheck"].update(presets=[{"x": 1}]),
    "methods ints": lambda d: d.update(methods=[1, 2]),
    "stimulus number": lambda d: d["crosscheck"].update(stimulus=[0.5]),
    "power tower": lambda d: d["parameters"]["E_L"].update(value="-70 mV*9**9**9**9"),
    "threshold_scale empty": lambda d: d.update(threshold_scale=""),
    "threshold_scale unknown": lambda d: d.update(threshold_scale="nope"),
    "huge value": lambda d: d["parameters"]["E_L"].update(value="1" * 1_000_000),
}
for reserved in ["mV", "dt", "t", "xi", "xi_1", "True", "i", "N", "np_stimulus", "t_ref ", "exp",
                 "pi", "lambda", "1a", "not_refractory"]:
    CRASHERS[f"parameter named {reserved!r}"] = (
        lambda r: lambda d: d["parameters"].update({r: {"value": "1 mV", "description": "x"}})
    )(reserved)


@pytest.mark.parametrize("name", list(CRASHERS))
def test_bad_files_give_one_line_model_errors_fast(tmp_path, name):
    p = _write(tmp_path, _mutated(CRASHERS[name]))
    t0 = time.perf_counter()
    with pytest.raises(ModelDefinitionError) as info:
        load_model(p)
    assert time.perf_counter() - t0 < 5
    msg = str(info.value)
    assert "\n" not in msg and len(msg) < 700, msg[:300]


@pytest.mark.parametrize("depth", [400, 5000])
def test_deep_nesting(tmp_path, depth):
    p = tmp_path / "deep.toml"
    p.write_text(f"x = {'[' * depth}{']' * depth}\n" + (library_dir() / "adex.toml").read_text())
    with pytest.raises(ModelDefinitionError, match="nested too deeply|unknown field 'x'"):
        load_model(p)


def test_exact_on_nonlinear_model_fails_fast(tmp_path):
    data = tomllib.loads((library_dir() / "chay.toml").read_text())
    data["method"] = "exact"
    t0 = time.perf_counter()
    with pytest.raises(ModelDefinitionError, match="needs linear equations"):
        load_model(_write(tmp_path, data))
    assert time.perf_counter() - t0 < 5


def test_long_model_name_is_not_found():
    with pytest.raises(ModelNotFoundError) as info:
        model("x" * 100_000)
    assert len(str(info.value)) < 2000


def test_unit_named_parameter_refused_but_base_unit_letters_allowed():
    m = model("hodgkin_huxley")  # state 'm' shadows the unit metre, as Brian2 allows
    assert "m" in m.state
