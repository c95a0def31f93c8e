"""Fixed-point hardware export: bit-true models, generated Verilog, cocotb proof.

>>> from neuroplug.hw import export, verify
>>> spec = export("adex", "tonic", out="build/adex")   # np_adex_tonic.v + .json
>>> verify("adex", "tonic", sims=("icarus",)).report()

Modules: :mod:`~neuroplug.hw.ir` (float64 discrete-time map from a library model),
:mod:`~neuroplug.hw.fixedpoint` (Q formats, rounding, overflow),
:mod:`~neuroplug.hw.errors` (``ExportError``, ``ExportWarning``),
:mod:`~neuroplug.hw.export` (formats, constant encodings, refusals, sidecar),
:mod:`~neuroplug.hw.pair` (the ``.v``/``.json`` pair written and read as one unit),
:mod:`~neuroplug.hw.bittrue` (integer models), :mod:`~neuroplug.hw.verilog` (writer),
:mod:`~neuroplug.hw.q88` (seed-compatible Q8.8 profile), :mod:`~neuroplug.hw.sim`
(cocotb runner), :mod:`~neuroplug.hw.ladder` (verification ladder),
:mod:`~neuroplug.hw.synth` (yosys), :mod:`~neuroplug.hw.population` (time-multiplexed
population cores, ``export --neurons N``), :mod:`~neuroplug.hw.population_model` (N
bit-true neurons), :mod:`~neuroplug.hw.population_sim` (their testbench runner and hazard
proof), :mod:`~neuroplug.hw.pnr` (iCE40 place-and-route table),
:mod:`~neuroplug.hw.cli` (``export``, ``verify-hw``); for integer map models (chip
neurons) :mod:`~neuroplug.hw.integer` (the model's statements compiled to exact integer
operations and Verilog), :mod:`~neuroplug.hw.intmodel` (their bit-true executor) and
:mod:`~neuroplug.hw.intverify` (Brian2 == bit-true == RTL).
Their imports point one way (``tests/test_hw_robustness.py`` checks that the graph has
no cycle): ``fixedpoint`` <- ``bittrue``; ``ir`` <- ``errors`` <- ``pair`` <- ``q88``
<- ``verilog`` <- ``export`` <- ``ladder`` <- ``cli``.
"""

from .errors import ExportError, ExportWarning
from .export import HwOptions, export, load_export
from .ir import NotExportable, build_map
from .ladder import verify

__all__ = ["export", "verify", "build_map", "load_export", "HwOptions", "ExportError",
           "ExportWarning", "NotExportable"]
