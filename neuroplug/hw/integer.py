"""Integer (chip / fixed-point) map models to a bit-true model and Verilog, one source.

:func:`integer_spec` compiles a library model of ``kind = "map"`` whose arithmetic is
integer (``equations/README.md``, "Integer arithmetic") and a preset into a *sidecar*:
the model's own ``update``, ``threshold`` and ``reset`` statements, parsed with the
project's safe expression reader (:mod:`neuroplug.safe_expr`, never ``eval``), with
every parameter folded to a constant and every operation turned into one of the exact
integer operations of :mod:`neuroplug.hw.intmodel`.  The bit-true model
(:class:`~neuroplug.hw.intmodel.IntegerModel`) executes that list with Python integers;
:func:`integer_verilog` writes the same list as one synthesizable Verilog-2005 module.

Semantics (Brian2's, for values the model keeps in range):

- integer ``+ - *``, ``//`` (floor), ``%`` (Python's, sign of the divisor), ``int()``
  (toward zero), ``floor``/``ceil``, ``abs``, ``sign``, ``clip``, comparisons,
  ``and``/``or``/``not`` and the integer functions (``shift_right`` ... ``trunc_mod``);
- float arithmetic is accepted where its value is an exact integer: a float parameter
  or literal with an integer value, ``1.0*x``, and a division by a constant that an
  ``int()``, ``floor()``, ``ceil()``, ``//`` or a comparison consumes (``int(1.0*u/4096)``
  is ``trunc(u/4096)``, ``floor(g*(v - E)/256)`` is ``(g*(v - E)) // 256``).  Brian2
  computes these in float64, which is the same integer while every value stays below
  2**53 (and below 2**31 inside ``int()``, ``floor()``, Brian2's int32 conversions);
- anything else is refused with one line naming the model and the statement: a
  non-integer constant reaching a value (``0.1*x``), a non-integer value assigned to a
  state variable, a division by a variable, random numbers, time, transcendental
  functions, Brian2 refractoriness.

Widths come from an interval analysis: inputs are signed ``input_bits`` (32) ports;
each state's interval is the fixpoint of its update from the initial value (widened to
powers of two, and to 64 bits, Brian2's int64, where it does not settle); every
operation gets the width its interval needs, so nothing inside the module overflows.
A state is stored in its register width (two's complement), which is a no-op wherever
the fixpoint settled.  Division by a constant is a shift for powers of two and an exact
multiply-by-reciprocal otherwise (``floor(x*m/2**s)``, ``m = ceil(2**s/d)``, exact for
every ``x`` of the interval).
"""

from __future__ import annotations

import ast
import math
import re
from fractions import Fraction

from .. import __version__
from .intmodel import IntegerModel, wrap_signed
from .ir import NotExportable

__all__ = [
    "INPUT_BITS",
    "MAX_WIDTH",
    "IntegerExportError",
    "integer_spec",
    "integer_verilog",
    "is_integer_candidate",
]

#: width of every input port (signed): Brian2's int() conversions are 32-bit
INPUT_BITS = 32
#: widest operation the compiler emits (a wider intermediate is refused)
MAX_WIDTH = 192
#: a state interval that has not settled after this many rounds is widened
_SETTLE = 24
_STATEMENT = re.compile(r"^\s*([A-Za-z]\w*)\s*(=|\+=|-=|\*=|/=)\s*(.+?)\s*$")
_CMP = {ast.Lt: "lt", ast.LtE: "le", ast.Gt: "gt", ast.GtE: "ge", ast.Eq: "eq",
        ast.NotEq: "ne"}
_BOOL = {"lt", "le", "gt", "ge", "eq", "ne", "and", "or", "not"}


#: the end of every refusal
_NOT = ("not exportable to hardware (a discrete-time map exports only as exact integer "
        "arithmetic)")


class IntegerExportError(NotExportable):
    """The model cannot be compiled exactly to integer hardware (one line says why)."""


def is_integer_candidate(m) -> bool:
    """True for the models the integer path handles: discrete-time maps."""
    return m.kind == "map"


# ---------------------------------------------------------------- graph
class _Node:
    __slots__ = ("args", "d", "k", "name", "op", "value")

    def __init__(self, op, args=(), d=None, name=None, value=None):
        self.op, self.args, self.d, self.name, self.value = op, tuple(args), d, name, value
        self.k = None


class _Graph:
    """Hash-consed integer operations with constant folding and simple identities."""

    def __init__(self):
        self.nodes: list[_Node] = []
        self._memo: dict = {}

    def _add(self, op, args=(), d=None, name=None, value=None):
        key = (op, tuple(id(a) for a in args), d, name, value)
        hit = self._memo.get(key)
        if hit is not None:
            return hit
        n = _Node(op, args, d, name, value)
        n.k = len(self.nodes)
        self.nodes.append(n)
        self._memo[key] = n
        return n

    def const(self, v: int):
        return self._add("const", value=int(v))

    def leaf(self, op, name):
        return self._add(op, name=name)

    def op(self, op, *args, d=None):
        if all(a.op == "const" for a in args):
            return self.const(_fold(op, [a.value for a in args], d))
        c = [a.value if a.op == "const" else None for a in args]
        if op == "add":
            if c[0] == 0:
                return args[1]
            if c[1] == 0:
                return args[0]
        elif op == "sub":
            if c[1] == 0:
                return args[0]
            if args[0] is args[1]:
                return self.const(0)
        elif op == "mul":
            if 0 in c:
                return self.const(0)
            if c[0] == 1:
                return args[1]
            if c[1] == 1:
                return args[0]
            if c[0] == -1:
                return self.op("neg", args[1])
            if c[1] == -1:
                return self.op("neg", args[0])
        elif op in ("fdiv", "tdiv") and d == 1:
            return args[0]
        elif op in ("fmod", "tmod") and d == 1:
            return self.const(0)
        elif op == "sel":
            if c[0] is not None:
                return args[1] if c[0] != 0 else args[2]
            if args[1] is args[2]:
                return args[1]
        elif op == "and":
            if c[0] is not None:
                return self.op("ne", args[1], self.const(0)) if c[0] else self.const(0)
            if c[1] is not None:
                return self.op("ne", args[0], self.const(0)) if c[1] else self.const(0)
        elif op == "or":
            if c[0] is not None:
                return self.const(1) if c[0] else self.op("ne", args[1], self.const(0))
            if c[1] is not None:
                return self.const(1) if c[1] else self.op("ne", args[0], self.const(0))
        elif op == "ne" and c[1] == 0 and args[0].op in _BOOL:
            return args[0]
        return self._add(op, args, d)


def _fold(op, v, d):
    """The value of an operation on constants (the semantics of :mod:`.intmodel`)."""
    from .intmodel import _tdiv

    a = v[0]
    b = v[1] if len(v) > 1 else None
    f = {
        "add": lambda: a + b, "sub": lambda: a - b, "mul": lambda: a * b, "neg": lambda: -a,
        "fdiv": lambda: a // d, "tdiv": lambda: _tdiv(a, d), "fmod": lambda: a % d,
        "tmod": lambda: a - d * _tdiv(a, d), "lt": lambda: a < b, "le": lambda: a <= b,
        "gt": lambda: a > b, "ge": lambda: a >= b, "eq": lambda: a == b, "ne": lambda: a != b,
        "and": lambda: a != 0 and b != 0, "or": lambda: a != 0 or b != 0,
        "not": lambda: a == 0, "min": lambda: min(a, b), "max": lambda: max(a, b),
        "abs": lambda: abs(a), "sign": lambda: (a > 0) - (a < 0), "band": lambda: a & b,
        "bor": lambda: a | b, "bxor": lambda: a ^ b,
        "sel": lambda: v[1] if a != 0 else v[2],
    }[op]
    return int(f())


# ---------------------------------------------------------------- values
class _Val:
    """A compile-time value: an exact constant (``c``, a Fraction) or ``num/den`` with
    ``num`` an integer node and ``den`` a positive integer (``den == 1``: an integer)."""

    __slots__ = ("c", "den", "fl", "num")

    def __init__(self, c=None, num=None, den=1, fl=False):
        self.c, self.num, self.den, self.fl = c, num, den, fl

    @property
    def is_const(self):
        return self.c is not None


class _Compiler:
    def __init__(self, m, preset, input_bits):
        self.m = m
        self.g = _Graph()
        self.input_bits = input_bits
        self.params = {}
        self.float_params = set()
        for name, value in m.parameter_values(preset).items():
            arr = getattr(value, "shape", ())
            if arr not in ((), None):
                raise self.error(None, f"parameter '{name}' is a per-neuron array; the "
                                 "integer export folds parameters to constants")
            kind = getattr(getattr(value, "dtype", None), "kind", "f")
            if not (kind in "iu" or isinstance(value, int)):
                self.float_params.add(name)
            self.params[name] = Fraction(int(value)) if kind in "iu" or isinstance(value, int) \
                else Fraction(float(value))
        self.stmt = None

    def error(self, stmt, why):
        where = f"statement '{' '.join(stmt.split())}': " if stmt else ""
        return IntegerExportError(f"{where}{why}; {_NOT}", source=self.m.source,
                                  model=self.m.id, field="update")

    # -- conversions
    def node(self, v: _Val, what="value"):
        g = self.g
        if v.is_const:
            if v.c.denominator != 1:
                raise self.error(self.stmt, f"the {what} uses the non-integer constant "
                                 f"{float(v.c):.10g}, which integer hardware cannot hold "
                                 "exactly")
            return g.const(int(v.c))
        if v.den != 1:
            raise self.error(self.stmt, f"the {what} is not an integer: it is divided by "
                             f"{v.den} (a non-integer constant such as 0.1, or a division "
                             "that no int(), floor(), // or comparison consumes)")
        return v.num

    def val(self, n):
        return _Val(c=Fraction(n.value)) if n.op == "const" else _Val(num=n)

    def frac(self, v):  # (num node, den)
        if v.is_const:
            return self.g.const(v.c.numerator), v.c.denominator
        return v.num, v.den

    def make(self, num, den):
        if den < 0:
            num, den = self.g.op("neg", num), -den
        if num.op == "const":
            return _Val(c=Fraction(num.value, den))
        return _Val(num=num, den=den)

    # -- constants: Brian2's arithmetic (float64 where a float takes part)
    def const_op(self, op, a, b):
        """``a op b`` of two constants as Brian2 computes it: exact for two integers
        (``/`` excepted), float64 otherwise (so ``floor(0.7*10)`` is 7, as in Brian2)."""
        if not (a.fl or b.fl or op == "/"):
            x, y = int(a.c), int(b.c)
            if op == "**" and y < 0:
                raise self.error(self.stmt, "an integer to a negative power")
            r = {"+": lambda: x + y, "-": lambda: x - y, "*": lambda: x * y,
                 "//": lambda: x // y, "%": lambda: x % y, "**": lambda: x ** y}[op]()
            return _Val(c=Fraction(r))
        x, y = float(a.c), float(b.c)
        try:
            r = {"+": lambda: x + y, "-": lambda: x - y, "*": lambda: x * y,
                 "/": lambda: x / y, "//": lambda: x // y, "%": lambda: x % y,
                 "**": lambda: x ** y}[op]()
            r = Fraction(float(r))
        except (ZeroDivisionError, OverflowError, ValueError, TypeError):
            raise self.error(self.stmt, f"the constant {float(a.c):g} {op} {float(b.c):g} "
                             "has no finite value") from None
        return _Val(c=r, fl=True)

    def exact_quotient(self, v, what):
        """Refuse arithmetic on a quotient by a non-power-of-two: Brian2 rounds it."""
        if not v.is_const and v.den & (v.den - 1):
            raise self.error(self.stmt, f"{what} the quotient of a division by {v.den}, "
                             "which Brian2 rounds in float64; take int(), floor() or // "
                             "of the quotient first")

    def exact_factor(self, c):
        """A float constant that multiplies a variable must be exact in every product:
        an integer, or a dyadic fraction with a numerator below 2**24 (0.5, 1.5)."""
        if c.denominator != 1 and (c.denominator & (c.denominator - 1) or
                                   abs(c.numerator) >= 1 << 24):
            raise self.error(self.stmt, f"multiplies a variable by the constant "
                             f"{float(c):.10g}, which float64 holds only approximately (the "
                             "product is rounded)")

    # -- arithmetic on values
    def add(self, a, b, sign=1):
        if a.is_const and b.is_const:
            return self.const_op("+" if sign > 0 else "-", a, b)
        self.exact_quotient(a, "adds to")
        self.exact_quotient(b, "adds to")
        for v in (a, b):
            if v.is_const:
                self.exact_factor(v.c)
        na, da = self.frac(a)
        nb, db = self.frac(b)
        g = self.g
        l = math.lcm(da, db)
        ta = g.op("mul", na, g.const(l // da))
        tb = g.op("mul", nb, g.const(l // db))
        return self.make(g.op("add" if sign > 0 else "sub", ta, tb), l)

    def mul(self, a, b):
        if a.is_const and b.is_const:
            return self.const_op("*", a, b)
        self.exact_quotient(a, "multiplies")
        self.exact_quotient(b, "multiplies")
        for v in (a, b):
            if v.is_const:
                self.exact_factor(v.c)
        na, da = self.frac(a)
        nb, db = self.frac(b)
        return self.make(self.g.op("mul", na, nb), da * db)

    def div(self, a, b):
        if not b.is_const:
            raise self.error(self.stmt, "division by a variable (only a division by a "
                             "constant compiles exactly)")
        if b.c == 0:
            raise self.error(self.stmt, "division by zero")
        if a.is_const:
            return self.const_op("/", a, b)
        self.exact_quotient(a, "divides")
        p, q = b.c.numerator, b.c.denominator
        if q != 1 and abs(p) & (abs(p) - 1):
            raise self.error(self.stmt, f"divides by the non-integer constant {float(b.c):.10g}"
                             ", which float64 holds only approximately")
        na, da = self.frac(a)
        return self.make(self.g.op("mul", na, self.g.const(b.c.denominator)),
                         da * b.c.numerator)

    def floor(self, a):
        if a.is_const:
            return _Val(c=Fraction(math.floor(a.c)), fl=True)
        if a.den == 1:
            return a
        return _Val(num=self.g.op("fdiv", a.num, d=a.den))

    def trunc(self, a):
        if a.is_const:
            return _Val(c=Fraction(math.trunc(a.c)))
        if a.den == 1:
            return a
        return _Val(num=self.g.op("tdiv", a.num, d=a.den))

    def neg(self, a):
        if a.is_const:
            return _Val(c=-a.c, fl=a.fl)
        return _Val(num=self.g.op("neg", a.num), den=a.den)

    def compare(self, op, a, b):
        if a.is_const and b.is_const:
            return _Val(c=Fraction(int({"lt": a.c < b.c, "le": a.c <= b.c, "gt": a.c > b.c,
                                        "ge": a.c >= b.c, "eq": a.c == b.c,
                                        "ne": a.c != b.c}[op])))
        for x, y in ((a, b), (b, a)):
            if not x.is_const and x.den & (x.den - 1) and (not y.is_const or
                                                           y.c.denominator != 1):
                raise self.error(self.stmt, f"compares the quotient of a division by {x.den} "
                                 "with a non-integer, which Brian2 rounds in float64")
        na, da = self.frac(a)
        nb, db = self.frac(b)
        g = self.g
        return _Val(num=g.op(op, g.op("mul", na, g.const(db)), g.op("mul", nb, g.const(da))))

    def mod(self, a, b):
        if not b.is_const:
            raise self.error(self.stmt, "'%' by a variable (only a constant modulus compiles)")
        if b.c == 0:
            raise self.error(self.stmt, "'%' by zero")
        if a.is_const:
            return self.const_op("%", a, b)
        if a.den == 1 and b.c.denominator == 1:
            d = int(b.c)
            g = self.g
            if d > 0:
                return _Val(num=g.op("fmod", a.num, d=d))
            return _Val(num=g.op("neg", g.op("fmod", g.op("neg", a.num), d=-d)))
        return self.add(a, self.mul(_Val(c=b.c), self.floor(self.div(a, b))), sign=-1)

    def int_node(self, v, fn):
        n = self.node(v, f"argument of {fn}()")
        return n

    def const_int(self, v, fn):
        if not v.is_const or v.c.denominator != 1:
            raise self.error(self.stmt, f"{fn}() needs an integer constant as its second "
                             "argument")
        return int(v.c)

    # -- the AST
    def expr(self, tree, env):
        if isinstance(tree, ast.Expression):
            tree = tree.body
        g = self.g
        if isinstance(tree, ast.Constant):
            if isinstance(tree.value, bool):
                return _Val(c=Fraction(int(tree.value)))
            return _Val(c=Fraction(tree.value), fl=isinstance(tree.value, float))
        if isinstance(tree, ast.Name):
            name = tree.id
            if name in env:
                return env[name]
            if name in self.params:
                return _Val(c=self.params[name], fl=name in self.float_params)
            if name in ("t", "dt", "t_in_timesteps", "lastspike", "not_refractory", "i", "N"):
                raise self.error(self.stmt, f"uses '{name}' (time or neuron index), which "
                                 "the integer export does not provide")
            if name in ("True", "False"):
                return _Val(c=Fraction(int(name == "True")))
            raise self.error(self.stmt, f"unknown name '{name}'")
        if isinstance(tree, ast.UnaryOp):
            a = self.expr(tree.operand, env)
            if isinstance(tree.op, ast.USub):
                return self.neg(a)
            if isinstance(tree.op, ast.UAdd):
                return a
            if isinstance(tree.op, ast.Not):
                if a.is_const:
                    return _Val(c=Fraction(int(a.c == 0)))
                return _Val(num=g.op("not", self.truth(a)))
        if isinstance(tree, ast.BinOp):
            a, b = self.expr(tree.left, env), self.expr(tree.right, env)
            op = tree.op
            if isinstance(op, ast.Add):
                return self.add(a, b)
            if isinstance(op, ast.Sub):
                return self.add(a, b, sign=-1)
            if isinstance(op, ast.Mult):
                return self.mul(a, b)
            if isinstance(op, ast.Div):
                return self.div(a, b)
            if isinstance(op, ast.FloorDiv):
                if a.is_const and b.is_const:
                    return self.const_op("//", a, b)
                if not b.is_const:
                    raise self.error(self.stmt, "'//' by a variable (only a division by a "
                                     "constant compiles exactly)")
                return self.floor(self.div(a, b))
            if isinstance(op, ast.Mod):
                return self.mod(a, b)
            if isinstance(op, ast.Pow):
                if a.is_const and b.is_const:
                    return self.const_op("**", a, b)
                if b.is_const and b.c.denominator == 1 and 0 <= b.c <= 8:
                    out = _Val(c=Fraction(1))
                    for _ in range(int(b.c)):
                        out = self.mul(out, a)
                    return out
                raise self.error(self.stmt, "a power with a variable or large exponent")
        if isinstance(tree, ast.Compare):
            left = self.expr(tree.left, env)
            parts = []
            for op, right in zip(tree.ops, tree.comparators):
                r = self.expr(right, env)
                parts.append(self.compare(_CMP[type(op)], left, r))
                left = r
            out = parts[0]
            for p in parts[1:]:
                out = self.logic("and", out, p)
            return out
        if isinstance(tree, ast.BoolOp):
            op = "and" if isinstance(tree.op, ast.And) else "or"
            vals = [self.expr(v, env) for v in tree.values]
            out = vals[0]
            for v in vals[1:]:
                out = self.logic(op, out, v)
            return out
        if isinstance(tree, ast.Call) and isinstance(tree.func, ast.Name):
            return self.call(tree.func.id, [self.expr(a, env) for a in tree.args])
        raise self.error(self.stmt, f"unsupported expression {ast.unparse(tree)!r}")

    def truth(self, v):
        if v.is_const:
            return self.g.const(int(v.c != 0))
        n, _ = self.frac(v)   # x/d != 0 exactly when x != 0
        return n if n.op in _BOOL else self.g.op("ne", n, self.g.const(0))

    def logic(self, op, a, b):
        if a.is_const and b.is_const:
            r = (a.c != 0 and b.c != 0) if op == "and" else (a.c != 0 or b.c != 0)
            return _Val(c=Fraction(int(r)))
        return _Val(num=self.g.op(op, self.truth(a), self.truth(b)))

    def call(self, fn, args):
        g = self.g
        if fn == "int":
            return self.trunc(args[0])
        if fn == "floor":
            return self.floor(args[0])
        if fn == "ceil":
            return self.neg(self.floor(self.neg(args[0])))
        if fn == "abs":
            a = args[0]
            if a.is_const:
                return _Val(c=abs(a.c), fl=a.fl)
            return _Val(num=g.op("abs", a.num), den=a.den)
        if fn == "sign":
            a = args[0]
            if a.is_const:
                return _Val(c=Fraction((a.c > 0) - (a.c < 0)))
            return _Val(num=g.op("sign", a.num))
        if fn == "clip":
            x, lo, hi = args
            if x.is_const and lo.is_const and hi.is_const:
                return _Val(c=min(max(x.c, lo.c), hi.c), fl=x.fl or lo.fl or hi.fl)
            if x.den != 1 and not (lo.is_const and hi.is_const):
                raise self.error(self.stmt, "clip() of a non-integer quotient")
            nx = self.node(x, "argument of clip()")
            return _Val(num=g.op("min", g.op("max", nx, self.node(lo, "clip() bound")),
                                 self.node(hi, "clip() bound")))
        if fn in ("shift_right", "shift_left", "round_shift", "mask", "wrap", "saturate",
                  "trunc_div", "trunc_mod"):
            x = self.int_node(args[0], fn)
            n = self.const_int(args[1], fn)
            if fn == "shift_right":
                return self.val(g.op("fdiv", x, d=1 << n))
            if fn == "shift_left":
                return self.val(g.op("mul", x, g.const(1 << n)))
            if fn == "round_shift":
                h = (1 << (n - 1)) if n > 0 else 0
                mag = g.op("fdiv", g.op("add", g.op("abs", x), g.const(h)), d=1 << n)
                return self.val(g.op("mul", g.op("sign", x), mag))
            if fn == "mask":
                return self.val(g.op("fmod", x, d=1 << n))
            if fn == "wrap":
                h = 1 << (n - 1)
                return self.val(g.op("sub", g.op("fmod", g.op("add", x, g.const(h)),
                                                 d=1 << n), g.const(h)))
            if fn == "saturate":
                h = 1 << (n - 1)
                return self.val(g.op("min", g.op("max", x, g.const(-h)), g.const(h - 1)))
            if n == 0:
                raise self.error(self.stmt, f"{fn}() by zero")
            op = "tdiv" if fn == "trunc_div" else "tmod"
            r = g.op(op, x, d=abs(n))
            return self.val(g.op("neg", r) if (n < 0 and op == "tdiv") else r)
        if fn in ("bit_and", "bit_or", "bit_xor"):
            a = self.int_node(args[0], fn)
            b = self.int_node(args[1], fn)
            return self.val(g.op({"bit_and": "band", "bit_or": "bor", "bit_xor": "bxor"}[fn],
                                 a, b))
        if fn in ("rand", "randn", "poisson"):
            raise self.error(self.stmt, f"{fn}() draws random numbers from Brian2's "
                             "generator, which has no bit-exact hardware counterpart")
        raise self.error(self.stmt, f"{fn}() has no exact integer form")

    # -- statements
    def statements(self, text, env, states, what):
        for line in re.split(r"[;\n]", text or ""):
            line = line.split("#", 1)[0]
            if not line.strip():
                continue
            self.stmt = line.strip()
            mt = _STATEMENT.match(line)
            if not mt:
                raise self.error(self.stmt, f"cannot read the {what} statement")
            target, op, rhs = mt.groups()
            from ..safe_expr import check_expression

            tree = check_expression(rhs, what=f"expression in {what}")
            value = self.expr(tree, env)
            if op != "=":
                cur = env.get(target)
                if cur is None:
                    raise self.error(self.stmt, f"'{target}' is read before it is set")
                if op == "+=":
                    value = self.add(cur, value)
                elif op == "-=":
                    value = self.add(cur, value, sign=-1)
                elif op == "*=":
                    value = self.mul(cur, value)
                else:
                    value = self.div(cur, value)
            if target in states:
                value = self.val(self.node(value, f"value assigned to state '{target}'"))
            elif target in self.m.inputs or target in self.params:
                raise self.error(self.stmt, f"assigns to '{target}', which is not a state "
                                 "variable")
            env[target] = value
        self.stmt = None


# ---------------------------------------------------------------- intervals
def _width(lo: int, hi: int) -> int:
    """Bits of the smallest signed two's-complement type holding [lo, hi] (>= 1)."""
    w = 1
    while lo < -(1 << (w - 1)) or hi > (1 << (w - 1)) - 1:
        w += 1
    return w


def _ival(n, iv, state_iv, input_iv):
    op = n.op
    if op == "const":
        return n.value, n.value
    if op == "state":
        return state_iv[n.name]
    if op == "input":
        return input_iv
    a = iv[n.args[0].k] if n.args else None
    b = iv[n.args[1].k] if len(n.args) > 1 else None
    if op in ("add", "sub", "mul", "min", "max"):
        import operator

        f = {"add": operator.add, "sub": operator.sub, "mul": operator.mul,
             "min": min, "max": max}[op]
        if op in ("add", "min", "max"):
            return f(a[0], b[0]), f(a[1], b[1])
        if op == "sub":
            return a[0] - b[1], a[1] - b[0]
        c = [x * y for x in a for y in b]
        return min(c), max(c)
    if op == "neg":
        return -a[1], -a[0]
    d = n.d
    if op == "fdiv":
        return a[0] // d, a[1] // d
    if op == "tdiv":
        t = lambda x: abs(x) // d * (1 if x >= 0 else -1)
        return t(a[0]), t(a[1])
    if op == "fmod":
        return (a if 0 <= a[0] and a[1] < d else (0, d - 1))
    if op == "tmod":
        if -d < a[0] and a[1] < d:
            return a
        return (-(d - 1) if a[0] < 0 else 0), ((d - 1) if a[1] > 0 else 0)
    if op in _BOOL:
        return _bool_ival(op, a, b)
    if op == "abs":
        if a[0] >= 0:
            return a
        if a[1] <= 0:
            return -a[1], -a[0]
        return 0, max(-a[0], a[1])
    if op == "sign":
        s = lambda x: (x > 0) - (x < 0)
        return s(a[0]), s(a[1])
    if op in ("band", "bor", "bxor"):
        if a[0] >= 0 and b[0] >= 0:
            top = max(a[1], b[1])
            return 0, (min(a[1], b[1]) if op == "band" else (1 << top.bit_length()) - 1)
        w = max(_width(*a), _width(*b))
        return -(1 << (w - 1)), (1 << (w - 1)) - 1
    if op == "sel":
        b, c = iv[n.args[1].k], iv[n.args[2].k]
        if a == (0, 0):
            return c
        if a[0] > 0 or a[1] < 0:
            return b
        return min(b[0], c[0]), max(b[1], c[1])
    raise AssertionError(op)


def _bool_ival(op, a, b):
    """Interval of a comparison or logic operation: decided where the operands' intervals
    decide it (what makes the case split of :func:`_intervals` path-sensitive)."""
    t, f, u = (1, 1), (0, 0), (0, 1)
    if op == "lt":
        return t if a[1] < b[0] else f if a[0] >= b[1] else u
    if op == "le":
        return t if a[1] <= b[0] else f if a[0] > b[1] else u
    if op == "gt":
        return t if a[0] > b[1] else f if a[1] <= b[0] else u
    if op == "ge":
        return t if a[0] >= b[1] else f if a[1] < b[0] else u
    if op in ("eq", "ne"):
        same = a[0] == a[1] == b[0] == b[1]
        apart = a[1] < b[0] or b[1] < a[0]
        r = t if same else f if apart else u
        return r if op == "eq" else (1 - r[1], 1 - r[0])
    true_a = a[0] > 0 or a[1] < 0
    if op == "not":
        return f if true_a else t if a == (0, 0) else u
    true_b = b[0] > 0 or b[1] < 0
    if op == "and":
        return t if true_a and true_b else f if a == (0, 0) or b == (0, 0) else u
    return t if true_a or true_b else f if a == (0, 0) and b == (0, 0) else u


def _intervals(nodes, state_iv, input_iv, splits=None):
    """Interval of every node; with ``splits`` ({state: split points}) the state box is
    cut into pieces, each evaluated on its own, and the results joined (so that a
    comparison of a state with a constant is decided within each piece)."""
    import itertools

    pieces = {}
    for s, (lo, hi) in state_iv.items():
        cuts = sorted(p for p in (splits or {}).get(s, ()) if lo < p <= hi)
        edges = [lo] + cuts + [hi + 1]
        pieces[s] = [(edges[j], edges[j + 1] - 1) for j in range(len(edges) - 1)]
    out = None
    names = list(pieces)
    for box in itertools.product(*(pieces[s] for s in names)):
        iv = []
        sub = dict(zip(names, box))
        for n in nodes:
            iv.append(_ival(n, iv, sub, input_iv))
        out = iv if out is None else [(min(x[0], y[0]), max(x[1], y[1]))
                                      for x, y in zip(out, iv)]
    return out


def _split_points(nodes, states, limit=256) -> dict:
    """Cut points of each state: where a comparison of the state (times a positive
    constant) with a constant changes its value (``x < c``: at ``ceil(c)`` ...)."""
    pts = {s: set() for s in states}

    def base(n):
        if n.op == "state":
            return n.name, Fraction(1)
        if n.op == "mul":
            a, b = n.args
            if a.op == "state" and b.op == "const" and b.value > 0:
                return a.name, Fraction(b.value)
            if b.op == "state" and a.op == "const" and a.value > 0:
                return b.name, Fraction(a.value)
        return None

    for n in nodes:
        if n.op in ("lt", "le", "gt", "ge", "eq", "ne"):
            a, b = n.args
            for x, y in ((a, b), (b, a)):
                bx = base(x)
                if bx and y.op == "const":
                    c = Fraction(y.value) / bx[1]
                    fl = math.floor(c)
                    pts[bx[0]].update({fl, fl + 1, math.ceil(c)})
    # keep the product of the piece counts bounded: drop the finest splits first
    while math.prod(len(p) + 1 for p in pts.values()) > limit:
        worst = max(pts, key=lambda s: len(pts[s]))
        pts[worst] = set()
    return pts


# ---------------------------------------------------------------- spec
def integer_spec(model, preset: str | None = None, input_bits: int = INPUT_BITS) -> dict:
    """Compile an integer map model (+ preset) into the sidecar of its export.

    Parameters
    ----------
    model : str or Model
        Model id, path or :class:`~neuroplug.model.Model`.
    preset : str, optional
        Preset name (its parameters are folded to constants).
    input_bits : int
        Width of every (signed) input port.

    Returns
    -------
    dict
        The sidecar: ``nodes`` (the operation list), ``states`` (name, init, width,
        ``next`` node, interval, ``wraps``), ``inputs``, ``spike`` node, widths.

    Raises
    ------
    IntegerExportError
        The model is not an integer map, or a statement has no exact integer form (the
        message names the model and the statement).
    """
    from ..library import model as get_model
    from ..safe_expr import check_expression

    m = model if hasattr(model, "state") and hasattr(model, "kind") else get_model(model)
    if m.kind != "map":
        raise IntegerExportError(f"not a discrete-time map (kind = '{m.kind}'); the "
                                 "integer export compiles 'update' models only",
                                 source=m.source, model=m.id, field="kind")
    if preset is not None and preset not in m.presets:
        raise IntegerExportError(f"unknown preset '{preset}'; expected one of "
                                 f"{sorted(m.presets) or 'none'}", source=m.source,
                                 model=m.id, field="presets")
    if m.threshold is None:
        raise IntegerExportError("no threshold (no spike output); not exportable "
                                 "to integer hardware", source=m.source, model=m.id,
                                 field="threshold")
    if m.stochastic:
        where = next((f"statement '{' '.join(ln.split())}': " for ln in
                      re.split(r"[;\n]", f"{m.update or ''}\n{m.reset or ''}")
                      if re.search(r"\b(rand|randn|xi\w*)\b", ln)), "")
        raise IntegerExportError(f"{where}the model draws random numbers (rand(), randn(), "
                                 "xi) from "
                                 "Brian2's generator, which has no bit-exact hardware "
                                 f"counterpart; {_NOT}", source=m.source, model=m.id,
                                 field="update")
    if m.refractory:
        raise IntegerExportError(f"Brian2 refractoriness (refractory = "
                                 f"'{m.refractory}') is not compiled; write the hold as "
                                 "statements (a counter state, as fixed_point_lif does)",
                                 source=m.source, model=m.id, field="refractory")
    if m.equations and re.search(r"^\s*d\w+/dt", m.equations, re.MULTILINE):
        raise IntegerExportError(f"differential equations are not integer "
                                 f"arithmetic; {_NOT}",
                                 source=m.source, model=m.id, field="equations")
    c = _Compiler(m, preset, input_bits)
    g = c.g
    states = list(m.state)
    inputs = list(m.inputs)
    env = {s: _Val(num=g.leaf("state", s)) for s in states}
    env.update({i: _Val(num=g.leaf("input", i)) for i in inputs})
    init = _initial(m, preset, c)
    c.statements(m.update, env, set(states), "update")
    after = {s: c.node(env[s], f"state '{s}'") for s in states}
    c.stmt = m.threshold
    spike = c.truth(c.expr(check_expression(m.threshold, what="threshold"), env))
    renv = {s: c.val(after[s]) for s in states}
    c.statements(m.reset, renv, set(states), "reset")
    final = {s: (g.op("sel", spike, c.node(renv[s]), after[s]) if renv[s].num is not
                 after[s] or renv[s].is_const else after[s]) for s in states}
    # keep only what the outputs need, in creation (topological) order
    live = set()
    stack = [spike, *final.values()]
    while stack:
        n = stack.pop()
        if n.k in live:
            continue
        live.add(n.k)
        stack.extend(n.args)
    for s in states:                     # every state is an output
        live.add(g.leaf("state", s).k)
    order = [n for n in g.nodes if n.k in live]
    for k, n in enumerate(order):
        n.k = k
    input_iv = (-(1 << (input_bits - 1)), (1 << (input_bits - 1)) - 1)
    state_iv = {s: (init[s], init[s]) for s in states}
    splits = _split_points(order, states)
    for rnd in range(_SETTLE + 70):
        iv = _intervals(order, state_iv, input_iv, splits)
        grown = False
        for s in states:
            lo, hi = iv[final[s].k]
            old = state_iv[s]
            new = (min(old[0], lo), max(old[1], hi))
            if new == old:
                continue
            if _width(*new) > 64:        # an int64 register (wraps, as Brian2's int64)
                new = (-(1 << 63), (1 << 63) - 1)
            elif rnd >= _SETTLE:         # widen: one more bit per round, at most int64
                w = min(max(_width(*new), _width(*old) + 1), 64)
                new = (-(1 << (w - 1)), (1 << (w - 1)) - 1)
            if new != old:
                state_iv[s] = new
                grown = True
        if not grown:
            break
    iv = _intervals(order, state_iv, input_iv, splits)
    widths = [_width(*x) for x in iv]
    too_wide = [k for k, w in enumerate(widths) if w > MAX_WIDTH]
    if too_wide:
        raise IntegerExportError(f"an intermediate needs {widths[too_wide[0]]} bits "
                                 f"(> {MAX_WIDTH}); {_NOT}",
                                 source=m.source, model=m.id, field="update")
    nodes = []
    for n in order:
        e = {"op": n.op}
        if n.op == "const":
            e["value"] = n.value
        elif n.op in ("state", "input"):
            e["name"] = n.name
        else:
            e["args"] = [a.k for a in n.args]
            if n.d is not None:
                e["d"] = n.d
        e["lo"], e["hi"] = iv[n.k]
        e["width"] = widths[n.k]
        nodes.append(e)
    from .pair import module_name

    levels = _levels(m, preset, input_bits)
    st = []
    for s in states:
        lo, hi = state_iv[s]
        flo, fhi = iv[final[s].k]
        st.append({"name": s, "port": port_name(s, False), "init": init[s],
                   "width": _width(lo, hi), "lo": lo, "hi": hi,
                   "next": final[s].k, "wraps": not (lo <= flo and fhi <= hi),
                   "type": m.state[s].dtype, "description": m.state[s].description})
    spec = {
        "profile": "integer", "version": 1, "generator": f"neuroplug {__version__}",
        "module": module_name(f"int_{m.id}", preset), "model": m.id, "preset": preset,
        "model_sha256": m.sha256, "dt": str(m.dt),
        "input_bits": input_bits,
        "inputs": [{"name": i, "port": port_name(i, True), "width": input_bits,
                    "type": m.inputs[i].dtype, "primary": i == m.primary_input,
                    "levels": levels} for i in inputs],
        "states": st, "spike": spike.k, "nodes": nodes,
        "parameters": {k: (int(v) if v.denominator == 1 else float(v))
                       for k, v in c.params.items()},
        "statements": {"update": m.update, "threshold": m.threshold, "reset": m.reset},
        "semantics": ("Brian2 step order: update statements, threshold on the new state, "
                      "reset where it holds; integer arithmetic exact (Python ints / "
                      "sized Verilog); each state stored in its register width"),
    }
    IntegerModel(spec)        # the executor accepts it (raises on a malformed list)
    return spec


def _levels(m, preset, input_bits) -> list:
    """Stimulus levels of a verification run: the magnitudes of the model's cross-check
    amplitudes and of its presets' stimuli that are integers within the input port."""
    texts = list(m.crosscheck.stimulus) + [p.stimulus for p in m.presets.values()
                                           if p.stimulus]
    out = set()
    for t in texts:
        try:
            v = Fraction(str(t).strip())
        except (ValueError, ZeroDivisionError):
            continue
        if v.denominator == 1 and 0 < abs(v) < (1 << (input_bits - 1)):
            out.add(abs(int(v)))
    return sorted(out) or [1]


def _initial(m, preset, c) -> dict:
    from ..codegen import initial_values

    out = {}
    for name, q in initial_values(m, m.parameter_values(preset)).items():
        v = Fraction(float(q))
        if v.denominator != 1:
            raise c.error(None, f"the initial value of '{name}' ({float(v):.10g}) is not an "
                          "integer")
        out[name] = int(v)
    return out


# ---------------------------------------------------------------- Verilog
#: Verilog-2005 and SystemVerilog keywords (a state or input of that name gets ``_q``)
_KEYWORDS = frozenset("""
always and assign automatic begin buf bufif0 bufif1 case casex casez cell cmos config
deassign default defparam design disable edge else end endcase endconfig endfunction
endgenerate endmodule endprimitive endspecify endtable endtask event for force forever
fork function generate genvar highz0 highz1 if ifnone incdir include initial inout input
instance integer join large liblist library localparam macromodule medium module nand
negedge nmos nor noshowcancelled not notif0 notif1 or output parameter pmos posedge
primitive pull0 pull1 pulldown pullup pulsestyle_onevent pulsestyle_ondetect rcmos real
realtime reg release repeat rnmos rpmos rtran rtranif0 rtranif1 scalared showcancelled
signed small specify specparam strong0 strong1 supply0 supply1 table task time tran
tranif0 tranif1 tri tri0 tri1 triand trior trireg unsigned use uwire vectored wait wand
weak0 weak1 while wire wor xnor xor bit byte logic int shortint longint string class
struct union enum typedef const static virtual extends import export package interface
program property sequence assert assume cover bind clocking modport priority unique
final alias chandle context dist expect foreach inside new null ref return super this
type var void wildcard with clk rst en spike
""".split())  # noqa: SIM905


def port_name(name: str, is_input: bool) -> str:
    """Verilog port of a model signal: ``<name>_in`` for inputs, the lower-case name for
    a state (``_q`` appended to a keyword: ``real`` -> ``real_q``)."""
    base = name.lower()
    if is_input:
        return f"{base}_in"
    return base if base not in _KEYWORDS else f"{base}_q"


def _lit(value: int, width: int) -> str:
    if value < 0:
        return f"-{width}'sd{-value}"
    return f"{width}'sd{value}"


def _magic(d: int, xmax: int):
    """The smallest (m, s) with floor(x*m / 2**s) == floor(x/d) for every 0 <= x <= xmax.

    With ``m = ceil(2**s/d)`` and ``e = m*d - 2**s`` (``0 <= e < d``),
    ``x*m/2**s = x/d + x*e/(d*2**s)``; the floor is ``floor(x/d)`` whenever the excess
    is below ``1/d``, i.e. ``x*e < 2**s``, which holds for every ``x <= xmax`` once
    ``xmax*e < 2**s`` (always true for ``2**s >= xmax*d``)."""
    s = max(d.bit_length() - 1, 0)
    while True:
        m = -(-(1 << s) // d)
        if xmax * (m * d - (1 << s)) < (1 << s):
            return m, s
        s += 1


class _V:
    def __init__(self, spec):
        self.spec = spec
        self.nodes = spec["nodes"]
        self.lines = []
        self.tmp = 0
        self.qcache = {}

    def sig(self, k):
        return f"np_n{k}"

    def const_of(self, k):
        """The node's value if its interval is one point (then no wire is emitted)."""
        n = self.nodes[k]
        if n["op"] == "const":
            return n["value"]
        return n["lo"] if n["lo"] == n["hi"] else None

    def ext(self, k, w):
        n = self.nodes[k]
        c = self.const_of(k)
        if c is not None:
            return _lit(c, max(w, _width(c, c)))
        wn = n["width"]
        s = self.sig(k)
        if w == wn:
            return s
        assert w > wn, (k, w, wn)
        if wn == 1:
            return f"$signed({{{w}{{{s}[0]}}}})"
        return f"$signed({{{{{w - wn}{{{s}[{wn - 1}]}}}}, {s}}})"

    def wire(self, w, expr, name=None):
        if name is None:
            self.tmp += 1
            name = f"np_t{self.tmp}"
        self.lines.append(f"    wire signed [{w - 1}:0] {name} = {expr};")
        return name

    def trunc(self, src, w_src, w, name):
        if w_src == w:
            self.lines.append(f"    wire signed [{w - 1}:0] {name} = {src};")
        else:
            self.lines.append(f"    wire signed [{w - 1}:0] {name} = {src}[{w - 1}:0];")

    def udiv(self, x, wx, xmax, d):
        """Nonnegative ``x`` (``wx`` bits, <= xmax) floor-divided by ``d > 0``: the
        quotient's wire and width (just wide enough for ``xmax // d``)."""
        wq = (xmax // d).bit_length() + 1
        if d & (d - 1) == 0:
            t = self.wire(wx, f"{x} >>> {d.bit_length() - 1}")
            if wq >= wx:
                return t, wx
            return self.wire(wq, f"{t}[{wq - 1}:0]"), wq
        nb = max(xmax, 1).bit_length()
        m, s = _magic(d, xmax)
        wp = max(wx, nb + 1) + m.bit_length() + 1
        xe = x if wx == wp else f"$signed({{{{{wp - wx}{{{x}[{wx - 1}]}}}}, {x}}})"
        p = self.wire(wp, f"{xe} * {_lit(m, wp)}")
        return self.wire(wq, f"{p}[{s + wq - 1}:{s}]"), wq

    def node(self, k):
        n = self.nodes[k]
        op, w = n["op"], n["width"]
        name = self.sig(k)
        if op == "const" or (self.const_of(k) is not None and op != "state"):
            return
        if op == "state":
            self.lines.append(f"    wire signed [{w - 1}:0] {name} = np_r{k};")
            return
        if op == "input":
            return
        args = n.get("args", [])
        aw = [self.nodes[a]["width"] for a in args]
        if op in ("add", "sub", "mul", "band", "bor", "bxor"):
            W = max([w] + aw)
            sym = {"add": "+", "sub": "-", "mul": "*", "band": "&", "bor": "|",
                   "bxor": "^"}[op]
            t = self.wire(W, f"{self.ext(args[0], W)} {sym} {self.ext(args[1], W)}")
            self.trunc(t, W, w, name)
        elif op == "neg":
            W = max(w, aw[0] + 1)
            t = self.wire(W, f"-{self.ext(args[0], W)}")
            self.trunc(t, W, w, name)
        elif op in ("lt", "le", "gt", "ge", "eq", "ne"):
            W = max(aw)
            sym = {"lt": "<", "le": "<=", "gt": ">", "ge": ">=", "eq": "==", "ne": "!="}[op]
            self.lines.append(f"    wire signed [{w - 1}:0] {name} = {{{w - 1}'b0, "
                              f"{self.ext(args[0], W)} {sym} {self.ext(args[1], W)}}};")
        elif op in ("and", "or"):
            sym = "&" if op == "and" else "|"
            self.lines.append(f"    wire signed [{w - 1}:0] {name} = {{{w - 1}'b0, "
                              f"(|{self.ref(args[0])}) {sym} (|{self.ref(args[1])})}};")
        elif op == "not":
            self.lines.append(f"    wire signed [{w - 1}:0] {name} = {{{w - 1}'b0, "
                              f"~(|{self.ref(args[0])})}};")
        elif op in ("min", "max"):
            W = max([w] + aw)
            a, b = self.ext(args[0], W), self.ext(args[1], W)
            sym = "<" if op == "min" else ">"
            t = self.wire(W, f"({a} {sym} {b}) ? {a} : {b}")
            self.trunc(t, W, w, name)
        elif op == "sel":
            W = max([w] + aw[1:])
            t = self.wire(W, f"(|{self.ref(args[0])}) ? {self.ext(args[1], W)} : "
                          f"{self.ext(args[2], W)}")
            self.trunc(t, W, w, name)
        elif op == "abs":
            W = max(w, aw[0] + 1)
            a = self.ext(args[0], W)
            t = self.wire(W, f"{self.sig(args[0])}[{aw[0] - 1}] ? -{a} : {a}")
            self.trunc(t, W, w, name)
        elif op == "sign":
            a = self.ref(args[0])
            wa = aw[0]
            self.lines.append(f"    wire signed [{w - 1}:0] {name} = {a}[{wa - 1}] ? "
                              f"{_lit(-1, w)} : ((|{a}) ? {_lit(1, w)} : {_lit(0, w)});")
        elif op in ("fdiv", "tdiv", "fmod", "tmod"):
            self.division(k, n, args[0], aw[0])
        else:
            raise AssertionError(op)

    def ref(self, k):
        c = self.const_of(k)
        if c is not None:
            return _lit(c, _width(c, c))
        return self.sig(k)

    def quotient(self, a, wa, d, floor):
        """Wire and width of floor(a/d) (``floor``) or trunc(a/d), shared by the
        division and the modulo of the same operand."""
        key = (a, d, floor)
        if key in self.qcache:
            return self.qcache[key]
        an = self.nodes[a]
        lo, hi = an["lo"], an["hi"]
        if floor:
            qlo, qhi = lo // d, hi // d
        else:
            qlo, qhi = [abs(x) // d * (1 if x >= 0 else -1) for x in (lo, hi)]
        wq = _width(qlo, qhi)
        if floor and d & (d - 1) == 0:
            t = self.wire(wa, f"{self.ext(a, wa)} >>> {d.bit_length() - 1}")
            q = t if wq >= wa else self.wire(wq, f"{t}[{wq - 1}:0]")
            wq = max(wq, wa) if wq >= wa else wq
        elif lo >= 0:
            q, wq = self.udiv(self.ext(a, wa) if wa > 0 else self.sig(a), wa, hi, d)
        else:
            off = d - 1 if floor else 0
            xmax = max(-lo + off, hi)
            Wx = max(wa + 1, _width(0, xmax))
            axx = self.ext(a, Wx)
            neg = f"{self.sig(a)}[{wa - 1}]"
            x = self.wire(Wx, f"{neg} ? (-{axx} + {_lit(off, Wx)}) : {axx}")
            q0, wq0 = self.udiv(x, Wx, xmax, d)
            Wn = max(wq, wq0 + 1)
            q0e = q0 if Wn == wq0 else f"$signed({{{{{Wn - wq0}{{{q0}[{wq0 - 1}]}}}}, {q0}}})"
            t = self.wire(Wn, f"{neg} ? -{q0e} : {q0e}")
            q = t if Wn == wq else self.wire(wq, f"{t}[{wq - 1}:0]")
        self.qcache[key] = (q, wq)
        return q, wq

    def division(self, k, n, a, wa):
        op, d, w = n["op"], n["d"], n["width"]
        name = self.sig(k)
        q, wq = self.quotient(a, wa, d, op in ("fdiv", "fmod"))
        if op in ("fdiv", "tdiv"):
            if wq < w:
                q = self.wire(w, f"$signed({{{{{w - wq}{{{q}[{wq - 1}]}}}}, {q}}})")
                wq = w
            self.trunc(q, wq, w, name)
            return
        Wr = max(wq + d.bit_length() + 1, wa, w) + 1
        qe = q if wq == Wr else f"$signed({{{{{Wr - wq}{{{q}[{wq - 1}]}}}}, {q}}})"
        r = self.wire(Wr, f"{self.ext(a, Wr)} - {qe} * {_lit(d, Wr)}")
        self.trunc(r, Wr, w, name)


def integer_verilog(spec: dict) -> str:
    """The Verilog-2005 module of an integer sidecar (see :func:`integer_spec`).

    Interface: ``clk``, ``rst`` (synchronous, active high: every state to its initial
    value), ``en`` (one model step per clock edge with ``en = 1``), one signed port
    ``<input>_in`` per input, registered outputs ``spike`` (the threshold of the step
    just taken; 0 without ``en``) and one signed tap per state variable.
    """
    v = _V(spec)
    nodes = spec["nodes"]
    ports = ["    input  wire clk,", "    input  wire rst,", "    input  wire en,"]
    names = {}
    for i in spec["inputs"]:
        p = port_name(i["name"], True)
        names[p] = i["name"]
        ports.append(f"    input  wire signed [{i['width'] - 1}:0] {p},")
    for s in spec["states"]:
        p = port_name(s["name"], False)
        names.setdefault(p, s["name"])
        ports.append(f"    output wire signed [{s['width'] - 1}:0] {p},")
    ports.append("    output reg  spike")
    taken = [p for p in names]
    if len(set(taken)) != len(spec["inputs"]) + len(spec["states"]) or \
            any(p.startswith("np_") for p in taken):
        raise IntegerExportError(f"two signals map to one Verilog port name "
                                 f"({sorted(taken)}); {_NOT}", model=spec["model"],
                                 field="state")
    body = []
    regs = []
    for k, n in enumerate(nodes):
        if n["op"] == "state":
            s = next(x for x in spec["states"] if x["name"] == n["name"])
            regs.append((k, s))
        if n["op"] == "input":
            i = next(x for x in spec["inputs"] if x["name"] == n["name"])
            iw = i["width"]
            p = port_name(n["name"], True)
            if iw == n["width"]:
                v.lines.append(f"    wire signed [{iw - 1}:0] np_n{k} = {p};")
            else:
                v.lines.append(f"    wire signed [{n['width'] - 1}:0] np_n{k} = {p};")
        else:
            v.node(k)
    for k, s in regs:
        body.append(f"    reg signed [{s['width'] - 1}:0] np_r{k};")
        body.append(f"    assign {port_name(s['name'], False)} = np_r{k};")
    seq = ["    always @(posedge clk) begin", "        if (rst) begin",
           "            spike <= 1'b0;"]
    for k, s in regs:
        seq.append(f"            np_r{k} <= {_lit(s['init'], s['width'])};")
    seq += ["        end else if (en) begin", f"            spike <= |{v.ref(spec['spike'])};"]
    for k, s in regs:
        nxt = spec["states"][[x["name"] for x in spec["states"]].index(s["name"])]["next"]
        nn = nodes[nxt]
        c = v.const_of(nxt)
        if c is not None:
            seq.append(f"            np_r{k} <= {_lit(wrap_signed(c, s['width']), s['width'])};")
        elif nn["width"] == s["width"]:
            seq.append(f"            np_r{k} <= np_n{nxt};")
        elif nn["width"] > s["width"]:
            seq.append(f"            np_r{k} <= np_n{nxt}[{s['width'] - 1}:0];")
        else:
            seq.append(f"            np_r{k} <= {v.ext(nxt, s['width'])};")
    seq += ["        end else begin", "            spike <= 1'b0;", "        end", "    end"]
    lines = [
        f"// GENERATED by neuroplug {__version__} (neuroplug export {spec['model']}"
        + (f" --preset {spec['preset']}" if spec["preset"] else "") + ") -- do not edit.",
        f"// Integer model '{spec['model']}': the model's own statements, bit-true to",
        "// neuroplug.hw.intmodel.IntegerModel (widths from interval analysis; states:",
    ]
    for s in spec["states"]:
        lines.append(f"//   {s['name']}: {s['width']} bits, [{s['lo']}, {s['hi']}]"
                     + (" (the next value can leave it: the register wraps, as "
                        "Brian2's int64)" if s["wraps"] else ""))
    lines += ["`timescale 1ns / 1ps", "/* verilator lint_off UNUSEDSIGNAL */",
              f"module {spec['module']} ("] + ports + [");"] + body + \
        [ln for ln in v.lines if ln] + seq + \
        ["endmodule", "/* verilator lint_on UNUSEDSIGNAL */", ""]
    return "\n".join(lines)
