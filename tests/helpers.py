"""Shared helpers for the tests (library enumeration, stimulus amplitudes)."""

import neuroplug
from neuroplug.quantities import parse_quantity

MODEL_IDS = neuroplug.models()


def strongest_drive(model_id):
    """The largest cross-check amplitude of a model (a Brian2 quantity)."""
    m = neuroplug.model(model_id)
    amps = [parse_quantity(s) for s in m.crosscheck.stimulus]
    return max(amps, key=float)


def capped_duration(model_id, max_steps):
    """The model's cross-check duration, capped at ``max_steps`` of its ``dt`` (a string).

    Keeps the per-model tests cheap for models with a small ``dt`` (conductance-based
    cells) without a per-model table in the tests.
    """
    m = neuroplug.model(model_id)
    duration = float(parse_quantity(m.crosscheck.duration))
    dt = float(parse_quantity(m.crosscheck.dt))
    return f"{min(duration, max_steps * dt) * 1e3!r} ms"
