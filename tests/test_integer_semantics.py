"""Integer arithmetic means the same thing in Brian2 (numpy, cython, cpp_standalone) and
BrainPy: a table of operations x operand signs x targets, each value identical in every
target and equal to a reference computed here with Python integers from the documented
definitions (equations/README.md, "Integer arithmetic").

One model file holds the whole table (one state variable per operation, one neuron per
operand row); it runs one step on each target, with a single cpp_standalone build.
The second half checks that the loader refuses the integer code that Brian2's targets
compute differently, and that BrainPy refuses integer models without 64-bit integers.
"""

import math
from types import SimpleNamespace

import numpy as np
import pytest

import neuroplug

#: one worker runs the whole module, so the table is built (cython, cpp_standalone) once
pytestmark = pytest.mark.xdist_group("test_integer_semantics")

# operand rows: x, y (y != 0), n (a shift or width), fx, fy (fy != 0); signs of every
# kind, zero, values beyond int32 and rounding ties
ROWS = [
    (7, 2, 1, 7.5, 2.0),
    (-7, 2, 1, -7.5, 2.0),
    (7, -2, 2, 7.5, -2.0),
    (-7, -2, 2, -7.5, -2.0),
    (6, 3, 2, -0.5, 0.25),           # 6/4 = 1.5: a tie
    (-6, 3, 2, 2.5, 1.0),            # -6/4 = -1.5: a tie
    (0, 5, 0, -2.5, 1.0),            # n = 0
    (-1, 4, 5, 0.0, 3.0),
    (255, 7, 8, 1e9 + 0.5, 7.0),
    (-129, -7, 3, -1e9 - 0.5, -7.0),
    (32768, 3, 4, 123456.75, -0.5),
    (5_000_000_007, 3, 7, 2147483000.25, 0.75),      # beyond int32
    (-5_000_000_007, 3, 9, -2147483000.25, 3.5),
    (2 ** 40 + 1, -7, 20, 65535.5, -1.5),
    (-(2 ** 40) - 3, 65536, 33, -98765.25, 4.0),
    (123456789, -1, 62, 0.5, 1.0),
]


def _sign(v):
    return (v > 0) - (v < 0)


def _tdiv(x, d):
    return _sign(x) * _sign(d) * (abs(x) // abs(d))


def _wrap(x, b):
    return (x + 2 ** (b - 1)) % 2 ** b - 2 ** (b - 1)


def _sat(x, b):
    return min(max(x, -2 ** (b - 1)), 2 ** (b - 1) - 1)


def _round_shift(x, n):
    return _sign(x) * ((abs(x) + (2 ** (n - 1) if n else 0)) // 2 ** n)


# name -> (Brian2 expression, type of the result, reference over one row r)
OPS = {
    # arithmetic of int64 (Python semantics of // and %)
    "add": ("x + y", "integer", lambda r: r.x + r.y),
    "sub": ("x - y", "integer", lambda r: r.x - r.y),
    "mul": ("x * y", "integer", lambda r: r.x * r.y),
    "neg": ("-x", "integer", lambda r: -r.x),
    "floordiv": ("x // y", "integer", lambda r: r.x // r.y),
    "mod": ("x % y", "integer", lambda r: r.x % r.y),
    "floordiv_literal": ("x // 3", "integer", lambda r: r.x // 3),
    "mod_negative_literal": ("x % -3", "integer", lambda r: r.x % -3),
    "abs": ("abs(x)", "integer", lambda r: abs(r.x)),
    "sign": ("sign(x)", "integer", lambda r: _sign(r.x)),
    "clip": ("clip(x, -5, 5)", "integer", lambda r: min(max(r.x, -5), 5)),
    "compare": ("int(x < y) + 2*int(x == y) + 4*int(x >= 0 and y > 0)", "integer",
                lambda r: (r.x < r.y) + 2 * (r.x == r.y) + 4 * (r.x >= 0 and r.y > 0)),
    "greater": ("x > y", "boolean", lambda r: r.x > r.y),
    "int_small": ("int(x % 1000)", "integer", lambda r: r.x % 1000),
    # float <-> integer (int(), floor, ceil: |value| < 2**31)
    "int_float": ("int(fx)", "integer", lambda r: math.trunc(r.fx)),
    "floor_float": ("floor(fx)", "float", lambda r: float(math.floor(r.fx))),
    "ceil_float": ("ceil(fx)", "float", lambda r: float(math.ceil(r.fx))),
    "float_floordiv": ("fx // fy", "float", lambda r: r.fx // r.fy),
    "float_mod": ("fx % fy", "float", lambda r: r.fx % r.fy),
    "mixed_floordiv": ("x // fy", "float", lambda r: r.x // r.fy),
    "mixed_mod": ("x % fy", "float", lambda r: r.x % r.fy),
    "mixed_mul": ("x * fy", "float", lambda r: r.x * r.fy),
    "abs_float": ("abs(fx)", "float", lambda r: abs(r.fx)),
    "sign_float": ("sign(fx)", "float", lambda r: float(_sign(r.fx))),
    "clip_float": ("clip(fx, -2, 2)", "float", lambda r: min(max(r.fx, -2.0), 2.0)),
    # neuroplug's integer functions
    "shift_right": ("shift_right(x, n)", "integer", lambda r: r.x // 2 ** r.n),
    "shift_left": ("shift_left(x, n % 21)", "integer", lambda r: r.x * 2 ** (r.n % 21)),
    "round_shift": ("round_shift(x, n)", "integer", lambda r: _round_shift(r.x, r.n)),
    "bit_and": ("bit_and(x, y)", "integer", lambda r: r.x & r.y),
    "bit_or": ("bit_or(x, y)", "integer", lambda r: r.x | r.y),
    "bit_xor": ("bit_xor(x, y)", "integer", lambda r: r.x ^ r.y),
    "mask_8": ("mask(x, 8)", "integer", lambda r: r.x % 2 ** 8),
    "mask_40": ("mask(x, 40)", "integer", lambda r: r.x % 2 ** 40),
    "wrap_8": ("wrap(x, 8)", "integer", lambda r: _wrap(r.x, 8)),
    "wrap_16": ("wrap(x, 16)", "integer", lambda r: _wrap(r.x, 16)),
    "wrap_63": ("wrap(x*y, 63)", "integer", lambda r: _wrap(r.x * r.y, 63)),
    "saturate_8": ("saturate(x, 8)", "integer", lambda r: _sat(r.x, 8)),
    "saturate_32": ("saturate(x, 32)", "integer", lambda r: _sat(r.x, 32)),
    "trunc_div": ("trunc_div(x, y)", "integer", lambda r: _tdiv(r.x, r.y)),
    "trunc_mod": ("trunc_mod(x, y)", "integer", lambda r: r.x - r.y * _tdiv(r.x, r.y)),
    "nested": ("wrap(shift_right((x - 3)*y, 2) + trunc_div(x, 3), 24)", "integer",
               lambda r: _wrap((r.x - 3) * r.y // 4 + _tdiv(r.x, 3), 24)),
}

TARGETS = ("numpy", "cython", "cpp_standalone", "brainpy")


def _model_text():
    unit = {"integer": "integer", "float": "1", "boolean": "boolean"}
    eqs = "".join(f"r_{k} : {unit[kind]}\n" for k, (_, kind, _) in OPS.items())
    eqs += "x : integer\ny : integer\nn : integer\nfx : 1\nfy : 1\n"
    update = "\n".join(f"r_{k} = {expr}" for k, (expr, _, _) in OPS.items())
    state = "\n".join(f'r_{k} = {{ init = "0", description = "{k}" }}' for k in OPS)
    return f'''id = "integer_table"
title = "integer semantics table"
family = "test"
kind = "map"
description = "One state variable per operation of tests/test_integer_semantics.py."
equations = """
{eqs}"""
update = """
{update}
"""
method = "euler"
dt = "1 ms"

[parameters]

[state]
{state}

[inputs]
x = {{ description = "integer operand" }}
y = {{ description = "integer operand" }}
n = {{ description = "shift or width" }}
fx = {{ description = "float operand" }}
fy = {{ description = "float operand" }}

[[references]]
key = "none"
citation = "test"
url = "https://example.org"

[crosscheck]
tier = "bitexact"
protocol = "random"
stimulus = ["5"]
reason = "test"
'''


def _brian2_results(m, target, tmp_path_factory):
    import brian2 as b2

    import neuroplug.brian2 as nb2
    from neuroplug.build import standalone_device

    columns = list(zip(*ROWS))

    def make():
        G = nb2.group(m, len(ROWS), dt=1 * b2.ms)
        for name, values in zip(("x", "y", "n", "fx", "fy"), columns):
            setattr(G, name, np.asarray(values, dtype=np.int64 if name in "xyn" else float))
        b2.Network(G).run(1 * b2.ms)
        return G

    if target == "cpp_standalone":
        from neuroplug.crosschecking import standalone_directory

        from neuroplug.crosschecking import _standalone_lock

        folder = standalone_directory(m) or tmp_path_factory.mktemp("standalone")
        with _standalone_lock(folder), standalone_device("cpp_standalone", folder):
            G = make()
            b2.device.build(directory=str(folder), compile=True, run=True)
            return {k: np.array(getattr(G, f"r_{k}")[:]) for k in OPS}
    old = b2.prefs.codegen.target
    b2.prefs.codegen.target = target
    try:
        G = make()
        return {k: np.array(getattr(G, f"r_{k}")[:]) for k in OPS}
    finally:
        b2.prefs.codegen.target = old


def _brainpy_results(m):
    import brainstate
    import jax.numpy as jnp
    import saiunit as u

    import neuroplug.brainpy as nbp

    columns = [np.asarray(c) for c in zip(*ROWS)]
    with nbp.precision("float64"), brainstate.environ.context(dt=1 * u.ms):
        layer = nbp.neuron_class(m)(len(ROWS))
        layer.init_state()
        layer.update(jnp.asarray(columns[0], dtype=jnp.int64),
                     y=jnp.asarray(columns[1], dtype=jnp.int64),
                     n=jnp.asarray(columns[2], dtype=jnp.int64),
                     fx=jnp.asarray(columns[3]), fy=jnp.asarray(columns[4]))
        return {k: np.asarray(getattr(layer, f"r_{k}").value) for k in OPS}


@pytest.fixture(scope="module")
def table(tmp_path_factory):
    path = tmp_path_factory.mktemp("integer_table") / "integer_table.toml"
    path.write_text(_model_text())
    m = neuroplug.model(str(path))
    out = {t: _brian2_results(m, t, tmp_path_factory) for t in TARGETS[:3]}
    out["brainpy"] = _brainpy_results(m)
    return out


def _reference(op):
    _, kind, ref = OPS[op]
    values = [ref(SimpleNamespace(x=x, y=y, n=n, fx=fx, fy=fy)) for x, y, n, fx, fy in ROWS]
    return values, kind


@pytest.mark.parametrize("op", list(OPS))
def test_operation_is_identical_in_every_target(table, op):
    want, kind = _reference(op)
    wrong = []
    for target in TARGETS:
        got = table[target][op]
        assert got.shape == (len(ROWS),)
        if kind == "integer":
            assert got.dtype.kind in "iu", (target, got.dtype)
        for i, (g, w) in enumerate(zip(got.tolist(), want)):
            if g != w or (kind == "integer" and not isinstance(g, int)):
                wrong.append(f"{target} row {i} {ROWS[i]}: {g!r}, expected {w!r}")
    assert not wrong, f"{OPS[op][0]}:\n" + "\n".join(wrong)


def test_the_table_covers_every_integer_function():
    from neuroplug.safe_expr import INTEGER_FUNCTIONS

    used = " ".join(expr for expr, _, _ in OPS.values())
    assert all(f"{name}(" in used for name in INTEGER_FUNCTIONS)


# -- what the loader refuses ----------------------------------------------------------
BASE = '''id = "probe"
title = "probe"
family = "test"
kind = "map"
description = "probe"
equations = """
v : integer
w : 1
x : integer
"""
update = """
{update}
"""
method = "euler"
dt = "1 ms"

[parameters]
k = {{ value = "{k}", type = "{ktype}", description = "a constant" }}

[state]
v = {{ init = "0", description = "v" }}
w = {{ init = "0", description = "w" }}

[inputs]
x = {{ description = "x" }}

[[references]]
key = "none"
citation = "test"
url = "https://example.org"

[crosscheck]
tier = "exact"
protocol = "step"
stimulus = ["5"]
reason = "test"
'''


def _probe(tmp_path, update, k="3", ktype="integer"):
    path = tmp_path / "probe.toml"
    path.write_text(BASE.format(update=update, k=k, ktype=ktype))
    return neuroplug.model(str(path))


@pytest.mark.parametrize("update, field, words", [
    ("v = v*0.5", "update", "float value to the integer variable 'v'"),
    ("v += w", "update", "float value to the integer variable 'v'"),
    ("tmp = x*0.5\nv = tmp", "update", "float value to the integer variable 'v'"),
    ("w = x/4", "update", "'/' with an integer left operand"),
    ("w = 1/x", "update", "'/' with an integer left operand"),
    ("w = clip(x, -2.5, 2.5)", "update", "clip() of an integer with float bounds"),
    ("v = shift_right(w, 2)", "update", "takes arguments with types"),
])
def test_non_portable_integer_code_is_refused(tmp_path, update, field, words):
    with pytest.raises(neuroplug.ModelDefinitionError) as exc:
        _probe(tmp_path, update)
    assert exc.value.field == field and words in str(exc.value), str(exc.value)
    assert len(str(exc.value).splitlines()) == 1


def test_portable_integer_code_loads(tmp_path):
    m = _probe(tmp_path, "v = shift_right(x*k, 1) + int(w > 0)\nw = 1.0/(1 + x*x)")
    assert m.parameters["k"].type == "integer"
    assert m.parameter_values()["k"] == 3 and isinstance(m.parameter_values()["k"], np.int64)


def test_integer_parameters_must_be_integers(tmp_path):
    with pytest.raises(neuroplug.ModelDefinitionError, match="expected an integer"):
        _probe(tmp_path, "v = x*k", k="2.5")
    with pytest.raises(neuroplug.ModelDefinitionError, match="expected one of"):
        _probe(tmp_path, "v = x", ktype="int")
    m = _probe(tmp_path, "v = x*k")
    with pytest.raises(neuroplug.ParameterError, match="expected an integer"):
        m.parameter_values(k=2.5)
    assert m.parameter_values(k=7.0)["k"] == 7
    assert m.parameter_values(k="-4")["k"] == -4
    assert m.parameter_values(k=np.array([1, 2]))["k"].dtype == np.int64
    # a float parameter in integer code is refused by Brian2's type check
    with pytest.raises(neuroplug.ModelDefinitionError, match="takes arguments with types"):
        _probe(tmp_path, "v = shift_right(x, k)", ktype="float")


def test_integer_function_names_are_reserved(tmp_path):
    text = BASE.format(update="v = x", k="3", ktype="integer").replace(
        'k = {', 'wrap = { value = "1", description = "clash" }\nk = {')
    path = tmp_path / "clash.toml"
    path.write_text(text)
    with pytest.raises(neuroplug.ModelDefinitionError, match="neuroplug uses internally") as e:
        neuroplug.model(str(path))
    assert e.value.field == "parameters.wrap"


def test_brainpy_refuses_integer_models_without_x64(tmp_path):
    import neuroplug.brainpy as nbp

    m = _probe(tmp_path, "v = x*k")
    with nbp.precision("float32"):
        with pytest.raises(neuroplug.BackendError, match="64-bit integers") as exc:
            nbp.neuron_class(m)(2)
    assert len(str(exc.value).splitlines()) == 1
    with nbp.precision("float64"):
        layer = nbp.neuron_class(m)(2, dtype="float32")  # floats in float32, ints in int64
        layer.init_state()
        assert str(layer.v.value.dtype) == "int64"


def test_integer_parameters_are_int64_in_both_adapters(tmp_path):
    import brian2 as b2
    import neuroplug.brainpy as nbp
    import neuroplug.brian2 as nb2

    m = _probe(tmp_path, "v = x*k")
    G = nb2.group(m, 2, k=np.array([2, 5]))  # per neuron: an integer group variable
    assert G.variables["k"].dtype == np.int64 and G.variables["v"].dtype == np.int64
    G.x = 2 ** 40
    b2.Network(G).run(1 * b2.ms)
    assert G.v[:].tolist() == [2 ** 41, 5 * 2 ** 40]
    with nbp.precision("float64"):
        layer = nbp.neuron_class(m)(2, k=np.array([2, 5]))
        assert str(layer.params["k"].dtype) == "int64"
        with pytest.raises(neuroplug.ParameterError, match="no gradient"):
            nbp.neuron_class(m)(2, trainable="k")
