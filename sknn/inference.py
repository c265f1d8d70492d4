"""The inference side of the network: input in the network's dtype, and the one forward pass.

Every estimator predicts through :func:`predict_raw`, and the training loop
uses both functions too (validation scores, the input of each fit). They know
networks and arrays only, nothing of the training loop or of scikit-learn.
"""

import numpy as np
import scipy.sparse as sp

from . import threads as _threads

__all__ = ["as_network_dtype", "predict_raw"]


def _take(a, idx):
    return None if a is None else a[idx]


def as_network_dtype(X, dtype):
    """``X`` (dense or sparse) in the network's float ``dtype``; integer index arrays pass unchanged.

    The one place input meets the network's dtype, at fit and at predict.
    Finite values beyond float32's range would become infinities (and NaN
    outputs) in a float32 network: they are refused with a ValueError.
    """
    dtype = np.dtype(dtype)
    if X.dtype == dtype or X.dtype.kind in "iu":
        return X
    with np.errstate(over="ignore"):  # overflow is reported below, as a ValueError
        out = X.astype(dtype)
    if dtype.itemsize < X.dtype.itemsize and X.dtype.kind == "f":
        src, dst = (X.data, out.data) if sp.issparse(X) else (X, out)
        inf = np.isinf(dst)
        finite = np.isfinite(src[inf]) if inf.any() else ()
        if np.any(finite):
            big = float(src[inf][finite][0])
            raise ValueError(
                f"X holds finite values beyond the range of {dtype} (e.g. {big!r}; the largest "
                f"is {float(np.finfo(dtype).max):.4g}), which this {dtype} network cannot "
                "represent. Scale X (e.g. StandardScaler) or use dtype='float64'."
            )
    return out


def predict_raw(net, X, mask=None, batch_size=4096):
    """Inference forward pass over ``X``, in batches of ``batch_size`` rows.

    The one inference path of every estimator. Each batch is converted to the
    network's dtype on its own (:func:`as_network_dtype`), so a float64 model
    never copies a whole float32 ``X``, and memory stays bounded. The network
    writes nothing during inference, so concurrent calls are safe, and a
    float32 network's output for a row does not depend on the other rows
    (see :mod:`sknn.nn.linalg`): batching changes nothing but memory.

    Parameters
    ----------
    net : sknn.nn.Layer
        Built network.
    X : ndarray or sparse matrix of shape (n_samples, ...)
    mask : ndarray of bool of shape (n_samples, n_steps) or None
    batch_size : int, default=4096

    Returns
    -------
    raw : ndarray of shape (n_samples, ...)
        The network's output, in its dtype.
    """
    n = X.shape[0]
    with _threads.limited_blas_threads(_threads.network_work(net, min(n, batch_size)), small=False):
        return _predict_batches(net, X, mask, batch_size)


def _predict_batches(net, X, mask, batch_size):
    n = X.shape[0]
    out = None
    for start in range(0, max(n, 1), batch_size):
        stop = min(start + batch_size, n)
        Xb = as_network_dtype(X[start:stop], net.dtype)
        raw = net.forward(Xb, training=False, mask=_take(mask, slice(start, stop)))
        if stop - start == n:
            return raw
        if out is None:
            out = np.empty((n,) + raw.shape[1:], dtype=raw.dtype)
        out[start:stop] = raw
    return out
