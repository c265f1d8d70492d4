"""The training parameters every sknn estimator shares, each declared once.

One :class:`Param` per parameter: its name, its default (scikit-learn's MLP
default; a preset may choose another in its ``__init__``) and its constraints
in scikit-learn's style, checked at ``fit`` (:func:`sknn.utils.validation.check_params`).
An estimator's ``_parameter_constraints`` is :data:`TRAINING_CONSTRAINTS`
extended with its own entries (hidden sizes, dropout, ...).

The ``doc`` field is there so the parameter docs can move here too (one
declaration: name, default, constraint, doc); it is empty until they do.
"""

from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np

from ..nn.schedules import Schedule
from ..utils.validation import Interval, Options, StrOptions, finite_interval

__all__ = [
    "Param",
    "TRAINING_PARAMS",
    "TRAINING_CONSTRAINTS",
    "SOLVERS",
    "STOCHASTIC_SOLVERS",
    "SCHEDULES",
    "SHAPED_CONSTRAINTS",
    "HIDDEN_SIZES",
    "RATE",
    "constraints_of",
]

STOCHASTIC_SOLVERS = ("sgd", "adam", "adamw", "rmsprop", "adagrad")
SOLVERS = STOCHASTIC_SOLVERS + ("lbfgs",)
SCHEDULES = ("constant", "invscaling", "adaptive", "cosine", "step")


@dataclass(frozen=True)
class Param:
    """One declared parameter.

    Parameters
    ----------
    name : str
    default : object
        The default in scikit-learn's MLPs (presets may override it).
    constraints : tuple
        scikit-learn-style constraints; a value is valid if it satisfies any.
    doc : str, default=""
        The numpydoc entry body (to come).
    """

    name: str
    default: object
    constraints: tuple
    doc: str = ""


def _unit(closed):
    return Interval(Real, 0, 1, closed=closed)


_POSITIVE = finite_interval(Real, 0, None, closed="neither")
_NON_NEGATIVE = finite_interval(Real, 0, None, closed="left")
_AT_LEAST_ONE = Interval(Integral, 1, None, closed="left")

TRAINING_PARAMS = (
    Param("solver", "adam", (StrOptions(set(SOLVERS)),)),
    Param("alpha", 1e-4, (_NON_NEGATIVE,)),
    Param("batch_size", "auto", (StrOptions({"auto"}), _AT_LEAST_ONE)),
    Param("learning_rate", "constant", (StrOptions(set(SCHEDULES)), Schedule)),
    Param("learning_rate_init", 1e-3, (_POSITIVE,)),
    Param("power_t", 0.5, (_NON_NEGATIVE,)),
    Param("max_iter", 200, (_AT_LEAST_ONE,)),
    Param("shuffle", True, ("boolean",)),
    Param("random_state", None, ("random_state", np.random.Generator)),
    Param("tol", 1e-4, (_NON_NEGATIVE,)),
    Param("verbose", False, ("verbose",)),
    Param("warm_start", False, ("boolean",)),
    Param("momentum", 0.9, (_unit("both"),)),
    Param("nesterovs_momentum", True, ("boolean",)),
    Param("early_stopping", False, ("boolean",)),
    Param("validation_fraction", 0.1, (_unit("left"),)),
    Param("beta_1", 0.9, (_unit("left"),)),
    Param("beta_2", 0.999, (_unit("left"),)),
    Param("epsilon", 1e-8, (_POSITIVE,)),
    # np.inf is scikit-learn's documented "never stop on a plateau"
    Param("n_iter_no_change", 10, (_AT_LEAST_ONE, Options(Real, {np.inf}))),
    Param("max_fun", 15000, (_AT_LEAST_ONE,)),
    Param("class_weight", None, (dict, StrOptions({"balanced"}), None)),
    Param("clip_norm", None, (_POSITIVE, None)),
    Param("callbacks", None, (list, tuple, None)),
)


def constraints_of(params):
    """``{name: [constraints]}`` of some :class:`Param` declarations."""
    return {p.name: list(p.constraints) for p in params}


TRAINING_CONSTRAINTS = constraints_of(TRAINING_PARAMS)

#: Parameters of the shaped-input networks (NeuralNet, ConvNet, RNN); their
#: finer checks (a tuple of positive ints, a float dtype) are in ``_shaped``.
SHAPED_CONSTRAINTS = {
    "input_shape": [None, Interval(Integral, 1, None, closed="left"), tuple, list],
    "dtype": [StrOptions({"float32", "float64"}), type, np.dtype],
}

_UNITS = Interval(Integral, 1, None, closed="left")
#: Hidden sizes as scikit-learn declares them: one int, or a sequence of them.
HIDDEN_SIZES = ["array-like", _UNITS]
#: A dropout rate.
RATE = [Interval(Real, 0, 1, closed="left")]

