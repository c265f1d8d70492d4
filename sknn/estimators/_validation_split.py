"""The held-out part of a fit that stops early: whether there is one, and the split itself.

Used by :class:`~sknn.estimators._base.BaseNetwork` (its ``_early_stopping_on``
and ``_split_validation``); the task head decides the stratification and the
score.
"""

import math

import numpy as np
from sklearn.model_selection import train_test_split

from ..training import Validation
from ._params import AUTO_EARLY_STOPPING_MIN_SAMPLES

__all__ = ["holds_out", "split_validation"]


def holds_out(est, y, y_enc):
    """Whether a fit that may stop early holds out a validation set.

    Always, unless ``early_stopping`` is 'auto' and the data are too few for
    the split (see ``AUTO_EARLY_STOPPING``'s entry in :mod:`~sknn.estimators._params`).
    """
    if not isinstance(est.early_stopping, str):
        return True
    n = y_enc.shape[0]
    n_val = math.ceil(est.validation_fraction * n)  # as train_test_split counts it
    if n < AUTO_EARLY_STOPPING_MIN_SAMPLES or n_val < 2:
        return False
    stratify = est._head.stratify(est, y, y_enc)
    if stratify is None:
        return True
    # train_test_split's requirements for a stratified split
    counts = np.unique(np.asarray(stratify), return_counts=True)[1]
    return bool(counts.min() >= 2 and len(counts) <= min(n_val, n - n_val))


def split_validation(est, X, y, y_enc, sample_weight, mask):
    """Split off ``validation_fraction`` of the rows (stratified as the head says).

    Returns
    -------
    X, y_enc, sample_weight, mask : the training part
    validation : sknn.training.Validation
    """
    stratify = est._head.stratify(est, y, y_enc)
    arrays = [X, y_enc, np.asarray(y) if not hasattr(y, "iloc") else y.to_numpy()]
    names = ["X", "y", "yo"]
    if sample_weight is not None:
        arrays.append(sample_weight)
        names.append("sw")
    if mask is not None:
        arrays.append(mask)
        names.append("mask")
    parts = train_test_split(
        *arrays,
        test_size=est.validation_fraction,
        random_state=int(est._rng.integers(np.iinfo(np.int32).max)),
        stratify=stratify,
    )
    train = dict(zip(names, parts[0::2]))
    val = dict(zip(names, parts[1::2]))
    if val["X"].shape[0] < 2:
        raise ValueError(
            "The validation set is too small. Increase 'validation_fraction' "
            "or the size of your dataset."
        )
    y_val = val["yo"]
    sw_val = val.get("sw")

    def scorer(raw):
        return est._head.score(est, raw, y_val, sw_val)

    validation = Validation(val["X"], val["y"], scorer, sw_val, val.get("mask"))
    return train["X"], train["y"], train.get("sw"), train.get("mask"), validation
