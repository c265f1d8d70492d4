"""Losses: value and gradient computed from the network's raw outputs.

Every loss is called as ``loss(y, raw, sample_weight=None) -> (value, grad)``:

* ``raw`` is the last layer's output *before* the output activation, shape
  ``(n_samples, ...)``; the output activation is fused into the loss (softmax +
  cross-entropy, sigmoid + binary cross-entropy, exp + Poisson), which makes the
  gradient simple and the value numerically stable.
* ``value`` is the weighted mean over samples of the per-sample loss (the sum
  over outputs, or their mean for the regression losses, as scikit-learn does);
  ``grad`` is its exact gradient with respect to ``raw``.
* ``per_sample(y, raw)`` is the loss of each sample, the quantity ``value``
  averages (reconstruction errors and anomaly scores are read from it).
* ``link(raw)`` maps raw outputs to predictions (probabilities, means).
"""

import numpy as np
from scipy.special import expit, xlogy

from ._registry import Registry
from .activations import softmax

__all__ = [
    "Loss",
    "SquaredError",
    "AbsoluteError",
    "Huber",
    "Poisson",
    "LogLoss",
    "BinaryLogLoss",
    "log_softmax",
    "get",
    "names",
]


def _weights(n, sample_weight, dtype):
    """Per-sample factors ``w_i / sum(w)`` broadcastable against (n, 1)."""
    if sample_weight is None:
        return np.asarray(1.0 / n, dtype=dtype)
    w = np.asarray(sample_weight, dtype=dtype)
    total = w.sum()
    if total <= 0:
        raise ValueError("The sample weights of a batch sum to zero or less.")
    return (w / total).reshape((n,) + (1,) * 1)


def log_softmax(raw):
    """``log(softmax(raw))`` over the last axis, computed stably (log-sum-exp).

    Parameters
    ----------
    raw : ndarray of shape (n_samples, ..., n_classes)

    Returns
    -------
    log_p : ndarray of the same shape and dtype
    """
    shifted = raw - raw.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def _flat(a):
    return a.reshape(a.shape[0], -1)


class Loss:
    """Base class of the losses.

    A subclass implements ``_elementwise(y, raw) -> (loss, grad)``, the loss of
    each output and its derivative with respect to ``raw`` (2-D arrays), which
    :meth:`__call__` weights and averages; or it overrides :meth:`__call__` and
    :meth:`per_sample` (:class:`LogLoss`, whose loss is not element-wise).
    :meth:`link` maps raw outputs to predictions.
    """

    out_activation = "identity"
    #: whether the per-sample loss averages (True) or sums (False) over outputs
    mean_over_outputs = True

    def link(self, raw):
        return raw

    def __call__(self, y, raw, sample_weight=None):
        raw2 = _flat(raw)
        y2 = _flat(np.asarray(y)).astype(raw2.dtype, copy=False)
        n, k = raw2.shape
        w = _weights(n, sample_weight, raw2.dtype)
        elem, grad = self._elementwise(y2, raw2)
        scale = 1.0 / k if self.mean_over_outputs else 1.0
        value = float(np.sum(elem * w) * scale)
        grad *= w * np.asarray(scale, dtype=raw2.dtype)
        return value, grad.reshape(raw.shape)

    def value(self, y, raw, sample_weight=None):
        return self(y, raw, sample_weight)[0]

    def per_sample(self, y, raw):
        """The loss of each sample: what :meth:`__call__`'s value is the weighted mean of.

        Parameters
        ----------
        y : array-like of the shape of ``raw``
        raw : ndarray of shape (n_samples, ...)

        Returns
        -------
        losses : ndarray of shape (n_samples,), in the dtype of ``raw``
        """
        raw2 = _flat(raw)
        elem, _ = self._elementwise(_flat(np.asarray(y)).astype(raw2.dtype, copy=False), raw2)
        return elem.mean(axis=1) if self.mean_over_outputs else elem.sum(axis=1)

    def __repr__(self):
        return f"{type(self).__name__}()"


class SquaredError(Loss):
    """Half squared error ``0.5 * (raw - y) ** 2``, averaged over outputs."""

    def _elementwise(self, y, raw):
        diff = raw - y
        return 0.5 * diff * diff, diff


class AbsoluteError(Loss):
    """Absolute error ``|raw - y|``, averaged over outputs (subgradient 0 at 0)."""

    def _elementwise(self, y, raw):
        diff = raw - y
        return np.abs(diff), np.sign(diff)


class Huber(Loss):
    """Huber loss: quadratic within ``delta`` of the target, linear beyond.

    Parameters
    ----------
    delta : float, default=1.0
    """

    def __init__(self, delta=1.0):
        self.delta = delta

    def _elementwise(self, y, raw):
        diff = raw - y
        a = np.abs(diff)
        d = self.delta
        small = a <= d
        elem = np.where(small, 0.5 * diff * diff, d * (a - 0.5 * d))
        grad = np.where(small, diff, d * np.sign(diff)).astype(raw.dtype, copy=False)
        return elem, grad

    def __repr__(self):
        return f"Huber(delta={self.delta!r})"


class Poisson(Loss):
    """Half Poisson deviance with a log link: the mean is ``exp(raw)``.

    Per element ``exp(raw) - y * raw + y * log(y) - y`` (zero at the optimum),
    summed over outputs as in scikit-learn.
    """

    out_activation = "exp"
    mean_over_outputs = False

    def link(self, raw):
        return np.exp(raw)

    def _elementwise(self, y, raw):
        mu = np.exp(raw)
        return mu - y * raw + xlogy(y, y) - y, mu - y


class LogLoss(Loss):
    """Softmax cross-entropy over the last axis, fused with the softmax.

    ``y`` is one-hot (or any probability rows) of the same shape as ``raw``.
    """

    out_activation = "softmax"
    mean_over_outputs = False

    def link(self, raw):
        return softmax(raw)

    def per_sample(self, y, raw):
        y = np.asarray(y).astype(raw.dtype, copy=False).reshape(raw.shape)
        return -_flat(y * log_softmax(raw)).sum(axis=1)

    def __call__(self, y, raw, sample_weight=None):
        n = raw.shape[0]
        y = np.asarray(y).astype(raw.dtype, copy=False).reshape(raw.shape)
        log_p = log_softmax(raw)
        per_sample = -_flat(y * log_p).sum(axis=1)
        grad = np.exp(log_p)
        grad -= y
        if sample_weight is None:
            value = float(per_sample.mean())
            grad *= np.asarray(1.0 / n, dtype=raw.dtype)
        else:
            w = np.asarray(sample_weight, dtype=raw.dtype)
            total = w.sum()
            if total <= 0:
                raise ValueError("The sample weights of a batch sum to zero or less.")
            value = float(np.dot(per_sample, w) / total)
            grad *= (w / total).reshape((n,) + (1,) * (raw.ndim - 1))
        return value, grad


class BinaryLogLoss(Loss):
    """Sigmoid binary cross-entropy per output, fused with the sigmoid.

    Per element ``log(1 + exp(raw)) - y * raw``, summed over outputs (one output
    for binary, several for multilabel problems).
    """

    out_activation = "logistic"
    mean_over_outputs = False

    def link(self, raw):
        return expit(raw)

    def _elementwise(self, y, raw):
        return np.logaddexp(0, raw) - y * raw, expit(raw) - y


_REGISTRY = Registry("loss", base=Loss)
for _name, _cls in (("squared_error", SquaredError), ("absolute_error", AbsoluteError), ("huber", Huber),
                    ("poisson", Poisson), ("log_loss", LogLoss), ("binary_log_loss", BinaryLogLoss)):
    _REGISTRY.register(_name, _cls)


def get(name, **kwargs):
    """Return the loss called ``name``, made with ``kwargs`` (``delta`` of ``"huber"``).

    A :class:`Loss` instance passes through; an unknown name raises a
    ValueError listing :func:`names`.
    """
    return _REGISTRY.get(name, **kwargs)


# the valid names, sorted, straight from the registry
names = _REGISTRY.names
