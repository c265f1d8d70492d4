"""Shared pieces of the shaped-input estimators (NeuralNet, ConvNet, RNN).

* :class:`ShapedInputMixin` plugs into :class:`~sknn.estimators._base.BaseNetwork`
  through its validation hooks: 2-D X (rows reshaped to ``input_shape``),
  3-D / 4-D arrays as they are, and lists of variable-length sequences
  (right-padded with zeros, with a boolean mask the training loop and the
  recurrent / pooling layers honour).
* The docs every shaped network shares: input rules, attributes, notes.
"""

import numbers

import numpy as np
import scipy.sparse as sp
from sklearn.utils.validation import check_array, check_consistent_length, check_is_fitted, validate_data

from ..training import predict_raw
from ._base import store_params  # noqa: F401  (re-exported for the presets)

__all__ = [
    "ShapedInputMixin",
    "pad_sequences",
    "store_params",
    "COMMON_ATTRS_DOC",
    "NOTES_DOC",
]


def _list_kind(X):
    """How a list/tuple X is made: ``"2d"`` (of 2-D arrays), ``"1d"`` (of 1-D arrays) or None.

    A list of 2-D arrays is always a list of sequences ``(n_steps_i, n_features)``.
    A list of 1-D arrays is read by one rule that never depends on the lengths:
    as sequences of scalars by estimators with free steps (recurrent ones), and
    as the rows of a 2-D X by the others.
    """
    if not isinstance(X, (list, tuple)) or len(X) == 0:
        return None
    first = np.ndim(X[0])
    return {1: "1d", 2: "2d"}.get(first)


def pad_sequences(sequences, dtype=np.float64):
    """Right-pad sequences with zeros to a ``(n, max_steps, n_features)`` array.

    Parameters
    ----------
    sequences : list of array-like of shape (n_steps_i, n_features) or (n_steps_i,)
        The sequences; 1-D ones have one feature.
    dtype : numpy dtype, default=float64

    Returns
    -------
    X : ndarray of shape (n_sequences, max_steps, n_features)
    mask : ndarray of bool, shape (n_sequences, max_steps)
        True on real steps, False on padding.

    Examples
    --------
    >>> from sknn.estimators._shaped import pad_sequences
    >>> X, mask = pad_sequences([[1.0, 2.0, 3.0], [4.0]])
    >>> X.shape, mask.sum(axis=1).tolist()
    ((2, 3, 1), [3, 1])
    """
    arrays = []
    for i, s in enumerate(sequences):
        a = np.asarray(s)
        if a.ndim == 1:
            a = a[:, None]
        if a.ndim != 2:
            raise ValueError(f"sequence {i} has shape {a.shape}; expected (n_steps, n_features).")
        arrays.append(a)
    features = {a.shape[1] for a in arrays}
    if len(features) != 1:
        raise ValueError(f"All sequences must have the same number of features, got {sorted(features)}.")
    lengths = np.array([a.shape[0] for a in arrays])
    if lengths.min() < 1:
        raise ValueError("Every sequence needs at least one step.")
    n, T, F = len(arrays), int(lengths.max()), features.pop()
    try:
        X = np.zeros((n, T, F), dtype=dtype)
    except TypeError as exc:  # pragma: no cover - exotic dtypes
        raise ValueError(str(exc)) from exc
    for i, a in enumerate(arrays):
        X[i, : a.shape[0]] = a
    mask = np.arange(T) < lengths[:, None]
    return X, mask


def _refuse_ragged_rows(X, name):
    """A 2-D estimator reads a list of 1-D arrays as rows: they must have one length."""
    lengths = [np.size(x) for x in X]
    if len(set(lengths)) > 1:
        shown = ", ".join(str(n) for n in lengths[:5]) + (", ..." if len(lengths) > 5 else "")
        raise ValueError(
            f"{name} reads a list of 1-D arrays as the rows of a 2-D X, but the rows have "
            f"different lengths ({shown}); rows are never zero-padded. Give rows of one length, "
            "or a list of 2-D arrays (n_steps_i, n_features) to give variable-length sequences."
        )


class _Shaped:
    """Validated input on its way to ``_shape_X``: the array and its mask."""

    __slots__ = ("X", "mask")

    def __init__(self, X, mask=None):
        self.X, self.mask = X, mask

    @property
    def shape(self):
        return self.X.shape


class ShapedInputMixin:
    """Validation hooks for networks whose samples are images or sequences.

    Subclasses may set:

    * ``_default_2d_shape(n_features)`` -- the sample shape of a 2-D row when
      ``input_shape`` is None;
    * ``_free_steps`` -- True when the network accepts any number of time
      steps (recurrent networks), so only the other axes must match.
    """

    _free_steps = False
    _allow_nd_target = False

    def _default_2d_shape(self, n_features):
        return (n_features, 1)

    # -- parameter checks ---------------------------------------------------
    def _check_shape_params(self):
        try:
            dt = np.dtype(self.dtype)
        except TypeError:
            dt = None
        if dt not in (np.float32, np.float64):
            raise ValueError(f"dtype must be float32 or float64, got {self.dtype!r}.")
        shape = self.input_shape
        if shape is not None:
            if isinstance(shape, numbers.Integral):
                shape = (shape,)
            if not isinstance(shape, (tuple, list)) or not all(
                isinstance(s, numbers.Integral) and not isinstance(s, bool) and s > 0 for s in shape
            ):
                raise ValueError(f"input_shape must be None or a tuple of positive ints, got {self.input_shape!r}.")

    def _declared_shape(self):
        s = self.input_shape
        if s is None:
            return None
        return (int(s),) if isinstance(s, numbers.Integral) else tuple(int(v) for v in s)

    # -- input ----------------------------------------------------------------
    def _sample_shape_ok(self, got, want, free_steps):
        """Whether sample shape ``got`` fits ``want`` (any step count if ``free_steps``)."""
        got, want = tuple(got), tuple(want)
        if free_steps and len(got) == len(want) and len(got) >= 2:
            return got[1:] == want[1:]
        return got == want

    def _shape_2d(self, X, reset):
        """Reshape validated 2-D rows to the sample shape."""
        n_features = X.shape[1]
        if reset:
            declared = self._declared_shape()
            if declared is None:
                shape = tuple(self._default_2d_shape(n_features))
            else:
                shape = declared
                if int(np.prod(shape)) != n_features:
                    raise ValueError(
                        f"X has {n_features} features per row, which cannot be reshaped to "
                        f"input_shape={shape} ({int(np.prod(shape))} values)."
                    )
            self.input_shape_ = shape
        return X.reshape((X.shape[0],) + tuple(self.input_shape_))

    def _check_nd(self, X, reset, sequences=False):
        got = tuple(X.shape[1:])
        free = sequences or self._free_steps
        if reset:
            declared = self._declared_shape()
            if declared is not None and not self._sample_shape_ok(got, declared, free):
                raise ValueError(
                    f"X has samples of shape {got}, which does not match input_shape={declared}."
                )
            self.input_shape_ = got
            self.n_features_in_ = int(np.prod(got))
            if hasattr(self, "feature_names_in_"):
                del self.feature_names_in_
            return X
        want = tuple(self.input_shape_)
        if not self._sample_shape_ok(got, want, free):
            raise ValueError(
                f"X has samples of shape {got}, but this {type(self).__name__} was fitted "
                f"on samples of shape {want} (input_shape_)."
            )
        return X

    def _validate_input(self, X, reset):
        dtype = (np.float64, np.float32)
        kind = _list_kind(X)
        if kind == "2d" or (kind == "1d" and self._free_steps):
            Xp, mask = pad_sequences(X)
            Xp = check_array(Xp, allow_nd=True, dtype=dtype, input_name="X")
            if mask.all():
                mask = None
            return _Shaped(self._check_nd(Xp, reset, sequences=True), mask)
        if kind == "1d":
            _refuse_ragged_rows(X, type(self).__name__)
        if hasattr(X, "ndim") and getattr(X, "ndim", 2) > 2 and not hasattr(X, "iloc"):
            X = check_array(X, allow_nd=True, dtype=dtype, input_name="X")
            return _Shaped(self._check_nd(X, reset))
        try:
            X = validate_data(self, X, accept_sparse=["csr", "csc", "coo"], dtype=dtype, reset=reset)
        except ValueError as exc:
            if self._free_steps and not reset and "features, but" in str(exc):
                # scikit-learn's message first (its checks match it), then the way out
                raise ValueError(
                    f"{exc} The columns of a 2-D X are the steps of one sequence and must match the "
                    "fit; pass a list of 1-D arrays (one sequence each) to predict sequences of "
                    "any length."
                ) from None
            raise
        if sp.issparse(X):  # convolutions and recurrences need dense samples
            X = X.toarray()
        return _Shaped(self._shape_2d(X, reset))

    def _check_target(self, y, n):
        if y is None:
            raise ValueError(f"{type(self).__name__} requires y to be passed, but the target y is None.")
        regressor = not hasattr(self, "predict_proba")
        y = check_array(
            y,
            ensure_2d=False,
            dtype="numeric" if regressor else None,
            allow_nd=self._allow_nd_target,
            input_name="y",
            ensure_min_samples=1,
        )
        if y.ndim > 1 and y.shape[1] == 0:
            raise ValueError("y has no columns.")
        check_consistent_length(np.empty(n), y)
        return y

    def _validate_X_y(self, X, y, reset):
        shaped = self._validate_input(X, reset)
        y_checked = self._check_target(y, shaped.X.shape[0])
        if y_checked.dtype.kind == "O" and not hasattr(self, "predict_proba"):  # pragma: no cover
            y_checked = y_checked.astype(np.float64)
        return shaped, y_checked

    def _validate_X(self, X, reset):
        return self._validate_input(X, reset)

    def _shape_X(self, X):
        if isinstance(X, _Shaped):
            return X.X, X.mask
        return X, None

    def _network_dtype(self, X):
        return np.dtype(self.dtype)

    def _raw_output(self, X):
        """Raw network outputs for X, as float64.

        A sample's output depends on that sample only, bit for bit in float32
        (see :mod:`sknn.nn.linalg`), so predictions do not change with the
        samples predicted alongside.
        """
        check_is_fitted(self, "network_")
        X, mask = self._shape_X(self._validate_X(X, reset=False))
        # float64 to users, as scikit-learn returns (probabilities, logs, values)
        return predict_raw(self.network_, X, mask).astype(np.float64, copy=False)


INPUT_DOC = """
    Input
    -----
    ``X`` may be a 2-D array (each row reshaped to ``input_shape``), an
    array whose samples already have the shape ``input_shape`` (3-D for
    sequences ``(n_samples, n_steps, n_features)``, 4-D for images
    ``(n_samples, height, width, channels)``), or a list of 2-D arrays
    ``(n_steps_i, n_features)`` of varying lengths, which is right-padded with
    zeros and masked (recurrent layers carry their state over padded steps and
    global pooling ignores them). A list of 1-D arrays is read by one rule,
    whatever their lengths: recurrent estimators (RNNClassifier, RNNRegressor)
    read it as sequences of scalars, at fit and predict alike (so they predict
    sequences of any length); the others read it as the rows of a 2-D X and
    refuse rows of different lengths rather than zero-pad them. A sparse 2-D X
    is densified. A sample shape that does not match ``input_shape`` raises a
    ValueError naming both shapes.
"""

NOTES_DOC = """
    Notes
    -----
    A prediction is a function of its own sample only: at inference every
    float32 matrix product is correctly rounded (:mod:`sknn.nn.linalg`), so a
    sample's output is the same, bit for bit, whatever samples are predicted
    with it, on any BLAS and thread count. Predicting from several threads at
    once is safe.

    Training is float32 arithmetic with the default ``dtype``: fitting with
    integer ``sample_weight`` matches fitting on repeated rows only up to
    float32 rounding of the training sums (1e-6 relative and more after many
    epochs, above scikit-learn's 1e-7 tolerance); with ``dtype='float64'`` it
    matches within that tolerance. With dropout or batch normalisation the two
    differ by design: dropout draws a mask per row (a repeated row gets two),
    and batch-norm statistics are unweighted means over the rows of a batch.
"""

COMMON_ATTRS_DOC = """
    input_shape_ : tuple of int
        Shape of one sample as the network sees it.

    n_features_in_ : int
        Number of values per sample (columns of a 2-D X).

    feature_names_in_ : ndarray of str
        Names of features seen during fit, when X is a DataFrame with string
        column names.

    {training_attributes}
"""
