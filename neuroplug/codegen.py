"""Brian2's code generation as a service of the core: validation and numpy code.

Brian2 is the definitive check of a model file (parser, dimensions, state updaters) and
the source of the update statements every simulator executes: :func:`numpy_code`
returns the vectorised numpy code Brian2 generates for a model and method, which
:mod:`neuroplug.brainpy` runs with ``jax.numpy`` and :mod:`neuroplug.hw` maps to
fixed point.  This module takes :class:`~neuroplug.model.Model` objects and imports
neither an adapter nor the library registry (both import it); Brian2 itself is
imported on first use, and derived code is cached on disk (:mod:`neuroplug.cache`).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import re
import sys
from dataclasses import asdict, dataclass

import numpy as np

from . import cache
from .errors import clip_repr, BackendError, ModelDefinitionError, UnitError
from .model import Model
from .quantities import parse_quantity, unit_namespace

__all__ = ["NumpyCode", "numpy_code", "check_model", "initial_values", "dim_of_unit",
           "integer_functions", "INTEGER_NUMPY", "INTEGER_DEFINITIONS"]


# ----------------------------------------------------------------------------------
def initial_values(model: Model, values: dict) -> dict:
    """Evaluate the ``[state]`` init expressions with the given parameter values.

    Returns a dict of Brian2 quantities (scalars or per-neuron arrays).
    """
    from brian2.units.fundamentalunits import DIMENSIONLESS

    from .safe_expr import ExpressionError, check_expression, evaluate

    ns = dict(unit_namespace())
    ns.update(values)
    out = {}
    for name, var in model.state.items():
        try:
            try:
                value = parse_quantity(var.init)
            except ValueError:
                tree = check_expression(var.init, what="expression of parameters and units",
                                        names=set(ns),
                                        functions=frozenset(_INIT_FUNCTIONS),
                                        allow_compare=False)
                with np.errstate(all="ignore"):
                    value = evaluate(tree, ns, _INIT_FUNCTIONS)
            finite = np.all(np.isfinite(np.asarray(value, dtype=float)))
        except (ExpressionError, ValueError, TypeError) as exc:
            raise ModelDefinitionError(f"cannot evaluate init expression {clip_repr(var.init)}: "
                                       f"{exc}",
                                       source=model.source, model=model.id,
                                       field=f"state.{name}.init") from None
        if not finite:
            raise UnitError(f"init {clip_repr(var.init)} evaluates to a non-finite value, "
                            f"expected a "
                            f"finite value", source=model.source, model=model.id,
                            field=f"state.{name}.init")
        want = DIMENSIONLESS if var.unit == "1" else dim_of_unit(var.unit)
        got = getattr(value, "dim", DIMENSIONLESS)
        if got is not want:
            raise UnitError(f"init {clip_repr(var.init)} has dimensions {got}, expected {var.unit}",
                            source=model.source, model=model.id, field=f"state.{name}.init")
        out[name] = value
    return out


def dim_of_unit(unit_text: str):
    """Brian2 dimensions of a base-unit name such as ``'volt'`` or ``'metre ** -2'``."""
    from brian2.units.fundamentalunits import get_dimensions

    from .quantities import evaluate_unit

    try:
        return get_dimensions(evaluate_unit(unit_text))
    except ValueError as exc:
        raise UnitError(str(exc)) from None


#: Functions an init expression may call.
_INIT_FUNCTIONS = {"exp": np.exp, "log": np.log, "sqrt": np.sqrt, "abs": np.abs,
                   "tanh": np.tanh, "log10": np.log10}


# ----------------------------------------------------------------------------------
# integer functions: one definition, implemented for numpy, Cython, C++ (Brian2) and
# jax.numpy (neuroplug.brainpy); all arguments and results are int64
#: name -> (exact definition over the integers, the argument range where it holds)
INTEGER_DEFINITIONS = {
    "shift_right": ("floor(x / 2**n)  (arithmetic shift right)", "0 <= n <= 63"),
    "shift_left": ("x * 2**n", "0 <= n <= 62, result in int64"),
    "round_shift": ("sign(x) * floor((|x| + h) / 2**n), h = 2**(n-1) for n >= 1 and 0 for "
                    "n = 0  (x / 2**n rounded to nearest, ties away from zero)",
                    "0 <= n <= 62, |x| + h < 2**63"),
    "bit_and": ("x AND m, bitwise on 64-bit two's complement", "any int64"),
    "bit_or": ("x OR m, bitwise on 64-bit two's complement", "any int64"),
    "bit_xor": ("x XOR m, bitwise on 64-bit two's complement", "any int64"),
    "mask": ("x mod 2**bits, in [0, 2**bits)  (the low bits, unsigned)", "1 <= bits <= 63"),
    "wrap": ("((x + 2**(bits-1)) mod 2**bits) - 2**(bits-1), in [-2**(bits-1), 2**(bits-1))"
             "  (two's-complement wrap-around to a signed width)", "1 <= bits <= 63"),
    "saturate": ("min(max(x, -2**(bits-1)), 2**(bits-1) - 1)  (clamp to a signed width)",
                 "1 <= bits <= 63"),
    "trunc_div": ("sign(x*d) * floor(|x| / |d|)  (C division, toward zero)",
                  "d != 0, not (x = -2**63 and d = -1)"),
    "trunc_mod": ("x - d * trunc_div(x, d)  (C remainder, sign of x)", "d != 0"),
}


def _i64(x):
    return np.asarray(x).astype(np.int64, copy=False)


def _np_half(n):
    n = _i64(n)
    return np.where(n > 0, np.left_shift(np.int64(1), np.maximum(n - 1, 0)), np.int64(0))


def _np_ones(bits):
    """2**bits - 1 without overflow for bits = 63."""
    h = np.left_shift(np.int64(1), _i64(bits) - 1)
    return np.bitwise_or(h, h - 1)


def _np_round_shift(x, n):
    x, n = _i64(x), _i64(n)
    s = np.right_shift(np.abs(x) + _np_half(n), n)
    return np.where(x < 0, -s, s)


def _np_trunc_mod(x, d):
    return np.fmod(_i64(x), _i64(d))


def _np_trunc_div(x, d):
    x, d = _i64(x), _i64(d)
    return (x - np.fmod(x, d)) // d


def _np_wrap(x, bits):
    h = np.left_shift(np.int64(1), _i64(bits) - 1)
    return np.bitwise_xor(np.bitwise_and(_i64(x), np.bitwise_or(h, h - 1)), h) - h


def _np_saturate(x, bits):
    h = np.left_shift(np.int64(1), _i64(bits) - 1)
    return np.minimum(np.maximum(_i64(x), -h), h - 1)


#: numpy implementations of the integer functions (also Brian2's numpy target's)
INTEGER_NUMPY = {
    "shift_right": lambda x, n: np.right_shift(_i64(x), _i64(n)),
    "shift_left": lambda x, n: _i64(x) * np.left_shift(np.int64(1), _i64(n)),
    "round_shift": _np_round_shift,
    "bit_and": lambda x, m: np.bitwise_and(_i64(x), _i64(m)),
    "bit_or": lambda x, m: np.bitwise_or(_i64(x), _i64(m)),
    "bit_xor": lambda x, m: np.bitwise_xor(_i64(x), _i64(m)),
    "mask": lambda x, bits: np.bitwise_and(_i64(x), _np_ones(bits)),
    "wrap": _np_wrap,
    "saturate": _np_saturate,
    "trunc_div": _np_trunc_div,
    "trunc_mod": _np_trunc_mod,
}

_CPP = {  # C++ (cpp_standalone, Brian2's C++ generators): int64_t arithmetic
    "shift_right": "return x >> n;",
    "shift_left": "return x * ((int64_t)1 << n);",
    "round_shift": "const int64_t h = n > 0 ? ((int64_t)1 << (n - 1)) : 0;\n"
                   "    const int64_t s = ((x < 0 ? -x : x) + h) >> n;\n"
                   "    return x < 0 ? -s : s;",
    "bit_and": "return x & n;", "bit_or": "return x | n;", "bit_xor": "return x ^ n;",
    "mask": "const int64_t h = (int64_t)1 << (n - 1);\n    return x & (h | (h - 1));",
    "wrap": "const int64_t h = (int64_t)1 << (n - 1);\n"
            "    return ((x & (h | (h - 1))) ^ h) - h;",
    "saturate": "const int64_t h = (int64_t)1 << (n - 1);\n"
                "    return x < -h ? -h : (x > h - 1 ? h - 1 : x);",
    "trunc_div": "return x / n;",
    "trunc_mod": "return x % n;",
}

_CYTHON = {  # Cython (Brian2's cython target; cdivision=False there: // is floor division)
    "shift_right": "return x >> n",
    "shift_left": "return x * ((<int64_t>1) << n)",
    "round_shift": "cdef int64_t h = ((<int64_t>1) << (n - 1)) if n > 0 else 0\n"
                   "    cdef int64_t s = ((-x if x < 0 else x) + h) >> n\n"
                   "    return -s if x < 0 else s",
    "bit_and": "return x & n", "bit_or": "return x | n", "bit_xor": "return x ^ n",
    "mask": "cdef int64_t h = (<int64_t>1) << (n - 1)\n    return x & (h | (h - 1))",
    "wrap": "cdef int64_t h = (<int64_t>1) << (n - 1)\n"
            "    return ((x & (h | (h - 1))) ^ h) - h",
    "saturate": "cdef int64_t h = (<int64_t>1) << (n - 1)\n"
                "    return -h if x < -h else (h - 1 if x > h - 1 else x)",
    "trunc_div": "cdef int64_t q = x // n\n"
                 "    if q * n != x and ((x < 0) != (n < 0)):\n"
                 "        q += 1\n"
                 "    return q",
    "trunc_mod": "cdef int64_t q = x // n\n"
                 "    if q * n != x and ((x < 0) != (n < 0)):\n"
                 "        q += 1\n"
                 "    return x - q * n",
}

_brian2_functions: dict = {}


def integer_functions(names=None) -> dict:
    """Brian2 ``Function`` objects of neuroplug's integer functions, by name.

    Each has numpy, Cython and C++ implementations with the same definition
    (:data:`INTEGER_DEFINITIONS`), integer arguments and an integer result; put them
    in a group's namespace to use them in its code (the adapters do this for library
    models).  ``names`` (an iterable) selects some; default: all.
    """
    if not _brian2_functions:
        from brian2 import Function

        for name in INTEGER_DEFINITIONS:
            f = Function(INTEGER_NUMPY[name], arg_units=[1, 1], arg_names=["x", "n"],
                         return_unit=1, arg_types=["integer", "integer"],
                         return_type="integer")
            cname = f"_neuroplug_{name}"
            f.implementations.add_implementation("numpy", code=INTEGER_NUMPY[name],
                                                 name=name)
            f.implementations.add_implementation(
                "cpp", name=cname,
                code=f"static inline int64_t {cname}(const int64_t x, const int64_t n)\n"
                     f"{{\n    {_CPP[name]}\n}}\n")
            f.implementations.add_implementation(
                "cython", name=cname,
                code=f"cdef inline int64_t {cname}(int64_t x, int64_t n):\n"
                     f"    {_CYTHON[name]}\n")
            _brian2_functions[name] = f
    if names is None:
        return dict(_brian2_functions)
    return {n: _brian2_functions[n] for n in names}


def used_integer_functions(m: Model) -> list:
    """The integer functions a model's code calls."""
    text = " ".join(filter(None, [m.equations, m.threshold, m.reset, m.refractory, m.update,
                                  *(i.on_spike for i in m.inputs.values())]))
    return [n for n in INTEGER_DEFINITIONS if re.search(rf"\b{n}\s*\(", text)]


def integer_dtypes(m: Model, extra=()) -> dict:
    """``NeuronGroup(dtype=...)`` entries: int64 for the integer variables of a model."""
    names = [k for k, v in m.state.items() if v.dtype == "integer"]
    names += [k for k, v in m.inputs.items() if getattr(v, "dtype", "float") == "integer"]
    return {k: np.int64 for k in [*names, *extra]}


@contextlib.contextmanager
def _runtime_device():
    """Temporarily make Brian2's runtime device active (code generation only)."""
    dev_module = sys.modules["brian2.devices.device"]
    old = dev_module.active_device
    dev_module.active_device = dev_module.all_devices["runtime"]
    try:
        yield
    finally:
        dev_module.active_device = old


@contextlib.contextmanager
def _quiet_no_refractory():
    """Silence Brian2's "unless refractory but no refractory keyword" warning (intended)."""
    logger = logging.getLogger("brian2.groups.neurongroup.no_refractory")
    old = logger.disabled
    logger.disabled = True
    try:
        yield
    finally:
        logger.disabled = old


@dataclass(frozen=True)
class NumpyCode:
    """Brian2-generated numpy code for one model and method.

    Attributes
    ----------
    stateupdate, threshold, reset, update : str
        Python statements over named arrays (``update`` only for map models).
    constants : dict
        Values of Brian2 constants the code refers to (units, ``pi``...), in SI.
    has_refractory : bool
    """

    stateupdate: str
    threshold: str
    reset: str
    update: str
    constants: dict
    has_refractory: bool
    state_names: tuple
    on_spike: dict  # input name -> statements run where a spike of that input arrives

    def to_dict(self) -> dict:
        return dict(asdict(self), state_names=list(self.state_names))

    @classmethod
    def from_dict(cls, data) -> "NumpyCode | None":
        """Rebuild from :meth:`to_dict` output; ``None`` if ``data`` does not fit."""
        try:
            code = cls(**dict(data, state_names=tuple(data["state_names"])))
        except (TypeError, KeyError):
            return None
        ok = all(isinstance(getattr(code, f), str) for f in
                 ("stateupdate", "threshold", "reset", "update")) and \
            isinstance(code.constants, dict) and isinstance(code.on_spike, dict) and \
            all(isinstance(v, str) for v in code.on_spike.values()) and \
            all(isinstance(v, (int, float)) for v in code.constants.values())
        return code if ok else None


_LOAD = re.compile(r"^\w+ = _array_\w+(\.copy\(\)|\[0\]|\[_idx\])?$")
_COND_WRITE = re.compile(r"^(\w+)\[(\w+)\] = (\w+)\[\2\]$")


def _clean(code: str, owner: str, *, stop_at: str | None = None) -> str:
    lines = []
    for raw in code.splitlines():
        line = raw.strip()
        if stop_at and line.startswith(stop_at):
            break
        if (not line or line.startswith("#") or line.startswith("import ")
                or line.startswith("from ") or line.startswith("_vectorisation_idx =")
                or line.startswith("numpy_True") or line.startswith("numpy_False")
                or line.startswith("_array_") or line.startswith("_idx = ") or _LOAD.match(line)):
            continue
        m = _COND_WRITE.match(line)
        if m:
            var, cond, new = m.groups()
            line = f"{var} = _numpy.where({cond}, {new}, {var})"
        if "_array_" in line or re.match(r"^(if|for|while|else|elif)\b", line):
            raise BackendError(f"unsupported line in Brian2's generated {owner} code: "
                               f"{clip_repr(line)}")
        lines.append(line)
    return "\n".join(lines)


def check_integer_code(m: Model, grp) -> None:
    """Refuse code whose integer arithmetic means different things on Brian2's targets.

    Brian2 (2.9) differs between its targets in three places, all of them checked on the
    code as written (Brian2's own type inference gives each expression its type):

    - a float value assigned to an integer variable: the cython target refuses to
      compile it, numpy keeps the float until the value is stored (so later statements
      of the same block see it), C++ truncates at once;
    - ``/`` with an integer left operand: C++ computes ``1.0f*a/b``, i.e. converts the
      integer to single precision (and divides in single precision when ``b`` is an
      integer too), numpy and cython in double precision; only a literal numerator of at
      most 2**24 over a float denominator (``1/(1 + exp(-x))``) is exact everywhere;
    - ``clip`` of an integer with float bounds: C++ returns an integer, numpy a float.
    """
    import ast
    from types import SimpleNamespace

    from brian2.parsing.bast import brian_ast

    from .safe_expr import _STATEMENT

    kinds = {"integer": np.dtype(np.int64), "boolean": np.dtype(bool), "float": np.dtype(float)}

    def problem(fld, text, why):
        return ModelDefinitionError(f"{clip_repr(' '.join(text.split()))}: {why}; expected "
                                    f"portable integer code (see 'Integer arithmetic' in "
                                    f"equations/README.md)", source=m.source, model=m.id,
                                    field=fld)

    def typed(expr, temporaries, fld):
        """Brian2's typed syntax tree of an expression (``None`` if Brian2 cannot type it:
        Brian2 reports such problems itself)."""
        try:
            names = {n.id for n in ast.walk(ast.parse(expr, mode="eval"))
                     if isinstance(n, ast.Name)}
            known = {n: temporaries[n] for n in names if n in temporaries}
            variables = grp.resolve_all(sorted(names - set(known) - {"True", "False"}),
                                        run_namespace={})
            variables.update(known)
            return brian_ast(expr, variables)
        except Exception:
            return None

    def check_tree(tree, fld, text):
        for node in ast.walk(tree):
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div) and \
                    getattr(node.left, "dtype", "float") != "float" and \
                    (getattr(node.right, "dtype", "float") != "float" or
                     not (isinstance(node.left, ast.Constant) and abs(node.left.value) <= 2**24)):
                raise problem(fld, text, "'/' with an integer left operand is computed in "
                                         "single precision by Brian2's C++ targets; write "
                                         "'//', trunc_div(), or make the numerator a float")
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "clip" and \
                    node.args and getattr(node.args[0], "dtype", None) == "integer" and \
                    any(getattr(a, "dtype", None) == "float" for a in node.args[1:]):
                raise problem(fld, text, "clip() of an integer with float bounds returns an "
                                         "integer on Brian2's C++ targets and a float on "
                                         "numpy; give integer bounds")

    def check_statements(code, fld):
        temporaries = {}
        for part in re.split(r"[;\n]", code or ""):
            line = part.split("#", 1)[0].strip()
            match = _STATEMENT.match(line)
            if not match:
                continue
            var, op, expr = match.groups()
            full = expr if op == "=" else f"{var} {op[0]} ({expr})"
            tree = typed(full, temporaries, fld)
            if tree is None:
                continue
            check_tree(tree, fld, line)
            target = grp.variables.get(var) if var not in temporaries else temporaries[var]
            kind = None if target is None else \
                ("boolean" if target.dtype == bool else
                 "integer" if np.issubdtype(target.dtype, np.integer) else "float")
            if kind in ("integer", "boolean") and tree.dtype == "float":
                raise problem(fld, line, f"assigns a float value to the {kind} variable "
                                         f"'{var}' (Brian2's cython target refuses it, numpy "
                                         f"truncates only when storing it, C++ at once); "
                                         f"write an integer expression: integer parameters "
                                         f"(type = \"integer\"), int(), //, shift_right()...")
            if var not in grp.variables and var not in temporaries:
                temporaries[var] = SimpleNamespace(dtype=kinds.get(tree.dtype, kinds["float"]),
                                                   scalar=False)

    from brian2 import Equations
    from brian2.equations.equations import PARAMETER

    for eq in Equations(m.equations).values():
        if eq.type == PARAMETER or eq.expr is None:
            continue
        tree = typed(eq.expr.code, {}, "equations")
        if tree is not None:
            check_tree(tree, "equations", eq.expr.code)
    if m.threshold:
        tree = typed(m.threshold, {}, "threshold")
        if tree is not None:
            check_tree(tree, "threshold", m.threshold)
    check_statements(m.reset, "reset")
    check_statements(m.update, "update")
    for name, inp in m.inputs.items():
        check_statements(inp.on_spike, f"inputs.{name}.on_spike")


def _check_linear(m: Model, method: str) -> None:
    """Refuse ``exact``/``linear`` for non-linear equations before Brian2 tries (seconds).

    Brian2's linear integrator discovers non-linearity only after symbolic work that
    takes tens of seconds on conductance-based models; a derivative test is instant.
    """
    import sympy
    from brian2 import Equations
    from brian2.equations.equations import DIFFERENTIAL_EQUATION
    from brian2.parsing.sympytools import str_to_sympy

    eqs = Equations(m.equations)
    subs = {}
    for name in eqs.subexpr_names:
        subs[sympy.Symbol(name, real=True)] = str_to_sympy(eqs[name].expr.code)
    for _ in range(len(subs)):  # expand subexpressions that use other subexpressions
        subs = {k: v.subs(subs) for k, v in subs.items()}
    states = [sympy.Symbol(n, real=True) for n, e in eqs.items()
              if e.type == DIFFERENTIAL_EQUATION]
    for name, eq in eqs.items():
        if eq.type != DIFFERENTIAL_EQUATION:
            continue
        rhs = str_to_sympy(eq.expr.code).subs(subs)
        for x in states:
            coefficient = sympy.diff(rhs, x)
            if coefficient.free_symbols & set(states):
                raise ModelDefinitionError(
                    f"method '{method}' needs linear equations, but d{name}/dt is non-linear "
                    f"in {x}; expected one of the other methods of the file", source=m.source,
                    model=m.id, field="method" if method == m.method else "methods")


def _generate(m: Model, method: str, with_refractory: bool = True) -> NumpyCode:
    from brian2.codegen.runtime.numpy_rt import NumpyCodeObject
    from brian2.core.variables import Constant

    from brian2 import NeuronGroup

    if method in ("exact", "linear"):
        _check_linear(m, method)
    namespace = m.parameter_values()
    namespace.update(integer_functions(used_integer_functions(m)))
    refractory = (m.refractory_quantity if m.refractory is not None else False) \
        if with_refractory else False
    with _runtime_device(), _quiet_no_refractory():
        grp = NeuronGroup(1, model=m.equations, threshold=m.threshold, reset=m.reset or ("" if m.threshold else None),
                          refractory=refractory, method=method, namespace=namespace,
                          codeobj_class=NumpyCodeObject, name="npgroup*",
                          dtype=integer_dtypes(m))
        grp._network = "neuroplug-codegen"  # never run: silence Brian2's unused-object warning
        try:
            grp.equations.check_units(grp, run_namespace={})
        except Exception as exc:
            raise _brian2_error(m, "stateupdate", method, exc) from None
        if with_refractory:
            check_integer_code(m, grp)
        runners = {"stateupdate": grp.state_updater}
        if m.threshold:
            runners["threshold"] = grp.thresholder["spike"]
            if m.reset:
                runners["reset"] = grp.resetter["spike"]
        if m.update:
            runners["update"] = grp.run_regularly(m.update, codeobj_class=NumpyCodeObject)
        for name, inp in m.inputs.items():
            if inp.on_spike:
                runners[f"on_spike:{name}"] = grp.run_regularly(inp.on_spike,
                                                                codeobj_class=NumpyCodeObject)
        texts, constants = {}, {}
        for key, runner in runners.items():
            runner.codeobj_class = NumpyCodeObject
            try:
                runner.before_run({})
            except Exception as exc:
                raise _brian2_error(m, key, method, exc) from None
            if runner.codeobj is None:  # nothing to do (e.g. no differential equations)
                texts[key] = ""
                continue
            texts[key] = _clean(runner.codeobj.code.run, key,
                                stop_at="if _cond is True" if key == "threshold" else None)
            for name, var in runner.codeobj.variables.items():
                if isinstance(var, Constant) and name not in m.parameters:
                    constants[name] = var.value.item() if hasattr(var.value, "item") \
                        else var.value
    return NumpyCode(stateupdate=texts.get("stateupdate", ""), threshold=texts.get("threshold", ""),
                     reset=texts.get("reset", ""), update=texts.get("update", ""),
                     constants=constants, has_refractory=refractory is not False,
                     state_names=tuple(m.state),
                     on_spike={k.split(":", 1)[1]: v for k, v in texts.items()
                               if k.startswith("on_spike:")})


_memory: dict = {}


def numpy_code(m: Model, method: str | None = None, *, refractory: bool = True) -> NumpyCode:
    """Vectorised numpy code Brian2 generates for ``model`` integrated with ``method``.

    The statements read and write named arrays (state variables, ``t``, ``dt``,
    ``lastspike``, ``not_refractory``, parameters); loads, stores and templates are
    removed.  This is Brian2's own state updater, loop-invariant optimisation and
    refractoriness handling, so another executor of these statements performs the
    same arithmetic as Brian2's numpy target.

    ``refractory=False`` generates the code of the same group without refractoriness
    (``refractory=False`` in Brian2): the same arithmetic when the refractory period is
    zero, since ``timestep(t - lastspike) >= 0`` always holds.
    """
    method = method or m.method
    checked = m.__dict__.get("_checked_code", {}).get(method)
    if checked is not None and refractory:
        return checked  # generated when the model was loaded (check_model)
    key = (m.fingerprint, method, bool(refractory))
    code = _memory.get(key)
    if code is None:
        digest = hashlib.sha256(repr(key).encode()).hexdigest()
        cached = cache.read("code", digest)
        code = NumpyCode.from_dict(cached) if cached is not None else None
        if code is None:
            code = _generate(m, method, bool(refractory))
            cache.write("code", digest, code.to_dict())
        _memory[key] = code
    return code


def _brian2_error(m: Model, key: str, method: str, exc: Exception) -> ModelDefinitionError:
    fld = {"stateupdate": "equations", "threshold": "threshold", "reset": "reset",
           "update": "update"}.get(key) or f"inputs.{key.split(':', 1)[-1]}.on_spike"
    msg = " ".join(str(exc).split()) if str(exc).strip() else type(exc).__name__
    from brian2.units.fundamentalunits import DimensionMismatchError

    if isinstance(exc, DimensionMismatchError) or any(w in msg.lower()
                                                      for w in ("unit", "dimension")):
        text = getattr(m, fld, None) if "." not in fld else \
            m.inputs[key.split(":", 1)[1]].on_spike
        used = [f"{n} = {p.value}" for n, p in m.parameters.items()
                if re.search(rf"\b{re.escape(n)}\b", text or "")]
        return UnitError(f"inconsistent units: {msg}; parameters used there: {', '.join(used)}",
                         source=m.source, model=m.id, field=fld)
    if key == "stateupdate" and any(w in msg.lower() for w in
                                    ("method", "integrat", "cannot", "linear", "stochastic")):
        return ModelDefinitionError(f"Brian2 cannot integrate the equations with method "
                                    f"'{method}': {msg}", source=m.source, model=m.id,
                                    field="method" if method == m.method else "methods")
    return ModelDefinitionError(f"Brian2 rejects the {fld}: {msg}", source=m.source, model=m.id,
                                field=fld)


def check_model(m: Model, methods=None) -> None:
    """Let Brian2 check a model: parse, dimensions, method, threshold/reset/update code.

    ``methods`` defaults to the pinned method (the one every run uses unless told
    otherwise); another listed method is checked when its code is first generated,
    with the same error.  Brian2's symbolic state updaters are the costly part of
    loading a model, so loading does not derive code for methods nobody asked for.
    """
    initial_values(m, m.parameter_values())
    try:
        codes = {method: _generate(m, method) for method in (methods or (m.method,))}
    except ModelDefinitionError:
        raise
    except Exception as exc:
        raise ModelDefinitionError(f"Brian2 rejects the model: {exc}", source=m.source,
                                   model=m.id, field="equations") from None
    # keep the code with this very object (a modified copy has none): numpy_code reuses it
    object.__setattr__(m, "_checked_code", codes)

