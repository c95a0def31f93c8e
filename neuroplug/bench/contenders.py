"""The contenders: what is timed, each prepared once and then run once per repeat.

Brian2 groups on the runtime targets (``numpy``, ``cython``), ``cpp_standalone``
binaries (uncoupled populations and the COBA / COBAHH networks), ``brainpy.state``
layers (library class vs the built-in, forward or one training step) and the per-neuron
Python ``step()`` loop.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np

from ..brian2 import unit_free_numpy_functions
from ..errors import ParameterError
from .config import MODELS
from .timing import _self_rss_mb
from .workloads import SeedStyleLIF, _coba_network, _drive, _dt, _group


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
        from ..build import standalone_device

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

        from ..brainpy import neuron_class

        mid, N = self.model_id, self.N
        drive = _drive(mid, N)
        spk = braintools.surrogate.InvSquareGrad()
        if self.variant in ("library", "library-brian2"):
            options = dict(LIBRARY_FOR_BUILTIN.get(mid, {}))
            if self.variant == "library-brian2":  # Brian2's state after every step
                options.pop("lazy_reset", None)
            layer = neuron_class(mid)(N, **options, dtype=self.dtype, spk_fun=spk)
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

        from ..brainpy import precision

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


#: library presets/methods matching the brainpy.state built-ins' conventions. The
#: built-ins apply a step's reset at the start of the next step (lazy_reset), which saves
#: LIF one pass per step; for AdEx and Izhikevich (two state variables, two update loops
#: that read the old state) it costs copies, so they keep the default. Variant
#: "library-brian2" runs LIF with Brian2's same-step reset.
LIBRARY_FOR_BUILTIN = {
    "lif": {"preset": "no_refractory", "method": "exponential_euler", "lazy_reset": True},
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
