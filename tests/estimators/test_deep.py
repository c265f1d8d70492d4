"""Behaviour of NeuralNet*, ConvNet* and RNN* estimators beyond scikit-learn's checks."""

import copy
import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknn import (
    ConvNetClassifier,
    ConvNetRegressor,
    NeuralNetClassifier,
    NeuralNetRegressor,
    RNNClassifier,
    RNNRegressor,
)
from sknn.nn import LSTM, Activation, Conv1D, Dense, Dropout, GlobalAvgPool

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

FAST = dict(max_iter=15, learning_rate_init=0.02, random_state=0)


@pytest.fixture(scope="module")
def blobs():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 120)
    X = rng.standard_normal((120, 12)) + y[:, None]
    return X, y


# -- NeuralNet: architecture as a parameter ------------------------------------
def test_layers_parameter_is_never_mutated(blobs):
    X, y = blobs
    layers = [Dense(8), Activation("relu"), Dropout(0.1)]
    before = copy.deepcopy(layers)
    clf = NeuralNetClassifier(layers, **FAST).fit(X, y)
    for layer, orig in zip(clf.layers, before):
        assert "params" not in vars(layer) and not getattr(layer, "built", False)
        assert vars(layer) == vars(orig)
    assert clf.network_.layers[0] is not layers[0]
    assert clf.get_params()["layers"] is layers
    c = clone(clf)
    assert c.layers is not layers and repr(c.layers) == repr(layers)


def test_output_layer_and_flatten_added(blobs):
    X, y = blobs
    clf = NeuralNetClassifier([Conv1D(4, 3), Activation("relu")], input_shape=(12, 1), **FAST).fit(X, y)
    names = [type(layer).__name__ for layer in clf.network_.layers]
    assert names[-2:] == ["Flatten", "Dense"] and clf.network_.output_shape == (3,)
    assert clf.predict_proba(X).shape == (120, 3)


def test_gridsearch_over_three_architectures(blobs):
    X, y = blobs
    archs = [
        [Dense(4), Activation("relu")],
        [Dense(16), Activation("tanh"), Dense(8), Activation("tanh")],
        [Conv1D(4, 3), Activation("relu"), GlobalAvgPool()],
    ]
    grid = GridSearchCV(
        NeuralNetClassifier(input_shape=(12, 1), **FAST), {"layers": archs}, cv=2
    ).fit(X, y)
    assert len(grid.cv_results_["params"]) == 3
    assert grid.best_params_["layers"] in archs
    for arch in archs:  # the grid's layer objects were never built
        assert all("params" not in vars(layer) for layer in arch)


def test_neuralnet_regressor_sequence_target():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 7, 2))
    y = np.cumsum(X, axis=1)[:, :, :1]
    reg = NeuralNetRegressor([LSTM(8, return_sequences=True)], **FAST).fit(X, y)
    assert reg.predict(X).shape == (60, 7, 1)
    assert np.isfinite(reg.score(X, y))


# -- shapes ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "est, X_shape",
    [
        (ConvNetClassifier(input_shape=(4, 3, 1), filters=(2,), hidden_layer_sizes=(4,), **FAST), (12,)),
        (ConvNetClassifier(filters=(2, 3), hidden_layer_sizes=(), **FAST), (4, 3, 1)),
        (ConvNetClassifier(filters=(2,), **FAST), (12, 1)),
        (ConvNetClassifier(filters=(2,), hidden_layer_sizes=(4,), **FAST), (12,)),
        (RNNClassifier(units=4, **FAST), (12,)),
        (RNNClassifier(cell="rnn", units=4, n_layers=2, bidirectional=True, **FAST), (6, 2)),
        (RNNClassifier(cell="gru", units=4, input_shape=(6, 2), hidden_layer_sizes=(5,), **FAST), (12,)),
    ],
)
def test_classifier_output_shapes(blobs, est, X_shape):
    X, y = blobs
    X = X.reshape((len(X),) + X_shape)
    est.fit(X, y)
    assert est.predict(X).shape == (120,)
    proba = est.predict_proba(X)
    assert proba.shape == (120, 3) and proba.dtype == np.float64
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-6)
    assert est.network_.dtype == np.float32


def test_regressor_shapes_multioutput(blobs):
    X, _ = blobs
    Y = np.column_stack([X[:, :3].sum(1), X[:, 3:6].sum(1)])
    for est in (ConvNetRegressor(filters=(2,), hidden_layer_sizes=(4,), **FAST), RNNRegressor(units=4, **FAST)):
        pred = est.fit(X, Y).predict(X)
        assert pred.shape == (120, 2) and pred.dtype == np.float64
        assert est.fit(X, Y[:, 0]).predict(X).shape == (120,)


def test_dtype_parameter(blobs):
    X, y = blobs
    est = RNNClassifier(units=4, dtype="float64", **FAST).fit(X, y)
    assert est.network_.dtype == np.float64
    with pytest.raises(ValueError, match="dtype"):
        RNNClassifier(dtype="int32").fit(X, y)


# -- bad shapes ------------------------------------------------------------------
def test_bad_shapes_name_both_shapes(blobs):
    X, y = blobs
    with pytest.raises(ValueError, match=r"12 features.*input_shape=\(5, 5, 1\)"):
        ConvNetClassifier(input_shape=(5, 5, 1), **FAST).fit(X, y)
    with pytest.raises(ValueError, match=r"\(6, 2\).*input_shape=\(4, 3\)"):
        RNNClassifier(input_shape=(4, 3), **FAST).fit(X.reshape(-1, 6, 2), y)
    conv = ConvNetClassifier(filters=(2,), hidden_layer_sizes=(), **FAST).fit(X.reshape(-1, 4, 3, 1), y)
    with pytest.raises(ValueError, match=r"\(3, 4, 1\).*\(4, 3, 1\)"):
        conv.predict(X.reshape(-1, 3, 4, 1))
    rnn = RNNClassifier(units=4, **FAST).fit(X.reshape(-1, 6, 2), y)
    rnn.predict(X[:, :8].reshape(-1, 4, 2))  # any number of steps
    with pytest.raises(ValueError, match=r"\(4, 3\).*\(6, 2\)"):
        rnn.predict(X.reshape(-1, 4, 3))
    with pytest.raises(ValueError, match="features"):
        rnn.predict(X[:, :10])


# -- determinism, pickling, pipelines --------------------------------------------
@pytest.mark.parametrize(
    "est",
    [
        ConvNetClassifier(filters=(3,), hidden_layer_sizes=(4,), dropout=0.2, batch_norm=True, **FAST),
        RNNClassifier(cell="lstm", units=4, bidirectional=True, hidden_layer_sizes=(4,), dropout=0.2, **FAST),
        NeuralNetClassifier([Dense(8), Activation("relu"), Dropout(0.3)], **FAST),
    ],
    ids=["conv", "rnn", "nn"],
)
def test_determinism_and_pickle(blobs, est):
    X, y = blobs
    a = clone(est).fit(X, y).predict_proba(X)
    fitted = clone(est).fit(X, y)
    b = fitted.predict_proba(X)
    assert np.array_equal(a, b)  # bit for bit
    restored = pickle.loads(pickle.dumps(fitted))
    assert np.array_equal(restored.predict_proba(X), b)
    restored.partial_fit(X, y)  # still trainable
    c = clone(est).set_params(random_state=1).fit(X, y).predict_proba(X)
    assert not np.array_equal(a, c)


def test_pipeline_and_gridsearch(blobs):
    X, y = blobs
    pipe = make_pipeline(StandardScaler(), ConvNetClassifier(filters=(2,), hidden_layer_sizes=(4,), **FAST))
    grid = GridSearchCV(pipe, {"convnetclassifier__filters": [(2,), (3,)]}, cv=2).fit(X, y)
    assert grid.predict(X).shape == (120,)
    rnn = make_pipeline(StandardScaler(), RNNRegressor(units=4, **FAST)).fit(X, X[:, 0])
    assert rnn.predict(X).shape == (120,)


def test_training_features_shared(blobs):
    X, y = blobs
    seen = []
    est = RNNClassifier(
        units=4, early_stopping=True, class_weight="balanced", clip_norm=1.0,
        callbacks=[lambda info: seen.append(info["epoch"])], **FAST
    ).fit(X, y)
    assert seen and len(est.validation_scores_) == est.n_iter_ == len(seen)
    est = ConvNetClassifier(filters=(2,), hidden_layer_sizes=(), solver="lbfgs", max_iter=5, random_state=0)
    est.fit(X, y)
    warm = ConvNetClassifier(filters=(2,), hidden_layer_sizes=(), warm_start=True, **FAST).fit(X, y)
    first = [p.copy() for p in warm.network_.params]
    warm.fit(X, y)
    assert not np.array_equal(first[0], warm.network_.params[0])
    assert len(warm.loss_curve_) == 30


# -- variable-length sequences and masks ------------------------------------------
def _varlen(n=80, seed=0):
    rng = np.random.default_rng(seed)
    X = [rng.standard_normal((int(rng.integers(3, 12)), 2)) for _ in range(n)]
    y = np.array([int(x[:, 0].sum() > 0) for x in X])
    return X, y


def test_variable_length_list_input():
    X, y = _varlen()
    clf = RNNClassifier(cell="gru", units=8, max_iter=40, learning_rate_init=0.02, random_state=0).fit(X, y)
    assert clf.score(X, y) > 0.8
    assert clf.predict(X[:5]).shape == (5,)
    assert clf.predict([x[:2] for x in X[:5]]).shape == (5,)  # shorter steps than in fit


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_masks_are_honoured(cell, bidirectional):
    # A padded sequence predicts exactly as the same sequence alone: padding is ignored.
    X, y = _varlen(40, seed=1)
    est = RNNClassifier(cell=cell, units=4, bidirectional=bidirectional, **FAST).fit(X, y)
    batch = est.predict_proba(X)
    for i in (0, 7, 13):
        alone = est.predict_proba([X[i]])
        np.testing.assert_allclose(alone[0], batch[i], rtol=1e-5, atol=1e-6)
        padded = np.concatenate([X[i], np.full((5, 2), 9.0)])
        assert not np.allclose(est.predict_proba(padded[None])[0], batch[i], atol=1e-6)


def test_masks_in_generic_network_global_pooling():
    X, y = _varlen(40, seed=2)
    est = NeuralNetClassifier([Conv1D(4, 3, padding="same"), Activation("relu"), GlobalAvgPool()], **FAST)
    est.fit(X, y)
    np.testing.assert_allclose(est.predict_proba([X[3]])[0], est.predict_proba(X)[3], rtol=1e-5, atol=1e-6)


# -- sequence to sequence ------------------------------------------------------------
def test_sequence_to_sequence_regression():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((100, 10, 1))
    y3 = np.cumsum(X, axis=1) * 0.3
    reg = RNNRegressor(units=16, max_iter=60, learning_rate_init=0.02, random_state=0).fit(X, y3)
    assert reg.predict(X).shape == (100, 10, 1)
    assert reg.score(X, y3) > 0.8
    y2 = y3[:, :, 0]
    reg2 = RNNRegressor(units=8, return_sequences=True, **FAST).fit(X[:, :, 0], y2)
    assert reg2.predict(X[:, :, 0]).shape == (100, 10)
    assert reg2.predict(X[:, :6, :]).shape == (100, 6)  # any number of steps
    # a 2-D y without return_sequences is multi-output sequence-to-one
    assert RNNRegressor(units=4, **FAST).fit(X, y2).predict(X).shape == (100, 10)


def test_sequence_to_sequence_errors():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 10, 1))
    with pytest.raises(ValueError, match="one target per time step"):
        RNNRegressor(return_sequences=True, **FAST).fit(X, X[:, 0, 0])
    with pytest.raises(ValueError, match="10 steps"):
        RNNRegressor(**FAST).fit(X, X[:, :5])
    Xv, _ = _varlen(20)
    with pytest.raises(ValueError, match="fixed-length"):
        RNNRegressor(return_sequences=True, **FAST).fit(Xv, np.zeros((20, 11)))


def test_invalid_parameters(blobs):
    X, y = blobs
    bad = [
        ConvNetClassifier(filters=(0,)),
        ConvNetClassifier(activation="nope"),
        ConvNetClassifier(padding="full"),
        ConvNetClassifier(input_shape=(12,)),
        RNNClassifier(cell="transformer"),
        RNNClassifier(units=0),
        RNNClassifier(dropout=1.0),
        NeuralNetClassifier(layers=["dense"]),
        NeuralNetClassifier(input_shape=(2, -6)),
    ]
    for est in bad:
        with pytest.raises(ValueError), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            est.fit(X, y)


# -- float32 networks refuse input beyond float32's range ------------------------------------
@pytest.mark.parametrize(
    "est",
    [
        NeuralNetClassifier(**FAST),
        NeuralNetRegressor(**FAST),
        ConvNetClassifier(filters=(4,), hidden_layer_sizes=(8,), **FAST),
        RNNClassifier(units=4, **FAST),
    ],
    ids=lambda e: type(e).__name__,
)
def test_float32_network_refuses_values_beyond_float32(blobs, est):
    X, y = blobs
    target = y if hasattr(est, "predict_proba") else X[:, 0]
    with pytest.raises(ValueError, match="beyond the range of float32"):
        clone(est).fit(X * 1e39, target)  # finite float64, inf in float32
    est = clone(est).fit(X, target)
    before = est.predict(X)
    for method in ("predict", "predict_proba") if hasattr(est, "predict_proba") else ("predict",):
        with pytest.raises(ValueError, match="beyond the range of float32.*dtype='float64'"):
            getattr(est, method)(X * 1e39)
    np.testing.assert_array_equal(est.predict(X), before)
    # the same data is fine for a float64 network, and NaN-free
    wide = clone(est).set_params(dtype="float64").fit(X * 1e39, target)
    assert np.isfinite(wide.predict(X * 1e39).astype(float)).all()


def test_refit_refused_for_range_keeps_the_fitted_model(blobs):
    X, y = blobs
    est = NeuralNetClassifier(**FAST).fit(X, y)
    before, network = est.predict_proba(X), est.network_
    with pytest.raises(ValueError, match="beyond the range of float32"):
        est.fit(X * 1e39, y)
    assert est.network_ is network
    np.testing.assert_array_equal(est.predict_proba(X), before)


@pytest.mark.parametrize("batch_norm", [False, True])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_convnet_pools_before_relu_with_the_same_training(monkeypatch, batch_norm, dtype):
    """With ReLU, the preset max-pools first (the activation then runs on 4x fewer values):
    the same network function and gradients as ReLU then pooling, so the same weights bit for bit."""
    from sklearn.datasets import load_digits

    from sknn.estimators import conv as conv_module
    from sknn.nn import MaxPool2D

    X, y = load_digits(return_X_y=True)
    X = (X[:400] / 16).reshape(-1, 8, 8, 1)
    kw = dict(filters=(4, 6), hidden_layer_sizes=(8,), max_iter=4, random_state=0, batch_norm=batch_norm,
              dtype=dtype)
    fast = ConvNetClassifier(**kw).fit(X, y[:400])
    kinds = [type(layer).__name__ for layer in fast.network_.layers]
    assert kinds[kinds.index("MaxPool2D") - 1] != "Activation" and kinds[kinds.index("MaxPool2D") + 1] == "Activation"

    built = conv_module._BaseConvNet._build_layers

    def relu_first(self, *args):
        layers = built(self, *args)
        for i in range(len(layers) - 1):
            if isinstance(layers[i], MaxPool2D) and isinstance(layers[i + 1], Activation):
                layers[i], layers[i + 1] = layers[i + 1], layers[i]
        return layers

    monkeypatch.setattr(conv_module._BaseConvNet, "_build_layers", relu_first)
    plain = ConvNetClassifier(**kw).fit(X, y[:400])
    kinds = [type(layer).__name__ for layer in plain.network_.layers]
    assert kinds[kinds.index("MaxPool2D") - 1] == "Activation"
    for a, b in zip(fast.network_.params, plain.network_.params):
        np.testing.assert_array_equal(a.view(np.uint8), b.view(np.uint8))
    np.testing.assert_array_equal(fast.predict_proba(X), plain.predict_proba(X))


def test_convnet_keeps_the_activation_before_pooling_unless_relu(blobs):
    X = np.random.default_rng(0).standard_normal((20, 6, 6, 1))
    clf = ConvNetClassifier(filters=(3,), hidden_layer_sizes=(), activation="tanh", max_iter=2, random_state=0)
    clf.fit(X, np.arange(20) % 2)
    kinds = [type(layer).__name__ for layer in clf.network_.layers]
    assert kinds[:3] == ["Conv2D", "Activation", "MaxPool2D"]
