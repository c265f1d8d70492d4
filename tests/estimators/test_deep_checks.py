"""scikit-learn's estimator checks over the six deep estimators (small sizes)."""

import pytest
from sklearn.base import clone
from sklearn.utils.estimator_checks import (
    check_sample_weight_equivalence_on_dense_data,
    check_sample_weight_equivalence_on_sparse_data,
    parametrize_with_checks,
)

from sknn import (
    ConvNetClassifier,
    ConvNetRegressor,
    NeuralNetClassifier,
    NeuralNetRegressor,
    RNNClassifier,
    RNNRegressor,
)
from sknn.nn import Activation, Dense

FAST = dict(max_iter=100, learning_rate_init=0.02, random_state=0)
CONV = dict(filters=(4,), hidden_layer_sizes=(16,), **FAST)
RNN = dict(units=8, **FAST)

ESTIMATORS = [
    NeuralNetClassifier([Dense(16), Activation("relu")], **FAST),
    NeuralNetRegressor([Dense(16), Activation("tanh")], **FAST),
    ConvNetClassifier(**CONV),
    ConvNetRegressor(**CONV),
    RNNClassifier(cell="gru", **RNN),
    RNNRegressor(cell="lstm", **RNN),
]

_WEIGHT_CHECKS = {
    "check_sample_weight_equivalence_on_dense_data": check_sample_weight_equivalence_on_dense_data,
    "check_sample_weight_equivalence_on_sparse_data": check_sample_weight_equivalence_on_sparse_data,
}


def expected_failures(estimator):
    # Not a logic error: the check compares a weight of 2 with a duplicated row
    # at rtol=1e-7, below float32's resolution (the sums are accumulated in a
    # different order). The same estimators in float64 pass it below.
    reason = "float32 rounding: weighted and duplicated sums agree to ~1e-6, the check asks 1e-7"
    return {name: reason for name in _WEIGHT_CHECKS}


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failures)
def test_sklearn_compatible(estimator, check):
    check(estimator)


@pytest.mark.parametrize("check_name", sorted(_WEIGHT_CHECKS))
@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_sample_weight_equivalence_float64(estimator, check_name):
    est = clone(estimator).set_params(dtype="float64")
    _WEIGHT_CHECKS[check_name](type(est).__name__, est)
