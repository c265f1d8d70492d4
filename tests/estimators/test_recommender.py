"""NeuralRecommender and the NeuMF layer: gradients, fallback, learning, contract, bad input."""

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from sklearn.utils import estimator_checks as ec
from sklearn.utils.estimator_checks import parametrize_with_checks

from sknn import NeuralRecommender
from sknn.nn.factorization import NeuMF
from sknn.utils.gradcheck import check_layer_gradients


# -- the layer -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "kwargs",
    [
        dict(hidden_layer_sizes=(5, 4)),
        dict(hidden_layer_sizes=()),
        dict(hidden_layer_sizes=(6,), activation="tanh", dropout=0.3),
        dict(hidden_layer_sizes=(5, 4), sparse_grad=True),
    ],
    ids=["neumf", "gmf-only", "dropout", "row-sparse-grads"],
)
def test_neumf_gradients(kwargs):
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.integers(0, 6, 25), rng.integers(0, 8, 25)])  # 0 = unknown
    errors = check_layer_gradients(NeuMF(5, 7, n_factors=3, **kwargs), X, check_input=False)
    assert max(errors.values()) < 1e-6, errors


def test_neumf_unknown_index_falls_back_to_biases():
    layer = NeuMF(4, 5, n_factors=3, hidden_layer_sizes=(4,))
    layer.build((2,), np.random.default_rng(0))
    names = dict(zip(layer.param_names, layer.params))
    names["user_bias"][:] = [0, 1, 2, 3, 4]
    names["item_bias"][:] = [0, 10, 20, 30, 40, 50]
    names["output_bias"][:] = 100
    out = layer.forward(np.array([[0, 2], [3, 0], [0, 0]]), training=True)[:, 0]
    np.testing.assert_allclose(out, [120, 103, 100])
    layer.backward(np.ones((3, 1)))
    for name, g in zip(layer.param_names[:6], layer.grads[:6]):
        assert not np.any(np.asarray(g)[0]), name  # unknown rows never move
    with pytest.raises(ValueError, match="out of range"):
        layer.forward(np.array([[5, 1]]))


# -- data ----------------------------------------------------------------------------------
def low_rank_ratings(n=6000, n_users=150, n_items=120, rank=3, seed=0):
    rng = np.random.default_rng(seed)
    A, B = rng.normal(size=(n_users, rank)), rng.normal(size=(n_items, rank))
    bu, bi = rng.normal(0, 0.5, n_users), rng.normal(0, 0.5, n_items)
    u, i = rng.integers(n_users, size=n), rng.integers(n_items, size=n)
    y = 3 + bu[u] + bi[i] + (A[u] * B[i]).sum(1) + 0.3 * rng.normal(size=n)
    X = pd.DataFrame({"user": [f"user{v}" for v in u], "item": i})
    return X, y


def bias_baseline(X_train, y_train, X_test, reg=5.0, n_iter=10):
    """Global mean + regularised user and item biases (alternating least squares)."""
    mu = y_train.mean()
    users, items = X_train.iloc[:, 0].to_numpy(), X_train.iloc[:, 1].to_numpy()
    bu, bi = {}, {}
    df = pd.DataFrame({"u": users, "i": items, "r": y_train - mu})
    for _ in range(n_iter):
        res = df["r"] - df["i"].map(bi).fillna(0)
        g = res.groupby(df["u"])
        bu = (g.sum() / (g.count() + reg)).to_dict()
        res = df["r"] - df["u"].map(bu).fillna(0)
        g = res.groupby(df["i"])
        bi = (g.sum() / (g.count() + reg)).to_dict()
    return mu + X_test.iloc[:, 0].map(bu).fillna(0).to_numpy() + X_test.iloc[:, 1].map(bi).fillna(0).to_numpy()


X, Y = low_rank_ratings()
X_TRAIN, Y_TRAIN, X_TEST, Y_TEST = X.iloc[:4500], Y[:4500], X.iloc[4500:], Y[4500:]
FAST = dict(n_factors=8, hidden_layer_sizes=(16,), learning_rate_init=0.01, alpha=1e-3, max_iter=25, random_state=0)


def rmse(a, b):
    return float(np.sqrt(np.mean((np.asarray(a) - np.asarray(b)) ** 2)))


# -- scikit-learn checks -------------------------------------------------------------------
# X holds (user, item) label pairs, not numeric features: the tags say so
# (two_d_array=False, categorical=True, string=True), and scikit-learn then runs only
# check_estimator_cloneable. Its array checks could not apply anyway: they feed
# random floats with 3-10 columns, which are neither 2 columns nor repeated ids.
# The data-free API checks run by hand below; the fit/predict contract is tested by hand.
@parametrize_with_checks([NeuralRecommender(**FAST)])
def test_sklearn_compatible(estimator, check):
    check(estimator)


@pytest.mark.parametrize(
    "check",
    [
        ec.check_no_attributes_set_in_init,
        ec.check_estimator_repr,
        ec.check_parameters_default_constructible,
        ec.check_get_params_invariance,
        ec.check_set_params,
        ec.check_do_not_raise_errors_in_init_or_set_params,
        ec.check_estimator_tags_renamed,
        ec.check_valid_tag_types,
        ec.check_mixin_order,
    ],
    ids=lambda c: c.__name__,
)
def test_api_checks(check):
    check("NeuralRecommender", NeuralRecommender(**FAST))


def test_fit_returns_self_and_regressor_contract():
    rec = NeuralRecommender(**dict(FAST, max_iter=2))
    assert rec.fit(X_TRAIN, Y_TRAIN) is rec
    assert rec.n_features_in_ == 2 and rec.predict(X_TEST).shape == (len(X_TEST),)
    assert rec.__sklearn_tags__().estimator_type == "regressor"
    assert np.isfinite(rec.score(X_TEST, Y_TEST))


# -- learning ------------------------------------------------------------------------------
@pytest.mark.parametrize("hidden", [(), (16,)], ids=["gmf", "neumf"])
def test_beats_bias_baseline_on_low_rank_ratings(hidden):
    rec = NeuralRecommender(**dict(FAST, hidden_layer_sizes=hidden)).fit(X_TRAIN, Y_TRAIN)
    base = rmse(bias_baseline(X_TRAIN, Y_TRAIN, X_TEST), Y_TEST)
    ours = rmse(rec.predict(X_TEST), Y_TEST)
    assert ours < 0.75 * base, (ours, base)
    assert rec.score(X_TEST, Y_TEST) > 0.5


def test_unknown_users_and_items_fall_back():
    rec = NeuralRecommender(**dict(FAST, max_iter=3)).fit(X_TRAIN, Y_TRAIN)
    item = X_TRAIN.iloc[0, 1]
    j = list(rec.items_).index(item)
    u = list(rec.users_).index(X_TRAIN.iloc[0, 0])
    pred = rec.predict(pd.DataFrame({"user": ["stranger", X_TRAIN.iloc[0, 0], "x"], "item": [item, -1, -2]}))
    np.testing.assert_allclose(
        pred, [rec.intercept_ + rec.item_bias_[j], rec.intercept_ + rec.user_bias_[u], rec.intercept_]
    )
    assert abs(rec.intercept_ - rec.global_mean_) < 0.5


def test_recommend_and_similar_items():
    rec = NeuralRecommender(**FAST).fit(X_TRAIN, Y_TRAIN)
    user = X_TRAIN.iloc[0, 0]
    top = rec.recommend(user, n=5, rank_by="prediction")
    assert top.shape == (5,)
    seen = set(X_TRAIN.loc[X_TRAIN.user == user, "item"])
    assert not seen & set(top)
    # best first: predicted ratings are non-increasing
    scores = rec.predict(pd.DataFrame({"user": [user] * 5, "item": list(top)}))
    assert np.all(np.diff(scores) <= 1e-12)
    # with exclude_seen=False the top item is the best-scored of all
    all_items = pd.DataFrame({"user": [user] * len(rec.items_), "item": list(rec.items_)})
    best = rec.items_[np.argmax(rec.predict(all_items))]
    assert rec.recommend(user, n=1, exclude_seen=False, rank_by="prediction")[0] == best
    several = rec.recommend([user, "stranger"], n=3)
    assert len(several) == 2 and all(len(r) == 3 for r in several)
    sim = rec.similar_items(item := X_TRAIN.iloc[0, 1], n=4)
    assert len(sim) == 4 and item not in set(sim)
    with pytest.raises(ValueError, match="Unknown item"):
        rec.similar_items("no such item")


def test_implicit_feedback_ranks_interactions_above_random():
    rng = np.random.default_rng(1)
    n_users, n_items = 80, 60
    taste = rng.integers(2, size=n_users)  # two groups of users, two halves of the catalogue
    pairs = []
    for u in range(n_users):
        pool = np.arange(n_items // 2) + (n_items // 2) * taste[u]
        pairs += [(u, int(i)) for i in rng.choice(pool, 8, replace=False)]
    Xp = np.array(pairs)
    rec = NeuralRecommender(
        n_factors=8, hidden_layer_sizes=(8,), feedback="implicit", n_negatives=3,
        solver="adam", alpha=1e-4, batch_size=256,  # small data: more, smaller steps
        learning_rate_init=0.01, max_iter=15, random_state=0,
    ).fit(Xp)
    assert rec.n_iter_ == 15 and rec.t_ == 15 * len(Xp) * 4  # positives + 3 fresh negatives each
    same = np.array([(u, int(rng.integers(n_items // 2)) + (n_items // 2) * taste[u]) for u in range(n_users)])
    other = np.array([(u, int(rng.integers(n_items // 2)) + (n_items // 2) * (1 - taste[u])) for u in range(n_users)])
    p_same, p_other = rec.predict(same), rec.predict(other)
    assert np.all((0 < p_same) & (p_same < 1)) and np.mean(p_same > p_other) > 0.9
    # negatives come from the one training loop's generator: same seed, same model
    again = clone(rec).fit(Xp)
    np.testing.assert_array_equal(again.predict(same), p_same)


# -- composition, persistence, determinism -------------------------------------------------------
def test_grid_search_and_pickle():
    grid = GridSearchCV(
        NeuralRecommender(**dict(FAST, max_iter=5)), {"n_factors": [2, 8]}, cv=2
    ).fit(X_TRAIN, Y_TRAIN)
    assert grid.best_params_["n_factors"] in (2, 8)
    rec = grid.best_estimator_
    again = pickle.loads(pickle.dumps(rec))
    np.testing.assert_array_equal(again.predict(X_TEST), rec.predict(X_TEST))
    assert list(again.recommend("user1", n=3)) == list(rec.recommend("user1", n=3))


def test_deterministic_with_object_arrays():
    Xo = X_TRAIN.to_numpy(dtype=object)
    kw = dict(FAST, max_iter=3, dropout=0.2)
    a = NeuralRecommender(**kw).fit(Xo, Y_TRAIN).predict(X_TEST.to_numpy(dtype=object))
    b = NeuralRecommender(**kw).fit(X_TRAIN, Y_TRAIN).predict(X_TEST)
    np.testing.assert_array_equal(a, b)


# -- bad input ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "X_bad, match",
    [
        (pd.DataFrame({"user": ["a", np.nan, "c"], "item": [1, 2, 3]}), "user column .* missing"),
        (np.array([["a", 1], [None, 2], ["c", 3]], dtype=object), "user column .* missing"),
        (np.array([[1.0, 2.0], [3.0, np.nan], [1.0, 1.0]]), "item column .* missing"),
        (np.array([[1], [2], [3]]), "exactly two columns"),
        (pd.DataFrame({"user": [1, 2, 3]}), "exactly two columns"),
        (np.ones((3, 3)), "exactly two columns"),
        (np.zeros((0, 2)), "empty"),
    ],
)
def test_bad_X(X_bad, match):
    with pytest.raises(ValueError, match=match):
        NeuralRecommender(**FAST).fit(X_bad, np.ones(len(X_bad)))


def test_bad_y_and_params():
    with pytest.raises(ValueError, match="requires y"):
        NeuralRecommender().fit(X_TRAIN)
    with pytest.raises(ValueError, match="1 .* or 0"):
        NeuralRecommender(feedback="implicit").fit(X_TRAIN, Y_TRAIN)
    with pytest.raises(ValueError, match="feedback"):
        NeuralRecommender(feedback="both").fit(X_TRAIN, Y_TRAIN)
    with pytest.raises(ValueError, match="stochastic solver"):
        NeuralRecommender(feedback="implicit", solver="lbfgs").fit(X_TRAIN)
    rec = NeuralRecommender(**dict(FAST, max_iter=1)).fit(X_TRAIN, Y_TRAIN)
    with pytest.raises(ValueError, match="exactly two columns"):
        rec.predict(np.array([1, 2, 3]))
