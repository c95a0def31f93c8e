"""Analysis helpers for library models (simulator-free).

Currently the I-V curves of Ribar & Sepulchre's neuromorphic FitzHugh-Nagumo neuron
(``fhn_rs``): the curves whose slopes decide excitability and spiking in their
framework (Ribar & Sepulchre 2019, Sec. III).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .library import model as _get_model

__all__ = ["fhn_rs_iv_curves", "plot_fhn_rs_iv"]


def fhn_rs_iv_curves(v, preset: str | None = None, v_rest: float = 0.0, **overrides) -> dict:
    """Instantaneous, fast and slow I-V curves of the ``fhn_rs`` model.

    Parameters
    ----------
    v : array_like
        Membrane voltages (dimensionless) at which the curves are evaluated.
    preset : str, optional
        Preset of ``fhn_rs`` whose parameters are used.
    v_rest : float
        Voltage at which the currents that are *not* following ``v`` are frozen
        (the rest point; 0 for the default parameters at I = 0).
    **overrides
        Parameter overrides, as for the adapters (``a_fast=-1.5``).

    Returns
    -------
    dict
        ``{"v", "instantaneous", "fast", "slow"}``: the total membrane current
        (passive + fast + slow, the current that the applied current must balance)
        with, respectively, both tanh currents at ``v_rest``; the fast current
        following ``v`` and the slow one at ``v_rest``; both following ``v``
        (steady state).
    """
    p = {k: float(q) for k, q in _get_model("fhn_rs").parameter_values(preset, **overrides).items()}
    v = np.asarray(v, dtype=float)

    def passive(x):
        return p["g_p"] * (x - p["E_rev"])

    def fast(x):
        return p["a_fast"] * np.tanh(x - p["voff_fast"])

    def slow(x):
        return p["a_slow"] * np.tanh(x - p["voff_slow"])

    rest = np.full_like(v, v_rest)
    return {"v": v,
            "instantaneous": passive(v) + fast(rest) + slow(rest),
            "fast": passive(v) + fast(v) + slow(rest),
            "slow": passive(v) + fast(v) + slow(v)}


def plot_fhn_rs_iv(path, v=None, preset: str | None = None, **overrides) -> Path:
    """Plot the three I-V curves of ``fhn_rs`` to ``path`` (written atomically)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    from .plotting import _save

    v = np.linspace(-3, 3, 601) if v is None else v
    curves = fhn_rs_iv_curves(v, preset, **overrides)
    fig, ax = plt.subplots(figsize=(6, 4.2))
    for key, style, width in (("instantaneous", "-", 5), ("fast", "-", 1.8), ("slow", "--", 1.8)):
        ax.plot(curves["v"], curves[key], style, lw=width, alpha=0.45 if width > 2 else 1,
                label=key)
    ax.axhline(0, color="0.7", lw=0.8)
    ax.set_xlabel("v (dimensionless)")
    ax.set_ylabel("membrane current (units of g_p)")
    ax.set_title("fhn_rs I-V curves (Ribar & Sepulchre 2019)")
    ax.legend()
    return _save(fig, path)
