"""Training caches released after a fit, and scratch arrays reused from one fit to the next (sknn.nn._scratch)."""

import threading

import numpy as np
import pytest
from sklearn.datasets import load_digits

from sknn import (AutoencoderTransformer, ConvNetClassifier, MLPClassifier, NeuralRecommender, RNNClassifier,
                  TextClassifier)
from sknn.nn import _scratch
from sknn.nn.layer import nn_objects

pytestmark = [pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
              pytest.mark.filterwarnings("ignore::UserWarning")]  # tiny fits: early-stopping and batch-size notes

X_DIGITS, Y_DIGITS = load_digits(return_X_y=True)
X_DIGITS = (X_DIGITS[:300] / 16).astype(np.float32)
Y_DIGITS = Y_DIGITS[:300]


def _cached_arrays(net):
    """``_cache*`` attributes holding any array (directly or in a list or dict)."""
    held = []
    for obj in nn_objects(net):
        for key, value in vars(obj).items():
            if not key.startswith("_cache"):
                continue
            items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else [value]
            if any(isinstance(v, np.ndarray) for v in items):
                held.append(f"{type(obj).__name__}.{key}")
    return held


def _fits():
    rng = np.random.default_rng(0)
    docs = ["good movie", "bad movie", "great plot", "awful plot"] * 10
    users, items = rng.integers(0, 8, 60), rng.integers(0, 9, 60)
    return [
        (MLPClassifier(hidden_layer_sizes=(16,), max_iter=3, random_state=0), X_DIGITS, Y_DIGITS),
        (MLPClassifier(hidden_layer_sizes=(16,), solver="lbfgs", max_iter=5, random_state=0), X_DIGITS, Y_DIGITS),
        (ConvNetClassifier(input_shape=(8, 8, 1), filters=(4, 6), hidden_layer_sizes=(8,), batch_norm=True,
                           max_iter=2, random_state=0), X_DIGITS, Y_DIGITS),
        (RNNClassifier(units=5, bidirectional=True, max_iter=2, random_state=0), X_DIGITS.reshape(-1, 16, 4),
         Y_DIGITS),
        (RNNClassifier(units=5, cell="lstm", stem=None, max_iter=2, random_state=0), X_DIGITS.reshape(-1, 16, 4),
         Y_DIGITS),
        (AutoencoderTransformer(hidden_layer_sizes=(8,), tied_weights=True, max_iter=2, random_state=0),
         X_DIGITS, None),
        (TextClassifier(max_iter=2, random_state=0), docs, np.arange(40) % 2),
        (NeuralRecommender(max_iter=2, random_state=0), np.column_stack([users, items]),
         rng.integers(1, 6, 60).astype(float)),
    ]


@pytest.mark.parametrize("case", range(8))
def test_a_fitted_network_holds_no_training_cache(case):
    est, X, y = _fits()[case]
    est.fit(X) if y is None else est.fit(X, y)
    assert _cached_arrays(est.network_) == []
    # and it still predicts and trains on
    if y is None:
        est.transform(X)
        est.partial_fit(X)
    else:
        est.predict(X)
        if est.solver != "lbfgs":
            est.partial_fit(X, y)
    assert _cached_arrays(est.network_) == []


def _conv_weights():
    clf = ConvNetClassifier(input_shape=(8, 8, 1), filters=(4, 6), hidden_layer_sizes=(8,), max_iter=3,
                            random_state=0, batch_size=64)
    clf.fit(X_DIGITS.reshape(-1, 8, 8, 1), Y_DIGITS)
    return [p.copy() for p in clf.network_.params]


def _in_new_thread(fn):
    out = []

    def target():
        try:
            out.append(fn())
        except BaseException as exc:  # re-raised in the test's thread
            out.append(exc)

    t = threading.Thread(target=target)
    t.start()
    t.join()
    if isinstance(out[0], BaseException):
        raise out[0]
    return out[0]


def test_pooled_scratch_changes_no_result():
    fresh = _in_new_thread(_conv_weights)  # a thread whose pool is empty

    def after_garbage():
        # the pool holds arrays of NaN of every size the network asks for, then an earlier fit's scratch
        for size in (2 ** k for k in range(8, 20)):
            _scratch.give(np.full(size, np.nan, dtype=np.float32))
        _conv_weights()
        return _conv_weights()

    reused = _in_new_thread(after_garbage)
    for a, b in zip(fresh, reused):
        np.testing.assert_array_equal(a.view(np.uint8), b.view(np.uint8))


def test_the_pool_is_per_thread_bounded_and_gives_the_smallest_fit():
    def run():
        pool = _scratch._pool()
        assert pool == []
        big, small = np.empty(1000, np.float32), np.empty(100, np.float32)
        _scratch.give(big)
        _scratch.give(small)
        _scratch.give(np.empty(10)[::2])  # a view: never kept (its owner may still use the rest)
        assert len(pool) == 2
        assert _scratch.take(50, np.float32) is small
        assert _scratch.take(50, np.float64).dtype == np.float64  # none of that dtype: a new one
        assert _scratch.take(500, np.float32) is big
        assert _scratch.take(5000, np.float32).size == 5000 and pool == []
        n = _scratch.POOL_BYTES // 4 // 3
        first = np.empty(n, np.float32)
        _scratch.give(first)
        for _ in range(3):
            _scratch.give(np.empty(n, np.float32))
        assert sum(a.nbytes for a in pool) <= _scratch.POOL_BYTES
        assert all(a is not first for a in pool)  # the oldest went first
        _scratch.give(np.empty(_scratch.POOL_BYTES // 4 + 1, np.float32))  # too big to keep
        assert all(a.nbytes <= _scratch.POOL_BYTES // 3 + 4 for a in pool)
        return True

    assert _in_new_thread(run)


def test_concurrent_fits_in_threads_train_as_alone():
    alone = _in_new_thread(_conv_weights)
    results = [None] * 4

    def work(k):
        results[k] = [_conv_weights() for _ in range(2)][-1]  # the second fit takes the first one's scratch

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for weights in results:
        for a, b in zip(alone, weights):
            np.testing.assert_array_equal(a, b)
