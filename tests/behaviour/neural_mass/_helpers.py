"""Shared by the neural-mass tests: the model file's right-hand sides evaluated with
numpy (the side compared against The Virtual Brain's ``dfun``), and an oscillation's
frequency."""

import brian2
import numpy as np

import neuroplug

_FUNCTIONS = {"exp": np.exp, "tanh": np.tanh, "sqrt": np.sqrt, "pi": np.pi,
              "exprel": lambda x: np.where(x == 0, 1.0,
                                           np.expm1(x) / np.where(x == 0, 1.0, x))}


def model_rhs(model_id, state, inputs, preset=None, values=None, **overrides):
    """Right-hand sides of the model file's differential equations, evaluated in numpy
    (SI floats) straight from its Brian2 equation strings, subexpressions first in
    Brian2's order.  ``values`` (parameter quantities) replace ``preset``/overrides."""
    m = neuroplug.model(model_id)
    if values is None:
        values = m.parameter_values(preset, **overrides)
    ns = dict(_FUNCTIONS)
    ns.update({k: np.asarray(v, dtype=float) for k, v in values.items()})
    ns.update(state)
    ns.update(inputs)
    eqs = brian2.Equations(m.equations)
    for eq in eqs.ordered:
        if eq.varname in eqs.subexpr_names:
            ns[eq.varname] = eval(eq.expr.code, ns)
    return {name: eval(eqs[name].expr.code, ns)
            for name in eqs.diff_eq_names}


def frequency(x, fs):
    """Mean frequency of upward crossings of the mid-level (min + max)/2 (Hz)."""
    mid = 0.5 * (x.min() + x.max())
    up = np.nonzero((x[:-1] < mid) & (x[1:] >= mid))[0]
    if len(up) < 2:
        return 0.0
    return fs / np.mean(np.diff(up))
