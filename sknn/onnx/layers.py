"""ONNX converters of the feed-forward layers of :mod:`sknn.nn`.

Every converter reads the fitted layer's configuration and its ``params`` list
(in the layer's own order) and emits nodes computing the layer's inference
forward pass on channels-last tensors, as sknn lays them out:
``(n, features)``, ``(n, steps, channels)`` or ``(n, height, width, channels)``.
Convolutions and pooling transpose to ONNX's channels-first layout and back.
"""

import math

import numpy as np
from onnx import TensorProto

from .. import nn
from ._graph import ExportError

__all__ = ["convert_layers", "LAYER_CONVERTERS"]

_SQRT_2 = math.sqrt(2.0)


def _params(layer):
    return [np.asarray(p) for p in layer.params]


def _identity(g, layer, x):
    return x


def _dense(g, layer, x):
    p = _params(layer)
    return g.matmul_add(x, p[0], p[1] if layer.use_bias else None)


def _tied_dense(g, layer, x):
    kernel = np.asarray(layer.source.params[0]).T
    return g.matmul_add(x, kernel, np.asarray(layer.params[0]) if layer.use_bias else None)


def _activation(g, layer, x):
    name = layer.name
    if name == "identity":
        return x
    if name in ("logistic", "sigmoid"):
        return g.op("Sigmoid", x)
    if name == "tanh":
        return g.op("Tanh", x)
    if name == "relu":
        return g.op("Relu", x)
    if name == "softmax":
        return g.op("Softmax", x, axis=-1)
    if name == "leaky_relu":
        return g.op("LeakyRelu", x, alpha=float(0.01 if layer.alpha is None else layer.alpha))
    if name == "elu":
        return g.op("Elu", x, alpha=float(1.0 if layer.alpha is None else layer.alpha))
    if name == "gelu":
        # exact GELU, as sknn computes it: x * (1 + erf(x / sqrt 2)) / 2
        cdf = g.op("Add", g.op("Erf", g.op("Div", x, g.const(_SQRT_2))), g.const(1.0))
        return g.op("Mul", g.op("Mul", x, cdf), g.const(0.5))
    raise ExportError(f"Activation({name!r}) cannot be exported to ONNX.")


def _batch_norm(g, layer, x):
    # the inference affine map, in sknn's order: (x - mean) * inv_std * gamma + beta
    gamma, beta = _params(layer)
    inv_std = 1.0 / np.sqrt(np.asarray(layer.running_var) + layer.epsilon)
    y = g.op("Sub", x, g.const(layer.running_mean, seed="mean"))
    y = g.op("Mul", y, g.const(inv_std, seed="inv_std"))
    y = g.op("Mul", y, g.const(gamma, seed="gamma"))
    return g.op("Add", y, g.const(beta, seed="beta"))


def _flatten(g, layer, x):
    g.masked = False
    return g.op("Flatten", x, axis=1)


def _reshape(g, layer, x):
    _refuse_mask(g, layer)
    return g.reshape(x, [-1] + [int(d) for d in layer.output_shape])


def _embedding(g, layer, x):
    if layer.mask_zero:
        raise ExportError(
            "Embedding(mask_zero=True) cannot be exported to ONNX: its mask marks zeros anywhere in a "
            "sequence, which ONNX's recurrent operators (right-padding lengths only) cannot express."
        )
    idx = g.cast(x, TensorProto.INT64)
    return g.op("Gather", g.const(_params(layer)[0], seed="embeddings"), idx, axis=0)


def _refuse_mask(g, layer):
    if g.masked:
        raise ExportError(
            f"{type(layer).__name__} cannot be exported for variable-length (masked) sequences "
            "(only Conv1D with padding='same' and strides=1 can); export a model fitted on "
            "fixed-length input or give X_sample as one 3-D array."
        )


def _channels_first(g, x, rank):
    """(n, *spatial, c) -> (n, c, *spatial)."""
    return g.transpose(x, [0, rank + 1] + list(range(1, rank + 1)))


def _channels_last(g, y, rank):
    return g.transpose(y, [0] + list(range(2, rank + 2)) + [1])


def _window_attrs(layer, kernel, strides, dilations=1):
    """Kernel, strides and explicit pads; "same" is TensorFlow's (the odd extra pad goes after).

    The pads come from the fitted input size (``layer.input_shape``): ONNX's
    SAME_UPPER would do the same, but onnxruntime refuses it with dilation.
    """
    rank = layer.rank
    kernel, strides, dilations = _tuple(kernel, rank), _tuple(strides, rank), _tuple(dilations, rank)
    before, after = [], []
    for size, k, s, d in zip(layer.input_shape[:-1], kernel, strides, dilations):
        total = 0
        if layer.padding == "same":
            out = -(-int(size) // s)
            total = max((out - 1) * s + d * (k - 1) + 1 - int(size), 0)
        before.append(total // 2)
        after.append(total - total // 2)
    return dict(kernel_shape=list(kernel), strides=list(strides), pads=before + after)


def _tuple(value, rank):
    return (int(value),) * rank if np.ndim(value) == 0 else tuple(int(v) for v in value)


def _conv(g, layer, x):
    rank = layer.rank
    if g.masked and rank == 1 and layer.padding == "same" and _tuple(layer.strides, 1) == (1,):
        # sknn zeroes the padded steps first; the output keeps the input's steps and mask
        x = g.op("Mul", x, g.cast(g.step_mask(x), TensorProto.FLOAT))
    else:
        _refuse_mask(g, layer)
    p = _params(layer)
    # sknn: (*kernel, in_channels, filters); ONNX: (filters, in_channels, *kernel)
    weight = np.transpose(p[0], [rank + 1, rank] + list(range(rank)))
    inputs = [_channels_first(g, x, rank), g.const(weight, seed="conv_w")]
    if layer.use_bias:
        inputs.append(g.const(p[1], seed="conv_b"))
    attrs = _window_attrs(layer, layer.kernel_size, layer.strides, layer.dilation_rate)
    attrs["dilations"] = list(_tuple(layer.dilation_rate, rank))
    return _channels_last(g, g.op("Conv", *inputs, **attrs), rank)


def _pool(g, layer, x):
    _refuse_mask(g, layer)
    rank = layer.rank
    strides = layer.pool_size if layer.strides is None else layer.strides
    attrs = _window_attrs(layer, layer.pool_size, strides)
    if layer.kind == "avg":
        # Keras's convention, as sknn: padded positions do not count in the average
        op = g.op("AveragePool", _channels_first(g, x, rank), count_include_pad=0, **attrs)
    else:
        op = g.op("MaxPool", _channels_first(g, x, rank), **attrs)
    return _channels_last(g, op, rank)


def _global_pool(g, layer, x):
    avg = isinstance(layer, nn.GlobalAvgPool)
    rank = len(layer.input_shape) - 1
    if g.masked and rank == 1:
        g.masked = False
        return _masked_global_pool(g, x, avg)
    y = g.op("GlobalAveragePool" if avg else "GlobalMaxPool", _channels_first(g, x, rank))
    return g.op("Flatten", y, axis=1)


def _masked_global_pool(g, x, avg):
    """Pool (n, steps, c) over the real steps of each sequence (lengths >= 1)."""
    mask = g.step_mask(x)  # (n, steps, 1) bool
    if avg:
        m = g.cast(mask, TensorProto.FLOAT)
        total = g.reduce("ReduceSum", g.op("Mul", x, m), [1])
        count = g.reduce("ReduceSum", m, [1])
        return g.op("Div", total, count)
    filled = g.op("Where", mask, x, g.const(-np.inf))
    # an empty sequence (a document without tokens) pools to zeros, as in sknn
    some = g.unsqueeze(g.op("Greater", g.lengths, g.ints(0)), [1])
    return g.op("Where", some, g.reduce("ReduceMax", filled, [1]), g.const(0.0))


LAYER_CONVERTERS = {
    nn.Dense: _dense,
    nn.TiedDense: _tied_dense,
    nn.Activation: _activation,
    nn.BatchNorm: _batch_norm,
    nn.Dropout: _identity,
    nn.GaussianNoise: _identity,
    nn.MaskingNoise: _identity,
    nn.ActivityL1: _identity,
    nn.Flatten: _flatten,
    nn.Reshape: _reshape,
    nn.Embedding: _embedding,
    nn.Conv1D: _conv,
    nn.Conv2D: _conv,
    nn.MaxPool1D: _pool,
    nn.MaxPool2D: _pool,
    nn.AvgPool1D: _pool,
    nn.AvgPool2D: _pool,
    nn.GlobalAvgPool: _global_pool,
    nn.GlobalMaxPool: _global_pool,
}


def convert_layers(g, layers, x):
    """Emit the inference forward pass of ``layers`` applied to tensor ``x``; returns the output name.

    A Sequential nested in the stack is converted layer by layer. A layer whose
    exact type has no converter raises :class:`ExportError` naming it (a subclass
    may compute something else, so it is never converted as its base class).
    """
    for layer in layers:
        if type(layer) is nn.Sequential:
            x = convert_layers(g, layer.layers, x)
            continue
        convert = LAYER_CONVERTERS.get(type(layer))
        if convert is None:
            from .recurrent import RECURRENT_CONVERTERS  # noqa: PLC0415 (the two modules refer to each other)

            convert = RECURRENT_CONVERTERS.get(type(layer))
        if convert is None:
            raise ExportError(
                f"The layer {type(layer).__name__} has no ONNX converter in sknn.onnx; "
                "the model cannot be exported."
            )
        x = convert(g, layer, x)
    return x
