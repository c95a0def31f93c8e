"""Simulator-neutral description of a neuron model.

A :class:`Model` is what a file in ``equations/`` says, validated: the exact Brian2
equation string, threshold/reset/refractoriness, parameters with units, state
variables with initial values, inputs, presets, references and the cross-check
contract.  It knows no simulator; the adapters :mod:`neuroplug.brian2` and
:mod:`neuroplug.brainpy` turn it into simulator objects.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping

import numpy as np

from .errors import clip_repr, ParameterError

__all__ = ["Model", "Parameter", "StateVar", "Input", "Preset", "Reference", "CrosscheckSpec",
           "Coupling", "default_class_name"]


def draws_random_numbers(code: str) -> bool:
    """True if Brian2 code draws random numbers: white noise ``xi``, ``rand()``, ``randn()``."""
    return bool(re.search(r"\bxi(_\w+)?\b|\brandn?\s*\(", code))


def default_class_name(model_id: str) -> str:
    """Class name of a model file without ``class_name``: ``my_model`` -> ``MyModel``."""
    return "".join(part[:1].upper() + part[1:] for part in model_id.split("_"))


@dataclass(frozen=True)
class Parameter:
    """A model constant with a unit.

    Attributes
    ----------
    name : str
        Identifier used in the equations.
    value : str
        The value as written in the file, e.g. ``"281 pF"``.
    description : str
        What the parameter means.
    constraint : str
        ``"positive"``, ``"nonnegative"`` or ``"any"``.
    """

    name: str
    value: str
    description: str
    constraint: str = "any"
    type: str = "float"  # "float" or "integer" (a dimensionless int64 constant)

    @property
    def quantity(self):
        """The value as a Brian2 quantity (SI-consistent, unit-aware); an ``np.int64``
        for an integer parameter."""
        from .quantities import parse_quantity

        if self.type == "integer":
            return _integer_value(self.value)
        return parse_quantity(self.value)

    @property
    def dimensions(self):
        from .quantities import get_dimensions

        return get_dimensions(self.quantity)


@dataclass(frozen=True)
class StateVar:
    """A state variable of the model.

    ``unit`` is the Brian2 base unit after ``:`` in the equations; ``init`` an
    expression of parameters (``"E_L"``) or a quantity (``"0 pA"``).
    """

    name: str
    unit: str
    init: str
    description: str
    differential: bool = True
    dtype: str = "float"  # "float", "integer" or "boolean" (Brian2's ``: integer``/``: boolean``)


@dataclass(frozen=True)
class Input:
    """An externally driven variable (a current, a conductance, a drive).

    In Brian2 it is a per-neuron variable the user sets (or drives with a
    ``TimedArray``); in BrainPy it is the value passed to ``update(x)`` plus any
    registered current inputs.
    """

    name: str
    unit: str
    description: str
    on_spike: str | None = None  # statements run where a spike (weight != 0) arrives
    dtype: str = "float"  # "float", "integer" or "boolean" (Brian2's ``: integer``...)

    @property
    def is_spike_input(self) -> bool:
        """True for an input of incoming spikes (its value is the weight of this step)."""
        return self.on_spike is not None


@dataclass(frozen=True)
class Coupling:
    """Units of one population coupled through a distance kernel (a neural field).

    ``target[i] = sum_j kernel(d_ij) * source[j]``, computed from the state at the start
    of each step (Brian2: a ``Synapses`` summed variable; BrainPy: a matrix product).

    Attributes
    ----------
    target : str
        Parameter variable of the equations that receives the sum.
    source : str
        State variable or subexpression of the presynaptic unit.
    kernel : str
        Expression of ``d`` (the distance between units, in unit steps) and parameters.
    topology : str
        ``"ring"``: ``d = min(|i - j|, N - |i - j|)``.
    """

    target: str
    source: str
    kernel: str
    topology: str = "ring"


@dataclass(frozen=True)
class Preset:
    """A named parameter set, e.g. a firing pattern from a paper."""

    name: str
    description: str
    reference: str | None
    parameters: Mapping[str, str]
    stimulus: str | None = None


@dataclass(frozen=True)
class Reference:
    """A bibliographic reference."""

    key: str
    citation: str
    doi: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class CrosscheckSpec:
    """How the model is cross-checked between simulators.

    Attributes
    ----------
    tier : str
        ``"exact"`` (identical spike steps, traces within 1e-9 relative) or
        ``"distributional"`` (for noise: rates and ISI distributions).
    protocol : str
        Stimulus protocol name (``"step"``).
    stimulus : tuple of str
        One drive amplitude per neuron of the cross-check population.
    onset, duration : str
        Step onset and total simulated time.
    dt : str
        Time step of the cross-check.
    reason : str
        Why this tier is the right one for this model.
    presets : tuple of str
        Presets checked by ``crosscheck --all`` besides the defaults.
    seeds : int
        Number of seeds for the distributional tier.
    float32_rel_bound, float32_count_fraction, float32_first_spike_steps : float, float, int
        Bounds of the float32 tier (BrainPy float32 against Brian2 float64).
    float32_reason : str
        Why a model needs float32 bounds looser than the defaults.
    excluded_presets : tuple of (str, str)
        Presets the cross-check refuses, each with the file's reason (e.g. chaotic).
    hold, seed : int
        Protocol ``"random"``: steps each random integer is held, and the seed.
    corners : tuple of (str, str)
        Tier ``"bitexact"``: named conditions over the recorded state that must each be
        true at least once in the run (saturation, wrap, refractoriness...).
    """

    tier: str
    protocol: str
    stimulus: tuple[str, ...]
    onset: str
    duration: str
    dt: str
    reason: str
    presets: tuple[str, ...] = ()
    seeds: int = 5
    float32_rel_bound: float = 2e-3
    float32_count_fraction: float = 0.02
    float32_first_spike_steps: int = 2
    float32_reason: str = ""
    excluded_presets: tuple[tuple[str, str], ...] = ()
    spike_rate: str | None = None  # protocol "spikes": rate of the regular input train
    hold: int = 1  # protocol "random": steps each random value is held
    seed: int = 0  # protocol "random": seed of the random values
    corners: tuple[tuple[str, str], ...] = ()  # tier "bitexact": name -> condition

    def excluded_reason(self, preset: str | None) -> str | None:
        """The file's reason for refusing to cross-check ``preset``, or ``None``."""
        return dict(self.excluded_presets).get(preset)


@dataclass(frozen=True)
class Model:
    """A validated neuron model (see ``equations/README.md`` for the file schema).

    Use :func:`neuroplug.model` to obtain one; construct directly only in tests.
    """

    id: str
    title: str
    family: str
    kind: str
    description: str
    equations: str
    threshold: str | None
    reset: str
    refractory: str | None
    method: str
    methods: tuple[str, ...]
    dt: str
    parameters: Mapping[str, Parameter]
    state: Mapping[str, StateVar]
    inputs: Mapping[str, Input]
    presets: Mapping[str, Preset]
    references: tuple[Reference, ...]
    crosscheck: CrosscheckSpec
    update: str | None = None
    source: str = "<memory>"
    sha256: str = ""
    spike_variable: str | None = None
    threshold_scale: str | None = None
    delta_variable: str | None = None  # BrainPy delta-input target (default: spike variable)
    class_name: str = ""  # adapters' class name (``AdEx``); default from the id
    output: str | None = None  # variable a BrainPy layer returns (default: the spikes)
    coupling: Coupling | None = None

    def __post_init__(self):
        for name in ("parameters", "state", "inputs", "presets"):
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name))))
        if not self.class_name:
            object.__setattr__(self, "class_name", default_class_name(self.id))

    # -- serialisation (the on-disk cache) ---------------------------------------------
    def to_dict(self) -> dict:
        """Plain JSON-serialisable dict of every field (``Model.from_dict`` inverts it)."""
        out = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if isinstance(value, Mapping):
                value = {k: (_fields(v) if hasattr(v, "__dataclass_fields__") else v)
                         for k, v in value.items()}
            elif name == "references":
                value = [_fields(r) for r in value]
            elif name in ("crosscheck", "coupling") and value is not None:
                value = _fields(value)
            elif isinstance(value, tuple):
                value = list(value)
            out[name] = value
        return out

    @classmethod
    def from_dict(cls, data: dict) -> "Model":
        """Rebuild a model from :meth:`to_dict` output (no validation: trusted input)."""
        d = dict(data)
        d["parameters"] = {k: Parameter(**v) for k, v in d["parameters"].items()}
        d["state"] = {k: StateVar(**v) for k, v in d["state"].items()}
        d["inputs"] = {k: Input(**v) for k, v in d["inputs"].items()}
        d["presets"] = {k: Preset(**v) for k, v in d["presets"].items()}
        d["references"] = tuple(Reference(**r) for r in d["references"])
        cc = dict(d["crosscheck"])
        for key in ("stimulus", "presets"):
            cc[key] = tuple(cc[key])
        cc["excluded_presets"] = tuple(tuple(x) for x in cc.get("excluded_presets", ()))
        cc["corners"] = tuple(tuple(x) for x in cc.get("corners", ()))
        d["crosscheck"] = CrosscheckSpec(**cc)
        if d.get("coupling") is not None:
            d["coupling"] = Coupling(**d["coupling"])
        d["methods"] = tuple(d["methods"])
        return cls(**d)

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the model's content (every field but ``source``).

        Two models with the same fingerprint generate the same code; a copy changed
        with :func:`dataclasses.replace` has a different one.
        """
        fp = self.__dict__.get("_fingerprint")
        if fp is None:
            content = {k: v for k, v in self.to_dict().items() if k != "source"}
            fp = hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()
            object.__setattr__(self, "_fingerprint", fp)
        return fp

    # -- convenience -----------------------------------------------------------------

    @property
    def is_map(self) -> bool:
        """True for discrete-time models (one ``update`` per time step)."""
        return self.kind == "map"

    @property
    def stochastic(self) -> bool:
        """True if the model draws random numbers: ``xi`` noise, ``rand()`` or ``randn()``."""
        return any(draws_random_numbers(text or "") for text in
                   (self.equations, self.update, self.threshold, self.reset))

    @property
    def needs_int64(self) -> bool:
        """True if the model uses int64 integer arithmetic (``equations/README.md``,
        "Integer arithmetic"): an integer parameter, an integer input or an integer
        function.  BrainPy needs JAX x64 for it; integer state alone (a counter, a flag)
        runs as int32 without x64, as before."""
        from .safe_expr import INTEGER_FUNCTIONS

        if any(p.type == "integer" for p in self.parameters.values()) or \
                any(i.dtype == "integer" for i in self.inputs.values()):
            return True
        text = " ".join(filter(None, [self.equations, self.threshold, self.reset,
                                      self.refractory, self.update,
                                      *(i.on_spike for i in self.inputs.values())]))
        return any(re.search(rf"\b{name}\s*\(", text) for name in INTEGER_FUNCTIONS)

    @property
    def primary_input(self) -> str | None:
        """Name of the first declared input (the one ``update(x)`` drives)."""
        return next(iter(self.inputs), None)

    @property
    def refractory_quantity(self):
        """Refractory period as a quantity, the condition string, or ``None``."""
        from .quantities import parse_quantity

        if self.refractory is None:
            return None
        try:
            return parse_quantity(self.refractory)
        except ValueError:
            return self.refractory

    def default_dt(self):
        from .quantities import parse_quantity

        return parse_quantity(self.dt)

    def parameter_values(self, preset: str | None = None, **overrides) -> dict:
        """Parameter values (Brian2 quantities or arrays with units) after a preset and overrides.

        Parameters
        ----------
        preset : str, optional
            Name of a preset in ``presets``.
        **overrides
            Parameter values: quantities, strings such as ``"10 ms"``, numbers for
            dimensionless parameters, or per-neuron arrays of those.

        Raises
        ------
        ParameterError
            Unknown preset or parameter, wrong dimensions, non-finite values or a
            violated constraint (e.g. a non-positive time constant).
        """
        from .quantities import parse_quantity

        values = {name: p.quantity for name, p in self.parameters.items()}
        if preset is not None:
            if preset not in self.presets:
                raise ParameterError(
                    f"unknown preset '{preset}'; expected one of {sorted(self.presets) or 'none'}",
                    source=self.source, model=self.id, field="presets")
            for name, text in self.presets[preset].parameters.items():
                values[name] = _integer_value(text) if \
                    self.parameters[name].type == "integer" else parse_quantity(text)
        for name, value in overrides.items():
            if name not in self.parameters:
                raise ParameterError(
                    f"unknown parameter override '{name}'; expected one of {sorted(self.parameters)}",
                    source=self.source, model=self.id, field=f"parameters.{name}")
            values[name] = self._coerce_override(name, value)
        return values

    def _coerce_override(self, name: str, value):
        from .quantities import DIMENSIONLESS, Quantity, get_dimensions, parse_quantity

        param = self.parameters[name]
        expected = param.dimensions
        if isinstance(value, str):
            try:
                value = parse_quantity(value)
            except ValueError as exc:
                raise ParameterError(str(exc), source=self.source, model=self.id,
                                     field=f"parameters.{name}") from None
        if hasattr(value, "mantissa") and hasattr(value, "unit") and not isinstance(value, Quantity):
            value = _from_saiunit(value)
        if param.type == "integer" and isinstance(value, (int, np.integer)) and \
                not isinstance(value, bool):
            value = np.int64(value)
        dim = get_dimensions(value)
        if dim is not expected:
            raise ParameterError(
                f"override has dimensions {_dim_text(dim)}, expected {_dim_text(expected)} "
                f"(default value {param.value})",
                source=self.source, model=self.id, field=f"parameters.{name}")
        arr = np.asarray(value)
        if arr.dtype.kind not in "fiu":
            raise ParameterError(f"found {arr.dtype.name} value {clip_repr(value)}, expected "
                                 f"real numbers",
                                 source=self.source, model=self.id, field=f"parameters.{name}")
        if not np.all(np.isfinite(arr)):
            raise ParameterError(f"found non-finite value {clip_repr(value)}, expected finite "
                                 f"values",
                                 source=self.source, model=self.id, field=f"parameters.{name}")
        check_constraint(self, name, value)
        if param.type == "integer":
            value = np.asarray(value, dtype=float).astype(np.int64)
            return value[()] if value.ndim == 0 else value
        if dim is DIMENSIONLESS and not isinstance(value, Quantity):
            value = Quantity(np.asarray(value, dtype=float))
        return value

    def __repr__(self) -> str:
        return f"<Model {clip_repr(self.id)}: {self.title}>"


def _integer_value(text) -> np.int64:
    """An integer parameter's value: exact for integer literals, else via the quantity."""
    from .quantities import parse_quantity

    text = str(text).strip()
    if re.fullmatch(r"[+-]?\d+", text):
        return np.int64(int(text))
    return np.int64(float(parse_quantity(text)))


def _fields(obj) -> dict:
    return {name: (list(v) if isinstance(v, tuple) else dict(v) if isinstance(v, Mapping) else v)
            for name in obj.__dataclass_fields__ for v in [getattr(obj, name)]}


def _dim_text(dim) -> str:
    from .quantities import DIMENSIONLESS

    return "1 (dimensionless)" if dim is DIMENSIONLESS else str(dim)


def _from_saiunit(q):
    """Convert a saiunit quantity to a Brian2 quantity with the same SI value."""
    import saiunit as su
    from brian2.units.fundamentalunits import Quantity, get_or_create_dimension

    si = np.asarray(q.to_decimal(su.Unit(dim=q.unit.dim, scale=0)))
    exps = dict(zip(("m", "kg", "s", "A", "K", "mol", "cd"), (float(e) for e in q.unit.dim._dims)))
    return Quantity(si, dim=get_or_create_dimension(**exps))


def check_constraint(model: Model, name: str, value) -> None:
    """Raise :class:`ParameterError` if ``value`` violates the parameter's constraint
    (or, for an integer parameter, is not an integer of 64 bits)."""
    constraint = model.parameters[name].constraint
    arr = np.asarray(value, dtype=float)
    if model.parameters[name].type == "integer":
        exact = np.asarray(value)
        if exact.dtype.kind not in "iu" and not (np.all(arr == np.round(arr)) and
                                                  np.all(np.abs(arr) < 2.0 ** 63)):
            raise ParameterError(f"found {clip_repr(value)}, expected an integer (parameter "
                                 f"'{name}' has type \"integer\")", source=model.source,
                                 model=model.id, field=f"parameters.{name}")
    if constraint == "positive" and not np.all(arr > 0):
        raise ParameterError(f"found {clip_repr(value)}, expected a positive value (constraint 'positive')",
                             source=model.source, model=model.id, field=f"parameters.{name}")
    if constraint == "nonnegative" and not np.all(arr >= 0):
        raise ParameterError(f"found {clip_repr(value)}, expected a value >= 0 (constraint 'nonnegative')",
                             source=model.source, model=model.id, field=f"parameters.{name}")

