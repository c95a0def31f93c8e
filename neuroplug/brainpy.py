"""BrainPy adapter: every library model becomes a :class:`brainpy.state.Neuron` subclass.

>>> import brainstate, saiunit as u
>>> from neuroplug.brainpy import AdEx
>>> layer = AdEx(100, preset="tonic")
>>> layer.init_state()
>>> with brainstate.environ.context(dt=0.1 * u.ms):
...     spikes = layer.update(500 * u.pA)

How one step is computed
------------------------
The update statements are not re-derived here: Brian2's own state updater, loop
invariant optimisation and refractoriness handling generate vectorised numpy code for
the model and method (:func:`neuroplug.codegen.numpy_code`), and this adapter executes
those statements with ``jax.numpy``.  One ``update`` call follows Brian2's schedule:

1. delta inputs (``add_delta_input``) are added to the spike variable, or to the model's
   ``delta_variable`` (in Brian2 a
   synaptic ``on_pre`` of the previous step has already been applied at this point);
2. state update with the pinned method (refractoriness: ``(unless refractory)``
   variables are held while ``timestep(t - lastspike) < timestep(refractory)``);
3. the threshold is tested on the new state (and ``not_refractory``);
4. reset statements are applied to the neurons that spiked; ``lastspike = t``.

The spike output is exactly Brian2's threshold condition in the forward pass; its
gradient is the surrogate ``spk_fun`` of the scaled distance to threshold.
"""

from __future__ import annotations

import ast
import contextlib
import re
from functools import lru_cache, partial

import brainpy.state as _bp
import brainstate
import braintools
import jax
import jax.numpy as jnp
import numpy as np
import saiunit as su

from . import quantities as _q
from .classdoc import class_docstring, class_signature
from .codegen import NumpyCode, dim_of_unit, initial_values, numpy_code
from .errors import BackendError, InputError, ParameterError
from .library import class_index, is_library_model, unknown_class_error
from .library import model as _get_model
from .model import Model

__all__ = ["LibraryNeuron", "Recurrent", "SURROGATES", "ConstraintT", "neuron_class",
           "precision", "shard", "surrogate", "to_saiunit", "to_si"]

_DIM_NAMES = ("m", "kg", "s", "A", "K", "mol", "cd")


# ----------------------------------------------------------------------------------
# units
_NAMED_UNITS = (su.volt, su.amp, su.siemens, su.farad, su.second, su.ohm, su.hertz, su.meter,
                su.coulomb, su.joule, su.watt, su.newton, su.mole, su.kelvin)


def _si_unit(dim) -> su.Unit:
    """The SI saiunit unit with the given (Brian2) dimensions (a named one if there is)."""
    if dim is _q.DIMENSIONLESS:
        return su.UNITLESS
    exps = {name: float(dim._dims[i]) for i, name in enumerate(_DIM_NAMES) if dim._dims[i]}
    sdim = su.get_or_create_dimension(**exps)
    for named in _NAMED_UNITS:
        if named.dim == sdim:
            return named
    return su.Unit(dim=sdim, scale=0)


def to_saiunit(q, dtype=None):
    """Convert a Brian2 quantity (scalar or array) to a saiunit quantity in SI units."""
    dim = _q.get_dimensions(q)
    value = jnp.asarray(np.asarray(q, dtype=float), dtype=dtype)
    if dim is _q.DIMENSIONLESS:
        return value
    return su.Quantity(value, unit=_si_unit(dim))


def to_si(value, unit: su.Unit, what: str):
    """Mantissa of ``value`` in the SI unit ``unit`` (plain arrays for dimensionless)."""
    if isinstance(value, su.Quantity):
        try:
            return value.to_decimal(unit) if unit is not su.UNITLESS else value.to_decimal()
        except Exception:
            raise BackendError(f"{what}: found a quantity in {value.unit}, expected one with the "
                               f"dimensions of {unit}") from None
    if unit is not su.UNITLESS and not _is_zero(value):
        raise BackendError(f"{what}: found a plain number/array, expected a saiunit quantity "
                           f"in {unit} (e.g. 500 * u.pA)")
    return value


def _is_zero(value) -> bool:
    try:
        return not isinstance(value, jax.core.Tracer) and bool(np.all(np.asarray(value) == 0))
    except Exception:
        return False


@contextlib.contextmanager
def precision(dtype="float64"):
    """Run a block with JAX float64 (or float32) enabled, restoring the setting after.

    A thin wrapper over ``brainstate.environ.context(precision=...)``; importing
    neuroplug never changes JAX's global configuration.
    """
    bits = {"float64": 64, "float32": 32, 64: 64, 32: 32}.get(dtype)
    if bits is None:
        raise ValueError(f"found dtype {dtype!r}, expected 'float64' or 'float32'")
    with brainstate.environ.context(precision=bits):
        yield


# ----------------------------------------------------------------------------------
# surrogate gradients by name
#: Surrogate names accepted by ``spk_fun``: braintools classes, default arguments.
SURROGATES = {
    "sigmoid": "Sigmoid",            # sigmoid derivative (alpha = 4)
    "arctan": "Arctan",              # arctan derivative (SpikingJelly's ATan)
    "triangle": "PiecewiseQuadratic",  # triangular gradient on |x| < 1/alpha
    "superspike": "InvSquareGrad",   # fast sigmoid 1/(1 + alpha|x|)^2 (Zenke & Ganguli 2018)
    "relu_grad": "ReluGrad",         # ReLU(alpha (width - |x|))
    "gaussian": "GaussianGrad",      # Gaussian bump
    "erf": "ERF",
    "slayer": "SlayerGrad",          # Laplace-shaped (Shrestha & Orchard 2018)
    "piecewise_leaky_relu": "PiecewiseLeakyRelu",
}


def surrogate(spk_fun):
    """A braintools surrogate from a name in :data:`SURROGATES` (or the function itself).

    Parameters
    ----------
    spk_fun : str or callable
        ``'sigmoid'``, ``'arctan'``, ``'triangle'``, ``'superspike'``, ``'relu_grad'``,
        ``'gaussian'``, ``'erf'``, ``'slayer'``, ``'piecewise_leaky_relu'``, or a
        ``braintools.surrogate`` instance (e.g. ``Sigmoid(alpha=8.0)``) used as given.
    """
    if callable(spk_fun):
        return spk_fun
    if isinstance(spk_fun, str) and spk_fun.lower().replace("-", "_") in SURROGATES:
        return getattr(braintools.surrogate, SURROGATES[spk_fun.lower().replace("-", "_")])()
    raise ParameterError(f"found spk_fun={spk_fun!r}, expected a braintools surrogate or one "
                         f"of {sorted(SURROGATES)}", field="spk_fun")


# ----------------------------------------------------------------------------------
# trainable parameters
class ConstraintT(brainstate.nn.Transform):
    """Unit-aware reparameterisation of a constrained model parameter.

    The optimiser sees a dimensionless unconstrained value ``z``; the model sees

    - ``positive``: ``scale * exp(z)`` (log-parameterised, e.g. time constants);
    - ``nonnegative``: ``scale * softplus(z)``;
    - ``any``: ``scale * z``,

    with ``scale`` a quantity in the parameter's SI unit (by default the magnitude of the
    initial value), so ``z`` is of order one whatever the unit and one learning rate
    suits volts, siemens and seconds alike; ``Param.value()`` is a saiunit quantity.

    Parameters
    ----------
    constraint : {'positive', 'nonnegative', 'any'}
    unit : saiunit.Unit
        SI unit of the parameter (``saiunit.UNITLESS`` for dimensionless ones).
    scale : float, optional
        Mantissa of the scale in ``unit``; default 1.
    """

    def __init__(self, constraint: str, unit, scale: float = 1.0):
        if constraint not in ("positive", "nonnegative", "any"):
            raise ParameterError(f"found constraint {constraint!r}, expected 'positive', "
                                 "'nonnegative' or 'any'", field="trainable")
        if not (np.isfinite(scale) and scale > 0):
            raise ParameterError(f"found scale {scale!r}, expected a positive number",
                                 field="trainable")
        self.constraint = constraint
        self.unit = unit
        self.scale = float(scale)

    def forward(self, z):
        z = jnp.asarray(z)
        y = self.scale * {"positive": jnp.exp, "nonnegative": jax.nn.softplus}.get(
            self.constraint, lambda v: v)(z)
        return y if self.unit is su.UNITLESS else su.Quantity(y, unit=self.unit)

    def inverse(self, y):
        y = jnp.asarray(to_si(y, self.unit, "trainable parameter")) / self.scale
        if self.constraint == "positive":
            return jnp.log(y)
        if self.constraint == "nonnegative":
            # softplus^-1, finite at 0 (the smallest representable positive instead)
            y = jnp.maximum(y, jnp.finfo(y.dtype).tiny)
            return y + jnp.log(-jnp.expm1(-y))
        return y


def _trainable_value(value):
    """The current value of a trainable parameter object (or ``None`` if not one)."""
    if isinstance(value, brainstate.nn.Param):
        return value.value()
    if isinstance(value, brainstate.State):
        return value.value
    return None


# ----------------------------------------------------------------------------------
# executing Brian2's generated numpy code with jax.numpy
def _exprel(x):
    x = jnp.asarray(x)
    small = jnp.abs(x) < 1e-16
    safe = jnp.where(small, 1.0, x)
    return jnp.where(small, 1.0, jnp.where(x > 717, jnp.inf, jnp.expm1(safe) / safe))


def _rounded(x, rounding):
    """Brian2's ``int``/``floor``/``ceil``: exact in the forward pass; for a float argument
    the gradient passes straight through (that of the identity), so integer-arithmetic
    models stay differentiable. Booleans and integers become int32 as before."""
    x = jnp.asarray(x)
    if not jnp.issubdtype(x.dtype, jnp.floating):
        return x.astype(jnp.int32)
    return x + jax.lax.stop_gradient(rounding(x) - x)


def _int_dtype():
    return jax.dtypes.canonicalize_dtype(jnp.int64)


def _timestep(t, dt):
    return jnp.asarray((t + 1e-3 * dt) / dt).astype(_int_dtype())


# neuroplug's integer functions (definitions: neuroplug.codegen.INTEGER_DEFINITIONS),
# on int64 arrays exactly as Brian2's numpy, cython and C++ implementations
def _i64(x):
    x = jnp.asarray(x)
    return x if x.dtype == _int_dtype() else x.astype(_int_dtype())


def _ones(bits):
    h = jnp.left_shift(_i64(1), _i64(bits) - 1)
    return h | (h - 1)


def _round_shift(x, n):
    x, n = _i64(x), _i64(n)
    half = jnp.where(n > 0, jnp.left_shift(_i64(1), jnp.maximum(n - 1, 0)), 0)
    s = jnp.right_shift(jnp.abs(x) + half, n)
    return jnp.where(x < 0, -s, s)


def _wrap(x, bits):
    h = jnp.left_shift(_i64(1), _i64(bits) - 1)
    return ((_i64(x) & (h | (h - 1))) ^ h) - h


def _saturate(x, bits):
    h = jnp.left_shift(_i64(1), _i64(bits) - 1)
    return jnp.minimum(jnp.maximum(_i64(x), -h), h - 1)


def _trunc_div(x, d):
    x, d = jnp.broadcast_arrays(_i64(x), _i64(d))
    return jax.lax.div(x, d)


def _trunc_mod(x, d):
    x, d = jnp.broadcast_arrays(_i64(x), _i64(d))
    return jax.lax.rem(x, d)


_INTEGER_FUNCTIONS = {
    "shift_right": lambda x, n: jnp.right_shift(_i64(x), _i64(n)),
    "shift_left": lambda x, n: _i64(x) * jnp.left_shift(_i64(1), _i64(n)),
    "round_shift": _round_shift,
    "bit_and": lambda x, m: _i64(x) & _i64(m),
    "bit_or": lambda x, m: _i64(x) | _i64(m),
    "bit_xor": lambda x, m: _i64(x) ^ _i64(m),
    "mask": lambda x, bits: _i64(x) & _ones(bits),
    "wrap": _wrap,
    "saturate": _saturate,
    "trunc_div": _trunc_div,
    "trunc_mod": _trunc_mod,
}


class _NumpyShim:
    """What the generated code calls ``_numpy``."""

    where = staticmethod(jnp.where)
    bool_ = staticmethod(jnp.bool_)


_FUNCTIONS = {
    "exp": jnp.exp, "log": jnp.log, "log10": jnp.log10, "sqrt": jnp.sqrt, "sin": jnp.sin,
    "cos": jnp.cos, "tan": jnp.tan, "sinh": jnp.sinh, "cosh": jnp.cosh, "tanh": jnp.tanh,
    "arcsin": jnp.arcsin, "arccos": jnp.arccos, "arctan": jnp.arctan, "abs": jnp.abs,
    "sign": jnp.sign, "clip": jnp.clip, "exprel": _exprel, "timestep": _timestep,
    "int": lambda x: _rounded(x, jnp.trunc),
    "floor": lambda x: _rounded(x, jnp.floor),
    "ceil": lambda x: _rounded(x, jnp.ceil),
    "logical_not": jnp.logical_not, "logical_and": jnp.logical_and,
    "logical_or": jnp.logical_or, "pi": np.pi, "e": np.e, "inf": np.inf,
    "_numpy": _NumpyShim, "__builtins__": {}, **_INTEGER_FUNCTIONS,
}

_ASSIGN = re.compile(r"^(\w+)\s*(=|\+=|-=|\*=|/=|\*\*=|//=|%=)")
_COMPARISON = re.compile(r"^(\w+)\s*(>=|>)\s*(.+?)$")


class _Program:
    """Compiled step of one model and method."""

    def __init__(self, m: Model, method: str, refractory: bool = True):
        code: NumpyCode = numpy_code(m, method, refractory=refractory)
        self.model = m
        self.method = method
        self.has_refractory = code.has_refractory
        self.constants = dict(code.constants)
        self.stateupdate = compile(_cheaper_forms(code.stateupdate or "pass"),
                                   f"<{m.id}:{method}:state>", "exec")
        self.update = compile(code.update or "pass", f"<{m.id}:update>", "exec")
        self.threshold_code = code.threshold
        self.threshold = (compile(code.threshold, f"<{m.id}:threshold>", "exec")
                          if code.threshold else None)
        self.reset = compile(code.reset or "pass", f"<{m.id}:reset>", "exec")
        self.reset_code = code.reset
        self.reset_targets = tuple(
            t for t in dict.fromkeys(_ASSIGN.match(line).group(1)
                                     for line in code.reset.splitlines() if _ASSIGN.match(line))
            if t in m.state)
        # random numbers may appear in the state update, the map step, the threshold
        # (e.g. escape noise) and the reset
        self.uses_random = any(f in (part or "") for f in ("rand(", "randn(")
                               for part in (code.stateupdate, code.update, code.threshold,
                                            code.reset))
        # surrogate: distance of the spike variable to its threshold
        self.spike_var, self.threshold_rhs = _spike_clause(m)
        surrogate_var = self.spike_var
        if surrogate_var is None:
            # a clause on a subexpression gives the surrogate only (no inputs/soft reset)
            surrogate_var, self.threshold_rhs = _spike_clause(m, _subexpressions(m))
        scale = m.threshold_scale
        if scale is None and self.spike_var is not None:
            reset_value = _reset_value(m, self.spike_var)
            scale = f"({self.threshold_rhs}) - ({reset_value})" if reset_value else None
        self.scale_expr = scale
        self.distance = None
        if surrogate_var is not None:
            if scale is None:
                scale_code = "1.0"
            else:
                try:
                    scale_code = repr(float(_q.parse_quantity(scale)))
                except ValueError:
                    scale_code = f"({scale})"
            self.distance = compile(f"({surrogate_var} - ({self.threshold_rhs})) / {scale_code}",
                                    f"<{m.id}:surrogate>", "eval")
            self.threshold_value = compile(f"({self.threshold_rhs})", f"<{m.id}:thr>", "eval")
        # subexpressions, for an output or coupling source that is one (a rate...)
        self.subexpressions = _subexpression_program(m)
        self.on_spike = {name: compile(text or "pass", f"<{m.id}:on_spike:{name}>", "exec")
                         for name, text in code.on_spike.items()}


class _CheaperForms(ast.NodeTransformer):
    """Cheaper forms of two patterns in Brian2's generated statements.

    - ``(-a) + b`` -> ``b - a`` and ``a + (-b)`` -> ``a - b``: the same IEEE result
      (negation is exact), one array fewer for XLA to hoist out of a time loop (Brian2's
      exponential Euler writes ``_v = (- _BA_v) + (...)``).
    - ``exp(a) ** c`` -> ``exp(c * a)`` for a numeric ``c``: Brian2's loop-invariant
      optimisation turns ``exp(-(v + 65*mV)/(18*mV))`` into ``exp(_lio * v) ** 0.0555``;
      XLA evaluates the power as ``exp(c * log(.))``, three transcendental calls instead of
      one (7x the cost of one ``exp`` on CPU). Equal up to rounding (a few ulp).
    """

    def visit_BinOp(self, node):
        self.generic_visit(node)
        if (isinstance(node.op, ast.Pow) and isinstance(node.left, ast.Call)
                and isinstance(node.left.func, ast.Name) and node.left.func.id == "exp"
                and len(node.left.args) == 1 and not node.left.keywords
                and _numeric_literal(node.right)):
            return ast.copy_location(
                ast.Call(ast.Name("exp", ast.Load()),
                         [ast.BinOp(node.right, ast.Mult(), node.left.args[0])], []), node)
        if isinstance(node.op, ast.Add):
            if isinstance(node.left, ast.UnaryOp) and isinstance(node.left.op, ast.USub):
                return ast.copy_location(ast.BinOp(node.right, ast.Sub(), node.left.operand), node)
            if isinstance(node.right, ast.UnaryOp) and isinstance(node.right.op, ast.USub):
                return ast.copy_location(ast.BinOp(node.left, ast.Sub(), node.right.operand), node)
        return node


def _names(code: str) -> set:
    """The names a piece of generated code reads or writes."""
    return {n.id for n in ast.walk(ast.parse(code or "pass")) if isinstance(n, ast.Name)}


def _names_changing_per_step(code: str, m: Model) -> str:
    """Names in generated code whose value differs at the start of the next step
    (time, inputs, random numbers), comma-separated; '' when there are none."""
    changing = _names(code) & ({"t", "t_in_timesteps", "rand", "randn"} | set(m.inputs))
    return ", ".join(sorted(changing))


def _numeric_literal(node) -> bool:
    """``2.5`` or ``-2.5`` in an AST (not a name, not a boolean)."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        node = node.operand
    return (isinstance(node, ast.Constant) and isinstance(node.value, (int, float))
            and not isinstance(node.value, bool))


def _cheaper_forms(code: str):
    """Brian2's statements with :class:`_CheaperForms` applied (an AST, ready to compile)."""
    return ast.fix_missing_locations(_CheaperForms().visit(ast.parse(code)))


def _subexpression_program(m: Model):
    """Compiled evaluation of every subexpression of the equations, in Brian2's order
    (for an ``output`` or coupling ``source`` that is a subexpression)."""
    import brian2

    names = {m.output, m.coupling.source if m.coupling else None} - {None}
    if not names - set(m.state):
        return None
    eqs = brian2.Equations(m.equations)
    lines = [f"{eq.varname} = {eq.expr.code}" for eq in eqs.ordered
             if eq.varname in eqs.subexpr_names]
    return compile("\n".join(lines) or "pass", f"<{m.id}:output>", "exec")


def _subexpressions(m: Model) -> frozenset:
    """Names of the subexpressions of a model's equations."""
    import brian2

    return frozenset(brian2.Equations(m.equations).subexpr_names)


def _spike_clause(m: Model, names=None):
    """First threshold clause ``VAR > EXPR`` with ``VAR`` in ``names`` (default: state)."""
    if not m.threshold:
        return None, None
    names = m.state if names is None else names
    for clause in re.split(r"\band\b", m.threshold):
        match = _COMPARISON.match(_strip_parentheses(clause.strip()))
        if match and match.group(1) in names and (
                m.spike_variable is None or match.group(1) == m.spike_variable):
            return match.group(1), match.group(3)
    return None, None


def _strip_parentheses(text: str) -> str:
    """``(a > b)`` -> ``a > b``; only parentheses that enclose the whole text."""
    while text.startswith("(") and text.endswith(")"):
        depth = 0
        for i, ch in enumerate(text):
            depth += ch == "("
            depth -= ch == ")"
            if depth == 0 and i < len(text) - 1:
                return text  # the first '(' closes before the end: not enclosing
        text = text[1:-1].strip()
    return text


def _reset_value(m: Model, var: str):
    for stmt in re.split(r"[;\n]", m.reset or ""):
        match = re.match(rf"^\s*{var}\s*=\s*(.+?)\s*$", stmt)
        if match:
            return match.group(1)
    return None


@lru_cache(maxsize=256)
def _program(model_id: str, sha256: str, method: str, refractory: bool) -> _Program:
    return _Program(_get_model(model_id), method, refractory)


def _get_program(m: Model, method: str, refractory: bool = True) -> _Program:
    if is_library_model(m):
        return _program(m.id, m.sha256, method, refractory)
    return _Program(m, method, refractory)


def _zero_refractory_period(m: Model, values: dict) -> bool:
    """True when the refractory period is a parameter or literal that is 0 for every neuron.

    Refractoriness of length 0 never holds a neuron (``timestep(t - lastspike) >= 0``), so
    the step can be generated without it: same results, fewer arrays read and written.
    """
    if m.refractory is None:
        return False
    text = m.refractory.strip()
    if text in values:
        value = values[text]
    else:
        try:
            value = _q.parse_quantity(text)
        except ValueError:
            return False  # a condition or an expression: keep Brian2's bookkeeping
    try:
        return bool(np.all(np.asarray(value, dtype=float) == 0))
    except (TypeError, ValueError):
        return False


# ----------------------------------------------------------------------------------
class LibraryNeuron(_bp.Neuron):
    """A ``brainpy.state.Neuron`` generated from a neuroplug model.

    Parameters
    ----------
    in_size : int or tuple of int
        Shape of the layer.
    preset : str, optional
        A preset of the model.
    method : str, optional
        Integration method (Brian2 name); default: the model's pinned method.
    spk_fun : str or callable
        Surrogate gradient: a name from :data:`SURROGATES` (``'sigmoid'``, ``'arctan'``,
        ``'triangle'``, ``'superspike'``, ``'relu_grad'``, ``'gaussian'``...) or a
        ``braintools.surrogate`` instance; the forward pass is the exact Brian2 threshold
        condition.
    spk_reset : {'hard', 'soft'}
        ``'hard'`` (default) applies the model's reset statements, as Brian2 does.
        ``'soft'`` (BrainPy convention) subtracts ``threshold - reset value`` from the
        spike variable instead of setting it; other reset statements still apply.
    detach_reset : bool
        Stop gradients through the reset (common in SNN training).
    lazy_reset : bool
        Apply a step's reset at the start of the next step, as the ``brainpy.state``
        built-ins do. Spikes and every later value are unchanged, but after a spiking
        step the reset variables (e.g. ``layer.v``) hold their value *before* the reset.
        For a model with one updated state variable (LIF) one pass over memory fewer
        per step; with several (AdEx, Izhikevich) XLA adds copies and the step is slower
        than the default. ``False`` (default) keeps Brian2's state after every step.
        Not for models whose reset reads the time, an input or random numbers.
    allow_unlisted_method : bool
        Accept a ``method`` the model file does not list (with a warning).
    guard : bool
        Check every step for non-finite state and raise at the first (a host
        callback per step: slower; see also :meth:`check_finite`).
    dtype : str or dtype, optional
        ``'float32'`` or ``'float64'``; default: brainstate's current float type.
        float64 needs JAX x64 (see :func:`precision`).
    name : str, optional
    trainable : str, sequence of str or dict, optional
        Parameters to make trainable. Each becomes a ``brainstate.nn.Param`` whose
        ``ParamState`` holds an unconstrained value and whose ``value()`` is the parameter
        in its SI unit, through :class:`ConstraintT` for the parameter's ``constraint``
        in the model file (``positive``: log-parameterised; ``nonnegative``: softplus;
        ``any``: identity). A dict maps names to a constraint word or a
        ``brainstate.nn.Transform`` of one's own.
    per_neuron : bool
        Trainable parameters named in ``trainable`` get one value per neuron (the
        layer's shape) instead of one shared value.
    remat : bool
        Run each step under ``jax.checkpoint`` (default): a backward pass recomputes the
        step's intermediates instead of storing them for every time step, which saves
        memory and, on CPU, time (Hodgkin-Huxley training step: 9x faster); the forward
        pass is unchanged. ``False`` stores them.
    **overrides
        Parameter values: saiunit quantities, Brian2 quantities, strings such as
        ``"10 ms"``, or arrays of them for per-neuron (or per-batch) values. A
        ``brainstate.ParamState`` (used as is: no constraint) or a
        ``brainstate.nn.Param`` makes that parameter trainable with the given state.

    Attributes
    ----------
    params : dict
        Fixed parameter values as saiunit quantities (SI units); trainable ones hold
        their initial value (the current one: :meth:`parameter`).
    trainable_params : dict
        The trainable parameters (``brainstate.nn.Param`` or ``ParamState``) by name;
        ``layer.states(brainstate.ParamState)`` lists their states.
    <state variables> : brainstate.HiddenState
        One per model state variable, e.g. ``layer.v``, ``layer.w``.
    """

    neuroplug_model: Model = None

    def __init__(self, in_size, preset=None, method=None, *,
                 spk_fun=braintools.surrogate.InvSquareGrad(), spk_reset="hard",
                 detach_reset=False, dtype=None, name=None, allow_unlisted_method=False,
                 guard=False, trainable=None, per_neuron=False, remat=True,
                 lazy_reset=False, **overrides):
        from .inputs import check_method, check_size

        m = type(self).neuroplug_model
        if m is None:
            raise BackendError("LibraryNeuron is abstract; use neuron_class(model_id)")
        if isinstance(in_size, (tuple, list)):
            in_size = tuple(check_size(n, "in_size", m) for n in in_size)
            if not in_size:
                raise InputError("found (), expected a positive size", model=m.id,
                                 field="in_size")
        else:
            in_size = check_size(in_size, "in_size", m)
        if spk_reset not in ("hard", "soft"):
            raise ParameterError(f"found spk_reset={spk_reset!r}, expected 'hard' or 'soft'",
                                 model=m.id, source=m.source, field="spk_reset")
        super().__init__(in_size, spk_fun=surrogate(spk_fun), spk_reset=spk_reset, name=name)
        method = check_method(m, method, allow_unlisted=allow_unlisted_method)
        self.method = method
        for flag, value in (("guard", guard), ("remat", remat), ("detach_reset", detach_reset),
                            ("lazy_reset", lazy_reset), ("per_neuron", per_neuron)):
            if not isinstance(value, (bool, np.bool_)):
                raise ParameterError(f"found {flag}={value!r}, expected True or False",
                                     model=m.id, source=m.source, field=flag)
        self.guard = bool(guard)
        self.remat = bool(remat)
        self.preset = preset
        self.detach_reset = bool(detach_reset)
        self.dtype = _resolve_dtype(dtype)
        _require_int64(m)
        learned = {k: v for k, v in overrides.items() if _trainable_value(v) is not None}
        for k, v in learned.items():
            value = _trainable_value(v)
            mant = value.mantissa if isinstance(value, su.Quantity) else value
            if not jnp.issubdtype(jnp.asarray(mant).dtype, jnp.floating):
                raise ParameterError(f"trainable value holds integers ({value}); expected "
                                     "floats (e.g. 10.0 * u.ms): integers have no gradient",
                                     model=m.id, source=m.source, field=f"parameters.{k}")
        values = m.parameter_values(preset, **{
            k: _to_brian2(v if k not in learned else _trainable_value(v))
            for k, v in overrides.items()})
        _check_shapes(m, values, tuple(self.varshape))
        learned.update(_make_trainable(m, trainable, values, learned, tuple(self.varshape),
                                       per_neuron))
        self.trainable_params = learned
        refractory_param = (m.refractory or "").strip()
        self._program = _get_program(m, method, refractory_param in learned or
                                     not _zero_refractory_period(m, values))
        if spk_reset == "soft" and (self._program.spike_var is None or
                                    _reset_value(m, self._program.spike_var) is None):
            raise ParameterError("soft reset needs a threshold 'VAR > EXPR' and a reset "
                                 "'VAR = EXPR'", model=m.id, source=m.source, field="spk_reset")
        prog = self._program
        self.lazy_reset = lazy_reset and bool(prog.reset_targets) and prog.threshold is not None
        if self.lazy_reset:
            # what the reset (and a soft reset's threshold) reads must not change by the
            # next step, where the reset runs
            soft = f"_threshold = {prog.threshold_rhs}" if spk_reset == "soft" else ""
            changing = _names_changing_per_step(f"{prog.reset_code}\n{soft}", m)
            if changing:
                raise ParameterError(f"lazy_reset: the reset reads {changing}, which changes "
                                     "by the next step; expected a reset of states and "
                                     "parameters only (use lazy_reset=False)",
                                     model=m.id, source=m.source, field="lazy_reset")
        self._threshold_from_state = self.lazy_reset and not bool(
            prog.has_refractory or prog.uses_random or prog.on_spike or m.coupling or
            _names_changing_per_step(prog.threshold_code, m) or
            {"lastspike", "not_refractory"} & _names(prog.threshold_code))
        self._initial = initial_values(m, values)
        self.params = {k: jnp.asarray(v, dtype=_int_dtype()) if m.parameters[k].type == "integer"
                       else to_saiunit(v, self.dtype) for k, v in values.items()}
        self._param_units = {k: _si_unit(_q.get_dimensions(v)) for k, v in values.items()}
        self._state_units = {k: _si_unit(_q.get_dimensions(v)) for k, v in self._initial.items()}
        self._state_dtypes = {k: {"integer": _int_dtype(), "boolean": jnp.bool_}.get(
            var.dtype, self.dtype) for k, var in m.state.items()}
        self._coupling_w = None
        if m.coupling is not None:
            if len(self.varshape) != 1:
                raise InputError(f"found in_size {tuple(self.varshape)}, expected one "
                                 f"dimension (the units of the coupled population)",
                                 source=m.source, model=m.id, field="in_size")
            from .library import kernel_weights

            if any((np.ndim(values[n]) or n in learned) and
                   re.search(rf"\b{n}\b", m.coupling.kernel) for n in values):
                raise InputError("the coupling kernel needs fixed scalar parameters; "
                                 "found per-neuron or trainable values", source=m.source,
                                 model=m.id,
                                 field="coupling.kernel")
            w = kernel_weights(m.coupling.kernel, values, int(self.varshape[0]))
            self._coupling_w = jnp.asarray(np.asarray(w, dtype=float), dtype=self.dtype)
        self._input_units = {k: _si_unit(_dim_of(m, inp.unit)) for k, inp in m.inputs.items()}
        self._input_dtypes = {k: {"integer": _int_dtype(), "boolean": jnp.bool_}.get(
            inp.dtype, self.dtype) for k, inp in m.inputs.items()}
        self._output_unit = None
        if m.output is not None:
            self._output_unit = self._state_units.get(m.output) or _si_unit(_subexpression_dim(
                m, m.output))
        self._constants = {k: jnp.asarray(v, dtype=self.dtype) if isinstance(v, float) else v
                           for k, v in self._program.constants.items()}

    # -- states ------------------------------------------------------------------------
    def _initial_state(self, name, batch_size):
        value = jnp.asarray(np.asarray(self._initial[name], dtype=float),
                            dtype=self._state_dtypes[name])
        shape = self.varshape if batch_size is None else (batch_size, *self.varshape)
        value = jnp.broadcast_to(value, shape)
        unit = self._state_units[name]
        return value if unit is su.UNITLESS else su.Quantity(value, unit=unit)

    def _fresh_values(self, batch_size):
        """Model state (hidden) and bookkeeping (short-term) values at t = 0."""
        hidden = {name: self._initial_state(name, batch_size)
                  for name in self.neuroplug_model.state}
        shape = self.varshape if batch_size is None else (batch_size, *self.varshape)
        short = {"lastspike": jnp.full(shape, -1e4, dtype=self.dtype),  # Brian2's initial value
                 "not_refractory": jnp.ones(shape, dtype=bool),
                 "spike": jnp.zeros(shape, dtype=self.dtype),
                 "step_index": jnp.asarray(0, dtype=_int_dtype())}
        eager = self._program.threshold is not None and not self.lazy_reset
        for name in self._program.reset_targets if eager else ():
            # the value before the reset (see _step): a state, so XLA materialises it
            short[_BEFORE_RESET + name] = jnp.zeros(shape, dtype=self._state_dtypes[name])
        return hidden, short

    def init_state(self, batch_size: int = None, **kwargs):
        hidden, short = self._fresh_values(batch_size)
        for name, value in hidden.items():
            setattr(self, name, brainstate.HiddenState(value))
        for name, value in short.items():
            setattr(self, name, brainstate.ShortTermState(value))

    def reset_state(self, batch_size: int = None, **kwargs):
        hidden, short = self._fresh_values(batch_size)
        for name, value in {**hidden, **short}.items():
            getattr(self, name).value = value

    def check_finite(self):
        """Raise :class:`~neuroplug.errors.DivergenceError` if a state value is non-finite.

        A host-side check of the current state (call it after a ``for_loop`` or between
        training steps; inside ``jit`` nothing can raise).  Returns ``self``.
        """
        from .errors import DivergenceError

        m = self.neuroplug_model
        for var in m.state:
            v = getattr(self, var).value
            arr = np.asarray(v.mantissa if isinstance(v, su.Quantity) else v, dtype=float)
            bad = ~np.isfinite(arr.reshape(-1))
            if bad.any():
                i = int(np.argmax(bad))
                raise DivergenceError(m.id, var, i, float("nan"), backend="brainpy",
                                      value=float(arr.reshape(-1)[i]),
                                      hint="try a smaller dt or the model's default method")
        return self

    def get_spike(self, *args):
        """The spike output of the last step (0/1 with surrogate gradient)."""
        return self.spike.value

    def _arrive(self, ns, names):
        """Apply the ``on_spike`` statements of spike inputs where a spike arrives (a
        non-zero value: the weight), as a Brian2 ``on_pre`` in the 'synapses' slot."""
        m = self.neuroplug_model
        for name in names:
            arrived = jnp.asarray(ns[name]) != 0
            sns = dict(ns)
            exec(self._program.on_spike[name], sns)  # noqa: S102 - Brian2-generated code
            for var in m.state:
                if sns[var] is not ns[var]:
                    ns[var] = jnp.where(arrived, sns[var], ns[var])

    def _variable(self, ns, name):
        """A state variable or subexpression (in SI) of the namespace of a step."""
        if name in self.neuroplug_model.state:
            return ns[name]
        ons = dict(ns)
        exec(self._program.subexpressions, ons)  # noqa: S102 - the model's subexpressions
        return ons[name]

    def _output_value(self, ns, spk):
        """What ``update`` returns: the model's ``output`` variable, else the spikes."""
        m = self.neuroplug_model
        if m.output is None:
            return spk
        if m.output in m.state:
            return getattr(self, m.output).value
        value = jnp.asarray(self._variable(ns, m.output), dtype=self.dtype)
        return value if self._output_unit is su.UNITLESS else \
            su.Quantity(value, unit=self._output_unit)

    # -- one step --------------------------------------------------------------------
    def _dt(self):
        try:
            dt = brainstate.environ.get_dt()
        except Exception:
            dt = None
        if dt is None:
            return jnp.asarray(float(self.neuroplug_model.default_dt()), dtype=self.dtype)
        return jnp.asarray(to_si(dt, su.second, "dt"), dtype=self.dtype)

    def _namespace(self):
        ns = dict(_FUNCTIONS)
        ns.update(self._constants)
        for k, v in self.params.items():
            ns[k] = to_si(v, self._param_units[k], f"parameter {k}")
        for k, obj in self.trainable_params.items():
            ns[k] = jnp.asarray(to_si(_trainable_value(obj), self._param_units[k],
                                      f"trainable parameter {k}"), dtype=self.dtype)
        return ns

    def parameter(self, name):
        """Current value of a parameter (a trainable one's constrained value), saiunit.

        Parameters
        ----------
        name : str
            A parameter of the model.
        """
        m = self.neuroplug_model
        if name not in m.parameters:
            raise ParameterError(f"unknown parameter '{name}'; expected one of "
                                 f"{sorted(m.parameters)}", model=m.id, source=m.source,
                                 field="parameters")
        if name in self.trainable_params:
            value = _trainable_value(self.trainable_params[name])
            unit = self._param_units[name]
            if unit is not su.UNITLESS and not isinstance(value, su.Quantity):
                value = su.Quantity(value, unit=unit)
            return value
        return self.params[name]

    def parameter_values(self) -> dict:
        """All current parameter values as Brian2 quantities: pass them to the Brian2
        class to simulate the trained layer there
        (``neuroplug.brian2.LIF(N, **layer.parameter_values())``)."""
        from .model import _from_saiunit

        out = {}
        for name in self.neuroplug_model.parameters:
            value = self.parameter(name)
            out[name] = _from_saiunit(value) if isinstance(value, su.Quantity) else \
                np.asarray(value)
        return out

    def _state_quantity(self, ns, name):
        """A state's current value in ``ns`` as a saiunit quantity (its SI unit)."""
        unit = self._state_units[name]
        return ns[name] if unit is su.UNITLESS else su.Quantity(ns[name], unit=unit)

    def _pending_reset(self, ns, n, shape):
        """Where the previous step spiked (condition, surrogate spike), for ``lazy_reset``.

        With the threshold a function of state and parameters alone (no refractoriness,
        spike inputs, coupling or random numbers), it is evaluated again on the pre-reset
        state, as the built-ins do: no spike array to read. Otherwise: the stored spike.
        """
        prog = self._program
        if not self._threshold_from_state:
            pending = self.spike.value
            return pending > 0, pending
        tns = dict(ns)
        exec(prog.threshold, tns)  # noqa: S102 - Brian2-generated code
        cond = jnp.broadcast_to(jnp.asarray(tns["_cond"]), shape) & (n > 0)
        hard = cond.astype(self.dtype)
        if prog.distance is None:
            return cond, hard
        return cond, _spike(self.spk_fun, hard, eval(prog.distance, tns), None)  # noqa: S307

    def _apply_reset(self, ns, cond, spk, shape):
        """The model's reset statements where ``cond`` holds, in ``ns`` (hard or soft;
        ``spk`` carries the surrogate through the reset). Returns the values before."""
        prog = self._program
        before = {k: ns[k] for k in prog.reset_targets}
        rns = dict(ns)
        exec(prog.reset, rns)  # noqa: S102 - Brian2-generated code
        if self.spk_reset == "soft":
            var = prog.spike_var
            rns[var] = before[var] - (eval(prog.threshold_value, ns) - rns[var])  # noqa: S307
        g = jax.lax.stop_gradient(spk) if self.detach_reset else spk
        for k in prog.reset_targets:
            ns[k] = _reset(cond, jnp.broadcast_to(rns[k], shape), before[k], g)
        return before

    def update(self, x=None, **inputs):
        """Advance one time step; returns the spikes (float, surrogate gradient), or the
        model's ``output`` variable (a rate, a mean-field variable) when it names one.

        Parameters
        ----------
        x : saiunit quantity or array, optional
            Drive of the model's primary input (e.g. ``I`` in amp) for this step.
            Current inputs registered with ``add_current_input`` are added to it.
        **inputs
            Values of other declared inputs, by name.
        """
        # states set by hand in other units (layer.v.value = -60 * u.mV) are stored in SI
        # units first: a transformation needs the same units before and after the step
        for name, unit in self._state_units.items():
            state = getattr(self, name)
            value = state.value
            if isinstance(value, su.Quantity) and unit is not su.UNITLESS and \
                    value.unit != unit:
                state.value = su.Quantity(to_si(value, unit, name), unit=unit)
        if not self.remat:
            return self._step(x, inputs)
        # the same step under jax.checkpoint: a backward pass recomputes the step's
        # intermediates instead of storing them per time step (the forward is unchanged)
        return brainstate.transform.checkpoint(self._step)(x, inputs)

    def _step(self, x, inputs):
        m = self.neuroplug_model
        prog = self._program
        ns = self._namespace()
        dt = self._dt()
        n = self.step_index.value
        ns["dt"] = dt
        ns["t"] = n.astype(self.dtype) * dt
        ns["N"] = int(np.prod(self.varshape))
        ns["_vectorisation_idx"] = None
        for name in m.state:
            ns[name] = to_si(getattr(self, name).value, self._state_units[name], name)
        shape = jnp.shape(ns[next(iter(m.state))])
        ns["lastspike"] = self.lastspike.value
        ns["not_refractory"] = self.not_refractory.value
        if self.lazy_reset:  # the previous step's reset, applied now
            self._apply_reset(ns, *self._pending_reset(ns, n, shape), shape)

        # inputs
        unknown = set(inputs) - set(m.inputs)
        if unknown:
            raise ParameterError(f"unknown input(s) {sorted(unknown)}; expected "
                                 f"{sorted(m.inputs)}", model=m.id, source=m.source,
                                 field="inputs")
        primary = m.primary_input
        if x is not None and primary in inputs:
            raise ParameterError(f"input '{primary}' given twice (as x and by name)",
                                 model=m.id, source=m.source, field="inputs")
        for name, unit in self._input_units.items():
            value = x if (name == primary and x is not None) else inputs.get(name)
            total = 0.0 if value is None else to_si(value, unit, f"input {name}")
            if name == primary:
                zero = 0.0 if unit is su.UNITLESS else su.Quantity(0.0, unit=unit)
                spike_q = self._state_quantity(ns, prog.spike_var) if prog.spike_var \
                    else None
                extra = self.sum_current_inputs(zero, spike_q) if spike_q is not None \
                    else self.sum_current_inputs(zero)
                total = total + to_si(extra, unit, f"current inputs of {name}")
            ns[name] = jnp.broadcast_to(jnp.asarray(total, dtype=self._input_dtypes[name]), shape)
        target = m.delta_variable or prog.spike_var
        if target is not None:
            unit = self._state_units[target]
            zero = 0.0 if unit is su.UNITLESS else su.Quantity(0.0, unit=unit)
            delta = self.sum_delta_inputs(zero)
            ns[target] = ns[target] + to_si(delta, unit, "delta inputs")
            if self._state_dtypes[target] != self.dtype:  # an integer variable stays one
                ns[target] = jnp.asarray(ns[target], dtype=self._state_dtypes[target])

        drawn = {"rand": [], "randn": []}  # numbers drawn by the threshold, see below
        if prog.uses_random:
            def sampler(kind, draw):
                def sample(*_idx):
                    value = draw(size=shape, dtype=self.dtype)
                    drawn[kind].append(value)
                    return value
                return sample

            ns["randn"] = sampler("randn", brainstate.random.normal)
            ns["rand"] = sampler("rand", brainstate.random.uniform)

        if self._coupling_w is not None:
            # Brian2's summed variable: from the state at the start of the step
            c = m.coupling
            ns[c.target] = jnp.asarray(self._variable(ns, c.source), dtype=self.dtype) @ \
                self._coupling_w.T
        spike_inputs = list(prog.on_spike)  # Brian2 generated code for spike inputs only

        # state update (Brian2 'groups' slot), then the map step for discrete models
        exec(prog.stateupdate, ns)  # noqa: S102 - Brian2-generated code
        exec(prog.update, ns)  # noqa: S102

        # threshold
        if prog.threshold is not None:
            for values in drawn.values():
                values.clear()
            exec(prog.threshold, ns)  # noqa: S102
            cond = jnp.broadcast_to(jnp.asarray(ns["_cond"]), shape)
            hard = cond.astype(self.dtype)
            if prog.distance is not None:
                dns = ns
                if prog.uses_random:
                    # the surrogate distance reuses the threshold's random numbers, in
                    # the order drawn (fresh ones only if it needs more)
                    dns = dict(ns)
                    for kind in drawn:
                        replay = iter(list(drawn[kind]))
                        fresh = ns[kind]
                        dns[kind] = _replayer(replay, fresh)
                # no gradient through a refractory neuron
                mask = ns["not_refractory"] if prog.has_refractory else None
                spk = _spike(self.spk_fun, hard, eval(prog.distance, dns), mask)  # noqa: S307
            else:
                spk = hard
            if prog.has_refractory:
                ns["lastspike"] = jnp.where(cond, ns["t"], ns["lastspike"])
                ns["not_refractory"] = jnp.where(cond, False, ns["not_refractory"])
            self._arrive(ns, spike_inputs)  # Brian2's 'synapses' slot: after thresholds
            if prog.reset_targets and not self.lazy_reset:
                before = self._apply_reset(ns, cond, spk, shape)
                for k in prog.reset_targets:
                    # Storing the pre-reset value makes XLA write it once and derive the
                    # spikes and the reset from it (three passes, no copy); otherwise the
                    # update is fused twice, beside a copy of the state (1.5x slower).
                    getattr(self, _BEFORE_RESET + k).value = jnp.broadcast_to(jnp.asarray(
                        jax.lax.stop_gradient(before[k]), dtype=self._state_dtypes[k]), shape)
        else:
            spk = jnp.zeros(shape, dtype=self.dtype)
            self._arrive(ns, spike_inputs)

        for name in m.state:
            value = jnp.asarray(ns[name], dtype=self._state_dtypes[name])
            unit = self._state_units[name]
            getattr(self, name).value = value if unit is su.UNITLESS else \
                su.Quantity(value, unit=unit)
        self.lastspike.value = jnp.asarray(ns["lastspike"], dtype=self.dtype)
        self.not_refractory.value = jnp.asarray(ns["not_refractory"], dtype=bool)
        self.step_index.value = n + 1
        self.spike.value = spk
        if self.guard:  # opt-in: a host check per step, raised from inside jit/for_loop
            for name in m.state:
                brainstate.transform.jit_error_if(
                    ~jnp.all(jnp.isfinite(jnp.asarray(ns[name]))),
                    f"model '{m.id}' diverged on brainpy: {name} is non-finite after step "
                    "{step} (first non-finite value; guard=True)", step=n)
        return self._output_value(ns, spk)


def _make_trainable(m, trainable, values, given, varshape, per_neuron) -> dict:
    """``brainstate.nn.Param`` objects for the parameters named in ``trainable``."""
    if trainable is None:
        return {}
    if isinstance(trainable, str):
        trainable = (trainable,)
    spec = dict(trainable) if isinstance(trainable, dict) else {k: None for k in trainable}
    out = {}
    for name, constraint in spec.items():
        if name not in m.parameters:
            raise ParameterError(f"trainable: unknown parameter '{name}'; expected one of "
                                 f"{sorted(m.parameters)}", model=m.id, source=m.source,
                                 field="trainable")
        if m.parameters[name].type == "integer":
            raise ParameterError(f"trainable: '{name}' is an integer parameter, which has no "
                                 "gradient", model=m.id, source=m.source, field="trainable")
        if name in given:
            raise ParameterError(f"trainable: '{name}' is already given as a trainable "
                                 "state; name it once", model=m.id, source=m.source,
                                 field="trainable")
        unit = _si_unit(_q.get_dimensions(values[name]))
        value = np.asarray(values[name], dtype=float)
        if isinstance(constraint, brainstate.nn.Transform):
            t = constraint
        else:
            default = abs(float(np.asarray(m.parameters[name].quantity, dtype=float)))
            scale = float(np.max(np.abs(value))) or default or 1.0
            t = ConstraintT(constraint or m.parameters[name].constraint, unit, scale)
        if per_neuron:
            value = np.broadcast_to(value, varshape).copy()
        initial = value if unit is su.UNITLESS else su.Quantity(value, unit=unit)
        out[name] = brainstate.nn.Param(initial, t=t)
    return out


#: prefix of the short-term states holding a reset variable's value before the reset
_BEFORE_RESET = "before_reset_"


@partial(jax.custom_jvp, nondiff_argnums=(0,))
def _spike(spk_fun, hard, distance, mask):
    """The spikes of a step: exactly ``hard`` (Brian2's threshold condition) in the
    forward pass; tangent ``spk_fun'(distance) * mask`` (the surrogate). Written as one
    custom JVP so that the forward pass computes nothing for the surrogate."""
    return hard


@_spike.defjvp
def _spike_jvp(spk_fun, primals, tangents):
    hard, distance, mask = primals
    _, t_distance, _ = tangents
    _, t = jax.jvp(spk_fun, (distance,), (t_distance,))
    if mask is not None:
        t = t * mask
    return hard, jnp.asarray(t, dtype=hard.dtype)


def _reset(cond, after, before, spk):
    """``where(cond, after, before)``; for float state its tangent also carries the
    straight-through term ``d(spk) * (after - before)`` (the surrogate through the reset).
    The forward pass is only the select, so XLA fuses it with the update and threshold."""
    dtype = jnp.result_type(after, before)
    if not jnp.issubdtype(dtype, jnp.floating):
        return jnp.where(cond, after, before)
    return _reset_float(cond, jnp.asarray(after, dtype), jnp.asarray(before, dtype), spk)


@jax.custom_jvp
def _reset_float(cond, after, before, spk):
    return jnp.where(cond, after, before)


@_reset_float.defjvp
def _reset_float_jvp(primals, tangents):
    cond, after, before, spk = primals
    _, t_after, t_before, t_spk = tangents
    out = jnp.where(cond, after, before)
    return out, jnp.where(cond, t_after, t_before) + t_spk * (after - before)


class Recurrent(brainstate.nn.Module):
    """A library layer with recurrent connections: ``I(t) = x(t) + scale * s(t-1) @ W``.

    The recurrent LIF cell of SNN training (snnTorch ``RLeaky``), for any library model:
    the spikes of the previous step, weighted by ``W`` (``N x N``, row = presynaptic
    neuron), are added to the primary input of the wrapped layer. In Brian2 the same
    network is the group with a ``Synapses(G, G, on_pre="I_post += w")`` whose external
    drive is written before the synapses slot (``docs/tutorials/training.md``).

    Parameters
    ----------
    neuron : LibraryNeuron
        The layer (one dimension: ``in_size = N``).
    scale : saiunit quantity or float
        Unit and size of one weight, in the primary input's unit (e.g. ``0.5 * u.nA``);
        dimensionless inputs take a float.
    w_init : str or callable
        ``'orthogonal'`` (default: an orthogonal matrix times ``gain``, Saxe et al. 2014,
        which keeps the recurrent drive's norm), ``'zeros'``, or an initializer
        ``f(shape) -> array`` (e.g. ``braintools.init.KaimingNormal()``).
    gain : float
        Gain of the orthogonal initialisation.
    trainable : bool
        ``W`` as a ``brainstate.ParamState`` (default) or a fixed array.
    """

    def __init__(self, neuron, scale=1.0, w_init="orthogonal", gain: float = 1.0,
                 trainable: bool = True, name=None):
        super().__init__(name=name)
        if not isinstance(neuron, LibraryNeuron):
            raise InputError(f"found {type(neuron).__name__}, expected a neuroplug.brainpy "
                             "layer", field="neuron")
        if len(neuron.varshape) != 1:
            raise InputError(f"found in_size {tuple(neuron.varshape)}, expected one "
                             "dimension", field="neuron")
        m = neuron.neuroplug_model
        n = int(neuron.varshape[0])
        if isinstance(w_init, str) and w_init not in ("orthogonal", "zeros"):
            raise ParameterError(f"found w_init={w_init!r}, expected 'orthogonal', "
                                 "'zeros' or an initializer", model=m.id, field="w_init")
        self.neuron = neuron
        self.unit = neuron._input_units[m.primary_input]
        self.scale = to_si(scale, self.unit, "Recurrent scale")
        if isinstance(w_init, str):
            if w_init == "orthogonal":
                w = braintools.init.Orthogonal(scale=gain)((n, n))
            elif w_init == "zeros":
                w = jnp.zeros((n, n))
        else:
            w = w_init((n, n))
        w = jnp.asarray(w, dtype=neuron.dtype)
        self.weight = brainstate.ParamState(w) if trainable else w

    @property
    def weights(self):
        """The current recurrent matrix (N x N, presynaptic rows), times ``scale``."""
        w = self.weight.value if isinstance(self.weight, brainstate.State) else self.weight
        return w * self.scale

    def init_state(self, batch_size=None, **kwargs):
        self.neuron.init_state(batch_size, **kwargs)

    def reset_state(self, batch_size=None, **kwargs):
        self.neuron.reset_state(batch_size, **kwargs)

    def update(self, x=None):
        """One step: the wrapped layer's ``update`` with the recurrent drive added."""
        rec = jnp.asarray(self.neuron.spike.value) @ self.weights
        if self.unit is not su.UNITLESS:
            rec = su.Quantity(rec, unit=self.unit)
        return self.neuron.update(rec if x is None else x + rec)


def shard(layer, mesh, axis: str = "neurons"):
    """Place a layer's state across devices along its last (neuron) axis.

    After ``layer.init_state(...)``, every state array of the layer (and of its
    sub-modules) with a neuron axis is put on ``mesh`` split along that axis; scalars
    are replicated. A jitted ``for_loop`` over ``layer.update`` then runs SPMD: each
    device updates its share of the neurons, with the same arithmetic per neuron as on
    one device (the spikes are identical). Inputs should be sharded the same way
    (:func:`jax.device_put` with ``NamedSharding(mesh, PartitionSpec(..., axis))``).

    Parameters
    ----------
    layer : brainstate.nn.Module
        A library layer (or a network holding library layers) after ``init_state``.
    mesh : jax.sharding.Mesh
        A mesh with an axis named ``axis`` whose size divides the number of neurons.
    axis : str
        Name of the mesh axis to split the neurons over.

    Returns
    -------
    layer
    """
    from jax.sharding import NamedSharding, PartitionSpec

    for state in layer.states().values():
        if isinstance(state, brainstate.ParamState):
            continue  # parameters: replicated (use jax.device_put to shard per-neuron ones)
        value = state.value
        mant = value.mantissa if isinstance(value, su.Quantity) else value
        ndim = jnp.ndim(mant)
        spec = PartitionSpec(*([None] * (ndim - 1)), axis) if ndim else PartitionSpec()
        if ndim and mant.shape[-1] % mesh.shape[axis]:
            raise InputError(f"found {mant.shape[-1]} neurons, expected a multiple of the "
                             f"{mesh.shape[axis]} devices of mesh axis '{axis}'",
                             field="shard")
        placed = jax.device_put(mant, NamedSharding(mesh, spec))
        state.value = su.Quantity(placed, unit=value.unit) if isinstance(value, su.Quantity) \
            else placed
    return layer


def _check_shapes(m, values, varshape):
    """Per-neuron parameters broadcast to the layer (optionally with a leading batch axis)."""
    for name, value in values.items():
        shape = np.shape(np.asarray(value))
        if not shape:
            continue
        for tail in (shape, shape[1:] if len(shape) == len(varshape) + 1 else None):
            if tail is None:
                continue
            try:
                if np.broadcast_shapes(tail, varshape) == varshape:
                    break
            except ValueError:
                pass
        else:
            raise InputError(f"per-neuron value has shape {shape}, expected a scalar or a "
                             f"shape that broadcasts to the layer's {varshape} (optionally "
                             f"with a leading batch axis)", source=m.source, model=m.id,
                             field=f"parameters.{name}")


def _replayer(replay, fresh):
    """A random-number function returning recorded values first, then fresh ones."""
    def sample(*idx):
        value = next(replay, None)
        return fresh(*idx) if value is None else value
    return sample


def _require_int64(m: Model):
    """Integer arithmetic is int64, which JAX has only in x64 mode: refuse without it
    (integer state alone runs as int32 there, as a counter or flag needs no more)."""
    if not jax.config.jax_enable_x64 and m.needs_int64:
        raise BackendError(f"model '{m.id}' computes with 64-bit integers, which need JAX x64 "
                           f"mode; run inside `with neuroplug.brainpy.precision('float64'):` "
                           f"(a layer made there with dtype='float32' still computes its "
                           f"floats in float32)")


def _resolve_dtype(dtype):
    if dtype is None:
        dtype = brainstate.environ.dftype()
    dtype = jnp.dtype(dtype)
    if dtype not in (jnp.dtype("float32"), jnp.dtype("float64")):
        raise ParameterError(f"found dtype {dtype}, expected float32 or float64", field="dtype")
    if dtype == jnp.dtype("float64") and not jax.config.jax_enable_x64:
        raise BackendError("dtype float64 needs JAX x64 mode; run inside "
                           "`with neuroplug.brainpy.precision('float64'):` or "
                           "`brainstate.environ.context(precision=64)`")
    return dtype


def _subexpression_dim(m: Model, name: str):
    import brian2

    return brian2.Equations(m.equations)[name].dim


def _dim_of(m: Model, unit_text: str):
    return _q.DIMENSIONLESS if unit_text == "1" else dim_of_unit(unit_text)


def _to_brian2(value):
    if isinstance(value, su.Quantity):
        from .model import _from_saiunit

        return _from_saiunit(value)
    return value


@lru_cache(maxsize=None)
def _class_for(model_id: str, fingerprint: str) -> type:
    return _make_class(_get_model(model_id))


_ADAPTER_PARAMETERS = """in_size : int or tuple of int
    Shape of the layer.
preset : str, optional
    A preset of the model (listed under Presets).
method : str, optional
    Integration method (Brian2 name); default: the model's pinned method.
spk_fun, spk_reset, detach_reset, lazy_reset, dtype, name
    As for :class:`neuroplug.brainpy.LibraryNeuron`: surrogate gradient (a name such as
    ``'arctan'`` or a braintools surrogate), ``'hard'`` (Brian2's reset, default) or
    ``'soft'`` reset, stopping gradients through the reset, applying the reset at the
    next step (the built-ins' convention: faster, the state after a spike holds the
    value before the reset), ``'float32'``/``'float64'``, layer name.
trainable, per_neuron
    Parameters to train (names, or a dict name -> constraint), shared or one per neuron;
    a ``brainstate.ParamState``/``brainstate.nn.Param`` as a parameter value does the same.
"""


def _make_class(m: Model) -> type:
    return type(m.class_name, (LibraryNeuron,), {
        "neuroplug_model": m, "__module__": __name__,
        "__doc__": class_docstring(m, "``brainpy.state.Neuron``", _ADAPTER_PARAMETERS),
        "__signature__": class_signature(m, LibraryNeuron.__init__)})


def neuron_class(model_id) -> type:
    """The ``brainpy.state.Neuron`` subclass for a model id (or user model path / Model)."""
    m = _get_model(model_id)
    if is_library_model(m):
        return _class_for(m.id, m.fingerprint)
    return _make_class(m)


def __getattr__(name):
    # neuroplug.brainpy.AdEx, .LIF, ...: the class name maps to one file (class_index)
    if name.startswith("_") or not name[:1].isupper():
        raise AttributeError(f"module 'neuroplug.brainpy' has no attribute '{name}'")
    model_id = class_index().get(name)
    if model_id is None:
        raise unknown_class_error("neuroplug.brainpy", name)
    return neuron_class(model_id)


def __dir__():
    return sorted(set(globals()) | set(class_index()))

