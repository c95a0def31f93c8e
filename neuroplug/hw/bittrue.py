"""Bit-true Python models: plain integers, explicit rounding and overflow.

:class:`BitTrue` executes a fixed-point spec (the dict written as the JSON sidecar by
:mod:`neuroplug.hw.export`) exactly as the generated Verilog does, one call of
:meth:`BitTrue.step` per clock cycle.  :class:`SeedQ88LIF` is the seed-compatible
Q8.8 LIF (``q8_8`` profile).
"""

from __future__ import annotations

try:
    from .fixedpoint import QFormat, fit, round_shift
except ImportError:  # loaded standalone by the cocotb testbench (no brian2 import there)
    from fixedpoint import QFormat, fit, round_shift

__all__ = ["BitTrue", "SeedQ88LIF", "wrap_signed", "port_name"]

_KEYWORDS = {"input", "output", "wire", "reg", "module", "begin", "end", "in", "out", "en",
             "clk", "rst", "spike", "ovf", "case", "default", "function", "cnt", "refr", "fire"}


def port_name(name: str, is_input: bool) -> str:
    """Verilog port of a model signal: inputs get ``_in`` (``I`` -> ``i_in``)."""
    base = name.lower()
    if is_input:
        return f"{base}_in"
    return base if base not in _KEYWORDS else f"{base}_q"


def wrap_signed(value: int, width: int) -> int:
    """Keep ``width`` bits of ``value`` and read them as two's complement."""
    value &= (1 << width) - 1
    return value - (1 << width) if value >> (width - 1) else value


def exp2_fixed(y: int, e: dict) -> int:
    """``2**(y / 2**arg_frac)`` as ``LUT[frac] << (floor - n_min)`` with ``e['frac']`` bits.

    ``y`` is already clamped to ``[y_min, y_max]``.
    """
    fy, lb = e["arg_frac"], e["lut_bits"]
    n = y >> fy
    idx = (y >> (fy - lb)) & ((1 << lb) - 1)
    return e["lut"][idx] << (n - e["n_min"])


class BitTrue:
    """Cycle-accurate integer model of a generated neuron module.

    Parameters
    ----------
    spec : dict
        The fixed-point spec (sidecar JSON content).

    ``step(inputs, en=1)`` advances one clock cycle and returns the registered
    outputs after the clock edge: ``{"spike": 0/1, "ovf": 0/1, <state>: int, ...}``.
    """

    def __init__(self, spec: dict):
        self.spec = spec
        self.rounding = spec["rounding"]
        self.overflow = spec["overflow"]
        self.states = spec["states"]
        self.fmt = {s["name"]: QFormat(s["format"]["int_bits"], s["format"]["frac_bits"])
                    for s in self.states}
        self.reset()

    def reset(self):
        self.x = {s["name"]: s["init_int"] for s in self.states}
        self.count = 0
        self.ovf = 0
        self.spike = 0

    def outputs(self) -> dict:
        return {"spike": self.spike, "ovf": self.ovf, **self.x}

    def _term(self, t: dict, env: dict) -> int:
        p = t["k"]
        for f in t["factors"]:
            p *= env[f]
        if t.get("exp"):
            e = t["exp"]
            y = round_shift(e["ka"] * env[e["var"]], e["ka_shift"], self.rounding) + e["kb"]
            y = min(max(y, e["y_min"]), e["y_max"])
            p *= exp2_fixed(y, e)
        return round_shift(p, t["shift"], self.rounding)

    def step(self, inputs: dict, en: int = 1) -> dict:
        """One clock cycle (one time step when ``en``); inputs are integers in their formats."""
        if not en:
            self.spike = 0
            return self.outputs()
        spec = self.spec
        env = dict(self.x)
        env.update(inputs)
        refractory = self.count != 0
        g = spec["guard_bits"]
        new, ovf = {}, False
        for s in self.states:
            n = s["name"]
            if refractory and s["hold_when_refractory"]:
                new[n] = self.x[n]
                continue
            acc = self.x[n] << g
            for t in s["terms"]:
                acc += self._term(t, env)
            new[n], o = fit(round_shift(acc, g, self.rounding), self.fmt[n], self.overflow)
            ovf |= o
        if refractory:
            self.count -= 1
        th = spec["threshold"]
        v = new[th["var"]]
        hit = {">": v > th["int"], ">=": v >= th["int"], "<": v < th["int"],
               "<=": v <= th["int"]}[th["op"]]
        spike = int(hit and not refractory)
        if spike:
            for r in spec["resets"]:
                if r["op"] == "=":
                    new[r["var"]] = r["int"]
                else:
                    new[r["var"]], o = fit(new[r["var"]] + r["int"], self.fmt[r["var"]],
                                           self.overflow)
                    ovf |= o
            self.count = spec["refractory_hold"]
        self.x = new
        self.spike = spike
        self.ovf = int(self.ovf or ovf)
        return self.outputs()


class SeedQ88LIF:
    """The seed's ``FixedPointLIFNeuron`` semantics (Q8.8 by default), bit for bit.

    Leak ``(V_REST - v) * leak_k >>> F``, input ``I * gain_k >>> F``, the sum wrapped
    to ``W`` bits, threshold ``v_next >= V_THRESHOLD``, reset to ``V_RESET`` and a
    refractory counter during which ``v`` is held at ``V_REST`` and no spike occurs.
    """

    def __init__(self, data_width=16, fraction=8, v_rest=0, v_reset=0, v_threshold=256,
                 refractory_period=2):
        self.W, self.F = data_width, fraction
        self.v_rest, self.v_reset, self.v_threshold = v_rest, v_reset, v_threshold
        self.refractory_period = refractory_period
        self.reset()

    def reset(self):
        self.v = self.v_rest
        self.count = 0
        self.spike = 0

    def step(self, leak_k: int, gain_k: int, i_t: int, noise_in: int = 0, en: int = 1):
        """One cycle; returns ``(spike, v)`` like the seed's ``step``."""
        if not en:
            self.spike = 0
            return 0, wrap_signed(self.v, self.W)
        W, F = self.W, self.F
        if self.count > 0:
            self.count -= 1
            self.v = self.v_rest
            self.spike = 0
            return 0, wrap_signed(self.v, W)
        dv_leak = (wrap_signed(self.v_rest - self.v, 2 * W) * leak_k) >> F
        dv_in = (i_t * gain_k) >> F
        v_next = wrap_signed(self.v + dv_leak + dv_in + noise_in, W)
        if v_next >= self.v_threshold:
            self.spike, self.v, self.count = 1, self.v_reset, self.refractory_period
        else:
            self.spike, self.v = 0, v_next
        return self.spike, wrap_signed(self.v, W)
