"""Lists of sequences: how a list X is read, and the one zero-padding of sknn (with its mask).

The shaped networks read lists of variable-length sequences with these
helpers (:class:`~sknn.estimators._adapters.Shaped`); the text classifier pads
its token-id sequences with :func:`pad_sequences`.
"""

import numpy as np

__all__ = ["pad_sequences"]


def pad_sequences(sequences, maxlen=None, dtype=np.float64):
    """Right-pad sequences with zeros (and truncate them to their first ``maxlen`` steps).

    The one padding of sknn: the shaped networks pad lists of sequences with it,
    the text classifier its token-id sequences.

    Parameters
    ----------
    sequences : list of array-like of shape (n_steps_i,) or (n_steps_i, n_features)
    maxlen : int or None, default=None
        Number of steps of the result; None: the longest sequence's.
    dtype : numpy dtype, default=float64

    Returns
    -------
    X : ndarray of shape (n_sequences, maxlen) or (n_sequences, maxlen, n_features)
    mask : ndarray of bool, shape (n_sequences, maxlen)
        True on real steps, False on padding.

    Examples
    --------
    >>> from sknn.estimators._sequences import pad_sequences
    >>> X, mask = pad_sequences([[1.0, 2.0, 3.0], [4.0]])
    >>> X.tolist(), mask.sum(axis=1).tolist()
    ([[1.0, 2.0, 3.0], [4.0, 0.0, 0.0]], [3, 1])
    """
    arrays = [np.asarray(s) for s in sequences]
    tails = {a.shape[1:] for a in arrays}
    if len(tails) > 1:
        raise ValueError(f"All sequences must have the same number of features, got {sorted(tails)}.")
    lengths = np.array([a.shape[0] for a in arrays], dtype=np.int64)
    T = int(lengths.max(initial=0)) if maxlen is None else int(maxlen)
    try:
        X = np.zeros((len(arrays), T) + (tails.pop() if tails else ()), dtype=dtype)
    except TypeError as exc:  # pragma: no cover - exotic dtypes
        raise ValueError(str(exc)) from exc
    for i, a in enumerate(arrays):
        X[i, : min(a.shape[0], T)] = a[:T]
    return X, np.arange(T) < lengths[:, None]


def _list_kind(X):
    """How a list/tuple X is made: ``"2d"`` (of 2-D arrays), ``"1d"`` (of 1-D arrays) or None.

    A list of 2-D arrays is always a list of sequences ``(n_steps_i, n_features)``.
    A list of 1-D arrays is read by one rule that never depends on the lengths:
    as sequences of scalars by estimators with free steps (recurrent ones), and
    as the rows of a 2-D X by the others.
    """
    if not isinstance(X, (list, tuple)) or len(X) == 0:
        return None
    return {1: "1d", 2: "2d"}.get(np.ndim(X[0]))


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


def _padded(sequences):
    """Lists of sequences: 1-D ones get one feature; each needs a step."""
    arrays = []
    for i, s in enumerate(sequences):
        a = np.asarray(s)
        a = a[:, None] if a.ndim == 1 else a
        if a.ndim != 2:
            raise ValueError(f"sequence {i} has shape {a.shape}; expected (n_steps, n_features).")
        if a.shape[0] < 1:
            raise ValueError("Every sequence needs at least one step.")
        arrays.append(a)
    return pad_sequences(arrays)
