"""Shared helpers for the tests (library enumeration, stimulus amplitudes)."""

import neuroplug
from neuroplug.quantities import parse_quantity

MODEL_IDS = neuroplug.models()


def strongest_drive(model_id):
    """The largest cross-check amplitude of a model (a Brian2 quantity)."""
    m = neuroplug.model(model_id)
    amps = [parse_quantity(s) for s in m.crosscheck.stimulus]
    return max(amps, key=float)
