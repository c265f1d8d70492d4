"""Concurrent predictions on one fitted model equal serial ones, bit for bit;
and a float32 model's prediction for a sample does not depend on the batch.

Every public estimator is fitted on tiny data, then 4 threads call every
prediction method at once, several times each, each thread on its own input
(the full set, reversed, a subset...). Inference writes nothing on the
network (see the Layer contract in :mod:`sknn.nn.layer`), so no call can see
another's intermediates.

The models are float32 (float32 input for the MLPs, whose dtype follows X) so
that equality can be exact: a float32 network's output for a row does not
depend on the BLAS thread count or on how the library splits work between
concurrent callers (:mod:`sknn.nn.linalg`), whereas a float64 product may
round differently when OpenBLAS runs it on fewer threads. TextClassifier and
NeuralRecommender have no float32 option: their float64 networks run with one
BLAS thread here, which makes the float64 products reproducible too.
"""

import functools
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from sknn import (
    AutoencoderTransformer,
    ConvNetClassifier,
    ConvNetRegressor,
    MLPClassifier,
    MLPRegressor,
    NeuralNetClassifier,
    NeuralNetRegressor,
    NeuralRecommender,
    RNNClassifier,
    RNNRegressor,
    TextClassifier,
)
from sknn.nn import Activation, Conv1D, Dense, Flatten

N_THREADS, N_ROUNDS = 4, 6
FAST = dict(max_iter=3, random_state=0)


def _tabular():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((300, 12)).astype(np.float32)
    return X, (X[:, 0] + X[:, 1] > 0).astype(int), X[:, :3].sum(axis=1)


def _images():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((80, 8, 8, 1)).astype(np.float32)
    return X, (X[:, :4].mean(axis=(1, 2, 3)) > 0).astype(int), X[:, 2:5].mean(axis=(1, 2, 3))


def _sequences():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((80, 10, 3)).astype(np.float32)
    return X, (X[:, :, 0].sum(axis=1) > 0).astype(int), X[:, -3:, 1].sum(axis=1)


def _documents():
    rng = np.random.default_rng(3)
    words = [f"w{i}" for i in range(30)] + ["apple", "rocket"]
    docs, y = [], []
    for _ in range(90):
        c = int(rng.integers(2))
        toks = list(rng.choice(words[:30], int(rng.integers(2, 12)))) + [words[30 + c]]
        rng.shuffle(toks)
        docs.append(" ".join(toks))
        y.append(c)
    return np.array(docs, dtype=object), np.array(y)


def _pairs():
    rng = np.random.default_rng(4)
    X = np.column_stack([rng.integers(0, 15, 200), rng.integers(0, 12, 200)])
    return X, (X[:, 0] % 3 + X[:, 1] % 4).astype(float)


@functools.lru_cache(maxsize=None)  # each model is fitted once for both tests
def _case(name):
    """(fitted estimator, input, names of its prediction methods)."""
    X, yc, yr = _tabular()
    I, ic, ir = _images()
    S, sc, sr = _sequences()
    conv1d = [Conv1D(4, 3, padding="same"), Activation("relu"), Flatten(), Dense(8), Activation("tanh")]
    classify = ("predict", "predict_proba", "predict_log_proba")
    if name == "MLPClassifier":
        return MLPClassifier(hidden_layer_sizes=(16,), **FAST).fit(X, yc), X, classify
    if name == "MLPRegressor":
        return MLPRegressor(hidden_layer_sizes=(16,), **FAST).fit(X, yr), X, ("predict",)
    if name == "NeuralNetClassifier":
        return NeuralNetClassifier(**FAST).fit(X, yc), X, classify
    if name == "NeuralNetRegressor-Conv1D":
        return NeuralNetRegressor(conv1d, input_shape=(12, 1), **FAST).fit(X, yr), X, ("predict",)
    if name == "ConvNetClassifier":
        return ConvNetClassifier(filters=(4,), hidden_layer_sizes=(8,), **FAST).fit(I, ic), I, classify
    if name == "ConvNetRegressor":
        return ConvNetRegressor(filters=(4,), hidden_layer_sizes=(8,), **FAST).fit(I, ir), I, ("predict",)
    if name in ("RNNClassifier-lstm", "RNNClassifier-gru"):
        cell = name.split("-")[1]
        return RNNClassifier(cell=cell, units=8, **FAST).fit(S, sc), S, classify
    if name == "RNNRegressor":
        return RNNRegressor(units=8, **FAST).fit(S, sr), S, ("predict",)
    if name == "AutoencoderTransformer":
        est = AutoencoderTransformer(hidden_layer_sizes=(8, 3), **FAST).fit(X)
        return est, X, ("transform", "score_samples", "inverse_transform")
    if name.startswith("TextClassifier"):
        D, dy = _documents()
        encoder = name.split("-")[1]
        est = TextClassifier(encoder=encoder, embedding_dim=8, units=8, **FAST).fit(D, dy)
        return est, D, classify + ("transform",)
    if name == "NeuralRecommender":
        P, py = _pairs()
        est = NeuralRecommender(n_factors=4, hidden_layer_sizes=(8,), batch_size=64, **FAST).fit(P, py)
        return est, P, ("predict", "recommend")
    raise AssertionError(name)


CASES = [
    "MLPClassifier",
    "MLPRegressor",
    "NeuralNetClassifier",
    "NeuralNetRegressor-Conv1D",
    "ConvNetClassifier",
    "ConvNetRegressor",
    "RNNClassifier-lstm",
    "RNNClassifier-gru",
    "RNNRegressor",
    "AutoencoderTransformer",
    "TextClassifier-mean",
    "TextClassifier-conv",
    "TextClassifier-lstm",
    "NeuralRecommender",
]


def _call(est, method, X):
    if method == "inverse_transform":
        return est.inverse_transform(est.transform(X))
    if method == "recommend":
        return np.concatenate(est.recommend(np.unique(X[:, 0]), n=5))
    return getattr(est, method)(X)


def _float64(est):
    return est.network_.dtype == np.float64


@pytest.mark.parametrize("name", CASES)
def test_concurrent_predictions_equal_serial(name):
    est, X, methods = _case(name)
    with threadpool_limits(1 if _float64(est) else None):
        _concurrent_equals_serial(est, X, methods)


def _concurrent_equals_serial(est, X, methods):
    # each thread its own input: the full set, reversed, the first half, every other row
    inputs = [X, X[::-1], X[: len(X) // 2], X[::2]]
    expected = {(k, m): _call(est, m, inputs[k]) for k in range(N_THREADS) for m in methods}
    barrier = threading.Barrier(N_THREADS)

    def work(k):
        barrier.wait()
        return [(m, _call(est, m, inputs[k])) for _ in range(N_ROUNDS) for m in methods]

    with ThreadPoolExecutor(N_THREADS) as pool:
        results = list(pool.map(work, range(N_THREADS)))
    wrong = [
        (k, m)
        for k, calls in enumerate(results)
        for m, out in calls
        if not np.array_equal(out, expected[k, m])
    ]
    assert not wrong, f"{len(wrong)} of {N_THREADS * N_ROUNDS * len(methods)} concurrent calls differ: {wrong[:5]}"


@pytest.mark.parametrize("name", CASES)
def test_predictions_do_not_depend_on_the_batch(name):
    """Each row's output is the same bit for bit alone, in a shuffled batch, in
    a subset, and with 1 or 2 BLAS threads: scikit-learn's order and subset
    invariance checks, exactly (they allow 1e-7). Float64 networks use plain
    BLAS, as scikit-learn: equal up to the summation order."""
    est, X, methods = _case(name)

    def same(a, b):
        if _float64(est):
            return np.allclose(a, b, rtol=1e-12, atol=1e-15)
        return np.array_equal(a, b)

    perm = np.random.default_rng(0).permutation(len(X))
    for method in methods:
        if method == "recommend":  # a ranking per user: rows of the catalogue, tested via predict
            continue
        full = _call(est, method, X)
        if np.ndim(full) == 0:  # score: a mean over the rows
            continue
        assert same(_call(est, method, X[perm]), full[perm]), method
        for rows in (perm[:1], perm[:7], np.sort(perm[:30])):
            assert same(_call(est, method, X[rows]), full[rows]), (method, len(rows))
        for threads in (1, 2):
            with threadpool_limits(threads):
                assert same(_call(est, method, X), full), (method, threads)
