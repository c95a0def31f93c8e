"""Brian2 adapter: every library model becomes a real :class:`brian2.NeuronGroup`.

>>> from neuroplug.brian2 import AdEx
>>> G = AdEx(100, preset="tonic")          # a brian2.NeuronGroup
>>> G.I = 500*pA
>>> G.tau_w                                # every parameter, readable and settable
30. * msecond
>>> G.tau_w = 100*ms

Parameters are scalar constants in the group's namespace, so a library group
generates exactly the code of the same equations written by hand.  A per-neuron
value (an array of length N) turns that parameter into a ``(constant)`` per-neuron
variable of the group instead.

Class names (``AdEx``, ``LIF``...) are the ``class_name`` fields of the model files;
importing one class loads and validates that model only (Brian2's verdict on a model
file is cached on disk, see :mod:`neuroplug.cache`).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from brian2 import NetworkOperation, NeuronGroup
from brian2.units.fundamentalunits import DIMENSIONLESS

from . import codegen
from .classdoc import class_docstring, class_signature
from .codegen import check_model, initial_values
from .errors import (
    BackendError,
    DivergenceError,
    InputError,
    ParameterError,
    plain_traceback_for_neuroplug_errors,
)
from .library import class_index, is_library_model, unknown_class_error
from .library import model as _get_model
from .model import Model

plain_traceback_for_neuroplug_errors()

__all__ = ["group", "group_arguments", "LibraryNeuronGroup", "neuron_group_class",
           "numpy_code", "check_model", "initial_values", "unit_free_numpy_functions",
           "integer_functions"]


def integer_functions(names=None) -> dict:
    """neuroplug's integer functions as Brian2 ``Function`` objects (numpy, cython and
    C++ implementations), by name: add them to the namespace of your own groups
    (``NeuronGroup(..., namespace=integer_functions())``) to use ``shift_right``,
    ``wrap``, ``saturate``... in hand-written Brian2 code.  Library groups have them."""
    return codegen.integer_functions(names)


def numpy_code(model, method: str | None = None, *, refractory: bool = True):
    """Brian2's numpy code for a model id, path or Model.

    See :func:`neuroplug.codegen.numpy_code`, which takes a :class:`~neuroplug.model.Model`.
    """
    return codegen.numpy_code(_get_model(model), method, refractory=refractory)


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
    functions: dict = field(default_factory=dict)  # integer functions the code calls
    dtype: dict = field(default_factory=dict)  # int64 for integer variables


def group_arguments(model, N: int, preset: str | None = None, method: str | None = None,
                    *, allow_unlisted_method: bool = False, **overrides) -> GroupArguments:
    """Resolve a model, preset and overrides into NeuronGroup arguments."""
    from .inputs import check_method, check_size

    m = _get_model(model)
    N = check_size(N, "N", m)
    method = check_method(m, method, allow_unlisted=allow_unlisted_method)
    values = m.parameter_values(preset, **overrides)
    namespace, per_neuron = {}, {}
    equations = m.equations
    for name, value in values.items():
        arr = np.asarray(value)
        if arr.ndim == 0:
            namespace[name] = value
            continue
        if arr.shape != (N,):
            raise InputError(f"per-neuron value has shape {arr.shape}, expected a scalar "
                             f"or shape ({N},)", source=m.source, model=m.id,
                             field=f"parameters.{name}")
        unit = "1" if getattr(value, "dim", DIMENSIONLESS) is DIMENSIONLESS else \
            repr(_base_unit(value))
        if m.parameters[name].type == "integer":
            unit = "integer"
        equations += f"{name} : {unit} (constant)\n"
        per_neuron[name] = value
    refractory = m.refractory_quantity
    if refractory is None:
        refractory = False
    initial = initial_values(m, values)
    return GroupArguments(model=m, N=N, equations=equations, threshold=m.threshold,
                          reset=m.reset or "", refractory=refractory, method=method,
                          namespace=namespace, per_neuron=per_neuron, initial=initial,
                          functions=codegen.integer_functions(codegen.used_integer_functions(m)),
                          dtype=codegen.integer_dtypes(m, [
                              k for k in per_neuron if m.parameters[k].type == "integer"]))


def _base_unit(q):
    from brian2.units.fundamentalunits import get_unit

    return get_unit(q.dim)


_ADAPTER_PARAMETERS = """N : int
    Number of neurons.
preset : str, optional
    A preset of the model (listed under Presets).
method : str, optional
    Integration method (Brian2 name); default: the model's pinned method.
dt, clock, order, name, codeobj_class, namespace
    As for :class:`brian2.NeuronGroup`.  ``namespace`` entries are added to the
    parameter namespace (e.g. a ``TimedArray`` used by user code).
check_finite : bool
    After each ``run`` (runtime targets), raise :class:`~neuroplug.DivergenceError`
    if a state value is non-finite (default True).
guard : bool
    Also check after every step and stop at the first non-finite value (slower).
allow_unlisted_method : bool
    Accept a ``method`` the model file does not list (with a warning).
"""


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
    check_finite : bool
        After each ``run`` (runtime targets), raise
        :class:`~neuroplug.errors.DivergenceError` if a state value is non-finite.
    guard : bool
        Also check after every step and stop at the first non-finite value (slower).
    allow_unlisted_method : bool
        Accept a ``method`` the model file does not list (with a warning).
    **overrides
        Parameter values (Brian2 quantities, strings like ``"10 ms"``, or arrays of
        length N for per-neuron values).

    Notes
    -----
    Every model parameter is an attribute of the group: ``G.tau_m`` reads it and
    ``G.tau_m = 20*ms`` sets it (a scalar constant of the namespace, so the generated
    code does not change; it takes effect at the next ``run``).  A parameter given per
    neuron at construction is a per-neuron variable and is read and set like one.
    """

    neuroplug_model: Model = None  # set on each generated subclass

    def __init__(self, N, preset=None, method=None, *, dt=None, clock=None, order=0,
                 name=None, codeobj_class=None, namespace=None, check_finite=True,
                 guard=False, allow_unlisted_method=False, **overrides):
        from .inputs import seconds

        model = type(self).neuroplug_model
        if model is None:
            raise BackendError("LibraryNeuronGroup is abstract; use neuroplug.brian2.group() "
                               "or a model class such as neuroplug.brian2.AdEx")
        args = group_arguments(model, N, preset, method,
                               allow_unlisted_method=allow_unlisted_method, **overrides)
        N = args.N
        if dt is not None:
            seconds(dt, "dt", model)  # positive and finite, before Brian2 accepts dt=-1*ms
        self.neuroplug_check_finite = bool(check_finite)
        self.neuroplug_coupling = None  # the coupling Synapses, if the model has one
        ns = dict(args.functions)
        ns.update(args.namespace)
        ns.update(namespace or {})
        self.neuroplug_preset = preset
        self.neuroplug_method = args.method
        self.neuroplug_parameters = dict(args.namespace, **args.per_neuron)
        super().__init__(N, model=args.equations, threshold=args.threshold,
                         reset=args.reset or None, refractory=args.refractory, method=args.method,
                         namespace=ns, dt=dt, clock=clock, order=order,
                         name=name or f"{model.id}*", codeobj_class=codeobj_class,
                         dtype=args.dtype or None)
        for pname, value in args.per_neuron.items():
            setattr(self, pname, value)
        for var, value in args.initial.items():
            setattr(self, var, value)
        if guard:
            self.contained_objects.append(NetworkOperation(
                self._guard_step, when="end", clock=self.clock, name=f"{self.name}_guard*"))
        if model.update:
            # one map step per time step, after refractoriness and before thresholding
            self.run_regularly(model.update, when="groups", order=order + 1,
                               name=f"{self.name}_map*", codeobj_class=codeobj_class)
        if model.coupling is not None:
            self.neuroplug_coupling = self._couple(model, args, codeobj_class)
            self.contained_objects.append(self.neuroplug_coupling)

    # -- the model's coupling, its output, spike inputs -----------------------------
    def _couple(self, model, args, codeobj_class):
        """The kernel coupling as a ``Synapses`` summed variable (all pairs on the ring).

        The weights are computed from the parameter values at construction; a parameter
        of the kernel set later (``G.w_E = ...``) does not change them."""
        import re

        from brian2 import Synapses, TimedArray, second
        from brian2.units.fundamentalunits import get_unit

        from .library import kernel_weights

        c = model.coupling
        if any(re.search(rf"\b{n}\b", c.kernel) for n in args.per_neuron):
            raise InputError("the coupling kernel needs scalar parameters; found per-neuron "
                             "values", source=model.source, model=model.id,
                             field="coupling.kernel")
        w = kernel_weights(c.kernel, args.namespace, len(self))
        dim = getattr(w, "dim", DIMENSIONLESS)
        wunit = "1" if dim is DIMENSIONLESS else repr(get_unit(dim))
        tdim = self.variables[c.target].dim
        tunit = "1" if tdim is DIMENSIONLESS else repr(get_unit(tdim))
        # the weights as a table indexed (pre, post): a TimedArray read once with t = i
        # seconds, so the same code runs on runtime and standalone devices (where synapse
        # indices cannot be read before the run)
        table = np.asarray(w, dtype=float).T * (1 if dim is DIMENSIONLESS else get_unit(dim))
        self.namespace["np_coupling_kernel"] = TimedArray(table, dt=1 * second)
        S = Synapses(self, self, model=f"np_w : {wunit} (constant)\n"
                                       f"{c.target}_post = np_w*{c.source}_pre : {tunit} "
                                       f"(summed)",
                     namespace=self.namespace, name=f"{self.name}_coupling*",
                     codeobj_class=codeobj_class)
        n = len(self)  # all pairs, as arrays (brian2cuda 1.0b1 cannot compile a generator
        S.connect(i=np.repeat(np.arange(n), n), j=np.tile(np.arange(n), n))  # on self)
        S.np_w = "np_coupling_kernel(i*second, j)"
        return S

    @property
    def output_variable(self) -> str | None:
        """The model's output variable (a rate, a mean-field variable), or ``None``.

        Read it like any variable (``G.r``); a ``Synapses`` uses it as ``r_pre``."""
        return type(self).neuroplug_model.output

    def on_pre(self, weight: str | None = None, input: str | None = None) -> str:
        """``on_pre`` code of a ``Synapses`` that delivers spikes to a spike input.

        Parameters
        ----------
        weight : str, optional
            Expression of the synaptic weight (a synaptic variable, a constant such as
            ``"0.5*nS"``); default: the input name itself (the caller defines it).
        input : str, optional
            Spike input (one with ``on_spike`` in the model file); default: the first.

        Returns
        -------
        str
            The input's ``on_spike`` statements with the group's variables suffixed
            ``_post`` and the input replaced by ``weight``.
        """
        import re

        m = type(self).neuroplug_model
        spike_inputs = [k for k, v in m.inputs.items() if v.is_spike_input]
        if input is None and spike_inputs:
            input = spike_inputs[0]
        if input not in spike_inputs:
            raise ParameterError(f"found input {input!r}, expected a spike input "
                                 f"({spike_inputs or 'the model has none'})",
                                 source=m.source, model=m.id, field="inputs")
        names = set(m.state) | {input}
        code = m.inputs[input].on_spike

        def rename(match):
            name = match.group(0)
            if name == input:
                return f"({weight})" if weight is not None else name
            return f"{name}_post"

        return re.sub(r"\b[A-Za-z_]\w*\b",
                      lambda mt: rename(mt) if mt.group(0) in names else mt.group(0), code)

    def drive(self, amplitude, spike_rate=None):
        """Drive the primary input with ``amplitude`` (a scalar or one value per neuron).

        A held input (a current, a rate, a drive) is set to it.  A spike input (one with
        ``on_spike``) receives a regular spike train at ``spike_rate`` (default: the
        model's cross-check rate, else 20 Hz) from a ``SpikeGeneratorGroup`` through the
        group's :meth:`spike_synapses`, each spike weighted by ``amplitude``.

        Returns
        -------
        list
            The objects to add to the network with the group (empty for a held input).
        """
        from brian2 import SpikeGeneratorGroup, second

        from .inputs import seconds
        from .quantities import parse_quantity

        m = type(self).neuroplug_model
        name = m.primary_input
        if not m.inputs[name].is_spike_input:
            setattr(self, name, amplitude)
            return []
        rate = spike_rate if spike_rate is not None else (m.crosscheck.spike_rate or "20 Hz")
        rate = parse_quantity(rate) if isinstance(rate, str) else rate
        period = seconds(1 / rate, "spike_rate", m)
        gen = SpikeGeneratorGroup(1, [0], [0] * second, period=period * second,
                                  dt=self.clock.dt, name=f"{self.name}_drive*")
        syn = self.spike_synapses(gen, input=name, dt=self.clock.dt,
                                  name=f"{self.name}_drive_synapses*")
        syn.connect()
        setattr(syn, f"{name}_syn", amplitude)
        return [gen, syn]

    def spike_synapses(self, source, weight=None, input=None, model="", **kwargs):
        """A ``brian2.Synapses`` from ``source`` onto this group's spike input.

        ``weight`` as for :meth:`on_pre`; default: a synaptic variable ``<input>_syn``
        (e.g. ``w_syn``) with the input's unit, added to ``model`` (set it per synapse).
        The group's parameters are visible to the synapses.  Other keywords go to
        ``brian2.Synapses``; call ``connect`` on the result.
        """
        from brian2 import Synapses

        m = type(self).neuroplug_model
        name = input or next((k for k, v in m.inputs.items() if v.is_spike_input), None)
        if weight is None and name is not None:  # a synaptic weight variable NAME_syn
            weight = f"{name}_syn"
            model = f"{weight} : {m.inputs[name].unit}\n" + model
        code = self.on_pre(weight, name)
        ns = dict(self.namespace)
        ns.update(kwargs.pop("namespace", None) or {})
        return Synapses(source, self, model=model, on_pre=code, namespace=ns, **kwargs)

    def before_run(self, run_namespace):
        super().before_run(run_namespace)
        if self.neuroplug_coupling is not None:
            # standalone devices list the network's top-level Synapses for the objects they
            # generate; brian2cuda 1.0 misses contained ones such as the coupling
            from brian2 import get_device

            synapses = getattr(get_device(), "synapses", None)
            if isinstance(synapses, set):
                synapses.add(self.neuroplug_coupling)

    def _guard_step(self):
        """Opt-in per-step check (runtime targets): raise at the first non-finite value."""
        bad = self._first_nonfinite()
        if bad is not None:
            var, i, value = bad
            t, dt = float(np.asarray(self.clock.t_[:])), float(self.clock.dt_)
            raise DivergenceError(type(self).neuroplug_model.id, var, i, t + dt,
                                  backend="brian2", value=value, step=int(round(t / dt)),
                                  hint="stopped by guard=True")

    def _first_nonfinite(self):
        """``(variable, neuron, value)`` of the first non-finite state value, or ``None``."""
        for var in type(self).neuroplug_model.state:
            values = np.asarray(self.variables[var].get_value(), dtype=float)
            bad = ~np.isfinite(values)
            if bad.any():
                i = int(np.argmax(bad))
                return var, i, float(values[i])
        return None

    def after_run(self):
        """After each ``run``: raise :class:`~neuroplug.errors.DivergenceError` if a state
        variable is non-finite (runtime targets; ``check_finite=False`` turns it off)."""
        super().after_run()
        if not self.neuroplug_check_finite:
            return
        from brian2.devices.device import RuntimeDevice, get_device

        if not isinstance(get_device(), RuntimeDevice):
            return  # standalone: values exist only after the build; check the results
        bad = self._first_nonfinite()
        if bad is not None:
            var, i, value = bad
            raise DivergenceError(type(self).neuroplug_model.id, var, i,
                                  float(np.asarray(self.clock.t_[:])), backend="brian2",
                                  value=value, hint="non-finite at the end of the run; try a "
                                  "smaller dt or the model's default method")

    def __repr__(self):
        m = type(self).neuroplug_model
        preset = f", preset={self.neuroplug_preset!r}" if self.neuroplug_preset else ""
        return (f"<{type(self).__name__} NeuronGroup '{self.name}': neuroplug model "
                f"'{m.id}'{preset}, N={len(self)}, method={self.neuroplug_method!r}>")

    # -- parameters as attributes (properties generated per model class) ---------------
    def _get_parameter(self, name):
        if name in self.variables:
            return self.state(name, use_units=True)
        return self.namespace[name]

    def _set_parameter(self, name, value):
        m = type(self).neuroplug_model
        if name in self.variables:  # given per neuron at construction
            self.state(name, use_units=True)[:] = value
            return
        if isinstance(value, str) or np.ndim(value) == 0:
            value = m._coerce_override(name, value)
            self.namespace[name] = value
            self.neuroplug_parameters[name] = value
            return
        raise ParameterError(
            f"found an array of shape {np.shape(value)} for '{name}', which is one scalar "
            f"constant of this group; expected a scalar, or per-neuron values given when the "
            f"group is made: {type(self).__name__}(N, {name}=<array of N values>)",
            source=m.source, model=m.id, field=f"parameters.{name}")


def _parameter_property(name: str, description: str) -> property:
    return property(lambda self: self._get_parameter(name),
                    lambda self, value: self._set_parameter(name, value),
                    doc=f"Model parameter ``{name}``: {description}")


def _make_class(m: Model) -> type:
    reserved = set(dir(NeuronGroup))
    body = {"neuroplug_model": m, "__module__": __name__,
            "__doc__": class_docstring(m, ":class:`brian2.NeuronGroup`", _ADAPTER_PARAMETERS),
            "__signature__": class_signature(m, LibraryNeuronGroup.__init__)}
    body.update({name: _parameter_property(name, p.description)
                 for name, p in m.parameters.items() if name not in reserved})
    return type(m.class_name, (LibraryNeuronGroup,), body)


@lru_cache(maxsize=None)
def _class_for(model_id: str, fingerprint: str) -> type:
    return _make_class(_get_model(model_id))


def neuron_group_class(model_id) -> type:
    """The NeuronGroup subclass for a model id (or a user model path / Model)."""
    m = _get_model(model_id)
    if is_library_model(m):
        return _class_for(m.id, m.fingerprint)
    return _make_class(m)


def group(model_id, N: int, preset=None, method=None, **kwargs) -> NeuronGroup:
    """Build a NeuronGroup of ``N`` neurons of a library (or user) model."""
    return neuron_group_class(model_id)(N, preset=preset, method=method, **kwargs)


def __getattr__(name):
    # neuroplug.brian2.AdEx, .LIF, ...: the class name maps to one file (class_index)
    if name.startswith("_") or not name[:1].isupper():
        raise AttributeError(f"module 'neuroplug.brian2' has no attribute '{name}'")
    model_id = class_index().get(name)
    if model_id is None:
        raise unknown_class_error("neuroplug.brian2", name)
    return neuron_group_class(model_id)


def __dir__():
    return sorted(set(globals()) | set(class_index()))


# ----------------------------------------------------------------------------------
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


