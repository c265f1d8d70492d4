"""ONNX export of the recurrent presets' defaults: the convolutional stem and the standardised targets."""

import numpy as np
from onnx_check import check_classifier, check_regressor

import sknn
from sknn import nn


def _series(n=60, steps=40, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, steps, 1)).astype(np.float32)
    return X, X[:, :, 0].cumsum(axis=1)[:, -1]


def test_stem_classifier_exports():
    X, s = _series()
    clf = sknn.RNNClassifier(units=8, max_iter=5, random_state=0).fit(X, (s > 0).astype(int))
    assert isinstance(clf.network_.layers[0], nn.Conv1D)
    check_classifier(clf, X)


def test_standardised_regressor_exports():
    X, s = _series()
    reg = sknn.RNNRegressor(units=8, max_iter=5, random_state=0).fit(X, 50.0 + 10.0 * s)
    assert isinstance(reg.network_.layers[0], nn.Conv1D) and reg._y_scale[0] > 10
    check_regressor(reg, X)


def test_standardised_sequence_to_sequence_regressor_exports():
    X, _ = _series(steps=6)
    y = np.concatenate([100 + 5 * X, -3 * X], axis=2)  # two outputs per step, on other scales
    reg = sknn.RNNRegressor(units=8, max_iter=5, random_state=0).fit(X, y)
    assert reg._y_mean.shape == (2,) and reg.predict(X).shape == y.shape
    check_regressor(reg, X)
