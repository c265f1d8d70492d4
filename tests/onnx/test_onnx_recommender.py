"""ONNX export of NeuralRecommender: id lookup in the graph, unknown ids falling back to the biases."""

import numpy as np
import pytest
from onnx_check import TOL, session, sknn_onnx

import sknn


def _ratings(n=400, n_users=15, n_items=12, seed=0, as_str=False):
    rng = np.random.default_rng(seed)
    u, i = rng.integers(0, n_users, n), rng.integers(0, n_items, n)
    y = (u % 3 + i % 4 + rng.normal(scale=0.3, size=n)).astype(np.float64)
    if as_str:
        return np.column_stack([[f"u{v}" for v in u], [f"i{v}" for v in i]]).astype(object), y
    return np.column_stack([u, i]), y


def _check(rec, X_test):
    sess = session(sknn_onnx.to_onnx(rec, X_test[:2]))
    worst = 0.0
    for size in (1, 1000):
        X = X_test[np.arange(size) % len(X_test)]
        feed = X.astype(str) if X.dtype == object else X.astype(np.int64)
        got = sess.run(None, {"X": feed})[0]
        want = rec.predict(X)
        assert got.shape == (size, 1)
        diff = np.abs(got[:, 0] - want).max()
        assert diff <= TOL * max(1.0, np.abs(want).max()), diff
        worst = max(worst, float(diff))
    return worst


@pytest.mark.parametrize("hidden", [(8,), ()])
def test_explicit_integer_ids_with_unknowns(hidden):
    X, y = _ratings()
    rec = sknn.NeuralRecommender(n_factors=4, hidden_layer_sizes=hidden, batch_size=64, max_iter=5, random_state=0).fit(X, y)
    # known pairs, unknown users, unknown items, both unknown
    X_test = np.vstack([X[:20], [[99, 1], [2, 77], [99, 77], [-5, 3]]])
    _check(rec, X_test)


def test_implicit_string_ids_with_unknowns():
    X, y = _ratings(as_str=True)
    rec = sknn.NeuralRecommender(n_factors=4, hidden_layer_sizes=(6,), feedback="implicit", batch_size=64, max_iter=3,
                                 random_state=0).fit(X, (y > 2).astype(float))
    X_test = np.vstack([X[:20], np.array([["nobody", "i1"], ["u1", "nothing"], ["x", "y"]], dtype=object)])
    _check(rec, X_test)


def test_mixed_id_types_are_refused():
    X, y = _ratings()
    X = np.column_stack([X[:, 0], [f"i{v}" for v in X[:, 1]]]).astype(object)
    X[:, 0] = [int(v) for v in X[:, 0]]
    rec = sknn.NeuralRecommender(n_factors=2, hidden_layer_sizes=(), batch_size=64, max_iter=2, random_state=0).fit(X, y)
    with pytest.raises(sknn_onnx.ExportError, match="one type"):
        sknn_onnx.to_onnx(rec, X[:2])
