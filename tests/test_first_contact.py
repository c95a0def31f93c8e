"""First contact: class names as data, fast class lookup, the disk cache, Brian2 ergonomics."""

import inspect
import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import brian2 as b2
import numpy as np
import pytest

import neuroplug
import neuroplug.brian2 as nb2
from neuroplug import cache
from neuroplug.errors import ModelDefinitionError, ParameterError
from neuroplug.library import class_index, library_dir, models

ROOT = Path(__file__).resolve().parent.parent


def _python(code: str, cache_dir, timeout=300) -> subprocess.CompletedProcess:
    env = dict(os.environ, NEUROPLUG_CACHE_DIR=str(cache_dir))
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT)


# -- class names are data --------------------------------------------------------------
def test_every_library_file_declares_a_unique_class_name():
    names = {}
    for path in sorted(library_dir().glob("*.toml")):
        data = tomllib.loads(path.read_text())
        assert isinstance(data.get("class_name"), str), f"{path.name} has no class_name"
        assert data["class_name"] not in names, (path.name, names.get(data["class_name"]))
        names[data["class_name"]] = path.stem
    assert class_index() == names
    assert len(names) == len([m for m in models() if (library_dir() / f"{m}.toml").exists()])


def test_class_name_of_a_loaded_model_is_the_field():
    assert neuroplug.model("adex").class_name == "AdEx"
    assert neuroplug.model("hodgkin_huxley").class_name == "HodgkinHuxley"


def _user_file(tmp_path, class_name_line: str, model_id="my_lif") -> Path:
    text = (library_dir() / "lif.toml").read_text()
    lines = [line for line in text.splitlines() if not line.startswith(("id =", "class_name ="))]
    path = tmp_path / f"{model_id}.toml"
    path.write_text(f'id = "{model_id}"\n{class_name_line}\n' + "\n".join(lines) + "\n")
    return path


def test_user_file_without_class_name_gets_the_capitalised_id(tmp_path):
    assert neuroplug.load_model(_user_file(tmp_path, "")).class_name == "MyLif"


@pytest.mark.parametrize("bad", ["my_lif", "1LIF", "My LIF", ""])
def test_bad_class_name_is_one_line_error_naming_the_field(tmp_path, bad):
    path = _user_file(tmp_path, f'class_name = "{bad}"')
    if bad == "":  # empty means "not given": the default applies
        assert neuroplug.load_model(path).class_name == "MyLif"
        return
    with pytest.raises(ModelDefinitionError) as err:
        neuroplug.load_model(path)
    msg = str(err.value)
    assert "field 'class_name'" in msg and repr(bad) in msg and "\n" not in msg


def test_register_refuses_a_class_name_the_library_uses(tmp_path):
    path = _user_file(tmp_path, 'class_name = "LIF"', model_id="lif_copy")
    with pytest.raises(ModelDefinitionError) as err:
        neuroplug.register(path)
    assert "duplicate class_name 'LIF'" in str(err.value) and "lif.toml" in str(err.value)
    assert "lif_copy" not in models()  # nothing half-registered
    assert class_index()["LIF"] == "lif"


# -- lookup without Brian2 ---------------------------------------------------------------
def test_misspelt_class_suggests_close_names():
    import neuroplug.brainpy as nbp

    for module in (nb2, nbp):
        with pytest.raises(AttributeError, match="did you mean 'LIF'"):
            module.LIFF  # noqa: B018
        assert {"AdEx", "LIF", "HodgkinHuxley"} <= set(dir(module))


def test_class_lookup_reads_files_without_brian2(tmp_path):
    r = _python("import sys, neuroplug.library as l; i = l.class_index(); "
                "import neuroplug; neuroplug.models(); "
                "assert 'brian2' not in sys.modules and 'jax' not in sys.modules, 'imported'; "
                "print(len(i))", tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    assert int(r.stdout) == len(class_index())


def test_misspelt_class_prints_no_brian2_banner(tmp_path):
    r = _python("import neuroplug.brian2 as nb; nb.LIFF", tmp_path)
    assert r.returncode == 1
    assert "did you mean 'LIF'" in r.stderr
    assert "Brian 2 encountered" not in r.stderr + r.stdout


# -- the disk cache ------------------------------------------------------------------
def test_warm_cache_loads_a_model_without_brian2(tmp_path):
    """A second process finds Brian2's verdict and code on disk: no Brian2, no sympy."""
    first = _python("from neuroplug.brainpy import AdEx", tmp_path)
    assert first.returncode == 0, first.stderr[-2000:]
    entries = list(tmp_path.glob("*/model-*.json"))
    assert len(entries) == 1
    second = _python(
        "import sys\n"
        "import neuroplug.codegen as c\n"
        "def boom(*a, **k): raise AssertionError('Brian2 code generation ran')\n"
        "c._generate = boom\n"
        "from neuroplug.brainpy import AdEx\n"
        "assert 'brian2' not in sys.modules and 'sympy' not in sys.modules\n"
        "code = c.numpy_code(AdEx.neuroplug_model)\n"
        "assert 'exp(' in code.stateupdate\n"
        "print(AdEx.neuroplug_model.class_name)", tmp_path)
    assert second.returncode == 0, second.stderr[-2000:]
    assert second.stdout.strip() == "AdEx"


def test_cached_model_equals_the_validated_one(tmp_path, monkeypatch):
    monkeypatch.setenv("NEUROPLUG_CACHE_DIR", str(tmp_path))
    from neuroplug.library import _load_library_file

    path = library_dir() / "izhikevich.toml"
    fresh = _load_library_file(path, "izhikevich")        # validates, writes the entry
    cached = _load_library_file(path, "izhikevich")       # from the entry
    assert cached == fresh and cached is not fresh
    assert cached.fingerprint == fresh.fingerprint
    assert cached._checked_code == fresh._checked_code


def test_corrupt_or_foreign_cache_entries_are_ignored(tmp_path, monkeypatch):
    monkeypatch.setenv("NEUROPLUG_CACHE_DIR", str(tmp_path))
    from neuroplug.library import _load_library_file

    path = library_dir() / "lif.toml"
    fresh = _load_library_file(path, "lif")
    (entry,) = tmp_path.glob("*/model-*.json")
    for text in ("{not json", json.dumps({"kind": "model", "digest": "x", "value": {}}),
                 json.dumps({"kind": "model", "digest": entry.stem[6:], "value": {"model": 1}})):
        entry.write_text(text)
        assert _load_library_file(path, "lif") == fresh
        assert json.loads(entry.read_text())["value"]["model"]["id"] == "lif"  # rewritten


def test_cache_can_be_switched_off_and_survives_an_unwritable_folder(tmp_path, monkeypatch):
    from neuroplug.library import _load_library_file

    monkeypatch.setenv("NEUROPLUG_CACHE_DIR", "off")
    assert cache.cache_dir() is None
    _load_library_file(library_dir() / "lif.toml", "lif")
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("NEUROPLUG_CACHE_DIR", str(blocker / "sub"))  # cannot be created
    assert _load_library_file(library_dir() / "lif.toml", "lif").id == "lif"


def test_cache_key_changes_with_file_content(tmp_path, monkeypatch):
    """An edited model file is validated again, never served from an old entry."""
    monkeypatch.setenv("NEUROPLUG_CACHE_DIR", str(tmp_path))
    from neuroplug.library import _load_library_file

    src = (library_dir() / "lif.toml").read_text()
    path = tmp_path / "lif.toml"
    path.write_text(src)
    _load_library_file(path, "lif")
    path.write_text(src.replace('value = "2 ms"', 'value = "-2 ms"'))
    with pytest.raises(ParameterError, match="t_ref"):
        _load_library_file(path, "lif")


# -- Brian2 ergonomics ---------------------------------------------------------------
def test_parameters_are_readable_and_settable_on_a_group():
    G = nb2.LIF(3)
    assert G.tau_m == 10 * b2.ms and G.V_th == -55 * b2.mV
    G.tau_m = 20 * b2.ms
    assert G.namespace["tau_m"] == 20 * b2.ms and G.tau_m == 20 * b2.ms
    G.tau_m = "5 ms"
    assert G.tau_m == 5 * b2.ms
    with pytest.raises(ParameterError, match="expected s"):
        G.tau_m = 5 * b2.mV
    with pytest.raises(ParameterError, match="positive"):
        G.tau_m = -1 * b2.ms
    with pytest.raises(ParameterError, match=r"LIF\(N, tau_m=<array of N values>\)"):
        G.tau_m = np.ones(3) * b2.ms
    assert G.tau_m == 5 * b2.ms  # a refused value changes nothing


def test_setting_a_parameter_changes_the_run_like_an_override():
    """``G.tau_m = x`` before a run gives exactly the spikes of ``LIF(N, tau_m=x)``."""
    def spikes(G):
        G.I = 500 * b2.pA
        mon = b2.SpikeMonitor(G)
        b2.Network(G, mon).run(50 * b2.ms)
        return mon.count[:].copy()

    default = spikes(nb2.LIF(1))
    G = nb2.LIF(1)
    G.tau_m = 30 * b2.ms
    assert np.array_equal(spikes(G), spikes(nb2.LIF(1, tau_m=30 * b2.ms)))
    assert not np.array_equal(spikes(G.__class__(1, tau_m=30 * b2.ms)), default)


def test_per_neuron_parameter_reads_and_sets_the_variable():
    G = nb2.AdEx(3, tau_w=np.array([10, 20, 30]) * b2.ms)
    assert np.allclose(G.tau_w[:] / b2.ms, [10, 20, 30])
    G.tau_w = 5 * b2.ms
    assert np.allclose(G.tau_w[:] / b2.ms, 5)


def test_signature_help_and_repr_show_the_model():
    import neuroplug.brainpy as nbp

    for cls in (nb2.AdEx, nbp.AdEx):
        sig = inspect.signature(cls)
        assert sig.parameters["tau_w"].default == "144 ms"
        assert sig.parameters["tau_w"].kind is inspect.Parameter.KEYWORD_ONLY
        assert "overrides" not in sig.parameters
        doc = cls.__doc__
        assert "Parameters\n----------" in doc and "Presets\n-------" in doc
        assert "tau_w : quantity, default '144 ms'" in doc and "'tonic'" in doc
    G = nb2.AdEx(7, preset="tonic")
    assert repr(G).startswith("<AdEx NeuronGroup") and "'adex'" in repr(G)
    assert "preset='tonic'" in repr(G) and "N=7" in repr(G)


# -- neuroplug run --target ------------------------------------------------------------
@pytest.mark.standalone
def test_run_target_cpp_standalone_gives_numpy_spike_counts(tmp_path, capsys):
    from neuroplug.cli import main

    counts = {}
    for target in ("numpy", "cpp_standalone"):
        out = tmp_path / f"{target}.json"
        assert main(["run", "lif", "--backend", "brian2", "--target", target,
                     "--duration", "100 ms", "--json", str(out)]) == 0
        assert f"on brian2 ({target})" in capsys.readouterr().out
        counts[target] = [r["spikes"] for r in json.loads(out.read_text())["results"]]
    assert sum(counts["numpy"]) > 0 and counts["cpp_standalone"] == counts["numpy"]
    assert b2.get_device().__class__.__name__ == "RuntimeDevice"  # device restored


def test_run_target_needs_the_brian2_backend(capsys):
    from neuroplug.cli import main

    assert main(["run", "lif", "--backend", "brainpy", "--target", "cython"]) == 2
    err = capsys.readouterr().err
    assert "--target" in err and err.count("\n") == 1


def test_brian2_traces_outlive_their_monitor():
    """Brian2 >= 2.10 hands out monitor arrays as views into storage freed with the
    monitor; the traces neuroplug returns are copies (reused memory cannot change them)."""
    import gc

    from neuroplug.crosschecking import _stimulus, simulate_brian2

    m = neuroplug.model("lif")
    traces, spikes, _ = simulate_brian2(m, None, None, _stimulus(m, np.array([5e-10]), 0, 300,
                                                                 1e-4), 1e-4)
    before = {k: v.copy() for k, v in traces.items()}
    gc.collect()
    junk = [np.full(300, 1e300) for _ in range(200)]  # reuse freed memory
    assert all(v.flags.owndata or v.base is None or v.base.flags.owndata for v in traces.values())
    for k, v in traces.items():
        assert np.array_equal(v, before[k]), k
    assert len(junk) == 200 and len(spikes[0]) > 0


def test_cache_command_shows_and_clears(tmp_path, monkeypatch, capsys):
    from neuroplug.cli import main
    from neuroplug.library import _load_library_file

    monkeypatch.setenv("NEUROPLUG_CACHE_DIR", str(tmp_path))
    _load_library_file(library_dir() / "lif.toml", "lif")
    assert main(["cache"]) == 0
    out = capsys.readouterr().out
    assert str(tmp_path) in out and "1 entries" in out and "1 for this" in out
    assert main(["cache", "--clear"]) == 0
    assert "removed 1 entries" in capsys.readouterr().out
    assert not list(tmp_path.glob("*/*.json"))
    monkeypatch.setenv("NEUROPLUG_CACHE_DIR", "off")
    assert main(["cache"]) == 0 and "off" in capsys.readouterr().out
