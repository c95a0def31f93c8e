"""Parsing of quantity strings such as ``"281 pF"`` or ``"0.1 mV/ms"``.

The unit language is Brian2's (``brian2.units``): the same names, the same prefixes
and the same SI base units, so a value in a model file means exactly what it would in
a Brian2 script.  Only the unit system is used here; no simulation object is built.
"""

from __future__ import annotations

from .errors import clip_repr

import math
import re
from functools import lru_cache

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from brian2.units.fundamentalunits import Quantity

__all__ = ["parse_quantity", "evaluate_unit", "unit_namespace", "format_quantity", "base_unit_name",  # noqa: F822
           "DIMENSIONLESS", "Quantity", "get_dimensions"]

#: Longest quantity string, in characters.
MAX_QUANTITY_CHARS = 200
_NUMBER = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(.*?)\s*$")
#: Brian2 names this module re-exports; Brian2 is imported on first use, not with neuroplug.
_LAZY = {"DIMENSIONLESS": "DIMENSIONLESS", "Quantity": "Quantity", "Unit": "Unit",
         "get_dimensions": "get_dimensions", "get_unit": "get_unit"}


def __getattr__(name):
    if name in _LAZY:
        from brian2.units import fundamentalunits

        return getattr(fundamentalunits, _LAZY[name])
    raise AttributeError(f"module 'neuroplug.quantities' has no attribute '{name}'")


@lru_cache(maxsize=1)
def unit_namespace() -> dict:
    """All Brian2 unit names (``mV``, ``nS``, ``Mohm``, ``cm2``...) mapped to units."""
    from brian2.units import allunits as _allunits
    from brian2.units.fundamentalunits import Unit

    ns = {u.dispname: u for u in _allunits.all_units}
    ns.update({name: getattr(_allunits, name) for name in dir(_allunits)
               if isinstance(getattr(_allunits, name), Unit)})
    return ns


def parse_quantity(text) -> Quantity:
    """Parse ``"<number> [unit expression]"`` into a Brian2 quantity.

    Parameters
    ----------
    text : str or float
        E.g. ``"281 pF"``, ``"-70.6 mV"``, ``"0.02"``, ``"1 mS/cm**2"``, ``"4.5"``.
        A bare number is dimensionless.

    Returns
    -------
    brian2.Quantity

    Raises
    ------
    ValueError
        With a message saying what was found and what was expected; callers wrap it
        into a :class:`~neuroplug.errors.UnitError` naming file and field.
    """
    if isinstance(text, bool):
        raise ValueError(f"found boolean {clip_repr(text)}, expected a number with a unit such "
                         f"as '10 ms'")
    if isinstance(text, (int, float)):
        value = float(text)
        unit_text = ""
    elif isinstance(text, str):
        if len(text) > MAX_QUANTITY_CHARS:
            raise ValueError(f"found a {len(text)}-character value, expected a quantity of at "
                             f"most {MAX_QUANTITY_CHARS} characters such as '281 pF'")
        m = _NUMBER.match(text)
        if not m:
            low = text.strip().lower()
            if low.split(" ")[0] in ("nan", "inf", "+inf", "-inf", "infinity"):
                raise ValueError(f"found non-finite value {clip_repr(text)}, expected a finite "
                                 f"number")
            raise ValueError(f"found {clip_repr(text)}, expected '<number> <unit>' such as "
                             f"'281 pF'")
        value = float(m.group(1))
        unit_text = m.group(2)
    else:
        raise ValueError(f"found {type(text).__name__} {clip_repr(text)}, expected a string such "
                         f"as '10 ms'")
    if not math.isfinite(value):
        raise ValueError(f"found non-finite value {clip_repr(text)}, expected a finite number")
    from brian2.units.fundamentalunits import Quantity

    if unit_text in ("", "1"):
        return Quantity(value)
    unit = evaluate_unit(unit_text, text)
    with np.errstate(over="ignore", invalid="ignore"):
        q = value * unit
    if not np.all(np.isfinite(np.asarray(q))):
        raise ValueError(f"found {clip_repr(text)}, which overflows; expected a finite value")
    return q


def evaluate_unit(unit_text: str, text: str | None = None):
    """The Brian2 unit (a quantity) of a unit expression such as ``"mS/cm**2"``.

    The expression is parsed and checked against Brian2's unit names
    (:mod:`neuroplug.safe_expr`), never evaluated as Python code.

    Raises
    ------
    ValueError
        An unknown unit name or anything but units, numbers, ``*``, ``/`` and powers.
    """
    from .safe_expr import ExpressionError, check_unit_expression, evaluate

    text = unit_text if text is None else text
    ns = unit_namespace()
    try:
        return evaluate(check_unit_expression(unit_text, ns), ns)
    except ExpressionError as exc:
        detail = str(exc)
        if detail.startswith("unknown name"):
            raise ValueError(f"unknown unit '{detail.split(chr(39))[1]}' in {clip_repr(text)}; "
                             f"expected a Brian2 unit name such as mV, nS, pF, ms, Mohm, "
                             f"uA/cm**2") from None
        raise ValueError(f"cannot read the unit in {clip_repr(text)}: {detail}") from None


def base_unit_name(q) -> str:
    """SI base-unit name of a quantity's dimensions, as used after ``:`` in Brian2."""
    from brian2.units.fundamentalunits import DIMENSIONLESS, get_dimensions, get_unit

    dim = get_dimensions(q)
    if dim is DIMENSIONLESS:
        return "1"
    return repr(get_unit(dim))


def format_quantity(q, precision: int = 6) -> str:
    """Human-readable string of a Brian2 quantity (best unit)."""
    from brian2.units.fundamentalunits import DIMENSIONLESS, Quantity

    if isinstance(q, Quantity) and q.dim is not DIMENSIONLESS:
        return q.in_best_unit(precision)
    return f"{float(np.asarray(q)):.{precision}g}"
