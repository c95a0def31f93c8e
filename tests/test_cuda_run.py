"""cuda_standalone on a GPU: the model families of catalog sections F-L (spike inputs,
kernel coupling, maps, rate and neural-mass models, random numbers) built with brian2cuda,
run, and compared with Brian2's runtime numpy target in the same process.

Needs nvcc and an NVIDIA GPU; CI has no GPU, so there this test skips saying so (the
compile-only build is tested in tests/test_bench.py).  Measured on an H200 (2026-12-04,
brian2cuda 1.0b1, Brian2 2.10.1): deterministic models within 1.3e-12 of the range,
identical spike counts; see docs/benchmarks.md.
"""

import shutil
import subprocess

import brian2 as b2
import numpy as np
import pytest

import neuroplug
import neuroplug.brian2 as nb2
from neuroplug.build import cuda_available, standalone_device
from neuroplug.quantities import parse_quantity

FAMILIES = ["alpha", "dual_exp", "tsodyks_markram", "chialvo", "courbage_nekorkin",
            "ibarz_tanaka", "poisson", "inhomogeneous_poisson", "galves_locherbach", "glm",
            "wilson_cowan", "jansen_rit", "wong_wang", "montbrio_pazo_roxin", "amari",
            "wendling", "larter_breakspear", "mcculloch_pitts", "sigmoid_rate",
            "threshold_linear", "srm0", "leaky_compete_fire", "prescott", "compte_nmda",
            "dendritic_xor", "pernarowski"]


def _gpu_reason():
    reason = cuda_available()
    if reason:
        return reason
    smi = shutil.which("nvidia-smi")
    ok = smi and subprocess.run([smi, "-L"], capture_output=True).returncode == 0
    return None if ok else "no NVIDIA GPU (nvidia-smi -L fails): a cuda_standalone binary " \
                           "cannot run here"


def _network(ids, prefix):
    objs, mons = [b2.NeuronGroup(1, "anchor : 1", name=f"{prefix}defaultclock_anchor")], {}
    for mid in ids:
        m = neuroplug.model(mid)
        dt = parse_quantity(m.crosscheck.dt)
        amps = [parse_quantity(s) for s in m.crosscheck.stimulus]
        G = nb2.group(mid, len(amps), dt=dt, name=f"{prefix}g_{mid}")
        objs += [G, *G.drive(b2.Quantity([float(a) for a in amps], dim=amps[0].dim))]
        M = b2.StateMonitor(G, list(m.state), record=True, dt=dt, name=f"{prefix}m_{mid}")
        S = b2.SpikeMonitor(G, name=f"{prefix}s_{mid}") if m.threshold else None
        objs += [M] + ([S] if S is not None else [])
        mons[mid] = (M, S, len(amps))
    return objs, mons


def _collect(mons):
    out = {}
    for mid, (M, S, n) in mons.items():
        traces = {k: np.asarray(getattr(M, k + "_"), dtype=float)
                  for k in neuroplug.model(mid).state}
        counts = np.bincount(np.asarray(S.i[:]), minlength=n) if S is not None else None
        out[mid] = (traces, counts)
    return out


@pytest.mark.standalone
def test_families_on_cuda_standalone_match_runtime(tmp_path):
    reason = _gpu_reason()
    if reason:
        pytest.skip(reason)
    # (the first object of each network keeps brian2cuda 1.0's defaultclock in the project)
    objs, mons = _network(FAMILIES, "rt_")
    b2.Network(*objs).run(100 * b2.ms)
    runtime = _collect(mons)
    with standalone_device("cuda_standalone", tmp_path) as device:
        objs, mons = _network(FAMILIES, "cu_")
        b2.Network(*objs).run(100 * b2.ms)
        device.build(directory=str(tmp_path), compile=True, run=True, with_output=False)
        cuda = _collect(mons)
    for mid in FAMILIES:
        (ta, ca), (tb, cb) = runtime[mid], cuda[mid]
        assert all(np.all(np.isfinite(v)) for v in tb.values()), mid
        if neuroplug.model(mid).stochastic:
            continue  # different random streams: the distributional tier is the CPU's
        for k, a in ta.items():
            span = np.ptp(a) or max(np.max(np.abs(a)), 1e-300)
            assert np.max(np.abs(a - tb[k])) / span <= 1e-9, (mid, k)
        if ca is not None:
            assert np.array_equal(ca, cb), mid
