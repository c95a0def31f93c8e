"""The hardware map's step evaluated in Brian2's own float64 arithmetic (step (i) of the ladder).

The folded IR (:class:`~neuroplug.hw.ir.FloatMap`) computes the same function as the code
Brian2 generates, but in working units (mV, pA, ...) and with constants folded in another
order, so every step differs from Brian2 in the last bits.  For a stable linear map those
differences contract; for nonlinear maps near a bifurcation or a threshold crossing they
grow until a spike moves by a step (izhikevich ``FS`` and ``TC``, adex bursting presets).
Identical spike steps therefore need identical arithmetic, which :class:`SIMap` provides:

- the *update* of the state variables executes the statements Brian2 generates for the
  model and method (:func:`neuroplug.codegen.numpy_code`): SI values, the same
  loop-invariant constants (``_lio_*``, computed once) in the same expression order;
- everything else is the map's own: ``dt``, the initial values, the input held per step,
  the variables held while refractory, the threshold test (variable, ``>``/``>=``, value),
  the reset statements (``=`` / ``+=``) and the refractory counter in steps
  (:attr:`MapIR.refractory_hold`) replace Brian2's ``lastspike``/``timestep`` logic.

The folded update itself is checked against Brian2's update separately, one step at a
time from the states Brian2 visits (:func:`one_step_deviation`).
"""

from __future__ import annotations

import re

import numpy as np

from .ir import FloatMap, MapIR, NotExportable

__all__ = ["SIMap", "one_step_deviation"]

_NOT_REFRACTORY = re.compile(r"^not_refractory\s*=")
_LIO = re.compile(r"^(_lio_\d+)\s*=\s*(.+)$")


def _timestep(t, dt):
    """Brian2's ``timestep()`` (brian2.core.functions)."""
    return np.array((t + 1e-3 * dt) / dt, dtype=np.int64)


def _exprel(x):
    """Brian2's numpy ``exprel``."""
    x = np.asarray(x, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return np.where(np.abs(x) < 1e-16, 1.0, np.expm1(x) / x)


_FUNCTIONS = {name: getattr(np, name) for name in (
    "exp", "log", "log10", "sqrt", "sin", "cos", "tan", "sinh", "cosh", "tanh", "arcsin",
    "arccos", "arctan", "abs", "sign", "clip", "floor", "ceil", "pi", "e", "inf")}
_FUNCTIONS.update({"exprel": _exprel, "timestep": _timestep, "_numpy": np})


class SIMap(FloatMap):
    """The map of a :class:`MapIR` with its update in Brian2's arithmetic (SI, float64).

    Parameters
    ----------
    ir : MapIR
    n : int
        Neurons stepped at once (vectorised).

    Notes
    -----
    States, inputs and the values returned by :meth:`step` and :meth:`run` are in SI
    (volt, amp, ...); :meth:`run` takes the stimulus in SI as well, i.e. exactly the
    array handed to Brian2.
    """

    def __init__(self, ir: MapIR, n: int = 1):
        if ir.threshold_si is None or len(ir.init_si) != len(ir.states):
            raise NotExportable("the map carries no SI values (built by an older build_map)",
                                model=ir.model_id)
        super().__init__(ir, np.float64, False, n)

    def reset_state(self):
        self.x = {k: np.full(self.n, self.ir.init_si[k], dtype=np.float64)
                  for k in self.ir.states}
        self.count = np.zeros(self.n, dtype=np.int64)

    def _compile(self):
        from ..codegen import numpy_code
        from ..library import model

        ir = self.ir
        code = numpy_code(model(ir.source if ir.source.endswith(".toml") else ir.model_id),
                          ir.method)
        ns = dict(_FUNCTIONS, **code.constants, **ir.parameters, dt=ir.dt)
        step_lines = []
        for line in code.stateupdate.splitlines():
            if _NOT_REFRACTORY.match(line):
                continue          # the map's refractory counter decides (see step)
            lio = _LIO.match(line)
            if lio:
                if re.search(r"\b(t|lastspike|not_refractory)\b", lio.group(2)):
                    raise NotExportable(f"loop-invariant {line!r} depends on time",
                                        model=ir.model_id)
                ns[lio.group(1)] = eval(lio.group(2), ns)  # noqa: S307 - Brian2's own code
            else:
                step_lines.append(line)
        self.source = "\n".join(step_lines)
        self._update = compile(self.source or "pass", f"<simap {ir.model_id}:{ir.method}>",
                               "exec")
        self._ns = ns
        var, op, _ = ir.threshold
        self._cmp = {">": np.greater, ">=": np.greater_equal, "<": np.less,
                     "<=": np.less_equal}[op]
        self._fn = True

    def step(self, inputs: dict):
        """One time step (inputs in SI); returns ``(spike, state_before_reset)``."""
        if not hasattr(self, "_fn"):
            self._compile()
        ir = self.ir
        refr = self.count != 0
        ns = dict(self._ns)
        ns.update({k: v.copy() for k, v in self.x.items()})
        ns.update({k: np.asarray(inputs[k], dtype=np.float64) for k in ir.inputs})
        ns["not_refractory"] = ~refr
        with np.errstate(over="ignore", invalid="ignore"):
            exec(self._update, ns)  # noqa: S102 - Brian2's generated statements
        new = {}
        for k, s in ir.states.items():
            x = np.asarray(ns[k], dtype=np.float64)
            if s.hold_when_refractory and ir.refractory_hold:
                x = np.where(refr, self.x[k], x)
            new[k] = np.broadcast_to(x, (self.n,)).copy()
        var, _, _ = ir.threshold
        spike = self._cmp(new[var], ir.threshold_si) & ~refr
        pre = {k: v.copy() for k, v in new.items()}
        for x, rop, val in ir.resets_si:
            if rop == "=":
                new[x] = np.where(spike, val, new[x])
            elif rop == "+=":
                new[x] = np.where(spike, new[x] + val, new[x])
            else:                                   # "-="
                new[x] = np.where(spike, new[x] - val, new[x])
        self.count = np.where(spike, ir.refractory_hold, np.where(refr, self.count - 1,
                                                                   self.count))
        self.x = new
        return spike, pre

    def record(self, input_name: str, stim):
        """Run a (steps x n) SI stimulus of one input, recording every step.

        Returns ``(spikes, after, before, count)``: spike steps per neuron, the states
        after each step ``(n, steps)`` (Brian2's ``StateMonitor`` layout), and the states
        and refractory counters at the start of each step ``(steps, n)``.
        """
        steps, n = stim.shape
        after = {k: np.empty((n, steps)) for k in self.ir.states}
        before = {k: np.empty((steps, n)) for k in self.ir.states}
        count = np.empty((steps, n), dtype=np.int64)
        spk = np.zeros((steps, n), dtype=bool)
        for i in range(steps):
            for k in self.ir.states:
                before[k][i] = self.x[k]
            count[i] = self.count
            spk[i], _ = self.step({input_name: stim[i]})
            for k in self.ir.states:
                after[k][:, i] = self.x[k]
        return [np.flatnonzero(spk[:, j]) for j in range(n)], after, before, count


def one_step_deviation(ir: MapIR, states_si: dict, count, inputs_si) -> dict:
    """Largest difference between one folded step and one Brian2-arithmetic step.

    Both maps start from the same states (``states_si``: arrays in SI, e.g. every state
    a :class:`SIMap` run visited, with its refractory ``count``) and the same inputs
    (SI); the folded map's result is converted to SI.

    Returns
    -------
    dict
        Per state variable: ``max_abs`` (SI), ``range`` (largest |value| reached, SI) and
        ``rel`` = max_abs / range.
    """
    n = len(np.asarray(count))
    si = SIMap(ir, n=n)
    si.x = {k: np.asarray(states_si[k], dtype=np.float64).copy() for k in ir.states}
    si.count = np.asarray(count, dtype=np.int64).copy()
    _, pre_si = si.step(inputs_si)
    fm = ir.float_map(n=n)
    fm.x = {k: np.asarray(states_si[k], dtype=np.float64) / s.scale
            for k, s in ir.states.items()}
    fm.count = np.asarray(count, dtype=np.int64).copy()
    _, pre_f = fm.step({k: np.asarray(inputs_si[k], dtype=np.float64) / spec.scale
                        for k, spec in ir.inputs.items()})
    out = {}
    for k, s in ir.states.items():
        a, b = pre_si[k], pre_f[k] * s.scale
        ok = np.isfinite(a) & np.isfinite(b)
        rng = float(np.max(np.abs(np.concatenate([a[ok], states_si[k][ok]])), initial=0.0))
        dev = float(np.max(np.abs(a[ok] - b[ok]), initial=0.0))
        out[k] = {"max_abs": dev, "range": rng, "rel": dev / rng if rng else 0.0}
    return out
