"""Activations as parameter-free layers, looked up by name through :func:`get`.

Each activation is a pair of plain functions: ``forward(X) -> Y`` and
``backward(dY, X, Y) -> dX`` (allowed to overwrite ``dY``). The
:class:`Activation` layer wraps one pair.
"""

import math

import numpy as np
from scipy.special import erf, expit

from ._checks import check_real
from ._registry import Registry
from .layer import Layer, same_shape_doc

__all__ = ["Activation", "get", "names", "softmax", "ELEMENTWISE", "ACTIVATIONS"]

_SQRT_2 = math.sqrt(2.0)  # python floats keep float32 arrays float32
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def _identity(X):
    return X


def _identity_grad(dY, X, Y):
    return dY


def _logistic(X):
    return expit(X)


def _logistic_grad(dY, X, Y):
    dY *= Y
    dY *= 1 - Y
    return dY


def _tanh(X):
    return np.tanh(X)


def _tanh_grad(dY, X, Y):
    dY *= 1 - Y * Y
    return dY


#: Width of the rows ReLU's maximum runs over (see _relu).
_RELU_ROW = 1024


def _relu(X):
    # NumPy's maximum against a scalar zero runs unvectorised; against a row of
    # zeros, over the input seen as wide rows, it is vectorised (~1.7x faster),
    # with the same result for every entry (-0.0 and NaN included).
    n = X.size
    if n < 2 * _RELU_ROW or X.dtype.kind != "f" or not X.flags.c_contiguous:
        return np.maximum(X, 0)
    Y = np.empty_like(X)
    flat, out = X.reshape(-1), Y.reshape(-1)
    main = n - n % _RELU_ROW
    np.maximum(flat[:main].reshape(-1, _RELU_ROW), np.zeros(_RELU_ROW, X.dtype),
               out=out[:main].reshape(-1, _RELU_ROW))
    if main < n:
        np.maximum(flat[main:], 0, out=out[main:])
    return Y


def _relu_grad(dY, X, Y):
    # multiplying by a boolean mask is ~10x faster than boolean-index assignment
    np.multiply(dY, Y > 0, out=dY)
    return dY


def softmax(X):
    """Softmax over the last axis (max-shifted): each row of the result sums to 1."""
    Z = X - X.max(axis=-1, keepdims=True)
    np.exp(Z, out=Z)
    Z /= Z.sum(axis=-1, keepdims=True)
    return Z


def _softmax_grad(dY, X, Y):
    # Jacobian-vector product: Y * (dY - <dY, Y>)
    dot = np.sum(dY * Y, axis=-1, keepdims=True)
    dY -= dot
    dY *= Y
    return dY


def _gelu(X):
    # exact GELU: x * Phi(x)
    return 0.5 * X * (1.0 + erf(X / _SQRT_2))


def _gelu_grad(dY, X, Y):
    cdf = 0.5 * (1.0 + erf(X / _SQRT_2))
    pdf = np.exp(-0.5 * X * X) * _INV_SQRT_2PI
    dY *= cdf + X * pdf
    return dY


def _make_leaky_relu(alpha):
    def forward(X):
        return np.where(X > 0, X, alpha * X).astype(X.dtype, copy=False)

    def backward(dY, X, Y):
        dY *= np.where(X > 0, 1.0, alpha).astype(dY.dtype, copy=False)
        return dY

    return forward, backward


def _make_elu(alpha):
    def forward(X):
        neg = alpha * np.expm1(np.minimum(X, 0))
        return np.where(X > 0, X, neg).astype(X.dtype, copy=False)

    def backward(dY, X, Y):
        dY *= np.where(X > 0, 1.0, Y + alpha).astype(dY.dtype, copy=False)
        return dY

    return forward, backward


def _fixed(forward, backward):
    def factory(alpha=None):  # alpha configures the parametrised activations only
        return forward, backward

    return factory


_REGISTRY = Registry("activation")
for _name, _pair in (("identity", (_identity, _identity_grad)), ("logistic", (_logistic, _logistic_grad)),
                     ("tanh", (_tanh, _tanh_grad)), ("relu", (_relu, _relu_grad)),
                     ("softmax", (softmax, _softmax_grad)), ("gelu", (_gelu, _gelu_grad))):
    _REGISTRY.register(_name, _fixed(*_pair))
_REGISTRY.register("sigmoid", _fixed(_logistic, _logistic_grad), alias=True)
_REGISTRY.register("leaky_relu", lambda alpha=None: _make_leaky_relu(0.01 if alpha is None else alpha))
_REGISTRY.register("elu", lambda alpha=None: _make_elu(1.0 if alpha is None else alpha))

#: Activations that act on each value alone (all but the row-wise softmax), without aliases:
#: the ones a hidden layer may use.
ELEMENTWISE = tuple(n for n in _REGISTRY.names(aliases=False) if n != "softmax")


def names(aliases=True):
    """The activation names :func:`get` and :class:`Activation` accept.

    Parameters
    ----------
    aliases : bool, default=True
        Whether to include second names (``"sigmoid"`` for ``"logistic"``).

    Returns
    -------
    names : tuple of str
    """
    return _REGISTRY.names(aliases)


#: Every activation name (kept for code that tests membership; :func:`names` is the source).
ACTIVATIONS = names()


@same_shape_doc
class Activation(Layer):
    """An element-wise (or, for softmax, row-wise) activation function.

    Parameters
    ----------
    name : str
        One of :func:`names`: "identity", "logistic" (alias "sigmoid"), "tanh",
        "relu", "leaky_relu", "elu", "gelu", "softmax" (over the last axis).
    alpha : float or None
        Negative slope of "leaky_relu" (default 0.01) or scale of "elu"
        (default 1.0). Ignored by the others.
%s
    Examples
    --------
    >>> import numpy as np
    >>> from sknn.nn import Activation
    >>> Activation("relu").forward(np.array([[-1.0, 2.0]]))
    array([[0., 2.]])
    """

    def __init__(self, name="relu", alpha=None):
        if name not in _REGISTRY:
            raise ValueError(f"Activation: Unknown activation {name!r}; valid names are {list(names())}.")
        check_real(self, "alpha", alpha, none=True)
        self.name = name
        self.alpha = alpha

    def _functions(self):
        return _REGISTRY.get(self.name, alpha=self.alpha)

    def build(self, input_shape, rng, dtype=np.float64):
        self._fwd, self._bwd = self._functions()
        return super().build(input_shape, rng, dtype)

    def forward(self, X, training=False, mask=None):
        # an unbuilt layer looks its functions up per call (never stored here:
        # inference writes nothing on the layer)
        fwd = self._fwd if "_fwd" in self.__dict__ else self._functions()[0]
        Y = fwd(X)
        if training:
            self._cache_X, self._cache_Y = X, Y
        return Y

    def backward(self, dY):
        bwd = self._bwd if "_bwd" in self.__dict__ else self._functions()[1]
        return bwd(dY, self._cache_X, self._cache_Y)

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_fwd", None)  # closures do not pickle; rebuilt on unpickling
        state.pop("_bwd", None)
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        if getattr(self, "built", False):
            self._fwd, self._bwd = self._functions()


def get(name):
    """Return an :class:`Activation` layer for ``name`` (a layer passes through).

    Parameters
    ----------
    name : str or Layer
        One of :func:`names`, or a layer, returned as is.

    Returns
    -------
    layer : Layer

    Raises
    ------
    ValueError
        If the name is unknown.
    """
    if isinstance(name, Layer):
        return name
    _REGISTRY.lookup(name)  # the engine's message, without the layer's prefix
    return Activation(name)
