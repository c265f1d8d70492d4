"""sknn.nn.linalg.plain_products: the training loop's own evaluations use plain BLAS, predict stays exact."""

import threading

import numpy as np

from sknn import MLPClassifier, RNNRegressor
from sknn.nn import linalg
from sknn.nn.linalg import ExactProduct, inference_product, plain_products


def _count_exact(monkeypatch):
    calls = []
    original = ExactProduct.__call__

    def counted(self, A, out=None):
        calls.append(A.shape[0])
        return original(self, A, out)

    monkeypatch.setattr(ExactProduct, "__call__", counted)
    return calls


def test_plain_products_is_thread_local_and_restores_on_exit():
    B = np.ones((3, 2), dtype=np.float32)
    seen = {}
    inside, release = threading.Event(), threading.Event()

    def hold():
        with plain_products():
            seen["holder"] = type(inference_product(B))
            inside.set()
            release.wait(10)

    t = threading.Thread(target=hold)
    t.start()
    inside.wait(10)
    seen["other thread"] = type(inference_product(B))  # while the holder is inside its block
    release.set()
    t.join()
    with plain_products():
        with plain_products():
            pass
        seen["nested exit"] = type(inference_product(B))
    seen["after"] = type(inference_product(B))
    assert seen == {"holder": linalg._PlainProduct, "other thread": ExactProduct,
                    "nested exit": linalg._PlainProduct, "after": ExactProduct}


def test_fit_evaluates_with_plain_products_and_predict_is_exact(monkeypatch):
    """Early stopping's validation and the divergence reference ran exact products in every float32
    fit (3-5x a plain product); only predict must be independent of the batch."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((300, 6)).astype(np.float32)
    y = (X[:, 0] > 0).astype(int)
    calls = _count_exact(monkeypatch)
    est = MLPClassifier(hidden_layer_sizes=(8,), early_stopping=True, max_iter=5, random_state=0).fit(X, y)
    assert calls == []
    assert len(est.validation_scores_) == est.n_iter_
    est.predict(X[:7])
    assert calls == [7, 7]  # one exact product per Dense layer


def test_fit_results_do_not_change_with_the_product_of_the_loop(monkeypatch):
    """The loop's evaluations only choose epochs and thresholds: plain and exact products give the same
    fitted model here (a regression test for the switch, float32, sequences with a mask)."""
    rng = np.random.default_rng(1)
    X = [rng.standard_normal((int(k), 2)).astype(np.float32) for k in rng.integers(3, 9, 120)]
    y = np.array([x.sum() for x in X])
    kwargs = dict(units=6, early_stopping=True, max_iter=6, random_state=0)
    plain = RNNRegressor(**kwargs).fit(X, y)
    monkeypatch.setattr("sknn.training.plain_products", _exact_anyway)
    exact = RNNRegressor(**kwargs).fit(X, y)
    assert plain.n_iter_ == exact.n_iter_
    np.testing.assert_allclose(plain.validation_scores_, exact.validation_scores_, rtol=1e-5)
    for a, b in zip(plain.network_.params, exact.network_.params):
        np.testing.assert_array_equal(a, b)


class _exact_anyway:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
