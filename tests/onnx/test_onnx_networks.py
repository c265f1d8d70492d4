"""ONNX export of NeuralNetClassifier / NeuralNetRegressor (any layer stack) and the ConvNets."""

import numpy as np
import pytest
from onnx_check import check_classifier, check_regressor, sknn_onnx
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

import sknn
from sknn import nn


def _images(n=160, shape=(8, 8, 1), n_classes=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n,) + shape).astype(np.float32)
    y = (X.reshape(n, -1)[:, :4].sum(axis=1) > 0).astype(int) + (X.reshape(n, -1)[:, 4] > 1)
    return X, y % n_classes


def test_dense_stack_with_tied_noise_activity_and_reshape():
    X, y = _images(shape=(12,))
    enc = nn.Dense(6)
    layers = [
        nn.GaussianNoise(0.1), enc, nn.Activation("elu", alpha=0.5), nn.ActivityL1(1e-3), nn.MaskingNoise(0.1),
        nn.TiedDense(enc), nn.BatchNorm(), nn.Activation("leaky_relu", alpha=0.2), nn.Dropout(0.2),
        nn.Reshape((3, 4)), nn.Dense(5), nn.Activation("gelu"),
    ]
    clf = sknn.NeuralNetClassifier(layers, max_iter=20, random_state=0).fit(X[:120], y[:120])
    check_classifier(clf, X[120:])


@pytest.mark.parametrize("padding", ["valid", "same"])
def test_conv2d_strides_dilation_and_pools(padding):
    X, y = _images(shape=(13, 11, 2))
    layers = [
        nn.Conv2D(4, (3, 2), strides=(2, 1), padding=padding), nn.Activation("relu"),
        nn.MaxPool2D(2, padding="same"), nn.Conv2D(3, 2, dilation_rate=(1, 2), padding=padding),
        nn.AvgPool2D((2, 1), strides=1, padding="same"), nn.GlobalMaxPool(),
    ]
    clf = sknn.NeuralNetClassifier(layers, max_iter=10, random_state=0).fit(X[:120], y[:120])
    check_classifier(clf, X[120:])
    check_classifier(clf, X[120:].reshape(40, -1), sample=X[:2].reshape(2, -1))  # flat rows, input_shape_


def test_conv1d_pools_global_average_regressor_multi_output():
    X, _ = _images(shape=(11, 3))
    y = np.column_stack([X[:, :, 0].mean(axis=1), X[:, 2, :].sum(axis=1)])
    layers = [
        nn.Conv1D(4, 3, strides=2, padding="same"), nn.Activation("tanh"), nn.AvgPool1D(2, padding="same"),
        nn.Conv1D(3, 2), nn.MaxPool1D(2, strides=1), nn.GlobalAvgPool(),
    ]
    reg = sknn.NeuralNetRegressor(layers, max_iter=10, random_state=0).fit(X[:120], y[:120])
    check_regressor(reg, X[120:])


def test_convnet_classifier_with_batch_norm_in_a_pipeline():
    X, y = _images(shape=(8, 8, 1))
    flat = X.reshape(len(X), -1) * 4 + 1
    net = sknn.ConvNetClassifier(input_shape=(8, 8, 1), filters=(4, 3), hidden_layer_sizes=(8,), batch_norm=True,
                                 dropout=0.1, max_iter=8, random_state=0)
    pipe = Pipeline([("scale", StandardScaler()), ("net", net)]).fit(flat[:120], y[:120])
    check_classifier(pipe, flat[120:])


def test_convnet_regressor_valid_padding_1d():
    X, _ = _images(shape=(10, 2))
    y = X[:, :3, 0].sum(axis=1)
    reg = sknn.ConvNetRegressor(filters=(3,), kernel_size=3, padding="valid", pool_size=2, hidden_layer_sizes=(6,),
                                activation="gelu", max_iter=10, random_state=0).fit(X[:120], y[:120])
    check_regressor(reg, X[120:])


def test_embedding_as_gather():
    rng = np.random.default_rng(0)
    X = rng.integers(0, 7, size=(160, 5)).astype(np.float32)
    y = (X[:, 0] > 3).astype(int)
    layers = [nn.Embedding(7, 3), nn.Flatten(), nn.Dense(4), nn.Activation("relu")]
    clf = sknn.NeuralNetClassifier(layers, max_iter=10, random_state=0).fit(X[:120], y[:120])
    check_classifier(clf, X[120:])


class _Scaled(nn.Layer):
    """A user layer sknn.onnx knows nothing about."""

    def forward(self, X, training=False, mask=None):
        return 2 * X

    def backward(self, dY):
        return 2 * dY


class _MyDense(nn.Dense):
    """A subclass may compute something else: never converted as its base class."""


@pytest.mark.parametrize("layer", [_Scaled(), _MyDense(3)])
def test_unknown_layer_is_named(layer):
    X, y = _images(shape=(6,))
    clf = sknn.NeuralNetClassifier([layer], max_iter=2, random_state=0).fit(X, y)
    with pytest.raises(sknn_onnx.ExportError, match=type(layer).__name__):
        sknn_onnx.to_onnx(clf, X[:2])


def test_embedding_mask_zero_is_refused():
    X = np.random.default_rng(0).integers(0, 5, size=(40, 4)).astype(np.float32)
    y = (X[:, 0] > 2).astype(int)
    layers = [nn.Embedding(5, 2, mask_zero=True), nn.GlobalAvgPool()]
    clf = sknn.NeuralNetClassifier(layers, max_iter=2, random_state=0).fit(X, y)
    with pytest.raises(sknn_onnx.ExportError, match="mask_zero"):
        sknn_onnx.to_onnx(clf, X[:2])


@pytest.mark.slow
@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("strides", [1, 2, (3, 1)])
@pytest.mark.parametrize("dilation", [1, (2, 1)])
@pytest.mark.parametrize("pool", [nn.MaxPool2D, nn.AvgPool2D])
def test_conv2d_geometry_grid(padding, strides, dilation, pool):
    X, y = _images(shape=(11, 10, 2))
    layers = [nn.Conv2D(3, (3, 2), strides=strides, dilation_rate=dilation, padding=padding),
              nn.Activation("elu"), pool((2, 3), strides=(1, 2), padding=padding), nn.Flatten()]
    clf = sknn.NeuralNetClassifier(layers, max_iter=3, random_state=0).fit(X[:120], y[:120])
    check_classifier(clf, X[120:])


@pytest.mark.slow
@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("kernel, strides", [(1, 1), (4, 3), (5, 2)])
def test_conv1d_geometry_grid(padding, kernel, strides):
    X, _ = _images(shape=(13, 2))
    y = X[:, :4, 0].sum(axis=1)
    layers = [nn.Conv1D(3, kernel, strides=strides, padding=padding), nn.Activation("tanh"),
              nn.AvgPool1D(2, padding=padding), nn.MaxPool1D(2, strides=1, padding="same"), nn.Flatten()]
    reg = sknn.NeuralNetRegressor(layers, max_iter=3, random_state=0).fit(X[:120], y[:120])
    check_regressor(reg, X[120:])
