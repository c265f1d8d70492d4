"""scikit-learn's estimator checks over AutoencoderTransformer and its variants."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sknn import AutoencoderTransformer

SMALL = dict(hidden_layer_sizes=(8, 3), max_iter=50, learning_rate_init=0.01, random_state=0)

ESTIMATORS = [
    AutoencoderTransformer(**SMALL),
    AutoencoderTransformer(tied_weights=True, **SMALL),
    AutoencoderTransformer(noise="masking", sparsity=1e-4, **SMALL),
    AutoencoderTransformer(solver="lbfgs", **SMALL),
]

_WEIGHT_CHECKS = (
    "check_sample_weight_equivalence_on_dense_data",
    "check_sample_weight_equivalence_on_sparse_data",
)


def expected_failures(estimator):
    # Not fixable by design: a weight of 2 cannot equal a duplicated row when
    # the row is corrupted at random (two draws), and the code penalty of
    # ActivityL1 is a plain mean over the rows of a batch (layers do not see weights).
    # Only the dense-data variant: scikit-learn >= 1.7 does not generate the sparse one for this
    # estimator, and 1.6.1's sparse variant (other data) passes for it (observed), so listing it
    # would be a stale entry under strict expected failures.
    if estimator.noise is not None or estimator.sparsity:
        reason = "input noise is drawn per row / the activity penalty is an unweighted row mean"
        return {_WEIGHT_CHECKS[0]: reason}
    return {}


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failures)
def test_sklearn_compatible(estimator, check):
    check(estimator)
