"""Standalone builds of library models: ``cpp_standalone`` and ``cuda_standalone``.

``neuroplug build MODEL [MODEL ...] --target cuda_standalone --compile-only`` generates
a Brian2 standalone project (one group per model, driven by the model's strongest
cross-check amplitude, with a spike monitor) and compiles it.  ``cuda_standalone`` is
Brian2's GPU device from the ``brian2cuda`` package; code generation and ``nvcc``
compilation work without a GPU, running the binary needs one.

Which brian2cuda: on Python >= 3.12 brian2cuda 1.0b1 with its own pin ``brian2==2.10.1``
(``pip install "neuroplug[cuda]"``); on Python 3.11, where PyPI has Brian2 <= 2.9.0, brian2cuda
1.0a7, which declares ``brian2==2.8.0`` but generates and compiles with Brian2 2.9, installed
with ``pip install --no-deps brian2cuda==1.0a7 nvidia-curand``.  Both hard-code
``-std=c++11`` in their makefile while CUDA 13 needs C++17, so :func:`cuda_preferences`
appends ``-std=c++17`` for nvcc (the last ``-std`` wins) and the host compiler, compiles
for compute capability 9.0 (``sm_90``) without GPU detection, and points the build at the
cuRAND headers and library of the ``nvidia-curand`` wheel (also as the binary's run path).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from .errors import BackendError, OutputPathError, ParameterError
from .inputs import check_size, check_steps, seconds

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


def cuda_install_command() -> str:
    """The pip command that installs brian2cuda and cuRAND for this Python."""
    if sys.version_info >= (3, 12):
        return 'pip install "neuroplug[cuda]"'
    # PyPI's newest Brian2 for 3.11 is 2.9.0; brian2cuda 1.0a7 pins 2.8.0 but works with it
    return "pip install --no-deps brian2cuda==1.0a7 nvidia-curand"


def cuda_available() -> str | None:
    """Why a CUDA build is impossible here (``None`` if brian2cuda and nvcc are present)."""
    if shutil.which("nvcc") is None:
        return "nvcc is not on the PATH (install the CUDA toolkit)"
    try:
        import brian2cuda  # noqa: F401
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.split(".")[0] != "brian2cuda":
            return _broken_brian2cuda(exc)
        return f"brian2cuda is not installed ({cuda_install_command()})"
    except Exception as exc:  # installed next to a Brian2 it cannot import with
        return _broken_brian2cuda(exc)
    return None


def _broken_brian2cuda(exc: Exception) -> str:
    return (f"{brian2cuda_note()} cannot be imported ({type(exc).__name__}: "
            f"{str(exc).splitlines()[0] if str(exc) else ''}); {cuda_install_command()}")


def _curand_dirs(libdir: Path | None) -> tuple[str | None, str | None, str | None]:
    """cuRAND of the ``nvidia-curand`` wheel: include dir, link dir, run-time library dir.

    The wheel ships ``libcurand.so.10`` only, so ``-lcurand`` needs a ``libcurand.so`` link
    in a directory of its own (``libdir``; default: one per wheel location in the temp dir,
    so that virtual environments never share or break each other's link).
    """
    try:
        import nvidia
    except ImportError:
        return None, None, None
    for base in map(Path, nvidia.__path__):
        for sub in sorted(base.glob("cu*")) + [base / "curand"]:
            libs = sorted((sub / "lib").glob("libcurand.so.*"))
            if not ((sub / "include" / "curand.h").exists() and libs):
                continue
            target = libs[0].resolve()
            if libdir is None:
                key = hashlib.sha1(str(target).encode()).hexdigest()[:12]
                libdir = Path(tempfile.gettempdir()) / f"neuroplug-curand-{key}"
            libdir.mkdir(parents=True, exist_ok=True)
            link = libdir / "libcurand.so"
            if not (link.is_symlink() and Path(os.readlink(link)) == target):
                # replace a stale or dangling link atomically (parallel builds share it)
                tmp = libdir / f".libcurand.so.{os.getpid()}"
                tmp.unlink(missing_ok=True)
                tmp.symlink_to(target)
                os.replace(tmp, link)
            return str(sub / "include"), str(libdir), str(sub / "lib")
    return None, None, None


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
             "codegen.cpp.library_dirs", "codegen.cpp.runtime_library_dirs"]
    old = {n: prefs[n] for n in names}
    include, lib, runtime = _curand_dirs(libdir)
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
            prefs[names[7]] = list(old[names[7]]) + [runtime]
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
          threads: int = 1, force: bool = False) -> BuildResult:
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
    force : bool
        Build into an existing non-empty ``directory`` that neuroplug did not create
        (its ``main.cpp``, ``makefile``... are overwritten).  Without it such a folder is
        refused; a folder neuroplug made before (it holds ``.neuroplug-project``) is reused.
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
    N = check_size(N, "N")
    if run and not compile:
        raise ParameterError("run=True needs compile=True")
    dur = seconds(duration, "duration")
    ms = [get_model(m) for m in models]
    for m in ms:
        check_steps(m, float(parse_quantity(m.dt)), dur, 0, recorded=0, what="build")  # steps only
    directory = Path(directory) if directory else \
        Path(tempfile.mkdtemp(prefix=f"neuroplug-{target}-"))
    _claim_directory(directory, force)
    with standalone_device(target, directory, threads) as device:
        # brian2cuda 1.0's synaptic pathways read defaultclock, which a project of groups
        # on their own dt lacks: keep one object on it
        objs = [b2.NeuronGroup(1, "np_anchor : 1", name="np_defaultclock_anchor")] \
            if target == "cuda_standalone" else []
        monitors = {}
        for m in ms:
            dt = parse_quantity(m.dt)
            G = group(m, N, dt=dt, name=f"{m.id}_group")
            amp = max((parse_quantity(s) for s in m.crosscheck.stimulus), key=float)
            objs.append(G)
            objs += G.drive(amp * np.linspace(0.5, 1.0, N))  # a spike input: a spike train
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


PROJECT_MARKER = ".neuroplug-project"


def check_project_directory(directory, force: bool = False) -> None:
    """Refuse a project folder that is not a folder, or a non-empty one neuroplug did not
    make (its ``main.cpp``, ``makefile``... would be overwritten) unless ``force``."""
    directory = Path(directory)
    if directory.is_symlink() or (directory.exists() and not directory.is_dir()):
        raise OutputPathError(f"--directory: '{directory}' exists and is not a folder")
    if directory.is_dir() and any(directory.iterdir()) and \
            not (directory / PROJECT_MARKER).exists() and not force:
        raise OutputPathError(f"--directory: '{directory}' is not empty and was not made by "
                              f"neuroplug; its main.cpp, makefile... would be overwritten. "
                              f"Use a new folder, or --force (force=True)")


def _claim_directory(directory: Path, force: bool) -> None:
    """Create the project folder, or reuse one neuroplug made; never clobber a user's."""
    from .files import check_output_dir

    check_project_directory(directory, force)
    check_output_dir(directory, "--directory")
    (directory / PROJECT_MARKER).write_text("made by neuroplug build; safe to rebuild here\n")


def brian2cuda_note() -> str:
    """One line on the installed brian2cuda/Brian2 versions (for reports)."""
    try:
        from importlib.metadata import version

        return f"brian2cuda {version('brian2cuda')} with Brian2 {version('brian2')}"
    except Exception:
        return "brian2cuda not installed"

