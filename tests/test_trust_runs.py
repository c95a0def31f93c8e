"""No silently wrong result: divergence reported, runs that test nothing refused, bad
arguments refused at construction, outputs written atomically."""

import json
import os
import threading

import numpy as np
import pytest

from neuroplug import crosschecking as cc
from neuroplug.errors import (
    CrosscheckRefused,
    DivergenceError,
    InputError,
    OutputPathError,
    ParameterError,
)
from neuroplug.files import atomic_write, check_output_path
from neuroplug.library import library_dir, model, models


@pytest.fixture
def adex_diverging(tmp_path):
    text = (library_dir() / "adex.toml").read_text()
    p = tmp_path / "adex_div.toml"
    p.write_text(text.replace('Delta_T = { value = "2 mV"', 'Delta_T = { value = "0.001 mV"'))
    assert p.read_text() != text
    return p


# -- divergence ----------------------------------------------------------------------
@pytest.mark.parametrize("simulate", [cc.simulate_brian2, cc.simulate_brainpy])
def test_simulate_raises_divergence_with_first_value(simulate):
    m = model("hodgkin_huxley")
    stim = cc._stimulus(m, np.array([1e-9]), 0.0, 100, 1e-3)
    with pytest.raises(DivergenceError) as info:
        simulate(m, None, "euler", stim, 1e-3)
    e = info.value
    assert e.model == "hodgkin_huxley" and e.variable in m.state and e.neuron == 0
    assert 0 <= e.step < 100 and not np.isfinite(e.value)
    traces, _, _ = simulate(m, None, "euler", stim, 1e-3, check_finite=False)
    first = cc.first_nonfinite(traces)
    assert first[2] == e.step and np.all(np.isfinite(traces[e.variable][0, :e.step]))


def test_crosscheck_both_diverged_is_a_failure_not_a_crash(adex_diverging):
    r = cc.run(str(adex_diverging), duration="100 ms")
    assert not r.passed
    assert r.failures[0].startswith("[divergence] both simulators diverged at step")
    assert r.metrics["divergence"]["brian2"]["step"] == r.metrics["divergence"]["brainpy"][
        "step"]
    assert "divergence" in json.dumps(r.to_dict())


def test_crosscheck_one_side_diverged_names_it(monkeypatch):
    real = cc.simulate_brian2

    def poisoned(*a, **k):
        traces, spikes, sec = real(*a, **k)
        traces["v"][1, 37:] = np.nan
        return traces, spikes, sec

    monkeypatch.setattr(cc, "simulate_brian2", poisoned)
    r = cc.run("lif", duration="100 ms")
    assert not r.passed
    assert "brian2 diverged" in r.failures[0] and "neuron 1, step 37" in r.failures[0]
    assert "brainpy did not" in r.failures[0]


def test_brian2_group_raises_after_run():
    import brian2 as b2

    from neuroplug.brian2 import AdEx

    G = AdEx(3, Delta_T="0.001 mV", dt=0.1 * b2.ms)
    with pytest.raises(DivergenceError, match="diverged on brian2"):
        b2.Network(G).run(1 * b2.ms)
    G2 = AdEx(3, Delta_T="0.001 mV", dt=0.1 * b2.ms, check_finite=False)
    b2.Network(G2).run(1 * b2.ms)  # opted out
    assert not np.all(np.isfinite(G2.v_))


def test_brainpy_layer_check_finite():
    import brainstate
    import saiunit as su

    from neuroplug.brainpy import LIF

    with brainstate.environ.context(dt=0.1 * su.ms):
        layer = LIF(4)
        layer.init_state()
        assert layer.check_finite() is layer
        layer.v.value = layer.v.value.at[2].set(np.nan * su.volt)
        with pytest.raises(DivergenceError, match="neuron 2"):
            layer.check_finite()


# -- runs that test nothing ------------------------------------------------------------
@pytest.mark.parametrize("kw,exc", [({"duration": "20 ms"}, CrosscheckRefused),
                                    ({"duration": "0.01 ms"}, InputError),
                                    ({"dt": "1 ns"}, InputError),
                                    ({"dt": "-1 ms"}, InputError),
                                    ({"method": "rk4"}, InputError),
                                    ({"method": "nope"}, InputError)])
def test_crosscheck_refuses_before_simulating(kw, exc, monkeypatch):
    monkeypatch.setattr(cc, "simulate_brian2", lambda *a, **k: pytest.fail("simulated"))
    with pytest.raises(exc):
        cc.run("adex", **kw)


def test_every_excluded_preset_is_refused_with_the_files_reason(monkeypatch):
    monkeypatch.setattr(cc, "simulate_brian2", lambda *a, **k: pytest.fail("simulated"))
    seen = 0
    for mid in models():
        m = model(mid)
        for preset, why in m.crosscheck.excluded_presets:
            with pytest.raises(CrosscheckRefused) as info:
                cc.run(mid, preset=preset)
            assert why[:40] in str(info.value)
            seen += 1
    assert seen >= 5  # adex x2, booth_rinzel, hindmarsh_rose, izhikevich_2007


def test_unlisted_method_needs_opt_in():
    from neuroplug.inputs import UnlistedMethodWarning, check_method

    m = model("adex")
    with pytest.raises(InputError, match="not listed"):
        check_method(m, "rk4")
    with pytest.warns(UnlistedMethodWarning):
        assert check_method(m, "rk4", allow_unlisted=True) == "rk4"


# -- constructors ---------------------------------------------------------------------
@pytest.mark.parametrize("n", [0, -3, None, float("nan"), 10.7, True, "10"])
@pytest.mark.parametrize("adapter", ["brian2", "brainpy"])
def test_size_must_be_a_positive_integer(adapter, n):
    import importlib

    mod = importlib.import_module(f"neuroplug.{adapter}")
    with pytest.raises(InputError, match="positive integer"):
        mod.LIF(n)


def test_brainpy_per_neuron_shape_checked_at_construction():
    import saiunit as su

    from neuroplug.brainpy import LIF

    with pytest.raises(InputError, match=r"shape \(3,\)"):
        LIF(10, tau_m=np.array([10.0, 20.0, 30.0]) * su.ms)
    LIF(3, tau_m=np.array([10.0, 20.0, 30.0]) * su.ms)  # fits


@pytest.mark.parametrize("adapter", ["brian2", "brainpy"])
def test_complex_values_and_bad_methods_refused(adapter):
    import importlib

    mod = importlib.import_module(f"neuroplug.{adapter}")
    with pytest.raises(ParameterError, match="real numbers"):
        mod.FitzHughNagumo(2, a=np.array(1 + 2j))
    with pytest.raises(ParameterError, match="real numbers"):
        mod.FitzHughNagumo(2, a=1 + 2j)
    with pytest.raises(InputError, match="not listed"):
        mod.AdEx(2, method="rk4")
    with pytest.raises(InputError):
        mod.AdEx(2, method="magic")


def test_brian2_negative_dt_refused():
    import brian2 as b2

    from neuroplug.brian2 import LIF

    for dt in (-1 * b2.ms, 0 * b2.ms, 1 * b2.mV):
        with pytest.raises(InputError):
            LIF(2, dt=dt)


# -- files ----------------------------------------------------------------------------
def test_concurrent_writers_never_corrupt(tmp_path):
    target = tmp_path / "out.json"
    errors, bad_reads = [], []
    stop = threading.Event()

    def writer(k):
        for j in range(60):
            try:
                atomic_write(target, json.dumps({"writer": k, "j": j, "pad": "x" * 5000}))
            except Exception as exc:  # noqa: BLE001
                errors.append(exc)

    def reader():
        while not stop.is_set():
            try:
                json.loads(target.read_text())
            except FileNotFoundError:
                pass
            except ValueError:
                bad_reads.append(1)

    readers = [threading.Thread(target=reader) for _ in range(2)]
    writers = [threading.Thread(target=writer, args=(k,)) for k in range(8)]
    for t in readers + writers:
        t.start()
    for t in writers:
        t.join()
    stop.set()
    for t in readers:
        t.join()
    assert not errors and not bad_reads
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]  # no temporary left


def test_outputs_refuse_links_and_special_files(tmp_path):
    f = tmp_path / "f.json"
    f.write_text("keep")
    link = tmp_path / "l.json"
    link.symlink_to(f)
    for bad in (link, "/dev/null", tmp_path, tmp_path / "missing" / "x.json", f / "x.json"):
        with pytest.raises(OutputPathError):
            atomic_write(bad, "{}")
    assert f.read_text() == "keep" and os.path.islink(link)
    with pytest.raises(OutputPathError, match="ending in"):
        check_output_path(tmp_path / "fig", suffixes={"png"})


def test_written_file_has_umask_mode(tmp_path):
    old = os.umask(0o027)
    try:
        p = atomic_write(tmp_path / "x.md", "hello")
    finally:
        os.umask(old)
    assert (p.stat().st_mode & 0o777) == 0o640


def test_brian2_guard_stops_at_first_step():
    import brian2 as b2

    from neuroplug.brian2 import AdEx

    G = AdEx(2, Delta_T="0.001 mV", dt=0.1 * b2.ms, guard=True)
    net = b2.Network(G)
    with pytest.raises(DivergenceError, match="stopped by guard") as info:
        net.run(5 * b2.ms)
    assert info.value.step == 0 and float(net.t) < 0.5e-3


def test_brainpy_guard_raises_inside_for_loop():
    import brainstate
    import jax.numpy as jnp
    import saiunit as su

    from neuroplug.brainpy import AdEx

    with brainstate.environ.context(dt=0.1 * su.ms):
        layer = AdEx(2, Delta_T=0.001 * su.mV, guard=True)
        layer.init_state()
        with pytest.raises(Exception, match="diverged on brainpy"):
            brainstate.transform.for_loop(lambda x: layer.update(x * su.nA), jnp.ones(20))
