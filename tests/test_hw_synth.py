"""Yosys: generated modules synthesise for iCE40 without latches; the latch check can fail."""

import pytest

from neuroplug.hw.export import export
from neuroplug.hw.synth import synthesize

from .hw_helpers import need


@pytest.mark.parametrize("model, profile", [("lif", None), ("lif", "q8_8")])
def test_synthesises_for_ice40_without_latches(model, profile, tmp_path):
    need("yosys")
    spec = export(model, None, out=tmp_path, profile=profile)
    cells = synthesize(tmp_path / f"{spec['module']}.v", spec["module"], "ice40",
                       spec.get("parameters") if profile else None)
    assert cells["LUT"] > 0 and cells["FF"] >= spec.get("parameters", {}).get("DATA_WIDTH", 24)


def test_latch_check_catches_a_latch(tmp_path):
    need("yosys")
    v = tmp_path / "latchy.v"
    v.write_text("module latchy(input wire en, input wire d, output reg q);\n"
                 "  always @* if (en) q = d;\nendmodule\n")
    with pytest.raises(RuntimeError, match="yosys failed"):
        synthesize(v, "latchy", "ice40")
