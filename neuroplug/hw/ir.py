"""The hardware intermediate representation: a float64 discrete-time map.

:func:`build_map` turns a library model and preset into one update per state variable,

    x_new = x + sum_t c_t * m_t(x, u)

with every constant folded to a number (no division left for the hardware).  A
monomial ``m_t`` is a product of state variables and inputs (any power), optionally
times ``exp(alpha*y + beta)`` of one state variable.  How the step is taken follows the
model's integration method, the same way Brian2's state updaters do it:

- ``exact`` (linear models): the matrix exponential of the linear system, input held
  constant over the step (decay factors ``exp(-dt/tau)`` folded into the ``c_t``);
- ``exponential_euler``: each variable's own linear part decays exactly
  (``x_new = P x + (P - 1) B/A``), the rest is one Euler step;
- ``euler``: ``x_new = x + dt f(x, u)``.

Variables are scaled to working units (mV, pA, nS, mV/ms) so that fixed-point
formats stay readable.  The map also carries the threshold, the reset statements and
the refractory period in steps, with Brian2's semantics (docs/semantics.md).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np

__all__ = ["Term", "ExpFactor", "StateSpec", "InputSpec", "MapIR", "build_map", "FloatMap",
           "NotExportable"]

from ..errors import ModelDefinitionError


class NotExportable(ModelDefinitionError):
    """The model cannot be exported faithfully to fixed-point hardware (the reason says why)."""


#: working unit per Brian2 base unit: (scale in SI, label)
_WORK_UNITS = {
    "volt": (1e-3, "mV"), "amp": (1e-12, "pA"), "siemens": (1e-9, "nS"),
    "volt/second": (1.0, "mV/ms"), "amp/second": (1e-9, "pA/ms"), "second": (1e-3, "ms"),
    "1": (1.0, "1"),
}


def _work_unit(unit: str):
    from ..codegen import dim_of_unit

    if unit == "1":
        return _WORK_UNITS["1"]
    dim = dim_of_unit(unit)
    for text, value in _WORK_UNITS.items():
        if text != "1" and dim_of_unit(text) is dim:
            return value
    return None


@dataclass(frozen=True)
class ExpFactor:
    """``exp(alpha * var + beta)`` of one state variable (working units)."""

    var: str
    alpha: float
    beta: float


@dataclass(frozen=True)
class Term:
    """``coef * prod(factors) [* exp]``; ``factors`` lists names, repeated for powers."""

    coef: float
    factors: tuple[str, ...] = ()
    exp: ExpFactor | None = None

    def label(self) -> str:
        parts = [f"{self.coef:.9g}"] + list(self.factors)
        if self.exp:
            parts.append(f"exp({self.exp.alpha:.6g}*{self.exp.var}{self.exp.beta:+.6g})")
        return "*".join(parts)


@dataclass
class StateSpec:
    name: str
    unit: str          # working unit label
    scale: float       # SI value of one working unit
    init: float        # initial value, working units
    hold_when_refractory: bool
    terms: list[Term] = field(default_factory=list)   # increment: x_new = x + sum(terms)


@dataclass
class InputSpec:
    name: str
    unit: str
    scale: float


@dataclass
class MapIR:
    """A model as a float64 discrete-time map (see the module docstring)."""

    model_id: str
    preset: str | None
    method: str
    dt: float                       # seconds
    states: dict[str, StateSpec]
    inputs: dict[str, InputSpec]
    threshold: tuple[str, str, float] | None     # (var, op, value)
    resets: list[tuple[str, str, float]]          # (var, "=" or "+=", value)
    refractory_steps: int                         # Brian2's timestep(t_ref, dt)
    source: str
    sha256: str
    parameters: dict[str, float] = field(default_factory=dict)   # SI values used
    exp_arg_max: float = math.inf    # clamp of exp() arguments (natural), used by hardware
    #: the threshold value, reset values and initial values in SI, evaluated in float64
    #: from the model text (as Brian2 evaluates them), for :class:`~neuroplug.hw.simap.SIMap`
    threshold_si: float | None = None
    resets_si: list = field(default_factory=list)
    init_si: dict = field(default_factory=dict)

    @property
    def refractory_hold(self) -> int:
        """Steps a variable ``(unless refractory)`` is held after a spike."""
        return max(self.refractory_steps - 1, 0)

    def float_map(self, dtype=np.float64, clamp_exp: bool = False, n: int = 1) -> "FloatMap":
        return FloatMap(self, dtype, clamp_exp, n)

    def rheobase(self, duration: float = 0.5) -> float | None:
        """Smallest constant input (working units) that fires within ``duration``.

        A vectorised bracket search: powers of two, then two rounds of 32 amplitudes
        (resolution 1/1024 of the bracket).
        """
        if self.threshold is None or not self.inputs:
            return None
        steps = int(round(duration / self.dt))

        def fires(amps):
            fm = self.float_map(n=len(amps))
            _, spikes, _ = fm.run(np.broadcast_to(amps, (steps, len(amps))), squeeze=False)
            return np.array([len(s) > 0 for s in spikes])

        grid = 2.0 ** np.arange(-12, 31)
        f = fires(grid)
        if not f.any():
            return None
        first = int(np.argmax(f))
        hi = grid[first]
        lo = grid[first - 1] if first > 0 else 0.0
        for _ in range(2):
            grid = np.linspace(lo, hi, 33)[1:]
            f = fires(grid)
            first = int(np.argmax(f))
            hi = grid[first]
            lo = grid[first - 1] if first > 0 else lo
        return float(hi)


# ----------------------------------------------------------------------------------
def build_map(model, preset: str | None = None, method: str | None = None) -> MapIR:
    """Fold a library model (+ preset) into a :class:`MapIR` (cached per model file).

    See :func:`_build_map` for the refusals.
    """
    from ..library import model as get_model

    m = get_model(model)
    return _build_cached(m.source, m.sha256, m.id, preset, method)


_CACHE: dict = {}


def _build_cached(source, sha, mid, preset, method):
    key = (source, sha, preset, method)
    if key not in _CACHE:
        _CACHE[key] = _build_map(source if source.endswith(".toml") else mid, preset, method)
    return _CACHE[key]


def _build_map(model, preset: str | None = None, method: str | None = None) -> MapIR:
    """Fold a library model (+ preset) into a :class:`MapIR`.

    Raises
    ------
    NotExportable
        Noise, discrete-time ``update`` models, non-polynomial terms (divisions by
        state-dependent expressions, nested or several exponentials, as in
        Hodgkin-Huxley gating rates), conditional refractoriness, or a method that is
        not ``exact``/``euler``/``exponential_euler``.
    """
    import sympy
    from brian2 import Equations
    from brian2.parsing.sympytools import str_to_sympy

    from ..codegen import initial_values
    from ..library import model as get_model
    from ..quantities import unit_namespace

    unit_ns = unit_namespace()

    m = get_model(model)

    def refuse(why, fld="equations"):
        raise NotExportable(f"not exportable to fixed-point hardware: {why}",
                            source=m.source, model=m.id, field=fld)

    if m.stochastic:
        refuse("the model draws random numbers (xi, rand() or randn()); a hardware noise "
               "source needs a specified LFSR/noise generator, which the model file does not "
               "define")
    if m.is_map or m.update:
        refuse("discrete-time 'update' models are not supported by the exporter yet",
               "update")
    if m.threshold is None:
        refuse("the model has no threshold (no spike output)", "threshold")
    method = method or m.method
    if method == "linear":
        method = "exact"
    if method not in ("exact", "euler", "exponential_euler"):
        refuse(f"method '{method}' is not supported; the exporter folds 'exact', "
               "'exponential_euler' and 'euler' steps", "method")
    values = m.parameter_values(preset)
    si = {k: float(v) for k, v in values.items()}
    dt = float(m.default_dt())

    eqs = Equations(m.equations)
    units = {}
    for name in list(m.state) + list(m.inputs):
        unit = (m.state[name].unit if name in m.state else m.inputs[name].unit).strip()
        units[name] = _work_unit(unit) or (1.0, unit)   # unknown: SI
    diff_names = [n for n in m.state if n in eqs.diff_eq_names]
    if set(diff_names) != set(m.state):
        refuse("every state variable must have a differential equation")

    sym = {n: sympy.Symbol(n, real=True) for n in units}
    EXPF = sympy.Function("EXPF")   # keeps exp(a*x + b) whole (sympy would split off exp(b))
    subexpr = {n: str_to_sympy(eqs[n].expr.code) for n in eqs.subexpr_names}
    rhs = {}
    for name in diff_names:
        expr = str_to_sympy(eqs[name].expr.code)
        for _ in range(len(subexpr) + 1):   # inline (nested) subexpressions
            expr = expr.xreplace({s: subexpr[s.name] for s in expr.free_symbols
                                  if s.name in subexpr})
        expr = expr.replace(sympy.exp, EXPF)
        subs = {}
        for s in expr.free_symbols:
            if s.name in units:
                subs[s] = units[s.name][0] * sym[s.name]
            elif s.name in si:
                subs[s] = si[s.name]
            elif s.name in unit_ns:
                subs[s] = float(unit_ns[s.name])
            else:
                refuse(f"symbol '{s.name}' in dv/dt of '{name}' is neither a parameter, a state "
                       "variable nor an input")
        rhs[name] = sympy.expand(expr.xreplace(subs) / units[name][0], power_exp=False)

    new = {}
    if method == "exact":
        new = _exact(rhs, diff_names, list(m.inputs), sym, dt, refuse)
    else:
        for name in diff_names:
            x = sym[name]
            f = rhs[name]
            A = sum((t.as_coeff_Mul()[0] for t in sympy.Add.make_args(f)
                     if t.as_coeff_Mul()[1] == x), sympy.Float(0))
            A = float(A)
            if method == "exponential_euler" and A != 0.0:
                P = math.exp(A * dt)
                new[name] = sympy.expand((P - 1.0) * x + (P - 1.0) / A * (f - A * x),
                                         power_exp=False)
            else:
                new[name] = sympy.expand(dt * f, power_exp=False)

    states = {}
    init = initial_values(m, values)
    for name in m.state:
        flags = eqs[name].flags
        terms = [_term(t, units, refuse, name) for t in sympy.Add.make_args(new[name])]
        terms = [t for t in terms if t.coef != 0.0]
        scale, label = units[name]
        states[name] = StateSpec(name, label, scale, float(init[name]) / scale,
                                 "unless refractory" in flags, terms)
    inputs = {n: InputSpec(n, units[n][1], units[n][0]) for n in m.inputs}

    def const_si(text, what, fld):
        """SI value of a constant expression, in float64 arithmetic (as Brian2 evaluates it)."""
        value = const(text, what, fld)   # validates the expression
        try:
            return float(eval(text, {"__builtins__": {}},  # noqa: S307 - model file text
                              {**{k: float(v) for k, v in unit_ns.items()}, **si}))
        except Exception:  # noqa: BLE001 - sympy's value is the fallback
            return value

    def const(text, what, fld):
        try:
            e = str_to_sympy(text)
        except Exception as exc:  # noqa: BLE001 - Brian2 parser errors vary
            refuse(f"cannot parse {what} {text!r}: {exc}", fld)
        bad = [s.name for s in e.free_symbols if s.name not in si]
        if bad:
            refuse(f"{what} {text!r} depends on {bad}; only constant expressions of "
                   "parameters are supported", fld)
        return float(e.xreplace({s: si[s.name] for s in e.free_symbols}))

    mt = re.fullmatch(r"\s*(\w+)\s*(>=|>|<=|<)\s*(.+?)\s*", m.threshold)
    if not mt or mt.group(1) not in m.state:
        refuse(f"threshold {m.threshold!r} must compare one state variable with a constant",
               "threshold")
    tvar = mt.group(1)
    threshold_si = const_si(mt.group(3), "threshold", "threshold")
    threshold = (tvar, mt.group(2), threshold_si / units[tvar][0])
    resets, resets_si = [], []
    for stmt in filter(None, (s.strip() for s in re.split(r"[;\n]", m.reset or ""))):
        mr = re.fullmatch(r"(\w+)\s*(=|\+=|-=)\s*(.+)", stmt)
        if not mr or mr.group(1) not in m.state:
            refuse(f"reset statement {stmt!r} must be 'x = const', 'x += const' or "
                   "'x -= const'", "reset")
        var, op = mr.group(1), mr.group(2)
        val_si = const_si(mr.group(3), "reset value", "reset")
        resets_si.append((var, op, val_si))
        val = val_si / units[var][0]
        if op == "-=":
            op, val = "+=", -val
        resets.append((var, op, val))

    rsteps = 0
    rq = m.refractory_quantity
    if rq is not None:
        if isinstance(rq, str):
            if rq.strip() not in si:
                refuse(f"refractory condition {rq!r} is not a time; only a refractory period "
                       "is supported", "refractory")
            t_ref = si[rq.strip()]
        else:
            t_ref = float(rq)
        rsteps = int(math.floor(t_ref / dt + 1e-3))   # Brian2's timestep()

    zero = _zero_states(states, resets)
    if zero:
        by_design = [z for z in sorted(zero)
                     if not re.search(rf"\b{z}\s*(=|\+=|-=)", m.reset or "")]
        if by_design:
            refuse(f"state(s) {', '.join(by_design)} stay 0 for every input the module can "
                   f"receive: only events move them (synaptic on_pre / add_delta_input"
                   f"{', the model delta_variable' if m.delta_variable in by_design else ''}), "
                   "and the exported module has no event port yet")
        # held at 0 by this preset's values (e.g. an adaptation increment of 0): the
        # terms they multiply are exactly 0, so the map leaves them out
        for st in states.values():
            st.terms = [t for t in st.terms if not zero & set(t.factors)]

    ir = MapIR(m.id, preset, method, dt, states, inputs, threshold, resets, rsteps,
               m.source, m.sha256, si, threshold_si=threshold_si, resets_si=resets_si,
               init_si={k: float(v) for k, v in init.items()})
    ir.exp_arg_max = _exp_clamp(ir)
    return ir


def _zero_states(states, resets) -> set:
    """State variables that stay exactly 0 whatever the inputs do.

    A state is zero if it starts at 0, no reset sets it to anything but 0, and every term
    of its increment has a factor that is zero (itself or another zero state).
    """
    zero: set = set()
    changed = True
    while changed:
        changed = False
        for name, st in states.items():
            if name in zero or st.init != 0.0:
                continue
            if any(var == name and value != 0.0 for var, _op, value in resets):
                continue
            if all((name in t.factors) or (zero & set(t.factors)) for t in st.terms):
                zero.add(name)
                changed = True
    return zero


def _exact(rhs, names, input_names, sym, dt, refuse):
    """Exact step of a linear system with inputs held over the step (matrix exponential)."""
    import sympy
    from scipy.linalg import expm

    cols = names + input_names
    n, k = len(names), len(input_names)
    M = np.zeros((n + k + 1, n + k + 1))
    for i, name in enumerate(names):
        poly = sympy.Poly(rhs[name], *[sym[c] for c in cols]) if rhs[name].free_symbols \
            else None
        if any(f.func.__name__ == "EXPF" for f in rhs[name].atoms(sympy.Function)) or (poly is not None and poly.total_degree() > 1):
            refuse(f"method 'exact' needs a linear system; d{name}/dt = {rhs[name]} is not "
                   "linear", "method")
        for j, c in enumerate(cols):
            M[i, j] = float(rhs[name].coeff(sym[c], 1).subs({sym[x]: 0 for x in cols}))
        M[i, -1] = float(rhs[name].subs({sym[x]: 0 for x in cols}))
    Phi = expm(M * dt)
    new = {}
    for i, name in enumerate(names):
        e = sympy.Float(Phi[i, -1])
        for j, c in enumerate(cols):
            e += (Phi[i, j] - (1.0 if j == i else 0.0)) * sym[c]
        new[name] = e
    return new


def _term(t, units, refuse, name) -> Term:
    import sympy

    coef, rest = t.as_coeff_Mul()
    factors, expf = [], None
    for f in sympy.Mul.make_args(rest):
        if f == 1:
            continue
        if isinstance(f, sympy.Symbol):
            factors.append(f.name)
        elif isinstance(f, sympy.Pow) and isinstance(f.base, sympy.Symbol) and \
                f.exp.is_Integer and int(f.exp) > 0:
            factors += [f.base.name] * int(f.exp)
        elif getattr(f.func, "__name__", "") == "EXPF" and expf is None:
            arg = sympy.expand(f.args[0])
            syms = list(arg.free_symbols)
            if len(syms) != 1 or sympy.Poly(arg, syms[0]).degree() != 1:
                refuse(f"exp({f.args[0]}) in the update of '{name}' is not exp(a*x + b) of one "
                       "state variable")
            x = syms[0]
            expf = ExpFactor(x.name, float(arg.coeff(x, 1)), float(arg.subs(x, 0)))
        else:
            refuse(f"term {t} in the update of '{name}' is not a polynomial (times one "
                   "exponential) of the state variables; divisions by state-dependent "
                   "expressions and other functions (e.g. Hodgkin-Huxley gating rates) "
                   "cannot be folded into fixed-point constants")
    return Term(float(coef), tuple(sorted(factors)), expf)


def _exp_clamp(ir: MapIR) -> float:
    """Largest exp() argument the hardware evaluates.

    Chosen so that one step's exponential contribution stays below the span between
    reset and threshold: above it the spike is certain either way, and the state never
    needs more integer bits than the threshold plus that span.
    """
    var, _, th = ir.threshold
    span = max([abs(th - ir.states[var].init)] + [abs(th - v) for x, op, v in ir.resets
                                                    if x == var and op == "="])
    span = max(span, 1.0)
    best = math.inf
    for s in ir.states.values():
        for t in s.terms:
            if t.exp is not None:
                best = min(best, math.log(span / abs(t.coef)) if t.coef else math.inf)
    return best


# ----------------------------------------------------------------------------------
class FloatMap:
    """Step a :class:`MapIR` in floating point, vectorised over ``n`` neurons.

    float64 by default (the reference); float32 to measure rounding spreads.  With
    ``clamp_exp`` the exp() arguments are clamped as the hardware clamps them.
    """

    def __init__(self, ir: MapIR, dtype=np.float64, clamp_exp: bool = False, n: int = 1):
        self.ir = ir
        self.dtype = np.dtype(dtype).type
        self.clamp = ir.exp_arg_max if clamp_exp else np.inf
        self.names = list(ir.states)
        self.n = n
        self.reset_state()

    def reset_state(self):
        self.x = {k: np.full(self.n, s.init, dtype=self.dtype) for k, s in self.ir.states.items()}
        self.count = np.zeros(self.n, dtype=np.int64)

    def _compile(self):
        """Generate one straight-line numpy step function (like Brian2's code objects)."""
        ir = self.ir
        ns = {"np": np, "where": np.where, "exp": np.exp, "minimum": np.minimum,
              "CLAMP": self.dtype(self.clamp), "HOLD": ir.refractory_hold}
        args = self.names + list(ir.inputs)
        body = ["refr = count != 0"]
        for k, s in ir.states.items():
            parts = []
            for j, t in enumerate(s.terms):
                cname = f"c_{k}_{j}"
                ns[cname] = self.dtype(t.coef)
                expr = "*".join([cname] + list(t.factors))
                if t.exp is not None:
                    ns[cname + "_a"] = self.dtype(t.exp.alpha)
                    ns[cname + "_b"] = self.dtype(t.exp.beta)
                    expr += f"*exp(minimum({cname}_a*{t.exp.var} + {cname}_b, CLAMP))"
                parts.append(expr)
            upd = f"{k} + (" + (" + ".join(parts) or "0") + ")"
            if s.hold_when_refractory and ir.refractory_hold:
                upd = f"where(refr, {k}, {upd})"
            body.append(f"n_{k} = {upd}")
        var, op, th = ir.threshold
        ns["TH"] = self.dtype(th)
        body.append(f"spike = (n_{var} {op} TH) & ~refr")
        body.append("pre = (" + "".join(f"n_{k}, " for k in self.names) + ")")
        for j, (x, rop, val) in enumerate(ir.resets):
            ns[f"r_{j}"] = self.dtype(val)
            reset = f"r_{j}" if rop == "=" else f"n_{x} + r_{j}"
            body.append(f"n_{x} = where(spike, {reset}, n_{x})")
        body.append("count = where(spike, HOLD, where(refr, count - 1, count))")
        body.append("return (" + "".join(f"n_{k}, " for k in self.names) + "), count, spike, pre")
        src = f"def _step({', '.join(args)}, count):\n" + "\n".join("    " + b for b in body)
        exec(compile(src, f"<floatmap {ir.model_id}>", "exec"), ns)  # noqa: S102 - generated
        self._fn = ns["_step"]
        self.source = src

    def step(self, inputs: dict):
        """One time step; returns ``(spike, state_before_reset)`` (boolean array, dict)."""
        if not hasattr(self, "_fn"):
            self._compile()
        vals = [np.asarray(inputs[k], dtype=self.dtype) for k in self.ir.inputs]
        with np.errstate(over="ignore", invalid="ignore"):
            new, self.count, spike, pre = self._fn(*[self.x[k] for k in self.names], *vals,
                                                   self.count)
        self.x = dict(zip(self.names, new))
        return spike, dict(zip(self.names, pre))

    def run(self, stimulus, input_name=None, squeeze=True):
        """Run over a stimulus (steps,) or (steps, n) in working units.

        Returns ``(traces, spikes, pre)``: traces and pre-reset values per state as
        arrays (n, steps) (squeezed to (steps,) for n == 1), spike step indices per
        neuron (a list, or one array for n == 1).
        """
        input_name = input_name or next(iter(self.ir.inputs))
        stim = np.asarray(stimulus, dtype=float)
        steps = stim.shape[0]
        traces = {k: np.empty((steps, self.n)) for k in self.names}
        pre = {k: np.empty((steps, self.n)) for k in self.names}
        spk = np.zeros((steps, self.n), dtype=bool)
        for i in range(steps):
            s, p = self.step({input_name: stim[i]})
            spk[i] = s
            for k in self.names:
                traces[k][i] = self.x[k]
                pre[k][i] = p[k]
        spikes = [np.flatnonzero(spk[:, j]) for j in range(self.n)]
        traces = {k: v.T for k, v in traces.items()}
        pre = {k: v.T for k, v in pre.items()}
        if self.n == 1 and squeeze:
            return ({k: v[0] for k, v in traces.items()}, spikes[0],
                    {k: v[0] for k, v in pre.items()})
        return traces, spikes, pre
