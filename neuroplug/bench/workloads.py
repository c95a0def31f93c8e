"""What is simulated: the models' drive and step, the hand-written Brian2 models, the
seed-style Python neuron and the COBA / COBAHH networks.

Every contender (:mod:`neuroplug.bench.contenders`) builds its simulation from these, so
that the two sides of a comparison simulate the same thing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


def _dt(model_id):
    return 0.01e-3 if model_id == "hodgkin_huxley" else 0.1e-3


def _drive(model_id, N):
    """A per-neuron constant drive (SI) from 0.5x to 1x the strongest cross-check amplitude."""
    from ..library import model
    from ..quantities import parse_quantity

    m = model(model_id)
    amp = max(float(parse_quantity(s)) for s in m.crosscheck.stimulus)
    return amp * np.linspace(0.5, 1.0, N)


#: the four models written by hand, as a Brian2 user would (literal values)
HAND_WRITTEN = {
    "lif": dict(
        equations="dv/dt = (E_L - v)/tau_m + I/C_m : volt (unless refractory)\nI : amp\n",
        threshold="v > V_th", reset="v = V_reset", refractory="t_ref", method="exact",
        namespace="E_L=-70*mV, tau_m=10*ms, C_m=250*pF, V_th=-55*mV, V_reset=-70*mV, "
                  "t_ref=2*ms", init="v=-70*mV", unit="amp"),
    "adex": dict(
        equations="dv/dt = (-g_L*(v - E_L) + g_L*Delta_T*exp((v - V_T)/Delta_T) - w + I)/C "
                  ": volt\ndw/dt = (a*(v - E_L) - w)/tau_w : amp\nI : amp\n",
        threshold="v > V_peak", reset="v = V_r; w += b", refractory=None,
        method="exponential_euler",
        namespace="C=281*pF, g_L=30*nS, E_L=-70.6*mV, V_T=-50.4*mV, Delta_T=2*mV, a=4*nS, "
                  "tau_w=144*ms, b=80.5*pA, V_r=-70.6*mV, V_peak=0*mV",
        init="v=-70.6*mV, w=0*pA", unit="amp"),
    "izhikevich": dict(
        equations="dv/dt = k*v**2 + p*v + q - u + I : volt\ndu/dt = a*(b*v - u) : "
                  "volt/second\nI : volt/second\n",
        threshold="v >= V_peak", reset="v = c; u += d", refractory=None, method="euler",
        namespace="k=0.04/ms/mV, p=5/ms, q=140*mV/ms, a=0.02/ms, b=0.2/ms, c=-65*mV, "
                  "d=8*mV/ms, V_peak=30*mV",
        init="v=-65*mV, u=0.2/ms*-65*mV", unit="volt/second"),
    "hodgkin_huxley": dict(
        equations="""
dv/dt = (g_Na*m**3*h*(E_Na - v) + g_K*n**4*(E_K - v) + g_L*(E_L - v) + I)/C_m : volt
dm/dt = alpha_m*(1 - m) - beta_m*m : 1
dh/dt = alpha_h*(1 - h) - beta_h*h : 1
dn/dt = alpha_n*(1 - n) - beta_n*n : 1
alpha_m = 1/exprel(-(v + 40*mV)/(10*mV))/ms : Hz
beta_m = 4*exp(-(v + 65*mV)/(18*mV))/ms : Hz
alpha_h = 0.07*exp(-(v + 65*mV)/(20*mV))/ms : Hz
beta_h = 1/(1 + exp(-(v + 35*mV)/(10*mV)))/ms : Hz
alpha_n = 0.1/exprel(-(v + 55*mV)/(10*mV))/ms : Hz
beta_n = 0.125*exp(-(v + 65*mV)/(80*mV))/ms : Hz
I : amp/meter**2
""",
        threshold="v > V_spike", reset=None, refractory="v > V_spike",
        method="exponential_euler",
        namespace="C_m=1*uF/cm**2, g_Na=120*mS/cm**2, g_K=36*mS/cm**2, g_L=0.3*mS/cm**2, "
                  "E_Na=50*mV, E_K=-77*mV, E_L=-54.387*mV, V_spike=0*mV",
        init="v=-65*mV, m=0.0529, h=0.5961, n=0.3177", unit="amp/meter**2"),
}


def _eval_kw(text):
    import brian2

    ns = {k: getattr(brian2, k) for k in dir(brian2) if not k.startswith("_")}
    # our own literal strings (HAND_WRITTEN), evaluated with Brian2 units
    return eval(f"dict({text})", {"__builtins__": {"dict": dict}}, ns)  # noqa: S307


def hand_written_group(model_id, N, *, name=None, codeobj_class=None, dt=None):
    """The model written by hand as a plain :class:`brian2.NeuronGroup` (no neuroplug)."""
    from brian2 import NeuronGroup

    h = HAND_WRITTEN[model_id]
    kwargs = dict(threshold=h["threshold"], method=h["method"],
                  namespace=_eval_kw(h["namespace"]), name=name or "neurongroup*",
                  codeobj_class=codeobj_class, dt=dt)
    if h["reset"]:
        kwargs["reset"] = h["reset"]
    if h["refractory"]:
        kwargs["refractory"] = h["refractory"]
    G = NeuronGroup(N, h["equations"], **kwargs)
    for var, value in _eval_kw(h["init"]).items():
        setattr(G, var, value)
    return G


def _group(model_id, variant, N, *, name, codeobj_class=None):
    import brian2 as b2
    from brian2.units.fundamentalunits import get_unit

    from ..brian2 import group
    from ..codegen import dim_of_unit
    from ..library import model

    dt = _dt(model_id) * b2.second
    if variant == "library":
        G = group(model_id, N, name=name, codeobj_class=codeobj_class, dt=dt)
    else:
        G = hand_written_group(model_id, N, name=name, codeobj_class=codeobj_class, dt=dt)
    m = model(model_id)
    unit_text = m.inputs[m.primary_input].unit
    unit = 1 if unit_text == "1" else get_unit(dim_of_unit(unit_text))
    setattr(G, m.primary_input, _drive(model_id, N) * unit)
    return G


@dataclass
class SeedStyleLIF:
    """One LIF neuron advanced by ``step(input_current) -> 0/1``, the style of the seed library.

    Same model as ``lif`` (exact integration, 2 ms refractory, SI units); each step
    validates its input and state as the seed's neurons do.
    """

    E_L: float = -70e-3
    tau_m: float = 10e-3
    C_m: float = 250e-12
    V_th: float = -55e-3
    V_reset: float = -70e-3
    t_ref_steps: int = 20
    dt: float = 1e-4
    v: float = -70e-3
    refractory_counter: int = 0

    def __post_init__(self):
        self._decay = math.exp(-self.dt / self.tau_m)

    def step(self, input_current: float) -> int:
        if not math.isfinite(input_current):
            raise ValueError("input_current must be finite")
        if self.refractory_counter > 0:
            self.refractory_counter -= 1
            return 0
        v_inf = self.E_L + input_current * self.tau_m / self.C_m
        self.v = v_inf + (self.v - v_inf) * self._decay
        if self.v > self.V_th:
            self.v = self.V_reset
            # the spike step counts into t_ref (Brian2: timestep(t - lastspike) < 20)
            self.refractory_counter = self.t_ref_steps - 1
            return 1
        return 0

    def reset_state(self) -> None:
        self.v, self.refractory_counter = self.E_L, 0

    def get_state(self) -> dict:
        return {"v": self.v, "refractory": self.refractory_counter}


def _coba_network(kind, N=4000, duration=1.0, seed=1):
    """Build (not run) COBA or COBAHH from library models on the active device."""
    import brian2 as b2

    from ..brian2 import group

    b2.seed(seed)
    if kind == "coba":
        dt = 0.1 * b2.ms
        P = group("coba_lif", N, dt=dt, name="coba_neurons")
        P.v = "E_L + rand()*(V_th - E_L)"
        w_e, w_i = 6 * b2.nS, 67 * b2.nS
        P.g_e = "(randn()*1.5 + 4)*10*nS"
        P.g_i = "(randn()*12 + 20)*10*nS"
    else:
        dt = 0.1 * b2.ms  # Brette et al. (2007) benchmark 3 step, exponential Euler
        P = group("traub_miles", N, dt=dt, name="cobahh_neurons")
        P.v = "E_L + (randn()*5 - 5)*mV"
        w_e, w_i = 6 * b2.nS, 67 * b2.nS
        P.g_e = "(randn()*1.5 + 4)*10*nS"
        P.g_i = "(randn()*12 + 20)*10*nS"
    n_exc = int(0.8 * N)
    Ce = b2.Synapses(P, P, on_pre="g_e += w_e", namespace={"w_e": w_e}, dt=dt, name="ce")
    Ci = b2.Synapses(P, P, on_pre="g_i += w_i", namespace={"w_i": w_i}, dt=dt, name="ci")
    Ce.connect(f"i < {n_exc}", p=0.02)
    Ci.connect(f"i >= {n_exc}", p=0.02)
    S = b2.SpikeMonitor(P, name="spikes")
    return b2.Network(P, Ce, Ci, S), S
