"""Checks of run arguments before anything is simulated.

The command line and the Python entry points (cross-check, adapters) share these
checks, so a stimulus in the wrong unit, a time step that would take a year, or a
method the model file does not list is refused with one clear line instead of giving
a wrong result or exhausting memory.  No simulator is imported here.
"""

from __future__ import annotations

import math
import warnings

from .errors import InputError

__all__ = ["seconds", "check_steps", "check_method", "stimulus_amplitudes", "check_size",
           "MAX_STEPS", "MAX_MEMORY_BYTES", "UnlistedMethodWarning"]

#: Most time steps one run may take.
MAX_STEPS = 20_000_000
#: Largest estimated memory of a run's recorded traces and stimulus (both simulators).
MAX_MEMORY_BYTES = 2 * 1024 ** 3


class UnlistedMethodWarning(UserWarning):
    """A method the model file does not list was used on request."""


def _where(m):
    return {"source": getattr(m, "source", None), "model": getattr(m, "id", None)}


def seconds(value, what: str, m=None, *, default=None) -> float:
    """A positive, finite time in seconds from a string, Brian2/saiunit quantity or float.

    Parameters
    ----------
    value : str, quantity or float
        ``"0.1 ms"``, ``0.1*ms`` (Brian2 or saiunit) or seconds as a float.
    what : str
        The argument's name, for messages (``"dt"``, ``"duration"``).
    m : Model, optional
        The model, for messages.
    default : optional
        Used when ``value`` is ``None``.

    Raises
    ------
    InputError
        Not a time, not finite, or not positive.
    """
    from .quantities import get_dimensions, parse_quantity

    if value is None:
        value = default
    text = value
    if isinstance(value, str):
        try:
            value = parse_quantity(value)
        except ValueError as exc:
            raise InputError(str(exc), field=what, **_where(m)) from None
        if get_dimensions(value) is not get_dimensions(parse_quantity("1 s")):
            raise InputError(f"found {text!r}, expected a time such as '0.1 ms'", field=what,
                             **_where(m))
    elif hasattr(value, "to_decimal") and hasattr(value, "mantissa"):  # saiunit
        import saiunit as su

        try:
            value = float(value.to_decimal(su.second))
        except Exception:
            raise InputError(f"found {value!r}, expected a time", field=what,
                             **_where(m)) from None
    elif hasattr(value, "dim"):
        if get_dimensions(value) is not get_dimensions(parse_quantity("1 s")):
            raise InputError(f"found {value!r}, expected a time", field=what, **_where(m))
    if isinstance(value, (complex, bool)) or value is None:
        raise InputError(f"found {value!r}, expected a time", field=what, **_where(m))
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise InputError(f"found {text!r}, expected a time", field=what, **_where(m)) from None
    if not math.isfinite(value) or value <= 0:
        raise InputError(f"found {text!r}, expected a positive time (finite)", field=what,
                         **_where(m))
    return value


def check_steps(m, dt: float, duration: float, neurons: int, *, recorded: int | None = None,
                what: str = "run") -> int:
    """The number of steps of a run, refused when zero or too large for memory.

    The estimate counts float64 traces of every recorded state variable plus the
    stimulus, in both simulators.
    """
    steps = duration / dt
    if steps < 0.5:
        raise InputError(f"duration {duration:g} s with dt {dt:g} s gives zero time steps; "
                         f"expected a duration of at least one dt", field="duration",
                         **_where(m))
    if not math.isfinite(steps) or steps > MAX_STEPS:
        raise InputError(f"{steps:.3g} time steps (duration {duration:g} s / dt {dt:g} s); "
                         f"expected at most {MAX_STEPS:.0e}: use a larger dt or a shorter "
                         f"duration", field="dt", **_where(m))
    steps = int(round(steps))
    nvars = (len(m.state) if recorded is None else recorded) + 1
    need = 2 * 8 * steps * max(1, neurons) * nvars
    if need > MAX_MEMORY_BYTES:
        raise InputError(f"the {what} would need about {need / 1024 ** 3:.1f} GiB for {steps} "
                         f"steps x {neurons} neurons x {nvars} recorded values; expected at "
                         f"most {MAX_MEMORY_BYTES / 1024 ** 3:.0f} GiB: use a larger dt or a "
                         f"shorter duration", field="dt", **_where(m))
    return steps


def check_method(m, method: str | None, *, allow_unlisted: bool = False) -> str:
    """The integration method to use: the model's default, or one its file lists.

    A method the file does not list (e.g. one it says overflows) is refused unless
    ``allow_unlisted`` is true, in which case an :class:`UnlistedMethodWarning` is
    issued.  A name that is not a Brian2 method is always refused.
    """
    from .library import METHODS

    if method is None:
        return m.method
    if not isinstance(method, str) or method not in METHODS:
        raise InputError(f"found method {method!r}, expected one of {list(METHODS)}",
                         field="method", **_where(m))
    if method not in m.methods:
        if not allow_unlisted:
            raise InputError(f"method '{method}' is not listed for this model; expected one of "
                             f"{list(m.methods)} (the model file says why; allow it explicitly "
                             f"with --allow-unlisted-method / allow_unlisted_method=True)",
                             field="method", **_where(m))
        warnings.warn(f"model '{m.id}': method '{method}' is not listed in {m.source} "
                      f"(listed: {', '.join(m.methods)}); its results are not checked",
                      UnlistedMethodWarning, stacklevel=3)
    return method


def stimulus_amplitudes(m, texts, what: str = "stimulus") -> list:
    """Parse stimulus amplitudes and check them against the model's input unit.

    A bare number is accepted only for a dimensionless input ("500" is not 500 pA).
    """
    from .quantities import DIMENSIONLESS, get_dimensions, parse_quantity

    inp = m.primary_input
    unit = m.inputs[inp].unit
    want = DIMENSIONLESS if unit == "1" else _dim(unit)
    out = []
    for text in texts:
        try:
            q = parse_quantity(text)
        except ValueError as exc:
            raise InputError(str(exc), field=what, **_where(m)) from None
        if get_dimensions(q) is not want:
            example = "a number" if unit == "1" else f"a value in {unit} such as " \
                f"'{m.crosscheck.stimulus[0]}'"
            raise InputError(f"found {text!r}, expected {example} (the unit of input "
                             f"'{inp}')", field=what, **_where(m))
        out.append(q)
    if not out:
        raise InputError("found no amplitude, expected at least one", field=what, **_where(m))
    return out


def _dim(unit_text):
    from .codegen import dim_of_unit

    return dim_of_unit(unit_text)


def check_size(n, what: str = "N", m=None) -> int:
    """A population size: a positive integer (``True``, ``10.7``, ``nan`` are refused)."""
    import numbers

    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        if isinstance(n, float) and n.is_integer() and n > 0:
            return int(n)
        raise InputError(f"found {n!r}, expected a positive integer", field=what, **_where(m))
    if n <= 0:
        raise InputError(f"found {n}, expected a positive integer", field=what, **_where(m))
    return int(n)
