"""Issue 8 §5 (loop part): the loop's whole objective is gradient-checked, and each training
parameter is shown to change what it should (each test fails if its parameter were ignored)."""

import math
import warnings

import numpy as np
import pytest

from sknn import MLPClassifier, MLPRegressor, NeuralNetRegressor
from sknn.nn import Activation, ActivityL1, Dense, Sequential, losses
from sknn.training import FitState, Trainer, TrainingConfig
from sknn.utils.gradcheck import _numeric_grad, relative_error

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

RNG = np.random.default_rng(0)
X = RNG.normal(size=(40, 3))
Y = X @ np.array([1.0, -2.0, 0.5]) + 0.1 * RNG.normal(size=40)
FROZEN = 1e-300  # a learning rate that moves no weight: the first epoch's loss is the initial model's


def reg(**params):
    kw = dict(hidden_layer_sizes=(5,), max_iter=3, shuffle=False, batch_size=10, random_state=0)
    return MLPRegressor(**{**kw, **params}).fit(X, Y)


def weights(est):
    return np.concatenate([p.ravel() for p in est.network_.params])


def changes_weights(name, a, b, **common):
    """Fits differing only in ``name`` end with different weights."""
    wa, wb = weights(reg(**{name: a}, **common)), weights(reg(**{name: b}, **common))
    return not np.array_equal(wa, wb)


# -- the whole objective, gradient-checked --------------------------------------------------------


@pytest.mark.parametrize("solver, penalised", [("adam", True), ("adamw", False)])
def test_loss_and_grads_is_the_gradient_of_the_whole_objective(solver, penalised):
    """L2 penalty (alpha > 0), an activity penalty, sample weights; float64 central differences."""
    rng = np.random.default_rng(1)
    Xb, yb = rng.normal(size=(12, 4)), rng.normal(size=(12, 2))
    sw = rng.uniform(0.5, 2.0, size=12)
    net = Sequential([Dense(5), Activation("tanh"), ActivityL1(0.3), Dense(2)])
    net.input_grad = False
    net.build((4,), np.random.default_rng(2), np.float64)
    trainer = Trainer(net, losses.SquaredError(), TrainingConfig(solver=solver, alpha=0.7), FitState(), rng)

    def objective():
        return trainer.loss_and_grads(Xb, yb, sw)

    value = objective()
    analytic = [g.copy() for g in net.grads]
    for p, g in zip(net.params, analytic):
        assert relative_error(g, _numeric_grad(objective, p, 1e-6)) < 1e-7
    # and the value is the data loss plus both penalties (none from alpha under adamw's decoupled decay)
    raw = net.forward(Xb, training=False)
    hidden = net.layers[1].forward(net.layers[0].forward(Xb, training=False), training=False)
    l2 = 0.5 * 0.7 * sum(np.sum(w**2) for w, f in zip(net.params, net.penalized) if f) / sw.sum()
    expected = losses.SquaredError().value(yb, raw, sw) + 0.3 * np.abs(hidden).sum() / 12 + (l2 if penalised else 0)
    assert value == pytest.approx(expected, rel=1e-12)


# -- Adam ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name, a, b", [("beta_1", 0.9, 0.5), ("beta_2", 0.999, 0.9), ("epsilon", 1e-8, 1.0)])
def test_adam_parameters_change_the_steps(name, a, b):
    assert changes_weights(name, a, b, solver="adam")


def test_epsilon_reaches_rmsprop_and_adagrad():
    for solver in ("rmsprop", "adagrad"):
        assert changes_weights("epsilon", 1e-8, 1.0, solver=solver)


# -- SGD ------------------------------------------------------------------------------------------------


def test_learning_rate_init_scales_the_first_sgd_step():
    init = weights(reg(solver="sgd", momentum=0.0, learning_rate_init=FROZEN, max_iter=1, batch_size=40))
    step = [weights(reg(solver="sgd", momentum=0.0, learning_rate_init=lr, max_iter=1, batch_size=40)) - init
            for lr in (1e-3, 2e-3)]
    np.testing.assert_allclose(step[1], 2 * step[0], rtol=1e-6, atol=1e-15)


def test_momentum_and_nesterov_change_the_steps():
    assert changes_weights("momentum", 0.0, 0.9, solver="sgd", learning_rate_init=0.01)
    assert changes_weights("nesterovs_momentum", True, False, solver="sgd", momentum=0.9, learning_rate_init=0.01)


def test_power_t_sets_the_invscaling_rate():
    for power_t in (0.25, 0.5):
        est = reg(solver="sgd", learning_rate="invscaling", learning_rate_init=0.01, power_t=power_t)
        # scikit-learn's schedule: learning_rate_init / (t + 1) ** power_t, t the samples seen
        assert est._fit_state.optimizer.learning_rate == pytest.approx(0.01 / (est.t_ + 1) ** power_t, rel=1e-12)


def test_adaptive_schedule_divides_by_five_per_plateau_and_resets_the_count():
    rates = []
    reg(solver="sgd", learning_rate="adaptive", learning_rate_init=0.01, tol=1e3, n_iter_no_change=2, max_iter=9,
        callbacks=[lambda info: rates.append(info["learning_rate"])])
    # the first epoch improves on inf; no later one improves by tol: after 3 more (count 3 > 2)
    # the rate drops and the count starts again (without the reset it would drop every epoch)
    np.testing.assert_allclose(rates, [0.01] * 4 + [0.002] * 3 + [0.0004] * 2, rtol=1e-12)


# -- what an epoch is -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("batch_size, steps", [(10, 4), (16, 3), (40, 1), ("auto", 1)])
def test_batch_size_sets_the_steps_per_epoch(batch_size, steps):
    est = reg(batch_size=batch_size, max_iter=2)
    assert est._fit_state.optimizer.t == 2 * steps


def test_shuffle_changes_the_batches():
    assert changes_weights("shuffle", True, False, learning_rate_init=0.01)


def test_shuffle_false_visits_the_rows_in_order():
    seen = []

    class Spy(Trainer):
        def train_step(self, Xb, *args):
            seen.append(Xb[:, 0].copy())
            return super().train_step(Xb, *args)

    net = Sequential([Dense(2), Dense(1)])
    net.input_grad = False
    net.build((3,), np.random.default_rng(0))
    Spy(net, losses.SquaredError(), TrainingConfig(shuffle=False, batch_size=16, max_iter=1), FitState(),
        np.random.default_rng(0)).fit(X, Y[:, None])
    np.testing.assert_array_equal(np.concatenate(seen), X[:, 0])


def test_validation_fraction_sets_the_held_out_size():
    for fraction in (0.1, 0.25):
        est = reg(early_stopping=True, validation_fraction=fraction, max_iter=2)
        n_val = math.ceil(fraction * len(X))
        assert est.t_ == 2 * (len(X) - n_val)


@pytest.mark.parametrize("patience", [1, 3])
def test_n_iter_no_change_is_the_patience(patience):
    # tol is too large for any epoch to count as an improvement
    assert reg(tol=1e3, n_iter_no_change=patience, max_iter=50).n_iter_ == patience + 2


def test_max_fun_limits_the_lbfgs_evaluations(monkeypatch):
    calls = []
    original = Trainer.loss_and_grads
    monkeypatch.setattr(Trainer, "loss_and_grads", lambda self, *a, **k: calls.append(1) or original(self, *a, **k))
    counts = []
    for max_fun in (4, 30):
        calls.clear()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reg(solver="lbfgs", max_fun=max_fun, max_iter=1000, tol=0.0)
        counts.append(len(calls))
    assert 4 <= counts[0] < counts[1] and counts[1] >= 30


# -- what the reported loss is ----------------------------------------------------------------------------------


def test_reported_loss_includes_the_l2_penalty():
    plain = reg(alpha=0.0, learning_rate_init=FROZEN, batch_size=40, max_iter=1)
    penalised = reg(alpha=2.0, learning_rate_init=FROZEN, batch_size=40, max_iter=1)
    l2 = 0.5 * 2.0 * sum(np.sum(c**2) for c in plain.coefs_) / len(X)
    assert penalised.loss_curve_[0] == pytest.approx(plain.loss_curve_[0] + l2, rel=1e-12)


def test_huber_loss_value_against_a_hand_computation():
    est = reg(loss="huber", alpha=0.0, learning_rate_init=FROZEN, batch_size=40, max_iter=1).fit(X, Y * 2)
    r = np.abs(est.predict(X) - Y * 2)
    assert (r > 1).any() and (r <= 1).any()  # both branches of the loss count
    huber = np.where(r <= 1.0, 0.5 * r**2, r - 0.5)
    assert est.loss_curve_[0] == pytest.approx(huber.mean(), rel=1e-12)


def test_reported_loss_includes_the_activity_penalty():
    kw = dict(learning_rate_init=FROZEN, batch_size=40, max_iter=1, alpha=0.0, shuffle=False, dtype="float64",
              random_state=0)
    layers = [Dense(4), Activation("tanh"), ActivityL1(0.5)]
    est = NeuralNetRegressor(layers, **kw).fit(X, Y)
    net = est.network_
    hidden = X
    for layer in net.layers[:3]:
        hidden = layer.forward(hidden, training=False)
    squared = 0.5 * np.mean((est.predict(X) - Y) ** 2)
    assert est.loss_curve_[0] == pytest.approx(squared + 0.5 * np.abs(hidden).sum() / len(X), rel=1e-12)


def test_clip_norm_bounds_every_step():
    kw = dict(solver="sgd", momentum=0.0, learning_rate_init=1.0, batch_size=40, max_iter=1)
    init = weights(reg(**{**kw, "learning_rate_init": FROZEN}))
    step = np.linalg.norm(weights(reg(clip_norm=1e-3, **kw)) - init)
    assert step == pytest.approx(1e-3, rel=1e-6)


def test_classifier_loss_is_reported_like_sklearns_log_loss():
    """The reported log-loss of the initial model, against a hand computation from predict_proba."""
    y = (X[:, 0] > 0).astype(int)
    clf = MLPClassifier((5,), learning_rate_init=FROZEN, batch_size=40, max_iter=1, alpha=0.0, random_state=0)
    clf.fit(X, y)
    p = clf.predict_proba(X)[np.arange(len(y)), y]
    assert clf.loss_curve_[0] == pytest.approx(-np.mean(np.log(p)), rel=1e-10)
