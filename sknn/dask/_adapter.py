"""The estimator's private set-up steps that data-parallel training reuses.

:class:`~sknn.dask.DataParallel` trains the network of an ordinary sknn
estimator; the steps an estimator's ``fit`` runs before and after the training
loop (parameter checks, input validation and shaping, target encoding, the
network's construction, publishing the fitted attributes) are its private
methods. Every call to them is here, so that a change of the estimators'
private interface is met in this one file.
"""

import copy

import numpy as np

from ..estimators._base import BaseNetwork
from ..nn import Sequential
from ..inference import as_network_dtype
from ..training import FitState

__all__ = [
    "check_supported",
    "set_up",
    "worker_copy",
    "prepare_partition",
    "draw_seeds",
    "training_objects",
    "score_raw",
    "publish",
    "loss_of",
    "target_outputs",
]

# estimators that do not train through the loop on row-aligned (X, y) data, and why
_UNSUPPORTED = {
    "TextClassifier": "its vocabulary is learnt from the whole corpus before training",
    "NeuralRecommender": "it resamples negative pairs every epoch and updates embedding rows lazily",
    "AutoencoderTransformer": "it is fitted without y (reconstruction); data-parallel training of it is not implemented",
}


def check_supported(estimator):
    """Raise a clear error for an estimator DataParallel cannot train."""
    name = type(estimator).__name__
    if not isinstance(estimator, BaseNetwork):
        raise TypeError(
            f"DataParallel trains sknn networks (MLP, NeuralNet, ConvNet and RNN estimators); got {name}."
        )
    for cls in type(estimator).__mro__:
        if cls.__name__ in _UNSUPPORTED:
            raise TypeError(f"DataParallel does not support {name}: {_UNSUPPORTED[cls.__name__]}.")


def set_up(estimator, X_row, y_row, y_summary, class_weight):
    """Validate parameters and build the network from one placeholder row (no data).

    ``X_row`` and ``y_row`` hold one row of the data's shape and types (zeros)
    so that the estimator records ``n_features_in_`` and friends; ``y_summary``
    holds the labels of the whole ``y`` for a classifier (``y_row`` for a
    regressor). Returns the network's dtype. The random generator is drawn as
    the estimator's own ``fit`` draws it, so the initial weights are the same.
    """
    est = estimator
    est._validate_params()
    if est.warm_start:
        raise ValueError("DataParallel fits a fresh clone each time; warm_start=True is not supported.")
    if class_weight is not None:
        est.class_weight = class_weight
    adapter, head = est._adapter, est._head
    X1, mask1, y1 = adapter.fit_input(est, X_row, y_row, reset=True)
    head.check_target(est, y1, X1, mask1, reset=True)
    dtype = np.dtype(adapter.dtype(est, X1))
    y_enc = head.encode(est, y_summary, first=True, incremental=False, classes=None)
    est._rng = est._make_rng()
    input_shape = adapter.input_shape(est, X1)
    layers = est._build_layers(input_shape, y_enc.shape[1:], est._rng)
    net = Sequential(layers)
    net.input_grad = False
    net.build(input_shape, est._rng, dtype)
    est.network_ = net
    est._fit_state = FitState()
    return dtype


def worker_copy(estimator):
    """What the workers need of the set-up estimator: no network, no callbacks."""
    est = copy.copy(estimator)
    for name in ("network_", "_fit_state", "_rng"):
        est.__dict__.pop(name, None)
    est.callbacks = None
    return est


def prepare_partition(est, X, y, sample_weight, dtype):
    """Validate, shape and encode one partition, as the estimator's ``fit`` does.

    Returns ``(X, mask, y_encoded, sample_weight, y)``: ``y`` as validated (for
    the validation score), ``sample_weight`` with ``class_weight`` applied.
    """
    X, mask, y = est._adapter.fit_input(est, X, y, reset=False)
    y = est._head.check_target(est, y, X, mask, reset=False)
    X = as_network_dtype(X, dtype)
    y_enc = est._head.encode(est, y, first=False, incremental=False, classes=None)
    if not est._head.standardises:  # else float64 until scaled by the statistics of the whole y
        y_enc = y_enc.astype(dtype, copy=False)
    if sample_weight is not None:
        sample_weight = np.asarray(sample_weight, dtype=np.float64)
        if not (np.isfinite(sample_weight).all() and (sample_weight >= 0).all()):
            raise ValueError("sample_weight must be finite and non-negative.")
    if sample_weight is None or sample_weight.sum() > 0:
        # the positive-sum check applies to the whole data (on the client), not to a partition
        sample_weight = est._sample_weight(sample_weight, X, y)
    y = y.to_numpy() if hasattr(y, "to_numpy") else np.asarray(y)
    return X, mask, y_enc, sample_weight, y


def draw_seeds(est):
    """``(validation split seed, per-task seed)`` from the estimator's generator.

    The split seed is drawn as the estimator's own ``fit`` draws it (with
    ``early_stopping``), so the generator then shuffles as it would; the
    per-task seed (dropout on the workers) is read from a copy.
    """
    split = int(est._rng.integers(np.iinfo(np.int32).max)) if est.early_stopping else 0
    return split, int(copy.deepcopy(est._rng).integers(2**31))


def training_objects(est):
    """``(network, loss, config, fit state, generator)`` for the training loop."""
    return est.network_, est._loss_fn, est._training_config(), est._fit_state, est._rng


def score_raw(est, raw, y, sample_weight):
    """The estimator's validation score of raw network outputs."""
    return est._head.score(est, raw, y, sample_weight)


def publish(est):
    """Set the fitted attributes (``n_iter_``, ``loss_curve_``, ``coefs_``...) from the fit state."""
    est._publish_state()


def loss_of(est):
    """The estimator's loss object (set by ``set_up``)."""
    return est._loss_fn


def target_outputs(est):
    """Outputs per target row as the head standardises them (one per step of a 2-D sequence target)."""
    return est._seq_outputs or int(np.prod(est.network_.output_shape))
