"""Fully connected layer, dropout, batch normalisation, flatten and reshape."""

import numpy as np
import scipy.sparse as sp

from . import initializers
from ._checks import check_int, check_real
from ._registry import store_args
from .layer import Layer, same_shape_doc
from .noise import _InputMask
from .sparse_grad import RowSparseGrad
from .linalg import inference_product

__all__ = ["Dense", "Dropout", "BatchNorm", "Flatten", "Reshape"]


class Dense(Layer):
    """Fully connected layer ``Y = X @ kernel + bias`` over the last axis.

    Parameters
    ----------
    units : int
        Number of outputs.
    use_bias : bool, default=True
    kernel_initializer, bias_initializer : str or callable
        See :mod:`sknn.nn.initializers`. "sklearn" draws both kernel and bias
        uniformly in ``±sqrt(6 / (fan_in + fan_out))``; "sklearn_logistic" uses
        2 instead of 6, as scikit-learn does for logistic units.
    sparse_grad : bool, default=False
        Keep the kernel's gradient as a :class:`~sknn.nn.sparse_grad.RowSparseGrad`.
        With a SciPy sparse input (a bag of words over a large vocabulary) only
        the kernel rows of the columns present in the batch are stored and then
        updated (lazily, see :mod:`sknn.nn.optimizers`), so a step costs in
        proportion to them rather than to ``in_features``. A dense input gives
        every row. False (default) keeps the dense gradient and the optimizers'
        dense updates (scikit-learn's behaviour on sparse input).

    Shape
    -----
    Input: ``(n, ..., in_features)``; a SciPy sparse matrix is accepted as the
    input of the first layer and multiplied sparse x dense, never densified.
    Output: ``(n, ..., units)``.

    Attributes
    ----------
    kernel : ndarray of shape (in_features, units)
    bias : ndarray of shape (units,)

    Examples
    --------
    >>> import numpy as np
    >>> from sknn.nn import Dense
    >>> layer = Dense(3)
    >>> layer.build((5,), np.random.default_rng(0))
    (3,)
    >>> layer.forward(np.ones((2, 5))).shape
    (2, 3)
    """

    def __init__(
        self,
        units,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        sparse_grad=False,
    ):
        store_args(self, locals())
        check_int(self, "units", units)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (int(self.units),)

    def build(self, input_shape, rng, dtype=np.float64):
        out = super().build(input_shape, rng, dtype)
        fan_in, fan_out = int(input_shape[-1]), int(self.units)
        kernel = initializers.get(self.kernel_initializer)(
            (fan_in, fan_out), fan_in, fan_out, rng, self.dtype
        )
        names, arrays, penalized = ["kernel"], [kernel], [True]
        if self.use_bias:
            bias = initializers.get(self.bias_initializer)(
                (fan_out,), fan_in, fan_out, rng, self.dtype
            )
            names.append("bias")
            arrays.append(bias)
            penalized.append(False)
        grads = None
        if self.sparse_grad:
            grads = [RowSparseGrad(kernel.shape, kernel.dtype)] + [np.zeros_like(a) for a in arrays[1:]]
        self._set_params(names, arrays, penalized, grads)
        return out

    @property
    def kernel(self):
        return self.params[0]

    @property
    def bias(self):
        return self.params[1] if self.use_bias else None

    def forward(self, X, training=False, mask=None):
        kernel = self.params[0]
        bias = self.params[1] if self.use_bias else None
        if sp.issparse(X):
            # scipy's CSR product sums each row's entries in stored order: a
            # row's result never depends on the other rows, in any dtype
            X2 = X
            Y = np.asarray(X @ kernel)
            if bias is not None:
                Y += bias
        else:
            X2 = X.reshape(-1, X.shape[-1]) if X.ndim != 2 else X
            Y = inference_product(kernel, bias, training)(X2)
        if training:
            self._cache_X = X2
            self._cache_in_shape = X.shape
        return Y.reshape(X.shape[:-1] + (kernel.shape[1],)) if X.ndim != 2 else Y

    def backward(self, dY):
        X = self._cache_X
        kernel = self.params[0]
        dY2 = dY.reshape(-1, dY.shape[-1]) if dY.ndim != 2 else dY
        if isinstance(self.grads[0], RowSparseGrad):
            self._sparse_kernel_grad(X, dY2)
        elif sp.issparse(X):
            self.grads[0][...] = X.T @ dY2
        else:
            np.matmul(X.T, dY2, out=self.grads[0])
        if self.use_bias:
            np.sum(dY2, axis=0, out=self.grads[1])
        # layers sharing the kernel (TiedDense) ran their backward first and handed their part over
        self._parameters[0].add_contributions()
        if not self.input_grad:
            return None
        dX = dY2 @ kernel.T
        shape = self._cache_in_shape
        return dX.reshape(shape) if len(shape) != 2 else dX

    def _sparse_kernel_grad(self, X, dY2):
        """``X.T @ dY2`` kept by rows: only the columns present in the sparse batch."""
        grad = self.grads[0]
        if not sp.issparse(X):
            rows = self.__dict__.get("_all_rows")
            if rows is None or rows.size != grad.shape[0]:
                rows = self._all_rows = np.arange(grad.shape[0], dtype=np.intp)
            grad.assign_rows(rows, X.T @ dY2)
            return
        X = X.tocsr()
        # one term X[i, j] * dY[i] per stored entry, summed by column j
        sample = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))
        contrib = dY2[sample]
        contrib *= X.data.astype(contrib.dtype, copy=False)[:, None]
        grad.assign(X.indices, contrib)


@same_shape_doc
class Dropout(_InputMask):
    """Randomly zero a fraction ``rate`` of the inputs during training.

    The kept inputs are scaled by ``1 / (1 - rate)`` ("inverted dropout"), so
    inference is the identity.

    Parameters
    ----------
    rate : float in [0, 1)
        Fraction of the inputs dropped.
%s    """

    def __init__(self, rate=0.5):
        super().__init__(rate)

    def _draw_mask(self, rng, X):
        keep = 1.0 - self.rate
        scale = np.asarray(1.0 / keep, dtype=X.dtype)
        m = (rng.random(X.shape, dtype=np.float32) < keep).astype(X.dtype)
        m *= scale
        return m


class BatchNorm(Layer):
    """Batch normalisation over every axis but the last (the features/channels).

    In training the batch mean and variance normalise the input and update
    running averages; at inference the running averages are used.

    Parameters
    ----------
    momentum : float, default=0.9
        ``running = momentum * running + (1 - momentum) * batch_statistic``.
    epsilon : float, default=1e-5
        Added to the variance.

    Shape
    -----
    Input: ``(n, ..., features)``. Output: same.

    Attributes
    ----------
    gamma, beta : ndarray of shape (features,)
        Learned scale and shift.
    running_mean, running_var : ndarray of shape (features,)
        Inference statistics (buffers, not trained by gradient).
    """

    def __init__(self, momentum=0.9, epsilon=1e-5):
        check_real(self, "momentum", momentum, low=0.0, high=1.0)
        check_real(self, "epsilon", epsilon, low=0.0, low_open=True)
        self.momentum = momentum
        self.epsilon = epsilon

    def build(self, input_shape, rng, dtype=np.float64):
        out = super().build(input_shape, rng, dtype)
        d = int(input_shape[-1])
        self._set_params(
            ["gamma", "beta"],
            [np.ones(d, dtype=self.dtype), np.zeros(d, dtype=self.dtype)],
            [False, False],
        )
        self.running_mean = np.zeros(d, dtype=self.dtype)
        self.running_var = np.ones(d, dtype=self.dtype)
        return out

    def buffers(self):
        return {"running_mean": self.running_mean, "running_var": self.running_var}

    def forward(self, X, training=False, mask=None):
        gamma, beta = self.params
        shape = X.shape
        X2 = X.reshape(-1, shape[-1])
        if not training:
            # the running statistics: an affine map per feature, row by row
            inv_std = 1.0 / np.sqrt(self.running_var + self.epsilon)
            return ((X2 - self.running_mean) * inv_std * gamma + beta).reshape(shape)
        mean = X2.mean(axis=0)
        Xc = X2 - mean
        var = np.mean(Xc * Xc, axis=0)
        m = self.momentum
        self.running_mean *= m
        self.running_mean += (1 - m) * mean
        self.running_var *= m
        self.running_var += (1 - m) * var
        inv_std = 1.0 / np.sqrt(var + self.epsilon)
        Xhat = Xc * inv_std
        self._cache = (Xhat, inv_std)
        return (Xhat * gamma + beta).reshape(shape)

    def backward(self, dY):
        gamma = self.params[0]
        Xhat, inv_std = self._cache
        shape = dY.shape
        dY2 = dY.reshape(-1, shape[-1])
        np.sum(dY2 * Xhat, axis=0, out=self.grads[0])
        np.sum(dY2, axis=0, out=self.grads[1])
        if not self.input_grad:
            return None
        n = dY2.shape[0]
        dxhat = dY2 * gamma
        dX = (inv_std / n) * (
            n * dxhat - dxhat.sum(axis=0) - Xhat * np.sum(dxhat * Xhat, axis=0)
        )
        return dX.reshape(shape)

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_cache", None)
        return state


class Flatten(Layer):
    """Flatten every axis but the batch axis.

    Shape
    -----
    Input: ``(n, d1, d2, ...)``. Output: ``(n, d1 * d2 * ...)``.
    """

    def compute_output_shape(self, input_shape):
        return (int(np.prod(input_shape)),)

    def forward(self, X, training=False, mask=None):
        if training:
            self._cache_in_shape = X.shape
        return X.reshape(X.shape[0], -1)

    def backward(self, dY):
        return dY.reshape(self._cache_in_shape)

    def compute_mask(self, mask, X=None):
        return None


class Reshape(Layer):
    """Reshape each sample to ``target_shape`` (the batch axis is kept).

    Parameters
    ----------
    target_shape : tuple of int
        Shape of one output sample; one entry may be -1.
    """

    def __init__(self, target_shape):
        try:
            dims = tuple(target_shape)
        except TypeError:
            dims = None
        if dims is None or not all(
            isinstance(d, (int, np.integer)) and not isinstance(d, bool) and (d >= 1 or d == -1) for d in dims
        ) or sum(d == -1 for d in dims) > 1:
            raise ValueError(
                "Reshape: target_shape must be a tuple of positive ints (one of them may be -1), "
                f"got {target_shape!r}."
            )
        self.target_shape = target_shape

    def compute_output_shape(self, input_shape):
        size = int(np.prod(input_shape))
        target = list(self.target_shape)
        if -1 in target:
            known = int(np.prod([t for t in target if t != -1]))
            target[target.index(-1)] = size // known
        if int(np.prod(target)) != size:
            raise ValueError(
                f"Cannot reshape samples of shape {tuple(input_shape)} "
                f"to {tuple(self.target_shape)}"
            )
        return tuple(int(t) for t in target)

    def forward(self, X, training=False, mask=None):
        if training:
            self._cache_in_shape = X.shape
        return X.reshape((X.shape[0],) + self.output_shape)

    def backward(self, dY):
        return dY.reshape(self._cache_in_shape)
