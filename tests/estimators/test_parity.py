"""Issue 8 §2 / issue 9 §4: scikit-learn's behaviour where user code relies on it.

One regression test per item; scikit-learn 1.9 is the reference, called side by
side where it has the behaviour too.
"""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_diabetes, load_iris, make_regression
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.neural_network import MLPClassifier as SkMLPClassifier
from sklearn.neural_network import MLPRegressor as SkMLPRegressor
from sklearn.preprocessing import StandardScaler

import sknn
from sknn import MLPClassifier, MLPRegressor
from sknn.estimators._params import TRAINING_PARAMS
from sknn.nn import Activation, Dense
from sknn.training import DivergenceWarning

pytestmark = pytest.mark.filterwarnings("ignore:Got `batch_size`:UserWarning")  # tiny data, large default batches

SMALL = dict(hidden_layer_sizes=(8,), random_state=0)
NON_FINITE = "Solver produced non-finite parameter weights. The input data may contain large values and need to be preprocessed."


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def tiny_fit_args(Est):
    """Valid small training data for each public estimator."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(24, 4))
    y = np.arange(24) % 2
    if Est is sknn.TextClassifier:
        return ["good fine", "bad poor"] * 12, y
    if Est is sknn.NeuralRecommender:
        return np.column_stack([np.arange(24) % 5, np.arange(24) % 7]), rng.normal(size=24)
    if Est is sknn.AutoencoderTransformer:
        return (X,)
    if Est in (sknn.RNNClassifier, sknn.RNNRegressor):
        return X.reshape(24, 2, 2), y
    return X, y


PUBLIC = [getattr(sknn, name) for name in sknn.__all__ if isinstance(getattr(sknn, name), type) and name[0].isupper()]
PUBLIC = [E for E in PUBLIC if hasattr(E, "fit")]


def small(Est, **params):
    """A fast instance: few epochs, small layers where the estimator has them."""
    kw = {"max_iter": 2, "random_state": 0}
    names = Est().get_params()
    if "hidden_layer_sizes" in names and Est is not sknn.NeuralRecommender:
        kw["hidden_layer_sizes"] = (4,)
    if "layers" in names and Est in (sknn.NeuralNetClassifier, sknn.NeuralNetRegressor):
        kw["layers"] = [Dense(4), Activation("relu")]
    if "filters" in names:
        kw["filters"] = (2,)
    if "units" in names:
        kw["units"] = 2
    kw.update(params)
    return Est(**kw)


# -- n_iter_no_change=np.inf ----------------------------------------------------------------


@pytest.mark.parametrize("ours, theirs", [(MLPClassifier, SkMLPClassifier), (MLPRegressor, SkMLPRegressor)])
def test_n_iter_no_change_inf_never_stops_early(iris, ours, theirs):
    X, y = iris
    kw = dict(hidden_layer_sizes=(8,), max_iter=8, tol=1e3, random_state=0)  # no epoch can improve by tol
    for Est in (ours, theirs):
        with pytest.warns(ConvergenceWarning, match="Maximum iterations"):
            est = Est(n_iter_no_change=np.inf, **kw).fit(X, y)
        assert est.n_iter_ == 8
        # a finite patience stops after 1 + (n_iter_no_change + 1) epochs
        with warnings.catch_warnings():
            warnings.simplefilter("error", ConvergenceWarning)
            assert Est(n_iter_no_change=2, **kw).fit(X, y).n_iter_ == 4


# -- lbfgs, tol=0 ------------------------------------------------------------------------------


@pytest.mark.parametrize("activation", ["identity", "logistic", "tanh", "relu"])
@pytest.mark.parametrize("Est", [MLPClassifier, MLPRegressor])
def test_lbfgs_tol_zero_runs_to_its_limit_and_warns(iris, Est, activation):
    """scikit-learn's test_lbfgs_*_maxfun: every activation, identity included."""
    X, y = iris if Est is MLPClassifier else make_regression(100, 6, noise=5.0, random_state=7)
    if Est is MLPRegressor:
        y = y / y.std()
    est = Est(solver="lbfgs", hidden_layer_sizes=(20,), tol=0.0, max_iter=150, max_fun=10, activation=activation,
              random_state=1)
    with pytest.warns(ConvergenceWarning, match="lbfgs failed to converge"):
        est.fit(X, y)
    assert est.n_iter_ <= 10
    # no evaluation limit: tol=0 runs max_iter iterations, or stops abnormally, never "converged" quietly
    est.set_params(max_fun=15000, max_iter=25)
    with pytest.warns(ConvergenceWarning, match="lbfgs failed to converge"):
        est.fit(X, y)


# -- multilabel partial_fit ------------------------------------------------------------------------


def test_partial_fit_multilabel_indicator(iris):
    X, y = iris
    Y = np.column_stack([y == 0, y == 1, y > 0]).astype(int)
    for Est in (MLPClassifier, SkMLPClassifier):
        clf = Est(**SMALL)
        clf.partial_fit(X, Y, classes=[0, 1, 2])
        clf.partial_fit(X[:50], Y[:50])
        np.testing.assert_array_equal(clf.classes_, [0, 1, 2])
        assert clf.predict(X).shape == Y.shape and clf.predict_proba(X).shape == Y.shape
    ours = MLPClassifier(learning_rate_init=0.05, **SMALL)
    for _ in range(30):
        ours.partial_fit(X, Y, classes=[0, 1, 2])
    assert ours.score(X, Y) > 0.8  # subset accuracy: it learns the labels


# -- divergence -------------------------------------------------------------------------------------


def test_divergence_with_early_stopping_finishes_like_sklearn(iris):
    """The issue's repro: no "Input contains NaN"; finite weights; the diverged epoch scores NaN."""
    X, y = load_iris(return_X_y=True)
    kw = dict(hidden_layer_sizes=100, activation="identity", solver="sgd", learning_rate_init=1, max_iter=20,
              early_stopping=True, random_state=0)
    with pytest.warns(DivergenceWarning, match="diverged"):
        reg = MLPRegressor(**kw).fit(X, y)
    assert all(np.isfinite(c).all() for c in reg.coefs_ + reg.intercepts_)
    assert np.isfinite(reg.predict(X)).all()
    scores = reg.validation_scores_
    assert type(scores[-1]) is float and np.isnan(scores[-1])
    assert len(scores) == len(reg.loss_curve_) == len(reg.validation_loss_curve_) == reg.n_iter_
    assert np.isfinite(reg.best_validation_score_)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sk = SkMLPRegressor(**kw).fit(X, y)
    assert type(sk.validation_scores_[-1]) is float and np.isnan(sk.validation_scores_[-1])
    # the model kept is no worse on the held-out data than the best epoch scikit-learn kept
    assert reg.score(X, y) >= sk.score(X, y)


@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
@pytest.mark.parametrize("Est", [MLPClassifier, MLPRegressor])
def test_input_too_large_for_one_finite_epoch_raises_sklearns_error(Est, solver):
    X = np.finfo(np.float64).max * np.random.RandomState(0).uniform(size=(20, 3))
    y = np.r_[np.zeros(10), np.ones(10)]
    est = Est(solver=solver, max_iter=5, **SMALL)
    with pytest.raises(ValueError, match="^" + NON_FINITE.replace(".", r"\.") + "$"):
        est.fit(X, y)
    with pytest.raises(NotFittedError):  # a model that never trained is not fitted
        est.predict(X)
    if solver != "lbfgs":
        with pytest.raises(ValueError, match="non-finite parameter weights"):
            est.partial_fit(X, y, **({"classes": [0, 1]} if Est is MLPClassifier else {}))
    # a fitted model refitted on such data (warm start) raises and keeps its weights
    Xs = np.random.RandomState(0).normal(size=(20, 3))
    est.set_params(warm_start=True).fit(Xs, y)
    before, curve, n_iter = est.predict(Xs), list(getattr(est, "loss_curve_", [])), est.n_iter_
    with pytest.raises(ValueError, match="non-finite parameter weights"):
        est.fit(X, y)
    np.testing.assert_array_equal(est.predict(Xs), before)
    assert list(getattr(est, "loss_curve_", [])) == curve and est.n_iter_ == n_iter
    with warnings.catch_warnings():
        warnings.simplefilter("error", DivergenceWarning)
        est.fit(Xs, y)  # and it trains on as before
    assert all(np.isfinite(c).all() for c in est.coefs_)


def test_a_divergence_resets_the_optimizer_moments():
    """They hold the blow-up: continuing with them (partial_fit) would carry it on."""
    X, y = load_diabetes(return_X_y=True)
    reg = MLPRegressor(learning_rate_init=1e3, **SMALL)
    with pytest.warns(DivergenceWarning, match="grew"):
        reg.partial_fit(X, y)
    opt = reg._fit_state.optimizer
    assert opt.t == 0 and not any(m.any() for m in opt.ms + opt.vs)


@pytest.mark.parametrize("Est", [MLPRegressor, SkMLPRegressor])
def test_warm_start_fit_takes_a_new_learning_rate_init(iris, Est):
    """Fine-tuning at a lower rate: each fit starts a new optimizer from the current parameters."""
    X, y = iris
    reg = Est(max_iter=5, warm_start=True, **SMALL)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg.fit(X, y)
        coefs = [c.copy() for c in reg.coefs_]
        reg.set_params(learning_rate_init=1e-300).fit(X, y)
    for a, b in zip(reg.coefs_, coefs):
        np.testing.assert_array_equal(a, b)


# -- class_weight -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "class_weight, match",
    [
        ({"a": 1}, r"class_weight=\{'a': 1\} does not fit the classes"),
        ("foo", "'class_weight' parameter of MLPClassifier"),
        ({0: -1.0, 1: 1.0}, "class_weight must map classes to finite weights >= 0"),
        ({0: np.nan, 1: 1.0}, "class_weight must map classes to finite weights >= 0"),
        ({0: 0.0, 1: 0.0, 2: 0.0}, "sample_weight times class_weight must have a positive sum"),
    ],
)
def test_class_weight_errors_name_the_parameter(iris, class_weight, match):
    X, y = iris
    with pytest.raises(ValueError, match=match) as info:
        MLPClassifier(class_weight=class_weight, **SMALL).fit(X, y)
    assert "compute_sample_weight" not in str(info.value)


# -- invalid numbers, declared once -----------------------------------------------------------------------

NUMERIC = {
    "learning_rate_init": [np.nan, np.inf, 0.0, -1.0, True],
    "alpha": [np.nan, np.inf, -1.0],
    "tol": [np.nan, np.inf, -1.0],
    "power_t": [np.nan, np.inf],
    "momentum": [np.nan, 1.5],
    "beta_1": [np.nan, 1.0],
    "beta_2": [np.nan, 1.0],
    "epsilon": [np.nan, np.inf, 0.0],
    "validation_fraction": [np.nan, 1.0],
    "clip_norm": [np.nan, np.inf, 0.0],
    "max_iter": [np.inf, 0, 2.5],
    "batch_size": [np.nan, 0, "big"],
    "n_iter_no_change": [np.nan, -np.inf, 0],
    "max_fun": [np.inf, 0],
}


@pytest.mark.parametrize("Est", PUBLIC, ids=lambda E: E.__name__)
def test_invalid_training_numbers_are_refused_on_every_estimator(Est):
    args = tiny_fit_args(Est)
    for name, values in NUMERIC.items():
        for value in values:
            with pytest.raises(ValueError, match=f"'{name}' parameter of {Est.__name__}"):
                small(Est, **{name: value}).fit(*args)


@pytest.mark.parametrize("Est", PUBLIC, ids=lambda E: E.__name__)
def test_random_state_follows_check_random_state(Est):
    args = tiny_fit_args(Est)
    with pytest.raises(ValueError, match="'random_state' parameter"):
        small(Est, random_state="abc").fit(*args)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        a = small(Est, random_state=np.random.RandomState(3)).fit(*args)
        b = small(Est, random_state=np.random.RandomState(3)).fit(*args)
        small(Est, random_state=np.random.default_rng(3)).fit(*args)
        # None draws from numpy's global RandomState, as in scikit-learn
        np.random.seed(5)
        c = small(Est, random_state=None).fit(*args)
        np.random.seed(5)
        d = small(Est, random_state=None).fit(*args)
    for u, v in ((a, b), (c, d)):
        for p, q in zip(u.network_.params, v.network_.params):
            np.testing.assert_array_equal(p, q)


@pytest.mark.parametrize("Est", PUBLIC, ids=lambda E: E.__name__)
def test_every_method_before_fit_raises_not_fitted(Est):
    args = tiny_fit_args(Est)
    est = small(Est)
    for method in ("predict", "predict_proba", "predict_log_proba", "transform", "inverse_transform",
                   "score_samples", "recommend", "similar_items"):
        if not hasattr(est, method):
            continue
        arg = {"recommend": [0], "similar_items": 0}.get(method, args[0])
        with pytest.raises(NotFittedError):
            getattr(est, method)(arg)
    with pytest.raises(NotFittedError):
        est.score(*args)


def test_the_table_holds_scikit_learns_defaults():
    """The declared defaults are the MLPs' (and so scikit-learn's where it has the parameter)."""
    import inspect

    mine = inspect.signature(MLPClassifier).parameters
    theirs = inspect.signature(SkMLPClassifier).parameters
    for p in TRAINING_PARAMS:
        assert mine[p.name].default == p.default, p.name
        if p.name in theirs:
            assert theirs[p.name].default == p.default, p.name


DECLARED = [MLPClassifier, MLPRegressor, sknn.NeuralNetClassifier, sknn.NeuralNetRegressor, sknn.RNNClassifier,
            sknn.RNNRegressor, sknn.NeuralRecommender]


@pytest.mark.parametrize("Est", DECLARED, ids=lambda E: E.__name__)
def test_every_parameter_has_a_declared_constraint(Est):
    """These estimators declare every parameter (ConvNet, Autoencoder, Text: the shared ones so far)."""
    assert set(Est().get_params()) <= set(Est._parameter_constraints)
    for Other in PUBLIC:  # and every estimator checks the shared training parameters
        assert {p.name for p in TRAINING_PARAMS} & set(Other().get_params()) <= set(Other._parameter_constraints)


@pytest.mark.parametrize(
    "Est, params",
    [
        (sknn.RNNClassifier, {"cell": "tcn"}),
        (sknn.RNNClassifier, {"units": 0}),
        (sknn.RNNRegressor, {"n_layers": 1.5}),
        (sknn.RNNRegressor, {"bidirectional": "yes"}),
        (sknn.RNNRegressor, {"dropout": 1.0}),
        (sknn.RNNRegressor, {"activation": "swish"}),
        (sknn.NeuralNetClassifier, {"layers": "dense"}),
        (sknn.NeuralNetRegressor, {"dtype": "float16"}),
        (sknn.NeuralRecommender, {"feedback": "both"}),
        (sknn.NeuralRecommender, {"n_negatives": 0}),
        (sknn.NeuralRecommender, {"activation": "swish"}),
        (sknn.NeuralRecommender, {"dropout": np.nan}),
        (MLPRegressor, {"loss": "hinge"}),
        (MLPClassifier, {"batch_norm": 1}),
    ],
)
def test_estimator_parameters_are_refused_by_name(Est, params):
    (name,) = params
    with pytest.raises(ValueError, match=f"'?{name}'?"):
        small(Est, **params).fit(*tiny_fit_args(Est))


def test_a_minibatch_of_zero_weight_is_skipped(iris):
    """scikit-learn raises ZeroDivisionError on it; sknn skips it: the same as leaving its rows out."""
    X, y = iris
    sw = np.ones(len(y))
    sw[:20] = 0.0
    kw = dict(batch_size=10, shuffle=False, max_iter=3, **SMALL)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        weighted = MLPRegressor(**kw).fit(X, y, sample_weight=sw)
        dropped = MLPRegressor(**kw).fit(X[20:], y[20:])
    for a, b in zip(weighted.coefs_, dropped.coefs_):
        np.testing.assert_array_equal(a, b)
    assert weighted.loss_curve_ == dropped.loss_curve_


def test_a_partial_fit_stream_may_change_scale():
    """The divergence reference is measured at each call: larger targets later are not a blow-up."""
    X, y = load_diabetes(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    reg = MLPRegressor(learning_rate_init=0.01, **SMALL)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DivergenceWarning)
        reg.partial_fit(X, y / 1000)
        reg.partial_fit(X, y * 1000)
    assert reg.loss_curve_[1] > 1e4 * reg.loss_curve_[0]


@pytest.mark.parametrize("ours, theirs", [(MLPClassifier, SkMLPClassifier), (MLPRegressor, SkMLPRegressor)],
                         ids=["classifier", "regressor"])
def test_lbfgs_ignores_early_stopping_and_trains_on_every_row(ours, theirs):
    # scikit-learn's L-BFGS path holds nothing out; sknn used to hold out validation_fraction and not use it
    X, y = load_iris(return_X_y=True)
    y = y if ours is MLPClassifier else X[:, 0]
    kw = dict(hidden_layer_sizes=(5,), solver="lbfgs", max_iter=15, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for Est in (ours, theirs):
            stop, full = Est(early_stopping=True, **kw).fit(X, y), Est(early_stopping=False, **kw).fit(X, y)
            assert stop.loss_ == full.loss_, Est
            assert getattr(stop, "validation_scores_", None) is None
        rnn = sknn.RNNRegressor(units=3, solver="lbfgs", max_iter=5, random_state=0)  # early stopping by default
        assert rnn.fit(X[:, :, None], X[:, 0]).loss_ == rnn.set_params(early_stopping=False).fit(
            X[:, :, None], X[:, 0]).loss_
