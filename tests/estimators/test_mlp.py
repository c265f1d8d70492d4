"""Behaviour of MLPClassifier / MLPRegressor: drop-in parity and the additions."""

import inspect
import io
import pickle
import warnings

import joblib
import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_digits, load_iris, make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, cross_val_score, train_test_split
from sklearn.neural_network import MLPClassifier as SkMLPClassifier
from sklearn.neural_network import MLPRegressor as SkMLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknn import MLPClassifier, MLPRegressor
from sknn.inference import predict_raw
from sknn.training import DivergenceWarning

SMALL = dict(hidden_layer_sizes=(16,), random_state=0)


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="module")
def reg_data():
    X, y = make_regression(n_samples=120, n_features=5, n_targets=1, noise=0.5, random_state=0)
    return StandardScaler().fit_transform(X), y / y.std()


def quiet(est, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(*args, **kw)


# -- drop-in parity ------------------------------------------------------------------


@pytest.mark.parametrize("ours, theirs", [(MLPClassifier, SkMLPClassifier), (MLPRegressor, SkMLPRegressor)])
def test_signature_contains_sklearns(ours, theirs):
    mine = inspect.signature(ours).parameters
    ref = inspect.signature(theirs).parameters
    for name, p in ref.items():
        assert name in mine, name
        assert mine[name].default == p.default, name
        assert mine[name].kind == p.kind, name
    # positional parameters in the same order
    pos = lambda params: [n for n, p in params.items() if p.kind == p.POSITIONAL_OR_KEYWORD]  # noqa: E731
    assert pos(mine) == pos(ref)


@pytest.mark.parametrize("ours, theirs", [(MLPClassifier, SkMLPClassifier), (MLPRegressor, SkMLPRegressor)])
def test_same_public_methods(ours, theirs):
    public = lambda cls: {n for n in dir(cls) if not n.startswith("_")}  # noqa: E731
    missing = public(theirs) - public(ours)
    assert not missing


FITTED = [
    "classes_", "loss_", "best_loss_", "loss_curve_", "t_", "coefs_", "intercepts_", "n_features_in_",
    "n_iter_", "n_layers_", "n_outputs_", "out_activation_",
]


def _shapes(value):
    if isinstance(value, list) and value and isinstance(value[0], np.ndarray):
        return [v.shape for v in value]
    if isinstance(value, np.ndarray):
        return value.shape
    if isinstance(value, list):
        return len(value)
    return type(value) if value is None else "scalar"


@pytest.mark.parametrize("early_stopping", [False, True])
def test_fitted_attributes_match_sklearn(iris, early_stopping):
    X, y = iris
    kw = dict(hidden_layer_sizes=(8, 5), max_iter=15, random_state=0, early_stopping=early_stopping)
    ours, theirs = quiet(MLPClassifier(**kw), X, y), quiet(SkMLPClassifier(**kw), X, y)
    names = FITTED + ["validation_scores_", "best_validation_score_"]
    for name in names:
        assert hasattr(ours, name) == hasattr(theirs, name), name
        if hasattr(theirs, name):
            a, b = getattr(ours, name), getattr(theirs, name)
            if name == "best_validation_score_" or name == "best_loss_":
                assert (a is None) == (b is None), name
            else:
                assert _shapes(a) == _shapes(b), name
    assert ours.out_activation_ == theirs.out_activation_ == "softmax"
    assert ours.n_layers_ == theirs.n_layers_ == 4
    assert ours.t_ == theirs.t_
    if early_stopping:
        assert len(ours.validation_loss_curve_) == ours.n_iter_


def test_fitted_attributes_regressor_and_feature_names(reg_data):
    pd = pytest.importorskip("pandas")
    X, y = reg_data
    Xdf = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    kw = dict(hidden_layer_sizes=(7,), max_iter=10, random_state=0)
    ours, theirs = quiet(MLPRegressor(**kw), Xdf, y), quiet(SkMLPRegressor(**kw), Xdf, y)
    for name in FITTED[1:] + ["feature_names_in_"]:
        assert _shapes(getattr(ours, name)) == _shapes(getattr(theirs, name)), name
    assert list(ours.feature_names_in_) == list(theirs.feature_names_in_)
    assert ours.out_activation_ == theirs.out_activation_ == "identity"
    assert ours.n_outputs_ == theirs.n_outputs_ == 1
    assert ours.predict(Xdf).shape == theirs.predict(Xdf).shape == (X.shape[0],)
    lb = MLPRegressor(solver="lbfgs", **kw)
    quiet(lb, X, y)
    assert not hasattr(lb, "loss_curve_") and not hasattr(SkMLPRegressor(solver="lbfgs"), "loss_curve_")


def test_accuracy_close_to_sklearn_on_digits():
    X, y = load_digits(return_X_y=True)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)
    sc = StandardScaler().fit(Xtr)
    Xtr, Xte = sc.transform(Xtr), sc.transform(Xte)
    kw = dict(hidden_layer_sizes=(64,), max_iter=60, random_state=0)
    ours = quiet(MLPClassifier(**kw), Xtr, ytr).score(Xte, yte)
    theirs = quiet(SkMLPClassifier(**kw), Xtr, ytr).score(Xte, yte)
    assert ours > 0.93
    assert abs(ours - theirs) < 0.03


# -- training behaviour ------------------------------------------------------------------


def test_early_stopping_restores_best_weights():
    X, y = make_classification(n_samples=300, n_features=10, flip_y=0.2, random_state=0)
    captured = {}

    class Spy(MLPClassifier):
        def _split_validation(self, *args):
            out = super()._split_validation(*args)
            captured["val"] = out[-1]
            return out

    clf = Spy(hidden_layer_sizes=(64,), early_stopping=True, max_iter=200, n_iter_no_change=5,
              learning_rate_init=0.05, validation_fraction=0.2, random_state=0)
    quiet(clf, X, y)
    assert clf.n_iter_ < 200
    assert len(clf.validation_scores_) == clf.n_iter_ == len(clf.validation_loss_curve_)
    assert clf.best_validation_score_ == max(clf.validation_scores_)
    assert clf.best_loss_ is None
    # the last epoch was worse than the best one, yet the returned model scores the best
    assert clf.validation_scores_[-1] < clf.best_validation_score_
    val = captured["val"]
    assert val.X.shape[0] == 60
    assert val.scorer(predict_raw(clf.network_, val.X)) == clf.best_validation_score_


def test_n_iter_no_change_stops_before_max_iter(iris):
    X, y = iris
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf = MLPClassifier(hidden_layer_sizes=(8,), tol=0.5, n_iter_no_change=3, max_iter=100, random_state=0)
        clf.fit(X, y)
    ref = SkMLPClassifier(hidden_layer_sizes=(8,), tol=0.5, n_iter_no_change=3, max_iter=100, random_state=0)
    # scikit-learn stops once the count of epochs without improvement exceeds n_iter_no_change
    assert clf.n_iter_ == 5 == len(clf.loss_curve_) == ref.fit(X, y).n_iter_


def test_convergence_warning_at_max_iter(iris):
    X, y = iris
    with pytest.warns(ConvergenceWarning, match="Maximum iterations \\(3\\)"):
        MLPClassifier(max_iter=3, **SMALL).fit(X, y)


def test_warm_start_continues(iris):
    X, y = iris
    clf = quiet(MLPClassifier(max_iter=5, warm_start=True, **SMALL), X, y)
    w = clf.coefs_[0].copy()
    curve = list(clf.loss_curve_)
    quiet(clf, X, y)
    assert len(clf.loss_curve_) == 10 and clf.loss_curve_[:5] == curve
    assert clf.loss_curve_[5] < curve[0]
    cold = quiet(MLPClassifier(max_iter=5, **SMALL), X, y)
    assert np.array_equal(cold.coefs_[0], w)  # the first 5 epochs equal a cold fit
    assert not np.array_equal(clf.coefs_[0], w)
    with pytest.raises(ValueError, match="same classes"):
        clf.fit(X[y < 2], y[y < 2])


def test_partial_fit_classifier(iris):
    X, y = iris
    clf = MLPClassifier(**SMALL)
    with pytest.raises(ValueError, match="classes must be passed"):
        clf.partial_fit(X, y)
    clf.partial_fit(X[:50], y[:50], classes=[0, 1, 2])
    assert clf.n_iter_ == 1 and len(clf.loss_curve_) == 1 and clf.t_ == 50
    clf.partial_fit(X, y)
    assert len(clf.loss_curve_) == 2 and clf.t_ == 200
    with pytest.raises(ValueError, match="classes not in"):
        clf.partial_fit(X[:3], np.array([0, 1, 7]))
    with pytest.raises(ValueError, match="not the same"):
        clf.partial_fit(X, y, classes=[0, 1, 2, 3])
    assert not hasattr(MLPClassifier(solver="lbfgs"), "partial_fit")
    assert not hasattr(MLPRegressor(solver="lbfgs"), "partial_fit")


def test_partial_fit_regressor_one_epoch(reg_data):
    X, y = reg_data
    reg = MLPRegressor(**SMALL)
    losses = []
    for _ in range(20):
        reg.partial_fit(X, y)
        losses.append(reg.loss_)
    assert reg.n_iter_ == 1 and len(reg.loss_curve_) == 20
    assert losses[-1] < losses[0]


def test_lbfgs_max_iter_and_max_fun(iris):
    X, y = iris
    with pytest.warns(ConvergenceWarning, match="lbfgs failed to converge"):
        clf = MLPClassifier(solver="lbfgs", max_iter=5, **SMALL).fit(X, y)
    assert clf.n_iter_ <= 5
    with pytest.warns(ConvergenceWarning, match="lbfgs failed to converge"):
        clf = MLPClassifier(solver="lbfgs", max_fun=7, max_iter=1000, **SMALL).fit(X, y)
    assert clf.n_iter_ < 10
    full = MLPClassifier(solver="lbfgs", max_iter=300, **SMALL)
    quiet(full, X, y)
    assert full.score(X, y) > 0.97


def test_verbose_prints_sklearn_lines(iris, capsys):
    X, y = iris
    quiet(MLPClassifier(max_iter=3, verbose=True, **SMALL), X, y)
    out = capsys.readouterr().out
    lines = [ln for ln in out.splitlines() if ln.startswith("Iteration")]
    assert len(lines) == 3
    import re

    for i, ln in enumerate(lines, 1):
        assert re.fullmatch(rf"Iteration {i}, loss = \d+\.\d{{8}}", ln), ln


def test_callbacks_receive_epoch_and_can_stop(iris):
    X, y = iris
    seen = []

    def cb(info):
        seen.append(info)
        return info["epoch"] == 3

    clf = MLPClassifier(max_iter=50, callbacks=[cb], **SMALL)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf.fit(X, y)
    assert clf.n_iter_ == 3 and len(seen) == 3
    assert set(seen[0]) >= {"epoch", "loss", "validation_loss", "validation_score", "learning_rate", "time", "estimator"}
    assert seen[0]["estimator"] is clf and seen[2]["loss"] == clf.loss_curve_[2]


def test_class_weight_equals_sample_weight():
    X, y = make_classification(n_samples=200, n_features=6, weights=[0.8, 0.2], random_state=0)
    kw = dict(hidden_layer_sizes=(8,), max_iter=20, random_state=0, shuffle=False)
    counts = np.bincount(y)
    balanced_sw = len(y) / (2 * counts[y])
    a = quiet(MLPClassifier(class_weight="balanced", **kw), X, y)
    b = quiet(MLPClassifier(**kw), X, y, sample_weight=balanced_sw)
    c = quiet(MLPClassifier(**kw), X, y)
    np.testing.assert_allclose(a.coefs_[0], b.coefs_[0], rtol=1e-6, atol=1e-10)
    assert not np.allclose(a.coefs_[0], c.coefs_[0])
    d = quiet(MLPClassifier(class_weight={0: 1.0, 1: 3.0}, **kw), X, y)
    e = quiet(MLPClassifier(**kw), X, y, sample_weight=np.where(y == 1, 3.0, 1.0))
    np.testing.assert_allclose(d.coefs_[0], e.coefs_[0], rtol=1e-6, atol=1e-10)
    # the minority class gets recalled more often with balanced weights
    assert (a.predict(X)[y == 1] == 1).mean() >= (c.predict(X)[y == 1] == 1).mean()


def test_zero_sample_weight_rows_are_ignored(iris):
    X, y = iris
    rng = np.random.default_rng(0)
    junk = rng.normal(size=(40, X.shape[1])) * 50
    X2 = np.vstack([X, junk])
    y2 = np.concatenate([y, rng.integers(0, 3, 40)])
    sw = np.r_[np.ones(len(y)), np.zeros(40)]
    kw = dict(hidden_layer_sizes=(8,), solver="lbfgs", max_iter=30, random_state=0)
    a = quiet(MLPClassifier(**kw), X2, y2, sample_weight=sw)
    b = quiet(MLPClassifier(**kw), X, y)
    np.testing.assert_allclose(a.coefs_[0], b.coefs_[0], rtol=1e-7, atol=1e-10)


def test_multilabel_indicator():
    X, Y = make_classification(n_samples=150, n_features=8, random_state=0), None
    X = X[0]
    rng = np.random.default_rng(0)
    Y = np.column_stack([X[:, 0] > 0, X[:, 1] > 0, X[:, 0] + X[:, 1] > 0]).astype(int)
    clf = quiet(MLPClassifier(hidden_layer_sizes=(16,), max_iter=300, random_state=0), X, Y)
    assert clf.out_activation_ == "logistic"
    assert clf.n_outputs_ == 3
    pred = clf.predict(X)
    assert pred.shape == Y.shape and set(np.unique(pred)) <= {0, 1}
    assert (pred == Y).mean() > 0.9
    proba = clf.predict_proba(X)
    assert proba.shape == Y.shape and np.all((proba >= 0) & (proba <= 1))
    del rng


def test_multi_output_regression():
    X, Y = make_regression(n_samples=100, n_features=4, n_targets=3, random_state=0)
    Y = Y / Y.std(0)
    reg = quiet(MLPRegressor(hidden_layer_sizes=(16,), solver="lbfgs", max_iter=100, random_state=0), X, Y)
    assert reg.predict(X).shape == (100, 3) and reg.n_outputs_ == 3
    assert reg.score(X, Y) > 0.9


@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_sparse_matches_dense_and_never_densifies(iris, fmt, monkeypatch):
    X, y = iris
    Xs = sp.random(150, 30, density=0.1, format=fmt, random_state=0) * 3
    Xd = Xs.toarray()
    yy = y
    kw = dict(hidden_layer_sizes=(8,), max_iter=10, random_state=0)
    dense = quiet(MLPClassifier(**kw), Xd, yy)
    calls = []
    for cls in (sp.csr_matrix, sp.csc_matrix, sp.coo_matrix):
        for meth in ("toarray", "todense"):
            orig = getattr(cls, meth)

            def spy(self, *a, _orig=orig, **k):
                calls.append(meth)
                return _orig(self, *a, **k)

            monkeypatch.setattr(cls, meth, spy)
    sparse = quiet(MLPClassifier(**kw), Xs, yy)
    p_sparse = sparse.predict_proba(Xs)
    assert calls == []
    monkeypatch.undo()
    np.testing.assert_allclose(sparse.coefs_[0], dense.coefs_[0], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(p_sparse, dense.predict_proba(Xd), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("dtype, expected", [(np.float32, np.float32), (np.float64, np.float64), (np.int64, np.float64)])
def test_dtypes(iris, dtype, expected):
    X, y = iris
    X = (X * 3).astype(dtype)
    clf = quiet(MLPClassifier(max_iter=5, **SMALL), X, y)
    assert all(c.dtype == expected for c in clf.coefs_ + clf.intercepts_)
    assert clf.predict_proba(X).dtype == expected
    reg = quiet(MLPRegressor(max_iter=5, **SMALL), X, y.astype(float))
    assert reg.predict(X).dtype == expected


def test_pickle_and_joblib_round_trip(iris, tmp_path):
    X, y = iris
    clf = quiet(MLPClassifier(max_iter=20, dropout=0.2, batch_norm=True, **SMALL), X, y)
    p = clf.predict_proba(X)
    clf2 = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(clf2.predict_proba(X), p)
    path = tmp_path / "m.joblib"
    joblib.dump(clf, path)
    clf3 = joblib.load(path)
    np.testing.assert_array_equal(clf3.predict_proba(X), p)
    clf3.set_params(warm_start=True, max_iter=2)
    quiet(clf3, X, y)  # an unpickled model can keep training


@pytest.mark.parametrize("extra", [{}, {"dropout": 0.3}, {"batch_norm": True}, {"solver": "sgd"}])
def test_same_seed_same_weights(iris, extra):
    X, y = iris
    kw = dict(hidden_layer_sizes=(8, 6), max_iter=5, **extra)
    a = quiet(MLPClassifier(random_state=3, **kw), X, y)
    b = quiet(MLPClassifier(random_state=3, **kw), X, y)
    c = quiet(MLPClassifier(random_state=4, **kw), X, y)
    for wa, wb, wc in zip(a.coefs_, b.coefs_, c.coefs_):
        assert np.array_equal(wa, wb)
        assert not np.array_equal(wa, wc)
    assert a.loss_curve_ == b.loss_curve_


def test_dropout_batch_norm_activation_list(iris):
    X, y = iris
    clf = MLPClassifier(hidden_layer_sizes=(16, 8), activation=["tanh", "gelu"], dropout=[0.2, 0.0],
                        batch_norm=True, max_iter=100, learning_rate_init=0.01, random_state=0)
    quiet(clf, X, y)
    assert clf.score(X, y) > 0.9
    names = [type(layer).__name__ for layer in clf.network_.layers]
    assert names.count("Dropout") == 1 and names.count("BatchNorm") == 2
    # dropout is off at inference: predictions are deterministic
    np.testing.assert_array_equal(clf.predict_proba(X), clf.predict_proba(X))
    assert len(clf.coefs_) == 3 and clf.n_layers_ == 4


@pytest.mark.parametrize("solver", ["sgd", "adam", "adamw", "rmsprop", "adagrad", "lbfgs"])
def test_each_solver_trains(iris, solver):
    X, y = iris
    lr = {"sgd": 0.1, "adagrad": 0.1}.get(solver, 0.01)
    clf = quiet(MLPClassifier(solver=solver, max_iter=40, learning_rate_init=lr, **SMALL), X, y)
    if solver != "lbfgs":
        assert clf.loss_curve_[-1] < 0.7 * clf.loss_curve_[0]
    assert clf.score(X, y) > 0.85


@pytest.mark.parametrize("schedule", ["constant", "invscaling", "adaptive", "cosine", "step"])
def test_each_schedule_trains(reg_data, schedule):
    X, y = reg_data
    reg = quiet(MLPRegressor(solver="sgd", learning_rate=schedule, learning_rate_init=0.01, max_iter=30, **SMALL), X, y)
    assert reg.loss_curve_[-1] < 0.5 * reg.loss_curve_[0]


def test_clip_norm_bounds_the_first_step(reg_data):
    X, y = reg_data
    kw = dict(solver="sgd", momentum=0.0, learning_rate_init=1.0, max_iter=1, batch_size=len(y), shuffle=False,
              hidden_layer_sizes=(8,), random_state=0)
    init = quiet(MLPRegressor(**{**kw, "learning_rate_init": 1e-300}), X, y * 100)
    clipped = quiet(MLPRegressor(clip_norm=1e-3, **kw), X, y * 100)
    step = np.sqrt(sum(np.sum((a - b) ** 2) for a, b in zip(clipped.coefs_ + clipped.intercepts_,
                                                            init.coefs_ + init.intercepts_)))
    assert step == pytest.approx(1e-3, rel=1e-6)
    with pytest.raises(ValueError, match="clip_norm"):
        MLPRegressor(clip_norm=0).fit(X, y)


def test_divergence_warns_and_predictions_stay_finite(reg_data):
    X, y = reg_data
    reg = MLPRegressor(solver="sgd", learning_rate_init=1e3, max_iter=20, **SMALL)
    with pytest.warns(DivergenceWarning, match="diverged"):
        reg.fit(X * 1e6, y * 1e6)
    assert np.all(np.isfinite(reg.predict(X)))
    assert all(np.all(np.isfinite(c)) for c in reg.coefs_)
    assert np.all(np.isfinite(reg.loss_curve_))


def test_pipeline_gridsearch_cross_val_score():
    X, y = load_digits(return_X_y=True)
    X, y = X[:300], y[:300]
    pipe = make_pipeline(StandardScaler(), MLPClassifier((16,), max_iter=40, learning_rate_init=0.01, random_state=0))
    grid = GridSearchCV(pipe, {"mlpclassifier__alpha": [1e-4, 1e-2], "mlpclassifier__dropout": [0.0, 0.2]}, cv=2)
    quiet(grid, X, y)
    assert grid.best_score_ > 0.8
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        scores = cross_val_score(pipe, X, y, cv=2, n_jobs=2)
    assert scores.shape == (2,) and scores.mean() > 0.8


# -- bad input --------------------------------------------------------------------------


@pytest.fixture
def fitted(iris):
    X, y = iris
    return quiet(MLPClassifier(max_iter=10, **SMALL), X, y)


@pytest.mark.parametrize(
    "make_X, match",
    [
        (lambda X: np.where(np.arange(X.size).reshape(X.shape) == 5, np.nan, X), "NaN"),
        (lambda X: np.where(np.arange(X.size).reshape(X.shape) == 5, np.inf, X), "infinity"),
        (lambda X: X.astype(object).astype(str), "string|float"),
    ],
)
def test_bad_X_at_fit_and_predict(iris, fitted, make_X, match):
    X, y = iris
    before = fitted.predict_proba(X)
    bad = make_X(X)
    if bad.dtype.kind == "U":
        bad = np.where(np.arange(X.size).reshape(X.shape) == 5, "abc", bad)
    with pytest.raises(ValueError, match=match):
        MLPClassifier(**SMALL).fit(bad, y)
    with pytest.raises(ValueError, match=match):
        fitted.predict(bad)
    fitted.set_params(warm_start=True)
    with pytest.raises(ValueError, match=match):
        fitted.fit(bad, y)
    with pytest.raises(ValueError, match=match):
        fitted.partial_fit(bad, y)
    np.testing.assert_array_equal(fitted.predict_proba(X), before)


def test_bad_inputs_do_not_corrupt_fitted_model(iris, fitted):
    X, y = iris
    before = fitted.predict_proba(X)
    coefs = [c.copy() for c in fitted.coefs_]
    with pytest.raises(ValueError, match="features"):
        fitted.predict(X[:, :2])
    with pytest.raises(ValueError, match="classes not in"):
        fitted.partial_fit(X[:3], np.array([0, 1, 9]))
    with pytest.raises(ValueError, match="features"):
        fitted.partial_fit(X[:, :2], y)
    with pytest.raises(ValueError, match="hidden_layer_sizes"):
        fitted.set_params(hidden_layer_sizes=(0,)).fit(X, y)
    fitted.set_params(hidden_layer_sizes=(16,))
    for c, c0 in zip(fitted.coefs_, coefs):
        np.testing.assert_array_equal(c, c0)
    np.testing.assert_array_equal(fitted.predict_proba(X), before)
    assert fitted.n_features_in_ == X.shape[1]


def test_single_class_and_empty_X(iris):
    X, y = iris
    with pytest.raises(ValueError, match="one class"):
        MLPClassifier(**SMALL).fit(X, np.zeros(len(y)))
    with pytest.raises(ValueError, match="0 sample"):
        MLPClassifier(**SMALL).fit(np.empty((0, 4)), [])
    with pytest.raises(ValueError, match="0 feature"):
        MLPRegressor(**SMALL).fit(np.empty((5, 0)), np.zeros(5))


def test_poisson_rejects_negative_targets(reg_data):
    X, y = reg_data
    with pytest.raises(ValueError, match="non-negative"):
        MLPRegressor(loss="poisson", **SMALL).fit(X, y)
    reg = quiet(MLPRegressor(loss="poisson", max_iter=50, **SMALL), X, np.exp(X[:, 0]))
    assert reg.out_activation_ == "exp" and np.all(reg.predict(X) > 0)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"hidden_layer_sizes": (10, 0)}, "hidden_layer_sizes"),
        ({"hidden_layer_sizes": (-3,)}, "hidden_layer_sizes"),
        ({"activation": "swish"}, "activation"),
        ({"solver": "newton"}, "solver"),
        ({"dropout": 1.0}, "dropout"),
        ({"dropout": -0.1}, "dropout"),
        ({"activation": ["relu", "tanh"]}, "activation has 2 entries"),
        ({"learning_rate": "fast"}, "learning_rate"),
        ({"learning_rate_init": 0.0}, "learning_rate_init"),
        ({"max_iter": 0}, "max_iter"),
        ({"batch_size": 0}, "batch_size"),
        ({"validation_fraction": 1.0}, "validation_fraction"),
        ({"momentum": 1.5}, "momentum"),
        ({"callbacks": [1]}, "callbacks"),
    ],
)
def test_bad_hyper_parameters(iris, params, match):
    X, y = iris
    with pytest.raises(ValueError, match=match):
        MLPClassifier(**{**SMALL, **params}).fit(X, y)


def test_float64_model_converts_float32_input_per_batch():
    import tracemalloc

    rng = np.random.default_rng(0)
    reg = MLPRegressor(hidden_layer_sizes=(2,), max_iter=5, random_state=0)
    reg.fit(rng.standard_normal((50, 50)), rng.standard_normal(50))  # a float64 network
    X = rng.standard_normal((40000, 50)).astype(np.float32)  # 8 MB
    expected = reg.predict(X[:10].astype(np.float64))
    tracemalloc.start()
    pred = reg.predict(X)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 4e6, peak  # a float64 copy of the whole X would be 16 MB
    np.testing.assert_allclose(pred[:10], expected, rtol=1e-12)  # float64: BLAS order only
