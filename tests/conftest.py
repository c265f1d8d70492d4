"""Shared test helpers: row invariance and "inference writes nothing" for float32 layers."""

import numpy as np
import pytest
import scipy.sparse as sp
from threadpoolctl import threadpool_limits


def _attributes(obj):
    """An object's attributes, from its ``__dict__`` and its ``__slots__`` (e.g. RowSparseGrad)."""
    attrs = dict(getattr(obj, "__dict__", {}))
    for cls in type(obj).__mro__:
        for name in getattr(cls, "__slots__", ()):
            if hasattr(obj, name):
                attrs[name] = getattr(obj, name)
    return attrs


def _fingerprint(obj, path="", seen=None, out=None):
    """Every reachable attribute of ``obj``: arrays by identity and content, the rest by identity/value."""
    if seen is None:
        seen, out = set(), {}
    if isinstance(obj, np.ndarray):
        out[path] = ("array", id(obj), obj.shape, obj.dtype.str, obj.tobytes())
        return out
    if isinstance(obj, (str, bytes, int, float, bool, type(None), np.generic)):
        out[path] = ("value", repr(obj))
        return out
    if id(obj) in seen:
        return out
    seen.add(id(obj))
    if isinstance(obj, dict):
        out[path] = ("dict", id(obj), sorted(map(str, obj)))
        for k, v in obj.items():
            _fingerprint(v, f"{path}[{k!r}]", seen, out)
    elif isinstance(obj, (list, tuple)):
        out[path] = (type(obj).__name__, id(obj), len(obj))
        for i, v in enumerate(obj):
            _fingerprint(v, f"{path}[{i}]", seen, out)
    elif hasattr(obj, "__dict__") and not callable(obj) or type(obj).__module__.startswith("sknn"):
        attrs = _attributes(obj)
        out[path] = ("object", id(obj), type(obj).__name__, sorted(attrs))
        for k, v in attrs.items():
            _fingerprint(v, f"{path}.{k}", seen, out)
    else:
        out[path] = ("other", id(obj))
    return out


def _take(X, rows):
    return X[rows] if not sp.issparse(X) else X[rows]


def check_rows_invariant(layer, X, mask=None, seed=0):
    """Assert a built layer's inference output for each row is bit-identical alone,
    in a shuffled batch, in subsets, with duplicates, next to other rows and with
    1 or 2 BLAS threads; and that inference leaves every reachable attribute unchanged.
    """
    rng = np.random.default_rng(seed)
    n = X.shape[0]
    # a training step first, so that inference meets (and must leave) training caches
    layer.rng_for_training(np.random.default_rng(seed))
    Y = layer.forward(X, training=True, mask=mask)
    layer.backward(np.ones_like(Y))
    before = _fingerprint(layer)

    def run(rows):
        m = None if mask is None else mask[rows]
        return layer.forward(_take(X, rows), training=False, mask=m)

    ref = run(np.arange(n))
    batches = [np.array([i]) for i in range(n)]
    batches += [rng.permutation(n), rng.permutation(n)[: max(1, n // 3)], np.repeat(np.arange(n), 2)[::-1]]
    batches += [np.concatenate([rng.permutation(n), rng.integers(0, n, 5)])]
    for rows in batches:
        got = run(rows)
        assert np.array_equal(got, ref[rows], equal_nan=True), f"rows {rows[:8]} differ"
    for threads in (1, 2):
        with threadpool_limits(threads):
            assert np.array_equal(run(np.arange(n)), ref, equal_nan=True), f"{threads} BLAS threads differ"
    assert _fingerprint(layer) == before, "inference wrote on the layer"
    return ref


@pytest.fixture
def rows_invariant():
    """The :func:`check_rows_invariant` helper."""
    return check_rows_invariant


@pytest.fixture
def fingerprint():
    """The :func:`_fingerprint` helper: a comparable snapshot of an object's reachable state."""
    return _fingerprint
