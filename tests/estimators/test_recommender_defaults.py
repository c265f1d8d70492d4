"""NeuralRecommender's defaults: early stopping on the rating error, its guard, and recommend()'s ranking."""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import ConvergenceWarning

from sknn import NeuralRecommender

SMALL = dict(n_factors=4, hidden_layer_sizes=(4,), batch_size=256, learning_rate_init=0.01, random_state=0)


def ratings(n=3000, n_users=60, n_items=40, noise_only=False, seed=0):
    rng = np.random.default_rng(seed)
    u, i = rng.integers(n_users, size=n), rng.integers(n_items, size=n)
    bu, bi = rng.normal(0, 0.7, n_users), rng.normal(0, 0.7, n_items)
    y = 3 + 0.3 * rng.normal(size=n) + (0 if noise_only else bu[u] + bi[i])
    return pd.DataFrame({"user": u, "item": i}), y


def test_default_fit_stops_early_on_held_out_ratings_without_warning():
    X_all, y_all = ratings(n=3500)
    X, y, X_new, y_new = X_all[:3000], y_all[:3000], X_all[3000:], y_all[3000:]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # neither ConvergenceWarning nor the constant-model warning
        rec = NeuralRecommender(**SMALL).fit(X, y)
    assert rec.early_stopping and rec.n_iter_ < rec.max_iter
    assert rec.best_validation_score_ == max(rec.validation_scores_) > 0.5
    assert np.sqrt(np.mean((rec.predict(X_new) - y_new) ** 2)) < np.std(y_new)


def test_early_stopping_that_keeps_a_constant_model_says_so():
    X, y = ratings(noise_only=True)  # nothing to learn: the best model is the mean rating
    with pytest.warns(UserWarning, match="no better than predicting the mean rating"):
        NeuralRecommender(**dict(SMALL, n_iter_no_change=2)).fit(X, y)


def test_partial_fit_and_implicit_feedback_train_without_a_validation_set():
    X, y = ratings(n=600)
    rec = NeuralRecommender(**SMALL).partial_fit(X, y)  # one pass: nothing to stop, as scikit-learn's MLPs
    assert rec.n_iter_ == 1 and rec.validation_scores_ is None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        implicit = NeuralRecommender(**dict(SMALL, feedback="implicit", max_iter=3)).fit(X)
    assert implicit.n_iter_ == 3 and implicit.validation_scores_ is None


def fitted(X, y, **kw):
    rec = NeuralRecommender(**dict(SMALL, early_stopping=False, max_iter=5, **kw))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return rec.fit(X, y)


def test_recommend_ranks_by_the_neighbours_items_then_by_the_prediction():
    X, y = ratings(n=400, n_users=30, n_items=25)
    rec = fitted(X, y)
    pairs = X.drop_duplicates().to_numpy()
    S = np.zeros((30, 25))
    S[pairs[:, 0], pairs[:, 1]] = 1
    Sn = S / np.sqrt(S.sum(1, keepdims=True))
    for user in (3, 11):
        neigh = (Sn[user] @ Sn.T) ** 2 @ S  # squared cosine overlap of the rated sets
        pred = rec.predict(pd.DataFrame({"user": user, "item": np.arange(25)}))
        unseen = np.flatnonzero(S[user] == 0)
        top = rec.recommend(user, n=6)
        assert len(top) == 6 and not set(top) - set(unseen)
        # best first: neighbour score non-increasing, the prediction deciding (near-)ties; rounding-proof
        tie = 1e-9
        for a, b in zip(top[:-1], top[1:]):
            assert neigh[a] >= neigh[b] - tie
            assert abs(neigh[a] - neigh[b]) > tie or pred[a] >= pred[b] - 1e-9
        rest = np.setdiff1d(unseen, top)
        assert neigh[top[-1]] >= neigh[rest].max() - tie
        np.testing.assert_array_equal(rec.recommend(user, n=6, rank_by="interactions"), top)
        by_prediction = unseen[np.argsort(-pred[unseen], kind="stable")][:6]
        np.testing.assert_array_equal(rec.recommend(user, n=6, rank_by="prediction"), by_prediction)
    # an unknown user has no neighbours: the prediction (the item biases) ranks alone
    np.testing.assert_array_equal(rec.recommend(99, n=4), rec.recommend(99, n=4, rank_by="prediction"))


def test_implicit_feedback_ranks_by_its_own_scores_by_default():
    X, y = ratings(n=300)
    rec = fitted(X, None, feedback="implicit")
    np.testing.assert_array_equal(rec.recommend(2, n=5), rec.recommend(2, n=5, rank_by="prediction"))


@pytest.mark.parametrize("bad", ["rating", None, 1])
def test_bad_rank_by_is_named(bad):
    X, y = ratings(n=300)
    with pytest.raises(ValueError, match="rank_by"):
        fitted(X, y).recommend(0, rank_by=bad)
