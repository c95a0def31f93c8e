"""Reading expressions from model files without executing them.

Model files are shared like data, so loading one must never run code.  Quantities,
initial values, unit strings and the expression fields (equations, threshold, reset,
refractory conditions, map updates) are parsed with :mod:`ast` and walked against an
allow-list -- numbers, names, arithmetic, comparisons and the mathematical functions
Brian2 knows -- before anything reaches Brian2 (whose unit strings in equations are
read with ``eval``).  Quantities and initial values are then computed by a small
evaluator over that tree, never by ``eval``.  Sizes, tree depth and powers are bounded
so that no input can hang the loader or exhaust memory.
"""

from __future__ import annotations

import ast
import operator
import re

from .errors import clip_repr

__all__ = ["ExpressionError", "check_expression", "check_statements", "check_equations",
           "check_unit_expression", "evaluate", "FUNCTIONS", "INTEGER_FUNCTIONS",
           "MAX_EXPRESSION_CHARS", "MAX_CODE_CHARS", "MAX_NODES", "MAX_POWER"]

#: Longest single expression or quantity string, in characters.
MAX_EXPRESSION_CHARS = 2000
#: Longest multi-line code field (``equations``, ``reset``, ``update``), in characters.
MAX_CODE_CHARS = 20000
#: Most syntax-tree nodes in one expression.
MAX_NODES = 400
#: Largest absolute literal exponent in ``a ** n``.
MAX_POWER = 64
_MAX_DIGITS = 40  # longest integer literal

#: neuroplug's integer functions (name -> number of arguments), usable in model files and
#: identical in Brian2 (numpy, cython, cpp_standalone) and BrainPy; their definitions are
#: in ``equations/README.md`` ("Integer arithmetic") and :mod:`neuroplug.codegen`.
INTEGER_FUNCTIONS = {
    "shift_right": 2, "shift_left": 2, "round_shift": 2, "bit_and": 2, "bit_or": 2,
    "bit_xor": 2, "mask": 2, "wrap": 2, "saturate": 2, "trunc_div": 2, "trunc_mod": 2,
}

#: Functions an expression may call: Brian2's default functions (no Python builtins) and
#: the integer functions.
FUNCTIONS = frozenset({
    "exp", "log", "log10", "expm1", "log1p", "exprel", "sqrt", "abs", "sign", "floor", "ceil",
    "sin", "cos", "tan", "sinh", "cosh", "tanh", "arcsin", "arccos", "arctan", "clip", "int",
    "rand", "randn", "poisson", "timestep",
}) | frozenset(INTEGER_FUNCTIONS)

_BINOPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
           ast.Div: operator.truediv, ast.Pow: operator.pow, ast.Mod: operator.mod,
           ast.FloorDiv: operator.floordiv}
_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Not: lambda x: 1.0 * (x == 0)}
_COMPARE = (ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.Eq, ast.NotEq)
_STATEMENT = re.compile(r"^\s*([A-Za-z]\w*)\s*(=|\+=|-=|\*=|/=)\s*(.+?)\s*$")
_FLAG = r"(?:constant over dt|unless refractory|constant|shared|linked|summed)"
_EQUATION = re.compile(r"^\s*(?:d([A-Za-z]\w*)/dt|([A-Za-z]\w*))\s*(?:=\s*(.*?))?\s*:\s*"
                       rf"(.*?)\s*(?:\(\s*({_FLAG}(?:\s*,\s*{_FLAG})*)\s*\))?\s*$")


class ExpressionError(ValueError):
    """An expression is not allowed or cannot be read (the message says why)."""


def _clip(text: str) -> str:
    return clip_repr(" ".join(str(text).split()))


def _parse(text, what: str, mode: str = "eval") -> ast.AST:
    if not isinstance(text, str):
        raise ExpressionError(f"found {type(text).__name__}, expected a string {what}")
    if len(text) > MAX_EXPRESSION_CHARS:
        raise ExpressionError(f"found {len(text)} characters, expected a valid {what} of at most "
                              f"{MAX_EXPRESSION_CHARS}")
    if "__" in text:
        raise ExpressionError(f"found '__' in {_clip(text)}, expected a valid {what} without "
                              f"dunder names")
    try:
        tree = ast.parse(text.strip(), mode=mode)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        msg = getattr(exc, "msg", None) or type(exc).__name__
        raise ExpressionError(f"cannot read {_clip(text)} ({msg}); expected a valid "
                              f"{what}") from None
    return tree


def check_expression(text, *, what: str = "expression", functions=FUNCTIONS,
                     names=None, allow_compare: bool = True) -> ast.Expression:
    """Parse ``text`` as one expression and check it against the allow-list.

    Parameters
    ----------
    text : str
        The expression, e.g. ``"v > V_th + beta*a"``.
    what : str
        What the expression is, for messages (``"unit"``, ``"threshold condition"``...).
    functions : set of str
        Names that may be called.
    names : set of str, optional
        If given, the only names that may appear (besides called functions).
    allow_compare : bool
        Whether comparisons and ``and``/``or``/``not`` are allowed.

    Returns
    -------
    ast.Expression

    Raises
    ------
    ExpressionError
        The expression uses anything else: attributes, subscripts, strings, lambdas,
        calls of other names, keyword arguments, huge literals or powers.
    """
    tree = _parse(text, what)
    count = 0
    for node in ast.walk(tree):
        count += 1
        if count > MAX_NODES:
            raise ExpressionError(f"{_clip(text)} has more than {MAX_NODES} terms; expected a "
                                  f"shorter {what}")
        bad = _bad_node(node, functions, names, allow_compare)
        if bad:
            raise ExpressionError(f"{bad} in {_clip(text)}; expected a valid {what} (numbers, "
                                  f"names, arithmetic" + (", known functions)" if functions
                                                          else ")"))
    return tree


def _bad_node(node, functions, names, allow_compare) -> str | None:
    if isinstance(node, (ast.Expression, ast.Load)) or type(node) in _BINOPS or \
            type(node) in _UNARY:
        return None
    if isinstance(node, ast.BinOp):
        if type(node.op) not in _BINOPS:
            return f"operator '{type(node.op).__name__}'"
        if isinstance(node.op, ast.Pow):
            return _bad_power(node.right)
        return None
    if isinstance(node, ast.UnaryOp):
        return None if type(node.op) in _UNARY else f"operator '{type(node.op).__name__}'"
    if isinstance(node, ast.Constant):
        v = node.value
        if isinstance(v, (bool, float)):
            return None
        if isinstance(v, int):
            return None if len(str(abs(v))) <= _MAX_DIGITS else "an integer literal too long"
        return f"a {type(v).__name__} literal"
    if isinstance(node, ast.Name):
        if node.id.startswith("_"):
            return f"name '{node.id}'"
        if names is not None and node.id not in names and node.id not in functions:
            return f"unknown name '{node.id}'"
        return None
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in functions:
            name = node.func.id if isinstance(node.func, ast.Name) else "an expression"
            return f"a call of {name!r}" if isinstance(node.func, ast.Name) else \
                "a call of an expression"
        if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
            return "keyword or starred arguments"
        return None
    if allow_compare and isinstance(node, ast.Compare):
        return None if all(isinstance(o, _COMPARE) for o in node.ops) else "operator 'in'/'is'"
    if allow_compare and isinstance(node, (ast.BoolOp, ast.And, ast.Or, *_COMPARE)):
        return None
    return {ast.Attribute: "attribute access", ast.Subscript: "subscript",
            ast.Lambda: "lambda", ast.JoinedStr: "an f-string"}.get(type(node),
                                                                    f"'{type(node).__name__}'")


def _bad_power(exponent) -> str | None:
    """Exponents are names/expressions without powers, or literal numbers <= MAX_POWER."""
    if isinstance(exponent, ast.UnaryOp) and isinstance(exponent.op, (ast.USub, ast.UAdd)):
        exponent = exponent.operand
    if isinstance(exponent, ast.Constant):
        v = exponent.value
        if isinstance(v, (int, float)) and not isinstance(v, bool) and abs(v) <= MAX_POWER:
            return None
        return f"the exponent {v!r} (expected |exponent| <= {MAX_POWER})"
    if any(isinstance(n, ast.BinOp) and isinstance(n.op, ast.Pow) for n in ast.walk(exponent)):
        return "a power in an exponent"
    return None


def check_unit_expression(text, units) -> ast.Expression:
    """Check a unit string (``"mS/cm**2"``): unit names, ``*``, ``/``, literal powers."""
    tree = check_expression(text, what="unit expression", functions=frozenset(),
                            names=set(units) | {"1"}, allow_compare=False)
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and not isinstance(node.op, (ast.Mult, ast.Div,
                                                                       ast.Pow)):
            raise ExpressionError(f"operator '{type(node.op).__name__}' in {_clip(text)}; "
                                  f"expected a unit expression such as 'mS/cm**2'")
    return tree


def evaluate(tree: ast.AST, namespace: dict, functions: dict | None = None):
    """Compute a checked expression tree over ``namespace`` (units, parameter values).

    Numbers are computed as floats, so a power overflows (an error) instead of growing
    without bound as Python integers would.
    """
    functions = functions or {}

    def ev(node):
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.Constant):  # small ints stay exact (unit powers)
            v = node.value
            return v if isinstance(v, int) and abs(v) <= 1_000_000 else float(v)
        if isinstance(node, ast.Name):
            if node.id in namespace:
                return namespace[node.id]
            raise ExpressionError(f"unknown name '{node.id}'")
        if isinstance(node, ast.BinOp):
            return _BINOPS[type(node.op)](ev(node.left), ev(node.right))
        if isinstance(node, ast.UnaryOp):
            return _UNARY[type(node.op)](ev(node.operand))
        if isinstance(node, ast.Call) and node.func.id in functions:
            return functions[node.func.id](*[ev(a) for a in node.args])
        if isinstance(node, ast.Compare) and all(type(op) in _COMPARISONS for op in node.ops):
            # a 0/1 value, as Brian2's int(a < b); a chain a < b < c is (a < b) and (b < c)
            left, out = ev(node.left), True
            for op, comparator in zip(node.ops, node.comparators):
                right = ev(comparator)
                out = out & _COMPARISONS[type(op)](left, right)
                left = right
            return 1.0 * out
        if isinstance(node, ast.BoolOp):  # elementwise, 0/1 (conditions over arrays)
            import numpy as np

            join = np.logical_and if isinstance(node.op, ast.And) else np.logical_or
            out = np.asarray(ev(node.values[0])) != 0
            for value in node.values[1:]:
                out = join(out, np.asarray(ev(value)) != 0)
            return 1.0 * out
        raise ExpressionError(f"cannot compute '{type(node).__name__}' here")

    try:
        return ev(tree)
    except ExpressionError:
        raise
    except Exception as exc:  # noqa: BLE001 - arithmetic on quantities: any failure is a bad input
        raise ExpressionError(f"cannot compute it: {' '.join(str(exc).split())[:120]}") from None


_COMPARISONS = {ast.Lt: lambda a, b: a < b, ast.LtE: lambda a, b: a <= b,
            ast.Gt: lambda a, b: a > b, ast.GtE: lambda a, b: a >= b,
            ast.Eq: lambda a, b: a == b, ast.NotEq: lambda a, b: a != b}


def _check_length(text, what):
    if not isinstance(text, str):
        raise ExpressionError(f"found {type(text).__name__}, expected a string")
    if len(text) > MAX_CODE_CHARS:
        raise ExpressionError(f"found {len(text)} characters, expected {what} of at most "
                              f"{MAX_CODE_CHARS}")


def _code_lines(text, what: str, separators: str):
    """``(number, line)`` of the non-empty lines of a code field, comments removed."""
    _check_length(text, what)
    for n, part in enumerate(re.split(separators, text), 1):
        line = part.split("#", 1)[0]
        if line.strip():
            yield n, line


def check_statements(text, *, what: str = "statements", functions=FUNCTIONS) -> list[str]:
    """Check Brian2 abstract code: ``var = expr`` / ``var += expr`` lines (or ``;``).

    Returns the assigned variable names, in order.
    """
    targets = []
    for _, line in _code_lines(text, what, r"[;\n]"):
        m = _STATEMENT.match(line)
        if not m:
            raise ExpressionError(f"cannot read the statement {_clip(line)}; expected "
                                  f"'variable = expression' or 'variable += expression'")
        check_expression(m.group(3), what=f"expression in {what}", functions=functions)
        targets.append(m.group(1))
    return targets


def check_equations(text, units, *, functions=FUNCTIONS) -> None:
    """Check Brian2 equations line by line before Brian2 reads them.

    Each line is ``dx/dt = expr : unit (flags)``, ``x = expr : unit (flags)`` or
    ``x : unit (flags)``; the expression must pass :func:`check_expression` and the unit
    :func:`check_unit_expression` (Brian2 evaluates unit strings with ``eval``).
    """
    for n, line in _code_lines(text, "equations", r"\n"):
        m = _EQUATION.match(line)
        if not m:
            raise ExpressionError(f"cannot read line {n} {_clip(line)}; expected "
                                  f"'dx/dt = expression : unit', 'x = expression : unit' or "
                                  f"'x : unit', with optional '(flags)'")
        if m.group(1) is not None and m.group(3) is None:
            raise ExpressionError(f"line {n} {_clip(line)} has no right-hand side")
        if m.group(3) is not None:
            check_expression(m.group(3), what=f"expression on line {n}", functions=functions)
        unit = m.group(4).strip()
        if unit not in ("boolean", "integer"):
            check_unit_expression(unit, units)
