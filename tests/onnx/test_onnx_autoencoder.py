"""ONNX export of AutoencoderTransformer.transform, alone and inside pipelines."""

import numpy as np
import pytest
from onnx_check import TOL, batches, check_classifier, run, session, sknn_onnx
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

import sknn
from sknn import nn


def _data(n=160, d=12, seed=0):
    rng = np.random.default_rng(seed)
    Z = rng.normal(size=(n, 3))
    return (Z @ rng.normal(size=(3, d)) + 0.1 * rng.normal(size=(n, d))).astype(np.float32)


def _check_transform(model, X_test):
    sess = session(sknn_onnx.to_onnx(model, X_test[:2]))
    worst = 0.0
    for X in batches(X_test):
        got, want = run(sess, X)["variable"], model.transform(X)
        assert got.shape == want.shape
        diff = np.abs(got - want).max()
        assert diff <= TOL, diff
        worst = max(worst, float(diff))
    return worst


@pytest.mark.parametrize(
    "params",
    [
        dict(hidden_layer_sizes=(8, 3), activation=["elu", "identity"], batch_norm=True, dropout=0.1),
        dict(hidden_layer_sizes=(6, 2), activation="tanh", tied_weights=True, noise="gaussian"),
    ],
)
def test_transform_dense_variants(params):
    X = _data()
    ae = sknn.AutoencoderTransformer(max_iter=10, random_state=0, **params).fit(X[:120])
    _check_transform(ae, X[120:])


def test_custom_conv_encoder():
    X = _data(d=16)
    layers = [nn.Reshape((4, 4, 1)), nn.Conv2D(2, 2, padding="same"), nn.Activation("relu"), nn.Flatten(), nn.Dense(3)]
    ae = sknn.AutoencoderTransformer(layers=layers, max_iter=5, random_state=0).fit(X[:120])
    _check_transform(ae, X[120:])


def test_scaler_autoencoder_and_sknn_classifier_in_one_pipeline():
    X = _data()
    y = (X[:, 0] > 0).astype(int)
    pipe = Pipeline([
        ("scale", StandardScaler()),
        ("code", sknn.AutoencoderTransformer((6, 3), max_iter=10, random_state=0)),
        ("net", sknn.MLPClassifier((4,), max_iter=20, random_state=0)),
    ]).fit(X[:120], y[:120])
    check_classifier(pipe, X[120:])


def test_autoencoder_then_sklearn_model():
    X = _data()
    y = (X[:, 1] > 0).astype(int)
    pipe = Pipeline([("code", sknn.AutoencoderTransformer((6, 3), max_iter=10, random_state=0)),
                     ("lr", LogisticRegression())]).fit(X[:120], y[:120])
    check_classifier(pipe, X[120:])
