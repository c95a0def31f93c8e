"""Brian2 adapter: every library model becomes a real :class:`brian2.NeuronGroup`.

>>> from neuroplug.brian2 import AdEx
>>> G = AdEx(100, preset="tonic")          # a brian2.NeuronGroup
>>> G.I = 500*pA

Parameters are scalar constants in the group's namespace, so a library group
generates exactly the code of the same equations written by hand.  A per-neuron
value (an array of length N) turns that parameter into a ``(constant)`` per-neuron
variable of the group instead.

This module also exposes Brian2's own code generation for the other adapters:
:func:`numpy_code` returns the vectorised update code Brian2 generates for a model
and method, which :mod:`neuroplug.brainpy` executes with ``jax.numpy``.
"""

from __future__ import annotations

import contextlib
import logging
import re
import sys
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from brian2 import NeuronGroup
from brian2.units.fundamentalunits import DIMENSIONLESS, DimensionMismatchError

from .errors import BackendError, ModelDefinitionError, UnitError
from .library import is_library_model
from .library import model as _get_model
from .library import models as _model_ids
from .model import Model
from .quantities import parse_quantity, unit_namespace

__all__ = ["group", "group_arguments", "LibraryNeuronGroup", "neuron_group_class",
           "numpy_code", "check_model", "initial_values", "unit_free_numpy_functions"]


# ----------------------------------------------------------------------------------
@dataclass
class GroupArguments:
    """Everything needed to build a NeuronGroup for a model (see :func:`group_arguments`)."""

    model: Model
    N: int
    equations: str
    threshold: str | None
    reset: str
    refractory: object
    method: str
    namespace: dict
    per_neuron: dict = field(default_factory=dict)
    initial: dict = field(default_factory=dict)


def initial_values(model: Model, values: dict) -> dict:
    """Evaluate the ``[state]`` init expressions with the given parameter values.

    Returns a dict of Brian2 quantities (scalars or per-neuron arrays).
    """
    ns = dict(unit_namespace())
    ns.update({"exp": np.exp, "log": np.log, "sqrt": np.sqrt})
    ns.update(values)
    out = {}
    for name, var in model.state.items():
        try:
            try:
                value = parse_quantity(var.init)
            except ValueError:
                value = eval(var.init, {"__builtins__": {}}, ns)  # noqa: S307 - model file text
        except Exception as exc:
            raise ModelDefinitionError(f"cannot evaluate init expression {var.init!r}: {exc}; "
                                       f"expected an expression of parameters and units",
                                       source=model.source, model=model.id,
                                       field=f"state.{name}.init") from None
        if not np.all(np.isfinite(np.asarray(value, dtype=float))):
            raise UnitError(f"init {var.init!r} evaluates to a non-finite value, expected a "
                            f"finite value", source=model.source, model=model.id,
                            field=f"state.{name}.init")
        want = DIMENSIONLESS if var.unit == "1" else _dim_of_unit(var.unit)
        got = getattr(value, "dim", DIMENSIONLESS)
        if got is not want:
            raise UnitError(f"init {var.init!r} has dimensions {got}, expected {var.unit}",
                            source=model.source, model=model.id, field=f"state.{name}.init")
        out[name] = value
    return out


def _dim_of_unit(unit_text: str):
    from brian2.units.fundamentalunits import get_dimensions

    ns = unit_namespace()
    return get_dimensions(eval(unit_text, {"__builtins__": {}}, ns))  # noqa: S307


def group_arguments(model, N: int, preset: str | None = None, method: str | None = None,
                    **overrides) -> GroupArguments:
    """Resolve a model, preset and overrides into NeuronGroup arguments."""
    m = _get_model(model)
    values = m.parameter_values(preset, **overrides)
    method = method or m.method
    namespace, per_neuron = {}, {}
    equations = m.equations
    for name, value in values.items():
        arr = np.asarray(value)
        if arr.ndim == 0:
            namespace[name] = value
            continue
        if arr.shape != (N,):
            raise ModelDefinitionError(f"per-neuron value has shape {arr.shape}, expected a scalar "
                                       f"or shape ({N},)", source=m.source, model=m.id,
                                       field=f"parameters.{name}")
        unit = "1" if getattr(value, "dim", DIMENSIONLESS) is DIMENSIONLESS else \
            repr(_base_unit(value))
        equations += f"{name} : {unit} (constant)\n"
        per_neuron[name] = value
    refractory = m.refractory_quantity
    if refractory is None:
        refractory = False
    initial = initial_values(m, values)
    return GroupArguments(model=m, N=N, equations=equations, threshold=m.threshold,
                          reset=m.reset or "", refractory=refractory, method=method,
                          namespace=namespace, per_neuron=per_neuron, initial=initial)


def _base_unit(q):
    from brian2.units.fundamentalunits import get_unit

    return get_unit(q.dim)


class LibraryNeuronGroup(NeuronGroup):
    """A :class:`brian2.NeuronGroup` built from a neuroplug model.

    Parameters
    ----------
    N : int
        Number of neurons.
    preset : str, optional
        A preset of the model (``neuroplug.model(id).presets``).
    method : str, optional
        Integration method (Brian2 name); default: the model's pinned method.
    dt, clock, order, name, codeobj_class, namespace
        As for :class:`brian2.NeuronGroup`.  ``namespace`` entries are added to the
        parameter namespace (e.g. a ``TimedArray`` used by user code).
    **overrides
        Parameter values (Brian2 quantities, strings like ``"10 ms"``, or arrays of
        length N for per-neuron values).
    """

    neuroplug_model: Model = None  # set on each generated subclass

    def __init__(self, N, preset=None, method=None, *, dt=None, clock=None, order=0,
                 name=None, codeobj_class=None, namespace=None, **overrides):
        model = type(self).neuroplug_model
        if model is None:
            raise BackendError("LibraryNeuronGroup is abstract; use neuroplug.brian2.group() "
                               "or a model class such as neuroplug.brian2.AdEx")
        args = group_arguments(model, int(N), preset, method, **overrides)
        ns = dict(args.namespace)
        ns.update(namespace or {})
        self.neuroplug_preset = preset
        self.neuroplug_parameters = dict(args.namespace, **args.per_neuron)
        super().__init__(int(N), model=args.equations, threshold=args.threshold,
                         reset=args.reset or None, refractory=args.refractory, method=args.method,
                         namespace=ns, dt=dt, clock=clock, order=order,
                         name=name or f"{model.id}*", codeobj_class=codeobj_class)
        for pname, value in args.per_neuron.items():
            setattr(self, pname, value)
        for var, value in args.initial.items():
            setattr(self, var, value)
        if model.update:
            # one map step per time step, after refractoriness and before thresholding
            self.run_regularly(model.update, when="groups", order=order + 1,
                               name=f"{self.name}_map*", codeobj_class=codeobj_class)


@lru_cache(maxsize=None)
def _class_for(model_id: str, sha256: str) -> type:
    m = _get_model(model_id)
    doc = (f"{m.title} as a :class:`brian2.NeuronGroup` (model ``{m.id}``).\n\n"
           f"{m.description}\n\n" + LibraryNeuronGroup.__doc__.split("\n", 1)[1])
    return type(m.class_name, (LibraryNeuronGroup,),
                {"neuroplug_model": m, "__doc__": doc, "__module__": __name__})


def neuron_group_class(model_id) -> type:
    """The NeuronGroup subclass for a model id (or a user model path / Model)."""
    m = _get_model(model_id)
    if is_library_model(m):
        return _class_for(m.id, m.sha256)
    return type(m.class_name, (LibraryNeuronGroup,), {"neuroplug_model": m,
                                                       "__module__": __name__})


def group(model_id, N: int, preset=None, method=None, **kwargs) -> NeuronGroup:
    """Build a NeuronGroup of ``N`` neurons of a library (or user) model."""
    return neuron_group_class(model_id)(N, preset=preset, method=method, **kwargs)


def __getattr__(name):
    # neuroplug.brian2.AdEx, .LIF, ... for every model in the library
    if name.startswith("_") or not name[:1].isupper():
        raise AttributeError(f"module 'neuroplug.brian2' has no attribute '{name}'")
    for model_id in _model_ids():
        m = _get_model(model_id)
        if m.class_name == name:
            return neuron_group_class(model_id)
    raise AttributeError(f"module 'neuroplug.brian2' has no attribute '{name}'")


def __dir__():
    return sorted(list(globals()) + [_get_model(i).class_name for i in _model_ids()])


# ----------------------------------------------------------------------------------
# Brian2's code generation, used for validation and by the BrainPy adapter
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
def unit_free_numpy_functions():
    """Run Brian2's numpy target without per-call unit checks in its default functions.

    Brian2 (2.9) wraps the numpy implementation of functions such as ``exprel`` in a
    unit check that formats the result array into an error message on *every* call,
    which is about two thirds of a Hodgkin-Huxley step at small N.  Inside this block
    those implementations are the ones Brian2 itself builds with
    ``codegen.runtime.numpy.discard_units``: the same numpy arithmetic (results are
    bit-identical) without the check.  The previous implementations are restored on exit.
    """
    from brian2.codegen.generators.numpy_generator import NumpyCodeGenerator  # noqa: F401
    from brian2.core.functions import DEFAULT_FUNCTIONS

    saved = {}
    for name, function in DEFAULT_FUNCTIONS.items():
        impls = function.implementations._implementations
        pyfunc = getattr(function, "pyfunc", None)
        if "numpy" not in impls or not hasattr(getattr(pyfunc, "_orig_func", pyfunc), "__code__"):
            continue
        saved[name] = impls["numpy"]
        try:
            function.implementations.add_numpy_implementation(
                pyfunc, dependencies=saved[name].dependencies, discard_units=True)
        except Exception:  # keep Brian2's own implementation for anything unusual
            impls["numpy"] = saved.pop(name)
    try:
        yield
    finally:
        for name, impl in saved.items():
            DEFAULT_FUNCTIONS[name].implementations._implementations["numpy"] = impl


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
            raise BackendError(f"unsupported line in Brian2's generated {owner} code: {line!r}")
        lines.append(line)
    return "\n".join(lines)


@lru_cache(maxsize=256)
def _numpy_code_cached(model_id: str, sha256: str, method: str, refractory: bool) -> NumpyCode:
    return _generate(_get_model(model_id), method, refractory)


def _generate(m: Model, method: str, with_refractory: bool = True) -> NumpyCode:
    from brian2.codegen.runtime.numpy_rt import NumpyCodeObject
    from brian2.core.variables import Constant

    args = group_arguments(m, 1, None, method)
    refractory = args.refractory if with_refractory else False
    with _runtime_device(), _quiet_no_refractory():
        grp = NeuronGroup(1, model=args.equations, threshold=args.threshold, reset=args.reset,
                          refractory=refractory, method=args.method,
                          namespace=args.namespace, codeobj_class=NumpyCodeObject,
                          name="npgroup*")
        grp._network = "neuroplug-codegen"  # never run: silence Brian2's unused-object warning
        try:
            grp.equations.check_units(grp, run_namespace={})
        except Exception as exc:
            raise _brian2_error(m, "stateupdate", args.method, exc) from None
        runners = {"stateupdate": grp.state_updater}
        if args.threshold:
            runners["threshold"] = grp.thresholder["spike"]
            if args.reset:
                runners["reset"] = grp.resetter["spike"]
        if m.update:
            runners["update"] = grp.run_regularly(m.update, codeobj_class=NumpyCodeObject)
        texts, constants = {}, {}
        for key, runner in runners.items():
            runner.codeobj_class = NumpyCodeObject
            try:
                runner.before_run({})
            except Exception as exc:
                raise _brian2_error(m, key, args.method, exc) from None
            if runner.codeobj is None:  # nothing to do (e.g. no differential equations)
                texts[key] = ""
                continue
            texts[key] = _clean(runner.codeobj.code.run, key,
                                stop_at="if _cond is True" if key == "threshold" else None)
            for name, var in runner.codeobj.variables.items():
                if isinstance(var, Constant) and name not in m.parameters:
                    constants[name] = var.value
    return NumpyCode(stateupdate=texts.get("stateupdate", ""), threshold=texts.get("threshold", ""),
                     reset=texts.get("reset", ""), update=texts.get("update", ""),
                     constants=constants, has_refractory=refractory is not False,
                     state_names=tuple(m.state))


def numpy_code(model, method: str | None = None, *, refractory: bool = True) -> NumpyCode:
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
    m = _get_model(model)
    method = method or m.method
    checked = getattr(m, "_checked_code", {}).get(method)
    if checked is not None and refractory:
        return checked  # generated when the model was loaded (check_model)
    if is_library_model(m):
        return _numpy_code_cached(m.id, m.sha256, method, bool(refractory))
    return _generate(m, method, bool(refractory))


def _brian2_error(m: Model, key: str, method: str, exc: Exception) -> ModelDefinitionError:
    fld = {"stateupdate": "equations", "threshold": "threshold", "reset": "reset",
           "update": "update"}[key]
    msg = " ".join(str(exc).split()) if str(exc).strip() else type(exc).__name__
    if isinstance(exc, DimensionMismatchError) or "unit" in msg.lower() or "dimension" in msg.lower():
        used = [f"{n} = {p.value}" for n, p in m.parameters.items()
                if re.search(rf"\b{re.escape(n)}\b", getattr(m, fld) or "")]
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

