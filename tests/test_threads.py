"""sknn.threads: the BLAS thread count is chosen around fit and predict, and restored."""

import os
import threading

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV
from threadpoolctl import threadpool_info, threadpool_limits

import sknn.threads
from sknn import MLPClassifier


def _blas_threads():
    return sorted({i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"})


class _Record:
    """A callback remembering the BLAS thread counts in force during training."""

    def __init__(self, limit=None):
        self.seen = []
        self.limit = limit

    def __call__(self, info):
        self.seen.extend(_blas_threads())
        if self.limit is not None and max(self.seen) > self.limit:
            raise RuntimeError(f"{max(self.seen)} BLAS threads inside a worker allowed {self.limit}")
        return False


@pytest.fixture(autouse=True)
def _default_setting():
    sknn.threads.set_blas_threads(None)
    yield
    sknn.threads.set_blas_threads(None)


def _data(n=60, d=10, dtype=np.float32):
    rng = np.random.default_rng(0)
    return rng.standard_normal((n, d)).astype(dtype), rng.integers(0, 3, n)


def _cpus():
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def test_small_products_run_on_one_thread_and_the_limit_is_restored():
    X, y = _data()
    rec = _Record()
    with threadpool_limits(2, user_api="blas"):
        MLPClassifier(hidden_layer_sizes=(8,), max_iter=2, callbacks=[rec], random_state=0).fit(X, y)
        after = _blas_threads()
    assert set(rec.seen) == {1}
    assert after == [2]


def test_large_products_keep_the_limit_in_force_but_never_raise_it(monkeypatch):
    monkeypatch.setattr(sknn.threads, "SPLIT_WORK", 0)  # every product counts as large
    X, y = _data()
    for outer in (1, 2):
        rec = _Record()
        with threadpool_limits(outer, user_api="blas"):
            MLPClassifier(hidden_layer_sizes=(8,), max_iter=1, callbacks=[rec], random_state=0).fit(X, y)
            assert _blas_threads() == [outer]
        assert set(rec.seen) == {min(outer, _cpus())}


def test_the_setting_caps_the_threads(monkeypatch):
    monkeypatch.setattr(sknn.threads, "SPLIT_WORK", 0)
    X, y = _data()
    sknn.threads.set_blas_threads(1)
    assert sknn.threads.get_blas_threads() == 1
    rec = _Record()
    with threadpool_limits(2, user_api="blas"):
        MLPClassifier(hidden_layer_sizes=(8,), max_iter=1, callbacks=[rec], random_state=0).fit(X, y)
        assert _blas_threads() == [2]
    assert set(rec.seen) == {1}


@pytest.mark.parametrize("bad", [0, -1, 1.5, "2", True])
def test_bad_settings_are_refused(bad):
    with pytest.raises(ValueError, match="n_threads must be a positive int or None"):
        sknn.threads.set_blas_threads(bad)
    assert sknn.threads.get_blas_threads() is None


def test_the_choice_is_deterministic():
    assert sknn.threads.blas_threads_for(sknn.threads.SPLIT_WORK - 1, 8) == 1
    assert sknn.threads.blas_threads_for(sknn.threads.SPLIT_WORK, 1) == 1
    assert sknn.threads.blas_threads_for(sknn.threads.SPLIT_WORK, 2) == min(2, _cpus())
    sknn.threads.set_blas_threads(1)
    assert sknn.threads.blas_threads_for(10**12, 64) == 1


def test_same_seed_same_weights_and_float32_predictions_independent_of_threads(monkeypatch):
    monkeypatch.setattr(sknn.threads, "SPLIT_WORK", 0)
    X, y = _data(200, 30)
    with threadpool_limits(2, user_api="blas"):
        a = MLPClassifier(hidden_layer_sizes=(64,), max_iter=3, random_state=1).fit(X, y)
        b = MLPClassifier(hidden_layer_sizes=(64,), max_iter=3, random_state=1).fit(X, y)
        for wa, wb in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_):
            assert np.array_equal(wa, wb)
        proba = {}
        for setting in (None, 1):
            sknn.threads.set_blas_threads(setting)
            proba[setting] = a.predict_proba(X)
    assert np.array_equal(proba[None].view(np.uint32), proba[1].view(np.uint32))


def test_concurrent_predictions_restore_the_limit():
    X, y = _data(300, 20)
    model = MLPClassifier(hidden_layer_sizes=(16,), max_iter=1, random_state=0).fit(X, y)
    expected = model.predict_proba(X)
    errors = []

    def work():
        for _ in range(20):
            if not np.array_equal(model.predict_proba(X), expected):
                errors.append("differs")

    with threadpool_limits(2, user_api="blas"):
        workers = [threading.Thread(target=work) for _ in range(4)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        assert _blas_threads() == [2]
    assert not errors


def test_grid_search_workers_are_not_oversubscribed():
    """joblib limits each of its k worker processes to cores // k BLAS threads, unless the user set
    OPENBLAS_NUM_THREADS, which the workers then inherit; sknn must never raise the worker's limit
    (the callback fails the fit, and the search, if it sees more)."""
    X, y = _data(200, 100)
    limit = int(os.environ.get("OPENBLAS_NUM_THREADS") or max(1, (os.cpu_count() or 1) // 2))
    # 100 rows x (100 x 512) weights: above SPLIT_WORK, so sknn keeps the limit it finds
    assert 100 * 100 * 512 >= sknn.threads.SPLIT_WORK
    est = MLPClassifier(hidden_layer_sizes=(512,), batch_size=100, max_iter=2, callbacks=[_Record(limit)],
                        random_state=0)
    # no refit: that one runs in this process, with its own limit
    search = GridSearchCV(est, {"alpha": [1e-4, 1e-3]}, cv=2, n_jobs=2, error_score="raise", refit=False)
    search.fit(X, y)
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))


def test_small_predictions_leave_the_threads_alone(monkeypatch):
    """Switching threads costs more than a few rows' products: predict does not, fit does."""
    X, y = _data()
    model = MLPClassifier(hidden_layer_sizes=(8,), max_iter=1, random_state=0).fit(X, y)
    calls = []
    controllers = sknn.threads._blas_controllers()
    for c in controllers:
        original = c.set_num_threads
        monkeypatch.setattr(c, "set_num_threads", lambda n, original=original: (calls.append(n), original(n)))
    with threadpool_limits(2, user_api="blas"):
        model.predict(X[:3])
        assert calls == []
        model.partial_fit(X, y)
        assert calls[: len(controllers)] == [1] * len(controllers)
        assert _blas_threads() == [2]


def test_recurrent_step_products_need_step_share_times_the_work_to_split():
    """A recurrent layer's weights count at 1 / STEP_SHARE: the LSTM of bench/rnn.py (batch 64, 128 units:
    step products of 64 x 128 x 512 = SPLIT_WORK multiply-adds) trains on one thread, a Dense layer of the
    same weight count on two."""
    from sknn import RNNClassifier
    from sknn.nn import LSTM, Dense, Sequential

    lstm = Sequential([LSTM(128)])
    lstm.build((100, 8), np.random.default_rng(0), np.float32)
    dense = Sequential([Dense(512)])
    dense.build((128,), np.random.default_rng(0), np.float32)
    assert max(p.size for p in lstm.params) == max(p.size for p in dense.params) == 128 * 512
    assert sknn.threads.network_work(dense, 64) == 64 * 128 * 512 == sknn.threads.SPLIT_WORK
    assert sknn.threads.network_work(lstm, 64) == 64 * 128 * 512 // sknn.threads.STEP_SHARE
    assert sknn.threads.network_work(lstm, 64 * sknn.threads.STEP_SHARE) == sknn.threads.SPLIT_WORK

    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((64, 6, 8)).astype(np.float32), np.arange(64) % 2
    rec = _Record()
    with threadpool_limits(2, user_api="blas"):
        RNNClassifier(units=128, batch_size=64, max_iter=1, callbacks=[rec], random_state=0).fit(X, y)
    assert set(rec.seen) == {1}
