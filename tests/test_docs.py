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
