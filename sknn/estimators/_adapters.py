"""Input adapters: what turns a user's X into what the network eats, at fit and at predict.

An estimator holds one adapter (the class attribute ``_adapter``); the adapter is
stateless and keeps what it learns at fit on the estimator (``n_features_in_``,
``input_shape_``, ``vocabulary_``...), so the fitted state and the saved format are the
estimator's. The protocol:

* ``fit_input(est, X, y, reset) -> (X, mask, y)`` at fit (``reset``: a first fit,
  which learns the input's shape); ``y`` is checked against X's length only, the task
  head (:mod:`~sknn.estimators._heads`) checks the rest;
* ``input(est, X) -> (X, mask)`` at predict, with the rules of the fit;
* ``input_shape(est, X)`` and ``dtype(est, X)``: the sample shape and dtype the
  network is built for;
* ``outputs(est, raw)``: raw outputs as the user gets them (the shaped networks
  return float64, as scikit-learn does).

Every estimator then predicts through the one path :meth:`BaseNetwork._raw_output`
(:func:`sknn.inference.predict_raw`).
"""

import numpy as np
import scipy.sparse as sp
from sklearn.utils.validation import check_array, check_consistent_length, validate_data

from ..nn import Sequential
from ..inference import as_network_dtype
from . import _shaped_docs  # noqa: F401  (registers the docstring pieces of the shaped estimators)
from ._sequences import _list_kind, _padded, _refuse_ragged_rows, pad_sequences

__all__ = ["Tabular", "Shaped", "Pairs", "pad_sequences", "sub_network", "as_batchable", "as_network_dtype"]


def as_batchable(X):
    """CSC does not slice rows efficiently: convert sparse input to CSR once."""
    if sp.issparse(X) and X.format != "csr":
        return X.tocsr()
    return X


def sub_network(net, start, stop=None):
    """A built Sequential over ``net.layers[start:stop]`` (the same layer objects, not copies).

    For inference on part of a fitted network (an autoencoder's encoder and
    decoder, a text classifier's document encoder) through the one path,
    :func:`~sknn.inference.predict_raw`.
    """
    layers = net.layers[start:stop]
    sub = Sequential(layers)
    sub.input_shape = tuple(net.input_shape if start == 0 else net.layers[start - 1].output_shape)
    sub.output_shape = tuple(layers[-1].output_shape)
    sub.dtype = np.dtype(net.dtype)
    sub.built = True
    return sub


def _passes_as_is(est, X):
    """Whether ``validate_data(est, X, reset=False)`` would return ``X`` itself, silently: a quick test.

    A float32 or float64 ndarray (not a subclass) of 2 dimensions, at least one row,
    the fitted number of columns, every value finite, for an estimator fitted
    without feature names. scikit-learn's validation of such an array (which also
    looks for dataframes of several libraries) costs more than a one-row
    prediction's products, and returns the array unchanged. The test only ever
    accepts: anything else, including every input scikit-learn refuses or warns
    about, goes through ``validate_data``, so the errors and warnings are
    scikit-learn's own.
    """
    if type(X) is not np.ndarray or X.ndim != 2 or X.dtype not in _FLOATS:
        return False
    n_rows, n_features = X.shape
    if n_rows < 1 or n_features != getattr(est, "n_features_in_", None) or hasattr(est, "feature_names_in_"):
        return False
    # one pass: a sum is finite exactly when every value is (or else it overflowed, and validate_data decides)
    with np.errstate(over="ignore", invalid="ignore"):
        return bool(np.isfinite(np.sum(X, dtype=np.float64)))


_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


class Tabular:
    """A 2-D X, dense or (if ``sparse``) CSR / CSC, validated by scikit-learn's ``validate_data``.

    Parameters
    ----------
    sparse : bool, default=True
        Accept sparse matrices (a dense-only estimator refuses them with scikit-learn's TypeError).
    """

    def __init__(self, sparse=True):
        self.accept_sparse = ["csr", "csc"] if sparse else False

    def fit_input(self, est, X, y, reset):
        if not est._head.supervised:  # y is ignored
            return self.input(est, X, reset=reset) + (None,)
        X, y = validate_data(est, X, y, accept_sparse=self.accept_sparse, multi_output=True,
                             dtype=(np.float64, np.float32), y_numeric=not est._head.classifier, reset=reset)
        return as_batchable(X), None, y

    def input(self, est, X, reset=False):
        if not reset and _passes_as_is(est, X):
            return X, None
        X = validate_data(est, X, accept_sparse=self.accept_sparse, dtype=(np.float64, np.float32), reset=reset)
        return as_batchable(X), None

    def input_shape(self, est, X):
        return X.shape[1:]

    def dtype(self, est, X):
        return X.dtype if X.dtype in (np.float32, np.float64) else np.float64

    def outputs(self, est, raw):
        return raw


class Shaped:
    """Samples that are images or sequences: 2-D rows reshaped to ``input_shape``, 3-D / 4-D arrays
    as they are, and lists of variable-length sequences (zero-padded, with a mask).

    The estimator has the parameters ``input_shape`` and ``dtype``.

    Parameters
    ----------
    row_shape : {"vector", "signal"}, default="signal"
        The sample shape of a 2-D row when ``input_shape`` is None: the row itself
        (``(n_features,)``) or a signal of one channel (``(n_features, 1)``).
    free_steps : bool, default=False
        The network accepts any number of time steps (recurrent networks), so only
        the other axes must match the fit; a list of 1-D arrays is then a list of
        sequences of scalars.
    """

    def __init__(self, row_shape="signal", free_steps=False):
        self.row_shape = row_shape
        self.free_steps = free_steps

    # -- parameters ---------------------------------------------------------------
    def check_params(self, est):
        """Finer checks than the constraint table's: a float dtype, a tuple of positive ints."""
        try:
            dt = np.dtype(est.dtype)
        except TypeError:
            dt = None
        if dt not in (np.float32, np.float64):
            raise ValueError(f"dtype must be float32 or float64, got {est.dtype!r}.")
        shape = est.input_shape
        if shape is not None:
            shape = (shape,) if isinstance(shape, (int, np.integer)) else shape
            if not isinstance(shape, (tuple, list)) or not all(
                isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s > 0 for s in shape
            ):
                raise ValueError(f"input_shape must be None or a tuple of positive ints, got {est.input_shape!r}.")

    def declared_shape(self, est):
        s = est.input_shape
        if s is None:
            return None
        return (int(s),) if isinstance(s, (int, np.integer)) else tuple(int(v) for v in s)

    # -- input ----------------------------------------------------------------------
    def _shape_ok(self, got, want, free_steps):
        got, want = tuple(got), tuple(want)
        if free_steps and len(got) == len(want) and len(got) >= 2:
            return got[1:] == want[1:]
        return got == want

    def _shape_2d(self, est, X, reset):
        n_features = X.shape[1]
        if reset:
            shape = self.declared_shape(est)
            if shape is None:
                shape = (n_features,) if self.row_shape == "vector" else (n_features, 1)
            elif int(np.prod(shape)) != n_features:
                raise ValueError(
                    f"X has {n_features} features per row, which cannot be reshaped to "
                    f"input_shape={shape} ({int(np.prod(shape))} values)."
                )
            est.input_shape_ = shape
        return X.reshape((X.shape[0],) + tuple(est.input_shape_))

    def _check_nd(self, est, X, reset, sequences=False):
        got = tuple(X.shape[1:])
        free = sequences or self.free_steps
        if reset:
            declared = self.declared_shape(est)
            if declared is not None and not self._shape_ok(got, declared, free):
                raise ValueError(f"X has samples of shape {got}, which does not match input_shape={declared}.")
            est.input_shape_ = got
            est.n_features_in_ = int(np.prod(got))
            if hasattr(est, "feature_names_in_"):
                del est.feature_names_in_
            return X
        want = tuple(est.input_shape_)
        if not self._shape_ok(got, want, free):
            raise ValueError(
                f"X has samples of shape {got}, but this {type(est).__name__} was fitted "
                f"on samples of shape {want} (input_shape_)."
            )
        return X

    def input(self, est, X, reset=False):
        dtype = (np.float64, np.float32)
        kind = _list_kind(X)
        if kind == "2d" or (kind == "1d" and self.free_steps):
            Xp, mask = _padded(X)
            Xp = check_array(Xp, allow_nd=True, dtype=dtype, input_name="X")
            return self._check_nd(est, Xp, reset, sequences=True), None if mask.all() else mask
        if kind == "1d":
            _refuse_ragged_rows(X, type(est).__name__)
        if hasattr(X, "ndim") and getattr(X, "ndim", 2) > 2 and not hasattr(X, "iloc"):
            X = check_array(X, allow_nd=True, dtype=dtype, input_name="X")
            return self._check_nd(est, X, reset), None
        try:
            X = validate_data(est, X, accept_sparse=["csr", "csc", "coo"], dtype=dtype, reset=reset)
        except ValueError as exc:
            if self.free_steps and not reset and "features, but" in str(exc):
                # scikit-learn's message first (its checks match it), then the way out
                raise ValueError(
                    f"{exc} The columns of a 2-D X are the steps of one sequence and must match the "
                    "fit; pass a list of 1-D arrays (one sequence each) to predict sequences of "
                    "any length."
                ) from None
            raise
        if sp.issparse(X):  # convolutions and recurrences need dense samples
            X = X.toarray()
        return self._shape_2d(est, X, reset), None

    def fit_input(self, est, X, y, reset):
        X, mask = self.input(est, X, reset=reset)
        if y is None:
            raise ValueError(f"{type(est).__name__} requires y to be passed, but the target y is None.")
        y = check_array(y, ensure_2d=False, dtype=None if est._head.classifier else "numeric",
                        allow_nd=est._head.steps, input_name="y", ensure_min_samples=1)
        if y.ndim > 1 and y.shape[1] == 0:
            raise ValueError("y has no columns.")
        check_consistent_length(np.empty(X.shape[0]), y)
        return X, mask, y

    def input_shape(self, est, X):
        return X.shape[1:]

    def dtype(self, est, X):
        return np.dtype(est.dtype)

    def outputs(self, est, raw):
        # float64 to users, as scikit-learn returns (probabilities, logs, values)
        return raw.astype(np.float64, copy=False)


def _is_missing(v):
    return v is None or (isinstance(v, (float, np.floating)) and v != v)


def _pairs(X):
    """Return the user and item columns of X as two object arrays."""
    if hasattr(X, "iloc"):
        if X.ndim != 2 or X.shape[1] != 2:
            raise ValueError(
                f"X must have exactly two columns (user id, item id); got a DataFrame of shape {X.shape}."
            )
        cols = [X.iloc[:, j].to_numpy(dtype=object) for j in range(2)]
    else:
        if isinstance(X, str) or sp.issparse(X):
            raise ValueError("X must be a 2-column array-like of (user id, item id) pairs.")
        try:
            arr = np.asarray(X, dtype=object)
        except ValueError as exc:
            raise ValueError(f"X must be a 2-column array-like of (user id, item id) pairs: {exc}") from None
        if arr.ndim != 2 or arr.shape[1] != 2:
            raise ValueError(
                f"X must have exactly two columns (user id, item id); got an array of shape {arr.shape}."
            )
        cols = [arr[:, 0], arr[:, 1]]
    if cols[0].shape[0] == 0:
        raise ValueError("X is empty: at least one (user, item) pair is required.")
    for name, col in zip(("user", "item"), cols):
        missing = np.frompyfunc(_is_missing, 1, 1)(col).astype(bool)
        if missing.any():
            raise ValueError(
                f"The {name} column of X contains missing values (NaN or None) at "
                f"{int(missing.sum())} row(s), e.g. row {int(np.flatnonzero(missing)[0])}."
            )
    return cols


class Pairs:
    """(user id, item id) pairs -> index pairs (0 for an id not seen in fit), as float64.

    At the first fit it learns the known ids (``users_``, ``items_`` and their indices).
    """

    def _index(self, est, users, items):
        umap, imap = est._user_index, est._item_index
        try:
            u = np.fromiter((umap.get(v, 0) for v in users), dtype=np.int64, count=len(users))
            i = np.fromiter((imap.get(v, 0) for v in items), dtype=np.int64, count=len(items))
        except TypeError as exc:
            raise ValueError(f"User and item ids must be hashable: {exc}") from None
        return np.column_stack([u, i])

    def input(self, est, X):
        return self._index(est, *_pairs(X)), None

    def fit_input(self, est, X, y, reset):
        users, items = _pairs(X)
        if reset:
            try:
                est.users_ = np.array(list(dict.fromkeys(users)), dtype=object)
                est.items_ = np.array(list(dict.fromkeys(items)), dtype=object)
            except TypeError as exc:
                raise ValueError(f"User and item ids must be hashable: {exc}") from None
            est._user_index = {v: j + 1 for j, v in enumerate(est.users_)}
            est._item_index = {v: j + 1 for j, v in enumerate(est.items_)}
            est.n_features_in_ = 2
            est._seen = None
        return self._index(est, users, items), None, y

    def input_shape(self, est, X):
        return (2,)

    def dtype(self, est, X):
        return np.float64

    def outputs(self, est, raw):
        return raw
