"""Code identity: the generated ``cpp_standalone`` code objects of a library class and of
the same model written by hand, compared character by character.
"""

from __future__ import annotations

import re
import tempfile

from .workloads import _group


def standalone_code(model_id, variant, N=10) -> dict:
    """The generated ``cpp_standalone`` code objects of one group (nothing is compiled).

    Returns ``{kind: code}`` for the state updater, thresholder and resetter, with the
    group's name replaced by ``GROUP``.
    """
    import brian2 as b2

    from ..build import standalone_device

    name = f"np_{variant}"
    with tempfile.TemporaryDirectory() as d, standalone_device("cpp_standalone", d) as device:
        G = _group(model_id, variant, N, name=name)
        b2.Network(G).run(1 * b2.ms, namespace={})
        out = {}
        for obj in (G.state_updater, G.thresholder.get("spike"), G.resetter.get("spike")):
            if obj is None or obj.codeobj is None:
                continue
            code = obj.codeobj.code
            text = "\n".join(getattr(code, part) for part in ("cpp_file", "h_file")
                             if hasattr(code, part))
            kind = obj.name.replace(name, "GROUP")
            # names differ only by the group name and the code object counter
            text = re.sub(r"_codeobject(_\d+)?", "_codeobject", text.replace(name, "GROUP"))
            text = re.sub(r"GROUP_clock(_\d+)?", "GROUP_clock", text)
            out[kind] = text
        del device
    return out


def code_identity(model_id) -> dict:
    """Compare the cpp_standalone code objects of the library class and the hand-written one."""
    lib = standalone_code(model_id, "library")
    hand = standalone_code(model_id, "hand")
    same = {k: lib.get(k) == hand.get(k) for k in sorted(set(lib) | set(hand))}
    return {"code_objects": sorted(lib), "identical": all(same.values()) and bool(same),
            "per_object": same}
