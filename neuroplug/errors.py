"""Exceptions raised by neuroplug.

Every error about a model file names the file, the model, the field, what was found
and what was expected, so that a user can fix the file without reading a traceback.
"""

from __future__ import annotations


__all__ = [
    "NeuroplugError",
    "ModelDefinitionError",
    "ModelNotFoundError",
    "UnitError",
    "ParameterError",
    "BackendError",
    "UnknownClassError",
    "InputError",
    "DivergenceError",
    "CrosscheckRefused",
    "OutputPathError",
    "plain_traceback_for_neuroplug_errors",
]


class NeuroplugError(Exception):
    """Base class of every neuroplug error."""


class ModelDefinitionError(NeuroplugError, ValueError):
    """A model file (or a request made of a model) is invalid.

    Parameters
    ----------
    message : str
        What was found and what was expected.
    source : str, optional
        The model file (or ``"<registry>"``) the problem is in.
    model : str, optional
        The model id.
    field : str, optional
        The dotted field path, e.g. ``"parameters.C.value"``.
    """

    def __init__(self, message: str, *, source: str | None = None, model: str | None = None,
                 field: str | None = None):
        self.source = source
        self.model = model
        self.field = field
        self.detail = message
        where = []
        if source:
            where.append(str(source))
        if model:
            where.append(f"model '{model}'")
        if field:
            where.append(f"field '{field}'")
        prefix = ": ".join(one_line(w, 200) for w in where)
        message = one_line(message)
        self.detail = message
        super().__init__(f"{prefix}: {message}" if prefix else message)


#: Longest message (characters) an error prints.
MAX_MESSAGE_CHARS = 600


def clip_repr(value, limit: int = 60) -> str:
    """``repr`` of a value for a message, at most about ``limit`` characters."""
    text = repr(value)
    if len(text) <= limit + 2:
        return text
    shown = repr(value[:limit]) if isinstance(value, str) else text[:limit]
    return f"{shown}... ({len(value) if isinstance(value, str) else len(text)} characters)"


def one_line(message: str, limit: int | None = None) -> str:
    """A message on one line (line breaks become spaces), capped in length.

    Values are quoted with :func:`clip_repr` where messages are made, so a bad value
    shows at most ~80 characters.
    """
    message = " ".join(str(message).split()) if "\n" in str(message) or "\r" in str(message) \
        else str(message)

    limit = limit or MAX_MESSAGE_CHARS
    if len(message) > limit:
        message = message[:limit - 3] + "..."
    return message


class ModelNotFoundError(ModelDefinitionError, KeyError):
    """No model with the requested id exists in the library."""

    def __str__(self) -> str:  # KeyError would quote the message
        return Exception.__str__(self)


class UnitError(ModelDefinitionError):
    """A quantity has an unknown unit or dimensions that do not fit the equations."""


class ParameterError(ModelDefinitionError):
    """A parameter override or preset request is invalid (unknown name, bad value)."""


class BackendError(NeuroplugError, RuntimeError):
    """A simulator backend cannot do what was asked (missing package, bad target)."""


class UnknownClassError(NeuroplugError, AttributeError):
    """An adapter has no model class of that name (the message suggests close ones)."""


class InputError(ParameterError):
    """An argument of a run is invalid: stimulus, ``dt``, duration, method, ``N``, a value."""


class DivergenceError(NeuroplugError, FloatingPointError):
    """A simulation produced a non-finite state value (the run diverged).

    Parameters
    ----------
    model : str
        The model id.
    variable : str
        The first state variable found non-finite.
    neuron : int
        Index of the first neuron with a non-finite value.
    time : float
        Simulated time in seconds of the first non-finite value.
    backend : str, optional
        ``"brian2"`` or ``"brainpy"``.
    value : float, optional
        The value found (nan, inf or -inf).
    step : int, optional
        The time step index of the first non-finite value.
    """

    def __init__(self, model: str, variable: str, neuron: int, time: float, *,
                 backend: str | None = None, value: float | None = None,
                 step: int | None = None, hint: str = ""):
        self.model, self.variable, self.neuron, self.time = model, variable, neuron, time
        self.backend, self.value, self.step = backend, value, step
        on = f" on {backend}" if backend else ""
        what = f"{value}" if value is not None else "non-finite"
        at = [f"step {step}"] if step is not None else []
        if time is not None and time == time:  # not nan
            at.append(f"t = {time * 1e3:.6g} ms")
        super().__init__(f"model '{model}' diverged{on}: {variable} = {what} at neuron "
                         f"{neuron}{', ' if at else ''}{', '.join(at)} (first non-finite value)"
                         + (f"; {hint}" if hint else ""))


class CrosscheckRefused(NeuroplugError, ValueError):
    """A cross-check was refused because it would test nothing or its tier forbids it."""


class OutputPathError(NeuroplugError, ValueError):
    """An output path cannot be written safely (bad folder, extension, special file, link)."""


def plain_traceback_for_neuroplug_errors() -> None:
    """Keep Brian2's "Brian 2 encountered an unexpected error" banner off neuroplug's errors.

    Brian2 installs an exception hook that reports every uncaught exception as a
    possible Brian2 bug.  A neuroplug error (or a failed ``from neuroplug... import``)
    is the user's input, not a Brian2 bug: it is printed by Python's own hook; every
    other exception still goes to Brian2's.
    """
    import sys

    hook = sys.excepthook
    if getattr(hook, "_neuroplug", False) or hook is sys.__excepthook__:
        return

    def excepthook(exc_type, exc, tb):
        ours = isinstance(exc, NeuroplugError) or (
            isinstance(exc, ImportError) and (exc.name or "").startswith("neuroplug"))
        (sys.__excepthook__ if ours else hook)(exc_type, exc, tb)

    excepthook._neuroplug = True
    sys.excepthook = excepthook
