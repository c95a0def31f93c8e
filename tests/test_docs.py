"""The generated docs (catalog, per-model pages, README model list) match equations/."""

from pathlib import Path

import pytest

import neuroplug
from neuroplug import catalog
from neuroplug.cli import main

ROOT = Path(__file__).resolve().parent.parent


def test_readme_lists_every_model_with_the_count():
    readme = (ROOT / "README.md").read_text()
    assert catalog.readme_block() in readme, "README model list is stale: run `neuroplug docs`"
    assert f"**{len(neuroplug.models())} models**" in readme
    for mid in neuroplug.models():
        assert f"`{mid}`" in readme


def test_catalog_pages_are_up_to_date():
    index = (ROOT / "docs" / "catalog" / "README.md").read_text()
    assert index == catalog.catalog_index(), "docs/catalog is stale: run `neuroplug docs`"
    pages = {p.stem for p in (ROOT / "docs" / "catalog").glob("*.md")} - {"README"}
    assert pages == set(neuroplug.models())
    for mid in neuroplug.models():
        text = (ROOT / "docs" / "catalog" / f"{mid}.md").read_text()
        assert text == catalog.model_page(mid), f"docs/catalog/{mid}.md is stale"


def test_crosscheck_doc_covers_the_catalog():
    text = (ROOT / "docs" / "crosscheck.md").read_text()
    assert catalog.crosscheck_block() in text, "docs/crosscheck.md is stale: run `neuroplug docs`"
    for mid in neuroplug.models():
        m = neuroplug.model(mid)
        if m.crosscheck.float32_reason or set(m.presets) - set(m.crosscheck.presets):
            assert f"`{mid}`" in text


def test_model_page_shows_what_the_file_says():
    m = neuroplug.model("adex")
    page = catalog.model_page(m)
    assert page.startswith("# `adex`: ")
    for name, p in m.parameters.items():
        assert f"| `{name}` | {p.value} |" in page
    for preset in m.presets:
        assert f"| `{preset}` |" in page
    assert all(r.doi in page for r in m.references if r.doi)
    assert m.crosscheck.reason.split()[0] in page


def test_docs_command_writes_into_a_checkout(tmp_path, capsys):
    (tmp_path / "equations").mkdir()
    (tmp_path / "README.md").write_text(f"intro\n{catalog.README_START}\nSTALE-BLOCK-TEXT\n{catalog.README_END}\nend\n")
    assert main(["docs", "--root", str(tmp_path)]) == 0
    readme = (tmp_path / "README.md").read_text()
    assert readme.startswith("intro\n") and readme.endswith("\nend\n") and "STALE-BLOCK-TEXT" not in readme
    assert (tmp_path / "docs" / "catalog" / "lif.md").is_file()
    assert "No figures in this checkout" in (tmp_path / "docs" / "catalog" / "lif.md").read_text()
    assert main(["docs", "--root", str(tmp_path)]) == 0
    assert capsys.readouterr().out.rstrip().endswith("0 file(s) changed")


@pytest.mark.parametrize("readme", [None, "no markers here\n"])
def test_docs_command_refuses_a_wrong_folder(tmp_path, capsys, readme):
    if readme is not None:
        (tmp_path / "equations").mkdir()
        (tmp_path / "README.md").write_text(readme)
    assert main(["docs", "--root", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "error" in err


def test_schema_example_loads(tmp_path):
    """The complete example in equations/README.md is a valid model file."""
    text = (ROOT / "equations" / "README.md").read_text()
    section = text[text.index("## A complete minimal example"):]
    block = section[section.index("```toml\n") + 8:]
    block = block[:block.index("```")]
    path = tmp_path / "my_qif.toml"
    path.write_text(block)
    m = neuroplug.load_model(path)
    assert m.id == "my_qif" and m.class_name == "MyQIF"


# -- figures -------------------------------------------------------------------------
FIG = ROOT / "docs" / "catalog" / "figures"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_every_model_has_current_figures_and_a_sidecar():
    from neuroplug.docfigures import read_sidecar

    stale = []
    for mid in neuroplug.models():
        side = read_sidecar(ROOT, mid)
        assert side is not None, f"no figures for '{mid}': run `neuroplug docs --figures --models {mid}`"
        if side["sha256"] != neuroplug.model(mid).sha256:
            stale.append(mid)
            continue
        assert "response" in side["figures"] and "thumb" in side["figures"], mid
        for kind, fn in side["figures"].items():
            assert (FIG / fn).is_file(), f"{mid}: {fn} missing: run `neuroplug docs --figures --models {mid}`"
        for kind in ("fi", "phase", "dt"):  # every figure is there or the page says why not
            assert kind in side["figures"] or kind in side["absent"], (mid, kind)
    assert not stale, ("figures are stale (model file changed): run `neuroplug docs --figures "
                       f"--models {','.join(stale)}`")


def test_figure_files_are_small_valid_pngs_and_none_is_orphaned():
    from neuroplug.docfigures import read_sidecar

    listed = set()
    for mid in neuroplug.models():
        side = read_sidecar(ROOT, mid) or {"figures": {}}
        listed |= set(side["figures"].values())
    total = 0
    for p in FIG.glob("*.png"):
        data = p.read_bytes()
        total += len(data)
        assert data[:8] == PNG_MAGIC, f"{p.name} is not a PNG"
        assert len(data) < 150_000, f"{p.name}: {len(data)} bytes"
        assert b"tEXt" not in data and b"iTXt" not in data, f"{p.name} carries metadata"
        assert p.name in listed, f"{p.name} belongs to no sidecar"
    assert total < 15_000_000
    jsons = {p.stem for p in FIG.glob("*.json")}
    assert jsons == set(neuroplug.models())


def test_pages_show_the_sidecar_numbers_and_why_figures_are_absent():
    from neuroplug.docfigures import read_sidecar

    for mid in ("adex", "wilson_cowan", "poisson", "alpha"):
        page = catalog.model_page(mid)
        side = read_sidecar(ROOT, mid)
        assert f"](figures/{mid}-response.png)" in page
        for kind in ("fi", "phase", "dt"):
            if kind in side["absent"]:
                assert side["absent"][kind].split(":")[0] in page
        # one H1, no skipped heading level
        levels = [len(line) - len(line.lstrip("#")) for line in page.splitlines()
                  if line.startswith("#") and not line.startswith("#!")]
        inside = False
        levels = []
        for line in page.splitlines():
            if line.startswith("```"):
                inside = not inside
            elif not inside and line.startswith("#"):
                levels.append(len(line) - len(line.lstrip("#")))
        assert levels.count(1) == 1 and levels[0] == 1
        assert all(b - a <= 1 for a, b in zip(levels, levels[1:])), (mid, levels)
    adex = read_sidecar(ROOT, "adex")
    page = catalog.model_page("adex")
    assert f"{adex['dt']['max_abs_error_s']['dt/1'] * 1e3:.3g} ms" in page
    assert "## Hardware export" in page and "## Hardware export" not in catalog.model_page("hodgkin_huxley")


def test_index_has_a_gallery():
    index = (ROOT / "docs" / "catalog" / "README.md").read_text()
    for mid in neuroplug.models():
        assert f"[![{mid}](figures/{mid}-thumb.png)]({mid}.md)" in index


def test_regenerating_lif_reproduces_the_committed_figures(tmp_path):
    """The sample regeneration CI runs: one cheap model, same numbers and (with the same
    library versions) the same PNG bytes."""
    from neuroplug import docfigures

    committed = docfigures.read_sidecar(ROOT, "lif")
    side = docfigures.characterise("lif", tmp_path)
    side.pop("_timing")
    same_versions = side["versions"] == committed["versions"]
    for key in ("sha256", "crosscheck", "fi", "dt", "absent", "figures", "latex"):
        assert side.get(key) == committed.get(key), key
    if same_versions:
        for fn in side["figures"].values():
            assert (tmp_path / "docs" / "catalog" / "figures" / fn).read_bytes() == \
                (FIG / fn).read_bytes(), fn
        assert (tmp_path / "docs" / "catalog" / "figures" / "lif.json").read_text() == \
            (FIG / "lif.json").read_text()


@pytest.mark.parametrize("mid", ["lif", "alpha", "mcculloch_pitts"])
def test_usage_snippets_run(mid):
    brian2_code, brainpy_code = catalog.usage_snippets(neuroplug.model(mid))
    page = catalog.model_page(mid)
    assert brian2_code in page and brainpy_code in page
    exec(compile(brian2_code, f"<{mid} brian2 snippet>", "exec"), {})
    exec(compile(brainpy_code, f"<{mid} brainpy snippet>", "exec"), {})


def test_docs_figures_option_checks_its_arguments(tmp_path, capsys):
    (tmp_path / "equations").mkdir()
    (tmp_path / "README.md").write_text(f"{catalog.README_START}\n{catalog.README_END}\n")
    assert main(["docs", "--root", str(tmp_path), "--models", "lif"]) == 2
    assert main(["docs", "--root", str(tmp_path), "--figures", "--models", "nope"]) == 2
    assert "unknown model" in capsys.readouterr().err
