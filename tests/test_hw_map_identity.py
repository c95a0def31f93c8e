"""Step (i) of the hardware ladder: the float map reproduces Brian2's spike steps exactly.

The map (threshold, reset, refractory counter, initial values, input held per step) with
its update evaluated in Brian2's arithmetic (:class:`neuroplug.hw.simap.SIMap`) must give
identical spike steps and bit-identical states for euler and exponential_euler models;
the folded map (working units, the constants the fixed-point path uses) must make the
same step as Brian2 from every visited state to within ``ONE_STEP_REL_TOL``.  A 1-ulp
change of one parameter moves spikes of the fast-spiking Izhikevich cell by several
steps: the comparison is bit-sensitive, and last-bit differences (not semantics) are why
the folded map's own trajectory may drift there.
"""

import dataclasses

import numpy as np
import pytest

from neuroplug.crosschecking import simulate_brian2
from neuroplug.hw.ir import build_map
from neuroplug.hw.ladder import ONE_STEP_REL_TOL, _step_i
from neuroplug.hw.simap import SIMap, one_step_deviation
from neuroplug.library import model

CASES = [("izhikevich", "FS"), ("izhikevich", "RS"), ("adex", "tonic"),
         ("adex", "irregular"), ("qif", None), ("expif", None)]


def _stimulus(ir, factors, duration):
    rb = ir.rheobase(duration=duration)
    assert rb is not None and rb > 0
    inp, spec = next(iter(ir.inputs.items()))
    steps = int(round(duration / ir.dt))
    amps = np.asarray(factors) * rb
    return inp, np.broadcast_to(amps * spec.scale, (steps, len(amps))).copy()


@pytest.mark.parametrize("mid,preset", CASES, ids=[f"{m}-{p}" for m, p in CASES])
def test_map_reproduces_brian2_spike_steps(mid, preset):
    ir = build_map(mid, preset)
    assert ir.method in ("euler", "exponential_euler")
    inp, stim = _stimulus(ir, [1.05, 2.0, 4.0], duration=0.3)
    traces, b2_spikes, _ = simulate_brian2(model(mid), preset, ir.method, stim, ir.dt)
    spikes, after, before, count = SIMap(ir, n=stim.shape[1]).record(inp, stim)
    assert sum(len(s) for s in b2_spikes) >= 5, "the sweep must make the model fire"
    for b, s in zip(b2_spikes, spikes):
        np.testing.assert_array_equal(s, np.asarray(b))
    for k in ir.states:   # bit for bit, every state, every step
        np.testing.assert_array_equal(after[k].view(np.int64),
                                      np.ascontiguousarray(traces[k]).view(np.int64))
    dev = one_step_deviation(ir, {k: v.ravel() for k, v in before.items()}, count.ravel(),
                             {inp: stim.ravel()})
    for k, d in dev.items():
        assert d["range"] > 0
        assert d["rel"] <= ONE_STEP_REL_TOL, (k, d)


def test_one_ulp_moves_fast_spiking_spikes():
    """Brian2's arithmetic vs itself with one parameter 1 ulp off: spikes move, counts stay."""
    ir = build_map("izhikevich", "FS")
    inp, stim = _stimulus(ir, [1.5, 2.0], duration=1.0)
    _, b2_spikes, _ = simulate_brian2(model("izhikevich"), "FS", ir.method, stim, ir.dt,
                                      record=False)
    same, _, _, _ = SIMap(ir, n=stim.shape[1]).record(inp, stim)
    params = dict(ir.parameters, a=float(np.nextafter(ir.parameters["a"], np.inf)))
    nudged, _, _, _ = SIMap(dataclasses.replace(ir, parameters=params),
                            n=stim.shape[1]).record(inp, stim)
    assert all(np.array_equal(np.asarray(b), s) for b, s in zip(b2_spikes, same))
    assert not all(np.array_equal(np.asarray(b), s) for b, s in zip(b2_spikes, nudged))
    assert all(abs(len(b) - len(s)) <= 1 for b, s in zip(b2_spikes, nudged))


def test_ladder_step_i_holds_identity():
    ir = build_map("izhikevich", "FS")
    inp, stim = _stimulus(ir, [1.05, 2.0], duration=0.3)
    amps = stim[0] / ir.inputs[inp].scale
    _, folded, _ = ir.float_map(n=len(amps)).run(stim / ir.inputs[inp].scale, squeeze=False)
    rows = [{"input": a, "float64": f} for a, f in zip(amps, folded)]
    step = _step_i(ir, rows, stim.shape[0])
    assert step.passed, step.detail
    assert all(step.metrics["identical"]) and step.metrics["states_bit_identical"]
    assert step.metrics["one_step_deviation"]["v"]["rel"] <= ONE_STEP_REL_TOL
