"""Shared helpers of the ONNX export tests: export, run in onnxruntime, compare with sknn."""

import numpy as np
import pytest

pytest.importorskip("skl2onnx")
ort = pytest.importorskip("onnxruntime")
sknn_onnx = pytest.importorskip("sknn.onnx")

TOL = 1e-5  # float32 graphs against sknn's float32 predictions


def session(model):
    """An onnxruntime session for an ONNX model (CPU)."""
    return ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])


def run(sess, X, **extra):
    """Run ``sess`` on float32 X (and extra named inputs); returns the outputs by name."""
    feeds = {sess.get_inputs()[0].name: np.asarray(X, dtype=np.float32), **extra}
    names = [o.name for o in sess.get_outputs()]
    return dict(zip(names, sess.run(None, feeds)))


def batches(X, sizes=(1, 1000)):
    """The held-out rows at each batch size (rows repeated up to 1,000)."""
    for size in sizes:
        idx = np.arange(size) % len(X)
        yield X[idx]


def check_classifier(model, X_test, sample=None, **to_onnx_kw):
    """Export ``model``; labels identical and probabilities within TOL at batch sizes 1 and 1000.

    Returns the largest absolute probability difference seen.
    """
    onx = sknn_onnx.to_onnx(model, X_test[:3] if sample is None else sample, options={"zipmap": False}, **to_onnx_kw)
    sess = session(onx)
    worst = 0.0
    for X in batches(X_test):
        out = run(sess, X)
        np.testing.assert_array_equal(out["label"], model.predict(X))
        diff = np.abs(out["probabilities"] - model.predict_proba(X)).max()
        assert diff <= TOL, diff
        worst = max(worst, float(diff))
    return worst


def check_regressor(model, X_test, sample=None, **to_onnx_kw):
    """Export ``model``; predictions within TOL at batch sizes 1 and 1000. Returns the largest difference."""
    onx = sknn_onnx.to_onnx(model, X_test[:3] if sample is None else sample, **to_onnx_kw)
    sess = session(onx)
    worst = 0.0
    for X in batches(X_test):
        got = run(sess, X)["variable"]
        want = np.asarray(model.predict(X))
        assert got.shape[0] == want.shape[0]
        diff = np.abs(got.reshape(want.shape) - want).max()
        assert diff <= TOL * max(1.0, np.abs(want).max()), diff
        worst = max(worst, float(diff))
    return worst
