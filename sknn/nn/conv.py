"""Convolution layers, channels-last (pooling is in :mod:`sknn.nn.pooling`).

Every layer works on 2-D spatial data internally: 1-D inputs ``(n, steps, c)``
are viewed as ``(n, 1, steps, c)``, so one code path serves both ranks.
Convolutions use im2col (a strided copy of every patch into one contiguous
matrix) and a single matrix product; the gradient with respect to the input is
scattered back with one strided slice-add per kernel offset (``kh * kw`` array
operations over the whole batch, no loop over samples or pixels).
"""

import math

import numpy as np
from numpy.lib.stride_tricks import as_strided

from . import _scratch, initializers
from ._checks import check_choice, check_int, check_int_tuple
from ._registry import store_args
from .layer import Layer
from .linalg import inference_product

__all__ = ["Conv1D", "Conv2D"]


# -- geometry helpers (private) ---------------------------------------------
def _tuple(value, rank, name):
    if isinstance(value, (int, np.integer)):
        out = (int(value),) * rank
    else:
        out = tuple(int(v) for v in value)
    if len(out) != rank or any(v < 1 for v in out):
        raise ValueError(f"{name} must be a positive int or a {rank}-tuple of them, got {value!r}")
    return out


def _check_padding(padding):
    if padding not in ("valid", "same"):
        raise ValueError(f"padding must be 'valid' or 'same', got {padding!r}")
    return padding


def _geometry(size, kernel, stride, dilation, padding):
    """Output size and (before, after) padding along one axis.

    ``"same"`` follows TensorFlow: output ``ceil(size / stride)``, the extra
    padding row/column going after.
    """
    span = dilation * (kernel - 1) + 1
    if padding == "same":
        out = -(-size // stride)
        total = max((out - 1) * stride + span - size, 0)
        return out, (total // 2, total - total // 2)
    if size < span:
        raise ValueError(f"input size {size} is smaller than the (dilated) window {span}")
    return (size - span) // stride + 1, (0, 0)


class _Grid:
    """Everything needed to slice windows out of a (padded) 2-D input."""

    def __init__(self, in_hw, kernel, strides, dilation, padding):
        self.in_hw = tuple(in_hw)
        self.kernel = tuple(kernel)
        self.strides = tuple(strides)
        self.dilation = tuple(dilation)
        geo = [_geometry(s, k, st, d, padding)
               for s, k, st, d in zip(in_hw, kernel, strides, dilation)]
        self.out_hw = tuple(g[0] for g in geo)
        self.pads = tuple(g[1] for g in geo)
        self.padded = any(p != (0, 0) for p in self.pads)
        self.padded_hw = tuple(s + sum(p) for s, p in zip(in_hw, self.pads))

    def offsets(self):
        """Yield ``(index, (slice_h, slice_w))`` for each kernel offset.

        The slice picks, from the padded input, the pixel that offset sees in
        every output position.
        """
        (kh, kw), (sh, sw), (dh, dw), (oh, ow) = self.kernel, self.strides, self.dilation, self.out_hw
        k = 0
        for i in range(kh):
            for j in range(kw):
                yield k, (slice(i * dh, i * dh + (oh - 1) * sh + 1, sh),
                          slice(j * dw, j * dw + (ow - 1) * sw + 1, sw))
                k += 1

    def __getstate__(self):
        state = self.__dict__.copy()
        state.pop("_inner", None)  # derived from the geometry, remade on use
        return state

    def inner_offsets(self):
        """Yield ``(index, source, target)`` for each kernel offset that sees the unpadded input.

        ``source`` slices the ``(n, oh, ow, c)`` output grid to the positions
        whose pixel at this offset lies inside the input, ``target`` the input
        to those pixels. Scattering a gradient with these (offsets in the order
        of :meth:`offsets`) adds, to every input pixel, the same terms in the
        same order as scattering into the padded input and cutting the padding
        off, without the work on the padding. Computed once per geometry.
        """
        plan = self.__dict__.get("_inner")
        if plan is None:
            axes = []
            for size, (before, _), k, s, d, o in zip(self.in_hw, self.pads, self.kernel, self.strides,
                                                     self.dilation, self.out_hw):
                per_tap = []
                for i in range(k):
                    start = i * d - before  # input position of output 0 at tap i
                    lo = max(0, -(start // s))  # first output position landing at >= 0
                    hi = min(o, (size - 1 - start) // s + 1) if size - 1 - start >= 0 else 0
                    if hi <= lo:
                        per_tap.append(None)
                        continue
                    first = start + lo * s
                    per_tap.append((slice(lo, hi), slice(first, first + (hi - lo - 1) * s + 1, s)))
                axes.append(per_tap)
            plan = []
            k = 0
            for a in axes[0]:
                for b in axes[1]:
                    if a is not None and b is not None:
                        plan.append((k, (a[0], b[0]), (a[1], b[1])))
                    k += 1
            self._inner = plan
        return iter(plan)

    def pad(self, X, buffer=None, fill=0.0):
        """Return ``X`` padded, reusing ``buffer`` (a 2-item list, training only) when it fits."""
        if not self.padded:
            return X
        shape = (X.shape[0],) + self.padded_hw + (X.shape[-1],)
        buf = None if buffer is None else buffer[0]
        # a kept buffer serves any batch up to its size: its borders hold ``fill`` from when it was made
        if (buf is None or buf.shape[1:] != shape[1:] or buf.shape[0] < shape[0] or buf.dtype != X.dtype
                or buffer[1] != fill):
            buf = np.full(shape, fill, dtype=X.dtype)
            if buffer is not None:
                buffer[0], buffer[1] = buf, fill
        buf = buf[: shape[0]]
        (t, _), (l, _) = self.pads
        buf[:, t:t + X.shape[1], l:l + X.shape[2]] = X
        return buf

    def unpad(self, dXp):
        if not self.padded:
            return dXp
        (t, _), (l, _) = self.pads
        h, w = self.in_hw
        return dXp[:, t:t + h, l:l + w]

    def windows(self, Xp):
        """Strided view ``(n, oh, ow, kh, kw, c)`` of every window (no copy)."""
        sn, sh, sw, sc = Xp.strides
        n, c = Xp.shape[0], Xp.shape[-1]
        return as_strided(
            Xp,
            shape=(n,) + self.out_hw + self.kernel + (c,),
            strides=(sn, sh * self.strides[0], sw * self.strides[1],
                     sh * self.dilation[0], sw * self.dilation[1], sc),
            writeable=False,
        )

    def mask(self, mask):
        """Downsample a ``(n, steps)`` sequence mask (1-D layers only).

        An output step is valid when the unpadded sequence alone would have it:
        with padding, when its anchor step (``j * stride``) is valid; without,
        when every step its window covers is valid.
        """
        if mask is None:
            return None
        m = np.asarray(mask, dtype=bool)
        if self.padded:
            return m[:, :: self.strides[1]][:, : self.out_hw[1]]
        mp = m[:, None, :, None]
        out = np.ones((m.shape[0],) + self.out_hw + (1,), dtype=bool)
        for _, (si, sj) in self.offsets():
            out &= mp[:, si, sj]
        return out[:, 0, :, 0]


def _to_2d(X, rank):
    """View a 1-D input ``(n, steps, c)`` as ``(n, 1, steps, c)``."""
    return X[:, None] if rank == 1 else X


def _from_2d(Y, rank):
    return Y[:, 0] if rank == 1 else Y


class _ScratchMixin:
    """Geometry per sample shape, and training scratch buffers.

    The geometry of the shape the layer was built for is made once in
    ``build``; another sample shape (e.g. a batch of shorter padded sequences)
    gets its own geometry, made per call and never stored on the layer, so
    inference writes nothing. Scratch buffers live in ``_cache*`` attributes,
    used in training only and dropped from pickles (recreated empty on
    unpickling).
    """

    def _reset_scratch(self):
        self._cache_pad = [None, None]
        self._cache_buffers = {}

    def __setstate__(self, state):
        super().__setstate__(state)
        self._reset_scratch()

    def _buffer(self, key, shape, dtype):
        """A reusable training scratch array (kept across calls, dropped from pickles; contents undefined).

        One flat store per key, grown when a call needs more: a smaller batch (an epoch's last one) gets
        a view of its start, so the next full batch does not allocate again. A new store comes from the
        thread's pool of an earlier fit's released scratch when it holds one (:mod:`sknn.nn._scratch`).
        """
        size = math.prod(shape)
        buf = self._cache_buffers.get(key)
        if buf is None or buf.dtype != dtype or buf.size < size:
            buf = self._cache_buffers[key] = _scratch.take(size, dtype)
        return buf[:size].reshape(shape)

    def _set_geometry(self, sample_shape):
        self._grid_ = self._make_geometry(sample_shape)
        self._geometry_shape = tuple(sample_shape)
        self._reset_scratch()

    def _make_geometry(self, sample_shape):
        return self._grid(sample_shape)

    def _window_grid(self, input_shape, kernel, strides, dilation):
        """The window grid over samples of ``input_shape``; a 1-D layer works on a height-1 image."""
        r = self.rank
        if len(input_shape) != r + 1:
            raise ValueError(
                f"{type(self).__name__} expects inputs of {r + 2} dimensions "
                f"(batch, {'steps' if r == 1 else 'height, width'}, channels); "
                f"got sample shape {tuple(input_shape)}"
            )
        if r == 1:
            kernel, strides, dilation = (1,) + kernel, (1,) + strides, (1,) + dilation
        hw = tuple(input_shape[:-1]) if r == 2 else (1, input_shape[0])
        return _Grid(hw, kernel, strides, dilation, _check_padding(self.padding))

    def _window_output_shape(self, input_shape, channels):
        grid = self._grid(input_shape)
        spatial = grid.out_hw if self.rank == 2 else grid.out_hw[1:]
        return tuple(spatial) + (channels,)

    def _geometry(self, sample_shape):
        """The geometry for samples of ``sample_shape`` (the built one when it matches).

        The weights depend only on the kernel and the channels, which must
        match what the layer was built for.
        """
        sample_shape = tuple(sample_shape)
        if sample_shape == self._geometry_shape:
            return self._grid_
        if len(sample_shape) != len(self.input_shape) or sample_shape[-1] != self.input_shape[-1]:
            raise ValueError(
                f"{type(self).__name__} was built for samples of shape {self.input_shape} "
                f"({self.input_shape[-1]} channels last), got {sample_shape}"
            )
        return self._make_geometry(sample_shape)

    def compute_mask(self, mask, X=None):
        if self.rank != 1:
            return None
        g = self._grid_ if X is None else self._geometry(np.shape(X)[1:])
        return g.mask(mask)


# -- convolution ---------------------------------------------------------------
class _Conv(_ScratchMixin, Layer):
    rank = 2

    def __init__(self, filters, kernel_size, strides=1, padding="valid",
                 dilation_rate=1, use_bias=True, kernel_initializer="glorot_uniform"):
        store_args(self, locals())
        check_int(self, "filters", filters)
        for name, value in (("kernel_size", kernel_size), ("strides", strides), ("dilation_rate", dilation_rate)):
            check_int_tuple(self, name, value, self.rank)
        check_choice(self, "padding", padding, ("valid", "same"))

    def _grid(self, input_shape):
        r = self.rank
        k = _tuple(self.kernel_size, r, "kernel_size")
        s = _tuple(self.strides, r, "strides")
        return self._window_grid(input_shape, k, s, _tuple(self.dilation_rate, r, "dilation_rate"))

    def compute_output_shape(self, input_shape):
        return self._window_output_shape(input_shape, int(self.filters))

    def build(self, input_shape, rng, dtype=np.float64):
        super().build(input_shape, rng, dtype)
        self._set_geometry(self.input_shape)
        in_ch, f = self.input_shape[-1], int(self.filters)
        k = _tuple(self.kernel_size, self.rank, "kernel_size")
        area = math.prod(k)
        init = initializers.get(self.kernel_initializer)
        kernel = np.ascontiguousarray(
            init(k + (in_ch, f), area * in_ch, area * f, rng, self.dtype), dtype=self.dtype)
        names, arrays, pen = ["kernel"], [kernel], [True]
        if self.use_bias:
            names.append("bias")
            arrays.append(np.zeros(f, dtype=self.dtype))
            pen.append(False)
        self._set_params(names, arrays, pen)
        self._reset_scratch()
        return self.output_shape

    def forward(self, X, training=False, mask=None):
        X = np.asarray(X, dtype=self.dtype)
        in_mask = None
        if mask is not None and self.rank == 1:
            # padded steps read as zeros, like the padding of a sequence alone
            in_mask = np.asarray(mask, dtype=X.dtype)[:, :, None]
            X = X * in_mask
        g = self._geometry(X.shape[1:])
        X = _to_2d(X, self.rank)
        n, c = X.shape[0], X.shape[-1]
        Xp = g.pad(X, self._cache_pad if training else None)
        rows = n * g.out_hw[0] * g.out_hw[1]
        depth = g.kernel[0] * g.kernel[1] * c
        kernel = self.params[0].reshape(depth, -1)
        windows = g.windows(Xp)  # (n, oh, ow, kh, kw, c) view

        def scratch(shape):
            return self._buffer("cols", shape, X.dtype) if training else np.empty(shape, X.dtype)

        # im2col, one strided copy into a contiguous matrix. With a single input
        # channel, the (depth, rows) layout copies whole image rows at a time
        # (about 7x faster); with several channels, (rows, depth) keeps the
        # channel runs contiguous. BLAS takes either orientation without a copy.
        depth_major = c == 1
        if depth_major:
            cols = scratch((depth, rows))
            np.copyto(cols.reshape(g.kernel + (n,) + g.out_hw),
                      windows[..., 0].transpose(3, 4, 0, 1, 2))
            A = cols.T
        else:
            cols = scratch((rows, depth))
            np.copyto(cols.reshape((n,) + g.out_hw + g.kernel + (c,)), windows)
            A = cols
        bias = self.params[1] if self.use_bias else None
        Y = inference_product(kernel, bias, training)(A)
        if training:
            self._cache_grid, self._cache_n, self._cache_cols = g, n, cols
            self._cache_depth_major, self._cache_in_mask = depth_major, in_mask
        return _from_2d(Y.reshape((n,) + g.out_hw + (-1,)), self.rank)

    def backward(self, dY):
        g = self._cache_grid
        n, f = self._cache_n, int(self.filters)
        cols = self._cache_cols
        dY2 = np.ascontiguousarray(dY, dtype=self.dtype).reshape(-1, f)
        rows = dY2.shape[0]
        dkernel = self.grads[0].reshape(-1, f)
        np.matmul(cols if self._cache_depth_major else cols.T, dY2, out=dkernel)
        if self.use_bias:
            # a BLAS matrix-vector product sums columns ~4x faster than sum(axis=0)
            ones = self._cache_buffers.get("ones")
            if ones is None or ones.size < rows or ones.dtype != dY2.dtype:
                ones = self._cache_buffers["ones"] = np.ones(rows, dtype=dY2.dtype)
            np.matmul(ones[:rows], dY2, out=self.grads[1])
        if not self.input_grad:
            return None
        kk = g.kernel[0] * g.kernel[1]
        c = self.input_shape[-1]
        # Offset-major gradient columns, (kh*kw, rows, c): each offset's block
        # is contiguous, which makes the col2im slice-adds ~2x faster than
        # reading a strided (rows, kh*kw, c) matrix.
        # a contiguous copy of the (small) transposed kernel: ~25 % quicker products than on the view
        kernel_t = np.ascontiguousarray(self.params[0].reshape(kk, c, f).transpose(0, 2, 1))
        dcols = self._buffer("dcols", (kk, rows, c), dY2.dtype)
        np.matmul(dY2, kernel_t, out=dcols)
        dcols = dcols.reshape((kk, n) + g.out_hw + (c,))
        # col2im straight into the unpadded input: the parts of each offset's
        # block that land on padding are never added (they were cut off)
        dX = np.zeros((n,) + g.in_hw + (c,), dtype=self.dtype)
        for k, src, dst in g.inner_offsets():
            dX[:, dst[0], dst[1]] += dcols[k][:, src[0], src[1]]
        dX = _from_2d(dX, self.rank)
        if self._cache_in_mask is not None:
            dX *= self._cache_in_mask
        return dX


_CONV_DOC = """{rank}-D convolution over channels-last inputs.

    Computed as im2col plus one matrix product per batch.

    Parameters
    ----------
    filters : int
        Number of output channels.
    kernel_size : int{pair}
        Size of the convolution window.
    strides : int{pair}, default=1
        Step between windows.
    padding : {{"valid", "same"}}, default="valid"
        ``"valid"``: no padding. ``"same"``: zero padding so that the output
        has ``ceil(input / stride)`` positions (TensorFlow/Keras convention;
        an odd extra padding goes after).
    dilation_rate : int{pair}, default=1
        Spacing between kernel taps.
    use_bias : bool, default=True
        Add a learned bias per filter.
    kernel_initializer : str or callable, default="glorot_uniform"
        Name in :mod:`sknn.nn.initializers` or a callable
        ``init(shape, fan_in, fan_out, rng, dtype)``.

    {shape}

    Attributes
    ----------
    params : list of ndarray
        ``[kernel, bias]`` (or ``[kernel]``); kernel of shape
        ``{kernel_shape}``, bias of shape ``(filters,)``. Only the kernel is
        penalized. ``fan_in = {fan_in}``, ``fan_out = {fan_out}``.
    grads : list of ndarray
        Gradients, parallel to ``params``, written in place by ``backward``.
    output_shape : tuple of int
        Shape of one output sample.

    Examples
    --------
    >>> import numpy as np
    >>> from sknn.nn import {name}
    >>> layer = {name}(8, 3, padding="same")
    >>> layer.build({example_in}, np.random.default_rng(0))
    {example_out}
    >>> layer.forward(np.zeros((2,) + {example_in})).shape
    {example_fwd}
    """



def _shape_section(in_shape, out_shape):
    """The Shape section of a convolution or pooling layer's docstring."""
    return f"""Shape
    -----
    - Input: ``{in_shape}``.
    - Output: ``{out_shape}``."""


def _conv_doc(name, rank):
    """The docstring of ``name``, the convolution layer of rank ``rank`` (1 or 2)."""
    one = rank == 1
    doc = _CONV_DOC.format(
        rank=rank, pair="" if one else " or pair of int", name=name,
        shape=_shape_section("(n_samples, steps, in_channels)" if one else "(n_samples, height, width, in_channels)",
                             "(n_samples, new_steps, filters)" if one else "(n_samples, new_height, new_width, filters)"),
        kernel_shape="(kernel_size, in_channels, filters)" if one else "(kh, kw, in_channels, filters)",
        fan_in="kernel_size * in_channels" if one else "kh * kw * in_channels",
        fan_out="kernel_size * filters" if one else "kh * kw * filters",
        example_in="(10, 4)" if one else "(6, 6, 3)",
        example_out="(10, 8)" if one else "(6, 6, 8)",
        example_fwd="(2, 10, 8)" if one else "(2, 6, 6, 8)",
    )
    if one:
        doc += """
    Notes
    -----
    A sequence mask is carried through: an output step is valid when its
    window covers at least one valid input step.
    """
    return doc


class Conv1D(_Conv):
    __doc__ = _conv_doc("Conv1D", 1)
    rank = 1


class Conv2D(_Conv):
    __doc__ = _conv_doc("Conv2D", 2)
    rank = 2
