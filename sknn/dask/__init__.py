"""Data-parallel training of one sknn network on data spread over a Dask cluster.

Requires the ``sknn[dask]`` extra (``dask[array,dataframe]`` and
``distributed``); ``import sknn`` never imports Dask. See :ref:`scaling` for a
guide.
"""

import copy

import numpy as np
from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone, is_classifier
from sklearn.metrics import accuracy_score, r2_score
from sklearn.utils import get_tags
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from ..estimators.recurrent import set_input_scale
from ..training import Validation
from . import _adapter, _worker
from ._trainer import Cluster, ClusterTrainer, Rows, StepFailedError

try:
    import dask
    import dask.array as da
    import distributed
except ImportError as exc:  # pragma: no cover - exercised without the extra
    raise ImportError(
        "sknn.dask needs Dask: pip install 'sknn[dask]' (dask[array,dataframe] and distributed)."
    ) from exc

__all__ = ["DataParallel", "StepFailedError"]


def _is_frame(a):
    return dask.is_dask_collection(a) and hasattr(a, "npartitions") and not hasattr(a, "chunks")


def _is_dask(a):
    return dask.is_dask_collection(a)


def _rows_only(X):
    """A Dask array chunked along its first axis only (one chunk over the others)."""
    if X.ndim > 1 and any(len(c) > 1 for c in X.chunks[1:]):
        X = X.rechunk({i: -1 for i in range(1, X.ndim)})
    return X


def _blocks(a, name):
    """The partitions of a Dask array or DataFrame, as Delayed objects in row order."""
    if a is None:
        return None
    if _is_frame(a):
        return list(a.to_delayed())
    if isinstance(a, da.Array):
        return list(_rows_only(a).to_delayed().ravel())
    raise TypeError(
        f"DataParallel.fit expects {name} as a Dask array or Dask DataFrame/Series (got "
        f"{type(a).__name__}); for data in memory, fit the estimator itself."
    )


def _align(X, other):
    """Give a Dask array ``other`` the row chunks of a Dask array ``X``."""
    if isinstance(X, da.Array) and isinstance(other, da.Array) and not np.isnan(X.shape[0]):
        if other.chunks[0] != X.chunks[0]:
            other = other.rechunk({0: X.chunks[0]})
    return other


def _placeholder(X):
    """One row of zeros with the shape, dtype and column names of ``X`` (no data read)."""
    if _is_frame(X):
        from dask.dataframe.utils import meta_nonempty

        return meta_nonempty(X._meta).iloc[:1] * 0
    return np.zeros((1,) + tuple(X.shape[1:]), dtype=X.dtype)


def _label_counts(client, y):
    """Sorted labels of a 1-D Dask ``y`` and their counts, computed on the cluster."""
    if _is_frame(y):
        counts = client.compute(y.value_counts(), sync=True).sort_index()
        return np.asarray(counts.index), np.asarray(counts.to_numpy())
    labels, counts = client.compute(list(da.unique(y.ravel(), return_counts=True)), sync=True)
    return np.asarray(labels), np.asarray(counts)


def _target_summary(client, estimator, y):
    """(y_row, y_summary, class_weight) for the set-up: labels for classifiers, no data read."""
    if _is_frame(y):
        tail = () if y.ndim == 1 else (len(y.columns),)
    else:
        tail = tuple(y.shape[1:])
    if not is_classifier(estimator):
        row = np.zeros((1,) + tail)
        return row, row, None
    if tail and tail[0] > 1:  # a label indicator matrix: its classes are its columns
        return np.eye(tail[0], dtype=int)[:1], np.eye(tail[0], dtype=int), None
    labels, counts = _label_counts(client, y)
    weights = None
    if isinstance(getattr(estimator, "class_weight", None), str) and estimator.class_weight == "balanced":
        # scikit-learn's 'balanced' from the counts of the whole y, not of a partition
        weights = {c: counts.sum() / (len(labels) * n) for c, n in zip(labels.tolist(), counts)}
    return labels[:1], labels, weights


def _identity(x):
    return x


def _apply(estimator, method, X):
    return getattr(estimator, method)(X)


class DataParallel(MetaEstimatorMixin, BaseEstimator):
    """Train one sknn network on data held by the workers of a Dask cluster.

    ``fit`` trains a clone of ``estimator`` on Dask arrays or DataFrames
    without bringing ``X`` to the client: the partitions are validated,
    encoded and kept on the workers, and each step sends the current weights
    to them. With ``solver='lbfgs'`` every loss evaluation is a map over the
    partitions (loss, gradient and sample-weight sums) and a tree reduction,
    driven by the same scipy L-BFGS as the estimator's own ``fit``. Stochastic
    solvers take synchronous data-parallel steps: the workers compute the
    gradient sums of their rows of the global minibatch (the same minibatches,
    of the same size, as the estimator's own loop draws), and the client takes
    one step of the estimator's optimizer with their weighted mean. Epochs,
    ``loss_curve_``, early stopping, learning-rate schedules and callbacks are
    the training loop's own.

    Parameters
    ----------
    estimator : sknn estimator
        An MLP, NeuralNet, ConvNet or RNN classifier or regressor (not fitted;
        it is cloned).
    client : distributed.Client or None, default=None
        The cluster to use; None uses the current client
        (:func:`distributed.get_client`).
    max_retries : int, default=3
        How many times a step that failed because workers or connections were
        lost is computed again before ``fit`` fails with
        :class:`StepFailedError`.
    timeout : float or None, default=None
        Seconds a single step may take before it counts as failed.
    fan_in : int, default=4
        Partition sums added per reduction task: the sums are added on the
        workers in a fixed tree until at most ``fan_in`` remain, which the
        client adds (the tree's shape depends only on the number of
        partitions, so a fit repeats bit for bit).

    Attributes
    ----------
    estimator_ : sknn estimator
        The fitted estimator, an ordinary one of ``estimator``'s class
        (predicts on NumPy input, saves and loads).
    n_features_in_ : int
        Number of features seen during fit.
    n_partitions_ : int
        Number of partitions the data was trained from.
    retries_ : int
        Steps computed again after a failure during the last fit.

    Examples
    --------
    >>> import dask.array as da
    >>> from distributed import Client, LocalCluster
    >>> from sknn import MLPClassifier
    >>> from sknn.dask import DataParallel
    >>> client = Client(LocalCluster(n_workers=2, threads_per_worker=1))  # doctest: +SKIP
    >>> X = da.random.random((10_000, 20), chunks=(2_500, 20))  # doctest: +SKIP
    >>> y = (X[:, 0] > 0.5).astype(int)  # doctest: +SKIP
    >>> model = DataParallel(MLPClassifier(solver="lbfgs", random_state=0)).fit(X, y)  # doctest: +SKIP
    >>> model.predict(X)  # a lazy Dask array  # doctest: +SKIP
    """

    def __init__(self, estimator, client=None, *, max_retries=3, timeout=None, fan_in=4):
        self.estimator = estimator
        self.client = client
        self.max_retries = max_retries
        self.timeout = timeout
        self.fan_in = fan_in

    def _client(self):
        if self.client is not None:
            return self.client
        try:
            return distributed.get_client()
        except ValueError:
            raise ValueError(
                "DataParallel needs a Dask cluster: pass client=Client(...) or create a Client first."
            ) from None

    # -- fit -----------------------------------------------------------------------
    @staticmethod
    def _moments(client, sums_of, parts, **kw):
        """Weighted mean and variance over every partition: ``sums_of(part, **kw)`` gives ``(sum w,
        sum w v)`` and, with ``mean=``, ``sum w (v - mean)^2``; two reductions over the partitions."""
        sums = client.gather(client.map(sums_of, parts, **kw, pure=False))
        weight = sum(s[0] for s in sums)
        mean = np.sum([s[1] for s in sums], axis=0) / weight
        squares = client.gather(client.map(sums_of, parts, **kw, mean=mean, pure=False))
        return mean, np.sum(squares, axis=0) / weight

    def _standardise(self, client, est, parts, dtype):
        """Standardise the targets with the mean and scale of the whole (weighted) y, as ``fit`` does."""
        est._head.set_scale(est, *self._moments(client, _worker.target_sums, parts,
                                                outputs=_adapter.target_outputs(est)))
        return client.map(_worker.scale_targets, parts, mean=est._y_mean, scale=est._y_scale, dtype=dtype,
                          pure=False)

    def _standardise_inputs(self, client, est, parts):
        """Standardise the input features with the mean and scale of the whole (weighted) X, as ``fit``
        does (``RNNRegressor``)."""
        set_input_scale(est, *self._moments(client, _worker.input_sums, parts))
        return client.map(_worker.scale_inputs, parts, mean=est._x_mean, scale=est._x_scale, pure=False)

    def fit(self, X, y, sample_weight=None):
        """Train a clone of ``estimator`` on the data held by the cluster.

        Parameters
        ----------
        X : dask.array.Array or dask.dataframe.DataFrame of shape (n_samples, ...)
            Partitioned along rows.
        y : dask.array.Array or dask.dataframe.Series/DataFrame
            Targets, partitioned as ``X`` (same number of partitions, same rows).
        sample_weight : dask.array.Array or dask.dataframe.Series, default=None
            Sample weights, partitioned as ``X``.

        Returns
        -------
        self : DataParallel
        """
        est = clone(self.estimator)
        _adapter.check_supported(est)
        client = self._client()
        if isinstance(X, da.Array):
            X = _rows_only(X)
            y, sample_weight = _align(X, y), _align(X, sample_weight)
        xb, yb, wb = _blocks(X, "X"), _blocks(y, "y"), _blocks(sample_weight, "sample_weight")
        if len(yb) != len(xb) or (wb is not None and len(wb) != len(xb)):
            raise ValueError(
                f"X, y and sample_weight must have the same partitions: X has {len(xb)}, y has "
                f"{len(yb)}" + ("" if wb is None else f", sample_weight has {len(wb)}") + "."
            )
        y_row, y_summary, class_weight = _target_summary(client, est, y)
        dtype = _adapter.set_up(est, _placeholder(X), y_row, y_summary, class_weight)
        net = est.network_
        self._check_network(net, sample_weight is not None or getattr(est, "class_weight", None) is not None)
        fraction = est.validation_fraction if est.early_stopping else None
        split_seed, task_seed = _adapter.draw_seeds(est)
        west = _adapter.worker_copy(est)
        if class_weight is not None:  # the workers apply the counts of the whole y; the user's value stays
            est.class_weight = self.estimator.class_weight
        prepare = dask.delayed(_worker.prepare, pure=True)
        parts = client.compute(
            [prepare(west, x, t, None if wb is None else wb[i], dtype, fraction, [split_seed, i])
             for i, (x, t) in enumerate(zip(xb, yb))]
        )
        unscaled = []  # held until the end: a lost scaled partition is computed again from them
        if est._head.standardises:
            unscaled, parts = unscaled + parts, self._standardise(client, est, parts, dtype)
        if getattr(est, "_standardises_inputs", False):
            unscaled, parts = unscaled + parts, self._standardise_inputs(client, est, parts)
        model = client.submit(_identity, _worker.Model(copy.deepcopy(net), _adapter.loss_of(est), est.solver), pure=False)
        try:
            info = client.gather(client.map(_worker.partition_info, parts, pure=False))
            validation = self._validation(client, est, parts, info) if est.early_stopping else None
            if not sum(i["weight"] for i in info) > 0:
                raise ValueError("sample_weight must have a positive sum.")
            n_train = [i["n_train"] for i in info]
            cluster = Cluster(
                client, model, parts, n_train, seed=task_seed,
                max_retries=self.max_retries, timeout=self.timeout, fan_in=max(2, int(self.fan_in)),
            )
            trainer = ClusterTrainer(*_adapter.training_objects(est), owner=est, cluster=cluster)
            rows = Rows(sum(n_train))
            trainer.fit(rows, rows, None, None, validation, incremental=False)
        finally:
            client.cancel(parts + unscaled + [model])
        _adapter.publish(est)
        self.estimator_ = est
        self.n_features_in_ = est.n_features_in_
        if hasattr(est, "feature_names_in_"):
            self.feature_names_in_ = est.feature_names_in_
        self.n_partitions_ = len(xb)
        self.retries_ = cluster.retries
        return self

    @staticmethod
    def _check_network(net, weighted):
        if net.buffers():
            raise ValueError(
                "DataParallel does not support layers with running statistics (batch_norm): each "
                "worker would see its own share of the batch; use batch_norm=False."
            )
        if any(getattr(layer, "sparse_grad", False) for layer in net.layers):
            raise ValueError("DataParallel needs dense gradients: build the embedding layers with sparse_grad=False.")
        if weighted and any(callable(getattr(layer, "penalty", None)) for layer in net.layers):
            raise ValueError(
                "DataParallel cannot combine sample or class weights with activity penalties "
                "(the penalty is an unweighted mean over the batch)."
            )

    @staticmethod
    def _validation(client, est, parts, info):
        if sum(i["n_val"] for i in info) < 2:
            raise ValueError(
                "The validation set is too small. Increase 'validation_fraction' or the size of your dataset."
            )
        targets = client.gather(client.map(_worker.validation_targets, parts, pure=False))
        y_enc = np.concatenate([t[0] for t in targets])
        y_orig = np.concatenate([t[1] for t in targets])
        sw = None if targets[0][2] is None else np.concatenate([t[2] for t in targets])

        def scorer(raw):
            return _adapter.score_raw(est, raw, y_orig, sw)

        return Validation(None, y_enc, scorer, sw, None)

    # -- predict -------------------------------------------------------------------
    def _map(self, method, X):
        """``estimator_.method`` on NumPy input, or lazily over the blocks of Dask input."""
        check_is_fitted(self, "estimator_")
        est = self.estimator_
        if not _is_dask(X):
            return getattr(est, method)(X)
        sample = np.asarray(getattr(est, method)(_placeholder(X)))
        if isinstance(X, da.Array):
            X = _rows_only(X)
            rows = X.chunks[0]
        else:
            rows = (np.nan,) * X.npartitions
        blocks = _blocks(X, "X")
        fitted = dask.delayed(est, pure=True)
        apply = dask.delayed(_apply, pure=True)
        outs = [
            da.from_delayed(apply(fitted, method, b), shape=(n,) + sample.shape[1:], dtype=sample.dtype)
            for b, n in zip(blocks, rows)
        ]
        return da.concatenate(outs, axis=0)

    def predict(self, X):
        """Predictions of ``estimator_``: a lazy Dask array for Dask input.

        Parameters
        ----------
        X : dask.array.Array, dask.dataframe.DataFrame or array-like

        Returns
        -------
        y : dask.array.Array or ndarray
        """
        return self._map("predict", X)

    @available_if(lambda self: hasattr(self.estimator, "predict_proba"))
    def predict_proba(self, X):
        """Class probabilities of ``estimator_``: a lazy Dask array for Dask input.

        Parameters
        ----------
        X : dask.array.Array, dask.dataframe.DataFrame or array-like

        Returns
        -------
        proba : dask.array.Array or ndarray of shape (n_samples, n_classes)
        """
        return self._map("predict_proba", X)

    @available_if(lambda self: hasattr(self.estimator, "transform"))
    def transform(self, X):
        """``estimator_.transform``: a lazy Dask array for Dask input.

        Parameters
        ----------
        X : dask.array.Array, dask.dataframe.DataFrame or array-like

        Returns
        -------
        Xt : dask.array.Array or ndarray
        """
        return self._map("transform", X)

    def score(self, X, y, sample_weight=None):
        """Accuracy (classifiers) or R² (regressors) of ``estimator_``.

        On Dask input the predictions are computed on the cluster and only
        they, ``y`` and the weights come to the client.

        Parameters
        ----------
        X : dask.array.Array, dask.dataframe.DataFrame or array-like
        y : dask or array-like of shape (n_samples,) or (n_samples, n_outputs)
        sample_weight : dask or array-like of shape (n_samples,), default=None

        Returns
        -------
        score : float
        """
        check_is_fitted(self, "estimator_")
        if not _is_dask(X):
            return self.estimator_.score(X, y, sample_weight=sample_weight)
        client = self._client()
        lazy = [self.predict(X), y] + ([] if sample_weight is None else [sample_weight])
        pred, y, *weights = client.compute(lazy, sync=True)
        sample_weight = weights[0] if weights else None
        metric = accuracy_score if is_classifier(self.estimator_) else r2_score
        return float(metric(np.asarray(y), pred, sample_weight=sample_weight))

    @property
    def classes_(self):
        """Class labels of the fitted classifier."""
        check_is_fitted(self, "estimator_")
        return self.estimator_.classes_

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = get_tags(self.estimator)
        tags.estimator_type = inner.estimator_type
        tags.classifier_tags = inner.classifier_tags
        tags.regressor_tags = inner.regressor_tags
        return tags
