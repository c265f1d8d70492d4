"""Issue 9 §2: divergence that never reaches NaN is detected, warned about, and undone.

The rule (``sknn.training``): an epoch whose loss exceeds ``BLOWUP_FACTOR`` times
a reference measured before training (the initial loss, or the loss of an
all-zero output, whichever is larger) has diverged.
"""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits, load_iris, make_regression
from sklearn.preprocessing import StandardScaler

import sknn
from sknn.nn import Activation, Dense, Sequential, losses
from sknn.training import BLOWUP_FACTOR, DivergenceWarning, FitState, Trainer, TrainingConfig

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def fit_warnings(est, *args):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est.fit(*args)
    return [w for w in caught if issubclass(w.category, DivergenceWarning)]


def untrained_score(est, X, y):
    """The score of the same initial weights: same seed, a step too small to move them."""
    frozen = type(est)(**{**est.get_params(), "learning_rate_init": 1e-300, "max_iter": 1})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return frozen.fit(X, y).score(X, y)


# -- the loop, on scripted epoch losses ----------------------------------------------------------


def scripted_trainer(epoch_losses, **config):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(32, 3))
    y = X[:, :1] * 2.0
    net = Sequential([Dense(4), Activation("tanh"), Dense(1)])
    net.input_grad = False
    net.build((3,), np.random.default_rng(0))
    cfg = TrainingConfig(batch_size=8, learning_rate_init=0.01, max_iter=len(epoch_losses), **config)
    trainer = Trainer(net, losses.SquaredError(), cfg, FitState(), rng)
    script = iter(epoch_losses)
    snapshots = []
    original = trainer.run_epoch

    def run_epoch(*args):
        original(*args)  # the weights move as in a real epoch
        snapshots.append([p.copy() for p in net.params])
        return next(script) * trainer.state.reference_loss

    trainer.run_epoch = run_epoch
    return trainer, X, y, snapshots


def test_blow_up_without_nan_is_divergence_and_the_best_epoch_is_kept():
    trainer, X, y, snaps = scripted_trainer([1.0, 0.5, 0.8, 3 * BLOWUP_FACTOR, 0.1])
    with pytest.warns(DivergenceWarning, match=r"grew to .* at epoch 4"):
        st = trainer.fit(X, y)
    assert st.diverged and st.n_iter_ == 4 and len(st.loss_curve_) == 4
    # epoch 2 had the lowest loss and its weights beat the initial ones on the data
    for p, q in zip(trainer.net.params, snaps[1]):
        np.testing.assert_array_equal(p, q)


def test_noisy_but_bounded_losses_are_not_divergence():
    trainer, X, y, _ = scripted_trainer([1.0, 30.0, 0.5, 0.9 * BLOWUP_FACTOR, 0.2])
    with warnings.catch_warnings():
        warnings.simplefilter("error", DivergenceWarning)
        st = trainer.fit(X, y)
    assert not st.diverged and st.n_iter_ == 5


def test_the_starting_weights_are_kept_when_no_epoch_beats_them():
    trainer, X, y, _ = scripted_trainer([2 * BLOWUP_FACTOR])
    start = [p.copy() for p in trainer.net.params]
    with pytest.warns(DivergenceWarning, match="weights it started from were kept"):
        trainer.fit(X, y)
    for p, q in zip(trainer.net.params, start):
        np.testing.assert_array_equal(p, q)


def test_reference_is_the_larger_of_initial_and_zero_output_losses():
    trainer, X, y, _ = scripted_trainer([1.0])
    trainer.fit(X, y)
    raw = trainer.net.forward(X, training=False)
    initial = losses.SquaredError().value(y, raw) + trainer._penalty(8)
    zero = losses.SquaredError().value(y, np.zeros_like(raw))
    assert trainer.state.reference_loss == pytest.approx(max(initial, zero))


# -- estimators, learning_rate_init=1e3 on unscaled data (the runs) -------------------------------


@pytest.fixture(scope="module")
def cancer():
    return load_breast_cancer(return_X_y=True)


@pytest.fixture(scope="module")
def diabetes():
    return load_diabetes(return_X_y=True)


@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_mlp_classifier_huge_learning_rate(cancer, solver):
    X, y = cancer
    clf = sknn.MLPClassifier(solver=solver, learning_rate_init=1e3, max_iter=20, random_state=0)
    assert fit_warnings(clf, X, y)
    assert all(np.isfinite(c).all() for c in clf.coefs_)
    assert clf.score(X, y) >= untrained_score(clf, X, y)


@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_convnet_regressor_huge_learning_rate(diabetes, solver):
    X, y = diabetes
    reg = sknn.ConvNetRegressor(filters=(4,), hidden_layer_sizes=(16,), solver=solver, learning_rate_init=1e3,
                                max_iter=10, random_state=0)
    assert fit_warnings(reg, X, y)
    assert reg.score(X, y) >= untrained_score(reg, X, y) > -10  # not R² = -2.8e21


def test_text_classifier_sgd_huge_learning_rate():
    docs = [f"good great fine nice w{i}" for i in range(30)] + [f"bad awful poor terrible w{i}" for i in range(30)]
    y = np.r_[np.ones(30), np.zeros(30)]
    clf = sknn.TextClassifier(solver="sgd", learning_rate_init=1e3, max_iter=10, random_state=0)
    assert fit_warnings(clf, docs, y)
    assert clf.score(docs, y) >= untrained_score(clf, docs, y)


# -- no false alarms on healthy (and noisy) training ---------------------------------------------------------


def _datasets():
    Xi, yi = load_iris(return_X_y=True)
    Xd, yd = load_digits(return_X_y=True)
    Xc, yc = load_breast_cancer(return_X_y=True)
    Xr, yr = load_diabetes(return_X_y=True)
    Xm, ym = make_regression(120, 6, n_targets=2, noise=10.0, random_state=0)
    scale = StandardScaler().fit_transform
    return [
        ("iris sgd momentum", sknn.MLPClassifier(solver="sgd", learning_rate_init=0.2, max_iter=40), scale(Xi), yi),
        ("iris adam batch 1", sknn.MLPClassifier(learning_rate_init=0.05, batch_size=1, max_iter=5), scale(Xi), yi),
        ("digits adam", sknn.MLPClassifier((32,), learning_rate_init=0.02, max_iter=15), Xd[:400] / 16, yd[:400]),
        ("cancer unscaled adam", sknn.MLPClassifier((16,), max_iter=30), Xc, yc),
        ("cancer scaled sgd", sknn.MLPClassifier((16,), solver="sgd", learning_rate_init=0.5, max_iter=30), scale(Xc), yc),
        ("y in millions", sknn.MLPRegressor(learning_rate_init=0.1, max_iter=30), scale(Xr), yr * 1e6),
        ("diabetes raw y", sknn.MLPRegressor(learning_rate_init=0.1, max_iter=40), scale(Xr), yr),
        ("diabetes sgd", sknn.MLPRegressor(solver="sgd", learning_rate_init=0.01, max_iter=40), scale(Xr), yr / yr.std()),
        ("multi-output", sknn.MLPRegressor(learning_rate_init=0.05, max_iter=40), Xm, ym),
        ("poisson", sknn.MLPRegressor(loss="poisson", learning_rate_init=0.05, max_iter=30), scale(Xr), yr),
        ("rnn", sknn.RNNRegressor(units=4, learning_rate_init=0.05, max_iter=20), scale(Xr).reshape(-1, 5, 2), yr),
        ("autoencoder", sknn.AutoencoderTransformer((8, 3), learning_rate_init=0.05, max_iter=30), scale(Xc), None),
    ]


@pytest.mark.parametrize("name, est, X, y", _datasets(), ids=[d[0] for d in _datasets()])
def test_healthy_training_never_triggers_the_rule(name, est, X, y):
    est.set_params(random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DivergenceWarning)
        est.fit(X, y)
    losses_ = np.asarray(est.loss_curve_)
    assert np.isfinite(losses_).all() and losses_[-1] < losses_[0]


def test_reference_is_measured_on_at_most_reference_rows_evenly_spaced():
    """On a large fit the reference scale comes from REFERENCE_ROWS evenly spaced rows (a fixed cost per fit)."""
    from sknn._divergence import REFERENCE_ROWS

    rng = np.random.default_rng(0)
    X = rng.normal(size=(1000, 3))
    idx = np.unique(np.linspace(0, 999, REFERENCE_ROWS).astype(np.intp))
    y = X[:, :1] * 2.0
    y[np.setdiff1d(np.arange(1000), idx)] += 10.0  # the rows left out are far off: the rows taken matter
    net = Sequential([Dense(4), Activation("tanh"), Dense(1)])
    net.input_grad = False
    net.build((3,), np.random.default_rng(0))
    assert len(idx) == REFERENCE_ROWS == 128
    raw = net.forward(X[idx], training=False)
    cfg = TrainingConfig(batch_size=100, max_iter=1, alpha=0.0)
    trainer = Trainer(net, losses.SquaredError(), cfg, FitState(), rng)
    expected = max(losses.SquaredError().value(y[idx], raw), losses.SquaredError().value(y[idx], np.zeros_like(raw)))
    everything = losses.SquaredError().value(y, np.zeros((1000, 1)))
    assert abs(everything - expected) > 0.01 * expected  # the test can tell the sample from all rows
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        trainer.fit(X, y)
    assert trainer.state.reference_loss == pytest.approx(expected, rel=1e-12)
