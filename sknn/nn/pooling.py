"""Pooling layers, channels-last: local max / average pooling and global pooling.

Local pooling shares the convolutions' geometry helpers (1-D inputs are viewed
as 2-D with height 1) and is vectorised: one array operation per window offset.
Global pooling reduces every axis but the batch and channel axes and honours a
sequence mask.
"""

import math

import numpy as np

from .conv import _from_2d, _ScratchMixin, _shape_section, _to_2d, _tuple
from ._checks import check_choice, check_int_tuple
from ._registry import store_args
from .layer import Layer

__all__ = [
    "MaxPool1D",
    "MaxPool2D",
    "AvgPool1D",
    "AvgPool2D",
    "GlobalAvgPool",
    "GlobalMaxPool",
]


# -- local pooling -------------------------------------------------------------
class _Pool(_ScratchMixin, Layer):
    rank = 2
    kind = "max"

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.__doc__ = _pool_doc(cls.__name__, cls.rank, cls.kind)  # each pooling layer's own numbers

    def __init__(self, pool_size=2, strides=None, padding="valid"):
        store_args(self, locals())
        check_int_tuple(self, "pool_size", pool_size, self.rank)
        if strides is not None:
            check_int_tuple(self, "strides", strides, self.rank)
        check_choice(self, "padding", padding, ("valid", "same"))

    def _grid(self, input_shape):
        r = self.rank
        k = _tuple(self.pool_size, r, "pool_size")
        s = k if self.strides is None else _tuple(self.strides, r, "strides")
        return self._window_grid(input_shape, k, s, (1,) * r)

    def compute_output_shape(self, input_shape):
        return self._window_output_shape(input_shape, input_shape[-1])

    def build(self, input_shape, rng, dtype=np.float64):
        super().build(input_shape, rng, dtype)
        self._set_geometry(self.input_shape)
        return self.output_shape

    def _make_geometry(self, sample_shape):
        """Index geometry and pooling counts for ``sample_shape``."""
        g = self._grid(sample_shape)
        # Windows tile the input: the average-pool gradient is one broadcast
        # into a reshaped view; when they also cover it, nothing needs zeroing.
        g.tiled = not g.padded and g.strides == g.kernel
        g.covers = g.tiled and all(o * k == s for o, k, s in zip(g.out_hw, g.kernel, g.in_hw))
        g.overlap = any(s < k for s, k in zip(g.strides, g.kernel))
        g.inv_count = None
        if self.kind == "avg":
            # Keras convention: padded positions do not count in the average.
            ones = np.ones((1,) + g.in_hw + (1,))
            onesp = g.pad(ones)
            count = np.zeros((1,) + g.out_hw + (1,))
            for _, (si, sj) in g.offsets():
                count += onesp[:, si, sj]
            g.inv_count = 1.0 / count
        return g

    @staticmethod
    def _tiles(X, g):
        """View ``(n, oh, kh, ow, kw, c)`` of a non-padded input tiled by the pool."""
        (oh, ow), (kh, kw) = g.out_hw, g.kernel
        return X[:, :oh * kh, :ow * kw].reshape(X.shape[0], oh, kh, ow, kw, X.shape[-1])

    def forward(self, X, training=False, mask=None):
        X = np.asarray(X)
        if not np.issubdtype(X.dtype, np.floating):
            X = X.astype(self.dtype)
        g = self._geometry(X.shape[1:])
        X = _to_2d(X, self.rank)
        pad_buffer = self._cache_pad if training else None
        if training:
            self._cache_grid, self._cache_shape, self._cache_dtype = g, X.shape, X.dtype
        if self.kind == "avg":
            # One strided add per window offset (~4x faster than a mean over
            # the axes of a tiled reshape).
            Xp = g.pad(X, pad_buffer)
            it = g.offsets()
            _, (si, sj) = next(it)
            Y = Xp[:, si, sj].copy()
            for _, (si, sj) in it:
                Y += Xp[:, si, sj]
            if g.padded:
                Y *= g.inv_count.astype(X.dtype)
            else:
                Y *= X.dtype.type(1.0 / (g.kernel[0] * g.kernel[1]))
            return _from_2d(Y, self.rank)
        Xp = g.pad(X, pad_buffer, -np.inf)
        # The window values, offset-major and contiguous, (kh*kw, n, oh, ow, c):
        # one copy, after which the running maximum (and, in training, the
        # backward pass) works on contiguous blocks instead of strided views
        # whose short channel runs cost a loop call each.
        kk = g.kernel[0] * g.kernel[1]
        shape = (kk, X.shape[0]) + g.out_hw + (X.shape[-1],)
        W = self._buffer("windows", shape, X.dtype) if training else np.empty(shape, X.dtype)
        if g.tiled:
            np.copyto(W.reshape(g.kernel + shape[1:]), self._tiles(Xp, g).transpose(2, 4, 0, 1, 3, 5))
        else:
            for k, (si, sj) in g.offsets():
                np.copyto(W[k], Xp[:, si, sj])
        # running max over the kernel offsets, in offset order
        Y = np.maximum(W[0], W[1 if kk > 1 else 0])
        for k in range(2, kk):
            np.maximum(Y, W[k], out=Y)
        if training:
            self._cache_W, self._cache_Y = W, Y
        return _from_2d(Y, self.rank)

    def backward(self, dY):
        if not self.input_grad:
            return None
        g = self._cache_grid
        shape, dtype = self._cache_shape, self._cache_dtype
        dY = np.asarray(dY, dtype=dtype)
        dY = dY[:, None] if self.rank == 1 else dY
        if self.kind == "avg" and g.tiled:
            (kh, kw) = g.kernel
            dX = (np.empty if g.covers else np.zeros)(shape, dtype=dtype)
            self._tiles(dX, g)[...] = (dY * dtype.type(1.0 / (kh * kw)))[:, :, None, :, None]
            return _from_2d(dX, self.rank)
        dXp = (np.empty if g.covers else np.zeros)(
            (shape[0],) + g.padded_hw + (shape[-1],), dtype=dtype)
        if self.kind == "avg":
            dY = dY * g.inv_count.astype(dtype)
            for _, (si, sj) in g.offsets():
                dXp[:, si, sj] += dY
        else:
            self._route_max(g, dY, dXp)
        return _from_2d(g.unpad(dXp), self.rank)

    def _route_max(self, g, dY, dXp):
        """Send each window's gradient to its (first) maximum, in ``dXp``.

        Which offset holds each window's maximum is recomputed from the
        offset-major window values kept by the forward pass, on contiguous
        blocks; ``free`` marks windows not yet routed, so ties go to the first
        maximum only. (The first offset finds every window free, and the last
        leaves ``free`` unused: those two updates are skipped.)
        """
        W, Y = self._cache_W, self._cache_Y
        hit = self._buffer("hit", W.shape, np.bool_)
        np.equal(W, Y, out=hit)
        free = self._buffer("free", Y.shape, np.bool_)
        last = W.shape[0] - 1
        for k in range(last + 1):
            if k == 0:
                np.logical_not(hit[0], out=free)
            else:
                hit[k] &= free
                if k != last:
                    free ^= hit[k]
        if g.tiled:
            # disjoint tiles: every input pixel gets one product, written in place
            np.multiply(dY, hit.reshape(g.kernel + Y.shape), out=self._tiles(dXp, g).transpose(2, 4, 0, 1, 3, 5))
            return
        for k, (si, sj) in g.offsets():
            if g.overlap:
                dXp[:, si, sj] += dY * hit[k]
            else:  # disjoint windows: assign, no accumulation needed
                np.multiply(dY, hit[k], out=dXp[:, si, sj])


_POOL_DOC = """{rank}-D {what} pooling over channels-last inputs.

    Parameters
    ----------
    pool_size : int{pair}, default=2
        Size of the pooling window.
    strides : int{pair} or None, default=None
        Step between windows; ``None`` means ``pool_size``.
    padding : {{"valid", "same"}}, default="valid"
        ``"same"`` gives ``ceil(input / stride)`` outputs (TensorFlow/Keras
        convention); {pad_note}

    {shape}

    Attributes
    ----------
    output_shape : tuple of int
        Shape of one output sample. The layer has no parameters.

    Notes
    -----
    {notes}

    Examples
    --------
    >>> import numpy as np
    >>> from sknn.nn import {name}
    >>> layer = {name}(2)
    >>> layer.build({example_in}, np.random.default_rng(0))
    {example_out}
    """


def _pool_doc(name, rank, kind):
    max_ = kind == "max"
    return _POOL_DOC.format(
        rank=rank, name=name, what="max" if max_ else "average",
        pair="" if rank == 1 else " or pair of int",
        pad_note=("padded positions never win the maximum." if max_
                  else "padded positions are left out of the average."),
        notes=("The gradient goes to the (first) maximum of each window."
               if max_ else "The gradient is shared equally by each window's inputs.")
        + (" A sequence mask is carried through: an output step is valid when"
           " its window covers at least one valid step." if rank == 1 else ""),
        shape=_shape_section(
            "(n_samples, steps, channels)" if rank == 1 else "(n_samples, height, width, channels)",
            "(n_samples, new_steps, channels)" if rank == 1 else "(n_samples, new_height, new_width, channels)",
        ),
        example_in="(10, 4)" if rank == 1 else "(6, 6, 3)",
        example_out="(5, 4)" if rank == 1 else "(3, 3, 3)",
    )


class MaxPool1D(_Pool):
    rank, kind = 1, "max"


class MaxPool2D(_Pool):
    rank, kind = 2, "max"


class AvgPool1D(_Pool):
    rank, kind = 1, "avg"


class AvgPool2D(_Pool):
    rank, kind = 2, "avg"


# -- global pooling ------------------------------------------------------------
def _global_mask(mask, X):
    """Return a ``(n, steps, 1)`` boolean mask or None (masks only apply to 3-D input)."""
    if mask is None or X.ndim != 3:
        return None
    mask = np.asarray(mask, dtype=bool)
    if mask.shape != X.shape[:2]:
        raise ValueError(f"mask of shape {mask.shape} does not match input {X.shape}")
    return mask[:, :, None]


_GLOBAL_DOC = """
    Works for 1-D ``(n, steps, c)`` and 2-D ``(n, h, w, c)`` inputs alike.

    Shape
    -----
    - Input: ``(n_samples, *spatial, channels)``.
    - Output: ``(n_samples, channels)``.

    Attributes
    ----------
    output_shape : tuple of int
        ``(channels,)``. The layer has no parameters.
"""


class _GlobalPool(Layer):
    """A reduction over every axis but the batch and channel axes (subclasses: ``forward`` and ``backward``)."""

    def __init__(self):
        pass

    def compute_output_shape(self, input_shape):
        if len(input_shape) < 2:
            raise ValueError(f"{type(self).__name__} needs spatial axes; got sample shape {tuple(input_shape)}")
        return (input_shape[-1],)

    def _float_input(self, X):
        X = np.asarray(X)
        if not np.issubdtype(X.dtype, np.floating):
            X = X.astype(self.dtype)
        return X

    def compute_mask(self, mask, X=None):
        return None


class GlobalAvgPool(_GlobalPool):
    """Average over every axis except the batch and the (last) channel axis.
%s
    Notes
    -----
    With a boolean sequence ``mask`` of shape ``(n_samples, steps)`` (3-D
    input), only the valid steps are averaged, in step order, so that the
    result does not depend on how far a sample was padded; a sample with no
    valid step gives zeros. The output carries no mask.

    Examples
    --------
    >>> import numpy as np
    >>> from sknn.nn import GlobalAvgPool
    >>> layer = GlobalAvgPool()
    >>> layer.build((5, 3), np.random.default_rng(0))
    (3,)
    >>> X = np.arange(30.0).reshape(2, 5, 3)
    >>> mask = np.array([[True] * 5, [True, True, False, False, False]])
    >>> layer.forward(X, mask=mask)[1]
    array([16.5, 17.5, 18.5])
    """

    def forward(self, X, training=False, mask=None):
        X = self._float_input(X)
        axes = tuple(range(1, X.ndim - 1))
        m = _global_mask(mask, X)
        if m is None and X.ndim == 3:
            m = np.ones(X.shape[:2] + (1,), dtype=bool)  # sequences: the same arithmetic, mask or not
        weight = None
        if m is None:
            Y = X.mean(axis=axes, dtype=X.dtype)
        else:
            count = m.sum(axis=1, keepdims=True)  # (n, 1, 1)
            weight = m / np.maximum(count, 1).astype(X.dtype)  # (n, steps, 1)
            weight = weight.astype(X.dtype, copy=False)
            # summed step by step from the first: padded steps add exact zeros at the end, so a
            # sequence's mean is the same bits whatever padding its batch gave it, or none (np.sum's
            # pairwise order would depend on the padded length)
            Y = np.cumsum(X * weight, axis=1)[:, -1]
        if training:
            self._cache_shape, self._cache_dtype, self._cache_weight = X.shape, X.dtype, weight
        return Y

    def backward(self, dY):
        if not self.input_grad:
            return None
        shape, dtype = self._cache_shape, self._cache_dtype
        dY = np.asarray(dY, dtype=dtype)
        bshape = (shape[0],) + (1,) * (len(shape) - 2) + (shape[-1],)
        if self._cache_weight is None:
            scale = dtype.type(1.0 / math.prod(shape[1:-1]))
            return np.broadcast_to(dY.reshape(bshape) * scale, shape).copy()
        return self._cache_weight * dY[:, None, :]


class GlobalMaxPool(_GlobalPool):
    """Maximum over every axis except the batch and the (last) channel axis.
%s
    Notes
    -----
    With a boolean sequence ``mask`` of shape ``(n_samples, steps)`` (3-D
    input), the maximum is taken over valid steps only; a sample with no valid
    step gives zeros. The gradient goes to the (first) maximum. The output
    carries no mask.

    Examples
    --------
    >>> import numpy as np
    >>> from sknn.nn import GlobalMaxPool
    >>> layer = GlobalMaxPool()
    >>> layer.build((4, 2), np.random.default_rng(0))
    (2,)
    >>> X = np.array([[[1., 8.], [2., 7.], [9., 0.], [0., 9.]]])
    >>> layer.forward(X, mask=np.array([[True, True, False, False]]))
    array([[2., 8.]])
    """

    def forward(self, X, training=False, mask=None):
        X = self._float_input(X)
        n, c = X.shape[0], X.shape[-1]
        flat = X.reshape(n, -1, c)
        m = _global_mask(mask, X)
        empty = None
        if m is not None:
            flat = np.where(m, flat, -np.inf)
            empty = ~m.any(axis=1)  # (n, 1)
        arg = flat.argmax(axis=1)  # (n, c)
        Y = np.take_along_axis(flat, arg[:, None, :], axis=1)[:, 0, :]
        if empty is not None and empty.any():
            Y = np.where(empty, 0, Y).astype(X.dtype, copy=False)
        if training:
            self._cache_shape, self._cache_dtype = X.shape, X.dtype
            self._cache_arg, self._cache_empty = arg, empty
        return Y

    def backward(self, dY):
        if not self.input_grad:
            return None
        shape, dtype = self._cache_shape, self._cache_dtype
        dY = np.asarray(dY, dtype=dtype)
        if self._cache_empty is not None:
            dY = np.where(self._cache_empty, 0, dY).astype(dtype, copy=False)
        n, c = shape[0], shape[-1]
        dX = np.zeros((n, math.prod(shape[1:-1]), c), dtype=dtype)
        np.put_along_axis(dX, self._cache_arg[:, None, :], dY[:, None, :], axis=1)
        return dX.reshape(shape)


for _cls in (GlobalAvgPool, GlobalMaxPool):
    _cls.__doc__ = _cls.__doc__ % _GLOBAL_DOC

del _cls
