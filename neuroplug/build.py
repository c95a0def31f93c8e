"""Standalone builds of library models: ``cpp_standalone`` and ``cuda_standalone``.

``neuroplug build MODEL [MODEL ...] --target cuda_standalone --compile-only`` generates
a Brian2 standalone project (one group per model, driven by the model's strongest
cross-check amplitude, with a spike monitor) and compiles it.  ``cuda_standalone`` is
Brian2's GPU device from the ``brian2cuda`` package; code generation and ``nvcc``
compilation work without a GPU, running the binary needs one.

brian2cuda 1.0a7 declares ``brian2==2.8.0`` but works with Brian2 2.9 for code
generation and compilation; install it with ``pip install --no-deps brian2cuda==1.0a7
nvidia-curand`` (the ``cuda`` extra of neuroplug does this).  CUDA 13 needs C++17, so
:func:`cuda_preferences` sets ``-std=c++17`` for nvcc and the host compiler, compiles
for compute capability 9.0 (``sm_90``) without GPU detection, and points the build at
the cuRAND headers and library of the ``nvidia-curand`` wheel.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from .errors import BackendError, ParameterError

__all__ = ["build", "BuildResult", "TARGETS", "cuda_preferences", "cuda_available",
           "standalone_device"]

TARGETS = ("cpp_standalone", "cuda_standalone")


@dataclass
class BuildResult:
    """What :func:`build` produced.

    Attributes
    ----------
    target, models, directory : str, list of str, Path
    binary : Path or None
        The compiled executable (``None`` when not compiled).
    generate_seconds, compile_seconds, run_seconds : float or None
        Code generation, compilation (``make``) and binary run time.
    spikes : dict
        Spike count per model (only when the binary was run).
    """

    target: str
    models: list
    directory: Path
    binary: Path | None
    generate_seconds: float
    compile_seconds: float | None
    run_seconds: float | None = None
    spikes: dict = field(default_factory=dict)


def cuda_available() -> str | None:
    """Why a CUDA build is impossible here (``None`` if brian2cuda and nvcc are present)."""
    if shutil.which("nvcc") is None:
        return "nvcc is not on the PATH (install the CUDA toolkit)"
    try:
        import brian2cuda  # noqa: F401
    except ImportError:
        return ("brian2cuda is not installed (pip install --no-deps brian2cuda==1.0a7 "
                "nvidia-curand)")
    return None


def _curand_dirs(libdir: Path) -> tuple[str | None, str | None]:
    """Include and library directory of the ``nvidia-curand`` wheel (a ``libcurand.so`` link)."""
    try:
        import nvidia
    except ImportError:
        return None, None
    for base in map(Path, nvidia.__path__):
        for sub in sorted(base.glob("cu*")) + [base / "curand"]:
            libs = sorted((sub / "lib").glob("libcurand.so*"))
            if (sub / "include" / "curand.h").exists() and libs:
                libdir.mkdir(parents=True, exist_ok=True)
                link = libdir / "libcurand.so"
                if not link.exists():
                    link.symlink_to(libs[0])
                return str(sub / "include"), str(libdir)
    return None, None


@contextlib.contextmanager
def cuda_preferences(compute_capability: float = 9.0, libdir: Path | None = None):
    """Brian2 preferences for building brian2cuda projects without a GPU (restored after)."""
    reason = cuda_available()
    if reason:
        raise BackendError(f"cannot build for cuda_standalone: {reason}")
    import brian2cuda  # noqa: F401  (registers the device and its preferences)
    from brian2 import prefs

    names = ["devices.cuda_standalone.cuda_backend.detect_gpus",
             "devices.cuda_standalone.cuda_backend.gpu_id",
             "devices.cuda_standalone.cuda_backend.compute_capability",
             "devices.cuda_standalone.cuda_backend.extra_compile_args_nvcc",
             "codegen.cpp.extra_compile_args_gcc", "codegen.cpp.include_dirs",
             "codegen.cpp.library_dirs"]
    old = {n: prefs[n] for n in names}
    include, lib = _curand_dirs(libdir or Path(tempfile.gettempdir()) / "neuroplug-curand")
    try:
        prefs["devices.cuda_standalone.cuda_backend.detect_gpus"] = False
        prefs["devices.cuda_standalone.cuda_backend.gpu_id"] = 0
        prefs["devices.cuda_standalone.cuda_backend.compute_capability"] = compute_capability
        nvcc = [a for a in old[names[3]] if not a.startswith("-std=")]
        prefs[names[3]] = nvcc + ["-std=c++17"]
        gcc = [a for a in old[names[4]] if not a.startswith("-std=")]
        prefs[names[4]] = gcc + ["-std=c++17"]
        if include:
            prefs["codegen.cpp.include_dirs"] = list(old[names[5]]) + [include]
            prefs["codegen.cpp.library_dirs"] = list(old[names[6]]) + [lib]
        yield
    finally:
        for n, v in old.items():
            prefs[n] = v


@contextlib.contextmanager
def standalone_device(target: str, directory, threads: int = 1):
    """Make ``target`` Brian2's active device for one project; back to runtime after."""
    import brian2 as b2

    if target not in TARGETS:
        raise ParameterError(f"found target {target!r}, expected one of {list(TARGETS)}")
    old_threads = b2.prefs.devices.cpp_standalone.openmp_threads
    b2.prefs.devices.cpp_standalone.openmp_threads = 0 if threads <= 1 else int(threads)
    old_make = list(b2.prefs.devices.cpp_standalone.extra_make_args_unix)
    if old_make == ["-j"]:
        # Brian2's default starts one compiler per source file at once: with a large
        # project that is hundreds of cc1plus processes (gigabytes each) on a 2-core machine
        b2.prefs.devices.cpp_standalone.extra_make_args_unix = [f"-j{os.cpu_count() or 1}"]
    stack = contextlib.ExitStack()
    try:
        if target == "cuda_standalone":
            stack.enter_context(cuda_preferences())
        b2.set_device(target, directory=str(directory), build_on_run=False)
        b2.device.reinit()
        b2.device.activate(directory=str(directory), build_on_run=False)
        yield b2.device
    finally:
        b2.prefs.devices.cpp_standalone.openmp_threads = old_threads
        b2.prefs.devices.cpp_standalone.extra_make_args_unix = old_make
        b2.device.reinit()
        b2.set_device("runtime")
        stack.close()


def build(models, target: str = "cpp_standalone", directory=None, N: int = 100,
          duration: str = "10 ms", compile: bool = True, run: bool = False,
          threads: int = 1) -> BuildResult:
    """Generate (and compile, and run) a standalone project of library models.

    Parameters
    ----------
    models : str or list of str
        Model ids (or model file paths); one group of ``N`` neurons each.
    target : {'cpp_standalone', 'cuda_standalone'}
    directory : path, optional
        Project directory (default: a new temporary directory).
    N : int
        Neurons per group.
    duration : str
        Simulated time, e.g. ``"10 ms"``; the dt is each model's default.
    compile, run : bool
        Compile the project / also run the binary (``run`` needs a GPU for CUDA).
    threads : int
        OpenMP threads (``cpp_standalone`` only).
    """
    import brian2 as b2
    import numpy as np

    from .brian2 import group
    from .library import model as get_model
    from .quantities import parse_quantity

    models = [models] if isinstance(models, str) else list(models)
    if not models:
        raise ParameterError("no model given, expected at least one model id")
    if target not in TARGETS:
        raise ParameterError(f"found target {target!r}, expected one of {list(TARGETS)}")
    if N < 1:
        raise ParameterError(f"found N={N}, expected N >= 1")
    if run and not compile:
        raise ParameterError("run=True needs compile=True")
    try:
        dur = float(parse_quantity(duration))
    except ValueError as exc:
        raise ParameterError(f"duration: {exc}") from None
    if dur <= 0:
        raise ParameterError(f"found duration {duration!r}, expected a positive time")
    ms = [get_model(m) for m in models]
    directory = Path(directory or tempfile.mkdtemp(prefix=f"neuroplug-{target}-"))
    directory.mkdir(parents=True, exist_ok=True)
    with standalone_device(target, directory, threads) as device:
        objs = []
        monitors = {}
        for m in ms:
            dt = parse_quantity(m.dt)
            G = group(m, N, dt=dt, name=f"{m.id}_group")
            amp = max((parse_quantity(s) for s in m.crosscheck.stimulus), key=float)
            setattr(G, m.primary_input, amp * np.linspace(0.5, 1.0, N))
            objs.append(G)
            if m.threshold:
                monitors[m.id] = b2.SpikeMonitor(G, name=f"{m.id}_spikes")
                objs.append(monitors[m.id])
        net = b2.Network(*objs)
        net.run(dur * b2.second, namespace={})
        t0 = time.perf_counter()
        try:
            device.build(directory=str(directory), compile=compile, run=False,
                         with_output=False)
        except Exception as exc:
            raise BackendError(f"{target} build of {', '.join(models)} failed in "
                               f"{directory}: {exc}") from None
        total = time.perf_counter() - t0
        compile_s = device.timers["compile"]["make"] if compile else None
        generate = total - (compile_s or 0.0)
        binary = directory / "main" if compile else None
        run_s = None
        spikes = {}
        if run:
            t0 = time.perf_counter()
            device.run(directory=str(directory), with_output=False, run_args=[])
            run_s = time.perf_counter() - t0
            spikes = {k: int(mon.num_spikes) for k, mon in monitors.items()}
    return BuildResult(target=target, models=[m.id for m in ms], directory=directory,
                       binary=binary, generate_seconds=generate, compile_seconds=compile_s,
                       run_seconds=run_s, spikes=spikes)


def brian2cuda_note() -> str:
    """One line on the installed brian2cuda/Brian2 versions (for reports)."""
    try:
        from importlib.metadata import version

        return f"brian2cuda {version('brian2cuda')} with Brian2 {version('brian2')}"
    except Exception:
        return "brian2cuda not installed"

