"""Scaling out: joblib's Dask backend for hyper-parameter search, out-of-core training.

Skipped when dask.distributed is not installed; CI installs it
(``dask[distributed]``, ``dask-ml``).
"""

import logging
import sys
import warnings

import joblib
import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV

distributed = pytest.importorskip("distributed")
da = pytest.importorskip("dask.array")

from sknn import MLPClassifier  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",
        silence_logs=logging.ERROR,
    )
    client = distributed.Client(cluster, timeout="60s")
    try:
        yield client
    finally:
        client.close(timeout=30)
        cluster.close(timeout=30)


def _data(n=2000, seed=0):
    X, y = make_classification(
        n_samples=n, n_features=10, n_informative=5, n_classes=3, class_sep=2.0, random_state=seed
    )
    return X, y


def test_grid_search_on_dask_cluster(client):
    X, y = _data(300)
    grid = {"hidden_layer_sizes": [(4,), (16,)], "alpha": [1e-4, 1.0]}
    est = MLPClassifier(max_iter=30, learning_rate_init=0.01, random_state=0)

    def search():
        return GridSearchCV(est, grid, cv=3, n_jobs=-1).fit(X, y)

    with joblib.parallel_backend("loky", n_jobs=2):
        local = search()
    with joblib.parallel_backend("dask"):
        remote = search()
    assert remote.best_params_ == local.best_params_
    np.testing.assert_allclose(
        remote.cv_results_["mean_test_score"], local.cv_results_["mean_test_score"]
    )
    # the fits really ran in the cluster's two worker processes
    imported = client.run(lambda: "sknn.estimators.mlp" in sys.modules)
    assert len(imported) == 2 and all(imported.values())


def test_incremental_over_chunked_dask_array(client):
    dask_ml_wrappers = pytest.importorskip("dask_ml.wrappers")
    X, y = _data(2000)
    dX = da.from_array(X, chunks=(400, X.shape[1]))
    dy = da.from_array(y, chunks=400)
    assert dX.numblocks[0] == 5  # larger than one chunk
    inc = dask_ml_wrappers.Incremental(
        MLPClassifier(hidden_layer_sizes=(32,), learning_rate_init=0.01, random_state=0),
        shuffle_blocks=True,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for _ in range(5):  # each call is one pass over the chunks
            inc.partial_fit(dX, dy, classes=np.unique(y))
    assert inc.estimator_.n_iter_ == 1
    assert len(inc.estimator_.loss_curve_) == 25  # one epoch per chunk per pass
    accuracy = inc.estimator_.score(X, y)
    assert accuracy > 0.85, accuracy
    assert inc.score(dX, dy) == pytest.approx(accuracy)


def test_partial_fit_over_memmap_chunks(tmp_path):
    X, y = _data(6000, seed=1)
    path = tmp_path / "X.f32"
    mm = np.memmap(path, dtype=np.float32, mode="w+", shape=X.shape)
    mm[:] = X
    mm.flush()
    del mm
    X_disk = np.memmap(path, dtype=np.float32, mode="r", shape=X.shape)
    clf = MLPClassifier(hidden_layer_sizes=(32,), learning_rate_init=0.01, random_state=0)
    chunk = 1000
    classes = np.unique(y)
    for _ in range(3):
        for start in range(0, X_disk.shape[0], chunk):
            clf.partial_fit(X_disk[start : start + chunk], y[start : start + chunk], classes=classes)
    assert clf.network_.dtype == np.float32  # float32 stays float32
    assert len(clf.loss_curve_) == 18
    assert clf.score(X_disk, y) > 0.85
