"""scikit-learn's estimator checks over the deep estimators: small tuned settings, then defaults.

Order and subset invariance (``check_methods_sample_order_invariance``,
``check_methods_subset_invariance``) hold exactly in float32: a float32
network's output for a row is a function of that row alone (see
:mod:`sknn.nn.linalg`), whatever the BLAS, thread count or batch.

Sample-weight equivalence (a weight of 2 against a repeated row) is a property
of training, not of inference: in float32 the weighted and the repeated sums of
a training step round differently (relative 1e-7), and a few hundred steps
carry that to 1e-6..1e-3 in the predictions, against the check's 1e-7; on some
machines and models the difference happens to stay below it. So the
sample-weight checks of a float32 network run on the same estimator in
float64 (``_for_check``), where equivalence holds to the check's tolerance on
any machine; the estimators' docstrings state it (Notes). Gradient clipping
(the recurrent presets' default ``clip_norm=1.0``) keeps every step equivalent
but amplifies those rounding differences over a long fit (float64: 1e-13 after
50 epochs, 5e-5 after 180, measured), so the sample-weight checks also run
without it; ``test_clipped_steps_keep_weights_equivalent`` checks the clipped
steps. Max pooling over time (the recurrent presets' default ``pooling``) does
the same in another way: a last-bit difference can change which step holds a
unit's maximum, and the gradient then takes another path (float64, 500 epochs:
2e-3 apart; mean pooling drifts as far on the check's data). The sample-weight
checks run those presets with ``pooling='last'``, and the step-by-step test
covers the default max pooling. RNNRegressor's defaults also hold out a random
validation split and draw dropout masks per row, which no weighting can
reproduce: its sample-weight checks run with ``early_stopping=False`` and
``dropout=0``. Expected failures are strict (pyproject.toml) and only where
equivalence is impossible by design.
"""

from functools import partial

import numpy as np
import pytest

from sklearn.base import clone
from sklearn.utils.estimator_checks import parametrize_with_checks

from sknn import (
    ConvNetClassifier,
    ConvNetRegressor,
    MLPClassifier,
    NeuralNetClassifier,
    NeuralNetRegressor,
    RNNClassifier,
    RNNRegressor,
)
from sknn.nn import Activation, Dense

FAST = dict(max_iter=100, learning_rate_init=0.02, random_state=0)
CONV = dict(filters=(4,), hidden_layer_sizes=(16,), **FAST)
RNN = dict(units=8, **FAST)

SMALL = [
    NeuralNetClassifier([Dense(16), Activation("relu")], **FAST),
    NeuralNetRegressor([Dense(16), Activation("tanh")], **FAST),
    ConvNetClassifier(**CONV),
    ConvNetRegressor(**CONV),
    RNNClassifier(cell="gru", **RNN),
    RNNRegressor(cell="lstm", **RNN),
]

# Every parameter at its default, max_iter included, except where lowered
# for speed (the checks fit each estimator dozens of times) to what the
# learning checks still pass with a margin: accuracy > 0.83 on blobs
# (0.91..0.94 here), R^2 > 0.5 (0.68..0.71 here; RNNRegressor needs its 200).
DEFAULTS = [
    ConvNetClassifier(max_iter=20),
    ConvNetRegressor(max_iter=50),
    RNNClassifier(max_iter=50),
    RNNRegressor(),
    NeuralNetClassifier(max_iter=20),
    NeuralNetRegressor(max_iter=50),
    MLPClassifier(dropout=0.2, batch_norm=True, max_iter=20),
]

_WEIGHT_CHECKS = (
    "check_sample_weight_equivalence_on_dense_data",
    "check_sample_weight_equivalence_on_sparse_data",
)


def _check_name(check):
    while hasattr(check, "__wrapped__"):
        check = check.__wrapped__
    return check.func.__name__ if isinstance(check, partial) else check.__name__


def _weight_check_changes(estimator):
    """What the sample-weight checks change in ``estimator`` (see the module docstring)."""
    params = estimator.get_params()
    changes = {"dtype": "float64"} if params.get("dtype") == "float32" else {}
    if params.get("clip_norm") is not None:
        changes["clip_norm"] = None
    if params.get("pooling") == "max":
        changes["pooling"] = "last"
    if isinstance(estimator, RNNRegressor):
        # its default dropout draws a mask per row and its default early stopping a random split
        changes.update(dropout=0.0, early_stopping=False)
    return changes


def _for_check(estimator, check):
    """The estimator a check runs on: float32 networks run the sample-weight
    checks in float64 (see the module docstring)."""
    if _check_name(check) not in _WEIGHT_CHECKS:
        return estimator
    changes = _weight_check_changes(estimator)
    return clone(estimator).set_params(**changes) if changes else estimator


def expected_failures(estimator):
    # Impossible by design: dropout draws an independent mask per row, so a
    # repeated row gets two masks where a weighted row gets one; batch-norm
    # statistics are unweighted means over the rows of a batch.
    params = {**estimator.get_params(), **_weight_check_changes(estimator)}
    if params.get("dropout") or params.get("batch_norm"):
        reason = "dropout masks are drawn per row and batch-norm statistics are unweighted row means"
        return {name: reason for name in _WEIGHT_CHECKS}
    return {}


@parametrize_with_checks(SMALL + DEFAULTS, expected_failed_checks=expected_failures)
def test_sklearn_compatible(estimator, check):
    check(_for_check(estimator, check))


@pytest.mark.parametrize("Est", [RNNClassifier, RNNRegressor], ids=lambda E: E.__name__)
def test_clipped_steps_keep_weights_equivalent(Est):
    """With clip_norm and max pooling (the recurrent defaults), integer weights and repeated rows train
    alike step by step."""
    rng = np.random.RandomState(42)
    X, y = rng.rand(15, 30), rng.randint(0, 3, 15)
    w = rng.randint(0, 5, 15)
    kw = dict(dtype="float64", random_state=0, max_iter=20, shuffle=False, clip_norm=0.01, dropout=0.0,
              early_stopping=False)
    a = Est(**kw).fit(X, y, w)
    b = Est(**kw).fit(np.repeat(X, w, axis=0), np.repeat(y, w))
    assert a.n_iter_ == b.n_iter_ == 20 and a.pooling == "max"
    # the clip is in force (a gradient norm of 0.01 is far below the first steps' norm)
    assert a.loss_curve_ != Est(**{**kw, "clip_norm": None}).fit(X, y, w).loss_curve_
    out = (lambda e: e.predict_proba(X)) if Est is RNNClassifier else (lambda e: e.predict(X))
    np.testing.assert_allclose(out(a), out(b), rtol=1e-9, atol=1e-12)
