"""``neuroplug bench``: throughput of library models, and proof of zero plugin overhead.

One run measures, on the machine at hand:

* **uncoupled populations** of ``lif``, ``adex``, ``izhikevich`` and
  ``hodgkin_huxley`` over N: steady-state neuron updates per second, set-up time
  (code generation + compilation, or JIT) separately, peak memory, and the memory
  traffic the update implies compared with a copy bandwidth measured in the same run;
* **side-by-side comparisons** with interleaved repeats (each repeat runs every
  contender once, in turn; the minimum and the spread of the repeats are reported):
  Brian2 library class vs the same equations written by hand (``numpy``, ``cython``,
  ``cpp_standalone`` with 1 and 2 OpenMP threads), BrainPy library class vs the
  matching ``brainpy.state`` built-in, and the library vs a per-neuron Python
  ``step()`` loop;
* the **COBA** (Vogels & Abbott 2005) and **COBAHH** (Brette et al. 2007, benchmark 3)
  networks built from ``coba_lif`` and ``traub_miles``, in ``cpp_standalone``.

Timings exclude set-up: Brian2 runtime targets are run once before timing (code
generation, Cython compilation), ``cpp_standalone`` binaries report their own run
time (``results/last_run_info.txt``, loading excluded), BrainPy functions are
compiled by a first call.  Everything the report needs goes into one JSON file;
:func:`write_markdown` and :func:`plot` turn it into the tables and the figure of
``docs/benchmarks.md``.

``neuroplug bench --startup`` (import and start-up times in fresh subprocesses, issue 10)
lives in :mod:`neuroplug.startup`; :func:`startup` is re-exported here.
"""

from __future__ import annotations

import json
import math
import os
import platform
import re
import resource
import shutil
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from .errors import ParameterError
from .brian2 import unit_free_numpy_functions
from .startup import startup

__all__ = ["run", "BenchConfig", "write_markdown", "plot", "hand_written_group",
           "standalone_code", "TARGETS", "startup"]

#: issue 5 targets on the 2-core reference machine
TARGETS = {
    "lif_cpp_1thread_1e6": 4e8,      # updates/s, cpp_standalone, 1 thread, N = 1e6
    "lif_brainpy_float64_1e6": 5e8,  # updates/s
    "hh_per_core": 1e7,              # updates/s per core
    "coba_cpp_s_per_bio_s": 2.0,     # wall seconds per biological second
    "brian2_hand_ratio": 0.03,       # |ratio - 1| <= 0.03
    "brainpy_builtin_ratio": 1.10,   # ratio <= 1.10
}

MODELS = ("lif", "adex", "izhikevich", "hodgkin_huxley")


@dataclass
class BenchConfig:
    """What one bench run measures (see :func:`config`)."""

    quick: bool
    models: tuple
    sizes: dict           # model -> list of N
    duration: float       # biological seconds per timed repeat (compiled backends)
    numpy_duration: float  # biological seconds per repeat for Brian2 runtime targets
    numpy_max_n: int      # largest N for the Brian2 runtime targets
    repeats: int
    compare_n: int        # N of the side-by-side comparisons
    compare_models: tuple
    threads: tuple        # OpenMP thread counts of cpp_standalone
    loop_n: int           # N and steps of the per-neuron Python loop
    loop_steps: int
    network_duration: float
    networks: tuple
    max_updates: float = 5e8  # cap of neuron updates per timed repeat (shortens big N)
    brainpy_dtypes: tuple = ("float64", "float32")  # library vs built-in comparisons
    train_steps: int = 200    # time steps of a timed training step (forward + backward)
    workdir: str = ""


def config(quick=False, repeats=None, models=None, workdir=None) -> BenchConfig:
    """The standard configurations: full (docs/benchmarks.md) and ``quick``."""
    if quick:
        cfg = BenchConfig(quick=True, models=("lif", "hodgkin_huxley"),
                          sizes={"lif": [1000, 10000], "hodgkin_huxley": [1000, 10000]},
                          duration=0.1, numpy_duration=0.02, numpy_max_n=10000, repeats=5,
                          compare_n=10000, compare_models=("lif",), threads=(1, 2),
                          loop_n=100, loop_steps=200, network_duration=0.1,
                          networks=("coba",), max_updates=2e7)
    else:
        sizes = {m: [1000, 100_000, 1_000_000] for m in MODELS}
        sizes["lif"] = [1000, 100_000, 1_000_000, 4_000_000]
        cfg = BenchConfig(quick=False, models=MODELS, sizes=sizes, duration=1.0,
                          numpy_duration=0.1, numpy_max_n=100_000, repeats=5,
                          compare_n=100_000, compare_models=MODELS, threads=(1, 2),
                          loop_n=1000, loop_steps=1000, network_duration=1.0,
                          networks=("coba", "cobahh"))
    if repeats is not None:
        if repeats < 1:
            raise ParameterError(f"found repeats={repeats}, expected >= 1")
        cfg.repeats = int(repeats)
    if models:
        unknown = [m for m in models if m not in MODELS]
        if unknown:
            raise ParameterError(f"unknown bench model(s) {unknown}; expected some of "
                                 f"{list(MODELS)}")
        cfg.models = tuple(models)
        cfg.compare_models = tuple(m for m in cfg.compare_models if m in models) or \
            (models[0],)
        cfg.sizes = {m: cfg.sizes.get(m, cfg.sizes[next(iter(cfg.sizes))]) for m in models}
    cfg.workdir = str(workdir or Path(tempfile.gettempdir()) / "neuroplug-bench")
    return cfg


# ----------------------------------------------------------------------------------
# the contenders
def _dt(model_id):
    return 0.01e-3 if model_id == "hodgkin_huxley" else 0.1e-3


def _drive(model_id, N):
    """A per-neuron constant drive (SI) from 0.5x to 1x the strongest cross-check amplitude."""
    from .library import model
    from .quantities import parse_quantity

    m = model(model_id)
    amp = max(float(parse_quantity(s)) for s in m.crosscheck.stimulus)
    return amp * np.linspace(0.5, 1.0, N)


#: the four models written by hand, as a Brian2 user would (literal values)
HAND_WRITTEN = {
    "lif": dict(
        equations="dv/dt = (E_L - v)/tau_m + I/C_m : volt (unless refractory)\nI : amp\n",
        threshold="v > V_th", reset="v = V_reset", refractory="t_ref", method="exact",
        namespace="E_L=-70*mV, tau_m=10*ms, C_m=250*pF, V_th=-55*mV, V_reset=-70*mV, "
                  "t_ref=2*ms", init="v=-70*mV", unit="amp"),
    "adex": dict(
        equations="dv/dt = (-g_L*(v - E_L) + g_L*Delta_T*exp((v - V_T)/Delta_T) - w + I)/C "
                  ": volt\ndw/dt = (a*(v - E_L) - w)/tau_w : amp\nI : amp\n",
        threshold="v > V_peak", reset="v = V_r; w += b", refractory=None,
        method="exponential_euler",
        namespace="C=281*pF, g_L=30*nS, E_L=-70.6*mV, V_T=-50.4*mV, Delta_T=2*mV, a=4*nS, "
                  "tau_w=144*ms, b=80.5*pA, V_r=-70.6*mV, V_peak=0*mV",
        init="v=-70.6*mV, w=0*pA", unit="amp"),
    "izhikevich": dict(
        equations="dv/dt = k*v**2 + p*v + q - u + I : volt\ndu/dt = a*(b*v - u) : "
                  "volt/second\nI : volt/second\n",
        threshold="v >= V_peak", reset="v = c; u += d", refractory=None, method="euler",
        namespace="k=0.04/ms/mV, p=5/ms, q=140*mV/ms, a=0.02/ms, b=0.2/ms, c=-65*mV, "
                  "d=8*mV/ms, V_peak=30*mV",
        init="v=-65*mV, u=0.2/ms*-65*mV", unit="volt/second"),
    "hodgkin_huxley": dict(
        equations="""
dv/dt = (g_Na*m**3*h*(E_Na - v) + g_K*n**4*(E_K - v) + g_L*(E_L - v) + I)/C_m : volt
dm/dt = alpha_m*(1 - m) - beta_m*m : 1
dh/dt = alpha_h*(1 - h) - beta_h*h : 1
dn/dt = alpha_n*(1 - n) - beta_n*n : 1
alpha_m = 1/exprel(-(v + 40*mV)/(10*mV))/ms : Hz
beta_m = 4*exp(-(v + 65*mV)/(18*mV))/ms : Hz
alpha_h = 0.07*exp(-(v + 65*mV)/(20*mV))/ms : Hz
beta_h = 1/(1 + exp(-(v + 35*mV)/(10*mV)))/ms : Hz
alpha_n = 0.1/exprel(-(v + 55*mV)/(10*mV))/ms : Hz
beta_n = 0.125*exp(-(v + 65*mV)/(80*mV))/ms : Hz
I : amp/meter**2
""",
        threshold="v > V_spike", reset=None, refractory="v > V_spike",
        method="exponential_euler",
        namespace="C_m=1*uF/cm**2, g_Na=120*mS/cm**2, g_K=36*mS/cm**2, g_L=0.3*mS/cm**2, "
                  "E_Na=50*mV, E_K=-77*mV, E_L=-54.387*mV, V_spike=0*mV",
        init="v=-65*mV, m=0.0529, h=0.5961, n=0.3177", unit="amp/meter**2"),
}


def _eval_kw(text):
    import brian2

    ns = {k: getattr(brian2, k) for k in dir(brian2) if not k.startswith("_")}
    # our own literal strings (HAND_WRITTEN), evaluated with Brian2 units
    return eval(f"dict({text})", {"__builtins__": {"dict": dict}}, ns)  # noqa: S307


def hand_written_group(model_id, N, *, name=None, codeobj_class=None, dt=None):
    """The model written by hand as a plain :class:`brian2.NeuronGroup` (no neuroplug)."""
    from brian2 import NeuronGroup

    h = HAND_WRITTEN[model_id]
    kwargs = dict(threshold=h["threshold"], method=h["method"],
                  namespace=_eval_kw(h["namespace"]), name=name or "neurongroup*",
                  codeobj_class=codeobj_class, dt=dt)
    if h["reset"]:
        kwargs["reset"] = h["reset"]
    if h["refractory"]:
        kwargs["refractory"] = h["refractory"]
    G = NeuronGroup(N, h["equations"], **kwargs)
    for var, value in _eval_kw(h["init"]).items():
        setattr(G, var, value)
    return G


def _group(model_id, variant, N, *, name, codeobj_class=None):
    import brian2 as b2
    from brian2.units.fundamentalunits import get_unit

    from .brian2 import group
    from .codegen import dim_of_unit
    from .library import model

    dt = _dt(model_id) * b2.second
    if variant == "library":
        G = group(model_id, N, name=name, codeobj_class=codeobj_class, dt=dt)
    else:
        G = hand_written_group(model_id, N, name=name, codeobj_class=codeobj_class, dt=dt)
    m = model(model_id)
    unit_text = m.inputs[m.primary_input].unit
    unit = 1 if unit_text == "1" else get_unit(dim_of_unit(unit_text))
    setattr(G, m.primary_input, _drive(model_id, N) * unit)
    return G


class _Contender:
    """Something timed repeatedly: ``prepare()`` once, then ``run_once()``."""

    label = ""
    setup_seconds = None

    def prepare(self):  # pragma: no cover - interface
        raise NotImplementedError

    def run_once(self):
        """Returns (seconds, peak RSS in MB or None)."""
        raise NotImplementedError  # pragma: no cover


class Brian2Runtime(_Contender):
    """A Brian2 group on the runtime device (numpy or cython target)."""

    def __init__(self, model_id, variant, target, N, duration):
        self.model_id, self.variant, self.target, self.N = model_id, variant, target, N
        self.duration = duration
        self.backend = f"brian2 {target}"
        self.label = f"{model_id} {variant} {target}"
        self.wall_seconds = []

    def prepare(self):
        import brian2 as b2
        from brian2.codegen.runtime.cython_rt import CythonCodeObject
        from brian2.codegen.runtime.numpy_rt import NumpyCodeObject

        cls = {"numpy": NumpyCodeObject, "cython": CythonCodeObject}[self.target]
        self.G = _group(self.model_id, self.variant, self.N,
                        name=f"{self.variant}_{self.target}*", codeobj_class=cls)
        self.net = b2.Network(self.G)
        t0 = time.perf_counter()
        with unit_free_numpy_functions():
            self.net.run(10 * self.G.clock.dt, namespace={})  # code generation / compilation
        self.setup_seconds = time.perf_counter() - t0

    def run_once(self):
        """Time of the group's code objects (Brian2's profiler), without the per-``run()``
        set-up (namespace resolution, code-object creation) that is the same for any
        number of steps; the wall time of ``run()`` is kept in ``wall_seconds``."""
        import brian2 as b2

        t0 = time.perf_counter()
        # Brian2's numpy exprel without its per-call unit check (bit-identical; for both
        # contenders of a comparison alike): see neuroplug.brian2.unit_free_numpy_functions
        with unit_free_numpy_functions():
            self.net.run(self.duration * b2.second, namespace={}, profile=True)
        self.wall_seconds.append(time.perf_counter() - t0)
        code = sum(float(t) for _, t in self.net.profiling_info)
        return code, _self_rss_mb()


def _self_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Standalone(_Contender):
    """A compiled ``cpp_standalone`` project; each repeat runs the binary once.

    Projects of one thread count are built in one work directory (so ``make`` only
    recompiles files whose content changed) and then copied to their own directory.
    """

    def __init__(self, model_id, variant, N, duration, threads, workdir, build_fn=None):
        self.model_id, self.variant, self.N, self.duration = model_id, variant, N, duration
        self.threads = threads
        self.workdir = Path(workdir)
        self.backend = f"brian2 cpp_standalone {threads}t"
        self.label = f"{model_id} {variant} cpp {threads}t"
        self.build_fn = build_fn or self._build_uncoupled
        steps = int(round(duration / _dt(model_id if model_id in MODELS else "lif")))
        self.directory = self.workdir / f"{model_id}-{variant}-{threads}t-{N}-{steps}"

    def _build_uncoupled(self):
        import brian2 as b2

        G = _group(self.model_id, self.variant, self.N, name="neurons")
        b2.Network(G).run(self.duration * b2.second, namespace={})

    def prepare(self):
        from .build import standalone_device

        build_dir = self.workdir / f"build-{self.threads}t"
        t0 = time.perf_counter()
        with standalone_device("cpp_standalone", build_dir, self.threads) as device:
            self.build_fn()
            device.build(directory=str(build_dir), compile=True, run=False, with_output=False)
            self.compile_seconds = device.timers["compile"]["make"]
        self.setup_seconds = time.perf_counter() - t0
        if self.directory.exists():
            shutil.rmtree(self.directory)
        shutil.copytree(build_dir, self.directory, symlinks=True,
                        ignore=shutil.ignore_patterns("results", "*.o", "brianlib"))
        self.run_once()  # warm the page cache

    def run_once(self):
        results = self.directory / "results"
        results.mkdir(exist_ok=True)
        env = dict(os.environ, OMP_NUM_THREADS=str(self.threads))
        cmd = ["./main", "--results_dir", str(results) + os.sep]
        rss_file = results / "maxrss.txt"
        # GNU time measures the binary's own peak RSS (a child forked from this Python
        # process would count the parent's pages it inherited before exec)
        gnu_time = Path("/usr/bin/time")
        if gnu_time.exists():
            cmd = [str(gnu_time), "-f", "%M", "-o", str(rss_file)] + cmd
        proc = subprocess.run(cmd, cwd=self.directory, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, env=env)
        if proc.returncode:
            err = proc.stderr.decode(errors="replace")[-500:]
            raise RuntimeError(f"{self.directory}/main failed ({proc.returncode}): {err}")
        run_time = float((results / "last_run_info.txt").read_text().split()[0])
        rss = None
        if rss_file.exists():
            try:
                rss = float(rss_file.read_text().split()[-1]) / 1024
            except (ValueError, IndexError):
                rss = None
        return run_time, rss


class BrainPyLayer(_Contender):
    """A ``brainpy.state`` layer (library class or built-in) under ``jit`` + ``for_loop``.

    ``mode="forward"`` times the simulation; ``mode="train"`` times one training step:
    the gradient of the spike count (through the surrogate) with respect to the input
    drive, forward and backward. The drive is an argument of the compiled function (as
    data is in training), not a constant folded into it. Both variants use the same
    surrogate (``InvSquareGrad``) and hard reset.
    """

    def __init__(self, model_id, variant, N, duration, dtype="float64", mode="forward"):
        self.model_id, self.variant, self.N, self.duration = model_id, variant, N, duration
        self.dtype, self.mode = dtype, mode
        tag = "" if mode == "forward" else " train"
        self.backend = f"brainpy {dtype}{tag}"
        self.label = f"{model_id} {variant} brainpy {dtype}{tag}"

    def _layer(self):
        """The layer, the drive's mantissa (N,) and its unit."""
        import brainpy.state as bps
        import braintools
        import saiunit as u

        from .brainpy import neuron_class

        mid, N = self.model_id, self.N
        drive = _drive(mid, N)
        spk = braintools.surrogate.InvSquareGrad()
        if self.variant == "library":
            layer = neuron_class(mid)(N, **LIBRARY_FOR_BUILTIN.get(mid, {}), dtype=self.dtype,
                                      spk_fun=spk)
            unit = layer._input_units[layer.neuroplug_model.primary_input]
            return layer, drive, (None if unit is u.UNITLESS else unit)
        if mid == "lif":
            layer = bps.LIF(N, R=40 * u.Mohm, tau=10 * u.ms, V_th=-55 * u.mV,
                            V_reset=-70 * u.mV, V_rest=-70 * u.mV, spk_reset="hard",
                            spk_fun=spk, V_initializer=braintools_const(-70 * u.mV))
            return layer, drive, u.amp
        if mid == "adex":
            layer = bps.AdExIF(N, R=1 / (30 * u.nS), tau=281 * u.pF / (30 * u.nS),
                               tau_w=144 * u.ms, V_th=0 * u.mV, V_reset=-70.6 * u.mV,
                               V_rest=-70.6 * u.mV, V_T=-50.4 * u.mV, delta_T=2 * u.mV,
                               a=4 * u.nS, b=80.5 * u.pA, spk_reset="hard", spk_fun=spk,
                               V_initializer=braintools_const(-70.6 * u.mV),
                               w_initializer=braintools_const(0 * u.pA))
            return layer, drive, u.amp
        if mid == "izhikevich":
            layer = bps.Izhikevich(N, spk_reset="hard", spk_fun=spk)
            return layer, drive, u.mV / u.ms
        if mid == "hodgkin_huxley":
            layer = bps.HH(N, spk_fun=spk, V_initializer=braintools_const(-65 * u.mV))
            # our density (A/m^2) per 1 cm^2 of membrane, the built-in's unit of area
            return layer, drive * 1e-4, u.amp
        raise ParameterError(f"no brainpy.state built-in for {mid}")

    def prepare(self):
        import brainstate
        import jax
        import jax.numpy as jnp
        import saiunit as u

        from .brainpy import precision

        self._ctx = [precision(self.dtype), brainstate.environ.context(dt=_dt(self.model_id)
                                                                        * u.second)]
        for c in self._ctx:
            c.__enter__()
        layer, drive, unit = self._layer()
        layer.init_state()
        steps = int(round(self.duration / _dt(self.model_id)))

        def count(x):
            inp = x if unit is None else x * unit
            return brainstate.transform.for_loop(lambda i: layer.update(inp).sum(),
                                                 np.arange(steps)).sum()

        if self.mode == "forward":
            simulate = brainstate.transform.jit(count)
        else:
            simulate = brainstate.transform.jit(brainstate.transform.grad(count))
        self._x = jnp.asarray(drive, dtype=self.dtype)
        self._simulate = lambda: simulate(self._x)
        t0 = time.perf_counter()
        jax.block_until_ready(self._simulate())
        self.setup_seconds = time.perf_counter() - t0
        self.spikes = None

    def run_once(self):
        import jax

        t0 = time.perf_counter()
        total = jax.block_until_ready(self._simulate())
        seconds = time.perf_counter() - t0
        self.spikes = float(np.sum(total))
        return seconds, _self_rss_mb()

    def close(self):
        for c in reversed(self._ctx):
            c.__exit__(None, None, None)


def braintools_const(value):
    import braintools

    return braintools.init.Constant(value)


#: library presets/methods matching the brainpy.state built-ins' conventions
LIBRARY_FOR_BUILTIN = {
    "lif": {"preset": "no_refractory", "method": "exponential_euler"},
    "adex": {"method": "exponential_euler"},
    "izhikevich": {"method": "euler"},
    "hodgkin_huxley": {"method": "exponential_euler"},
}


class PythonLoop(_Contender):
    """N seed-style neuron objects, each advanced by a Python ``step()`` call per time step."""

    def __init__(self, N, steps):
        self.N, self.steps = N, steps
        self.backend = "python step() loop"
        self.label = "lif python loop"

    def prepare(self):
        drive = _drive("lif", self.N)
        self.neurons = [SeedStyleLIF() for _ in range(self.N)]
        self.inputs = [float(d) for d in drive]
        self.setup_seconds = 0.0

    def run_once(self):
        t0 = time.perf_counter()
        for _ in range(self.steps):
            for neuron, current in zip(self.neurons, self.inputs):
                neuron.step(current)
        return time.perf_counter() - t0, _self_rss_mb()


@dataclass
class SeedStyleLIF:
    """One LIF neuron advanced by ``step(input_current) -> 0/1``, the style of the seed library.

    Same model as ``lif`` (exact integration, 2 ms refractory, SI units); each step
    validates its input and state as the seed's neurons do.
    """

    E_L: float = -70e-3
    tau_m: float = 10e-3
    C_m: float = 250e-12
    V_th: float = -55e-3
    V_reset: float = -70e-3
    t_ref_steps: int = 20
    dt: float = 1e-4
    v: float = -70e-3
    refractory_counter: int = 0

    def __post_init__(self):
        self._decay = math.exp(-self.dt / self.tau_m)

    def step(self, input_current: float) -> int:
        if not math.isfinite(input_current):
            raise ValueError("input_current must be finite")
        if self.refractory_counter > 0:
            self.refractory_counter -= 1
            return 0
        v_inf = self.E_L + input_current * self.tau_m / self.C_m
        self.v = v_inf + (self.v - v_inf) * self._decay
        if self.v > self.V_th:
            self.v = self.V_reset
            # the spike step counts into t_ref (Brian2: timestep(t - lastspike) < 20)
            self.refractory_counter = self.t_ref_steps - 1
            return 1
        return 0

    def reset_state(self) -> None:
        self.v, self.refractory_counter = self.E_L, 0

    def get_state(self) -> dict:
        return {"v": self.v, "refractory": self.refractory_counter}


# ----------------------------------------------------------------------------------
# networks
def _coba_network(kind, N=4000, duration=1.0, seed=1):
    """Build (not run) COBA or COBAHH from library models on the active device."""
    import brian2 as b2

    from .brian2 import group

    b2.seed(seed)
    if kind == "coba":
        dt = 0.1 * b2.ms
        P = group("coba_lif", N, dt=dt, name="coba_neurons")
        P.v = "E_L + rand()*(V_th - E_L)"
        w_e, w_i = 6 * b2.nS, 67 * b2.nS
        P.g_e = "(randn()*1.5 + 4)*10*nS"
        P.g_i = "(randn()*12 + 20)*10*nS"
    else:
        dt = 0.1 * b2.ms  # Brette et al. (2007) benchmark 3 step, exponential Euler
        P = group("traub_miles", N, dt=dt, name="cobahh_neurons")
        P.v = "E_L + (randn()*5 - 5)*mV"
        w_e, w_i = 6 * b2.nS, 67 * b2.nS
        P.g_e = "(randn()*1.5 + 4)*10*nS"
        P.g_i = "(randn()*12 + 20)*10*nS"
    n_exc = int(0.8 * N)
    Ce = b2.Synapses(P, P, on_pre="g_e += w_e", namespace={"w_e": w_e}, dt=dt, name="ce")
    Ci = b2.Synapses(P, P, on_pre="g_i += w_i", namespace={"w_i": w_i}, dt=dt, name="ci")
    Ce.connect(f"i < {n_exc}", p=0.02)
    Ci.connect(f"i >= {n_exc}", p=0.02)
    S = b2.SpikeMonitor(P, name="spikes")
    return b2.Network(P, Ce, Ci, S), S


class NetworkStandalone(Standalone):
    """COBA / COBAHH as a ``cpp_standalone`` binary."""

    def __init__(self, kind, duration, threads, workdir, N=4000):
        super().__init__(kind, "library", N, duration, threads, workdir,
                         build_fn=self._build_network)
        self.kind = kind
        self.label = f"{kind} cpp {threads}t"

    def _build_network(self):
        import brian2 as b2

        net, _ = _coba_network(self.kind, self.N, self.duration)
        net.run(self.duration * b2.second, namespace={})

    def spike_count(self):
        p = self.directory / "results"
        files = sorted(p.glob("_dynamic_array_spikes_i*"))
        return int(files[0].stat().st_size // 4) if files else None


# ----------------------------------------------------------------------------------
def copy_bandwidth(nbytes=256 * 2**20, repeats=5) -> float:
    """Copy bandwidth in GB/s (read + write) of one core, ``numpy.copyto`` of large arrays."""
    src = np.ones(nbytes // 8)
    dst = np.empty_like(src)
    best = math.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        np.copyto(dst, src)
        best = min(best, time.perf_counter() - t0)
    return 2 * nbytes / best / 1e9


_LIBM_SOURCE = r"""
#include <chrono>
#include <cmath>
#include <cstdio>
#include <vector>
int main() {
  const int n = 1 << 20;
  std::vector<double> x(n), y(n);
  for (int i = 0; i < n; i++) x[i] = -3.0 + 6.0 * i / n;
  double best[2] = {1e9, 1e9};
  for (int r = 0; r < 7; r++)
    for (int k = 0; k < 2; k++) {
      auto t0 = std::chrono::steady_clock::now();
      if (k == 0) for (int i = 0; i < n; i++) y[i] = exp(x[i]);
      else for (int i = 0; i < n; i++) y[i] = expm1(x[i]) / x[i];
      double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      if (s < best[k]) best[k] = s;
      asm volatile("" : : "r"(y.data()) : "memory");
    }
  printf("%.4f %.4f\n", best[0] / n * 1e9, best[1] / n * 1e9);
}
"""


def _call_args(src, fn, not_after=""):
    """Argument strings of every call ``fn(...)`` in C++ source ``src`` (calls right after
    ``not_after`` excluded)."""
    skip = rf"(?<!{re.escape(not_after)})" if not_after else ""
    out = []
    for m in re.finditer(skip + r"(?<![\w.])" + re.escape(fn) + r"\(", src):
        depth, j = 1, m.end()
        while depth:
            depth += {"(": 1, ")": -1}.get(src[j], 0)
            j += 1
        out.append(src[m.end():j - 1])
    return out


def libm_calls(model_id="hodgkin_huxley") -> dict:
    """Scalar ``exp``/``expm1`` calls per neuron update in Brian2's generated state updater.

    Counted after common subexpressions (distinct arguments); ``pow(exp(x), c)`` counts
    as one ``exp`` per distinct ``c``, because gcc's ``-ffast-math`` folds it into
    ``exp(c*x)``; ``_exprel`` is one ``expm1``.
    """
    code = standalone_code(model_id, "library")["GROUP_stateupdater"]
    body = code[code.index("_vectorisation_idx = _idx"):]
    pows = {a for a in _call_args(body, "_brian_pow") if a.startswith("exp(")}
    exps = set(_call_args(body, "exp", not_after="_brian_pow("))
    return {"exp": len(exps) + len(pows),
            "expm1": len(set(_call_args(body, "_exprel")))}


def libm_cost(workdir, calls=None) -> dict:
    """Nanoseconds per scalar ``exp`` and ``expm1(x)/x`` on this machine.

    Compiled with Brian2's C++ flags plus ``-fno-tree-vectorize`` (gcc does not vectorise
    Brian2's HH state-update loop), so it is the cost those calls have there. With
    ``calls`` (:func:`libm_calls`) it adds the libm time per update and the ceiling it
    sets. Returns ``{"error": reason}`` when no C++ compiler works.
    """
    import brian2 as b2

    cxx = os.environ.get("CXX", "g++")
    if shutil.which(cxx) is None:
        return {"error": f"no C++ compiler {cxx!r}"}
    d = Path(workdir)
    d.mkdir(parents=True, exist_ok=True)
    (d / "libm_cost.cpp").write_text(_LIBM_SOURCE)
    flags = [f for f in b2.prefs.codegen.cpp.extra_compile_args_gcc if not f.startswith("-std")]
    cmd = [cxx, *flags, "-fno-tree-vectorize", "-std=c++11", str(d / "libm_cost.cpp"),
           "-o", str(d / "libm_cost")]
    try:
        subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=120)
        out = subprocess.run([str(d / "libm_cost")], check=True, capture_output=True,
                             text=True, timeout=120).stdout.split()
    except (subprocess.SubprocessError, OSError) as exc:
        return {"error": f"{' '.join(cmd)}: {exc}"}
    res = {"exp_ns": float(out[0]), "expm1_ns": float(out[1]),
           "flags": flags + ["-fno-tree-vectorize"]}
    if calls:
        per_update = calls["exp"] * res["exp_ns"] + calls["expm1"] * res["expm1_ns"]
        res.update({"hh_calls": calls, "hh_libm_ns_per_update": per_update,
                    "hh_ceiling_updates_per_s": 1e9 / per_update})
    return res


def bytes_per_update(model_id) -> int:
    """Lower bound of the memory traffic of one neuron update, in bytes (float64).

    Every state variable is read and written, every input read; a time-based
    refractoriness reads ``lastspike`` and reads/writes ``not_refractory`` (1 byte).
    """
    from .library import model

    m = model(model_id)
    b = 16 * len(m.state) + 8 * len(m.inputs)
    if m.refractory:
        b += 8 + 2
    return b


def _interleaved(contenders, repeats, bar=None):
    """Run every contender once per repeat, in turn; returns {label: [(s, rss), ...]}."""
    out = {c.label: [] for c in contenders}
    for r in range(repeats):
        order = contenders if r % 2 == 0 else contenders[::-1]  # cancel order effects
        for c in order:
            out[c.label].append(c.run_once())
            if bar is not None:
                bar.update(1)
    return out


def _summary(samples):
    secs = [s for s, _ in samples]
    rss = [m for _, m in samples if m is not None]
    best = min(secs)
    return {"seconds": secs, "min_s": best, "median_s": float(np.median(secs)),
            "spread": (max(secs) - best) / best if best > 0 else None,
            "peak_rss_mb": max(rss) if rss else None}


def _ratio(a, b):
    """min(a)/min(b) and the spread of the per-repeat ratios."""
    ra = [x for x, _ in a]
    rb = [x for x, _ in b]
    pair = [x / y for x, y in zip(ra, rb)]
    return {"ratio": min(ra) / min(rb), "ratio_median": float(np.median(pair)),
            "ratio_min": min(pair), "ratio_max": max(pair)}


def _environment():
    import brainpy
    import brian2
    import jax

    from .startup import cpu_model

    cpu = cpu_model()
    mem = None
    try:
        mem = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError):
        pass
    from .build import brian2cuda_note

    return {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "host": platform.node(), "cpu": cpu, "cores": os.cpu_count(), "memory_gib": mem,
            "load_average_start": os.getloadavg(), "python": platform.python_version(),
            "brian2": brian2.__version__, "brainpy": brainpy.__version__,
            "jax": jax.__version__, "jax_devices": [str(d) for d in jax.devices()],
            "numpy": np.__version__, "xla_flags": os.environ.get("XLA_FLAGS", ""),
            "brian2cuda": brian2cuda_note(), "gpu": _gpu_name()}


def _gpu_name():
    if shutil.which("nvidia-smi") is None:
        return None
    try:
        out = subprocess.run(["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"],
                             capture_output=True, text=True, timeout=20)
        return out.stdout.strip() or None
    except Exception:
        return None


# ----------------------------------------------------------------------------------
def run(cfg: BenchConfig | None = None, *, progress=True, log=print) -> dict:
    """Run the benchmark; returns the result dictionary (see ``--json``)."""
    import brian2 as b2

    from .progress import progress_bar

    cfg = cfg or config()
    workdir = Path(cfg.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    res = {"environment": _environment(), "config": asdict(cfg), "uncoupled": [],
           "comparisons": [], "networks": [], "python_loop": None, "code_identity": []}
    res["copy_bandwidth_gbs"] = copy_bandwidth()
    res["libm"] = libm_cost(workdir / "libm", libm_calls("hodgkin_huxley")
                            if "hodgkin_huxley" in cfg.models else None)
    plan = _plan(cfg)
    total = sum(len(p["contenders"]) * (cfg.repeats + 1) for p in plan)
    bar = progress_bar(range(total), desc="bench", disable=not progress, unit="run")
    b2.prefs.codegen.target = "numpy"
    for item in plan:
        bar.set_postfix_str(item["title"][:50])
        for c in item["contenders"]:
            c.prepare()
            bar.update(1)
        samples = _interleaved(item["contenders"], cfg.repeats, bar)
        for c in item["contenders"]:
            if isinstance(c, BrainPyLayer):
                c.close()
        _record(res, item, samples, cfg)
        bar.write(_line(res, item))
    bar.close()
    res["code_identity"] = [{"model": m, "target": "cpp_standalone",
                             **code_identity(m)} for m in cfg.compare_models]
    res["environment"]["load_average_end"] = os.getloadavg()
    res["targets"] = _targets(res)
    return res


#: relative cost of one neuron update, scaling the per-repeat update cap so that a
#: repeat lasts seconds for every model (an HH update costs ~50 LIF updates: about ten
#: scalar exp/expm1 calls, see docs/benchmarks.md)
UPDATE_COST = {"hodgkin_huxley": 25.0}


def _duration(cfg, mid, N, duration, scale=1.0):
    """``duration`` shortened (whole steps, at least 100) so that a repeat has at most
    ``cfg.max_updates * scale / UPDATE_COST[mid]`` neuron updates: steady-state
    throughput needs no 1 s of HH at N = 1e6 (1e11 updates)."""
    dt = _dt(mid)
    cap = cfg.max_updates * scale / UPDATE_COST.get(mid, 1.0)
    steps = min(int(round(duration / dt)), max(100, int(cap / N)))
    return steps * dt


def _plan(cfg):
    """The measurement groups, in order; each is timed with interleaved repeats."""
    plan = []
    wd = Path(cfg.workdir)
    for mid in cfg.models:
        for N in cfg.sizes[mid]:
            dur = _duration(cfg, mid, N, cfg.duration)
            cs = [Standalone(mid, "library", N, dur, 1, wd),
                  BrainPyLayer(mid, "library", N, dur)]
            if N <= cfg.numpy_max_n:
                cs.append(Brian2Runtime(mid, "library", "numpy", N,
                                        _duration(cfg, mid, N, cfg.numpy_duration, 0.1)))
            plan.append({"kind": "uncoupled", "model": mid, "N": N, "contenders": cs,
                         "title": f"{mid} N={N}"})
    for mid in cfg.compare_models:
        N = cfg.compare_n
        dur = _duration(cfg, mid, N, cfg.duration)
        for target in ("numpy", "cython"):
            d = _duration(cfg, mid, N, cfg.numpy_duration, 0.1)
            plan.append({"kind": "brian2_vs_hand", "model": mid, "N": N, "backend": target,
                         "title": f"{mid} library vs hand {target}",
                         "contenders": [Brian2Runtime(mid, v, target, N, d)
                                        for v in ("library", "hand")]})
        for threads in cfg.threads:
            plan.append({"kind": "brian2_vs_hand", "model": mid, "N": N,
                         "backend": f"cpp_standalone {threads}t",
                         "title": f"{mid} library vs hand cpp {threads}t",
                         "contenders": [Standalone(mid, v, N, dur, threads, wd)
                                        for v in ("library", "hand")]})
        for dtype in cfg.brainpy_dtypes:
            for mode in ("forward", "train"):
                # a training step keeps every step's state for the backward pass: fewer steps
                d = dur if mode == "forward" else _dt(mid) * cfg.train_steps
                tag = "" if mode == "forward" else " train"
                plan.append({"kind": "brainpy_vs_builtin", "model": mid, "N": N,
                             "backend": f"brainpy {dtype}{tag}",
                             "title": f"{mid} library vs built-in {dtype}{tag}",
                             "contenders": [BrainPyLayer(mid, v, N, d, dtype, mode)
                                            for v in ("library", "builtin")]})
    plan.append({"kind": "python_loop", "model": "lif", "N": cfg.loop_n,
                 "title": "lif python step() loop",
                 "contenders": [PythonLoop(cfg.loop_n, cfg.loop_steps),
                                Brian2Runtime("lif", "library", "numpy", cfg.loop_n,
                                              cfg.loop_steps * 1e-4),
                                BrainPyLayer("lif", "library", cfg.loop_n,
                                             cfg.loop_steps * 1e-4),
                                Standalone("lif", "library", cfg.loop_n,
                                           cfg.loop_steps * 1e-4, 1, wd)]})
    for kind in cfg.networks:
        plan.append({"kind": "network", "model": kind, "N": 4000, "title": kind,
                     "contenders": [NetworkStandalone(kind, cfg.network_duration, 1, wd)]})
    return plan


def _steps(c):
    dur = c.duration if not isinstance(c, PythonLoop) else c.steps * 1e-4
    if isinstance(c, PythonLoop):
        return c.steps
    return int(round(dur / _dt(c.model_id if c.model_id in MODELS else "lif")))


def _entry(c, samples):
    s = _summary(samples)
    steps = _steps(c)
    e = {"label": c.label, "backend": c.backend, "N": c.N, "steps": steps,
         "setup_s": c.setup_seconds, **s}
    if isinstance(c, Standalone):
        e["compile_s"] = c.compile_seconds
    if isinstance(c, Brian2Runtime):
        e["wall_seconds"] = c.wall_seconds
        e["wall_min_s"] = min(c.wall_seconds)
    e["updates_per_s"] = c.N * steps / s["min_s"]
    return e


def _record(res, item, samples, cfg):
    cs = item["contenders"]
    entries = [_entry(c, samples[c.label]) for c in cs]
    kind = item["kind"]
    if kind == "uncoupled":
        bpu = bytes_per_update(item["model"])
        for e in entries:
            e["bytes_per_update"] = bpu
            e["traffic_gbs"] = e["updates_per_s"] * bpu / 1e9
            e["traffic_fraction_of_copy"] = e["traffic_gbs"] / res["copy_bandwidth_gbs"]
            res["uncoupled"].append({"model": item["model"], **e})
    elif kind in ("brian2_vs_hand", "brainpy_vs_builtin"):
        r = _ratio(samples[cs[0].label], samples[cs[1].label])
        res["comparisons"].append({"kind": kind, "model": item["model"], "N": item["N"],
                                   "backend": item["backend"], "library": entries[0],
                                   "reference": entries[1], **r})
    elif kind == "python_loop":
        loop = entries[0]
        res["python_loop"] = {"N": item["N"], "loop": loop, "library": entries[1:],
                              "speedup": {e["backend"]: e["updates_per_s"] /
                                          loop["updates_per_s"] for e in entries[1:]}}
    elif kind == "network":
        e = entries[0]
        c = cs[0]
        res["networks"].append({"network": item["model"], "N": c.N, **e,
                                "bio_seconds": c.duration,
                                "s_per_bio_s": e["min_s"] / c.duration,
                                "spikes": c.spike_count()})


def _line(res, item):
    kind = item["kind"]
    if kind == "uncoupled":
        es = res["uncoupled"][-len(item["contenders"]):]
        return f"{item['title']:<28} " + "  ".join(
            f"{e['backend']}: {e['updates_per_s']:.3g}/s" for e in es)
    if kind in ("brian2_vs_hand", "brainpy_vs_builtin"):
        c = res["comparisons"][-1]
        return (f"{item['title']:<40} ratio {c['ratio']:.3f} "
                f"(per-repeat {c['ratio_min']:.3f}..{c['ratio_max']:.3f})")
    if kind == "python_loop":
        p = res["python_loop"]
        return "python loop speedups: " + ", ".join(f"{k} x{v:.3g}"
                                                    for k, v in p["speedup"].items())
    n = res["networks"][-1]
    return f"{item['title']:<10} {n['s_per_bio_s']:.2f} s per biological second " \
           f"({n['spikes']} spikes)"


def _targets(res):
    out = []

    def find(model, backend, N):
        for e in res["uncoupled"]:
            if e["model"] == model and e["backend"] == backend and e["N"] == N:
                return e["updates_per_s"]
        return None

    def add(name, measured, target, ok):
        out.append({"target": name, "goal": target, "measured": measured,
                    "met": None if measured is None else bool(ok(measured))})

    add("LIF cpp_standalone 1 thread, N=1e6 (updates/s)",
        find("lif", "brian2 cpp_standalone 1t", 1_000_000), ">= 4e8", lambda x: x >= 4e8)
    add("LIF BrainPy float64, N=1e6 (updates/s)",
        find("lif", "brainpy float64", 1_000_000), ">= 5e8", lambda x: x >= 5e8)
    hh = [e["updates_per_s"] for e in res["uncoupled"] if e["model"] == "hodgkin_huxley"
          and e["backend"] == "brian2 cpp_standalone 1t"]
    add("HH cpp_standalone 1 thread, best N (updates/s per core)", max(hh) if hh else None,
        ">= 1e7", lambda x: x >= 1e7)
    coba = [n["s_per_bio_s"] for n in res["networks"] if n["network"] == "coba"]
    add("COBA 4000 cpp_standalone (s per biological s)", coba[0] if coba else None,
        "<= 2", lambda x: x <= 2)
    for c in res["comparisons"]:
        if c["kind"] == "brian2_vs_hand":
            add(f"Brian2 {c['model']} library/hand {c['backend']} (time ratio)", c["ratio"],
                "1.00 +- 0.03", lambda x: abs(x - 1) <= 0.03)
        else:
            add(f"BrainPy {c['model']} library/built-in {c['backend'][8:]} (time ratio)",
                c["ratio"], "<= 1.10", lambda x: x <= 1.10)
    return out


# ----------------------------------------------------------------------------------
# code identity
def standalone_code(model_id, variant, N=10) -> dict:
    """The generated ``cpp_standalone`` code objects of one group (nothing is compiled).

    Returns ``{kind: code}`` for the state updater, thresholder and resetter, with the
    group's name replaced by ``GROUP``.
    """
    import brian2 as b2

    from .build import standalone_device

    name = f"np_{variant}"
    with tempfile.TemporaryDirectory() as d, standalone_device("cpp_standalone", d) as device:
        G = _group(model_id, variant, N, name=name)
        b2.Network(G).run(1 * b2.ms, namespace={})
        out = {}
        for obj in (G.state_updater, G.thresholder.get("spike"), G.resetter.get("spike")):
            if obj is None or obj.codeobj is None:
                continue
            code = obj.codeobj.code
            text = "\n".join(getattr(code, part) for part in ("cpp_file", "h_file")
                             if hasattr(code, part))
            kind = obj.name.replace(name, "GROUP")
            # names differ only by the group name and the code object counter
            text = re.sub(r"_codeobject(_\d+)?", "_codeobject", text.replace(name, "GROUP"))
            text = re.sub(r"GROUP_clock(_\d+)?", "GROUP_clock", text)
            out[kind] = text
        del device
    return out


def code_identity(model_id) -> dict:
    """Compare the cpp_standalone code objects of the library class and the hand-written one."""
    lib = standalone_code(model_id, "library")
    hand = standalone_code(model_id, "hand")
    same = {k: lib.get(k) == hand.get(k) for k in sorted(set(lib) | set(hand))}
    return {"code_objects": sorted(lib), "identical": all(same.values()) and bool(same),
            "per_object": same}


# ----------------------------------------------------------------------------------
# output
def save_json(res, path):
    from .crosschecking import _atomic_write, _jsonable

    return _atomic_write(path, json.dumps(_jsonable(res), indent=2) + "\n")


def _g(x, fmt=".3g"):
    return "-" if x is None else format(x, fmt)


def markdown(res) -> str:
    """Markdown tables of a bench result (the body of docs/benchmarks.md's results)."""
    env = res["environment"]
    L = [f"Measured {env['date']} on {env['cpu']} ({env['cores']} cores, "
         f"{env['memory_gib']} GiB), load average {_g(env['load_average_start'][0], '.1f')} at "
         f"start; Python {env['python']}, Brian2 {env['brian2']}, BrainPy {env['brainpy']}, "
         f"JAX {env['jax']} ({', '.join(env['jax_devices'])}); GPU: {env['gpu'] or 'none'}. "
         f"{'Quick run. ' if res['config']['quick'] else ''}"
         f"{res['config']['repeats']} interleaved repeats; times are minima, spread = "
         f"(max - min)/min. Copy bandwidth measured in this run: "
         f"{res['copy_bandwidth_gbs']:.1f} GB/s.", ""]
    L += ["### Uncoupled populations", "",
          "| model | N | backend | steps | updates/s | min s | spread | set-up s | peak RSS MB | "
          "traffic GB/s | of copy bw |",
          "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for e in res["uncoupled"]:
        L.append(f"| {e['model']} | {e['N']:.0e} | {e['backend']} | {e['steps']} | "
                 f"{e['updates_per_s']:.3g} "
                 f"| {e['min_s']:.3g} | {_g(e['spread'], '.0%')} | {_g(e['setup_s'], '.1f')} | "
                 f"{_g(e['peak_rss_mb'], '.0f')} | {e['traffic_gbs']:.2f} | "
                 f"{e['traffic_fraction_of_copy']:.0%} |")
    L += ["", "### Library vs hand-written / built-in (side by side)", "",
          "| comparison | model | N | backend | time ratio (min/min) | per-repeat ratios | "
          "library updates/s |", "|---|---|---:|---|---:|---|---:|"]
    for c in res["comparisons"]:
        what = "Brian2 library / hand-written" if c["kind"] == "brian2_vs_hand" else \
            "BrainPy library / brainpy.state built-in"
        L.append(f"| {what} | {c['model']} | {c['N']:.0e} | {c['backend']} | "
                 f"{c['ratio']:.3f} | {c['ratio_min']:.3f}..{c['ratio_max']:.3f} | "
                 f"{c['library']['updates_per_s']:.3g} |")
    if res["code_identity"]:
        L += ["", "Generated `cpp_standalone` code objects, library class vs hand-written "
              "(group name replaced): " + "; ".join(
                  f"{c['model']}: {'identical' if c['identical'] else 'DIFFERENT'} "
                  f"({', '.join(c['code_objects'])})" for c in res["code_identity"]) + "."]
    p = res["python_loop"]
    if p:
        L += ["", "### Per-neuron Python step() loop (seed-library style)", "",
              f"LIF, N = {p['N']}: Python loop {p['loop']['updates_per_s']:.3g} updates/s.", "",
              "| library backend | updates/s | speedup |", "|---|---:|---:|"]
        for e in p["library"]:
            L.append(f"| {e['backend']} | {e['updates_per_s']:.3g} | "
                     f"{p['speedup'][e['backend']]:.3g}x |")
    if res["networks"]:
        L += ["", "### Networks (cpp_standalone, 1 thread)", "",
              "| network | N | biological s | wall s (min) | s per biological s | spread | "
              "spikes | compile s |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
        for n in res["networks"]:
            L.append(f"| {n['network']} | {n['N']} | {n['bio_seconds']:g} | {n['min_s']:.3g} | "
                     f"{n['s_per_bio_s']:.3g} | {_g(n['spread'], '.0%')} | {n['spikes']} | "
                     f"{_g(n.get('compile_s'), '.1f')} |")
    lm = res.get("libm") or {}
    if "hh_calls" in lm:
        L += ["", f"Scalar libm cost in this run (Brian2's C++ flags, not vectorised, as in "
              f"Brian2's HH loop): exp {lm['exp_ns']:.1f} ns, expm1(x)/x {lm['expm1_ns']:.1f} "
              f"ns; an HH update makes {lm['hh_calls']['exp']} exp and "
              f"{lm['hh_calls']['expm1']} expm1 calls, {lm['hh_libm_ns_per_update']:.0f} ns, "
              f"so libm alone caps HH at {lm['hh_ceiling_updates_per_s']:.3g} updates/s "
              "per core."]
    L += ["", "### Targets (issue 5)", "", "| target | goal | measured | met |",
          "|---|---|---:|---|"]
    for t in res["targets"]:
        met = "n/a" if t["met"] is None else ("yes" if t["met"] else "**no**")
        L.append(f"| {t['target']} | {t['goal']} | {_g(t['measured'])} | {met} |")
    return "\n".join(L) + "\n"


def write_markdown(res, path):
    from .crosschecking import _atomic_write

    return _atomic_write(path, markdown(res))


def plot(res, path):
    """Updates/s vs N per backend (top) and the implied memory traffic as a fraction of the
    copy bandwidth measured in the same run (bottom, a roofline view), one column per model."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .plotting import _save

    models = list(dict.fromkeys(e["model"] for e in res["uncoupled"]))
    n = max(1, len(models))
    fig, axes = plt.subplots(2, n, figsize=(4.2 * n, 6.4), squeeze=False, sharex="col")
    for col, mid in enumerate(models):
        es = [e for e in res["uncoupled"] if e["model"] == mid]
        top, bottom = axes[0][col], axes[1][col]
        for backend in dict.fromkeys(e["backend"] for e in es):
            pts = sorted((e["N"], e["updates_per_s"], e["traffic_fraction_of_copy"])
                         for e in es if e["backend"] == backend)
            xs, ys, fr = zip(*pts)
            top.loglog(xs, ys, "o-", label=backend)
            bottom.semilogx(xs, fr, "o-", label=backend)
        top.set_title(mid)
        bottom.axhline(1.0, color="k", lw=0.8, ls="--")
        bottom.set_xlabel("N (neurons)")
        for ax in (top, bottom):
            ax.grid(True, which="both", alpha=0.3)
    axes[0][0].set_ylabel("neuron updates per second")
    axes[1][0].set_ylabel(f"implied traffic / copy bandwidth\n"
                          f"({res['copy_bandwidth_gbs']:.1f} GB/s)")
    axes[0][-1].legend(fontsize=7, loc="lower right")
    env = res["environment"]
    fig.suptitle(f"neuroplug bench - {env['cpu']}, {env['date'][:10]}", fontsize=9)
    return _save(fig, path)
