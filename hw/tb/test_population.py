"""cocotb testbench (HAND-WRITTEN): population core == N bit-true neurons, every step.

Driven by environment variables that ``neuroplug.hw.population_sim.run_population``
sets:

NEUROPLUG_SPEC    the population sidecar (``<module>_pop.json``)
NEUROPLUG_STEPS   time steps to run and check
NEUROPLUG_SEED    seed of the random stimulus, of tvalid gaps and of tready
NEUROPLUG_RESULT  where to write the summary (JSON)
NEUROPLUG_FIFO_AW the core's FIFO_AW parameter when the build overrides it

After every time step the state RAM word of every neuron (each state and the
refractory counter) must equal the bit-true model's, and the sticky overflow flag the
model's; the spikes that leave through the AXI4-Stream master (neuron in tdata, step
in tuser) must be, step by step, exactly the model's.  Input beats go in with random
tvalid gaps while the previous sweep is still running (the core holds back a beat for
a neuron not yet read); tready of the spike stream is random with long low stretches,
so that the full spike FIFO stops the datapath.  Each neuron gets a stimulus class
(characterised levels, full-range values that saturate, zero, random amplitudes), a
few neurons change their input every step.  The run also checks a strobe while not
ready (overrun), a beat naming no neuron (in_err), the clear and re-initialise
commands and the register port (runs of >= 40 steps); at the end it asserts that
spikes, saturation, overflow and refractory holds really occurred and reports the
stall cycles (the core's STALLS register) and held-back beats for the caller to check.
"""

from __future__ import annotations

import json
import os
import random
import sys

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, FallingEdge, ReadOnly, RisingEdge, Timer, ValueChange

sys.path.insert(0, os.environ["NEUROPLUG_HW_DIR"])
from population_model import PopulationBitTrue


class Core:
    """One core's signals: the top level itself, or core ``prefix`` of np_pop_suite."""

    def __init__(self, dut, prefix=None, ports=()):
        self._dut, self._prefix, self._ports = dut, prefix, set(ports)

    def __getattr__(self, name):
        dut, pre = self._dut, self._prefix
        if pre is None or name == "clk":
            return getattr(dut, name)
        if name in self._ports:
            return getattr(dut, f"{pre}_{name}")
        return getattr(getattr(dut, f"u_{pre}"), name)     # internal: state_ram, ...


class Bench:
    def __init__(self, dut, spec_path, steps, seed):
        with open(spec_path) as fh:
            self.spec = json.load(fh)
        self.pop = self.spec["population"]
        self.n = self.pop["neurons"]
        self.steps = steps
        self.rng = random.Random(seed)
        self.dut = dut
        self.tasks = []
        self.model = PopulationBitTrue(self.spec, self.n)
        self.layout = self.pop["state_layout"]
        self.pending = []          # input tables of strobed, not yet checked steps
        self.hw_spikes = {}        # step -> neuron indices from the stream
        self.model_spikes = {}
        self.checked = 0
        self.stats = {"spikes": 0, "saturated": 0, "refractory_holds": 0, "ovf_steps": 0,
                      "beats": 0, "beats_held_back": 0, "tready_low_stretches": 0}
        inp = self.spec["inputs"][0]["format"]
        self.in_lo, self.in_hi = -(1 << (inp["width"] - 1)), (1 << (inp["width"] - 1)) - 1
        scale = 2 ** inp["frac_bits"]
        stims = self.spec["characterisation"]["stimuli"]
        self.levels = sorted({max(self.in_lo, min(self.in_hi, round(a * scale)))
                              for a in stims})
        self.k = 0
        self.reloads = set()
        self.new_classes()
        self.smin = {s["name"]: -(1 << (s["format"]["width"] - 1)) for s in self.spec["states"]}
        self.smax = {s["name"]: (1 << (s["format"]["width"] - 1)) - 1
                     for s in self.spec["states"]}

    # ---- stimulus
    def new_classes(self):
        """l: characterised levels, f: full range, z: zero, r: random amplitude,
        A: the input's extremes (alternating every 8 steps), H: its largest value."""
        self.classes = [self.rng.choice("lllllffzrr") for _ in range(self.n)]
        self.classes[0] = "A"                   # extremes, alternating: saturation, overflow
        if self.n >= 2:
            self.classes[1] = "H"               # the largest input: spikes within a few steps
        if self.n >= 3:
            self.classes[-1] = "l"              # characterised levels

    def value_for(self, i):
        c = self.classes[i]
        r = self.rng
        if c == "A":
            return self.in_lo if (self.k // 8) % 2 == 0 else self.in_hi
        if c == "H":
            return self.in_hi
        if c == "l":
            lv = r.choice(self.levels)
            return lv + r.randint(-abs(lv) // 64 - 1, abs(lv) // 64 + 1)
        if c == "f":
            return r.choice([self.in_lo, self.in_hi, r.randint(self.in_lo, self.in_hi)])
        if c == "z":
            return 0
        top = max(abs(v) for v in self.levels) * 4 + 1
        return r.randint(-top, top)

    def beats_for(self, k):
        """(neuron, value, input) beats for step k."""
        self.k = k
        if k == 0 or k in self.reloads:
            idx = list(range(self.n))
            self.rng.shuffle(idx)
        else:
            idx = self.rng.sample(range(self.n), min(self.n, max(2, self.n // 32)))
        if k % 97 == 5:   # every neuron changes class now and then
            self.new_classes()
        if k % 8 == 0 and 0 not in idx:
            idx.append(0)
        beats = [(i, self.value_for(i), 0) for i in idx]
        if self.rng.random() < 0.01:   # arbitrary 32-bit value: its low bits count
            beats.append((self.rng.randrange(self.n), self.rng.randint(-2**31, 2**31 - 1), 0))
        return beats

    # ---- streams
    async def send(self, beats):
        dut, r = self.dut, self.rng
        for i, value, sel in beats:
            await FallingEdge(dut.clk)
            if r.random() < 0.2:
                dut.s_axis_tvalid.value = 0
                await Timer(10 * r.randint(1, 3), unit="ns")
                await FallingEdge(dut.clk)
            dut.s_axis_tdata.value = (sel << 48) | (i << 32) | (value & 0xFFFFFFFF)
            dut.s_axis_tvalid.value = 1
            await ReadOnly()
            if not int(dut.s_axis_tready.value):
                self.stats["beats_held_back"] += 1
                await RisingEdge(dut.s_axis_tready)
            await RisingEdge(dut.clk)       # the handshake
            self.stats["beats"] += 1
        await FallingEdge(dut.clk)
        dut.s_axis_tvalid.value = 0

    async def sink(self):
        dut, r = self.dut, self.rng
        while True:
            await FallingEdge(dut.clk)
            if not int(dut.m_axis_tvalid.value):
                dut.m_axis_tready.value = 0
                await RisingEdge(dut.m_axis_tvalid)
                continue
            if self.draining:
                ready = 1
            elif r.random() < 0.04:
                dut.m_axis_tready.value = 0
                self.stats["tready_low_stretches"] += 1
                self.sleeping = True
                # one timer, not one trigger per cycle (ClockCycles awaits every edge)
                await Timer(10 * r.randint(20, 2 * self.n * self.pop["ii"] + 400), unit="ns")
                self.sleeping = False
                continue
            else:
                ready = int(r.random() < 0.7)
            dut.m_axis_tready.value = ready
            if ready:
                step = int(dut.m_axis_tuser.value)
                self.hw_spikes.setdefault(step, []).append(int(dut.m_axis_tdata.value))

    # ---- checks
    def read_states(self):
        ram = self.dut.state_ram
        return [int(ram[i].value) for i in range(self.n)]

    def check_states(self, when):
        words = self.read_states()
        for i, word in enumerate(words):
            exp = self.model.state_word(i, self.layout)
            if word != exp:
                got = {f["name"]: _field(word, f) for f in self.layout}
                want = {f["name"]: _field(exp, f) for f in self.layout}
                raise AssertionError(f"{when}: neuron {i}: RTL {got} != bit-true {want}")

    async def checker(self):
        dut = self.dut
        while True:
            await ValueChange(dut.step_count)
            await ReadOnly()
            done = int(dut.step_count.value)
            inputs = self.pending.pop(0)
            m = self.model
            self.stats["refractory_holds"] += sum(b.count != 0 for b in m.neurons)
            spikes = m.step(inputs)
            self.model_spikes[done - 1] = spikes
            self.stats["spikes"] += len(spikes)
            self.stats["saturated"] += sum(any(b.x[n] in (self.smin[n], self.smax[n])
                                               for n in b.x) for b in m.neurons)
            self.check_states(f"step {done - 1}")
            assert int(dut.ovf.value) == m.ovf, \
                f"step {done - 1}: sticky ovf RTL {int(dut.ovf.value)} != bit-true {m.ovf}"
            self.stats["ovf_steps"] += m.ovf
            self.checked = done

    async def reg_write(self, addr, data):
        dut = self.dut
        await FallingEdge(dut.clk)
        dut.reg_addr.value, dut.reg_wdata.value, dut.reg_we.value = addr, data, 1
        await FallingEdge(dut.clk)
        dut.reg_we.value = 0

    async def reg_read(self, addr):
        dut = self.dut
        await FallingEdge(dut.clk)
        dut.reg_addr.value = addr
        await RisingEdge(dut.clk)
        await FallingEdge(dut.clk)
        return int(dut.reg_rdata.value)

    async def idle(self):
        """Every strobed step written back and checked."""
        dut = self.dut
        while int(dut.busy.value) or self.pending:
            await FallingEdge(dut.clk)
            if int(dut.busy.value):
                await FallingEdge(dut.busy)

    async def step_strobe(self, via_register=False):
        dut = self.dut
        await FallingEdge(dut.clk)
        while not int(dut.step_ready.value):
            await RisingEdge(dut.step_ready)
            await FallingEdge(dut.clk)
        self.pending.append(self.model.snapshot_inputs())
        if via_register:
            dut.reg_addr.value, dut.reg_wdata.value, dut.reg_we.value = 0, 1, 1
        else:
            dut.step.value = 1
        await FallingEdge(dut.clk)
        dut.step.value = 0
        dut.reg_we.value = 0


def _field(word, f):
    v = (word >> f["lsb"]) & ((1 << f["width"]) - 1)
    if f["name"] != "_count" and v >> (f["width"] - 1):
        v -= 1 << f["width"]
    return v


@cocotb.test()
async def population_equals_bittrue(dut):
    """Every neuron's state and spikes equal the bit-true model on every time step."""
    cocotb.start_soon(Clock(dut.clk, 10, unit="ns").start())
    seed = int(os.environ.get("NEUROPLUG_SEED", "1"))
    suite = os.environ.get("NEUROPLUG_SUITE")
    results = []
    if suite:        # several cores in np_pop_suite, one after the other
        for pre, spec_path, steps, ports in json.loads(suite):
            results.append(await run_core(Core(dut, pre, ports), spec_path, steps, seed))
    else:
        results.append(await run_core(dut, os.environ["NEUROPLUG_SPEC"],
                                      int(os.environ.get("NEUROPLUG_STEPS", "100")), seed))
    path = os.environ.get("NEUROPLUG_RESULT")
    if path:
        with open(path, "w") as fh:
            json.dump(results if suite else results[0], fh, indent=1)


async def run_core(dut, spec_path, steps, seed):
    """Run and check one core; returns its summary (raises on the first mismatch)."""
    b = Bench(dut, spec_path, steps, seed)
    b.draining = b.sleeping = False
    for sig in ("step", "s_axis_tvalid", "m_axis_tready", "reg_we", "reg_addr", "reg_wdata",
                "s_axis_tdata"):
        getattr(dut, sig).value = 0
    dut.rst.value = 1
    await ClockCycles(dut.clk, 3)
    await FallingEdge(dut.clk)
    dut.rst.value = 0
    await b.idle()
    b.check_states("after reset")
    b.tasks = [cocotb.start_soon(b.sink()), cocotb.start_soon(b.checker())]

    cfg = await b.reg_read(3)
    assert cfg == (b.pop["lanes"] << 24) | (b.pop["ii"] << 16) | (b.n - 1), hex(cfg)
    # the control checks need a few steps around them: long enough runs only
    overrun_at = b.steps // 3 if b.steps >= 40 else -1
    init_at = b.steps // 2 if b.steps >= 40 else -1
    bad_at = 2 * b.steps // 3 if b.steps >= 40 else -1
    for k in range(b.steps):
        if k == init_at:        # re-initialise through the register port
            await b.idle()
            await b.reg_write(0, 6)      # re-initialise and clear the sticky flags
            if not int(dut.initialising.value):
                await RisingEdge(dut.initialising)
            await FallingEdge(dut.initialising)
            await ReadOnly()
            b.model.reset()
            b.check_states("after re-initialisation")
            b.reloads.add(k)              # every neuron gets its input again
        if k == bad_at:         # a beat for no neuron: dropped, in_err set, then cleared
            await b.idle()
            await b.send([(b.n, 1, 0)] if b.n < 65536 else [(0, 1, 200)])
            await FallingEdge(dut.clk)
            assert int(dut.in_err.value) == 1, "a beat for neuron N did not set in_err"
            assert int(dut.ovf.value) == b.model.ovf
            await b.reg_write(0, 2)
            await FallingEdge(dut.clk)
            assert int(dut.in_err.value) == 0 and int(dut.ovf.value) == 0, "clear failed"
            b.model.clear_ovf()
        beats = b.beats_for(k)
        await b.send(beats)
        for i, value, sel in beats:
            b.model.set_input(i, value, sel)
        await b.step_strobe(via_register=(k % 7 == 3))
        if k == overrun_at:     # a strobe during the sweep is dropped and flagged
            assert not int(dut.step_ready.value)
            await FallingEdge(dut.clk)
            dut.step.value = 1
            await FallingEdge(dut.clk)
            dut.step.value = 0
            assert int(dut.overrun.value) == 1, "a strobe while not ready did not set overrun"
            await b.idle()       # clear (it clears ovf too) only between steps
            await b.reg_write(0, 2)
            b.model.clear_ovf()
            await FallingEdge(dut.clk)
            assert int(dut.overrun.value) == 0 and int(dut.ovf.value) == 0
    await b.idle()
    b.draining = True          # the sink takes every beat from now on
    while int(dut.m_axis_tvalid.value) or b.sleeping:
        await FallingEdge(dut.clk)
    assert b.checked == int(dut.step_count.value)
    for s in sorted(b.model_spikes):
        got = b.hw_spikes.get(s & 0xFFFF, [])
        assert got == b.model_spikes[s], \
            f"step {s}: spikes RTL {got[:20]} != bit-true {b.model_spikes[s][:20]}"
    stalls = await b.reg_read(4)
    steps = await b.reg_read(2)
    fifo_aw = os.environ.get("NEUROPLUG_FIFO_AW") or b.pop["fifo_depth"].bit_length() - 1
    summary = {"module": b.spec["module"], "fifo_depth": 1 << int(fifo_aw), "neurons": b.n,
               "steps": steps, "ii": b.pop["ii"],
               "neuron_updates": steps * b.n, "stall_cycles": stalls, "mismatches": 0,
               **b.stats}
    for t in b.tasks:
        t.cancel()
    st = b.stats
    assert steps == b.steps, (steps, b.steps)
    assert st["spikes"] > 0, "no spike occurred: the spike path is untested"
    assert st["ovf_steps"] > 0, "overflow (saturation or wrap) was never reached"
    if b.spec["overflow"] == "saturate":
        assert st["saturated"] > 0, "saturation was never reached"
    if b.spec["refractory_hold"]:
        assert st["refractory_holds"] > 0, "the refractory hold never occurred"
    # stalls and held-back beats are random events: the callers assert them on long runs
    return summary
