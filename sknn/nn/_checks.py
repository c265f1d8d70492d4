"""Validation of layer configuration, run in each layer's ``__init__``.

A bad value raises a ValueError naming the layer and the argument, where the
layer is made, rather than a NumPy error (or a silently wrong model) at build
or fit time. Integers may be Python or NumPy integers; booleans are refused
where a number is expected.
"""

import numbers

import numpy as np

__all__ = ["check_int", "check_real", "check_int_tuple", "check_int_sequence", "check_choice"]


def _fail(layer, name, value, what):
    raise ValueError(f"{type(layer).__name__}: {name} must be {what}, got {value!r}.")


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def check_int(layer, name, value, low=1):
    """Check that ``value`` is an integer ``>= low``."""
    if not _is_int(value) or value < low:
        _fail(layer, name, value, "a positive int" if low == 1 else f"an int >= {low}")


def check_real(layer, name, value, low=None, high=None, low_open=False, high_open=False, none=False):
    """Check that ``value`` is a real number in the given (half-)open or closed range."""
    if none and value is None:
        return
    ok = isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_)) and np.isfinite(value)
    if ok and low is not None:
        ok = value > low if low_open else value >= low
    if ok and high is not None:
        ok = value < high if high_open else value <= high
    if not ok:
        lo = "" if low is None else ("(" if low_open else "[") + f"{low}, "
        hi = "" if high is None else f"{high}" + (")" if high_open else "]")
        if low is not None and high is not None:
            what = f"a number in {lo}{hi}"
        elif low is not None:
            what = f"a number {'>' if low_open else '>='} {low}"
        elif high is not None:
            what = f"a number {'<' if high_open else '<='} {high}"
        else:
            what = "a finite number"
        _fail(layer, name, value, what + (" or None" if none else ""))


def check_int_tuple(layer, name, value, rank):
    """Check that ``value`` is a positive int or a ``rank``-tuple of positive ints."""
    values = (value,) if _is_int(value) else value
    try:
        values = tuple(values)
    except TypeError:
        values = ()
    if len(values) != (1 if _is_int(value) else rank) or not all(_is_int(v) and v >= 1 for v in values):
        _fail(layer, name, value, f"a positive int or a {rank}-tuple of positive ints" if rank > 1
              else "a positive int")


def check_int_sequence(layer, name, value):
    """Check that ``value`` is a (possibly empty) sequence of positive ints."""
    try:
        values = tuple(value)
    except TypeError:
        values = None
    if values is None or isinstance(value, str) or not all(_is_int(v) and v >= 1 for v in values):
        _fail(layer, name, value, "a sequence of positive ints")


def check_choice(layer, name, value, choices):
    """Check that ``value`` is one of ``choices``."""
    if not isinstance(value, str) or value not in choices:
        _fail(layer, name, value, "one of " + ", ".join(repr(c) for c in choices))
