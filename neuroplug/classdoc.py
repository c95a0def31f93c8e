"""Docstrings and call signatures of the adapters' generated model classes.

Both adapters give every model a class whose ``help()`` lists the model's parameters
(value, unit, constraint, meaning) and presets in numpydoc form, and whose
``inspect.signature`` names every parameter as a keyword argument, so IDEs and
notebooks complete them.  Built from the :class:`~neuroplug.model.Model` alone: no
simulator is imported here.
"""

from __future__ import annotations

import inspect
import textwrap

from .model import Model

__all__ = ["class_docstring", "class_signature"]


def _wrap(text: str, indent: str = "    ") -> str:
    return textwrap.fill(" ".join(text.split()), 88, initial_indent=indent,
                         subsequent_indent=indent)


def class_docstring(m: Model, what: str, adapter_parameters: str) -> str:
    """Numpydoc docstring of a model class.

    Parameters
    ----------
    m : Model
    what : str
        What the class is, e.g. ``":class:`brian2.NeuronGroup`"``.
    adapter_parameters : str
        The numpydoc entries of the adapter's own arguments (already indented).
    """
    lines = [f"{m.title} as a {what} (model ``{m.id}``).", "",
             textwrap.fill(" ".join(m.description.split()), 88), "",
             "Parameters", "----------", adapter_parameters.rstrip("\n")]
    for name, p in m.parameters.items():
        constraint = "" if p.constraint == "any" else f", {p.constraint}"
        lines.append(f"{name} : quantity, default {p.value!r}{constraint}")
        lines.append(_wrap(p.description))
    lines += ["", "Presets", "-------"]
    if not m.presets:
        lines.append("None.")
    for name, preset in m.presets.items():
        values = ", ".join(f"{k} = {v}" for k, v in preset.parameters.items())
        ref = f" [{preset.reference}]" if preset.reference else ""
        lines.append(f"{name!r}")
        lines.append(_wrap(f"{preset.description}{ref}" + (f" ({values})" if values else "")))
    lines += ["", "State variables", "---------------"]
    for name, s in m.state.items():
        lines.append(f"{name} : {s.unit}")
        lines.append(_wrap(f"{s.description} (initial value {s.init})"))
    lines += ["", "References", "----------"]
    for r in m.references:
        lines.append(_wrap(f"[{r.key}] {r.citation}" + (f" doi:{r.doi}" if r.doi else ""), ""))
    return "\n".join(lines) + "\n"


def class_signature(m: Model, adapter_init) -> inspect.Signature:
    """``adapter_init``'s signature with ``**overrides`` replaced by the model's parameters.

    Each parameter is keyword-only, its default the value written in the model file
    (passing that string gives the default, as any quantity string does).
    """
    sig = inspect.signature(adapter_init)
    params = [p for p in list(sig.parameters.values())[1:] if p.kind is not p.VAR_KEYWORD]
    taken = {p.name for p in params}
    params += [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=p.value)
               for name, p in m.parameters.items() if name not in taken]
    return sig.replace(parameters=params, return_annotation=inspect.Signature.empty)
