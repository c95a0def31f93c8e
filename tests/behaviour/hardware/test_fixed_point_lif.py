"""fixed_point_lif against its Verilog, step by step.

The oracle below is written directly from ``hw/rtl/np_q8_8_lif.v`` (the seed-compatible
Q8.8 LIF, sc-neurocore's ``sc_lif_neuron``) with plain Python integers: the ports are
``DATA_WIDTH``-bit two's-complement values, the datapath is ``3*DATA_WIDTH`` bits wide
(exact), ``>>>`` is the arithmetic (floor) shift, ``v_next = sum[W-1:0]`` the wrap,
and the registers are updated with non-blocking semantics on each rising edge with
``en = 1``. It does not use neuroplug.

Over 12 000 random steps (random 16-bit inputs held 1-40 cycles, random noise) and five
parameter sets at once (per-neuron integer parameters: the defaults, the seed's example,
a negative rest/reset with no refractoriness, a long refractory period with a gain that
overflows, and a 12-bit neuron whose 16-bit inputs wrap at its ports), Brian2 (numpy
target) and BrainPy must give exactly the RTL's ``v``, refractory counter, sticky
``ovf``, hold flag and spikes on every cycle: tolerance 0, since every operation is
integer arithmetic. The test also asserts that the corners were reached in the oracle
run: spikes and resets, refractory holds, wrap-around in both directions, inputs wrapped
at a port, and a step firing exactly at ``v_next == V_THRESHOLD``.
"""

import brainstate
import brian2 as b2
import jax.numpy as jnp
import numpy as np
import saiunit as u

import neuroplug.brainpy as nbp
import neuroplug.brian2 as nb2

STEPS = 12_000

#: one parameter set per neuron (DATA_WIDTH, FRACTION, V_REST, V_RESET, V_THRESHOLD,
#: REFRACTORY_PERIOD, leak_k, gain_k)
NEURONS = [
    dict(data_width=16, fraction=8, v_rest=0, v_reset=0, v_threshold=256,
         refractory_period=2, leak_k=16, gain_k=256),        # the model's defaults
    dict(data_width=16, fraction=8, v_rest=0, v_reset=0, v_threshold=256,
         refractory_period=2, leak_k=240, gain_k=16),        # the seed's example
    dict(data_width=16, fraction=8, v_rest=-512, v_reset=-1024, v_threshold=128,
         refractory_period=0, leak_k=37, gain_k=300),
    dict(data_width=16, fraction=8, v_rest=100, v_reset=-200, v_threshold=2000,
         refractory_period=5, leak_k=255, gain_k=1024),
    dict(data_width=12, fraction=4, v_rest=0, v_reset=-5, v_threshold=100,
         refractory_period=1, leak_k=3, gain_k=20),
]


class RTL:
    """np_q8_8_lif.v: registers v, cnt, spike, ovf; one call = one posedge with en = 1."""

    def __init__(self, data_width, fraction, v_rest, v_reset, v_threshold,
                 refractory_period, leak_k, gain_k):
        self.W, self.F = data_width, fraction
        self.V_REST, self.V_RESET, self.V_THRESHOLD = v_rest, v_reset, v_threshold
        self.REFRACTORY = refractory_period
        self.leak_k, self.gain_k = leak_k, gain_k
        self.v, self.cnt, self.spike, self.ovf = v_rest, 0, 0, 0  # after rst

    def signed(self, value, bits):
        """The low ``bits`` bits of ``value`` read as a signed number (a port, a slice)."""
        value &= (1 << bits) - 1
        return value - (1 << bits) if value >> (bits - 1) else value

    def posedge(self, i_in, noise_in):
        W, F = self.W, self.F
        PW = 3 * W
        leak_x, gain_x = self.signed(self.leak_k, W), self.signed(self.gain_k, W)
        in_x, noise_x = self.signed(i_in, W), self.signed(noise_in, W)
        diff = self.signed(self.V_REST - self.v, PW)
        dv_leak = self.signed(diff * leak_x, PW) >> F       # >>> on a signed PW-bit value
        dv_in = self.signed(in_x * gain_x, PW) >> F
        total = self.signed(self.v + dv_leak + dv_in + noise_x, PW)
        v_next = self.signed(total, W)                      # sum[W-1:0]
        wrapped = int(total != v_next)
        fire = int(v_next >= self.V_THRESHOLD)
        held = int(self.cnt != 0)
        events = {"wrapped_up": wrapped and total > v_next and not held,
                  "wrapped_down": wrapped and total < v_next and not held,
                  "fire_at_threshold": fire and v_next == self.V_THRESHOLD and not held,
                  "port_wrapped": in_x != i_in}
        if held:  # non-blocking assignments: everything from the old register values
            self.cnt, self.v, self.spike = self.cnt - 1, self.V_REST, 0
        else:
            self.ovf, self.spike = self.ovf | wrapped, fire
            if fire:
                self.v, self.cnt = self.V_RESET, self.REFRACTORY
            else:
                self.v = v_next
        return (self.v, self.cnt, self.ovf, held, self.spike), events


def _stimulus():
    rng = np.random.default_rng(2024)
    n = len(NEURONS)
    current = np.zeros((STEPS, n), dtype=np.int64)
    t = 0
    while t < STEPS:  # 16-bit values held for 1-40 cycles, independently per neuron
        hold = int(rng.integers(1, 41))
        current[t:t + hold] = rng.integers(-2 ** 15, 2 ** 15, size=n)
        t += hold
    current[:4, 0] = 256  # from rest, the default neuron fires exactly at v_next == 256
    noise = rng.integers(-64, 65, size=(STEPS, n))
    noise[rng.random((STEPS, n)) < 0.002] = 30_000  # rare large noise: overflows
    return current, noise


def _oracle(current, noise):
    out = np.zeros((5, STEPS, len(NEURONS)), dtype=np.int64)
    events = {}
    for j, params in enumerate(NEURONS):
        rtl = RTL(**params)
        for k in range(STEPS):
            regs, ev = rtl.posedge(int(current[k, j]), int(noise[k, j]))
            out[:, k, j] = regs
            for name, hit in ev.items():
                events[name] = events.get(name, 0) + int(bool(hit))
    return out, events


def _per_neuron():
    return {k: np.array([p[k] for p in NEURONS], dtype=np.int64) for k in NEURONS[0]}


def _brian2(current, noise):
    G = nb2.group("fixed_point_lif", len(NEURONS), dt=1 * b2.ms, **_per_neuron())
    G.namespace["ta_I"] = b2.TimedArray(current.astype(float), dt=1 * b2.ms)
    G.namespace["ta_noise"] = b2.TimedArray(noise.astype(float), dt=1 * b2.ms)
    G.run_regularly("I = int(ta_I(t, i))\nnoise = int(ta_noise(t, i))", when="start")
    M = b2.StateMonitor(G, ["v", "cnt", "ovf", "held"], record=True, when="end")
    S = b2.SpikeMonitor(G)
    b2.Network(G, M, S).run(STEPS * b2.ms)
    spikes = np.zeros((STEPS, len(NEURONS)), dtype=np.int64)
    spikes[np.round(S.t_ / 1e-3).astype(int), np.asarray(S.i)] = 1
    return np.stack([M.v[:].T, M.cnt[:].T, M.ovf[:].T, M.held[:].T, spikes])


def _brainpy(current, noise):
    with nbp.precision("float64"), brainstate.environ.context(dt=1 * u.ms):
        layer = nbp.FixedPointLIF(len(NEURONS), **_per_neuron())
        layer.init_state()

        def step(x):
            spike = layer.update(x[0], noise=x[1])
            return jnp.stack([layer.v.value, layer.cnt.value, layer.ovf.value,
                              layer.held.value, spike.astype(jnp.int64)])

        out = brainstate.transform.for_loop(step, jnp.stack([jnp.asarray(current),
                                                             jnp.asarray(noise)], axis=1))
    return np.moveaxis(np.asarray(out), 1, 0)


def _first_difference(name, got, want):
    bad = np.argwhere(got != want)
    if not len(bad):
        return None
    r, k, j = bad[0]
    register = ("v", "cnt", "ovf", "held", "spike")[r]
    return (f"{name}: {register} differs first at step {k}, neuron {j}: {got[r, k, j]} vs "
            f"the RTL's {want[r, k, j]}")


def test_bit_true_to_the_verilog_on_random_inputs():
    current, noise = _stimulus()
    want, events = _oracle(current, noise)
    # the corners of the RTL were reached
    assert events["wrapped_up"] > 0 and events["wrapped_down"] > 0, events
    assert events["fire_at_threshold"] > 0 and events["port_wrapped"] > 0, events
    spikes, held = want[4], want[3]
    assert np.all(spikes.sum(axis=0) > 20), spikes.sum(axis=0)  # every neuron fires
    assert held[:, [0, 1, 3, 4]].any(axis=0).all() and not held[:, 2].any()
    assert np.all(want[0] == np.where(held == 1, [p["v_rest"] for p in NEURONS], want[0]))
    assert want[2, -1].tolist() == [1, 0, 1, 1, 1]  # sticky ovf: the seed example never wraps
    for name, got in (("Brian2", _brian2(current, noise)), ("BrainPy", _brainpy(current, noise))):
        assert got.shape == want.shape
        assert _first_difference(name, got, want) is None, _first_difference(name, got, want)
