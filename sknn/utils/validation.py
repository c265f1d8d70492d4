"""Parameter constraints in scikit-learn's style, behind one stable import.

scikit-learn checks estimator parameters against a table of constraints
(``sklearn.utils._param_validation``: :class:`Interval`, :class:`StrOptions`,
``"boolean"``, ``"random_state"``...). That module is private, so sknn touches
it here only: the estimators import the names below, and a change in a future
scikit-learn is absorbed in this one file.

Differences from using scikit-learn's classes directly:

* :func:`finite_interval` builds an :class:`Interval` that refuses ``inf``
  (scikit-learn's real intervals with no upper bound accept it, e.g.
  ``alpha=inf``), and, like every interval, ``nan``.
* :func:`check_params` refuses booleans where a number is expected
  (``learning_rate_init=True`` is a bug, not 1.0).

Examples
--------
>>> from numbers import Real
>>> from sknn.utils.validation import check_params, finite_interval
>>> check_params({"alpha": [finite_interval(Real, 0, None, closed="left")]}, {"alpha": 0.1}, "Demo")
>>> check_params({"alpha": [finite_interval(Real, 0, None, closed="left")]}, {"alpha": float("inf")}, "Demo")
Traceback (most recent call last):
...
sklearn.utils._param_validation.InvalidParameterError: The 'alpha' parameter of Demo must be a float in the range [0.0, inf). Got inf instead.
"""

from numbers import Integral

import numpy as np
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    InvalidParameterError,
    Options,
    StrOptions,
    validate_parameter_constraints,
)

from ..nn.layer import Layer

__all__ = [
    "HasMethods",
    "Interval",
    "InvalidParameterError",
    "Options",
    "StrOptions",
    "check_params",
    "finite_interval",
    "layer_list",
    "per_layer",
    "positive_ints",
]


def finite_interval(kind, left, right, *, closed):
    """An :class:`Interval` of finite numbers: ``inf`` and ``nan`` are refused.

    Parameters
    ----------
    kind : {numbers.Real, numbers.Integral}
    left, right : float or None
        Bounds; None means unbounded (but still finite).
    closed : {"left", "right", "both", "neither"}
        Which bounds belong to the interval.

    Returns
    -------
    interval : Interval
    """
    if kind is Integral:  # integers are finite already
        return Interval(kind, left, right, closed=closed)
    # an open bound at +-inf keeps the infinities out, and the message reads "[0.0, inf)"
    lo = -np.inf if left is None else left
    hi = np.inf if right is None else right
    if left is None:
        closed = {"left": "neither", "both": "right"}.get(closed, closed)
    if right is None:
        closed = {"right": "neither", "both": "left"}.get(closed, closed)
    return Interval(kind, lo, hi, closed=closed)


def _numeric(constraints):
    return any(isinstance(c, Interval) for c in constraints) and "boolean" not in constraints


def check_params(constraints, params, caller_name):
    """Check ``params`` against ``constraints`` as scikit-learn's ``_validate_params`` does.

    Parameters
    ----------
    constraints : dict
        ``{name: [constraint, ...]}``; a value is valid when it satisfies any
        of its constraints. Parameters without an entry are not checked.
    params : dict
        ``{name: value}``, e.g. ``estimator.get_params(deep=False)``.
    caller_name : str
        Named in the error message.

    Raises
    ------
    InvalidParameterError
        A subclass of both ``ValueError`` and ``TypeError``, naming the
        parameter, what it must be, and the value received.
    """
    for name, value in params.items():
        if isinstance(value, (bool, np.bool_)) and name in constraints and _numeric(constraints[name]):
            if not any(c in (bool, "boolean") for c in constraints[name]):
                raise InvalidParameterError(
                    f"The {name!r} parameter of {caller_name} must be a number, not a "
                    f"boolean. Got {value!r} instead."
                )
    validate_parameter_constraints(constraints, params, caller_name=caller_name)


def positive_ints(name, value, allow_empty=True):
    """``value`` (an int or a sequence of ints) as a tuple of positive ints, or a ValueError naming ``name``.

    Parameters
    ----------
    name : str
        The parameter's name, for the message.
    value : int or iterable of int
    allow_empty : bool, default=True

    Returns
    -------
    values : tuple of int
    """
    values = (value,) if isinstance(value, Integral) else value
    try:
        values = tuple(values)
    except TypeError:
        raise ValueError(f"{name} must be an int or a tuple of ints, got {value!r}.") from None
    if (not values and not allow_empty) or not all(
        isinstance(v, Integral) and not isinstance(v, (bool, np.bool_)) and v > 0 for v in values
    ):
        raise ValueError(f"{name} must be positive ints, got {value!r}.")
    return tuple(int(v) for v in values)


def layer_list(name, value, allow_empty=True):
    """A parameter holding :mod:`sknn.nn` layers (configuration only) as a list; None stays None.

    Parameters
    ----------
    name : str
        The parameter's name, for the message.
    value : None, Layer or sequence of Layer
    allow_empty : bool, default=True

    Returns
    -------
    layers : list of Layer or None
    """
    if value is None:
        return None
    layers = [value] if isinstance(value, Layer) else list(value) if isinstance(value, (list, tuple)) else None
    if layers is None or (not layers and not allow_empty) or not all(isinstance(l, Layer) for l in layers):
        raise ValueError(
            f"{name} must be None, a sknn.nn layer or a {'' if allow_empty else 'non-empty '}list of sknn.nn "
            f"layer objects (configuration only), got {value!r}."
        )
    return layers


def per_layer(name, value, n_layers, constraints, caller_name):
    """Broadcast one value (or check a list of one per layer) of a per-layer hyper-parameter.

    Each value is checked against ``constraints`` (see :func:`check_params`).

    Parameters
    ----------
    name : str
    value : object or list or tuple
        One value for every layer, or one per layer.
    n_layers : int
    constraints : list
    caller_name : str

    Returns
    -------
    values : list of length n_layers
    """
    if isinstance(value, (list, tuple)):
        if len(value) != n_layers:
            raise ValueError(
                f"{name} has {len(value)} entries but there are {n_layers} hidden layers "
                f"(hidden_layer_sizes); give one value or one per hidden layer."
            )
        values = list(value)
    else:
        values = [value] * n_layers
    for v in values:
        check_params({name: constraints}, {name: v}, caller_name)
    return values
