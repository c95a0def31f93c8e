"""A bounded fuzz campaign over mutated model files (``neuroplug fuzz`` runs long ones)."""

from neuroplug.fuzz import campaign


def test_fuzz_campaign():
    r = campaign(4000, seed=20261204, timeout=5.0)
    assert not r["failures"], r["failures"][:10]
    assert r["outcomes"].get("valid", 0) > 0  # the mutator also makes loadable files
    assert sum(r["outcomes"].values()) == 4000
    assert r["slowest"]["seconds"] < 5.0
