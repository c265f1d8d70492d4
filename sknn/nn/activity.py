"""ActivityL1: an L1 penalty on the activations flowing through the layer."""

import numpy as np

from ._checks import check_real
from .layer import Layer, same_shape_doc

__all__ = ["ActivityL1"]


@same_shape_doc
class ActivityL1(Layer):
    """Identity layer adding ``strength * mean_i sum_j |X_ij|`` to the loss.

    Placed after the code of an autoencoder it makes the code sparse. The layer
    is parameter-free: in training, ``backward`` adds the penalty's gradient
    ``strength * sign(X) / n_samples`` to the incoming gradient, and
    :meth:`penalty` reports the penalty of the last training forward pass so the
    training loop can add it to the reported loss (it sums ``penalty()`` over
    the layers that have one). At inference it does nothing (and leaves
    :meth:`penalty` as the last training pass set it).

    The penalty is the plain mean over the batch (sample weights do not apply).

    Parameters
    ----------
    strength : float, default=1e-3
        Weight of the penalty (0 disables it).
%s
    Examples
    --------
    >>> import numpy as np
    >>> from sknn.nn import ActivityL1
    >>> layer = ActivityL1(0.5)
    >>> _ = layer.forward(np.array([[1.0, -2.0], [0.0, 3.0]]), training=True)
    >>> layer.penalty()  # 0.5 * (3 + 3) / 2
    1.5
    """

    def __init__(self, strength=1e-3):
        check_real(self, "strength", strength, low=0.0)
        self.strength = strength

    def forward(self, X, training=False, mask=None):
        if not training:
            return X
        if self.strength:
            n = X.shape[0]
            self._cache_penalty = float(self.strength) * float(np.abs(X).sum()) / n
            self._cache_sign = np.sign(X)
            self._cache_sign *= np.asarray(self.strength / n, dtype=X.dtype)
        else:
            self._cache_penalty = 0.0
            self._cache_sign = None
        return X

    def penalty(self):
        """The penalty of the last training forward pass (0 before any)."""
        return getattr(self, "_cache_penalty", 0.0)

    def backward(self, dY):
        if self._cache_sign is not None:
            dY += self._cache_sign
        return dY
