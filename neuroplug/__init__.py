"""neuroplug: one library of neuron models for Brian2, brainpy.state and Verilog.

>>> import neuroplug
>>> neuroplug.models()            # ids of the shipped models
>>> m = neuroplug.model("adex")   # a validated Model (equations, parameters, presets)
>>> r = neuroplug.crosscheck("adex", preset="tonic")
>>> r.passed, r.report()

Simulator adapters live in :mod:`neuroplug.brian2` and :mod:`neuroplug.brainpy`;
importing :mod:`neuroplug` itself imports neither JAX nor changes any global setting.
"""

from .errors import (
    BackendError,
    CrosscheckRefused,
    DivergenceError,
    InputError,
    ModelDefinitionError,
    ModelNotFoundError,
    NeuroplugError,
    ParameterError,
    UnitError,
)
from .library import load_model, model, models, register
from .model import Model

__version__ = "0.1.0"

__all__ = ["models", "model", "register", "load_model", "crosscheck", "Model",
           "NeuroplugError", "ModelDefinitionError", "ModelNotFoundError", "UnitError",
           "ParameterError", "BackendError", "InputError", "DivergenceError",
           "CrosscheckRefused", "__version__"]


def crosscheck(*args, **kwargs):
    """Run a model in Brian2 and BrainPy and compare; see :func:`neuroplug.crosschecking.run`."""
    from .crosschecking import run

    return run(*args, **kwargs)
