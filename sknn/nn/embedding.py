"""Embedding: a lookup table from integer indices to dense vectors."""

import numpy as np

from . import initializers
from ._checks import check_int
from ._registry import store_args
from .layer import Layer
from .sparse_grad import RowSparseGrad, scatter_rows

__all__ = ["Embedding"]


class Embedding(Layer):
    """Map integer indices to learned dense vectors.

    Parameters
    ----------
    input_dim : int
        Vocabulary size: indices must lie in ``[0, input_dim)``.
    output_dim : int
        Size of each embedding vector.
    mask_zero : bool, default=False
        Treat index 0 as padding: :meth:`compute_mask` then returns ``X != 0``
        so that downstream recurrent layers skip those steps. Row 0 of the table
        is still an ordinary (trainable) row.
    embeddings_initializer : str or callable, default="uniform"
        A name of :mod:`sknn.nn.initializers`: ``"uniform"`` is U(-0.05, 0.05),
        ``"normal"`` N(0, 0.05^2).
    sparse_grad : bool, default=True
        Keep the table's gradient as a :class:`~sknn.nn.sparse_grad.RowSparseGrad`
        over the rows the batch used, so that a training step costs time and
        memory in proportion to those rows, not to ``input_dim``; the stochastic
        optimizers then update the table lazily (see :mod:`sknn.nn.optimizers`).
        False keeps a dense ``(input_dim, output_dim)`` gradient (every row
        updated at every step, as for any other weight).

    Shape
    -----
    - Input: integer array ``(n_samples, n_steps)`` (any shape works; float
      arrays holding whole numbers are cast).
    - Output: ``(n_samples, n_steps, output_dim)``.

    Attributes
    ----------
    params : list of ndarray
        ``embeddings`` of shape ``(input_dim, output_dim)`` (L2-penalized).

    Examples
    --------
    >>> import numpy as np
    >>> from sknn.nn import Embedding
    >>> layer = Embedding(10, 3, mask_zero=True)
    >>> layer.build((4,), np.random.default_rng(0))
    (4, 3)
    >>> X = np.array([[1, 5, 0, 0], [2, 2, 9, 0]])
    >>> layer.forward(X).shape
    (2, 4, 3)
    >>> layer.compute_mask(None, X)
    array([[ True,  True, False, False],
           [ True,  True,  True, False]])
    """

    input_grad = False  # no gradient flows to integer inputs

    def __init__(self, input_dim, output_dim, mask_zero=False, embeddings_initializer="uniform",
                 sparse_grad=True):
        store_args(self, locals())
        check_int(self, "input_dim", input_dim)
        check_int(self, "output_dim", output_dim)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (int(self.output_dim),)

    def build(self, input_shape, rng, dtype=np.float64):
        super().build(input_shape, rng, dtype)
        init = initializers.get(self.embeddings_initializer)
        V, D = int(self.input_dim), int(self.output_dim)
        W = np.ascontiguousarray(init((V, D), V, D, rng, self.dtype))
        grads = [RowSparseGrad(W.shape, W.dtype)] if self.sparse_grad else None
        self._set_params(["embeddings"], [W], [True], grads)
        return self.output_shape

    def _indices(self, X):
        X = np.asarray(X)
        if X.dtype.kind in "iu":
            idx = X.astype(np.intp, copy=False)
        elif X.dtype.kind in "fb":
            idx = X.astype(np.intp)
            if X.dtype.kind == "f" and not np.array_equal(idx, X):
                raise ValueError("Embedding input must hold integers; got non-integral values")
        else:
            raise ValueError(f"Embedding input must be integer, got dtype {X.dtype}")
        if idx.size:
            lo, hi = idx.min(), idx.max()
            if lo < 0 or hi >= self.input_dim:
                bad = lo if lo < 0 else hi
                raise ValueError(
                    f"Embedding index {bad} is out of range for input_dim={self.input_dim} "
                    f"(valid indices are 0 .. {self.input_dim - 1})"
                )
        return idx

    def forward(self, X, training=False, mask=None):
        idx = self._indices(X)
        if training:
            self._cache_idx = idx
        return np.take(self.params[0], idx, axis=0)

    def compute_mask(self, mask, X=None):
        if not self.mask_zero:
            return mask
        if X is None:
            raise ValueError("Embedding(mask_zero=True).compute_mask needs the input X")
        nonzero = np.asarray(X) != 0
        return nonzero if mask is None else (np.asarray(mask, dtype=bool) & nonzero)

    def backward(self, dY):
        flat = self._cache_idx.reshape(-1)
        grad = self.grads[0]
        scatter_rows(grad, flat, np.asarray(dY, dtype=grad.dtype).reshape(flat.size, -1))
        return None
