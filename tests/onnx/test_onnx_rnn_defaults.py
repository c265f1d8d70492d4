"""ONNX export of the recurrent presets' defaults: the convolutional stem and the standardised targets."""

import numpy as np
import pytest
from onnx_check import check_classifier, check_regressor, sknn_onnx

import sknn
from sknn import nn
from sknn.onnx import ExportError


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


def test_stem_exports_for_fixed_length_input_after_a_ragged_fit():
    rng = np.random.default_rng(1)
    X = [rng.normal(size=(int(k), 1)).astype(np.float32) for k in rng.integers(20, 60, size=40)]
    clf = sknn.RNNClassifier(units=4, max_iter=3, random_state=0).fit(X, [int(x.sum() > 0) for x in X])
    with pytest.raises(ExportError, match="Conv1D cannot be exported for variable-length"):
        sknn_onnx.to_onnx(clf, X[:3], options={"zipmap": False})
    fixed = rng.normal(size=(30, 40, 1)).astype(np.float32)
    check_classifier(clf, fixed)



@pytest.mark.parametrize("pooling", ["max", "mean", "last"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_pooled_heads_export(pooling, bidirectional):
    X, s = _series(steps=40)
    clf = sknn.RNNClassifier(units=6, pooling=pooling, bidirectional=bidirectional, max_iter=3,
                             random_state=0).fit(X, (s > 0).astype(int))
    check_classifier(clf, X)
    reg = sknn.RNNRegressor(units=6, pooling=pooling, bidirectional=bidirectional, max_iter=3,
                            random_state=0).fit(X, s)
    check_regressor(reg, X)


def test_dropout_on_the_pooled_states_exports():
    X, s = _series(steps=40)
    clf = sknn.RNNClassifier(units=6, dropout=0.4, max_iter=3, random_state=0).fit(X, (s > 0).astype(int))
    assert any(isinstance(layer, nn.Dropout) for layer in clf.network_.layers)
    check_classifier(clf, X)


def test_standardised_inputs_export():
    X, s = _series(steps=40)
    moved = (1000.0 + 40.0 * X).astype(np.float32)  # far from standardised: the graph must scale it
    reg = sknn.RNNRegressor(units=6, max_iter=3, random_state=0).fit(moved, s)
    assert reg._x_mean[0] > 900 and reg._x_scale[0] > 30
    check_regressor(reg, moved)  # (variable-length input: tests/onnx/test_onnx_recurrent.py)
