"""Signed fixed-point formats, rounding and overflow, on plain Python integers.

A value ``x`` in format Q(I.F) is stored as the integer ``round(x * 2**F)`` in
``W = I + F`` bits two's complement (``I`` counts the sign bit).  Every helper here
is the reference for the Verilog the writer emits: the same integer in, the same
integer out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["QFormat", "ROUNDINGS", "OVERFLOWS", "round_shift", "shift_to", "fit",
           "encode", "FixedPointError"]

#: rounding modes of a right shift
ROUNDINGS = ("floor", "half_up", "toward_zero")
#: what happens when a result leaves its format
OVERFLOWS = ("saturate", "wrap")


class FixedPointError(ValueError):
    """A value does not fit its format, or a coefficient underflows to 0."""


@dataclass(frozen=True)
class QFormat:
    """Signed Q(I.F): ``int_bits`` (including the sign) and ``frac_bits``."""

    int_bits: int
    frac_bits: int

    def __post_init__(self):
        if self.width < 2 or self.frac_bits < 0 or self.width > 128:
            raise FixedPointError(f"invalid format Q{self.int_bits}.{self.frac_bits}: expected "
                                  "2 <= int_bits + frac_bits <= 128 and frac_bits >= 0 "
                                  "(int_bits counts the sign and may be negative for small "
                                  "constants)")

    @property
    def width(self) -> int:
        return self.int_bits + self.frac_bits

    @property
    def min_int(self) -> int:
        return -(1 << (self.width - 1))

    @property
    def max_int(self) -> int:
        return (1 << (self.width - 1)) - 1

    @property
    def lsb(self) -> float:
        return 2.0 ** -self.frac_bits

    @property
    def max_value(self) -> float:
        return self.max_int * self.lsb

    @property
    def min_value(self) -> float:
        return self.min_int * self.lsb

    def __str__(self) -> str:
        return f"Q{self.int_bits}.{self.frac_bits}"

    @classmethod
    def parse(cls, text: str) -> "QFormat":
        """Parse ``"Q8.16"`` (or ``"8.16"``)."""
        t = text.strip().upper().lstrip("Q")
        try:
            i, f = (int(p) for p in t.split("."))
        except ValueError:
            raise FixedPointError(f"cannot parse format {text!r}; expected 'Q<int>.<frac>', "
                                  "e.g. 'Q8.16'") from None
        return cls(i, f)

    def to_dict(self) -> dict:
        return {"q": str(self), "int_bits": self.int_bits, "frac_bits": self.frac_bits,
                "width": self.width}


def round_shift(x: int, shift: int, rounding: str) -> int:
    """``x / 2**shift`` rounded as the hardware does (``shift <= 0`` is an exact left shift).

    ``floor`` is an arithmetic right shift; ``half_up`` adds half an LSB first (ties
    towards +inf); ``toward_zero`` truncates the magnitude.
    """
    if shift <= 0:
        return x << -shift
    if rounding == "floor":
        return x >> shift
    if rounding == "half_up":
        return (x + (1 << (shift - 1))) >> shift
    if rounding == "toward_zero":
        return (x + ((1 << shift) - 1)) >> shift if x < 0 else x >> shift
    raise FixedPointError(f"unknown rounding {rounding!r}; expected one of {ROUNDINGS}")


def shift_to(x: int, frac_from: int, frac_to: int, rounding: str) -> int:
    """Re-express an integer with ``frac_from`` fractional bits at ``frac_to``."""
    return round_shift(x, frac_from - frac_to, rounding)


def fit(x: int, fmt: QFormat, overflow: str) -> tuple[int, bool]:
    """Bring ``x`` into ``fmt``; returns ``(value, overflowed)``."""
    if fmt.min_int <= x <= fmt.max_int:
        return x, False
    if overflow == "saturate":
        return (fmt.max_int if x > fmt.max_int else fmt.min_int), True
    if overflow == "wrap":
        w = fmt.width
        x &= (1 << w) - 1
        return (x - (1 << w) if x >> (w - 1) else x), True
    raise FixedPointError(f"unknown overflow policy {overflow!r}; expected one of {OVERFLOWS}")


def encode(value: float, fmt: QFormat, what: str) -> int:
    """Encode a constant (round to nearest); refuse if it does not fit or underflows to 0."""
    if not math.isfinite(value):
        raise FixedPointError(f"{what} = {value!r} is not finite")
    k = round(value * 2 ** fmt.frac_bits)
    if not fmt.min_int <= k <= fmt.max_int:
        raise FixedPointError(f"{what} = {value:.6g} does not fit {fmt} (range "
                              f"[{fmt.min_value:.6g}, {fmt.max_value:.6g}])")
    if k == 0 and value != 0:
        raise FixedPointError(f"{what} = {value:.6g} underflows to 0 in {fmt} (LSB {fmt.lsb:.3g})")
    return k


def coefficient_format(value: float, width: int, max_frac: int = 60) -> QFormat:
    """The format of a ``width``-bit constant that keeps the most significant bits of ``value``.

    Raises :class:`FixedPointError` if the coefficient underflows to 0 even with
    ``max_frac`` fractional bits or needs more than ``width`` integer bits.
    """
    if value == 0:
        return QFormat(width, 0) if width <= 2 else QFormat(2, width - 2)
    int_bits = math.floor(math.log2(abs(value))) + 2  # sign + magnitude (< 1 for small values)
    frac = width - int_bits
    if frac > max_frac:
        frac = max_frac
    if frac < 0:
        raise FixedPointError(f"constant {value:.6g} needs {int_bits} integer bits, more than the "
                              f"{width}-bit coefficient width")
    fmt = QFormat(width - frac, frac)
    k = round(value * 2 ** frac)
    if k > fmt.max_int or k < fmt.min_int:  # rounding up to the next power of two
        fmt = QFormat(fmt.int_bits + 1, frac - 1)
    return fmt
