"""TiedDense: a fully connected layer reusing the transposed kernel of another Dense."""

import numpy as np

from . import initializers
from .dense import Dense
from .layer import Layer
from .linalg import inference_product

__all__ = ["TiedDense"]


class TiedDense(Layer):
    """Fully connected layer ``Y = X @ source.kernel.T + bias`` (tied weights).

    The kernel is *not* a parameter of this layer: it is the very array of the
    ``source`` :class:`~sknn.nn.Dense` layer, used transposed, as in the decoder
    of an autoencoder with tied weights. Only the bias belongs to this layer.
    The shared kernel's gradient is the sum of both uses: this layer hands its
    contribution to the source's kernel :class:`~sknn.nn.layer.Parameter`
    (:meth:`~sknn.nn.layer.Parameter.contribute`), which ``source`` adds when
    its own ``backward`` runs. That requires ``source`` to come *before* this
    layer in the network (so its backward runs after this one's), as an
    encoder comes before its decoder.

    Parameters
    ----------
    source : Dense
        The layer whose kernel of shape ``(in, out)`` is used as ``(out, in)``.
        It must be built before this layer (earlier in the same network).
    use_bias : bool, default=True
    bias_initializer : str or callable, default="zeros"

    Shape
    -----
    Input: ``(n, ..., source.units)``. Output: ``(n, ..., source_in_features)``.

    Attributes
    ----------
    bias : ndarray of shape (source_in_features,)

    Examples
    --------
    >>> import numpy as np
    >>> from sknn.nn import Dense, Sequential, TiedDense
    >>> enc = Dense(2)
    >>> net = Sequential([enc, TiedDense(enc)])
    >>> net.build((5,), np.random.default_rng(0))
    (5,)
    >>> len(net.params)  # encoder kernel and bias, decoder bias: the kernel is shared
    3
    """

    def __init__(self, source, use_bias=True, bias_initializer="zeros"):
        if not isinstance(source, Dense):
            raise ValueError(f"TiedDense: source must be a Dense layer, got {type(source).__name__}.")
        self.source = source
        self.use_bias = use_bias
        self.bias_initializer = bias_initializer

    def _check_source(self):
        if not isinstance(self.source, Dense):
            raise TypeError(f"TiedDense needs a Dense source layer, got {type(self.source).__name__}.")
        if not getattr(self.source, "built", False):
            raise ValueError("TiedDense: the source Dense layer must be built first (place it earlier).")
        if self.source.sparse_grad:
            raise ValueError("TiedDense cannot share the kernel of a Dense(sparse_grad=True) layer.")

    def compute_output_shape(self, input_shape):
        self._check_source()
        fan_in, units = self.source.params[0].shape
        if int(input_shape[-1]) != units:
            raise ValueError(
                f"TiedDense expects {units} input features (the source's units), got {input_shape[-1]}."
            )
        return tuple(input_shape[:-1]) + (int(fan_in),)

    def build(self, input_shape, rng, dtype=np.float64):
        out = super().build(input_shape, rng, dtype)
        kernel = self.source.params[0]
        if kernel.dtype != self.dtype:
            raise ValueError("TiedDense and its source must share one dtype.")
        if self.use_bias:
            fan_out, fan_in = kernel.shape
            bias = initializers.get(self.bias_initializer)((fan_out,), fan_in, fan_out, rng, self.dtype)
            self._set_params(["bias"], [bias], [False])
        else:
            self._set_params([], [], [])
        self._kernel_grad = np.zeros_like(kernel)
        return out

    @property
    def kernel(self):
        """The shared array, shape ``(in, out)`` of the source (used transposed)."""
        return self.source.params[0]

    @property
    def bias(self):
        return self.params[0] if self.use_bias else None

    def forward(self, X, training=False, mask=None):
        W = self.source.params[0]
        X2 = X.reshape(-1, X.shape[-1]) if X.ndim != 2 else X
        Y = inference_product(W.T, self.params[0] if self.use_bias else None, training)(X2)
        if training:
            self._cache_X = X2
            self._cache_in_shape = X.shape
        return Y.reshape(X.shape[:-1] + (W.shape[0],)) if X.ndim != 2 else Y

    def backward(self, dY):
        W = self.source.params[0]
        X = self._cache_X
        dY2 = dY.reshape(-1, dY.shape[-1]) if dY.ndim != 2 else dY
        # d(X @ W.T)/dW = dY.T @ X, kept until the source adds it to its own gradient
        np.matmul(dY2.T, X, out=self._kernel_grad)
        self.source.parameter("kernel").contribute(self, self._kernel_grad)
        if self.use_bias:
            np.sum(dY2, axis=0, out=self.grads[0])
        if not self.input_grad:
            return None
        dX = dY2 @ W
        shape = self._cache_in_shape
        return dX.reshape(shape) if len(shape) != 2 else dX

    def __repr__(self):
        return f"TiedDense(source={type(self.source).__name__}({self.source.units}))"
