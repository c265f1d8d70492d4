"""What runs on the Dask workers: prepared partitions, per-share sums, reductions.

Every function here is a pure function of its arguments (a partition, the
weights, the rows, a seed): Dask may run it again on another worker after a
failure and get the same result.
"""

import copy
from dataclasses import dataclass

import numpy as np

from ..nn.sparse_grad import to_dense
from ..estimators import recurrent
from ..estimators._heads import SequenceRegression, weighted_sums
from ..inference import predict_raw
from ..training import FitState, Trainer, TrainingConfig
from . import _adapter

__all__ = ["Model", "Share", "prepare", "partition_info", "validation_targets", "share_loss_grads",
           "share_outputs", "share_data_loss", "sum_shares", "target_sums", "scale_targets",
           "input_sums", "scale_inputs"]


@dataclass
class Model:
    """The network (weights irrelevant: each task loads its own), its loss and solver."""

    net: object
    loss: object
    solver: str


@dataclass
class Share:
    """Sums over some rows: loss times weight, gradient times weight, weight, rows."""

    loss: float
    grad: np.ndarray
    weight: float
    rows: int


def _take(a, idx):
    return None if a is None else a[idx]


def prepare(est, X, y, sample_weight, dtype, validation_fraction, seed):
    """One partition, validated and encoded, split into training and held-out rows.

    Returns a dict of arrays: ``X``, ``mask``, ``y``, ``sw`` for training and,
    when ``validation_fraction`` is set, ``val`` holding the same for the
    held-out rows plus ``y_orig`` (the targets as given, for the score).
    """
    X, mask, y_enc, sw, y_orig = _adapter.prepare_partition(est, X, y, sample_weight, dtype)
    part = {"X": X, "mask": mask, "y": y_enc, "sw": sw}
    if not validation_fraction:
        return part
    n = X.shape[0]
    # as train_test_split: ceil(fraction * n) rows held out (not stratified within a partition)
    n_val = int(np.ceil(validation_fraction * n)) if n else 0
    order = np.random.default_rng(seed).permutation(n)
    val, train = np.sort(order[:n_val]), np.sort(order[n_val:])
    part = {k: _take(v, train) for k, v in part.items()}
    part["val"] = {"X": X[val], "mask": _take(mask, val), "y": y_enc[val], "sw": _take(sw, val), "y_orig": y_orig[val]}
    return part


def _all_targets(part, outputs):
    """The targets of a partition's training and held-out rows, ``(rows, outputs)``, and their weights."""
    ys, ws = [], []
    for piece in _pieces(part):
        flat, w = SequenceRegression.flat_targets(piece["y"], piece["sw"], outputs)
        ys.append(flat)
        ws.append(np.ones(flat.shape[0]) if w is None else w)
    return np.concatenate(ys), np.concatenate(ws)


def target_sums(part, outputs, mean=None):
    """Weighted sums over a partition's targets (all its rows): ``(sum w, sum w y)``, or with
    ``mean`` given ``sum w (y - mean)^2`` (per output), for the head's standardisation."""
    return weighted_sums(*_all_targets(part, outputs), mean)


def _pieces(part):
    """A partition's training rows, then its held-out rows if it has any."""
    return [part] + ([part["val"]] if "val" in part else [])


def _with(part, key, transform):
    """The partition with ``transform`` applied to ``key`` of its training and held-out rows."""
    out = dict(part, **{key: transform(part[key])})
    if "val" in part:
        out["val"] = dict(part["val"], **{key: transform(part["val"][key])})
    return out


def scale_targets(part, mean, scale, dtype):
    """The partition with its encoded targets standardised and cast to the network's dtype."""
    return _with(part, "y", lambda y: ((y - mean) / scale).astype(dtype))


def input_sums(part, mean=None):
    """:func:`~sknn.estimators.recurrent.input_sums` over a partition's training and held-out rows."""
    sums = [recurrent.input_sums(p["X"], p["mask"], p["sw"], mean) for p in _pieces(part)]
    if mean is not None:
        return np.sum(sums, axis=0)
    return sum(s[0] for s in sums), np.sum([s[1] for s in sums], axis=0)


def scale_inputs(part, mean, scale):
    """The partition with its input features standardised (as ``RNNRegressor`` does locally)."""
    return _with(part, "X", lambda X: recurrent.standardise_inputs(X, mean, scale))


def partition_info(part):
    """Rows for training, held-out rows and the training weight sum (small, for the client)."""
    sw = part["sw"]
    val = part.get("val")
    return {
        "n_train": int(part["X"].shape[0]),
        "n_val": 0 if val is None else int(val["X"].shape[0]),
        "weight": float(part["X"].shape[0] if sw is None else np.sum(sw)),
    }


def validation_targets(part):
    """The held-out rows' encoded targets, targets as given and weights."""
    val = part["val"]
    return val["y"], val["y_orig"], val["sw"]


def _network(model, weights):
    """A private copy of the network with ``weights`` loaded (tasks may share a worker)."""
    net = copy.deepcopy(model.net)
    start = 0
    for p in net.params:
        p[...] = weights[start : start + p.size].reshape(p.shape)
        start += p.size
    return net


def share_loss_grads(model, part, weights, rows, training, seed):
    """Sums of the data loss and its gradient over ``rows`` of a partition (all rows if None).

    The per-share computation is the training loop's own
    :meth:`~sknn.training.Trainer.data_loss_and_grads` (no L2 penalty: the
    client adds it once, for the total weight of the batch).
    """
    X, y, sw, mask = part["X"], part["y"], part["sw"], part["mask"]
    if rows is not None:
        X, y, sw, mask = X[rows], y[rows], _take(sw, rows), _take(mask, rows)
    n_params = int(sum(p.size for p in model.net.params))
    if X.shape[0] == 0 or (sw is not None and not sw.sum() > 0):
        return Share(0.0, np.zeros(n_params), 0.0, int(X.shape[0]))
    net = _network(model, weights)
    rng = np.random.default_rng(seed)
    net.rng_for_training(rng)
    trainer = Trainer(net, model.loss, TrainingConfig(solver=model.solver, alpha=0.0), FitState(), rng)
    with np.errstate(over="ignore", invalid="ignore"):
        value, weight = trainer.data_loss_and_grads(X, y, sw, mask, training)
        grad = np.concatenate([np.asarray(to_dense(g), dtype=np.float64).ravel() for g in trainer.grads])
        grad *= weight
    return Share(float(value) * weight, grad, float(weight), int(X.shape[0]))


def sum_shares(*shares):
    """Add shares in the order given (the reduction's order is fixed, so results repeat)."""
    first = shares[0]
    total = Share(first.loss, first.grad.copy(), first.weight, first.rows)
    for s in shares[1:]:
        total.loss += s.loss
        total.grad += s.grad
        total.weight += s.weight
        total.rows += s.rows
    return total


def share_outputs(model, part, weights, rows, held_out):
    """Inference outputs (and encoded targets) of some rows: training ``rows``, or all held-out rows."""
    data = part["val"] if held_out else part
    X, y, mask = data["X"], data["y"], data["mask"]
    if rows is not None:
        X, y, mask = X[rows], y[rows], _take(mask, rows)
    net = _network(model, weights)
    with np.errstate(all="ignore"):
        return predict_raw(net, X, mask), y


def share_data_loss(model, part, weights):
    """Inference-mode loss sum and weight sum over the training rows (inf loss if not finite)."""
    X, y, sw, mask = part["X"], part["y"], part["sw"], part["mask"]
    weight = float(X.shape[0] if sw is None else np.sum(sw))
    if not weight > 0:
        return 0.0, 0.0
    net = _network(model, weights)
    with np.errstate(all="ignore"):
        raw = predict_raw(net, X, mask)
        if not np.isfinite(raw).all():
            return np.inf, weight
        return float(model.loss.value(y, raw, sw)) * weight, weight
