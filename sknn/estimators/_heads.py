"""Task heads: what a task makes of y and of the network's raw outputs.

An estimator holds one head (the class attribute ``_head``). A head owns the
target's checks and encoding, the loss (and so the output activation: the
output layer itself is a plain :func:`output_dense`, raw scores), the link from
raw outputs to predictions, and the score. Like the input adapters, a head is
stateless: what it learns at fit (``classes_``, the label binarizer, the loss)
is kept on the estimator under the fitted attribute names sknn has always saved.

The protocol, ``est`` being the estimator:

* ``classifier`` / ``steps`` / ``supervised``: whether y holds labels, whether it may have a
  time axis, whether there is a y at all;
* ``check_target(est, y, X, mask, reset) -> y``: task-specific checks after the adapter's;
* ``encode(est, y, first, incremental, classes) -> Y``: float targets for the loss;
  sets ``est._loss_fn`` and ``est.out_activation_`` on a first fit;
* ``scale(est, Y, sample_weight, first) -> Y``: the encoded targets as the network
  learns them (unchanged but for :class:`SequenceRegression`, which standardises them);
* ``predict(est, raw)``: raw outputs (float64 or the network's dtype) to predictions;
* ``score(est, raw, y, sample_weight)``: the score ``score`` and early stopping maximise;
* ``stratify(est, y, Y)``: what the early-stopping split is stratified on (or None).
"""

import numpy as np
from sklearn.metrics import accuracy_score, r2_score
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils.multiclass import type_of_target, unique_labels
from sklearn.utils.validation import check_array, check_consistent_length, column_or_1d

from ..nn import Dense
from ..nn import losses as _losses

__all__ = ["Classification", "Regression", "SequenceRegression", "Ratings", "Reconstruction", "output_dense"]


def output_dense(n_outputs, initializer="glorot_uniform"):
    """The output layer: raw scores, the loss applies the output activation."""
    bias = initializer if initializer.startswith("sklearn") else "zeros"
    return Dense(int(np.prod(n_outputs)), kernel_initializer=initializer, bias_initializer=bias)


class Head:
    """Defaults shared by the heads (see the module docstring for the protocol)."""

    classifier = False
    steps = False
    supervised = True
    standardises = False  # whether ``scale`` standardises the targets (see SequenceRegression)

    def check_target(self, est, y, X, mask, reset):
        return y

    def stratify(self, est, y, Y):
        return None

    def _set_loss(self, est, loss):
        est._loss_fn = loss
        est.out_activation_ = loss.out_activation

    def scale(self, est, Y, sample_weight, first):
        return Y


class Classification(Head):
    """Binary, multiclass (softmax + log-loss) and multilabel (sigmoids) classification."""

    classifier = True

    def encode(self, est, y, first, incremental, classes):
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if first:
            target = type_of_target(y)
            if target not in ("binary", "multiclass", "multilabel-indicator"):
                raise ValueError(
                    f"Unknown label type: {target!r}. Classification needs discrete "
                    "labels (binary, multiclass or a multilabel indicator matrix)."
                )
            lb = LabelBinarizer()
            # as scikit-learn: a multilabel indicator y gives its own classes (its columns)
            lb.fit(y if classes is None or target == "multilabel-indicator" else classes)
            if len(lb.classes_) < 2:
                raise ValueError(
                    "The classifier needs samples of at least 2 classes in the data, "
                    f"but the data contains only one class: {lb.classes_[0]!r}."
                )
            est._label_binarizer = lb
            est.classes_ = lb.classes_
            self._set_loss(est, _losses.LogLoss() if lb.y_type_ == "multiclass" else _losses.BinaryLogLoss())
        else:
            labels = unique_labels(y)
            if est.warm_start and not incremental:
                if set(labels) != set(est.classes_):
                    raise ValueError(
                        "warm_start can only be used where `y` has the same classes as in "
                        f"the previous call to fit. Previously got {est.classes_}, `y` has {labels}"
                    )
            elif len(np.setdiff1d(labels, est.classes_)):
                raise ValueError(
                    f"`y` has classes not in `self.classes_`. `self.classes_` has {est.classes_}. "
                    f"'y' has {labels}."
                )
        Y = est._label_binarizer.transform(y)
        est._n_label_columns = 1 if y.ndim == 1 else y.shape[1]
        return np.asarray(Y, dtype=np.float64)

    def stratify(self, est, y, Y):
        return y if Y.ndim == 2 and est._n_label_columns == 1 else None

    def proba(self, est, raw):
        if raw.shape[1] == 1:
            r = raw.ravel()
            # expit(-r), not 1 - expit(r): no cancellation to exactly 0
            p = np.column_stack([est._loss_fn.link(-r), est._loss_fn.link(r)])
        else:
            p = est._loss_fn.link(raw)
        # never exactly 0, so log(predict_proba) stays finite like predict_log_proba
        return np.maximum(p, np.finfo(p.dtype).tiny, out=p)

    def log_proba(self, est, raw):
        if isinstance(est._loss_fn, _losses.LogLoss):
            shifted = raw - raw.max(axis=1, keepdims=True)
            log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        elif raw.shape[1] == 1:
            r = raw.ravel()
            log_p = np.column_stack([-np.logaddexp(0, r), -np.logaddexp(0, -r)])
        else:
            log_p = -np.logaddexp(0, -raw)
        # the floor predict_proba uses, so log(predict_proba) == predict_log_proba
        return np.maximum(log_p, np.log(np.finfo(log_p.dtype).tiny), out=log_p)

    def predict(self, est, raw):
        if isinstance(est._loss_fn, _losses.LogLoss):
            return est.classes_[np.argmax(raw, axis=1)]
        ind = (raw > 0).astype(int)
        return est._label_binarizer.inverse_transform(ind.ravel() if ind.shape[1] == 1 else ind)

    def score(self, est, raw, y, sample_weight):
        return accuracy_score(y, self.predict(est, raw), sample_weight=sample_weight)


class Regression(Head):
    """Regression: one or several outputs, or (``steps=True``) targets with a time axis.

    The loss is the estimator's ``loss`` parameter (squared error by default).
    """

    def __init__(self, steps=False):
        self.steps = steps

    def loss_name(self, est):
        return getattr(est, "loss", "squared_error")

    def encode(self, est, y, first, incremental, classes):
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if first:
            self._set_loss(est, _losses.get(self.loss_name(est)))
            est._y_ndim = y.ndim
        if isinstance(est._loss_fn, _losses.Poisson) and np.any(y < 0):
            raise ValueError("loss='poisson' requires non-negative targets; y contains negative values.")
        return np.asarray(y.reshape(y.shape[0], -1) if y.ndim == 1 else y, dtype=np.float64)

    def predict(self, est, raw):
        pred = est._loss_fn.link(raw)
        return pred.ravel() if pred.ndim == 2 and pred.shape[1] == 1 else pred

    def score(self, est, raw, y, sample_weight):
        """R² over all outputs (and steps) of each sample."""
        pred = self.predict(est, raw)
        y = np.asarray(y)
        return r2_score(y.reshape(y.shape[0], -1), pred.reshape(pred.shape[0], -1), sample_weight=sample_weight)


def standard_scale(mean, variance):
    """``(mean, scale)`` as float64 arrays: the standard deviation, or 1 where it is nil next to the
    mean (a constant column), so that standardising never divides by zero."""
    mean = np.asarray(mean, dtype=np.float64)
    std = np.sqrt(variance)
    return mean, np.where(std > 1e-12 * np.maximum(np.abs(mean), 1.0), std, 1.0)


def weighted_sums(flat, w, mean=None):
    """Sums for a two-pass weighted mean and variance of the columns of ``flat`` (rows weighted by ``w``):
    ``(sum w, sum w v)``, or with ``mean`` given ``sum w (v - mean)^2``. Partial sums add up over the
    pieces of the data (``DataParallel``'s partitions)."""
    if mean is None:
        return float(w.sum()), w @ flat
    return w @ (flat - mean) ** 2


class SequenceRegression(Regression):
    """Regression of sequences: one target per sequence, or one per time step.

    A target with a time axis (``y`` of shape ``(n, n_steps, n_outputs)``, or
    ``(n, n_steps)`` with the estimator's ``return_sequences=True``) is predicted
    step by step; its structure is kept in ``_seq_outputs`` / ``_seq_y_ndim``.
    """

    standardises = True

    def __init__(self):
        super().__init__(steps=True)

    def check_target(self, est, y, X, mask, reset):
        seq = y.ndim == 3 or (est.return_sequences and y.ndim == 2)
        if est.return_sequences and y.ndim == 1:
            raise ValueError(
                "return_sequences=True needs one target per time step: y of shape "
                f"(n_samples, n_steps) or (n_samples, n_steps, n_outputs), got {y.shape}."
            )
        if seq and y.shape[1] != X.shape[1]:
            raise ValueError(
                f"A sequence-to-sequence y needs one target per time step of X: X has "
                f"{X.shape[1]} steps per sample, y has shape {y.shape}."
            )
        if seq and mask is not None:
            raise ValueError(
                "Sequence-to-sequence targets need fixed-length sequences (a 3-D array), "
                "not a list of sequences of varying lengths."
            )
        outputs = (y.shape[2] if y.ndim == 3 else 1) if seq else None
        if reset:
            est._seq_outputs = outputs
            est._seq_y_ndim = y.ndim if seq else None
        elif outputs != est._seq_outputs:
            raise ValueError("y does not have the same time structure as in the first fit.")
        return y

    def scale(self, est, Y, sample_weight, first):
        """Standardise each output: the network learns ``(Y - _y_mean) / _y_scale``.

        The mean and the standard deviation (weighted by ``sample_weight``, so that
        integer weights equal repeated rows) are taken over the samples and, for a
        sequence-to-sequence target, its steps, on a first fit; ``partial_fit``
        and ``warm_start`` keep them. A constant output gets scale 1.
        """
        if first:
            flat, w = self.flat_targets(Y, sample_weight, est._seq_outputs or Y.shape[-1])
            mean = np.average(flat, axis=0, weights=w)
            self.set_scale(est, mean, np.average((flat - mean) ** 2, axis=0, weights=w))
        if getattr(est, "_y_scale", None) is None:  # saved before sknn standardised targets
            return Y
        return (Y - est._y_mean) / est._y_scale

    @staticmethod
    def flat_targets(Y, sample_weight, outputs):
        """``Y`` as ``(rows, outputs)`` (a 2-D sequence target: one output per step) and each row's weight."""
        flat = Y.reshape(-1, outputs)
        return flat, None if sample_weight is None else np.repeat(sample_weight, flat.shape[0] // max(Y.shape[0], 1))

    @staticmethod
    def set_scale(est, mean, variance):
        """Store the targets' mean and scale (a constant output gets scale 1)."""
        est._y_mean, est._y_scale = standard_scale(mean, variance)

    def predict(self, est, raw):
        raw = np.asarray(raw)
        if getattr(est, "_y_scale", None) is not None:
            raw = raw * est._y_scale.astype(raw.dtype) + est._y_mean.astype(raw.dtype)
        if est._seq_outputs is None:
            return super().predict(est, raw)
        pred = est._loss_fn.link(raw)
        return pred[..., 0] if est._seq_y_ndim == 2 else pred


class Ratings(Regression):
    """Ratings (``feedback="explicit"``: squared error around the global mean) or
    interactions (``"implicit"``: log-loss, 1 / 0 targets, sampled negatives)."""

    def loss_name(self, est):
        return "binary_log_loss" if est.feedback == "implicit" else "squared_error"

    def check_target(self, est, y, X, mask, reset):
        implicit = est.feedback == "implicit"
        if y is None:
            if not implicit:
                raise ValueError("feedback='explicit' requires y (the ratings).")
            y = np.ones(len(X))
        y = check_array(y, ensure_2d=False, dtype=np.float64, input_name="y")
        if y.ndim != 1:
            y = y.ravel() if y.ndim == 2 and y.shape[1] == 1 else None
            if y is None:
                raise ValueError("y must be 1-D: one rating or interaction per (user, item) pair.")
        check_consistent_length(X, y)
        if implicit and not np.isin(y, (0.0, 1.0)).all():
            raise ValueError("With feedback='implicit', y must be 1 (interaction) or 0 (known non-interaction).")
        est._add_seen(X[y > 0] if implicit else X)  # for exclude_seen and negative sampling
        return y

    def encode(self, est, y, first, incremental, classes):
        Y = super().encode(est, y, first, incremental, classes)
        if first:
            est.global_mean_ = float(np.mean(y)) if est.feedback == "explicit" else 0.0
        return Y - est.global_mean_ if est.feedback == "explicit" else Y

    def predict(self, est, raw):
        pred = super().predict(est, raw)
        return pred + est.global_mean_ if est.feedback == "explicit" else pred


class Reconstruction(Head):
    """Reconstruct the input: squared error, or binary cross-entropy (``out_activation='logistic'``).

    The target is X itself; the score of a sample is its negative reconstruction
    error, the mean over features of the squared error or of the cross-entropy.
    """

    supervised = False

    def check_target(self, est, y, X, mask, reset):
        return X

    def encode(self, est, y, first, incremental, classes):
        if first:
            logistic = est.out_activation == "logistic"
            self._set_loss(est, _losses.BinaryLogLoss() if logistic else _losses.SquaredError())
        if est.out_activation_ == "logistic" and (np.min(y) < 0 or np.max(y) > 1):
            raise ValueError(
                "out_activation='logistic' needs X in [0, 1] (binary cross-entropy); "
                "scale X first, e.g. with MinMaxScaler, or use out_activation='identity'."
            )
        return y

    def errors(self, est, raw, X):
        """Per-sample reconstruction error, the mean over features of the squared error or cross-entropy.

        It is the training loss's :meth:`~sknn.nn.losses.Loss.per_sample` on a scale
        that does not depend on the loss: the half squared error (a mean over
        features) is doubled, the cross-entropy (a sum) divided by the features.
        """
        raw = raw.reshape(raw.shape[0], -1)
        losses = est._loss_fn.per_sample(X, raw)
        return losses / raw.shape[1] if est.out_activation_ == "logistic" else losses * 2

    def predict(self, est, raw):
        return est._loss_fn.link(raw.reshape(raw.shape[0], -1))

    def score(self, est, raw, y, sample_weight):
        return -float(np.average(self.errors(est, raw, np.asarray(y, dtype=raw.dtype)), weights=sample_weight))
