"""Bit-true executor of an integer model's sidecar (plain Python, no neuroplug imports).

The sidecar that :func:`neuroplug.hw.integer.integer_spec` writes holds the model's own
statements compiled into a list of integer operations (``nodes``); this module runs
them with Python integers, so that the cocotb testbench can import it without Brian2.
Operations (``d`` is a positive integer constant)::

    const, input, state, add, sub, mul, neg, fdiv (floor a/d), tdiv (a/d toward zero),
    fmod (a - d*floor(a/d)), tmod (a - d*trunc(a/d)), lt, le, gt, ge, eq, ne (0/1),
    and, or, not (0/1; nonzero is true), min, max, abs, sign, band, bor, bxor,
    sel (c != 0 ? a : b)

A step mirrors the generated module: with ``en`` the new state (after the update, the
threshold on the new state and the reset of the neurons that spiked, Brian2's order) is
stored in each state's register width (two's complement; a no-op wherever the interval
analysis proved the width) and ``spike`` is the threshold; without ``en`` the state
holds and ``spike`` is 0.
"""

from __future__ import annotations

__all__ = ["OPS", "IntegerModel", "corner_counter", "stimulus_plan", "wrap_signed"]


def wrap_signed(value: int, width: int) -> int:
    """Keep ``width`` bits of ``value`` and read them as two's complement."""
    value &= (1 << width) - 1
    return value - (1 << width) if value >> (width - 1) else value


def _tdiv(a, d):
    q = abs(a) // d
    return q if a >= 0 else -q


#: Python source of each operation (a, b, c: operands; d: the constant)
OPS = {
    "add": "{a} + {b}", "sub": "{a} - {b}", "mul": "{a} * {b}", "neg": "-{a}",
    "fdiv": "{a} // {d}", "tdiv": "_tdiv({a}, {d})", "fmod": "{a} % {d}",
    "tmod": "{a} - {d} * _tdiv({a}, {d})",
    "lt": "int({a} < {b})", "le": "int({a} <= {b})", "gt": "int({a} > {b})",
    "ge": "int({a} >= {b})", "eq": "int({a} == {b})", "ne": "int({a} != {b})",
    "and": "int({a} != 0 and {b} != 0)", "or": "int({a} != 0 or {b} != 0)",
    "not": "int({a} == 0)", "min": "min({a}, {b})", "max": "max({a}, {b})",
    "abs": "abs({a})", "sign": "(({a} > 0) - ({a} < 0))",
    "band": "{a} & {b}", "bor": "{a} | {b}", "bxor": "{a} ^ {b}",
    "sel": "({b} if {a} != 0 else {c})",
}


def _operand(spec_nodes, k):
    n = spec_nodes[k]
    if n["op"] == "const":
        return f"({n['value']})"
    return f"n{k}"


def step_source(spec: dict) -> str:
    """Python source of one step: ``def _step(s, i) -> (spike, new state tuple)``."""
    nodes = spec["nodes"]
    states = [s["name"] for s in spec["states"]]
    lines = ["def _step(s, i):"]
    for k, n in enumerate(nodes):
        op = n["op"]
        if op == "const":
            continue
        if op == "state":
            lines.append(f"    n{k} = s[{states.index(n['name'])}]")
        elif op == "input":
            lines.append(f"    n{k} = i[{n['name']!r}]")
        else:
            args = [_operand(nodes, a) for a in n["args"]]
            ns = dict(zip("abc", args), d=n.get("d"))
            lines.append(f"    n{k} = " + OPS[op].format(**ns))
    finals = ", ".join(f"_w({_operand(nodes, s['next'])}, {s['width']})"
                       for s in spec["states"])
    lines.append(f"    return int({_operand(nodes, spec['spike'])} != 0), ({finals},)")
    return "\n".join(lines) + "\n"


def nodes_source(spec: dict) -> str:
    """Python source of ``def _nodes(s, i) -> list``: every node's value in one step
    (the coverage of saturation, wrap-around and comparisons is read from it)."""
    body = step_source(spec).split("\n")[1:]
    body = [ln for ln in body if ln and not ln.lstrip().startswith("return")]
    vals = ", ".join(_operand(spec["nodes"], k) for k in range(len(spec["nodes"])))
    step_ret = step_source(spec).rstrip().split("\n")[-1].replace("return ", "", 1).strip()
    return ("def _nodes(s, i):\n" + "\n".join(body) +
            f"\n    return [{vals}], ({step_ret})\n")


class IntegerModel:
    """One neuron of an integer model, executed from its sidecar ``spec``.

    Parameters
    ----------
    spec : dict
        The sidecar (``profile == "integer"``).

    Attributes
    ----------
    state : dict
        Current state, ``{name: int}``.
    """

    def __init__(self, spec: dict):
        if spec.get("profile") != "integer":
            raise ValueError(f"expected an integer-model sidecar, found profile "
                             f"{spec.get('profile')!r}")
        self.spec = spec
        self.names = [s["name"] for s in spec["states"]]
        self.inputs = [i["name"] for i in spec["inputs"]]
        ns = {"_tdiv": _tdiv, "_w": wrap_signed}
        # the source is generated from the sidecar's own operation list (names are
        # integers and indices), never from model text
        for src in (step_source(spec), nodes_source(spec)):
            exec(compile(src, f"<integer model {spec['module']}>", "exec"), ns)  # noqa: S102
        self._step = ns["_step"]
        self._nodes = ns["_nodes"]
        self.reset()

    def reset(self) -> None:
        """Back to the initial state (the module's synchronous reset)."""
        self.s = tuple(int(s["init"]) for s in self.spec["states"])
        self.spike = 0

    @property
    def state(self) -> dict:
        return dict(zip(self.names, self.s))

    def outputs(self) -> dict:
        """What the module's output registers hold: ``spike`` and every state."""
        return {"spike": self.spike, **self.state}

    def node_values(self, inputs: dict) -> list:
        """Every node's value in the step that ``inputs`` would take now (no step)."""
        return self._nodes(self.s, {n: int(inputs.get(n, 0)) for n in self.inputs})[0]

    def step_nodes(self, inputs: dict) -> tuple:
        """One enabled step that also returns every node's value: ``(outputs, values)``."""
        values, (self.spike, self.s) = self._nodes(
            self.s, {n: int(inputs.get(n, 0)) for n in self.inputs})
        return self.outputs(), values

    def step(self, inputs: dict, en: int = 1) -> dict:
        """One clock cycle; ``inputs`` maps input names to integers (missing: 0)."""
        if en:
            values = {n: int(inputs.get(n, 0)) for n in self.inputs}
            self.spike, self.s = self._step(self.s, values)
        else:
            self.spike = 0
        return self.outputs()


# ---------------------------------------------------------------- verification helpers
def stimulus_plan(specs: list, cycles: int, rng) -> list:
    """Per-cycle ``(rst, en, [inputs of each core])`` of a verification run.

    Random piecewise-constant inputs at the levels the sidecar lists (the model's
    cross-check and preset amplitudes, either sign, with occasional random values in
    between), ``en`` gaps (5 %), a reset after 55 % of the run, then a stretch of random
    full-range port values (saturation and wrap-around), then levels again.
    """
    zeros = [{i["name"]: 0 for i in s["inputs"]} for s in specs]
    plan = [(1, 0, zeros), (1, 1, zeros)]

    def levels(spec, name):
        lv = next(i for i in spec["inputs"] if i["name"] == name).get("levels") or [1]
        return lv

    def block_values(n):
        out = []
        for s in specs:
            cur = {}
            for i in s["inputs"]:
                a = rng.choice(levels(s, i["name"]))
                cur[i["name"]] = a if rng.random() < 0.7 else -a
            out.append(cur)
        for _ in range(n):
            vals = []
            for s, cur in zip(specs, out):
                v = {}
                for i in s["inputs"]:
                    base = cur[i["name"]]
                    v[i["name"]] = base if rng.random() < 0.9 else \
                        rng.randint(-abs(base), abs(base))
                vals.append(v)
            plan.append((0, 0 if rng.random() < 0.05 else 1, vals))

    while len(plan) < int(cycles * 0.55):
        block_values(rng.randint(20, 400))
    plan.append((1, 1, zeros))
    plan.append((0, 0, zeros))
    while len(plan) < int(cycles * 0.75):
        vals = []
        for s in specs:
            v = {}
            for i in s["inputs"]:
                h = 1 << (i["width"] - 1)
                v[i["name"]] = rng.randint(-h, h - 1) if rng.random() < 0.5 else \
                    rng.choice(levels(s, i["name"]))
            vals.append(v)
        plan.append((0, 1, vals))
    while len(plan) < cycles:
        block_values(rng.randint(20, 400))
    return plan[:cycles]


class corner_counter:
    """Counts, over the steps of a run, the corners of an integer model's operations:
    saturation (a ``min``/``max`` of a clip whose bound was active), wrap-around (a
    modulo whose operand left its range; a state register that wrapped), comparisons
    seen both true and false.  Operations whose value the interval analysis proved
    constant are not counted."""

    def __init__(self, spec: dict):
        nodes = spec["nodes"]
        var = [k for k, n in enumerate(nodes) if n["lo"] != n["hi"]]
        self.sat = [k for k in var if nodes[k]["op"] in ("min", "max")]
        self.mod = [k for k in var if nodes[k]["op"] in ("fmod", "tmod")]
        self.cmp = [k for k in var if nodes[k]["op"] in ("lt", "le", "gt", "ge", "eq", "ne")]
        self.arg0 = {k: nodes[k]["args"][0] for k in self.sat + self.mod}
        self.regs = [(s["next"], s["width"]) for s in spec["states"] if s.get("wraps")]
        self.sat_hits = {k: 0 for k in self.sat}
        self.mod_hits = {k: 0 for k in self.mod}
        self.cmp_seen = {k: set() for k in self.cmp}
        self.reg_hits = 0
        self.steps = 0

    def add(self, v: list) -> None:
        """Count the corners of one step from its node values (``step_nodes``)."""
        self.steps += 1
        for k in self.sat:
            if v[k] != v[self.arg0[k]]:
                self.sat_hits[k] += 1
        for k in self.mod:
            if v[k] != v[self.arg0[k]]:
                self.mod_hits[k] += 1
        for k in self.cmp:
            self.cmp_seen[k].add(v[k])
        for k, w in self.regs:
            if wrap_signed(v[k], w) != v[k]:
                self.reg_hits += 1

    def summary(self) -> dict:
        return {
            "steps": self.steps,
            "saturation": {"ops": len(self.sat),
                           "reached": sum(1 for c in self.sat_hits.values() if c),
                           "steps": sum(self.sat_hits.values())},
            "wrap": {"ops": len(self.mod),
                     "reached": sum(1 for c in self.mod_hits.values() if c),
                     "steps": sum(self.mod_hits.values())},
            "comparisons": {"ops": len(self.cmp),
                            "both_ways": sum(1 for s in self.cmp_seen.values() if len(s) == 2)},
            "register_wrap": {"registers": len(self.regs), "steps": self.reg_hits},
        }
