"""The machine and the cost model: copy bandwidth, the memory traffic one neuron update
implies, the cost of scalar ``exp``/``expm1`` (libm) and the environment of a run.
"""

from __future__ import annotations

import math
import os
import platform
import re
import shutil
import subprocess
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from .identity import standalone_code


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
    from ..library import model

    m = model(model_id)
    b = 16 * len(m.state) + 8 * len(m.inputs)
    if m.refractory:
        b += 8 + 2
    return b


def _environment():
    import brainpy
    import brian2
    import jax

    from ..startup import cpu_model

    cpu = cpu_model()
    mem = None
    try:
        mem = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError):
        pass
    from ..build import brian2cuda_note

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
