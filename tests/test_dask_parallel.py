"""sknn.dask.DataParallel: one network trained on data held by Dask workers.

A LocalCluster of two worker processes (one thread each) is started once for
the module. Steps cost a scheduler round trip each, so the data sets are small
and the minibatches large: few steps per test.
"""

import logging
import os
import signal
import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification, make_regression

dask = pytest.importorskip("dask")
distributed = pytest.importorskip("distributed")
da = pytest.importorskip("dask.array")
dd = pytest.importorskip("dask.dataframe")
pd = pytest.importorskip("pandas")

from sknn import MLPClassifier, MLPRegressor, TextClassifier, load, save  # noqa: E402
from sknn.dask import DataParallel  # noqa: E402
from sknn.dask._worker import Share  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

# seconds a step may take before it counts as failed (the tests never hang on a lost cluster)
STEP_TIMEOUT = 120


@pytest.fixture(scope="module")
def client():
    # the scheduler runs in this process: its per-task log records would all go through
    # pytest's log capture, which slows every step several times over
    logger = logging.getLogger("distributed")
    level = logger.level
    logger.setLevel(logging.ERROR)
    # forked workers (also those a nanny restarts) inherit this process's imports: a spawned
    # worker spends ~15 s of a busy 2-core machine importing scikit-learn and sknn
    fork = dask.config.set({"distributed.worker.multiprocessing-method": "fork"})
    shape = dict(n_workers=2, threads_per_worker=1, processes=True)
    cluster = distributed.LocalCluster(**shape, dashboard_address=":0", silence_logs=logging.CRITICAL)
    with distributed.Client(cluster, timeout="60s") as client:
        yield client
    cluster.close(timeout=30)
    fork.__exit__(None, None, None)
    logger.setLevel(level)


def _classification(n=600, seed=0):
    X, y = make_classification(
        n_samples=n, n_features=8, n_informative=5, n_classes=3, class_sep=1.5, random_state=seed
    )
    return X, y


def _dask(X, y, parts=2):
    rows = -(-X.shape[0] // parts)
    return da.from_array(X, chunks=(rows, X.shape[1])), da.from_array(y, chunks=rows)


class GatherLog:
    """Everything the client receives from the cluster (wraps ``Client._gather``)."""

    def __init__(self, monkeypatch):
        self.objects = []
        self.keys = set()
        original = distributed.Client._gather

        async def gather(client, futures, *args, **kwargs):
            self._collect_keys(futures)
            result = await original(client, futures, *args, **kwargs)
            self.objects.append(result)
            return result

        monkeypatch.setattr(distributed.Client, "_gather", gather)

    def _collect_keys(self, obj):
        if isinstance(obj, distributed.Future):
            self.keys.add(obj.key)
        elif isinstance(obj, (list, tuple, set)):
            for o in obj:
                self._collect_keys(o)
        elif isinstance(obj, dict):
            for o in obj.values():
                self._collect_keys(o)

    def arrays(self):
        found = []

        def walk(obj):
            if isinstance(obj, np.ndarray):
                found.append(obj)
            elif isinstance(obj, Share):
                found.append(obj.grad)
            elif isinstance(obj, (list, tuple)):
                for o in obj:
                    walk(o)
            elif isinstance(obj, dict):
                for o in obj.values():
                    walk(o)
            elif hasattr(obj, "to_numpy"):
                found.append(obj.to_numpy())

        walk(self.objects)
        return found


def test_lbfgs_equals_single_process_and_x_never_reaches_the_client(client, monkeypatch):
    X, y = _classification(600)
    dX, dy = _dask(X, y, parts=3)
    est = MLPClassifier(hidden_layer_sizes=(12,), solver="lbfgs", alpha=1e-2, max_iter=10, random_state=0)
    log = GatherLog(monkeypatch)
    # fan_in=2: two of the three partition sums are added on a worker, then on the client
    model = DataParallel(est, client, timeout=STEP_TIMEOUT, fan_in=2).fit(dX, dy)
    single = MLPClassifier(**est.get_params()).fit(X, y)
    # the same optimisation (same initial weights, same objective with its L2 term): equal up to summation order
    assert model.estimator_.n_iter_ == single.n_iter_ == 10
    assert model.estimator_.loss_ == pytest.approx(single.loss_, rel=1e-4)
    np.testing.assert_allclose(model.estimator_.coefs_[0], single.coefs_[0], rtol=1e-5, atol=1e-8)
    assert model.n_partitions_ == 3
    # what came back to the client: sums, labels and outputs, never rows of X
    received = log.arrays()
    assert received and log.keys, "the guard saw nothing: it is not wired"
    assert not log.keys & set(dX.__dask_keys__()[i][0] for i in range(3))  # no block of X was gathered
    assert not any(a.ndim == 2 and a.shape[1] == X.shape[1] for a in received)
    assert max(a.size for a in received) < X.size / 4
    assert type(model.estimator_) is MLPClassifier


def test_adam_matches_single_process_accuracy(client):
    X, y = _classification(600, seed=1)
    dX, dy = _dask(X, y)
    est = MLPClassifier(hidden_layer_sizes=(16,), batch_size=200, learning_rate_init=0.02, max_iter=6, random_state=0)
    model = DataParallel(est, client, timeout=STEP_TIMEOUT).fit(dX, dy)
    single = MLPClassifier(**est.get_params()).fit(X, y)
    fitted = model.estimator_
    # the same minibatches from the same generator, one optimizer step each
    assert len(fitted.loss_curve_) == len(single.loss_curve_) == 6
    np.testing.assert_allclose(fitted.loss_curve_, single.loss_curve_, rtol=1e-6)
    assert fitted.t_ == single.t_
    assert abs(fitted.score(X, y) - single.score(X, y)) <= 0.01


def test_predict_on_dask_is_lazy_and_equals_numpy(client, tmp_path, monkeypatch):
    X, y = make_regression(n_samples=300, n_features=5, noise=1.0, random_state=0)
    dX, dy = _dask(X, y, parts=3)
    model = DataParallel(
        MLPRegressor(hidden_layer_sizes=(8,), solver="lbfgs", max_iter=5, random_state=0), client, timeout=STEP_TIMEOUT
    ).fit(dX, dy)
    log = GatherLog(monkeypatch)
    lazy = model.predict(dX)
    assert isinstance(lazy, da.Array) and lazy.chunks[0] == dX.chunks[0]
    assert not log.objects  # nothing computed yet
    # float64 outputs of a block and of the whole X differ at most by BLAS summation order
    np.testing.assert_allclose(lazy.compute(), model.estimator_.predict(X), rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(model.predict(X), model.estimator_.predict(X))  # NumPy: delegated
    assert model.score(dX, dy) == pytest.approx(model.estimator_.score(X, y))
    # an ordinary fitted estimator: saved and loaded
    save(model.estimator_, tmp_path / "m.sknn")
    np.testing.assert_allclose(load(tmp_path / "m.sknn").predict(X), model.estimator_.predict(X), rtol=1e-12)


@pytest.mark.slow
def test_dataframe_input_with_early_stopping_and_proba(client):
    X, y = _classification(600, seed=3)
    columns = [f"f{i}" for i in range(X.shape[1])]
    frame = dd.from_pandas(pd.DataFrame(X, columns=columns), npartitions=2)
    target = dd.from_pandas(pd.Series(y, name="y"), npartitions=2)
    est = MLPClassifier(
        hidden_layer_sizes=(8,), batch_size=270, learning_rate_init=0.02, max_iter=4,
        early_stopping=True, n_iter_no_change=50, random_state=0,
    )
    model = DataParallel(est, client, timeout=STEP_TIMEOUT).fit(frame, target)
    fitted = model.estimator_
    assert list(fitted.feature_names_in_) == columns
    assert len(fitted.validation_scores_) == len(fitted.loss_curve_) == 4
    # the held-out rows: ceil(0.1 * 300) of each partition; the rest trains
    assert fitted.t_ == 4 * (600 - 2 * 30)
    proba = model.predict_proba(frame)
    assert isinstance(proba, da.Array)
    np.testing.assert_allclose(proba.compute(), fitted.predict_proba(pd.DataFrame(X, columns=columns)))
    assert list(model.classes_) == [0, 1, 2]


def test_clear_errors(client):
    X, y = _classification(100)
    dX, dy = _dask(X, y)
    with pytest.raises(TypeError, match="TextClassifier: its vocabulary"):
        DataParallel(TextClassifier(), client).fit(dX, dy)
    with pytest.raises(TypeError, match="Dask array or Dask DataFrame"):
        DataParallel(MLPClassifier(), client).fit(X, y)
    with pytest.raises(ValueError, match="batch_norm"):
        DataParallel(MLPClassifier(batch_norm=True), client).fit(dX, dy)
    with pytest.raises(ValueError, match="same partitions"):
        DataParallel(MLPClassifier(), client).fit(dX, dd.from_pandas(pd.Series(y), npartitions=3))
    bad = X.copy()
    bad[-1, 0] = np.nan  # found by the worker validating the last partition
    with pytest.raises(ValueError, match="NaN"):
        DataParallel(MLPClassifier(), client).fit(*_dask(bad, y))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing was trained: no estimator_
        model = DataParallel(MLPClassifier(), client)
    assert not hasattr(model, "estimator_")


def test_killed_worker_gives_the_same_model(client):
    X, y = _classification(600, seed=2)
    dX, dy = _dask(X, y)
    pids = client.run(os.getpid)
    victim = sorted(pids.values())[0]
    killed = []

    def kill_once(info):
        if info["epoch"] == 2 and not killed:
            os.kill(victim, signal.SIGKILL)  # the worker process dies; its partitions are lost
            killed.append(victim)
        return False

    params = dict(hidden_layer_sizes=(8,), solver="sgd", batch_size=300, learning_rate_init=0.05, max_iter=5, random_state=0)
    model = DataParallel(MLPClassifier(callbacks=[kill_once], **params), client, timeout=STEP_TIMEOUT).fit(dX, dy)
    assert killed
    assert victim not in client.run(os.getpid).values()
    single = MLPClassifier(**params).fit(X, y)
    # the lost partitions were recomputed and the steps retried: not a different model
    np.testing.assert_allclose(model.estimator_.loss_curve_, single.loss_curve_, rtol=1e-9)
    for a, b in zip(model.estimator_.coefs_, single.coefs_):
        np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-10)
    client.wait_for_workers(2, timeout=120)


def test_rows_of_a_batch_go_to_the_partitions_holding_them():
    from sknn.dask._trainer import Cluster, Rows

    cluster = Cluster(None, None, parts=[None] * 3, n_train=[4, 0, 3], seed=0)
    batch = Rows(7)[np.array([6, 0, 5, 3, 1])]
    groups = cluster.split(batch.index)
    # partition order, the batch's order within a partition, local row numbers
    assert [(p, rows.tolist()) for p, rows in groups] == [(0, [0, 3, 1]), (2, [2, 1])]
    assert [p for p, rows in cluster.split(None)] == [0, 2]  # the empty partition gets no task
    assert Rows(7)[2:5].index.tolist() == [2, 3, 4]


@pytest.mark.slow
def test_importing_sknn_does_not_import_dask():
    import subprocess
    import sys

    code = "import sys, sknn; assert not any(m.split('.')[0] in ('dask', 'distributed') for m in sys.modules)"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=300)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["conv", "rnn", "neuralnet"])
def test_shaped_and_custom_networks(client, kind):
    from sknn import ConvNetClassifier, NeuralNetClassifier, RNNRegressor
    from sknn.nn import Activation, Dense

    rng = np.random.default_rng(0)
    images = rng.normal(size=(200, 6, 6, 1))
    y = (images[:, :3].sum(axis=(1, 2, 3)) > 0).astype(int)
    if kind == "conv":  # float32 networks: equal to float32 rounding
        X, est = images, ConvNetClassifier(
            input_shape=(6, 6, 1), filters=(4,), hidden_layer_sizes=(8,), solver="lbfgs", max_iter=5, random_state=0
        )
    elif kind == "rnn":
        # X and y standardised by the mean and scale of all of them (no dropout, no split: the same steps)
        X, y = 5.0 + 3.0 * images.reshape(200, 6, 6), 50.0 + 100.0 * y
        est = RNNRegressor(input_shape=(6, 6), cell="gru", units=4, batch_size=100, max_iter=3, dropout=0.0,
                           early_stopping=False, random_state=0)
    else:
        X = images.reshape(200, 36)
        est = NeuralNetClassifier([Dense(8), Activation("tanh")], batch_size=100, max_iter=3, random_state=0)
    dX = da.from_array(X, chunks=(100,) + X.shape[1:])
    model = DataParallel(est, client, timeout=STEP_TIMEOUT).fit(dX, da.from_array(y, chunks=100))
    single = type(est)(**est.get_params()).fit(X, y)
    assert model.estimator_.loss_ == pytest.approx(single.loss_, rel=1e-4)
    if kind == "rnn":
        np.testing.assert_allclose(model.estimator_._y_mean, single._y_mean, rtol=1e-12)
        np.testing.assert_allclose(model.estimator_._y_scale, single._y_scale, rtol=1e-12)
        np.testing.assert_allclose(model.estimator_._x_mean, single._x_mean, rtol=1e-12)
        np.testing.assert_allclose(model.estimator_._x_scale, single._x_scale, rtol=1e-12)
    # float32 networks: a row's output does not depend on the rows predicted with it
    np.testing.assert_array_equal(model.predict(dX).compute(), model.estimator_.predict(X))


@pytest.mark.slow
def test_sample_and_balanced_class_weights_follow_the_whole_data(client):
    X, y = make_classification(n_samples=400, n_features=6, weights=[0.8, 0.2], random_state=4)
    weights = np.random.default_rng(0).uniform(0.5, 2.0, size=400)
    dX, dy = _dask(X, y)
    est = MLPClassifier(hidden_layer_sizes=(6,), solver="lbfgs", max_iter=5, class_weight="balanced", random_state=0)
    model = DataParallel(est, client, timeout=STEP_TIMEOUT).fit(dX, dy, sample_weight=da.from_array(weights, chunks=200))
    single = MLPClassifier(**est.get_params()).fit(X, y, sample_weight=weights)
    # 'balanced' from the counts of all of y (a partition's counts would give other weights)
    assert model.estimator_.loss_ == pytest.approx(single.loss_, rel=1e-6)
    assert model.estimator_.class_weight == "balanced"


@pytest.mark.slow
def test_standardised_sequence_targets_use_the_whole_weighted_y(client):
    """RNNRegressor standardises X and y with the weighted mean and scale of all rows, held-out rows included."""
    from sknn import RNNRegressor

    rng = np.random.default_rng(1)
    X = rng.normal(size=(300, 5, 2)) * [1.0, 20.0] + [0.0, -7.0]
    y = np.stack([1000.0 + 30.0 * X[:, :, 0], -0.1 * X[:, :, 1]], axis=2)  # two outputs per step
    w = rng.uniform(0.5, 2.0, size=300)
    est = RNNRegressor(units=4, batch_size=50, max_iter=2, early_stopping=True, random_state=0)
    model = DataParallel(est, client, timeout=STEP_TIMEOUT).fit(
        da.from_array(X, chunks=(100, 5, 2)), da.from_array(y, chunks=(100, 5, 2)),
        sample_weight=da.from_array(w, chunks=100))
    flat, rows = y.reshape(-1, 2), np.repeat(w, 5)
    mean = np.average(flat, axis=0, weights=rows)
    np.testing.assert_allclose(model.estimator_._y_mean, mean, rtol=1e-12)
    np.testing.assert_allclose(model.estimator_._y_scale, np.sqrt(np.average((flat - mean) ** 2, axis=0, weights=rows)),
                               rtol=1e-10)
    X32 = X.astype(np.float32).reshape(-1, 2)  # the float32 network's input, as the local fit takes it
    x_mean = np.average(X32, axis=0, weights=rows)
    np.testing.assert_allclose(model.estimator_._x_mean, x_mean, rtol=1e-12)
    np.testing.assert_allclose(model.estimator_._x_scale,
                               np.sqrt(np.average((X32 - x_mean) ** 2, axis=0, weights=rows)), rtol=1e-10)
    assert model.estimator_.predict(X).shape == y.shape
    assert abs(model.estimator_.predict(X)[..., 0].mean() - 1000.0) < 100.0  # in y's units
