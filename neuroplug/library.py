"""Loading, validating and registering model files (``equations/<id>.toml``).

The schema is documented field by field in ``equations/README.md``.  Every problem
raises :class:`~neuroplug.errors.ModelDefinitionError` (or a subclass) naming the
file, the model, the field, what was found and what was expected.
"""

from __future__ import annotations

import ast
import difflib
import hashlib
import math
import re
import tomllib

import numpy as np
from importlib import resources
from pathlib import Path

from . import cache
from .errors import (
    clip_repr,
    ModelDefinitionError,
    ModelNotFoundError,
    ParameterError,
    UnitError,
    UnknownClassError,
)
from .model import (
    Coupling,
    draws_random_numbers,
    CrosscheckSpec,
    Input,
    Model,
    Parameter,
    Preset,
    Reference,
    StateVar,
    check_constraint,
    default_class_name,
)
from .quantities import parse_quantity

__all__ = ["models", "model", "load_model", "register", "library_dir", "class_index",
           "summary", "METHODS", "TIERS"]

#: Integration methods, by Brian2's names.
METHODS = ("exact", "linear", "euler", "rk2", "rk4", "heun", "milstein", "exponential_euler")
#: Cross-check tiers.
TIERS = ("exact", "distributional", "bitexact")
KINDS = ("continuous", "map")
CONSTRAINTS = ("positive", "nonnegative", "any")
PROTOCOLS = ("step", "spikes", "random")
PARAMETER_TYPES = ("float", "integer")
TOPOLOGIES = ("ring",)
#: Largest model file read, in bytes.
MAX_FILE_BYTES = 1_000_000
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
NAME_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")
#: Names the adapters use for their own variables.
RESERVED_NAMES = frozenset({"lastspike", "not_refractory", "spike", "t_in_timesteps"})
RESERVED_PREFIXES = ("np_", "_", "before_reset_")  # before_reset_: BrainPy states
CLASS_NAME_PATTERN = re.compile(r"^[A-Z][A-Za-z0-9]*$")

_TOP = {
    "id": (str, True), "class_name": (str, False), "title": (str, True),
    "family": (str, True), "kind": (str, False),
    "description": (str, True), "equations": (str, True), "update": (str, False),
    "threshold": (str, False), "reset": (str, False), "refractory": (str, False),
    "method": (str, True), "methods": (list, False), "dt": (str, True),
    "spike_variable": (str, False), "threshold_scale": (str, False),
    "delta_variable": (str, False), "output": (str, False), "coupling": (dict, False),
    "parameters": (dict, True), "state": (dict, True), "inputs": (dict, False),
    "presets": (dict, False), "references": (list, True), "crosscheck": (dict, True),
}
_PARAMETER = {"value": ((str, int, float), True), "description": (str, True),
              "constraint": (str, False), "type": (str, False)}
_STATE = {"init": ((str, int, float), True), "description": (str, True)}
_INPUT = {"description": (str, True), "on_spike": (str, False)}
_COUPLING = {"target": (str, True), "source": (str, True), "kernel": (str, True),
             "topology": (str, False)}
_PRESET = {"description": (str, True), "reference": (str, False), "parameters": (dict, False),
           "stimulus": (str, False)}
_REFERENCE = {"key": (str, True), "citation": (str, True), "doi": (str, False), "url": (str, False)}
_CROSSCHECK = {"tier": (str, True), "protocol": (str, True), "stimulus": (list, True),
               "onset": (str, False), "duration": (str, False), "dt": (str, False),
               "reason": (str, True), "presets": (list, False), "seeds": (int, False),
               "float32_rel_bound": ((float, int), False),
               "float32_count_fraction": ((float, int), False),
               "float32_first_spike_steps": (int, False), "float32_reason": (str, False),
               "excluded_presets": (dict, False), "spike_rate": (str, False),
               "hold": (int, False), "seed": (int, False), "corners": (dict, False)}

_registry: dict[str, Model] = {}


def library_dir() -> Path:
    """Folder holding the shipped model files.

    In a source checkout this is the top-level ``equations/``; in an installed wheel
    the copy packaged as ``neuroplug/equations``.
    """
    packaged = resources.files("neuroplug") / "equations"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent / "equations"


def _library_files() -> dict[str, Path]:
    return {p.stem: p for p in sorted(library_dir().glob("*.toml"))}


def models() -> list[str]:
    """Ids of all models in the library (shipped files and registered ones), sorted."""
    return sorted(set(_library_files()) | set(_registry))


_index_memo: dict = {}


def _file_table(path: Path) -> dict | None:
    """The TOML table of a file, or ``None`` if it cannot be read (no validation)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError):
        return None
    return data


def _summaries() -> dict[str, dict]:
    """Id -> the raw TOML table of every shipped file, read once per process (~40 ms)."""
    files = _library_files()
    key = tuple((p.name, p.stat().st_mtime_ns) for p in files.values())
    if _index_memo.get("key") != key:
        _index_memo.update(key=key, tables={mid: _file_table(p) or {} for mid, p in files.items()})
    return _index_memo["tables"]


def summary(model_id: str) -> dict:
    """What ``neuroplug list`` shows of a model, read from its file without validation.

    Keys: ``id``, ``class_name``, ``title``, ``family``, ``kind``, ``presets`` (count),
    ``tier``.  Registered models are summarised from their validated :class:`Model`.
    """
    if model_id in _registry:
        m = _registry[model_id]
        return {"id": m.id, "class_name": m.class_name, "title": m.title, "family": m.family,
                "kind": m.kind, "presets": len(m.presets), "tier": m.crosscheck.tier}
    t = _summaries().get(model_id)
    if t is None:
        raise ModelNotFoundError(f"unknown model '{model_id}'", source="<library>")

    def text(key, default="?"):
        value = t.get(key, default)
        return " ".join(value.split()) if isinstance(value, str) else default

    cc = t.get("crosscheck") if isinstance(t.get("crosscheck"), dict) else {}
    tier = cc.get("tier")
    presets = t.get("presets") if isinstance(t.get("presets"), dict) else {}
    return {"id": model_id, "class_name": _class_name_of(model_id, t),
            "title": text("title"), "family": text("family"), "kind": text("kind", "continuous"),
            "presets": len(presets), "tier": tier if isinstance(tier, str) else "?"}


def _class_name_of(model_id: str, table: dict) -> str:
    name = table.get("class_name")
    return name if isinstance(name, str) and name else default_class_name(model_id)


def class_index() -> dict[str, str]:
    """Class name -> model id for every library and registered model, without Brian2.

    Class names come from the files' ``class_name`` field; this reads the TOML of the
    shipped files only (no validation), so an adapter can map ``LIF`` to ``lif``
    quickly.  A duplicate class name raises :class:`ModelDefinitionError`.
    """
    index: dict[str, str] = {}
    files = _library_files()
    entries = [(mid, _class_name_of(mid, t), str(files[mid]))
               for mid, t in _summaries().items()]
    entries += [(m.id, m.class_name, m.source) for m in _registry.values()
                if m.id not in files or _registry_replaces(m.id)]
    where = {}
    for mid, name, source in entries:
        if name in index and index[name] != mid:
            raise ModelDefinitionError(
                f"duplicate class_name '{name}': also used by {where[name]}; expected a "
                f"unique class name", source=source, model=mid, field="class_name")
        index[name] = mid
        where[name] = source
    return index


def _registry_replaces(model_id: str) -> bool:
    return model_id in _registry and _registry[model_id].source != str(
        _library_files().get(model_id))


def unknown_class_error(module: str, name: str) -> UnknownClassError:
    """AttributeError for a class name no model has, with close matches."""
    close = difflib.get_close_matches(name, list(class_index()), n=3, cutoff=0.6)
    hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else \
        "; `neuroplug list` shows every model and its class"
    return UnknownClassError(f"module '{module}' has no attribute '{name}'{hint}")


def model(id_or_path) -> Model:
    """Return a validated :class:`~neuroplug.model.Model`.

    Parameters
    ----------
    id_or_path : str or os.PathLike
        A library id (``"adex"``) or the path of a user's own ``.toml`` model file.

    Raises
    ------
    ModelNotFoundError
        No such id in the library and no such file.
    ModelDefinitionError
        The file is invalid (the message names file, model, field and the problem).
    """
    if isinstance(id_or_path, Model):
        return id_or_path
    text = str(id_or_path)
    if text in _registry:
        return _registry[text]
    files = _library_files()
    if text in files:
        m = _load_library_file(files[text], text)
        _registry[text] = m
        return m
    path = Path(text)
    try:
        is_file = path.is_file()
        exists = is_file or path.exists()
    except (OSError, ValueError):  # a name too long for a path, a NUL byte...
        is_file = exists = False
    if path.suffix == ".toml" or exists:
        if not is_file:
            raise ModelNotFoundError(f"no model file at {clip_repr(text)}", source="<library>")
        return load_model(path)
    close = [n for n in models() if n.startswith(text[:3])] or models()
    raise ModelNotFoundError(f"unknown model {clip_repr(text)}; expected one of {close} "
                             f"or a path to a .toml model file", source="<library>")


def _load_library_file(path: Path, model_id: str) -> Model:
    """Load a shipped model, reusing Brian2's verdict from the disk cache when it has it.

    A cache entry holds the validated model and the code Brian2 derived for its pinned
    method, keyed by the file's bytes (plus Brian2's and neuroplug's versions, see
    :mod:`neuroplug.cache`); on a hit no Brian2 is imported at all.
    """
    from .codegen import NumpyCode

    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ModelDefinitionError(f"cannot read file: {exc.strerror}", source=str(path)) from None
    digest = hashlib.sha256(raw).hexdigest()
    entry = cache.read("model", digest)
    if entry is not None:
        try:
            m = Model.from_dict(dict(entry["model"], source=str(path), sha256=digest))
            codes = {meth: NumpyCode.from_dict(c) for meth, c in entry["code"].items()}
            if m.id == model_id and codes and all(codes.values()):
                object.__setattr__(m, "_checked_code", codes)
                return m
        except (KeyError, TypeError, ValueError, AttributeError):
            pass  # a stale or foreign entry: validate again and overwrite it
    m = load_model(path, expected_id=model_id)
    cache.write("model", digest, {"model": m.to_dict(),
                                  "code": {k: c.to_dict() for k, c in m._checked_code.items()}})
    return m


def is_library_model(m: Model) -> bool:
    """True if ``m`` is the registry's own copy of a library model (safe to cache by id)."""
    return m.id in models() and model(m.id) is m


def register(path_or_model, *, replace: bool = False) -> Model:
    """Add a user model to the registry so that ``neuroplug.model(id)`` finds it.

    Raises
    ------
    ModelDefinitionError
        If a model with the same id already exists and ``replace`` is false, or another
        model already uses its ``class_name``.
    """
    m = path_or_model if isinstance(path_or_model, Model) else load_model(path_or_model)
    if not replace and m.id in models():
        existing = _registry.get(m.id)
        where = existing.source if existing else str(_library_files().get(m.id))
        raise ModelDefinitionError(
            f"duplicate id '{m.id}': already defined by {where}; expected a unique id "
            f"(or register(..., replace=True))", source=m.source, model=m.id, field="id")
    previous = _registry.get(m.id)
    _registry[m.id] = m
    try:
        class_index()
    except ModelDefinitionError:
        if previous is None:
            del _registry[m.id]
        else:
            _registry[m.id] = previous
        raise
    return m


# ----------------------------------------------------------------------------------
def load_model(path, expected_id: str | None = None, *, check_with_brian2: bool = True) -> Model:
    """Read and validate one model file.

    Parameters
    ----------
    path : path-like
        The ``.toml`` file.
    expected_id : str, optional
        For library files: the id must equal the file stem.
    check_with_brian2 : bool
        Also let Brian2 parse the equations, check dimensions and derive the update
        code for the default method (the definitive check; about 0.2 s per model).
    """
    path = Path(path)
    source = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ModelDefinitionError(f"cannot read file: {exc.strerror}", source=source) from None
    if len(raw) > MAX_FILE_BYTES:
        raise ModelDefinitionError(f"found {len(raw)} bytes, expected a model file of at most "
                                   f"{MAX_FILE_BYTES}", source=source)
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ModelDefinitionError(f"malformed TOML: {exc}; expected a valid TOML document",
                                   source=source) from None
    except (RecursionError, MemoryError):
        raise ModelDefinitionError("malformed TOML: nested too deeply; expected a model file "
                                   "as documented in equations/README.md",
                                   source=source) from None
    digest = hashlib.sha256(raw).hexdigest()
    m = _build(data, source, digest, expected_id or None)
    if check_with_brian2:
        from .codegen import check_model

        check_model(m)
    return m


def _check_fields(table, spec, source, model_id, where):
    if not isinstance(table, dict):
        raise ModelDefinitionError(f"found {type(table).__name__}, expected a table",
                                   source=source, model=model_id, field=where or None)
    for key in table:
        if key not in spec:
            raise ModelDefinitionError(
                f"unknown field '{key}'; expected one of {sorted(spec)}",
                source=source, model=model_id, field=f"{where}.{key}" if where else key)
    for key, (types, required) in spec.items():
        fld = f"{where}.{key}" if where else key
        if key not in table:
            if required:
                raise ModelDefinitionError("missing required field", source=source,
                                           model=model_id, field=fld)
            continue
        if not isinstance(table[key], types) or isinstance(table[key], bool):
            raise ModelDefinitionError(f"found {type(table[key]).__name__} "
                                       f"{clip_repr(table[key])}, expected {_type_names(types)}",
                                       source=source, model=model_id, field=fld)


def _type_names(types) -> str:
    return types.__name__ if isinstance(types, type) else " or ".join(t.__name__ for t in types)


def _check_list(values, types, source, model_id, fld):
    """Every element of a list field has the expected type."""
    for i, v in enumerate(values):
        if not isinstance(v, types) or isinstance(v, bool):
            raise ModelDefinitionError(f"found {type(v).__name__} {clip_repr(v)}, expected "
                                       f"{_type_names(types)}", source=source, model=model_id,
                                       field=f"{fld}[{i}]")


def _check_name(name, source, model_id, fld, variable=True):
    """A parameter/state/input/preset name: an identifier Brian2 accepts and none of ours."""
    from brian2 import Equations

    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise ModelDefinitionError(f"found the name {clip_repr(name)}, expected an identifier "
                                   f"(a letter, then letters, digits, underscores)",
                                   source=source, model=model_id, field=fld)
    if not variable:
        return
    from .safe_expr import INTEGER_FUNCTIONS

    if name.startswith(RESERVED_PREFIXES) or name in RESERVED_NAMES or \
            name in INTEGER_FUNCTIONS:
        raise ModelDefinitionError(f"found the name '{name}', which neuroplug uses internally; "
                                   f"expected another name", source=source, model=model_id,
                                   field=fld)
    try:
        Equations.check_identifier(name)  # units, t, dt, xi, N, keywords, functions...
    except (SyntaxError, ValueError) as exc:
        raise ModelDefinitionError(f"{' '.join(str(exc).split())}; expected another name",
                                   source=source, model=model_id, field=fld) from None


def _check_code(kind, text, source, model_id, fld):
    """Screen an expression field before Brian2 reads it (:mod:`neuroplug.safe_expr`)."""
    from .quantities import unit_namespace
    from .safe_expr import ExpressionError, check_equations, check_expression, check_statements

    try:
        if kind == "equations":
            check_equations(text, unit_namespace())
        elif kind == "statements":
            check_statements(text, what=fld)
        else:
            if not text.strip():
                raise ExpressionError("found an empty string, expected an expression")
            check_expression(text, what=kind)
    except ExpressionError as exc:
        raise ModelDefinitionError(str(exc), source=source, model=model_id, field=fld) from None


def _quantity(text, source, model_id, fld):
    try:
        return parse_quantity(text)
    except ValueError as exc:
        raise UnitError(str(exc), source=source, model=model_id, field=fld) from None


def _build(data: dict, source: str, digest: str, expected_id: str | None) -> Model:
    from .quantities import DIMENSIONLESS, get_dimensions

    model_id = data.get("id") if isinstance(data.get("id"), str) else None
    _check_fields(data, _TOP, source, model_id, "")
    if not ID_PATTERN.match(model_id):
        raise ModelDefinitionError(f"found id '{model_id}', expected lower_snake_case "
                                   f"(letters, digits, underscores)", source=source,
                                   model=model_id, field="id")
    class_name = data.get("class_name") or default_class_name(str(model_id))
    if not CLASS_NAME_PATTERN.match(class_name):
        raise ModelDefinitionError(f"found class_name {clip_repr(class_name)}, expected a "
                                   f"CamelCase "
                                   f"identifier such as 'AdEx' (letters and digits, first "
                                   f"one upper case)", source=source, model=model_id,
                                   field="class_name")
    if expected_id is not None and model_id != expected_id:
        raise ModelDefinitionError(f"found id '{model_id}', expected '{expected_id}' "
                                   f"(the file name)", source=source, model=model_id, field="id")
    kind = data.get("kind", "continuous")
    if kind not in KINDS:
        raise ModelDefinitionError(f"found '{kind}', expected one of {list(KINDS)}",
                                   source=source, model=model_id, field="kind")
    if kind == "map" and not data.get("update"):
        raise ModelDefinitionError("a map model needs 'update' statements (one map step)",
                                   source=source, model=model_id, field="update")
    if kind == "continuous" and data.get("update"):
        raise ModelDefinitionError("found 'update' in a continuous model; expected it only "
                                   "with kind = \"map\"", source=source, model=model_id,
                                   field="update")
    for fld in ("methods",):
        if fld in data:
            _check_list(data[fld], str, source, model_id, fld)
    cc_table = data["crosscheck"] if isinstance(data["crosscheck"], dict) else {}
    for fld in ("stimulus", "presets"):
        if isinstance(cc_table.get(fld), list):
            _check_list(cc_table[fld], str, source, model_id, f"crosscheck.{fld}")
    _check_code("equations", data["equations"], source, model_id, "equations")
    for fld in ("reset", "update"):
        if data.get(fld):
            _check_code("statements", data[fld], source, model_id, fld)
    for name, entry in (data.get("inputs") or {}).items():
        if isinstance(entry, dict) and isinstance(entry.get("on_spike"), str):
            _check_code("statements", entry["on_spike"], source, model_id,
                        f"inputs.{name}.on_spike")
    if data.get("threshold") is not None:
        _check_code("threshold condition", data["threshold"], source, model_id, "threshold")
    for section in ("parameters", "state", "inputs", "presets"):
        for name in data.get(section, {}):
            _check_name(name, source, model_id, f"{section}.{name}",
                        variable=section != "presets")
    for fld in ("method",):
        if data[fld] not in METHODS:
            raise ModelDefinitionError(f"found '{data[fld]}', expected one of {list(METHODS)}",
                                       source=source, model=model_id, field=fld)
    methods = tuple(data.get("methods", [data["method"]]))
    for i, meth in enumerate(methods):
        if meth not in METHODS:
            raise ModelDefinitionError(f"found '{meth}', expected one of {list(METHODS)}",
                                       source=source, model=model_id, field=f"methods[{i}]")
    if data["method"] not in methods:
        methods = (data["method"],) + methods
    dt = _quantity(data["dt"], source, model_id, "dt")
    if get_dimensions(dt) is not get_dimensions(parse_quantity("1 s")) or float(dt) <= 0:
        raise UnitError(f"found {clip_repr(data['dt'])}, expected a positive time such as '0.1 ms'",
                        source=source, model=model_id, field="dt")

    # parameters
    parameters = {}
    for name, entry in data["parameters"].items():
        fld = f"parameters.{name}"
        _check_fields(entry, _PARAMETER, source, model_id, fld)
        q = _quantity(entry["value"], source, model_id, f"{fld}.value")
        default_constraint = "positive" if (name.startswith("tau") and
                                            get_dimensions(q) is get_dimensions(dt)) else "any"
        constraint = entry.get("constraint", default_constraint)
        if constraint not in CONSTRAINTS:
            raise ModelDefinitionError(f"found '{constraint}', expected one of {list(CONSTRAINTS)}",
                                       source=source, model=model_id, field=f"{fld}.constraint")
        ptype = entry.get("type", "float")
        if ptype not in PARAMETER_TYPES:
            raise ModelDefinitionError(f"found {clip_repr(ptype)}, expected one of "
                                       f"{list(PARAMETER_TYPES)}", source=source,
                                       model=model_id, field=f"{fld}.type")
        if ptype == "integer" and (get_dimensions(q) is not DIMENSIONLESS or
                                   not re.fullmatch(r"\s*[+-]?\d{1,19}\s*", str(entry["value"])) or
                                   abs(int(str(entry["value"]))) >= 2 ** 63):
            raise ModelDefinitionError(f"found {clip_repr(entry['value'])}, expected an integer "
                                       f"of 64 bits without unit (type = \"integer\")",
                                       source=source, model=model_id, field=f"{fld}.value")
        parameters[name] = Parameter(name=name, value=str(entry["value"]),
                                     description=entry["description"].strip(),
                                     constraint=constraint, type=ptype)

    references = []
    for i, entry in enumerate(data["references"]):
        _check_fields(entry, _REFERENCE, source, model_id, f"references[{i}]")
        references.append(Reference(**entry))
    ref_keys = {r.key for r in references}
    if len(ref_keys) != len(references):
        raise ModelDefinitionError("duplicate reference key", source=source, model=model_id,
                                   field="references")

    presets = {}
    stim_dims = {}
    for name, entry in data.get("presets", {}).items():
        fld = f"presets.{name}"
        _check_fields(entry, _PRESET, source, model_id, fld)
        pvals = entry.get("parameters", {})
        for pname, text in pvals.items():
            if pname not in parameters:
                raise ModelDefinitionError(
                    f"unknown parameter '{pname}'; expected one of {sorted(parameters)}",
                    source=source, model=model_id, field=f"{fld}.parameters.{pname}")
            q = _quantity(text, source, model_id, f"{fld}.parameters.{pname}")
            want = parameters[pname].dimensions
            if get_dimensions(q) is not want:
                raise UnitError(f"found {clip_repr(text)}, expected dimensions of "
                                f"{clip_repr(parameters[pname].value)}", source=source,
                                model=model_id, field=f"{fld}.parameters.{pname}")
        if entry.get("reference") and entry["reference"] not in ref_keys:
            raise ModelDefinitionError(f"unknown reference '{entry['reference']}'; expected one "
                                       f"of {sorted(ref_keys)}", source=source, model=model_id,
                                       field=f"{fld}.reference")
        if entry.get("stimulus") is not None:
            stim_dims[name] = get_dimensions(_quantity(entry["stimulus"], source, model_id,
                                                       f"{fld}.stimulus"))
        presets[name] = Preset(name=name, description=entry["description"].strip(),
                               reference=entry.get("reference"),
                               parameters={k: str(v) for k, v in pvals.items()},
                               stimulus=entry.get("stimulus"))

    # equations: variables and units come from Brian2's parser
    from brian2 import Equations
    from brian2.equations.equations import DIFFERENTIAL_EQUATION, PARAMETER, SUBEXPRESSION

    try:
        eqs = Equations(data["equations"])
    except Exception as exc:  # Brian2 raises EquationError, SyntaxError, ValueError...
        raise ModelDefinitionError(f"Brian2 cannot parse the equations: {exc}",
                                   source=source, model=model_id, field="equations") from None
    declared_inputs = data.get("inputs", {})
    declared_state = data["state"]
    coupling_target = None
    if isinstance(data.get("coupling"), dict):
        _check_fields(data["coupling"], _COUPLING, source, model_id, "coupling")
        coupling_target = data["coupling"]["target"]
        if coupling_target not in eqs or eqs[coupling_target].type != PARAMETER or \
                coupling_target in declared_state or coupling_target in declared_inputs:
            raise ModelDefinitionError(f"found {clip_repr(coupling_target)}, expected a "
                                       f"parameter variable of the equations that is not a "
                                       f"state variable or an input (a line such as "
                                       f"'{coupling_target} : amp')", source=source,
                                       model=model_id, field="coupling.target")
    state = {}
    inputs = {}
    for name, eq in eqs.items():
        unit = "1" if eq.dim is DIMENSIONLESS else repr(_unit_of(eq.dim))
        if eq.type == SUBEXPRESSION:
            continue
        if name == coupling_target and eq.type == PARAMETER and name not in declared_state \
                and name not in declared_inputs:
            continue
        if name in parameters:
            raise ModelDefinitionError(f"'{name}' is both an equation variable and a parameter",
                                       source=source, model=model_id, field=f"parameters.{name}")
        if eq.type == PARAMETER and name in declared_inputs:
            _check_fields(declared_inputs[name], _INPUT, source, model_id, f"inputs.{name}")
            on_spike = declared_inputs[name].get("on_spike")
            inputs[name] = Input(name=name, unit=unit,
                                 description=declared_inputs[name]["description"].strip(),
                                 on_spike=on_spike.strip() if on_spike is not None else None,
                                 dtype={"integer": "integer", "boolean": "boolean"}.get(
                                     str(eq.var_type).lower(), "float"))
            continue
        if name not in declared_state:
            what = "[inputs] or [state]" if eq.type == PARAMETER else "[state]"
            raise ModelDefinitionError(f"equation variable '{name}' ({unit}) is not declared; "
                                       f"expected an entry under {what}", source=source,
                                       model=model_id, field=f"state.{name}")
        entry = declared_state[name]
        _check_fields(entry, _STATE, source, model_id, f"state.{name}")
        state[name] = StateVar(name=name, unit=unit, init=str(entry["init"]),
                               description=entry["description"].strip(),
                               differential=eq.type == DIFFERENTIAL_EQUATION,
                               dtype={"integer": "integer", "boolean": "boolean"}.get(
                                   str(eq.var_type).lower(), "float"))
    for name in declared_state:
        if name not in state:
            raise ModelDefinitionError(f"state variable '{name}' does not appear in the "
                                       f"equations; expected one of {sorted(state)}",
                                       source=source, model=model_id, field=f"state.{name}")
    for name in declared_inputs:
        if name not in inputs:
            raise ModelDefinitionError(f"input '{name}' is not a parameter variable of the "
                                       f"equations; expected a line such as '{name} : amp'",
                                       source=source, model=model_id, field=f"inputs.{name}")
    if kind == "continuous" and not any(s.differential for s in state.values()):
        raise ModelDefinitionError("a continuous model needs at least one differential "
                                   "equation; use kind = \"map\" for discrete-time models",
                                   source=source, model=model_id, field="equations")

    # cross-check contract
    cc = data["crosscheck"]
    _check_fields(cc, _CROSSCHECK, source, model_id, "crosscheck")
    if cc["tier"] not in TIERS:
        raise ModelDefinitionError(f"found '{cc['tier']}', expected one of {list(TIERS)}",
                                   source=source, model=model_id, field="crosscheck.tier")
    if cc["protocol"] not in PROTOCOLS:
        raise ModelDefinitionError(f"found '{cc['protocol']}', expected one of {list(PROTOCOLS)}",
                                   source=source, model=model_id, field="crosscheck.protocol")
    if not inputs:
        raise ModelDefinitionError("the cross-check protocol drives an input, but the model "
                                   "declares none; expected an [inputs] entry",
                                   source=source, model=model_id, field="inputs")
    primary = next(iter(inputs.values()))
    if cc["protocol"] == "spikes" and not primary.is_spike_input:
        raise ModelDefinitionError(f"protocol 'spikes' drives the primary input "
                                   f"'{primary.name}', which has no 'on_spike' statements; "
                                   f"expected protocol = \"step\" or an on_spike input first",
                                   source=source, model=model_id, field="crosscheck.protocol")
    if cc["protocol"] == "step" and primary.is_spike_input:
        raise ModelDefinitionError(f"the primary input '{primary.name}' is a spike input "
                                   f"(on_spike); expected protocol = \"spikes\"",
                                   source=source, model=model_id, field="crosscheck.protocol")
    if cc["protocol"] == "spikes":
        if "spike_rate" not in cc:
            raise ModelDefinitionError("protocol 'spikes' needs the rate of its regular input "
                                       "train; expected spike_rate = \"20 Hz\"",
                                       source=source, model=model_id,
                                       field="crosscheck.spike_rate")
        rate = _quantity(cc["spike_rate"], source, model_id, "crosscheck.spike_rate")
        if get_dimensions(rate) is not get_dimensions(parse_quantity("1 Hz")) or \
                not float(rate) > 0:
            raise UnitError(f"found {clip_repr(cc['spike_rate'])}, expected a positive rate "
                            f"such as '20 Hz'", source=source, model=model_id,
                            field="crosscheck.spike_rate")
    elif "spike_rate" in cc:
        raise ModelDefinitionError(f"found spike_rate with protocol '{cc['protocol']}'; "
                                   f"expected it only with protocol = \"spikes\"",
                                   source=source, model=model_id, field="crosscheck.spike_rate")
    _check_bitexact_fields(cc, primary, parameters, declared_state, inputs, source, model_id)
    coupling = None
    if coupling_target is not None:
        coupling = _coupling(data["coupling"], eqs, state, inputs, parameters, source,
                             model_id)
    input_unit = next(iter(inputs.values())).unit
    input_dim = eqs[next(iter(inputs))].dim
    for i, text in enumerate(cc["stimulus"]):
        q = _quantity(text, source, model_id, f"crosscheck.stimulus[{i}]")
        unit = "1" if get_dimensions(q) is DIMENSIONLESS else repr(_unit_of(get_dimensions(q)))
        if get_dimensions(q) is not input_dim:
            raise UnitError(f"found {clip_repr(text)} ({unit}), expected a value in {input_unit} "
                            f"(the unit of input '{next(iter(inputs))}')", source=source,
                            model=model_id, field=f"crosscheck.stimulus[{i}]")
    for pname, dim in stim_dims.items():
        if dim is not input_dim:
            raise UnitError(f"found {clip_repr(presets[pname].stimulus)}, expected a value in "
                            f"{input_unit} "
                            f"(the unit of input '{next(iter(inputs))}')", source=source,
                            model=model_id, field=f"presets.{pname}.stimulus")
    if not cc["stimulus"]:
        raise ModelDefinitionError("found an empty list, expected at least one amplitude",
                                   source=source, model=model_id, field="crosscheck.stimulus")
    for fld in ("onset", "duration", "dt"):
        if fld in cc:
            q = _quantity(cc[fld], source, model_id, f"crosscheck.{fld}")
            positive = fld != "onset"
            if get_dimensions(q) is not get_dimensions(dt) or float(q) < 0 or \
                    (positive and float(q) == 0):
                raise UnitError(f"found {clip_repr(cc[fld])}, expected a "
                                f"{'positive' if positive else 'non-negative'} time",
                                source=source, model=model_id, field=f"crosscheck.{fld}")
    for i, name in enumerate(cc.get("presets", [])):
        if name not in presets:
            raise ModelDefinitionError(f"unknown preset '{name}'; expected one of "
                                       f"{sorted(presets)}", source=source, model=model_id,
                                       field=f"crosscheck.presets[{i}]")
    excluded = cc.get("excluded_presets", {})
    for name, why in excluded.items():
        fld = f"crosscheck.excluded_presets.{name}"
        if name not in presets:
            raise ModelDefinitionError(f"unknown preset '{name}'; expected one of "
                                       f"{sorted(presets)}", source=source, model=model_id,
                                       field=fld)
        if name in cc.get("presets", []):
            raise ModelDefinitionError(f"preset '{name}' is both listed and excluded",
                                       source=source, model=model_id, field=fld)
        if not isinstance(why, str) or not why.strip():
            raise ModelDefinitionError(f"found {clip_repr(why)}, expected the reason as a string",
                                       source=source, model=model_id, field=fld)
    f32 = {k: cc[k] for k in ("float32_rel_bound", "float32_count_fraction",
                              "float32_first_spike_steps") if k in cc}
    for k, v in f32.items():
        if not (math.isfinite(v) and v >= 0):
            raise ModelDefinitionError(f"found {clip_repr(v)}, expected a finite value >= 0",
                                       source=source, model=model_id, field=f"crosscheck.{k}")
    if f32 and not cc.get("float32_reason"):
        raise ModelDefinitionError("float32 bounds are loosened but no reason is given; expected "
                                   "'float32_reason'", source=source, model=model_id,
                                   field="crosscheck.float32_reason")
    crosscheck = CrosscheckSpec(
        tier=cc["tier"], protocol=cc["protocol"], stimulus=tuple(cc["stimulus"]),
        onset=cc.get("onset", "0 ms"), duration=cc.get("duration", "1 s"),
        dt=cc.get("dt", data["dt"]), reason=cc["reason"].strip(),
        presets=tuple(cc.get("presets", [])), seeds=int(cc.get("seeds", 5)),
        float32_rel_bound=float(cc.get("float32_rel_bound", 2e-3)),
        float32_count_fraction=float(cc.get("float32_count_fraction", 0.02)),
        float32_first_spike_steps=int(cc.get("float32_first_spike_steps", 2)),
        float32_reason=cc.get("float32_reason", "").strip(),
        excluded_presets=tuple((k, " ".join(v.split())) for k, v in excluded.items()),
        spike_rate=cc.get("spike_rate"), hold=int(cc.get("hold", 1)), seed=int(cc.get("seed", 0)),
        corners=tuple((k, v.strip()) for k, v in cc.get("corners", {}).items()))

    stochastic = any(draws_random_numbers(data.get(f) or "") for f in
                     ("equations", "update", "threshold", "reset"))
    if stochastic and cc["tier"] in ("exact", "bitexact"):
        raise ModelDefinitionError(f"the model draws random numbers (xi, rand() or randn()) "
                                   f"but the tier is '{cc['tier']}'; expected tier = "
                                   f"\"distributional\"", source=source,
                                   model=model_id, field="crosscheck.tier")
    if int(cc.get("seeds", 5)) < 1:
        raise ModelDefinitionError(f"found {cc['seeds']}, expected at least 1 seed",
                                   source=source, model=model_id, field="crosscheck.seeds")
    if data.get("spike_variable") is not None and data["spike_variable"] not in state:
        raise ModelDefinitionError(f"found '{data['spike_variable']}', expected a state "
                                   f"variable ({sorted(state)})", source=source,
                                   model=model_id, field="spike_variable")
    if data.get("delta_variable") is not None and data["delta_variable"] not in state:
        raise ModelDefinitionError(f"found '{data['delta_variable']}', expected a state "
                                   f"variable ({sorted(state)})", source=source,
                                   model=model_id, field="delta_variable")
    if data.get("output") is not None and data["output"] not in state and \
            data["output"] not in eqs.subexpr_names:
        raise ModelDefinitionError(f"found {clip_repr(data['output'])}, expected a state "
                                   f"variable or subexpression "
                                   f"({sorted(set(state) | set(eqs.subexpr_names))})",
                                   source=source, model=model_id, field="output")
    if data.get("threshold_scale") is not None:
        try:
            scale = parse_quantity(data["threshold_scale"])
        except ValueError:  # an expression of parameters
            scale = None
            _check_scale_expression(data["threshold_scale"], parameters, data["state"], source,
                                    model_id)
        if scale is not None and not float(scale) > 0:
            raise ModelDefinitionError(f"found {clip_repr(data['threshold_scale'])}, expected a "
                                       f"positive scale", source=source, model=model_id,
                                       field="threshold_scale")
    refractory = data.get("refractory")
    if refractory is not None:
        try:
            rq = parse_quantity(refractory)
        except ValueError:  # a condition (Brian2 checks its meaning) or a parameter name
            rq = None
            _check_code("refractory condition or time", refractory, source, model_id,
                        "refractory")
        if rq is not None and (get_dimensions(rq) is not get_dimensions(dt) or float(rq) < 0):
            raise UnitError(f"found {clip_repr(refractory)}, expected a non-negative time or a "
                            f"boolean condition", source=source, model=model_id,
                            field="refractory")

    m = Model(
        id=model_id, title=data["title"].strip(), family=data["family"].strip(), kind=kind,
        description=data["description"].strip(), equations=data["equations"].strip() + "\n",
        threshold=data.get("threshold"), reset=data.get("reset", ""), refractory=refractory,
        method=data["method"], methods=methods, dt=data["dt"], parameters=parameters,
        state=state, inputs={k: inputs[k] for k in declared_inputs},  # first = primary
        presets=presets, references=tuple(references),
        crosscheck=crosscheck, update=data.get("update"), source=source, sha256=digest,
        spike_variable=data.get("spike_variable"), threshold_scale=data.get("threshold_scale"),
        delta_variable=data.get("delta_variable"), class_name=class_name,
        output=data.get("output"), coupling=coupling,
    )
    for name, p in parameters.items():
        q = p.quantity
        if not math.isfinite(float(q)):
            raise UnitError(f"found {clip_repr(p.value)}, expected a finite value", source=source,
                            model=model_id, field=f"parameters.{name}.value")
        check_constraint(m, name, q)
    for pname, preset in presets.items():
        for name, text in preset.parameters.items():
            try:
                check_constraint(m, name, parse_quantity(text))
            except ModelDefinitionError as exc:
                raise ParameterError(exc.detail, source=source, model=model_id,
                                     field=f"presets.{pname}.parameters.{name}") from None
    return m


def _check_bitexact_fields(cc, primary, parameters, state, inputs, source, model_id):
    """The fields of protocol "random" (hold, seed) and tier "bitexact" (corners)."""
    from .quantities import DIMENSIONLESS, get_dimensions
    from .safe_expr import INTEGER_FUNCTIONS, ExpressionError, check_expression

    def error(msg, fld):
        return ModelDefinitionError(msg, source=source, model=model_id, field=f"crosscheck.{fld}")

    if cc["protocol"] == "random":
        if primary.unit != "1":
            raise error(f"protocol 'random' drives '{primary.name}' with random integers; "
                        f"expected a dimensionless input (found {primary.unit})", "protocol")
        for i, text in enumerate(cc["stimulus"]):
            q = _quantity(text, source, model_id, f"crosscheck.stimulus[{i}]")
            value = float(q)
            if get_dimensions(q) is not DIMENSIONLESS or value != round(value) or \
                    not 0 <= value < 2 ** 31:
                raise error(f"found {clip_repr(text)}, expected an integer 0 <= A < 2**31 (the "
                            f"random values lie in [-A, A])", f"stimulus[{i}]")
        for fld, low, high in (("hold", 1, 10 ** 7), ("seed", 0, 2 ** 63 - 1)):
            if fld in cc and not low <= cc[fld] <= high:
                raise error(f"found {clip_repr(cc[fld])}, expected an integer "
                            f"{low} <= {fld} <= {high}", fld)
    else:
        for fld in ("hold", "seed"):
            if fld in cc:
                raise error(f"found {fld} with protocol '{cc['protocol']}'; expected it only "
                            f"with protocol = \"random\"", fld)
    corners = cc.get("corners")
    if corners is None:
        return
    if cc["tier"] != "bitexact":
        raise error(f"found corners with tier '{cc['tier']}'; expected them only with "
                    f"tier = \"bitexact\" (which records every step in every target)", "corners")
    names = set(parameters) | set(state) | set(inputs) | {"spike"}
    functions = frozenset(INTEGER_FUNCTIONS) | {"abs", "sign", "int"}
    for name, text in corners.items():
        fld = f"corners.{name}"
        if not NAME_PATTERN.match(name):
            raise error(f"found the name {clip_repr(name)}, expected an identifier", fld)
        if not isinstance(text, str) or not text.strip():
            raise error(f"found {clip_repr(text)}, expected a condition over the recorded "
                        f"state such as \"v == 32767\"", fld)
        try:
            check_expression(text, what="condition over the recorded state", names=names,
                             functions=functions)
        except ExpressionError as exc:
            raise error(f"{exc} (names: the state variables, inputs, parameters and "
                        f"'spike')", fld) from None


#: Functions a coupling kernel may call.
KERNEL_FUNCTIONS = {"exp": np.exp, "sqrt": np.sqrt, "abs": np.abs, "cos": np.cos,
                    "sin": np.sin, "tanh": np.tanh, "int": lambda x: np.trunc(x)}


def kernel_weights(kernel: str, values: dict, n: int):
    """Weights ``w[i, j] = kernel(d_ij)`` of ``n`` units on a ring (``d`` in unit steps).

    ``values`` are the parameter values (Brian2 quantities); returns a Brian2 quantity
    or array of shape ``(n, n)``.
    """
    from .quantities import unit_namespace
    from .safe_expr import check_expression, evaluate

    idx = np.arange(n)
    diff = np.abs(idx[:, None] - idx[None, :])
    d = np.minimum(diff, n - diff).astype(float)
    ns = dict(unit_namespace())
    ns.update(values, d=d)
    tree = check_expression(kernel, what="coupling kernel (d, parameters, units)",
                            names=set(ns), functions=frozenset(KERNEL_FUNCTIONS),
                            allow_compare=True)
    with np.errstate(all="ignore"):
        w = evaluate(tree, ns, KERNEL_FUNCTIONS)
    return w * np.ones((n, n))


def _coupling(entry, eqs, state, inputs, parameters, source, model_id) -> Coupling:
    from brian2.equations.equations import PARAMETER

    from .quantities import get_dimensions
    from .safe_expr import ExpressionError

    target, src = entry["target"], entry["source"]
    topology = entry.get("topology", "ring")
    if topology not in TOPOLOGIES:
        raise ModelDefinitionError(f"found {clip_repr(topology)}, expected one of "
                                   f"{list(TOPOLOGIES)}", source=source, model=model_id,
                                   field="coupling.topology")
    if target not in eqs or eqs[target].type != PARAMETER or target in inputs:
        raise ModelDefinitionError(f"found {clip_repr(target)}, expected a parameter variable "
                                   f"of the equations that is not an input (a line such as "
                                   f"'{target} : amp')", source=source, model=model_id,
                                   field="coupling.target")
    if src not in state and src not in eqs.subexpr_names:
        raise ModelDefinitionError(f"found {clip_repr(src)}, expected a state variable or "
                                   f"subexpression ({sorted(set(state) | set(eqs.subexpr_names))})",
                                   source=source, model=model_id, field="coupling.source")
    values = {n: p.quantity for n, p in parameters.items()}
    try:
        w = kernel_weights(entry["kernel"], values, 4)
        finite = bool(np.all(np.isfinite(np.asarray(w, dtype=float))))
    except (ExpressionError, ValueError, TypeError) as exc:
        raise ModelDefinitionError(f"cannot evaluate the kernel: {exc}; expected an "
                                   f"expression of d and parameters", source=source,
                                   model=model_id, field="coupling.kernel") from None
    if not finite:
        raise ModelDefinitionError(f"kernel {clip_repr(entry['kernel'])} is not finite at "
                                   f"d = 0..2", source=source, model=model_id,
                                   field="coupling.kernel")
    want = get_dimensions(eqs[target].dim / eqs[src].dim)
    got = get_dimensions(w)
    if got is not want:
        raise UnitError(f"kernel has dimensions {got}, expected {want} (the "
                        f"unit of '{target}' over that of '{src}')", source=source,
                        model=model_id, field="coupling.kernel")
    return Coupling(target=target, source=src, kernel=entry["kernel"].strip(),
                    topology=topology)


def _check_scale_expression(text, parameters, state, source, model_id):
    """``threshold_scale`` as an expression of parameters (non-zero at the defaults) and
    state variables (an adaptive threshold; checked by the adapters)."""
    from .safe_expr import ExpressionError, check_expression, evaluate

    try:
        tree = check_expression(text, what="threshold scale", functions=frozenset(),
                                names=set(parameters) | set(state), allow_compare=False)
        if any(isinstance(n, ast.Name) and n.id not in parameters for n in ast.walk(tree)):
            return
        value = evaluate(tree, {n: p.quantity for n, p in parameters.items()})
        ok = bool(float(abs(value)) > 0) and math.isfinite(float(abs(value)))
    except (ExpressionError, ValueError, TypeError) as exc:
        raise ModelDefinitionError(f"{exc}; expected a positive number or an expression of "
                                   f"parameters such as 'V_th - V_reset'", source=source,
                                   model=model_id, field="threshold_scale") from None
    if not ok:
        raise ModelDefinitionError(f"found {clip_repr(text)} = {value}, expected a non-zero "
                                   f"scale", source=source, model=model_id,
                                   field="threshold_scale")


def _unit_of(dim):
    from brian2.units.fundamentalunits import get_unit

    return get_unit(dim)
