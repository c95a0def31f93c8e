"""Errors and warnings of the hardware export.

Every module of :mod:`neuroplug.hw` that refuses something imports its exception from
here, so that no module needs another one's code for its errors (the package's imports
point one way: ``errors`` depends on :mod:`~neuroplug.hw.ir` only).
"""

from __future__ import annotations

from .ir import NotExportable

__all__ = ["ExportError", "ExportWarning", "PairMismatchError", "HwUsageError"]


class ExportError(NotExportable):
    """The export was refused: an option out of range, a format that cannot hold a
    constant or a range, a coefficient that underflows, an error bound too large.

    A one-line message naming the model, the option and what was expected
    (:class:`neuroplug.errors.ModelDefinitionError` conventions); the command line
    prints it and exits with status 2.  Nothing is written.
    """


class PairMismatchError(ExportError):
    """An exported ``.v``/``.json`` pair does not belong together: the Verilog's sha256 is
    not the one its sidecar records (one of them was replaced or edited)."""


class ExportWarning(UserWarning):
    """The export was written, but it behaves measurably unlike the model (for example,
    the ``q8_8`` profile moves the rheobase); the message says by how much."""


class HwUsageError(Exception):
    """A bad command-line argument of ``neuroplug export``/``verify-hw`` (exit status 2)."""
