"""Tests for sknn.nn.conv: gradients, shapes, naive references, dtypes, masks."""

import math
import pickle

import numpy as np
import pytest

from sknn.nn import (
    AvgPool1D,
    AvgPool2D,
    Conv1D,
    Conv2D,
    GlobalAvgPool,
    GlobalMaxPool,
    MaxPool1D,
    MaxPool2D,
    Sequential,
)
from sknn.utils.gradcheck import check_layer_gradients

TOL = 1e-6


def _rng(seed=0):
    return np.random.default_rng(seed)


def _assert_grads(errors):
    worst = max(errors.values())
    assert worst < TOL, errors


# -- independent naive references -------------------------------------------------
def _same_pads(size, window, stride):
    out = math.ceil(size / stride)
    total = max((out - 1) * stride + window - size, 0)
    return total // 2, total - total // 2


def naive_conv2d(X, K, b, strides, padding, dilation):
    """Direct loops over samples, output pixels and filters."""
    n, h, w, c = X.shape
    kh, kw, _, f = K.shape
    (sh, sw), (dh, dw) = strides, dilation
    span_h, span_w = dh * (kh - 1) + 1, dw * (kw - 1) + 1
    if padding == "same":
        ph, pw = _same_pads(h, span_h, sh), _same_pads(w, span_w, sw)
    else:
        ph = pw = (0, 0)
    Xp = np.pad(X, ((0, 0), ph, pw, (0, 0)))
    oh = (Xp.shape[1] - span_h) // sh + 1
    ow = (Xp.shape[2] - span_w) // sw + 1
    Y = np.zeros((n, oh, ow, f))
    for s in range(n):
        for y in range(oh):
            for x in range(ow):
                for o in range(f):
                    acc = 0.0
                    for i in range(kh):
                        for j in range(kw):
                            for ch in range(c):
                                acc += Xp[s, y * sh + i * dh, x * sw + j * dw, ch] * K[i, j, ch, o]
                    Y[s, y, x, o] = acc + (b[o] if b is not None else 0.0)
    return Y


def naive_pool2d(X, pool, strides, padding, kind):
    n, h, w, c = X.shape
    (kh, kw), (sh, sw) = pool, strides
    if padding == "same":
        ph, pw = _same_pads(h, kh, sh), _same_pads(w, kw, sw)
        oh, ow = math.ceil(h / sh), math.ceil(w / sw)
    else:
        ph = pw = (0, 0)
        oh, ow = (h - kh) // sh + 1, (w - kw) // sw + 1
    Y = np.zeros((n, oh, ow, c))
    for y in range(oh):
        for x in range(ow):
            # window in unpadded coordinates, clipped to the input
            y0, x0 = y * sh - ph[0], x * sw - pw[0]
            win = X[:, max(y0, 0):min(y0 + kh, h), max(x0, 0):min(x0 + kw, w)]
            red = win.max(axis=(1, 2)) if kind == "max" else win.mean(axis=(1, 2))
            Y[:, y, x] = red
    return Y


# -- gradient checks ----------------------------------------------------------------
CONV2D_CASES = [
    dict(kernel_size=3),
    dict(kernel_size=(2, 3), strides=2),
    dict(kernel_size=3, strides=(2, 1), padding="same"),
    dict(kernel_size=3, padding="same", dilation_rate=2),
    dict(kernel_size=(3, 2), dilation_rate=(1, 2), use_bias=False),
    dict(kernel_size=2, strides=3, padding="same", use_bias=False),
]


@pytest.mark.parametrize("in_ch", [1, 3])
@pytest.mark.parametrize("kwargs", CONV2D_CASES, ids=str)
def test_conv2d_gradients(kwargs, in_ch):
    X = _rng(1).standard_normal((2, 7, 6, in_ch))
    _assert_grads(check_layer_gradients(Conv2D(3, **kwargs), X))


CONV1D_CASES = [
    dict(kernel_size=3),
    dict(kernel_size=3, strides=2, padding="same"),
    dict(kernel_size=2, dilation_rate=3, padding="same", use_bias=False),
    dict(kernel_size=4, strides=3),
]


@pytest.mark.parametrize("in_ch", [1, 2])
@pytest.mark.parametrize("kwargs", CONV1D_CASES, ids=str)
def test_conv1d_gradients(kwargs, in_ch):
    X = _rng(2).standard_normal((2, 9, in_ch))
    _assert_grads(check_layer_gradients(Conv1D(3, **kwargs), X))


POOL2D_CASES = [
    dict(pool_size=2),  # tiled (reshape path for averages)
    dict(pool_size=2, strides=1),  # overlapping windows
    dict(pool_size=3, strides=2, padding="same"),
    dict(pool_size=(2, 3), strides=(3, 2)),  # stride > pool in one axis
    dict(pool_size=2, padding="same"),  # odd input, one padded row/col
]


@pytest.mark.parametrize("cls", [MaxPool2D, AvgPool2D])
@pytest.mark.parametrize("kwargs", POOL2D_CASES, ids=str)
def test_pool2d_gradients(cls, kwargs):
    X = _rng(3).standard_normal((2, 7, 5, 2))
    _assert_grads(check_layer_gradients(cls(**kwargs), X))


@pytest.mark.parametrize("cls", [MaxPool2D, AvgPool2D])
@pytest.mark.parametrize("pool_size", [2, (2, 3)])
def test_pool2d_gradients_exact_tiling(cls, pool_size):
    # windows cover the input exactly: the gradient buffer is not pre-zeroed
    X = _rng(3).standard_normal((2, 8, 6, 2))
    _assert_grads(check_layer_gradients(cls(pool_size), X))


@pytest.mark.parametrize("cls", [MaxPool1D, AvgPool1D])
@pytest.mark.parametrize(
    "kwargs", [dict(), dict(pool_size=3, strides=1), dict(pool_size=3, strides=2, padding="same")], ids=str
)
def test_pool1d_gradients(cls, kwargs):
    X = _rng(4).standard_normal((2, 9, 3))
    _assert_grads(check_layer_gradients(cls(**kwargs), X))


@pytest.mark.parametrize("cls", [GlobalAvgPool, GlobalMaxPool])
@pytest.mark.parametrize("shape", [(3, 6, 2), (2, 4, 3, 2)])
def test_global_pool_gradients(cls, shape):
    X = _rng(5).standard_normal(shape)
    _assert_grads(check_layer_gradients(cls(), X))


@pytest.mark.parametrize("cls", [GlobalAvgPool, GlobalMaxPool])
def test_global_pool_gradients_masked(cls):
    X = _rng(6).standard_normal((4, 6, 3))
    mask = np.array([[1] * 6, [1, 1, 1, 0, 0, 0], [0, 1, 1, 1, 1, 0], [0] * 6], dtype=bool)
    _assert_grads(check_layer_gradients(cls(), X, mask=mask))


def test_sequential_stack_gradients():
    net = Sequential([Conv2D(3, 3, padding="same"), MaxPool2D(2), Conv2D(2, 2), GlobalAvgPool()])
    X = _rng(7).standard_normal((2, 6, 6, 2))
    _assert_grads(check_layer_gradients(net, X))


# -- shapes -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "layer, in_shape, out_shape",
    [
        (Conv2D(4, 3), (28, 28, 1), (26, 26, 4)),
        (Conv2D(4, 3, padding="same"), (7, 6, 2), (7, 6, 4)),
        (Conv2D(4, 3, strides=2, padding="same"), (7, 6, 2), (4, 3, 4)),
        (Conv2D(4, 3, strides=2), (7, 6, 2), (3, 2, 4)),
        (Conv2D(4, 3, dilation_rate=2), (7, 6, 2), (3, 2, 4)),
        (Conv1D(5, 3, strides=2, padding="same"), (9, 2), (5, 5)),
        (MaxPool2D(2), (7, 6, 3), (3, 3, 3)),
        (MaxPool2D(2, padding="same"), (7, 6, 3), (4, 3, 3)),
        (AvgPool2D(3, strides=1), (7, 6, 3), (5, 4, 3)),
        (AvgPool1D(2), (9, 3), (4, 3)),
        (MaxPool1D(2, padding="same"), (9, 3), (5, 3)),
        (GlobalAvgPool(), (4, 5, 3), (3,)),
        (GlobalMaxPool(), (9, 3), (3,)),
    ],
    ids=repr,
)
def test_output_shapes(layer, in_shape, out_shape):
    assert layer.build(in_shape, _rng(), np.float64) == out_shape
    Y = layer.forward(np.zeros((2,) + in_shape))
    assert Y.shape == (2,) + out_shape


def test_conv_params_and_init():
    layer = Conv2D(8, (3, 2), kernel_initializer="he_uniform")
    layer.build((6, 6, 3), _rng(), np.float64)
    assert layer.param_names == ["kernel", "bias"]
    assert layer.penalized == [True, False]
    kernel, bias = layer.params
    assert kernel.shape == (3, 2, 3, 8) and bias.shape == (8,)
    assert np.all(bias == 0) and np.abs(kernel).max() <= np.sqrt(6 / (3 * 2 * 3))
    no_bias = Conv1D(4, 3, use_bias=False)
    no_bias.build((10, 2), _rng(), np.float64)
    assert no_bias.param_names == ["kernel"] and no_bias.params[0].shape == (3, 2, 4)
    # Glorot bound uses fan_in = k*in_ch, fan_out = k*filters
    glorot = Conv2D(16, 3)
    glorot.build((5, 5, 4), _rng(), np.float64)
    assert np.abs(glorot.params[0]).max() <= np.sqrt(6 / (9 * 4 + 9 * 16))


def test_config_and_errors():
    layer = Conv2D(4, 3, strides=2, padding="same")
    assert layer.get_config() == dict(
        filters=4, kernel_size=3, strides=2, padding="same", dilation_rate=1,
        use_bias=True, kernel_initializer="glorot_uniform",
    )
    assert MaxPool2D(3).get_config() == dict(pool_size=3, strides=None, padding="valid")
    with pytest.raises(ValueError, match="padding"):
        Conv2D(4, 3, padding="full").build((5, 5, 1), _rng())
    with pytest.raises(ValueError, match="dimensions"):
        Conv2D(4, 3).build((5, 5), _rng())
    with pytest.raises(ValueError, match="smaller"):
        Conv1D(4, 5).build((3, 1), _rng())
    built = Conv2D(2, 3)
    built.build((6, 6, 1), _rng())
    with pytest.raises(ValueError, match="built for"):
        built.forward(np.zeros((1, 6, 6, 2)))  # wrong number of channels
    with pytest.raises(ValueError, match="pool_size"):
        MaxPool2D((2, 2, 2)).build((5, 5, 1), _rng())


# -- values against the naive references ----------------------------------------------
@pytest.mark.parametrize("in_ch", [1, 2])
@pytest.mark.parametrize("kwargs", CONV2D_CASES, ids=str)
def test_conv2d_matches_naive(kwargs, in_ch):
    X = _rng(8).standard_normal((2, 7, 6, in_ch))
    layer = Conv2D(3, **kwargs)
    layer.build(X.shape[1:], _rng(), np.float64)
    if layer.use_bias:
        layer.params[1][:] = _rng(9).standard_normal(3)
    pair = lambda v: (v, v) if isinstance(v, int) else tuple(v)  # noqa: E731
    expected = naive_conv2d(
        X, layer.params[0], layer.params[1] if layer.use_bias else None,
        pair(layer.strides), layer.padding, pair(layer.dilation_rate),
    )
    np.testing.assert_allclose(layer.forward(X), expected, rtol=1e-12, atol=1e-12)


def test_conv1d_is_conv2d_with_unit_height():
    X = _rng(10).standard_normal((3, 11, 2))
    c1 = Conv1D(4, 3, strides=2, padding="same", dilation_rate=2)
    c1.build(X.shape[1:], _rng(), np.float64)
    # "same" on the steps axis only: pad it by hand for the reference
    pads = _same_pads(11, 5, 2)
    Xp = np.pad(X, ((0, 0), pads, (0, 0)))
    expected = naive_conv2d(Xp[:, None], c1.params[0][None], c1.params[1], (1, 2), "valid", (1, 2))[:, 0]
    np.testing.assert_allclose(c1.forward(X), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kind, cls", [("max", MaxPool2D), ("avg", AvgPool2D)])
@pytest.mark.parametrize("kwargs", POOL2D_CASES, ids=str)
def test_pool2d_matches_naive(kind, cls, kwargs):
    X = _rng(11).standard_normal((2, 7, 5, 3))
    layer = cls(**kwargs)
    layer.build(X.shape[1:], _rng(), np.float64)
    pair = lambda v: (v, v) if isinstance(v, int) else tuple(v)  # noqa: E731
    pool = pair(layer.pool_size)
    strides = pool if layer.strides is None else pair(layer.strides)
    expected = naive_pool2d(X, pool, strides, layer.padding, kind)
    np.testing.assert_allclose(layer.forward(X), expected, rtol=1e-12, atol=1e-12)


def test_maxpool_ties_route_gradient_once():
    layer = MaxPool2D(2, strides=1)
    X = np.ones((1, 3, 3, 1))
    layer.build(X.shape[1:], _rng())
    layer.forward(X, training=True)
    dX = layer.backward(np.ones((1, 2, 2, 1)))
    # each window sends its whole gradient to one input (the first maximum)
    assert dX.sum() == 4
    np.testing.assert_array_equal(dX[0, :, :, 0], [[1, 1, 0], [1, 1, 0], [0, 0, 0]])


# -- dtypes -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "layer, shape",
    [
        (Conv2D(4, 3, strides=2, padding="same"), (3, 8, 8, 1)),
        (Conv2D(4, 3), (3, 8, 8, 2)),
        (Conv1D(4, 3, padding="same"), (3, 8, 2)),
        (MaxPool2D(2), (3, 8, 8, 2)),
        (MaxPool2D(3, strides=2, padding="same"), (3, 8, 8, 2)),
        (AvgPool2D(2), (3, 8, 8, 2)),
        (AvgPool1D(3, strides=2, padding="same"), (3, 8, 2)),
        (GlobalAvgPool(), (3, 8, 2)),
        (GlobalMaxPool(), (3, 4, 4, 2)),
    ],
    ids=repr,
)
def test_float32_stays_float32(layer, shape):
    X = _rng(12).standard_normal(shape).astype(np.float32)
    layer.build(shape[1:], _rng(), np.float32)
    Y = layer.forward(X, training=True)
    assert Y.dtype == np.float32
    dX = layer.backward(np.ones_like(Y))
    assert dX.dtype == np.float32 and dX.shape == X.shape
    assert all(p.dtype == np.float32 for p in layer.params)
    assert all(g.dtype == np.float32 for g in layer.grads)


@pytest.mark.parametrize("cls", [GlobalAvgPool, GlobalMaxPool])
def test_float32_masked_global_pool(cls):
    X = _rng(16).standard_normal((2, 5, 3)).astype(np.float32)
    mask = np.array([[1, 1, 0, 0, 0], [0] * 5], dtype=bool)
    layer = cls()
    layer.build((5, 3), _rng(), np.float32)
    Y = layer.forward(X, training=True, mask=mask)
    assert Y.dtype == np.float32
    assert layer.backward(np.ones_like(Y)).dtype == np.float32


def test_float32_close_to_float64():
    X = _rng(13).standard_normal((4, 10, 10, 3))
    l64, l32 = Conv2D(5, 3, padding="same"), Conv2D(5, 3, padding="same")
    l64.build(X.shape[1:], _rng(1), np.float64)
    l32.build(X.shape[1:], _rng(1), np.float32)
    np.testing.assert_allclose(l32.forward(X.astype(np.float32)), l64.forward(X), rtol=1e-4, atol=1e-5)


def test_first_layer_skips_input_gradient():
    layer = Conv2D(2, 3)
    layer.input_grad = False
    layer.build((5, 5, 1), _rng())
    Y = layer.forward(_rng().standard_normal((2, 5, 5, 1)), training=True)
    assert layer.backward(np.ones_like(Y)) is None
    assert np.any(layer.grads[0] != 0)


def test_pickle_drops_buffers_and_still_works():
    layer = Conv2D(2, 3, padding="same")
    layer.build((5, 5, 2), _rng())
    X = _rng().standard_normal((2, 5, 5, 2))
    Y = layer.forward(X)
    clone = pickle.loads(pickle.dumps(layer))
    assert not any(k.startswith("_cache") and v for k, v in clone.__getstate__().items())
    np.testing.assert_array_equal(clone.forward(X), Y)


# -- masks ----------------------------------------------------------------------------
@pytest.mark.parametrize("cls", [GlobalAvgPool, GlobalMaxPool])
def test_global_pool_ignores_padded_steps(cls):
    rng = _rng(14)
    lengths = [6, 3, 1]
    X = rng.standard_normal((3, 6, 4))
    mask = np.arange(6)[None, :] < np.array(lengths)[:, None]
    layer = cls()
    layer.build(X.shape[1:], _rng())
    Y = layer.forward(X, training=True, mask=mask)
    X_garbage = X.copy()
    X_garbage[~mask] = 1e6  # would dominate both the mean and the max
    np.testing.assert_array_equal(layer.forward(X_garbage, mask=mask), Y)
    for i, n in enumerate(lengths):
        expected = X[i, :n].mean(axis=0) if cls is GlobalAvgPool else X[i, :n].max(axis=0)
        np.testing.assert_allclose(Y[i], expected, rtol=1e-12)
    dX = layer.backward(np.ones_like(Y))
    assert np.all(dX[~mask] == 0)
    assert layer.compute_mask(mask) is None


@pytest.mark.parametrize("cls", [GlobalAvgPool, GlobalMaxPool])
def test_global_pool_fully_masked_sample_gives_zeros(cls):
    X = _rng(15).standard_normal((2, 4, 3))
    mask = np.array([[True] * 4, [False] * 4])
    layer = cls()
    layer.build(X.shape[1:], _rng())
    Y = layer.forward(X, training=True, mask=mask)
    assert np.all(Y[1] == 0) and np.all(np.isfinite(Y))
    assert np.all(layer.backward(np.ones_like(Y))[1] == 0)


def test_sequence_mask_through_conv1d_and_pool1d():
    mask = np.array([[1, 1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 0, 0, 0, 0, 0]], dtype=bool)
    conv = Conv1D(2, 3, padding="same")
    conv.build((8, 1), _rng())
    conv.forward(np.zeros((2, 8, 1)), mask=mask)
    # an output step is valid when the 3-step sequence alone would have it
    np.testing.assert_array_equal(conv.compute_mask(mask), [[1] * 8, [1, 1, 1, 0, 0, 0, 0, 0]])
    pool = MaxPool1D(2)
    pool.build((8, 2), _rng())
    pool.forward(np.zeros((2, 8, 2)), mask=mask)
    # "valid" pooling of 3 steps gives one window: the second one half-padded is dropped
    np.testing.assert_array_equal(pool.compute_mask(mask), [[1, 1, 1, 1], [1, 0, 0, 0]])
    assert conv.compute_mask(None) is None
    conv2d = Conv2D(2, 3)
    conv2d.build((5, 5, 1), _rng())
    assert conv2d.compute_mask(mask) is None


@pytest.mark.parametrize("layer", [Conv1D(3, 3, padding="same"), Conv1D(2, 2, strides=2), MaxPool1D(2), AvgPool1D(3, padding="same")])
def test_other_sequence_lengths_reuse_the_weights(layer):
    """Shorter or longer sequences (padded batches) run through the same layer,
    giving what a layer built for that length with the same weights gives."""
    rng = np.random.default_rng(0)
    layer.build((9, 2), rng)
    for steps in (5, 12, 9):
        X = rng.standard_normal((3, steps, 2))
        fresh = type(layer)(**layer.get_config())
        fresh.build((steps, 2), np.random.default_rng(1))
        for dst, src in zip(fresh.params, layer.params):
            dst[...] = src
        np.testing.assert_allclose(layer.forward(X), fresh.forward(X))
        dY = rng.standard_normal(fresh.forward(X, training=True).shape)
        layer.forward(X, training=True)
        np.testing.assert_allclose(layer.backward(dY.copy()), fresh.backward(dY.copy()))


def test_masked_conv1d_matches_each_sequence_alone():
    """Padded steps (whatever they hold) do not reach the valid outputs of a masked Conv1D."""
    rng = np.random.default_rng(0)
    conv = Conv1D(3, 3, padding="same")
    conv.build((7, 2), rng)
    X = rng.standard_normal((2, 7, 2))
    mask = np.array([[True] * 7, [True] * 4 + [False] * 3])
    Y = conv.forward(X, mask=mask)
    alone = conv.forward(X[1:, :4])
    np.testing.assert_allclose(Y[1, :4], alone[0])
    assert conv.compute_mask(mask)[1].sum() == 4


def test_masked_conv1d_gradients():
    mask = np.array([[True] * 6, [True] * 3 + [False] * 3])
    X = np.random.default_rng(0).standard_normal((2, 6, 2))
    errors = check_layer_gradients(Conv1D(2, 3, padding="same"), X, mask=mask)
    assert max(errors.values()) < 1e-6


# -- float32 inference: a row's output depends on that row only --------------------------
@pytest.mark.parametrize(
    "layer, shape",
    [
        (Conv2D(5, 3), (6, 6, 1)),
        (Conv2D(4, (3, 2), strides=2, padding="same"), (7, 6, 3)),
        (Conv2D(3, 3, dilation_rate=2, padding="same"), (7, 7, 2)),
        (Conv1D(6, 3, strides=2, padding="same"), (11, 3)),
        (Conv1D(4, 2, dilation_rate=3), (12, 1)),
        (MaxPool2D(2), (6, 6, 3)),
        (MaxPool2D(3, strides=2, padding="same"), (7, 6, 2)),
        (AvgPool2D(2, strides=1, padding="same"), (5, 5, 2)),
        (MaxPool1D(2), (9, 3)),
        (AvgPool1D(3, strides=2, padding="same"), (9, 3)),
        (GlobalAvgPool(), (5, 4, 3)),
        (GlobalMaxPool(), (5, 4, 3)),
        (GlobalAvgPool(), (9, 1)),
    ],
    ids=lambda v: type(v).__name__ if not isinstance(v, tuple) else str(v),
)
def test_rows_are_batch_invariant(rows_invariant, layer, shape):
    layer.build(shape, _rng(), np.float32)
    X = _rng(5).standard_normal((13,) + shape).astype(np.float32) * 3
    rows_invariant(layer, X)


@pytest.mark.parametrize(
    "layer",
    [Conv1D(4, 3, padding="same"), Conv1D(3, 2, strides=2), MaxPool1D(2), AvgPool1D(2, padding="same"),
     GlobalAvgPool(), GlobalMaxPool()],
    ids=lambda layer: type(layer).__name__,
)
def test_masked_rows_are_batch_invariant(rows_invariant, layer):
    layer.build((10, 3), _rng(), np.float32)
    X = _rng(6).standard_normal((12, 10, 3)).astype(np.float32)
    lengths = _rng(7).integers(0, 11, 12)
    mask = np.arange(10) < lengths[:, None]
    rows_invariant(layer, X, mask=mask)
    np.testing.assert_array_equal(layer.compute_mask(mask, X), layer.forward_masked(X, mask=mask)[1])


def test_other_sequence_lengths_leave_the_layer_unchanged(fingerprint):
    layer = Conv1D(3, 3, padding="same")
    layer.build((9, 2), _rng(), np.float32)
    before = fingerprint(layer)
    short = _rng(1).standard_normal((4, 5, 2)).astype(np.float32)
    layer.forward(short)
    layer.compute_mask(np.ones((4, 5), bool), short)
    assert fingerprint(layer) == before


# -- configuration is validated where the layer is made ------------------------------------
@pytest.mark.parametrize(
    "make, where",
    [
        (lambda: Conv2D(0, 3), "Conv2D: filters"),
        (lambda: Conv2D(2.5, 3), "Conv2D: filters"),
        (lambda: Conv1D("8", 3), "Conv1D: filters"),
        (lambda: Conv2D(4, 0), "Conv2D: kernel_size"),
        (lambda: Conv2D(4, (3, 3, 3)), "Conv2D: kernel_size"),
        (lambda: Conv1D(4, (3, 3)), "Conv1D: kernel_size"),
        (lambda: Conv2D(4, 3, strides=(1, -1)), "Conv2D: strides"),
        (lambda: Conv1D(4, 3, dilation_rate=True), "Conv1D: dilation_rate"),
        (lambda: Conv2D(4, 3, padding="full"), "Conv2D: padding"),
        (lambda: MaxPool2D(0), "MaxPool2D: pool_size"),
        (lambda: AvgPool1D(2.0), "AvgPool1D: pool_size"),
        (lambda: MaxPool1D(2, strides=0), "MaxPool1D: strides"),
        (lambda: AvgPool2D(2, padding="causal"), "AvgPool2D: padding"),
    ],
)
def test_bad_configuration_is_refused_where_the_layer_is_made(make, where):
    with pytest.raises(ValueError, match=f"^{where} must be"):
        make()


def test_numpy_ints_are_accepted():
    layer = Conv2D(np.int64(2), (np.int32(3), 2), strides=np.int8(1))
    assert layer.build((5, 5, 1), _rng()) == (3, 4, 2)
    assert MaxPool1D(np.int64(2), strides=(np.int64(2),)).build((6, 1), _rng()) == (3, 1)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_global_avg_pool_of_a_sequence_does_not_depend_on_its_padding(dtype):
    """A masked mean is summed step by step: the same bits alone, padded, or unmasked."""
    rng = np.random.default_rng(0)
    seq = rng.normal(size=(1, 13, 5)).astype(dtype)
    layer = GlobalAvgPool()
    layer.build((13, 5), rng)
    alone = layer.forward(seq)
    for pad in (1, 7, 50):
        padded = np.concatenate([seq, rng.normal(size=(1, pad, 5)).astype(dtype)], axis=1)
        batch = np.concatenate([padded, rng.normal(size=(3, 13 + pad, 5)).astype(dtype)])
        mask = np.ones(batch.shape[:2], dtype=bool)
        mask[0, 13:] = False
        np.testing.assert_array_equal(layer.forward(batch, mask=mask)[:1], alone)
    np.testing.assert_allclose(alone[0], seq[0].mean(axis=0), rtol=1e-6)
