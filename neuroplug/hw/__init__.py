"""Fixed-point hardware export: bit-true models, generated Verilog, cocotb proof.

>>> from neuroplug.hw import export, verify
>>> spec = export("adex", "tonic", out="build/adex")   # np_adex_tonic.v + .json
>>> verify("adex", "tonic", sims=("icarus",)).report()

Modules: :mod:`~neuroplug.hw.ir` (float64 discrete-time map from a library model),
:mod:`~neuroplug.hw.fixedpoint` (Q formats, rounding, overflow),
:mod:`~neuroplug.hw.export` (formats, constant encodings, refusals, sidecar),
:mod:`~neuroplug.hw.bittrue` (integer models), :mod:`~neuroplug.hw.verilog` (writer),
:mod:`~neuroplug.hw.q88` (seed-compatible Q8.8 profile), :mod:`~neuroplug.hw.sim`
(cocotb runner), :mod:`~neuroplug.hw.ladder` (verification ladder),
:mod:`~neuroplug.hw.synth` (yosys), :mod:`~neuroplug.hw.cli` (``export``, ``verify-hw``).
"""

from .export import ExportError, HwOptions, export
from .ir import NotExportable, build_map
from .ladder import verify

__all__ = ["export", "verify", "build_map", "HwOptions", "ExportError", "NotExportable"]
