"""The ten classic integrate-and-fire models of docs/models/integrate_and_fire_classic.md
declare the integrate-and-fire family and their references.
"""

import pytest

import neuroplug


@pytest.mark.parametrize("model_id", ["iaf", "lapicque", "expif", "qif", "adqif", "iqif",
                                      "nlif", "glif", "gif", "mat"])
def test_models_are_in_the_integrate_and_fire_family(model_id):
    m = neuroplug.model(model_id)
    assert m.family == "integrate-and-fire" and m.references
