"""ONNX export of MLPClassifier / MLPRegressor, alone and in a Pipeline with a scaler."""

import numpy as np
import pytest
from onnx_check import TOL, check_classifier, check_regressor, run, session, sknn_onnx
from sklearn.datasets import make_classification, make_multilabel_classification, make_regression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

import sknn

ALL_ACTIVATIONS = ["identity", "logistic", "tanh", "relu", "leaky_relu", "elu", "gelu"]


def _split(X, y, n_train=150):
    X = np.asarray(X, dtype=np.float32)
    return X[:n_train], y[:n_train], X[n_train:]


def _classes(n_classes=3, n=200, seed=0):
    X, y = make_classification(n, 6, n_informative=4, n_classes=n_classes, random_state=seed)
    return _split(X, y)


def test_every_activation_per_layer_with_batch_norm_and_dropout():
    X, y, X_test = _classes()
    clf = sknn.MLPClassifier(
        [5] * len(ALL_ACTIVATIONS), activation=ALL_ACTIVATIONS, batch_norm=True, dropout=0.1,
        max_iter=20, random_state=0,
    ).fit(X, y)
    check_classifier(clf, X_test)


@pytest.mark.slow
@pytest.mark.parametrize("activation", ALL_ACTIVATIONS)
@pytest.mark.parametrize("batch_norm", [False, True])
def test_each_activation(activation, batch_norm):
    X, y, X_test = _classes()
    clf = sknn.MLPClassifier((8, 4), activation=activation, batch_norm=batch_norm, max_iter=30, random_state=1)
    check_classifier(clf.fit(X, y), X_test)


def test_binary_string_labels():
    X, y, X_test = _classes(n_classes=2)
    labels = np.array(["no", "yes"])[y]
    clf = sknn.MLPClassifier((6,), max_iter=30, random_state=0).fit(X, labels)
    check_classifier(clf, X_test)


def test_multilabel_indicator_labels():
    X, Y = make_multilabel_classification(200, 6, n_classes=4, random_state=0)
    X, Y, X_test = _split(X, Y)
    clf = sknn.MLPClassifier((8,), activation="tanh", max_iter=40, random_state=0).fit(X, Y)
    check_classifier(clf, X_test)


def test_float64_network_exports_as_float32():
    X, y = make_classification(200, 6, n_informative=4, n_classes=3, random_state=0)
    clf = sknn.MLPClassifier((8,), max_iter=30, random_state=0).fit(X[:150], y[:150])
    assert clf.network_.dtype == np.float64
    sess = session(sknn_onnx.to_onnx(clf, X[:3], options={"zipmap": False}))
    out = run(sess, X[150:])
    assert np.abs(out["probabilities"] - clf.predict_proba(X[150:])).max() <= TOL


@pytest.mark.parametrize("n_targets", [1, 3])
def test_regressor_single_and_multi_output(n_targets):
    X, y = make_regression(200, 5, n_targets=n_targets, noise=0.1, random_state=0)
    X, y, X_test = _split(X, y / np.abs(y).max())
    reg = sknn.MLPRegressor(hidden_layer_sizes=(8, 8), activation=["gelu", "elu"], batch_norm=True,
                            max_iter=30, random_state=0).fit(X, y)
    check_regressor(reg, X_test)


def test_poisson_regressor_exp_link():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 4)).astype(np.float32)
    y = rng.poisson(np.exp(0.5 * X[:, 0]))
    reg = sknn.MLPRegressor(loss="poisson", hidden_layer_sizes=(6,), max_iter=30, random_state=0).fit(X[:150], y[:150])
    check_regressor(reg, X[150:])


def test_pipeline_with_scaler_through_skl2onnx_and_zipmap():
    import skl2onnx

    X, y, X_test = _classes()
    pipe = Pipeline([("scale", StandardScaler()), ("net", sknn.MLPClassifier((8,), max_iter=30, random_state=0))])
    pipe.fit(X * 10 + 3, y)
    X_test = X_test * 10 + 3
    sess = session(skl2onnx.to_onnx(pipe, X_test[:2]))  # skl2onnx's default: ZipMap probabilities
    out = run(sess, X_test)
    np.testing.assert_array_equal(out["output_label"], pipe.predict(X_test))
    proba = np.array([[row[c] for c in pipe.classes_] for row in out["output_probability"]])
    assert np.abs(proba - pipe.predict_proba(X_test)).max() <= TOL
    check_classifier(pipe, X_test)


def test_pipeline_regressor():
    X, y = make_regression(200, 5, noise=0.1, random_state=0)
    X, y, X_test = _split(X, y / np.abs(y).max())
    pipe = Pipeline([("scale", StandardScaler()), ("net", sknn.MLPRegressor(hidden_layer_sizes=(8,), max_iter=30, random_state=0))])
    check_regressor(pipe.fit(X, y), X_test)


def test_opset_too_old_is_refused():
    X, y, _ = _classes()
    clf = sknn.MLPClassifier((4,), max_iter=5, random_state=0).fit(X, y)
    with pytest.raises(sknn_onnx.ExportError, match="target_opset >= 13"):
        sknn_onnx.to_onnx(clf, X[:2], target_opset=12)


def test_unfitted_estimator_is_refused():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        sknn_onnx.to_onnx(sknn.MLPClassifier(), np.zeros((2, 3), dtype=np.float32))



def test_sknn_runtime_never_imports_onnx():
    import subprocess
    import sys

    code = (
        "import sys, numpy as np, sknn, sknn.nn\n"
        "sknn.MLPClassifier((3,), max_iter=2).fit(np.eye(4), [0, 1, 0, 1]).predict(np.eye(4))\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('onnx', 'skl2onnx', 'onnxruntime')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
