"""Parsing of quantity strings such as ``"281 pF"`` or ``"0.1 mV/ms"``.

The unit language is Brian2's (``brian2.units``): the same names, the same prefixes
and the same SI base units, so a value in a model file means exactly what it would in
a Brian2 script.  Only the unit system is used here; no simulation object is built.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from brian2.units.fundamentalunits import Quantity

__all__ = ["parse_quantity", "unit_namespace", "format_quantity", "base_unit_name",  # noqa: F822
           "DIMENSIONLESS", "Quantity", "get_dimensions"]

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
        raise ValueError(f"found boolean {text!r}, expected a number with a unit such as '10 ms'")
    if isinstance(text, (int, float)):
        value = float(text)
        unit_text = ""
    elif isinstance(text, str):
        m = _NUMBER.match(text)
        if not m:
            low = text.strip().lower()
            if low.split(" ")[0] in ("nan", "inf", "+inf", "-inf", "infinity"):
                raise ValueError(f"found non-finite value {text!r}, expected a finite number")
            raise ValueError(f"found {text!r}, expected '<number> <unit>' such as '281 pF'")
        value = float(m.group(1))
        unit_text = m.group(2)
    else:
        raise ValueError(f"found {type(text).__name__} {text!r}, expected a string such as '10 ms'")
    if not math.isfinite(value):
        raise ValueError(f"found non-finite value {text!r}, expected a finite number")
    from brian2.units.fundamentalunits import Quantity

    if unit_text in ("", "1"):
        return Quantity(value)
    try:
        unit = eval(unit_text, {"__builtins__": {}}, unit_namespace())  # noqa: S307 - names are units only
    except NameError as exc:
        name = str(exc).split("'")[1] if "'" in str(exc) else unit_text
        raise ValueError(f"unknown unit '{name}' in {text!r}; expected a Brian2 unit name "
                         f"such as mV, nS, pF, ms, Mohm, uA/cm**2") from None
    except Exception:
        raise ValueError(f"cannot read the unit {unit_text!r} in {text!r}; expected a Brian2 "
                         f"unit expression such as 'mV', 'mS/cm**2'") from None
    if not isinstance(unit, (Quantity, int, float)):
        raise ValueError(f"{unit_text!r} in {text!r} is not a unit")
    return value * unit


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
