"""Bit-true model of a population core: N independent :class:`BitTrue` neurons.

The population core (``neuroplug export MODEL --neurons N``) runs, for every neuron,
exactly the arithmetic of the single-neuron module; this model is therefore one
:class:`~neuroplug.hw.bittrue.BitTrue` per neuron plus the core's input table
(the latest value written per neuron and input, held until changed) and its sticky
overflow (the OR of every neuron's).  Plain Python: the cocotb testbench loads it
without importing neuroplug (and Brian2).
"""

from __future__ import annotations

try:
    from .bittrue import BitTrue, wrap_signed
except ImportError:  # loaded standalone by the cocotb testbench
    from bittrue import BitTrue, wrap_signed

__all__ = ["PopulationBitTrue"]


class PopulationBitTrue:
    """N neurons of one fixed-point spec, stepped together.

    Parameters
    ----------
    spec : dict
        The neuron's fixed-point spec (the population sidecar holds it too).
    n : int
        Number of neurons.
    """

    def __init__(self, spec: dict, n: int):
        self.spec = spec
        self.n = n
        self.input_names = [i["name"] for i in spec["inputs"]]
        self.input_width = {i["name"]: i["format"]["width"] for i in spec["inputs"]}
        self.neurons = [BitTrue(spec) for _ in range(n)]
        self.reset()

    def reset(self):
        """Initial state of every neuron, every input 0, sticky flags cleared."""
        for b in self.neurons:
            b.reset()
        self.inputs = [{name: 0 for name in self.input_names} for _ in range(self.n)]
        self.steps = 0

    def set_input(self, index: int, value: int, which: int = 0):
        """What one input beat does: the low bits of ``value`` in the input's format."""
        name = self.input_names[which]
        self.inputs[index][name] = wrap_signed(value, self.input_width[name])

    def snapshot_inputs(self) -> list:
        """A copy of the input table (what a step started now will use)."""
        return [dict(x) for x in self.inputs]

    def step(self, inputs: list | None = None) -> list:
        """One time step of every neuron; returns the indices that spiked, ascending."""
        inputs = self.inputs if inputs is None else inputs
        spikes = []
        for i, b in enumerate(self.neurons):
            if b.step(inputs[i])["spike"]:
                spikes.append(i)
        self.steps += 1
        return spikes

    @property
    def ovf(self) -> int:
        """Sticky overflow of the core: 1 if any neuron overflowed since the last clear."""
        return int(any(b.ovf for b in self.neurons))

    def clear_ovf(self):
        for b in self.neurons:
            b.ovf = 0

    def state_word(self, index: int, layout: list) -> int:
        """Neuron ``index``'s state packed as the core's state RAM word (``layout``)."""
        b = self.neurons[index]
        word = 0
        for field in layout:
            value = b.count if field["name"] == "_count" else b.x[field["name"]]
            word |= (value & ((1 << field["width"]) - 1)) << field["lsb"]
        return word
