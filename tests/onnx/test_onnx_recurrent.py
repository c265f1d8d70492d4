"""ONNX export of RNNClassifier / RNNRegressor and recurrent NeuralNets, variable-length sequences included."""

import numpy as np
import pytest
from onnx_check import TOL, check_classifier, check_regressor, run, session, sknn_onnx

import sknn
from sknn import nn


def _sequences(n=120, n_features=2, lengths=(3, 9), seed=0):
    rng = np.random.default_rng(seed)
    X = [rng.normal(size=(rng.integers(*lengths), n_features)).astype(np.float32) for _ in range(n)]
    y = np.array([int(x[:, 0].sum() > 0) + int(x[-1, -1] > 1) for x in X])
    return X, y


def _padded(X):
    """Right-padded (n, max_steps, features) float32 array and int64 lengths, as the ONNX inputs."""
    lengths = np.array([len(x) for x in X], dtype=np.int64)
    out = np.zeros((len(X), lengths.max(), X[0].shape[1]), dtype=np.float32)
    for i, x in enumerate(X):
        out[i, : len(x)] = x
    return out, lengths


def _check_variable_length(model, X_test, classifier=True):
    """Labels identical and values within TOL on padded sequences of mixed lengths, batches of 1 and 1000."""
    onx = sknn_onnx.to_onnx(model, X_test[:3], options={"zipmap": False} if classifier else None)
    assert [i.name for i in onx.graph.input] == ["X", "lengths"]
    sess = session(onx)
    worst = 0.0
    for size in (1, 1000):
        X = [X_test[i % len(X_test)] for i in range(size)]
        padded, lengths = _padded(X)
        out = run(sess, padded, lengths=lengths)
        if classifier:
            np.testing.assert_array_equal(out["label"], model.predict(X))
            got, want = out["probabilities"], model.predict_proba(X)
        else:
            got, want = out["variable"], np.asarray(model.predict(X))
            got = got.reshape(want.shape)
        diff = np.abs(got - want).max()
        assert diff <= TOL, diff
        worst = max(worst, float(diff))
    return worst


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_stacked_bidirectional_cells_variable_length(cell):
    X, y = _sequences()
    clf = sknn.RNNClassifier(cell=cell, units=5, n_layers=2, bidirectional=True, hidden_layer_sizes=(4,),
                             max_iter=5, random_state=0).fit(X[:80], y[:80])
    _check_variable_length(clf, X[80:])


@pytest.mark.parametrize("pooling", ["max", "mean", "last"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_pooled_heads_variable_length(pooling, bidirectional):
    X, y = _sequences(lengths=(1, 12))
    clf = sknn.RNNClassifier(units=5, n_layers=2, bidirectional=bidirectional, pooling=pooling, max_iter=5,
                             random_state=0).fit(X[:80], y[:80])
    _check_variable_length(clf, X[80:])
    reg = sknn.RNNRegressor(units=5, bidirectional=bidirectional, pooling=pooling, max_iter=5,
                            random_state=0).fit(X[:80], np.array([x.max() for x in X[:80]]))
    _check_variable_length(reg, X[80:], classifier=False)


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_fixed_length_3d_and_flat_rows(cell):
    X, y = _sequences(lengths=(6, 7))
    X3 = np.stack(X)
    clf = sknn.RNNClassifier(cell=cell, units=4, max_iter=5, random_state=0).fit(X3[:80], y[:80])
    check_classifier(clf, X3[80:])
    flat = sknn.RNNRegressor(cell=cell, units=4, max_iter=5, random_state=0).fit(X3[:80, :, 0], X3[:80, 0, 1])
    check_regressor(flat, X3[80:, :, 0])  # 2-D rows: one scalar per step (input_shape_)


def test_regressor_multi_output_variable_length():
    X, _ = _sequences(n_features=3)
    y = np.array([[x[:, 0].mean(), x[-1, 1]] for x in X])
    reg = sknn.RNNRegressor(cell="gru", units=6, max_iter=5, random_state=0).fit(X[:80], y[:80])
    _check_variable_length(reg, X[80:], classifier=False)


def test_standardised_inputs_variable_length():
    X, _ = _sequences(n_features=2)
    X = [(x * [40.0, 0.5] + [1000.0, -3.0]).astype(np.float32) for x in X]  # the graph scales them
    y = [float(x[:, 0].mean() - 1000.0) / 40.0 for x in X[:80]]  # (the helper compares in absolute terms)
    reg = sknn.RNNRegressor(units=6, max_iter=5, random_state=0).fit(X[:80], y)
    assert reg._x_mean[0] > 900
    _check_variable_length(reg, X[80:], classifier=False)


def test_sequence_to_sequence_regressor():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 7, 2)).astype(np.float32)
    y = np.cumsum(X[:, :, 0], axis=1)
    reg = sknn.RNNRegressor(cell="lstm", units=5, bidirectional=True, return_sequences=True, max_iter=5,
                            random_state=0).fit(X[:80], y[:80])
    assert reg.predict(X[80:]).shape == (20, 7)
    check_regressor(reg, X[80:])


def test_neural_net_masked_pooling_and_sum_merge():
    X, y = _sequences()
    layers = [nn.Bidirectional(nn.LSTM(4, return_sequences=True), merge_mode="sum"), nn.Dense(3),
              nn.Activation("tanh"), nn.GRU(3, return_sequences=True), nn.GlobalMaxPool()]
    clf = sknn.NeuralNetClassifier(layers, max_iter=5, random_state=0).fit(X[:80], y[:80])
    _check_variable_length(clf, X[80:])
    layers[-1] = nn.GlobalAvgPool()
    clf = sknn.NeuralNetClassifier(layers, max_iter=5, random_state=0).fit(X[:80], y[:80])
    _check_variable_length(clf, X[80:])


def test_conv_on_variable_length_sequences_is_refused():
    X, y = _sequences()
    layers = [nn.Conv1D(3, 2), nn.GRU(3)]
    clf = sknn.NeuralNetClassifier(layers, max_iter=2, random_state=0).fit(X[:40], y[:40])
    with pytest.raises(sknn_onnx.ExportError, match="Conv1D cannot be exported for variable-length"):
        sknn_onnx.to_onnx(clf, X[:3])


@pytest.mark.slow
@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("n_layers", [1, 3])
def test_every_cell_direction_and_depth(cell, bidirectional, n_layers):
    X, y = _sequences(lengths=(1, 12), seed=n_layers)
    kw = dict(cell=cell, units=4, n_layers=n_layers, bidirectional=bidirectional, max_iter=4, random_state=1)
    clf = sknn.RNNClassifier(hidden_layer_sizes=(3,), activation="gelu", **kw).fit(X[:80], y[:80])
    _check_variable_length(clf, X[80:])
    reg = sknn.RNNRegressor(**kw).fit(X[:80], np.array([x[:, 1].sum() for x in X[:80]]))
    _check_variable_length(reg, X[80:], classifier=False)
    X3 = np.stack([np.resize(x, (6, 2)) for x in X])
    seq = sknn.RNNRegressor(return_sequences=True, **kw).fit(X3[:80], X3[:80, :, 0] * 2)
    check_regressor(seq, X3[80:])


@pytest.mark.slow
@pytest.mark.parametrize("layer", [nn.SimpleRNN(3, activation="relu"), nn.LSTM(3, unit_forget_bias=False)])
def test_relu_rnn_and_lstm_without_forget_bias(layer):
    X, y = _sequences()
    clf = sknn.NeuralNetClassifier([layer], max_iter=4, random_state=0).fit(X[:80], y[:80])
    _check_variable_length(clf, X[80:])
