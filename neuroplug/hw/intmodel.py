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

__all__ = ["IntegerModel", "wrap_signed", "OPS"]


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
    return "def _nodes(s, i):\n" + "\n".join(body) + f"\n    return [{vals}]\n"


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
        exec(compile(step_source(spec), f"<integer model {spec['module']}>", "exec"), ns)  # noqa: S102
        exec(compile(nodes_source(spec), f"<integer nodes {spec['module']}>", "exec"), ns)  # noqa: S102
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
        return self._nodes(self.s, {n: int(inputs.get(n, 0)) for n in self.inputs})

    def step(self, inputs: dict, en: int = 1) -> dict:
        """One clock cycle; ``inputs`` maps input names to integers (missing: 0)."""
        if en:
            values = {n: int(inputs.get(n, 0)) for n in self.inputs}
            self.spike, self.s = self._step(self.s, values)
        else:
            self.spike = 0
        return self.outputs()
