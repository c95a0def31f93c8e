"""Cross-checking a model between Brian2 and BrainPy.

The same model, preset, stimulus, ``dt`` and method run in both simulators; the
result says whether they agree within the model's declared tier:

``exact`` (float64)
    identical spike steps for every neuron, and every state variable within
    ``max|a - b| / range(a) <= 1e-9`` over the whole run.
``exact`` with ``dtype="float32"`` (the float32 tier)
    BrainPy in float32 against Brian2 in float64: spike counts within
    ``max(1, 2%)`` per neuron, first spikes within 2 steps, and the trace before the
    first spike within ``2e-3`` relative (defaults; a model may loosen them in its
    ``[crosscheck]`` block, with ``float32_reason``).
``distributional`` (noise)
    ``seeds`` independent runs of 200 neurons per stimulus amplitude: mean rates
    within 5% and a two-sample Kolmogorov-Smirnov test on the ISIs with p > 0.01.
``bitexact`` (integer models)
    Brian2's numpy, cython and cpp_standalone targets and BrainPy: every state variable
    and every spike identical on every step (the first mismatch is reported: variable,
    step, neuron, the value in each target), and every ``[crosscheck.corners]``
    condition true at least once in the run.

Bit-level agreement needs JAX's CPU backend to round like numpy: no fusion of
``a*b + c`` into FMA instructions and no algebraic rewriting (``a/6`` into
``a*(1/6)``), i.e. JAX started with
``XLA_FLAGS="--xla_cpu_max_isa=AVX --xla_disable_hlo_passes=algsimp"``.  Without
them float64 traces still agree to ~1e-12 for most models, but rounding differences
grow in fast upstrokes (Izhikevich bursting, Pinsky-Rinzel) beyond the 1e-9 bound.
``neuroplug crosscheck`` and the test suite set the flags before JAX starts
(:func:`exact_cpu_flags`), and :func:`run` simulates BrainPy in its own process.
Anywhere else (a plain Python session, where JAX may already run with other
settings) :func:`run` simulates BrainPy in a child process started with the flags,
so the verdict and the figures are the same whatever the state of the calling
process, whose own XLA settings are left alone; ``result.environment`` records
which (``brainpy_process``).
"""

from __future__ import annotations

import copyreg
import importlib
import io
import json
import math
import os
import pickle
import platform
import queue
import subprocess
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import numpy as np

from .errors import BackendError, CrosscheckRefused, DivergenceError, ParameterError
from .inputs import check_method, check_steps
from .library import model as _get_model
from .quantities import format_quantity, parse_quantity

__all__ = ["run", "CrosscheckResult", "jobs", "EXACT_REL_BOUND", "exact_cpu_flags",
           "exact_flags_active", "XLA_EXACT_FLAGS"]

EXACT_REL_BOUND = 1e-9
RATE_REL_BOUND = 0.05
KS_P_MIN = 0.01
NEURONS_PER_AMPLITUDE = 200
#: no FMA contraction (AVX has no FMA) and no algebraic rewriting of a/c into a*(1/c) or
#: of (a*c1)*c2 into a*(c1*c2): XLA then rounds like numpy, operation by operation
XLA_EXACT_FLAGS = ("--xla_cpu_max_isa=AVX", "--xla_disable_hlo_passes=algsimp")


def exact_cpu_flags() -> None:
    """Ask XLA to round like numpy (call before JAX starts its backend).

    Only the ``neuroplug`` command and the test suite call this; a library import
    never does.  :func:`run` does not need it: without the flags it simulates BrainPy
    in a child process that has them.  Calling it first saves starting that process.
    """
    flags = os.environ.get("XLA_FLAGS", "").split()
    names = {f.split("=")[0] for f in flags}
    flags += [f for f in XLA_EXACT_FLAGS if f.split("=")[0] not in names]
    os.environ["XLA_FLAGS"] = " ".join(flags)


def exact_flags_active() -> bool:
    """True if XLA was configured (via XLA_FLAGS) to round like numpy."""
    flags = os.environ.get("XLA_FLAGS", "").split()
    return all(f in flags for f in XLA_EXACT_FLAGS)


# ----------------------------------------------------------------------------------
@dataclass
class CrosscheckResult:
    """Outcome of one cross-check (see :func:`run`).

    Attributes
    ----------
    passed : bool
    metrics : dict
        Per state variable ``max_abs`` / ``max_rel`` differences, spike counts per
        neuron and simulator, ``spike_steps_identical``, ``coincidence_factor``,
        and for the distributional tier rates and KS statistics.
    failures : list of str
        One line per violated bound, e.g. ``[v] max|d|/range = 3e-8 > bound 1e-9``.
    """

    model: str
    preset: str | None
    method: str
    dt: float
    duration: float
    dtype: str
    tier: str
    reason: str
    amplitudes: list
    amplitude_labels: list
    input_name: str
    input_unit: str
    passed: bool = False
    metrics: dict = field(default_factory=dict)
    failures: list = field(default_factory=list)
    timing: dict = field(default_factory=dict)
    environment: dict = field(default_factory=dict)
    traces: dict = field(default_factory=dict, repr=False)
    spikes: dict = field(default_factory=dict, repr=False)
    state_units: dict = field(default_factory=dict, repr=False)

    @property
    def label(self) -> str:
        return f"{self.model}" + (f"[{self.preset}]" if self.preset else "")

    def to_dict(self) -> dict:
        """JSON-serialisable summary (no traces)."""
        keys = ("model", "preset", "method", "dt", "duration", "dtype", "tier", "reason",
                "amplitudes", "amplitude_labels", "input_name", "input_unit", "passed", "metrics", "failures",
                "timing", "environment")
        return {k: _jsonable(getattr(self, k)) for k in keys}

    def save_json(self, path) -> Path:
        """Write :meth:`to_dict` as JSON (atomically)."""
        return _atomic_write(path, json.dumps(self.to_dict(), indent=2) + "\n")

    def report(self) -> str:
        """Markdown report: verdict, bounds, per-variable differences, spikes."""
        lines = [f"# Cross-check: {self.label}", "",
                 f"**{'PASSED' if self.passed else 'FAILED'}** - tier `{self.tier}`"
                 f"{' (float32)' if self.dtype == 'float32' and self.tier == 'exact' else ''}, "
                 f"method `{self.method}`, dt = {self.dt * 1e3:g} ms, duration = "
                 f"{self.duration:g} s, BrainPy dtype {self.dtype}", "",
                 f"Tier reason: {self.reason}", ""]
        amps = ", ".join(self.amplitude_labels)
        random = self.metrics.get("protocol") == "random"
        lines += [f"Stimulus: {'random integers' if random else 'step'} of "
                  f"`{self.input_name}`, "
                  f"{'ranges +-' if random else 'amplitudes '}[{amps}] (one per neuron)"
                  + (f", each value held {self.metrics.get('hold')} steps, seed "
                     f"{self.metrics.get('seed')}" if random else "") + ".", ""]
        if self.failures:
            lines += ["## Failures", ""] + [f"- {f}" for f in self.failures] + [""]
        mv = self.metrics.get("variables", {})
        if mv:
            lines += ["## State variables", "", "| variable | max abs diff | max rel diff "
                      "| bound |", "|---|---|---|---|"]
            for name, d in mv.items():
                lines.append(f"| {name} | {d['max_abs']:.3e} {d['unit']} | {d['max_rel']:.3e} "
                             f"| {d['bound']:.0e} |")
            lines.append("")
        targets = self.metrics.get("targets")
        if targets:
            lines += ["## Targets (against Brian2 numpy)", "",
                      "| target | every state and spike identical | seconds |",
                      "|---|---|---|"]
            lines += [f"| {t} | {d['identical']} | {_fmt(d['seconds'])} |"
                      for t, d in targets.items()]
            first = self.metrics.get("first_mismatch")
            if first:
                lines += ["", f"First mismatch: `{first['variable']}` at step {first['step']}, "
                              f"neuron {first['neuron']}: " + ", ".join(
                                  f"{t} {v}" for t, v in first["values"].items())]
            lines.append("")
        corners = self.metrics.get("corners")
        if corners:
            lines += ["## Corners", "", "| corner | condition | reached | steps x neurons "
                      "| first (step, neuron) |", "|---|---|---|---|---|"]
            for name, c in corners.items():
                f = c["first"]
                lines.append(f"| {name} | `{c['condition']}` | {c['reached']} | {c['count']} "
                             f"| {'-' if f is None else (f['step'], f['neuron'])} |")
            lines.append("")
        sp = self.metrics.get("spikes")
        if sp:
            lines += ["## Spikes", "", "| neuron | amplitude | Brian2 | BrainPy | steps identical |"
                      " coincidence factor |", "|---|---|---|---|---|---|"]
            for i, amp in enumerate(self.amplitude_labels):
                lines.append(f"| {i} | {amp} | {sp['brian2'][i]} | {sp['brainpy'][i]} | "
                             f"{sp['identical'][i]} | {_fmt(sp['coincidence'][i])} |")
            lines.append("")
        dist = self.metrics.get("distribution")
        if dist:
            lines += ["## Distributions", "", "| amplitude | rate Brian2 (Hz) | rate BrainPy (Hz)"
                      " | rel diff | KS D | KS p |", "|---|---|---|---|---|---|"]
            for row, label in zip(dist, self.amplitude_labels):
                lines.append(f"| {label} | {row['rate_brian2']:.3f} | "
                             f"{row['rate_brainpy']:.3f} | {row['rate_rel_diff']:.4f} | "
                             f"{_fmt(row['ks_statistic'])} | {_fmt(row['ks_pvalue'])} |")
            lines.append("")
        t = self.timing
        if t:
            child = t.get("brainpy_child_overhead_s")
            more = "".join(f", Brian2 {k} {t[k + '_s']:.2f} s" for k in ("cython", "cpp_standalone")
                           if k + "_s" in t)
            lines += [f"Timing: Brian2 {t.get('brian2_s', 0):.2f} s{more}, BrainPy "
                      f"{t.get('brainpy_s', 0):.2f} s"
                      + (f" (in a child process with the exact XLA flags, {child:.2f} s more "
                         "to start it and move the data)" if child is not None else "")
                      + ".", ""]
        env = self.environment
        if env:
            lines += ["Environment: " + ", ".join(f"{k} {v}" for k, v in env.items()), ""]
        return "\n".join(lines)

    def save_report(self, path) -> Path:
        return _atomic_write(path, self.report())

    def plot(self, path, max_variables: int = 3):
        """Overlay both simulators' traces and rasters and show their difference.

        Parameters
        ----------
        path : path-like
            Output image (PNG, PDF or SVG by suffix).
        """
        from . import plotting

        return plotting.plot_crosscheck(self, path, max_variables=max_variables)


def _fmt(x):
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.4g}"


def _jsonable(x):
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (np.floating, float)):
        x = float(x)
        return x if math.isfinite(x) else None
    if isinstance(x, np.bool_):
        return bool(x)
    if isinstance(x, np.ndarray):
        return _jsonable(x.tolist())
    return x


def _atomic_write(path, text: str) -> Path:
    from .files import atomic_write

    return atomic_write(path, text)


# ----------------------------------------------------------------------------------
def jobs(model_ids=None) -> list[tuple[str, str | None]]:
    """The (model, preset) pairs ``crosscheck --all`` runs: defaults plus listed presets."""
    from .library import models

    out = []
    for mid in model_ids or models():
        m = _get_model(mid)
        out.append((mid, None))
        out.extend((mid, p) for p in m.crosscheck.presets)
    return out


def _amplitudes(m, preset):
    amps = [parse_quantity(t) for t in m.crosscheck.stimulus]
    if preset is not None and m.presets[preset].stimulus:
        extra = parse_quantity(m.presets[preset].stimulus)
        if m.crosscheck.protocol == "random":  # a range +-A: the preset's step -A is A
            extra = abs(extra)
        if not any(float(a) == float(extra) for a in amps):
            amps.append(extra)
    return amps


def _time(value, default, what, m):
    from .inputs import seconds

    return seconds(value, what, m, default=default)


def run(model_id, preset=None, method=None, dt=None, duration=None, dtype="float64",
        *, target="numpy", seeds=None, progress=False,
        allow_unlisted_method=False) -> CrosscheckResult:
    """Run a model in Brian2 and in BrainPy with the same stimulus and compare.

    Parameters
    ----------
    model_id : str or path
        Library id or path of a model file.
    preset : str, optional
        Preset name; its ``stimulus`` is added to the cross-check amplitudes.
    method : str, optional
        Integration method for both simulators (default: the model's).
    dt, duration : quantity, str or float (seconds), optional
        Defaults from the model's ``[crosscheck]`` block.
    dtype : {'float64', 'float32'}
        Precision of the BrainPy run (Brian2 always runs in float64).
    target : {'numpy', 'cython'}
        Brian2 code-generation target of the reference run (the ``bitexact`` tier runs
        numpy, cython and cpp_standalone whatever it is).
    seeds : int, optional
        Number of seeds for the distributional tier (default from the model).
    progress : bool
        Show a progress bar over seeds.
    allow_unlisted_method : bool
        Accept a method the model file does not list (with a warning).

    Returns
    -------
    CrosscheckResult

    Raises
    ------
    CrosscheckRefused
        The run would test nothing (zero steps, the stimulus starts after the end) or
        the model file excludes the preset from its tier (the message gives the reason).
    InputError
        A bad argument: unknown preset or method, dt/duration not a positive time, too
        many steps for memory.

    Notes
    -----
    BrainPy runs in this process if the exact XLA flags are active here
    (:func:`exact_flags_active`: the ``neuroplug`` command, the test suite, or
    :func:`exact_cpu_flags` called before JAX started), else in a child Python process
    started with them; this process's ``XLA_FLAGS`` and JAX are left alone.  Either way
    the verdict and the figures are the same; ``environment["brainpy_process"]`` says
    which, and ``timing["brainpy_child_overhead_s"]`` what the child cost.  An error in
    the child is raised here as the same exception; a child that exits or hangs raises
    :class:`~neuroplug.errors.BackendError`.
    """
    m = _get_model(model_id)
    if preset is not None and preset not in m.presets:
        raise ParameterError(f"unknown preset '{preset}'; expected one of {sorted(m.presets)}",
                             source=m.source, model=m.id, field="presets")
    why = m.crosscheck.excluded_reason(preset)
    if why is not None:
        raise CrosscheckRefused(f"{m.source}: model '{m.id}': preset '{preset}' is excluded "
                                f"from the {m.crosscheck.tier} cross-check: {why}; run it in one "
                                f"simulator with 'neuroplug run'")
    method = check_method(m, method, allow_unlisted=allow_unlisted_method)
    if dtype not in ("float64", "float32"):
        raise ParameterError(f"found dtype {dtype!r}, expected 'float64' or 'float32'",
                             model=m.id, field="dtype")
    if target not in ("numpy", "cython"):
        raise ParameterError(f"found target {target!r}, expected 'numpy' or 'cython'",
                             model=m.id, field="target")
    dt = _time(dt, m.crosscheck.dt, "dt", m)
    duration = _time(duration, m.crosscheck.duration, "duration", m)
    onset = float(parse_quantity(m.crosscheck.onset))
    amps = _amplitudes(m, preset)
    rep = NEURONS_PER_AMPLITUDE if m.crosscheck.tier == "distributional" else 1
    nsteps = check_steps(m, dt, duration, len(amps) * rep, what="cross-check")
    _refuse_empty_window(m, onset, dt, nsteps)
    input_name = m.primary_input
    unit_text = m.inputs[input_name].unit
    amp_si = np.array([float(a) for a in amps])
    result = CrosscheckResult(
        model=m.id, preset=preset, method=method, dt=dt, duration=nsteps * dt, dtype=dtype,
        tier=m.crosscheck.tier, reason=m.crosscheck.reason, amplitudes=amp_si.tolist(),
        amplitude_labels=[str(int(float(a))) if m.crosscheck.protocol == "random" else
                          format_quantity(a, 4) for a in amps],
        input_name=input_name, input_unit=unit_text, environment=_environment())
    # BrainPy must run under the exact XLA flags: here if this process has them (the
    # command, the tests), else in a child process started with them
    runner = _InProcess() if exact_flags_active() else _BrainpyChild()
    with runner:
        if m.crosscheck.tier == "distributional":
            _run_distributional(m, result, preset, method, amp_si, onset, nsteps,
                                seeds or m.crosscheck.seeds, target, progress, runner)
        elif m.crosscheck.tier == "bitexact":
            _run_bitexact(m, result, preset, method, amp_si, onset, nsteps, runner)
        else:
            _run_exact(m, result, preset, method, amp_si, onset, nsteps, target, runner)
        env = {**result.environment, **runner.environment()}
        order = ("python", "brian2", "brainpy", "jax", "numpy")
        result.environment = {**{k: env.pop(k) for k in order if k in env}, **env}
        if runner.overhead_s is not None:
            result.timing["brainpy_child_overhead_s"] = runner.overhead_s
    result.passed = not result.failures
    return result


def _refuse_empty_window(m, onset, dt, nsteps):
    """A run that ends before the stimulus starts tests nothing: refuse it."""
    if onset >= nsteps * dt:
        raise CrosscheckRefused(
            f"model '{m.id}': the run ends at {nsteps * dt * 1e3:g} ms, before the stimulus "
            f"starts at {onset * 1e3:g} ms, so it tests nothing; expected a duration longer "
            f"than the onset")


def _environment():
    """Versions of the calling process (BrainPy's and JAX's come from the runner)."""
    import brian2

    return {"python": platform.python_version(), "brian2": brian2.__version__,
            "numpy": np.__version__}


def _stimulus(m, amp_si, onset, nsteps, dt, repeat=1):
    """The protocol's input (steps x neurons): a step from ``onset`` (protocol "step"), a
    regular spike train from ``onset`` at ``spike_rate`` whose spikes carry the
    amplitude as weight, 0 between spikes (protocol "spikes"), or piecewise-constant
    random integers from ``onset`` (protocol "random", :func:`random_stimulus`)."""
    stim = np.zeros((nsteps, len(amp_si) * repeat))
    start = min(nsteps, int(round(onset / dt)))
    if m.crosscheck.protocol == "random":
        amps = np.repeat(np.asarray(amp_si), repeat)
        stim[start:] = random_stimulus(amps, nsteps - start, m.crosscheck.hold,
                                       m.crosscheck.seed)
        return stim
    if m.crosscheck.protocol == "spikes":
        period = 1.0 / float(parse_quantity(m.crosscheck.spike_rate))
        steps = np.unique(np.round((onset + period * np.arange(
            int((nsteps * dt - onset) / period) + 1)) / dt).astype(int))
        steps = steps[(steps >= start) & (steps < nsteps)]
        stim[steps] = np.repeat(amp_si, repeat)[None, :]
        return stim
    stim[start:] = np.repeat(amp_si, repeat)[None, :]
    return stim


def random_stimulus(amplitudes, nsteps: int, hold: int = 1, seed: int = 0) -> np.ndarray:
    """Protocol "random": piecewise-constant random integers (steps x neurons).

    Neuron ``i`` gets integers drawn uniformly from ``[-A_i, A_i]`` (``A_i`` its
    amplitude), each held for ``hold`` steps::

        blocks = ceil(nsteps / hold)
        values = numpy.random.default_rng(seed).integers(-A, A + 1, size=(blocks, N))
        stimulus = numpy.repeat(values, hold, axis=0)[:nsteps]
    """
    amps = np.asarray(amplitudes, dtype=np.int64)
    blocks = -(-int(nsteps) // int(hold))
    values = np.random.default_rng(int(seed)).integers(-amps, amps + 1,
                                                       size=(blocks, len(amps)))
    return np.repeat(values, int(hold), axis=0)[:nsteps].astype(float)


# -- divergence -------------------------------------------------------------------
def first_nonfinite(traces: dict):
    """The first non-finite value in recorded traces, or ``None``.

    Parameters
    ----------
    traces : dict
        State variable -> array (neurons, steps).

    Returns
    -------
    tuple or None
        ``(variable, neuron, step, value)`` of the earliest step with a non-finite value
        (ties: the first variable in order, the lowest neuron index).
    """
    best = None
    for k, a in traces.items():
        a = np.asarray(a, dtype=float)
        if a.size == 0:
            continue
        bad = ~np.isfinite(a)
        if not bad.any():
            continue
        cols = np.nonzero(bad.any(axis=0))[0] if a.ndim == 2 else np.array([0])
        step = int(cols[0])
        neuron = int(np.nonzero(bad[:, step])[0][0]) if a.ndim == 2 else int(np.argmax(bad))
        if best is None or step < best[2]:
            best = (k, neuron, step, float(a[neuron, step] if a.ndim == 2 else a[neuron]))
    return best


def check_finite(m, traces, dt, backend, final=None):
    """Raise :class:`~neuroplug.errors.DivergenceError` if a run produced non-finite state.

    ``traces`` are the recorded traces (may be empty); ``final`` the state at the end of
    the run (variable -> per-neuron values), checked when nothing was recorded.
    """
    hit = first_nonfinite(traces)
    if hit is not None:
        var, neuron, step, value = hit
        raise DivergenceError(m.id, var, neuron, (step + 1) * dt, backend=backend,
                              value=value, step=step, hint=_DIVERGENCE_HINT)
    if final:
        hit = first_nonfinite({k: np.atleast_1d(np.asarray(v, dtype=float))[:, None]
                               for k, v in final.items()})
        if hit is not None:
            var, neuron, _, value = hit
            raise DivergenceError(m.id, var, neuron, float("nan"), backend=backend,
                                  value=value, hint=_DIVERGENCE_HINT + " (found at the end "
                                  "of the run; record traces for the first step)")


_DIVERGENCE_HINT = ("the simulation diverged; try a smaller dt, the model's default method, "
                    "or parameters inside the documented range")


_check_finite = check_finite  # the simulate_* keywords shadow the name


# -- simulators -------------------------------------------------------------------
def simulate_brian2(m, preset, method, stim, dt, *, target="numpy", record=True, seed=None,
                    check_finite=True, exact_dtypes=False, directory=None):
    """Run the Brian2 library group with a per-neuron stimulus array (steps x N).

    ``target`` is a runtime code-generation target (``'numpy'``, ``'cython'``) or
    ``'cpp_standalone'`` (a project built, compiled and run in ``directory``, default a
    temporary folder; the time then includes compilation).  ``exact_dtypes`` keeps
    integer state variables as int64 traces (default: every trace as float).

    Returns ``(traces, spikes, seconds)``: traces per state variable as arrays
    (N, steps) in SI, recorded after each step (``when='end'``); spikes as a list of
    step-index arrays per neuron.  With ``check_finite`` a run that produced a
    non-finite state raises :class:`~neuroplug.errors.DivergenceError` naming the
    variable, neuron and step of the first non-finite value.
    """
    import contextlib
    import tempfile

    import brian2 as b2
    from brian2.units.fundamentalunits import get_unit

    from .brian2 import group, unit_free_numpy_functions
    from .build import standalone_device
    from .codegen import dim_of_unit

    nsteps, N = stim.shape
    inp = m.primary_input
    unit_text = m.inputs[inp].unit
    unit = 1 if unit_text == "1" else get_unit(dim_of_unit(unit_text))
    old_target = b2.prefs.codegen.target
    standalone = target == "cpp_standalone"
    with contextlib.ExitStack() as stack:
        if standalone:
            folder = str(directory) if directory is not None else \
                stack.enter_context(tempfile.TemporaryDirectory(prefix="neuroplug-run-"))
            stack.enter_context(standalone_device("cpp_standalone", folder))
        else:
            b2.prefs.codegen.target = target
            stack.callback(setattr, b2.prefs.codegen, "target", old_target)
        if seed is not None:
            b2.seed(seed)
        G = group(m, N, preset=preset, method=method, dt=dt * b2.second, check_finite=False,
                  allow_unlisted_method=True)  # the caller checked the method
        stimulus = b2.TimedArray(stim * unit, dt=dt * b2.second)
        objs = [G]
        if m.inputs[inp].is_spike_input:
            # spikes through a real Synapses: a generator spike at step k is delivered
            # in step k's 'synapses' slot with the weight stim[k, i]
            steps, idx = np.nonzero(stim)
            gen = b2.SpikeGeneratorGroup(N, idx, steps * dt * b2.second, dt=dt * b2.second)
            syn = G.spike_synapses(gen, weight="np_stimulus(t, i_post)", input=inp,
                                   namespace={"np_stimulus": stimulus}, dt=dt * b2.second)
            syn.connect(j="i")
            objs += [gen, syn]
        else:
            G.namespace["np_stimulus"] = stimulus
            # an integer input takes the (integer-valued) stimulus through int(): Brian2's
            # cython target refuses to assign a float to an integer variable
            value = "int(np_stimulus(t, i))" if m.inputs[inp].dtype == "integer" else \
                "np_stimulus(t, i)"
            G.run_regularly(f"{inp} = {value}", when="start")
        S = b2.SpikeMonitor(G) if m.threshold else None
        if S is not None:
            objs.append(S)
        M = None
        if record:
            M = b2.StateMonitor(G, list(m.state), record=True, when="end", dt=dt * b2.second)
            objs.append(M)
        net = b2.Network(*objs)
        t0 = time.perf_counter()
        with unit_free_numpy_functions():  # same arithmetic, without Brian2's per-call checks
            net.run(nsteps * dt * b2.second, namespace={})
            if standalone:
                b2.device.build(directory=folder, compile=True, run=True)
        seconds = time.perf_counter() - t0
        # copies: Brian2 2.11's monitor arrays are views into storage that is freed with
        # the monitor (a view kept past it reads reused memory)
        traces = {k: np.array(getattr(M, k + "_"), dtype=_trace_dtype(m, k, exact_dtypes))
                  for k in m.state} if M is not None else {}
        final = {k: np.array(getattr(G, k + "_")) for k in m.state} if check_finite else None
        spikes = [np.zeros(0, dtype=int)] * N
        if S is not None:
            steps = np.round(np.asarray(S.t_) / dt).astype(int)
            idx = np.array(S.i)
            spikes = [np.sort(steps[idx == i]) for i in range(N)]
    if check_finite:
        _check_finite(m, traces, dt, "brian2", final)
    return traces, spikes, seconds


def _trace_dtype(m, name, exact):
    """int64 for an integer state variable when exact dtypes are asked for, else float."""
    return np.int64 if exact and m.state[name].dtype == "integer" else float


def simulate_brainpy(m, preset, method, stim, dt, *, dtype="float64", record=True, seed=None,
                     check_finite=True, exact_dtypes=False):
    """Run the BrainPy library layer over a stimulus array (steps x N) with ``for_loop``.

    Returns ``(traces, spikes, seconds)`` like :func:`simulate_brian2` (and raises
    :class:`~neuroplug.errors.DivergenceError` the same way with ``check_finite``).
    """
    import brainstate
    import jax.numpy as jnp
    import saiunit as su

    from .brainpy import neuron_class, precision

    nsteps, N = stim.shape
    # integer models need JAX x64 (int64) whatever the float type of the layer
    with precision("float64" if m.needs_int64 else dtype), \
            brainstate.environ.context(dt=dt * su.second):
        if seed is not None:
            brainstate.random.seed(seed)
        layer = neuron_class(m)(N, preset=preset, method=method, dtype=dtype)
        layer.init_state()
        inp = m.primary_input
        iunit = layer._input_units[inp]
        names = list(m.state)

        def step(x):
            layer.update(x if iunit is su.UNITLESS else su.Quantity(x, unit=iunit))
            spk = layer.spike.value  # update() returns the model's output when it has one
            vals = {}
            if record:
                for k in names:
                    v = getattr(layer, k).value
                    vals[k] = v.mantissa if isinstance(v, su.Quantity) else v
            return spk, vals

        t0 = time.perf_counter()
        spk, vals = brainstate.transform.for_loop(step, jnp.asarray(stim, dtype=layer.dtype))
        spk = np.asarray(spk)
        seconds = time.perf_counter() - t0
        final = None
        if check_finite:
            final = {}
            for k in names:
                v = getattr(layer, k).value
                final[k] = np.asarray(v.mantissa if isinstance(v, su.Quantity) else v,
                                      dtype=float).reshape(-1)
    traces = {k: np.asarray(v, dtype=_trace_dtype(m, k, exact_dtypes)).T
              for k, v in vals.items()}
    spikes = [np.nonzero(spk[:, i] > 0.5)[0] for i in range(N)]
    if check_finite:
        _check_finite(m, traces, dt, "brainpy", final)
    return traces, spikes, seconds


# -- where BrainPy runs -----------------------------------------------------------
#: BrainPy side of :func:`run`, as recorded in ``result.environment["brainpy_process"]``
IN_PROCESS = "in-process"
IN_CHILD = "child (exact XLA flags)"
#: seconds a child may take to start (imports, JAX backend) before it counts as hung
CHILD_START_TIMEOUT_S = 300.0


class _InProcess:
    """BrainPy in this process (its XLA flags are the exact ones)."""

    overhead_s = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def simulate(self, *args, **kwargs):
        return simulate_brainpy(*args, **kwargs)  # looked up at call time (tests patch it)

    def environment(self) -> dict:
        import brainpy
        import jax

        return {"brainpy": brainpy.__version__, "jax": jax.__version__,
                "xla_exact_flags": exact_flags_active(), "brainpy_process": IN_PROCESS}


def _child_env(environ=None) -> dict:
    """The environment of the BrainPy child: ``environ`` (default ``os.environ``) with
    the exact XLA flags in ``XLA_FLAGS``, replacing any flag of the same name."""
    env = dict(os.environ if environ is None else environ)
    names = {f.split("=")[0] for f in XLA_EXACT_FLAGS}
    kept = [f for f in env.get("XLA_FLAGS", "").split() if f.split("=")[0] not in names]
    env["XLA_FLAGS"] = " ".join(kept + list(XLA_EXACT_FLAGS))
    jax = sys.modules.get("jax")  # same platform choice as this process, if it made one
    platforms = getattr(getattr(jax, "config", None), "jax_platforms", None) if jax else None
    if platforms and "JAX_PLATFORMS" not in env:
        env["JAX_PLATFORMS"] = str(platforms)
    return env


def _request_timeout(m, stim) -> float:
    """Seconds one BrainPy run may take in the child: generous, proportional to the work
    (it only turns a hung child into an error)."""
    nsteps, n = stim.shape
    return 300.0 + 2e-3 * nsteps * (1 + n * max(1, len(m.state)) / 50)


def _mappingproxy(d):
    return MappingProxyType(d)


def _dumps(obj) -> bytes:
    """Pickle ``obj`` (models hold read-only mappings, which pickle cannot store)."""
    buf = io.BytesIO()
    pickler = pickle.Pickler(buf, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = copyreg.dispatch_table.copy()
    pickler.dispatch_table[MappingProxyType] = lambda mp: (_mappingproxy, (dict(mp),))
    pickler.dump(obj)
    return buf.getvalue()


class _ChildTraceback(Exception):
    """The traceback of an exception raised in the BrainPy child process."""

    def __str__(self):
        return "\n" + self.args[0]


class _BrainpyChild:
    """BrainPy in a child process whose JAX starts with the exact XLA flags.

    ``python -c`` runs :func:`_child_main`; requests (``simulate_brainpy`` arguments)
    and replies (its ``(traces, spikes, seconds)``, or the exception) are pickles on the
    child's stdin and stdout.  The child starts (imports, JAX backend) while the caller
    runs Brian2; its stderr is passed on to ``sys.stderr``.
    """

    def __init__(self, timeout=None):
        self._timeout = timeout  # seconds per request; default _request_timeout
        self._proc = None
        self._replies = queue.Queue()
        self._stderr_tail = []
        self._threads = []
        self._info = None
        self._sent = (None, None)  # (model, stim) of the last request, not sent again
        self.overhead_s = 0.0

    # -- lifetime ---------------------------------------------------------------------
    def __enter__(self):
        t0 = time.perf_counter()
        if not sys.executable:
            raise BackendError("cannot start a Python child process for BrainPy "
                               "(sys.executable is empty); call "
                               "neuroplug.crosschecking.exact_cpu_flags() before JAX starts")
        root = str(Path(__file__).resolve().parent.parent)
        code = (f"import sys; sys.path.insert(0, {root!r}); "
                "from neuroplug.crosschecking import _child_main; _child_main()")
        args = [sys.executable, *(f"-W{w}" for w in sys.warnoptions), "-c", code]
        try:
            self._proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                          stderr=subprocess.PIPE, env=_child_env())
        except OSError as exc:
            raise BackendError(f"cannot start the BrainPy child process ({sys.executable}): "
                               f"{exc}") from None
        for target in (self._read_replies, self._pass_stderr):
            t = threading.Thread(target=target, daemon=True, name="neuroplug-brainpy-child")
            t.start()
            self._threads.append(t)
        self.overhead_s += time.perf_counter() - t0
        return self

    def __exit__(self, exc_type, exc, tb):
        t0 = time.perf_counter()
        self.close(kill=exc_type is not None)
        self.overhead_s += time.perf_counter() - t0
        return False

    def close(self, kill=False):
        proc = self._proc
        if proc is None:
            return
        try:
            proc.stdin.close()  # the child exits at the end of its input
        except OSError:
            pass
        if kill:
            proc.kill()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        for t in self._threads:
            t.join(timeout=5)
        proc.stdout.close()
        proc.stderr.close()

    def _read_replies(self):
        stream = self._proc.stdout
        while True:
            try:
                reply = pickle.load(stream)
            except Exception:  # end of output: the child exited (or sent garbage)
                self._replies.put(("exit", None))
                return
            self._replies.put(reply)

    def _pass_stderr(self):
        for raw in iter(self._proc.stderr.readline, b""):
            line = raw.decode("utf-8", "replace")
            self._stderr_tail = (self._stderr_tail + [line.rstrip()])[-20:]
            try:
                sys.stderr.write(line)
                sys.stderr.flush()
            except Exception:  # no usable stderr here: keep only the tail
                pass

    # -- requests ---------------------------------------------------------------------
    def _reply(self, timeout, what):
        deadline = time.monotonic() + timeout
        while True:  # in short waits, so that Ctrl-C gets through
            try:
                kind, value = self._replies.get(timeout=0.2)
                break
            except queue.Empty:
                pass
            now = time.monotonic()
            if self._proc.poll() is not None:  # its last words, if any, are on their way
                deadline = min(deadline, now + 5)
            if now >= deadline:
                if self._proc.poll() is None:
                    self._proc.kill()
                    raise BackendError(f"the BrainPy child process gave no {what} within "
                                       f"{timeout:.3g} s; stopped it")
                kind, value = "exit", None
                break
        if kind == "exit":
            code = self._proc.wait()
            tail = next((t for t in reversed(self._stderr_tail) if t.strip()), "")
            raise BackendError(f"the BrainPy child process exited with status {code} "
                               f"before its {what}" + (f": {tail.strip()}" if tail else ""))
        if kind == "error":
            exc, tb = _rebuild_exception(value)
            raise exc from _ChildTraceback(tb)
        return value

    def _send(self, obj, timeout):
        data = _dumps(obj)
        failed = []

        def write():
            try:
                self._proc.stdin.write(data)
                self._proc.stdin.flush()
            except OSError as exc:  # the child exited; its reply queue says why
                failed.append(exc)

        t = threading.Thread(target=write, daemon=True)
        t.start()
        deadline = time.monotonic() + timeout
        while t.is_alive() and time.monotonic() < deadline:
            t.join(0.2)
        if t.is_alive():
            self._proc.kill()
            t.join()
            raise BackendError(f"the BrainPy child process read no request within "
                               f"{timeout:.0f} s; stopped it")
        return not failed

    def _started(self):
        if self._info is None:
            self._info = self._reply(CHILD_START_TIMEOUT_S, "start-up message")
        return self._info

    def simulate(self, m, preset, method, stim, dt, **kwargs):
        """:func:`simulate_brainpy` in the child (same arguments, same result)."""
        t0 = time.perf_counter()
        self._started()
        timeout = self._timeout or _request_timeout(m, stim)
        last_m, last_stim = self._sent
        from .library import is_library_model

        request = {"model": None if m is last_m else m, "library": is_library_model(m),
                   "preset": preset, "method": method,
                   "stim": None if stim is last_stim else np.ascontiguousarray(stim),
                   "dt": dt, "kwargs": kwargs}
        if not self._send(request, timeout):
            self._reply(timeout, "result")  # raises: the child exited
        self._sent = (m, stim)
        traces, spikes, seconds = self._reply(timeout, "result")
        self.overhead_s += time.perf_counter() - t0 - seconds
        return traces, spikes, seconds

    def environment(self) -> dict:
        info = dict(self._started())
        return {"brainpy": info["brainpy"], "jax": info["jax"],
                "xla_exact_flags": info["xla_exact_flags"], "brainpy_process": IN_CHILD}


def _exception_payload(exc) -> dict:
    """What the parent needs to raise ``exc`` again (see :func:`_rebuild_exception`)."""
    def picklable(x):
        try:
            pickle.dumps(x)
            return x
        except Exception:
            return None

    cls = type(exc)
    return {"module": cls.__module__, "qualname": cls.__qualname__, "message": str(exc),
            "args": exc.args if picklable(exc.args) is not None else (str(exc),),
            "dict": {k: v for k, v in vars(exc).items()
                     if v is None or picklable(v) is not None},
            "traceback": "".join(traceback.format_exception(exc))}


def _rebuild_exception(payload):
    """The child's exception as the same class (e.g. ``ParameterError`` with its source,
    model and field), or a :class:`BackendError` with its one-line message."""
    try:
        obj = importlib.import_module(payload["module"])
        for part in payload["qualname"].split("."):
            obj = getattr(obj, part)
        if isinstance(obj, type) and issubclass(obj, Exception):
            exc = obj.__new__(obj, *payload["args"])
            exc.args = tuple(payload["args"])
            exc.__dict__.update(payload["dict"])
            if str(exc) == payload["message"]:
                return exc, payload["traceback"]
    except Exception:
        pass
    return (BackendError(f"BrainPy (child process): {payload['qualname']}: "
                         f"{payload['message']}"), payload["traceback"])


def _child_main():
    """The BrainPy child process of :class:`_BrainpyChild` (reads pickles on stdin)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops it
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")  # replies only
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # stray prints go to stderr
    inp = sys.stdin.buffer

    def send(obj):
        try:
            data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:
            data = pickle.dumps(("error", _exception_payload(exc)))
        out.write(data)
        out.flush()

    try:
        import brainpy
        import jax

        jax.devices()  # start the backend now, with the exact flags
        import neuroplug.brainpy  # noqa: F401
    except Exception as exc:
        send(("error", _exception_payload(exc)))
        return
    send(("ready", {"brainpy": brainpy.__version__, "jax": jax.__version__,
                    "xla_exact_flags": exact_flags_active(), "pid": os.getpid()}))
    m = stim = None
    while True:
        try:
            request = pickle.load(inp)
        except EOFError:  # the caller is done: exit without the slow interpreter teardown
            sys.stderr.flush()
            os._exit(0)
        try:
            if request["model"] is not None:
                m = request["model"]
                if request["library"]:  # the caller's registry copy: no need to load it again
                    from .library import register

                    register(m, replace=True)
            stim = request["stim"] if request["stim"] is not None else stim
            reply = ("ok", simulate_brainpy(m, request["preset"], request["method"], stim,
                                            request["dt"], **request["kwargs"]))
        except Exception as exc:
            reply = ("error", _exception_payload(exc))
        try:
            send(reply)
        except BrokenPipeError:
            os._exit(1)


# -- comparisons --------------------------------------------------------------------
def coincidence_factor(a, b, dt, window=1e-3, duration=None):
    """Kistler et al. (1997) coincidence factor of two spike-step trains (1 = identical)."""
    a = np.asarray(a) * dt
    b = np.asarray(b) * dt
    if len(a) == 0 and len(b) == 0:
        return 1.0
    if len(a) == 0 or len(b) == 0:
        return 0.0
    duration = duration or max(a.max(), b.max()) + dt
    coinc = sum(np.any(np.abs(b - s) <= window + 1e-12) for s in a)
    rate_b = len(b) / duration
    expected = 2 * rate_b * window * len(a)
    norm = 1 - 2 * rate_b * window
    if norm <= 0:
        return float("nan")
    return float((coinc - expected) / (0.5 * (len(a) + len(b))) / norm)


def _run_exact(m, result, preset, method, amp_si, onset, nsteps, target, runner):
    dt = result.dt
    stim = _stimulus(m, amp_si, onset, nsteps, dt)
    tb, sb, secb = simulate_brian2(m, preset, method, stim, dt, target=target,
                                   check_finite=False)
    tp, sp, secp = runner.simulate(m, preset, method, stim, dt, dtype=result.dtype,
                                   check_finite=False)
    result.timing = {"brian2_s": secb, "brainpy_s": secp}
    result.traces = {"brian2": tb, "brainpy": tp}
    result.spikes = {"brian2": sb, "brainpy": sp}
    result.state_units = {k: v.unit for k, v in m.state.items()}
    if _diverged(m, result, {"brian2": tb, "brainpy": tp}):
        return
    float32 = result.dtype == "float32"
    spec = m.crosscheck
    bound = spec.float32_rel_bound if float32 else EXACT_REL_BOUND
    N = len(amp_si)
    first = [min([s[0] for s in (sb[i], sp[i]) if len(s)], default=nsteps) for i in range(N)]
    variables = {}
    for k in m.state:
        a, b = tb[k], tp[k]
        if float32:  # compare up to the first spike of either simulator
            mask = np.arange(nsteps)[None, :] < np.asarray(first)[:, None]
            diff = np.where(mask, np.abs(a - b), 0.0)
            span = np.where(mask, a, np.nan)
        else:
            diff = np.abs(a - b)
            span = a
        finite = np.isfinite(span)
        rng = float(np.nanmax(span) - np.nanmin(span)) if finite.any() else 0.0
        scale = rng if rng > 0 else max(float(np.nanmax(np.abs(span))) if finite.any() else 0, 1e-300)
        max_abs = float(np.nanmax(diff)) if diff.size else 0.0
        if not np.all(np.isfinite(diff)):
            max_abs = float("inf")
        rel = max_abs / scale
        where = np.unravel_index(int(np.nanargmax(diff)), diff.shape) if diff.size else (0, 0)
        variables[k] = {"max_abs": max_abs, "max_rel": rel, "bound": bound,
                        "unit": m.state[k].unit, "at": [int(where[0]), int(where[1])]}
        if not rel <= bound:
            result.failures.append(f"[{k}] max|d|/range = {rel:.3e} at neuron {where[0]}, "
                                   f"step {where[1]} > bound {bound:.0e}")
    identical = [bool(np.array_equal(x, y)) for x, y in zip(sb, sp)]
    coinc = [coincidence_factor(x, y, dt, duration=nsteps * dt) for x, y in zip(sb, sp)]
    counts_b = [len(x) for x in sb]
    counts_p = [len(y) for y in sp]
    result.metrics = {"variables": variables,
                      "spikes": {"brian2": counts_b, "brainpy": counts_p,
                                 "identical": identical, "coincidence": coinc,
                                 "total_brian2": int(sum(counts_b)),
                                 "total_brainpy": int(sum(counts_p))},
                      "spike_steps_identical": all(identical)}
    if not float32:
        for i, ok in enumerate(identical):
            if not ok:
                result.failures.append(
                    f"[spikes] neuron {i}: spike steps differ (Brian2 {counts_b[i]} spikes, "
                    f"BrainPy {counts_p[i]}; first mismatch at step "
                    f"{_first_mismatch(sb[i], sp[i])})")
    else:
        for i in range(N):
            allowed = max(1, int(math.ceil(spec.float32_count_fraction * counts_b[i])))
            if abs(counts_b[i] - counts_p[i]) > allowed:
                result.failures.append(f"[spikes] neuron {i}: {counts_p[i]} vs {counts_b[i]} "
                                       f"spikes > allowed difference {allowed}")
            if len(sb[i]) and len(sp[i]) and abs(int(sb[i][0]) - int(sp[i][0])) > \
                    spec.float32_first_spike_steps:
                result.failures.append(f"[spikes] neuron {i}: first spike at step {sp[i][0]} vs "
                                       f"{sb[i][0]} (> {spec.float32_first_spike_steps} steps)")
    if m.threshold and sum(counts_b) == 0:
        result.metrics["note"] = "no neuron spiked in this protocol"


def _diverged(m, result, traces) -> bool:
    """Record a divergence of either simulator as the failure of the check."""
    hits = {sim: first_nonfinite(tr) for sim, tr in traces.items()}
    bad = {sim: h for sim, h in hits.items() if h is not None}
    if not bad:
        return False
    dt = result.dt
    result.metrics = {"divergence": {sim: None if h is None else {
        "variable": h[0], "neuron": h[1], "step": h[2], "t": (h[2] + 1) * dt,
        "value": str(h[3])} for sim, h in hits.items()}}
    first = {sim: f"{h[0]} = {h[3]} at neuron {h[1]}, step {h[2]}" for sim, h in bad.items()}
    if len(bad) == 2:
        steps = {h[2] for h in bad.values()}
        when = f"at step {steps.pop()}" if len(steps) == 1 else \
            f"at steps {bad['brian2'][2]} (Brian2) and {bad['brainpy'][2]} (BrainPy)"
        result.failures.append(f"[divergence] both simulators diverged {when} ({first['brian2']}"
                               f"); a diverging run tests nothing: use a smaller dt or the "
                               f"model's default method")
    else:
        sim, other = next(iter(bad)), ({"brian2", "brainpy"} - set(bad)).pop()
        result.failures.append(f"[divergence] {sim} diverged ({first[sim]}), {other} did not")
    return True


def _first_mismatch(a, b):
    n = min(len(a), len(b))
    for i in range(n):
        if a[i] != b[i]:
            return int(min(a[i], b[i]))
    if len(a) != len(b):
        return int((a if len(a) > n else b)[n])
    return None


def _run_distributional(m, result, preset, method, amp_si, onset, nsteps, seeds, target,
                        progress, runner):
    from scipy import stats

    from .progress import progress_bar

    dt = result.dt
    rep = NEURONS_PER_AMPLITUDE
    stim = _stimulus(m, amp_si, onset, nsteps, dt, repeat=rep)
    counts = {"brian2": np.zeros(len(amp_si)), "brainpy": np.zeros(len(amp_si))}
    isis = {"brian2": [[] for _ in amp_si], "brainpy": [[] for _ in amp_si]}
    timing = {"brian2_s": 0.0, "brainpy_s": 0.0}
    example = {}
    for s in progress_bar(range(seeds), desc=f"{m.id} seeds", disable=not progress):
        for sim in ("brian2", "brainpy"):
            try:
                if sim == "brian2":
                    tr, spk, sec = simulate_brian2(m, preset, method, stim, dt, target=target,
                                                   record=s == 0, seed=1000 + s)
                else:
                    tr, spk, sec = runner.simulate(m, preset, method, stim, dt,
                                                   dtype=result.dtype, record=s == 0,
                                                   seed=2000 + s)
            except DivergenceError as exc:
                result.metrics = {"divergence": {sim: str(exc)}}
                result.failures.append(f"[divergence] {sim}, seed {s}: {exc}")
                return
            timing[f"{sim}_s"] += sec
            if s == 0:
                example[sim] = ({k: v[::rep] for k, v in tr.items()}, spk[::rep])
            for j in range(len(amp_si)):
                block = spk[j * rep:(j + 1) * rep]
                counts[sim][j] += sum(len(x) for x in block)
                for x in block:
                    if len(x) > 1:
                        isis[sim][j].extend(np.diff(x) * dt)
    result.timing = timing
    result.traces = {k: v[0] for k, v in example.items()}
    result.spikes = {k: v[1] for k, v in example.items()}
    result.state_units = {k: v.unit for k, v in m.state.items()}
    rows = []
    T = nsteps * dt
    for j, amp in enumerate(amp_si):
        rb = counts["brian2"][j] / (seeds * rep * T)
        rp = counts["brainpy"][j] / (seeds * rep * T)
        rel = abs(rp - rb) / rb if rb > 0 else (0.0 if rp == 0 else float("inf"))
        ks_d, ks_p = (float("nan"), float("nan"))
        if len(isis["brian2"][j]) > 10 and len(isis["brainpy"][j]) > 10:
            ks = stats.ks_2samp(isis["brian2"][j], isis["brainpy"][j])
            ks_d, ks_p = float(ks.statistic), float(ks.pvalue)
        rows.append({"amplitude": float(amp), "rate_brian2": rb, "rate_brainpy": rp,
                     "rate_rel_diff": rel, "ks_statistic": ks_d, "ks_pvalue": ks_p,
                     "isi_count_brian2": len(isis["brian2"][j]),
                     "isi_count_brainpy": len(isis["brainpy"][j])})
        if not rel <= RATE_REL_BOUND:
            result.failures.append(f"[rate] amplitude {amp:g}: {rp:.3f} Hz vs {rb:.3f} Hz, "
                                   f"relative difference {rel:.3f} > bound {RATE_REL_BOUND}")
        if not math.isnan(ks_p) and ks_p <= KS_P_MIN:
            result.failures.append(f"[ISI] amplitude {amp:g}: KS D = {ks_d:.4f}, p = {ks_p:.2e} "
                                   f"<= {KS_P_MIN}")
    if sum(counts["brian2"]) == 0:
        result.failures.append("[rate] no spikes in the Brian2 reference: the protocol tests "
                               "nothing")
    result.metrics = {"distribution": rows, "seeds": seeds, "neurons_per_amplitude": rep,
                      "spikes": {"brian2": [len(x) for x in result.spikes["brian2"]],
                                 "brainpy": [len(x) for x in result.spikes["brainpy"]],
                                 "identical": ["n/a"] * len(amp_si),
                                 "coincidence": [None] * len(amp_si)}}



# -- the bitexact tier --------------------------------------------------------------
#: Brian2 targets of the bitexact tier, in the order reported (numpy is the reference)
BITEXACT_TARGETS = ("numpy", "cython", "cpp_standalone")


def standalone_directory(m) -> "Path | None":
    """Build folder of a model's cpp_standalone runs in the bitexact tier: one per model
    file and Brian2 version in neuroplug's cache folder (Brian2 rewrites only the files
    that changed, so ``make`` recompiles little when the same model runs again), or
    ``None`` (a temporary folder) when the cache is off."""
    import hashlib

    import brian2

    from .cache import cache_dir

    base = cache_dir()
    if base is None:
        return None
    key = hashlib.sha256(f"{m.fingerprint};{brian2.__version__}".encode()).hexdigest()[:16]
    folder = base / "standalone" / f"{m.id}-{key}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder


def _standalone_lock(folder):
    """An exclusive lock on a build folder (other processes wait), where fcntl exists."""
    import contextlib

    @contextlib.contextmanager
    def lock():
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not POSIX: no concurrent reuse expected
            yield
            return
        with open(Path(folder) / ".neuroplug-lock", "w") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)

    return lock()


def _run_bitexact(m, result, preset, method, amp_si, onset, nsteps, runner):
    dt = result.dt
    stim = _stimulus(m, amp_si, onset, nsteps, dt)
    runs, timing = {}, {}
    # float32 concerns BrainPy's float type only: the Brian2 targets are those of the
    # float64 check, so only the numpy reference is run again
    targets = BITEXACT_TARGETS if result.dtype == "float64" else BITEXACT_TARGETS[:1]
    for target in targets:
        kwargs = {}
        folder = standalone_directory(m) if target == "cpp_standalone" else None
        if folder is not None:
            kwargs["directory"] = folder
        with (_standalone_lock(folder) if folder is not None else _nothing()):
            tr, sp, sec = simulate_brian2(m, preset, method, stim, dt, target=target,
                                          check_finite=False, exact_dtypes=True, **kwargs)
        runs[target] = (tr, sp)
        timing[f"{target}_s"] = sec
    tr, sp, sec = runner.simulate(m, preset, method, stim, dt, dtype=result.dtype,
                                  check_finite=False, exact_dtypes=True)
    runs["brainpy"] = (tr, sp)
    timing["brainpy_s"] = sec
    timing["brian2_s"] = timing["numpy_s"]
    result.timing = timing
    result.traces = {"brian2": runs["numpy"][0], "brainpy": runs["brainpy"][0]}
    result.spikes = {"brian2": runs["numpy"][1], "brainpy": runs["brainpy"][1]}
    result.state_units = {k: v.unit for k, v in m.state.items()}
    result.environment["brian2_targets"] = ", ".join(targets)
    float32 = result.dtype == "float32"
    ref_traces, ref_spikes = runs["numpy"]
    others = [t for t in runs if t != "numpy"]
    N = len(amp_si)
    variables, mismatches = {}, []
    for k in m.state:
        a = ref_traces[k]
        exact = m.state[k].dtype != "float" or not float32
        bound = 0.0 if exact else m.crosscheck.float32_rel_bound
        per_target, worst_abs, worst_rel, at = {}, 0.0, 0.0, [0, 0]
        for t in others:
            b = runs[t][0][k]
            same = (a == b) | (np.isnan(a) & np.isnan(b)) if a.dtype.kind == "f" else a == b
            diff = np.abs(a.astype(float) - b.astype(float))
            span = float(np.ptp(a)) if a.size else 0.0
            max_abs = float(np.nanmax(diff)) if diff.size else 0.0
            rel = max_abs / (span if span > 0 else max(float(np.max(np.abs(a))), 1e-300)) \
                if a.size else 0.0
            per_target[t] = {"identical": bool(np.all(same)), "max_abs": max_abs,
                             "max_rel": rel}
            if max_abs > worst_abs:
                worst_abs, worst_rel = max_abs, rel
                where = np.unravel_index(int(np.nanargmax(diff)), diff.shape)
                at = [int(where[0]), int(where[1])]
            if exact and not np.all(same):
                steps = np.nonzero(~same.all(axis=0))[0]
                step = int(steps[0])
                neuron = int(np.nonzero(~same[:, step])[0][0])
                mismatches.append((step, list(m.state).index(k), k, neuron))
            elif not exact and not rel <= bound:
                result.failures.append(f"[{k}] {t}: max|d|/range = {rel:.3e} > float32 bound "
                                       f"{bound:.0e}")
        variables[k] = {"max_abs": worst_abs, "max_rel": worst_rel, "bound": bound,
                        "unit": m.state[k].unit, "at": at, "targets": per_target,
                        "identical": all(v["identical"] for v in per_target.values())}
    first = None
    if mismatches:
        step, _, k, neuron = min(mismatches)
        values = {t: _scalar(runs[t][0][k][neuron, step]) for t in runs}
        first = {"variable": k, "step": step, "neuron": neuron, "values": values}
        result.failures.append(
            f"[{k}] first mismatch at step {step}, neuron {neuron}: "
            + ", ".join(f"{t} {v}" for t, v in values.items()))
    spike_same = {t: [bool(np.array_equal(x, y)) for x, y in zip(ref_spikes, runs[t][1])]
                  for t in others}
    for t, same in spike_same.items():
        for i, ok in enumerate(same):
            if not ok:
                result.failures.append(
                    f"[spikes] {t}, neuron {i}: spike steps differ from numpy "
                    f"({len(runs[t][1][i])} vs {len(ref_spikes[i])} spikes; first mismatch "
                    f"at step {_first_mismatch(ref_spikes[i], runs[t][1][i])})")
                break
    identical = [all(spike_same[t][i] for t in others) for i in range(N)]
    counts_b = [len(x) for x in ref_spikes]
    counts_p = [len(y) for y in runs["brainpy"][1]]
    corners = _corners(m, preset, ref_traces, ref_spikes, stim, nsteps)
    for name, c in corners.items():
        if not c["reached"]:
            result.failures.append(f"[corner] '{name}' ({c['condition']}) was never true in "
                                   f"the run: the stimulus does not reach it")
    result.metrics = {
        "variables": variables,
        "spikes": {"brian2": counts_b, "brainpy": counts_p, "identical": identical,
                   "coincidence": [coincidence_factor(x, y, dt, duration=nsteps * dt)
                                   for x, y in zip(ref_spikes, runs["brainpy"][1])],
                   "total_brian2": int(sum(counts_b)), "total_brainpy": int(sum(counts_p)),
                   "per_target": {t: [len(x) for x in runs[t][1]] for t in runs}},
        "spike_steps_identical": all(identical),
        "targets": {t: {"identical": all(variables[k]["targets"][t]["identical"]
                                         for k in variables) and all(spike_same[t]),
                        "seconds": timing.get(f"{t}_s")} for t in others},
        "first_mismatch": first,
        "corners": corners,
        "protocol": m.crosscheck.protocol,
    }
    if m.crosscheck.protocol == "random":
        result.metrics.update(hold=m.crosscheck.hold, seed=m.crosscheck.seed)
    if m.threshold and sum(counts_b) == 0:
        result.metrics["note"] = "no neuron spiked in this protocol"


def _nothing():
    import contextlib

    return contextlib.nullcontext()


def _scalar(x):
    x = np.asarray(x).item()
    return x


def _corners(m, preset, traces, spikes, stim, nsteps) -> dict:
    """Each ``[crosscheck.corners]`` condition over the recorded state: how often it held
    and where first (evaluated on Brian2's numpy run; the targets are identical or the
    check fails anyway)."""
    from .codegen import INTEGER_NUMPY
    from .safe_expr import check_expression, evaluate

    if not m.crosscheck.corners:
        return {}
    N = stim.shape[1]
    ns = {}
    for name, value in m.parameter_values(preset).items():
        arr = np.asarray(value)
        ns[name] = arr[:, None] if arr.ndim == 1 else arr[()]
    for name in m.inputs:
        ns[name] = np.zeros((N, nsteps))
    ns[m.primary_input] = stim.T
    ns.update(traces)
    spk = np.zeros((N, nsteps))
    for i, steps in enumerate(spikes):
        spk[i, np.asarray(steps, dtype=int)] = 1
    ns["spike"] = spk
    functions = dict(INTEGER_NUMPY, abs=np.abs, sign=np.sign, int=np.trunc)
    out = {}
    for name, text in m.crosscheck.corners:
        value = evaluate(check_expression(text, functions=frozenset(functions)), ns, functions)
        hit = np.broadcast_to(np.asarray(value) != 0, (N, nsteps))
        where = np.argwhere(hit.T)  # (step, neuron), by step first
        out[name] = {"condition": text, "reached": bool(hit.any()), "count": int(hit.sum()),
                     "first": None if not len(where) else
                     {"step": int(where[0][0]), "neuron": int(where[0][1])}}
    return out
