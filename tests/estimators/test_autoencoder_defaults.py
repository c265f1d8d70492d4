"""AutoencoderTransformer's defaults: a default fit of a realistic set stops on its own, without warning.

Issue 12: with the former defaults (``batch_size="auto"``, one to a few Adam steps per epoch on small
sets) every default fit on digits, breast_cancer and wine ended in a ConvergenceWarning.
"""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from sknn import AutoencoderTransformer
from sknn.estimators._params import AUTO_EARLY_STOPPING_MIN_SAMPLES as MIN


def low_rank(n, n_features=30, rank=6, seed=0):
    """Standardised rows near a ``rank``-dimensional subspace, with a nonlinear bend and noise."""
    rng = np.random.default_rng(seed)
    Z = rng.normal(size=(n, rank))
    W = rng.normal(size=(rank, n_features))
    X = Z @ W + 0.5 * np.tanh(Z[:, :1]) ** 2 + 0.3 * rng.normal(size=(n, n_features))
    return StandardScaler().fit_transform(X)


def held_out(est):
    return est.validation_scores_ is not None


def one_epoch(X, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # one epoch: the rule, not the training, is tested
        return AutoencoderTransformer(**dict(dict(max_iter=1, random_state=0), **params)).fit(X)


def test_the_defaults():
    est = AutoencoderTransformer()
    assert est.batch_size == "auto" and est.early_stopping == "auto"
    assert f"at least {MIN:,}" in AutoencoderTransformer.__doc__


def test_auto_batch_is_32_rows_and_never_warns_on_small_sets():
    X = low_rank(100)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # 'auto' is min(32, n): no "batch_size clipped" warning on 10 rows
        assert one_epoch(X[:10], max_iter=1)._fit_state.optimizer.t == 1
    assert one_epoch(X)._fit_state.optimizer.t == 4  # 32, 32, 32, 4
    # the same training as the former explicit 32
    np.testing.assert_array_equal(one_epoch(X).transform(X), one_epoch(X, batch_size=32).transform(X))


# -- the early_stopping="auto" rule on a transformer (no y: the split is a plain random one) ------------
def test_auto_holds_out_from_the_threshold_on():
    X = low_rank(MIN)
    assert held_out(one_epoch(X))
    assert not held_out(one_epoch(X[:-1]))
    assert not held_out(one_epoch(X, early_stopping=False))
    assert held_out(one_epoch(X[:100], early_stopping=True))


def test_auto_never_holds_out_in_partial_fit():
    X = low_rank(MIN)
    est = AutoencoderTransformer(random_state=0).partial_fit(X)
    est.partial_fit(X)
    assert not held_out(est) and est.n_iter_ == 1


# -- default fits stop on their own ---------------------------------------------------------------------
@pytest.mark.filterwarnings("error::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("seed", [0, 1])
def test_default_fit_of_a_few_hundred_rows_converges_without_warning(seed):
    X = low_rank(300, seed=seed)
    est = AutoencoderTransformer(random_state=seed).fit(X)
    assert not held_out(est)
    assert est.n_iter_ < est.max_iter  # the training loss stopped improving
    assert est.score(X) > -0.5  # most of the variance (1 per feature) is reconstructed


@pytest.mark.filterwarnings("error::sklearn.exceptions.ConvergenceWarning")
def test_default_fit_above_the_threshold_stops_early_without_warning():
    X = low_rank(1500, seed=2)
    est = AutoencoderTransformer(random_state=0).fit(X[:1200])
    assert held_out(est)
    assert est.n_iter_ < est.max_iter
    assert est.score(X[1200:]) > -0.5
