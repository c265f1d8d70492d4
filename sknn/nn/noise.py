"""Input corruption for denoising: GaussianNoise and MaskingNoise.

Both are the identity at inference; in training they corrupt their input with
the training generator (see :meth:`Layer.rng_for_training`).
"""

import numpy as np

from ._checks import check_real
from .layer import Layer, same_shape_doc

__all__ = ["GaussianNoise", "MaskingNoise"]


class _Noise(Layer):
    """A layer drawing from the training generator: dropout and input corruption."""

    def _generator(self):
        rng = getattr(self, "_rng", None)
        if rng is None:
            raise RuntimeError(f"{type(self).__name__} needs a generator: call rng_for_training(rng) first")
        return rng

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_rng", None)
        return state


class _InputMask(_Noise):
    """Multiply the inputs by a random mask in training (``_draw_mask``), unless ``rate`` is 0."""

    def __init__(self, rate):
        check_real(self, "rate", rate, low=0.0, high=1.0, high_open=True)
        self.rate = rate

    def forward(self, X, training=False, mask=None):
        if not training:
            return X
        if self.rate == 0:
            self._cache_mask = None
            return X
        self._cache_mask = self._draw_mask(self._generator(), X)
        return X * self._cache_mask

    def backward(self, dY):
        if dY is None or not self.input_grad:
            return None
        if self._cache_mask is not None:
            dY *= self._cache_mask
        return dY


@same_shape_doc
class GaussianNoise(_Noise):
    """Add zero-mean Gaussian noise of standard deviation ``stddev`` in training.

    Parameters
    ----------
    stddev : float, default=0.1
        Standard deviation of the additive noise (0 disables it).
%s
    Examples
    --------
    >>> import numpy as np
    >>> from sknn.nn import GaussianNoise
    >>> layer = GaussianNoise(0.5)
    >>> X = np.ones((2, 3))
    >>> bool(np.all(layer.forward(X, training=False) == X))
    True
    """

    def __init__(self, stddev=0.1):
        check_real(self, "stddev", stddev, low=0.0)
        self.stddev = stddev

    def forward(self, X, training=False, mask=None):
        if not training or self.stddev == 0:
            return X
        noise = self._generator().standard_normal(X.shape, dtype=X.dtype if X.dtype == np.float32 else np.float64)
        noise *= self.stddev
        return X + noise.astype(X.dtype, copy=False)

    def backward(self, dY):
        # additive noise: the gradient passes through unchanged
        if dY is None or not self.input_grad:
            return None
        return dY


@same_shape_doc
class MaskingNoise(_InputMask):
    """Set a random fraction ``rate`` of the inputs to zero in training.

    Unlike :class:`~sknn.nn.Dropout` the kept inputs are not rescaled: this is
    the masking corruption of denoising autoencoders (Vincent et al., 2008).

    Parameters
    ----------
    rate : float in [0, 1), default=0.1
        Fraction of the inputs zeroed.
%s    """

    def __init__(self, rate=0.1):
        super().__init__(rate)

    def _draw_mask(self, rng, X):
        return rng.random(X.shape, dtype=np.float32) >= self.rate
