"""A small language to declare the fitted state of a class: what each attribute may hold.

A :class:`Declaration` lists, for one estimator class, the attributes a file may
set (each with a :class:`Spec` of its type, dtype, shape and range), those
recomputed on load instead of read, and a validator for the relations between
attributes. Shapes may name dimensions (``Array("f", ("n_features",))``): the
first attribute that fixes a name binds it, every later use must agree.
"""

import math
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from ._persistence_errors import PersistenceError, refuse

__all__ = ["Declaration", "Spec", "Int", "Float", "Bool", "Str", "Opt", "Either", "ListOf", "TupleOf", "Array",
           "Instance", "Plain", "increasing", "check_dims"]


@dataclass
class Declaration:
    """The persistent state of one class.

    Parameters
    ----------
    stored : dict of str -> Spec
        Attributes read from the file, required when the estimator is fitted.
    optional : dict of str -> Spec
        Attributes read from the file when present (``feature_names_in_``).
    derived : tuple of str
        Attributes recomputed on load (by ``derive`` or the estimator itself),
        never read from the file.
    derive : callable or None
        ``derive(estimator, names)`` recomputes the derived attributes; ``names``
        are those the saved estimator had (some exist only in some
        configurations).
    validate : callable or None
        ``validate(estimator, context)`` checks the relations between attributes.
    params : dict of str -> Spec
        Extra constraints on constructor parameters (beyond the class's own
        parameter validation), e.g. ``memory`` must be None.
    """

    stored: dict
    optional: dict = field(default_factory=dict)
    derived: tuple = ()
    derive: object = None
    validate: object = None
    params: dict = field(default_factory=dict)


class Spec:
    """Checks one value; raises :class:`PersistenceError` naming ``where`` and the reason."""

    def check(self, value, where, dims):
        raise NotImplementedError

    def __call__(self, value, where, dims=None):
        self.check(value, where, {} if dims is None else dims)
        return value


def check_dims(dims, name, value, where):
    """Bind the dimension ``name`` to ``value``, or check it against its earlier binding."""
    if name is None:
        return
    if isinstance(name, int):
        if value != name:
            refuse("shape", f"{where}: expected size {name}, got {value}.")
    elif name in dims and dims[name] != value:
        refuse("shape", f"{where}: size {value} contradicts {name}={dims[name]} fixed by another attribute.")
    else:
        dims[name] = value


def _is_int(v):
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


class Int(Spec):
    def __init__(self, lo=0, hi=2**62, dim=None):
        self.lo, self.hi, self.dim = lo, hi, dim

    def check(self, value, where, dims):
        if not _is_int(value):
            refuse("type", f"{where}: expected an int, got {type(value).__name__}.")
        if not self.lo <= value <= self.hi:
            refuse("range", f"{where}: {value} is outside [{self.lo}, {self.hi}].")
        check_dims(dims, self.dim, int(value), where)


class Float(Spec):
    def __init__(self, finite=True, lo=-math.inf, hi=math.inf, ints=False):
        self.finite, self.lo, self.hi, self.ints = finite, lo, hi, ints

    def check(self, value, where, dims):
        ok = isinstance(value, (float, np.floating)) or (self.ints and _is_int(value))
        if not ok:
            refuse("type", f"{where}: expected a float, got {type(value).__name__}.")
        if math.isnan(value) or math.isinf(value):
            if self.finite:
                refuse("non_finite", f"{where}: {value} is not finite.")
            return
        if not self.lo <= value <= self.hi:
            refuse("range", f"{where}: {value} is outside [{self.lo}, {self.hi}].")


class Bool(Spec):
    def check(self, value, where, dims):
        if not isinstance(value, (bool, np.bool_)):
            refuse("type", f"{where}: expected a bool, got {type(value).__name__}.")


class Str(Spec):
    def __init__(self, *choices):
        self.choices = choices

    def check(self, value, where, dims):
        if not isinstance(value, str):
            refuse("type", f"{where}: expected a str, got {type(value).__name__}.")
        if self.choices and value not in self.choices:
            refuse("range", f"{where}: {value!r} is not one of {list(self.choices)}.")


class Opt(Spec):
    """None, or a value of ``spec``."""

    def __init__(self, spec):
        self.spec = spec

    def check(self, value, where, dims):
        if value is not None:
            self.spec.check(value, where, dims)


class Either(Spec):
    def __init__(self, *specs):
        self.specs = specs

    def check(self, value, where, dims):
        errors = []
        for spec in self.specs:
            trial = dict(dims)
            try:
                spec.check(value, where, trial)
            except PersistenceError as exc:
                errors.append(exc)
                continue
            dims.update(trial)
            return
        raise errors[0]


class ListOf(Spec):
    def __init__(self, spec, length=None, max_length=10**7, kind=list):
        self.spec, self.length, self.max_length, self.kind = spec, length, max_length, kind

    def check(self, value, where, dims):
        if type(value) is not self.kind:
            refuse("type", f"{where}: expected a {self.kind.__name__}, got {type(value).__name__}.")
        if len(value) > self.max_length:
            refuse("too_large", f"{where}: more than {self.max_length} items.")
        check_dims(dims, self.length, len(value), where)
        for i, x in enumerate(value):
            self.spec.check(x, f"{where}[{i}]", dims)


class TupleOf(ListOf):
    def __init__(self, spec, length=None, max_length=64):
        super().__init__(spec, length, max_length, kind=tuple)


def increasing(arr):
    """Whether a 1-d array is strictly increasing (sorted, no duplicates, no NaN)."""
    if arr.size < 2:
        return bool(arr.size == 0 or arr.dtype.kind != "f" or not np.isnan(arr).any())
    if arr.dtype.kind == "O":
        items = arr.tolist()
        try:
            return all(a < b for a, b in zip(items, items[1:]))
        except TypeError:
            return False
    return bool(np.all(arr[1:] > arr[:-1]))


class Array(Spec):
    """An ndarray of one of ``kinds`` ("f", "iu", "b", "U", "O"...) and a shape of named / fixed dims.

    ``finite`` refuses NaN and infinity, ``lo`` / ``hi`` bound the values
    (indices: ``hi`` may name a dimension, exclusive), ``increasing`` requires a
    strictly increasing 1-d array (sorted unique labels).
    """

    def __init__(self, kinds, shape=None, finite=False, lo=None, hi=None, increasing=False, object_items=(str,)):
        self.kinds, self.shape, self.finite = kinds, shape, finite
        self.lo, self.hi, self.increasing, self.object_items = lo, hi, increasing, object_items

    def check(self, value, where, dims):
        if not isinstance(value, np.ndarray):
            refuse("type", f"{where}: expected an array, got {type(value).__name__}.")
        if value.dtype.kind not in self.kinds:
            refuse("type", f"{where}: arrays of dtype {value.dtype} are not valid here.")
        if value.dtype.kind == "O" and not all(isinstance(x, self.object_items) for x in value.ravel().tolist()):
            refuse("type", f"{where}: the object array holds values of an unexpected type.")
        if self.shape is not None:
            if value.ndim != len(self.shape):
                refuse("shape", f"{where}: expected {len(self.shape)} dimensions, got shape {value.shape}.")
            for d, name in zip(value.shape, self.shape):
                check_dims(dims, name, int(d), where)
        if value.size and value.dtype.kind in "iuf":
            if self.finite and value.dtype.kind == "f" and not np.isfinite(value).all():
                refuse("non_finite", f"{where}: NaN or infinity.")
            hi = dims.get(self.hi) if isinstance(self.hi, str) else self.hi
            if self.lo is not None and value.min() < self.lo:
                refuse("range", f"{where}: values below {self.lo}.")
            if hi is not None and value.max() >= hi:
                refuse("range", f"{where}: values (indices) not below {hi}.")
        if self.increasing and not increasing(value.ravel()):
            refuse("inconsistent", f"{where}: labels must be sorted and unique.")


class Instance(Spec):
    def __init__(self, *classes):
        self.classes = classes

    def check(self, value, where, dims):
        if type(value) not in self.classes:
            names = " or ".join(c.__name__ for c in self.classes)
            refuse("type", f"{where}: expected {names}, got {type(value).__name__}.")


class Plain(Spec):
    """Plain history data: None, bool, numbers (any float), str, and lists of those."""

    def check(self, value, where, dims):
        if isinstance(value, list):
            for x in value:
                if isinstance(x, list):
                    refuse("type", f"{where}: nested lists are not valid here.")
                self.check(x, where, dims)
        elif not (value is None or isinstance(value, (bool, int, float, str, np.floating, np.integer))):
            refuse("type", f"{where}: {type(value).__name__} is not plain data.")


def is_sparse_csr(value):
    return sp.issparse(value) and value.format == "csr"
