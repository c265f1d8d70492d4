"""What the training loop leaves behind after a divergence (issue 8 §5, gaps found by mutation testing).

A refused call (not one finite epoch) leaves the state as it was; a diverged
early-stopping fit keeps the weights of its best validation score (or those it
started from); L-BFGS calls the epoch hooks like the stochastic loop and marks
its own failures as divergence.
"""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPRegressor as SkMLPRegressor

from sknn import MLPRegressor, RNNRegressor
from sknn.nn import Activation, Dense, Dropout, Sequential, losses
from sknn.training import DivergenceWarning, FitState, Trainer, TrainingConfig, Validation

# scikit-learn 1.9's message, in full
NON_FINITE = ("Solver produced non-finite parameter weights. The input data may contain large values and need "
              "to be preprocessed.")
EXACT_NON_FINITE = "^" + NON_FINITE.replace(".", r"\.") + "$"


def tiny_problem(seed=0, n=48):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    return X, (X @ np.array([1.0, -2.0, 0.5]))[:, None]


def tiny_trainer(state=None, callbacks=None, dropout=0.0, owner=None, **config):
    net = Sequential([Dense(4), Activation("tanh")] + ([Dropout(dropout)] if dropout else []) + [Dense(1)])
    net.input_grad = False
    net.build((3,), np.random.default_rng(0))
    cfg = TrainingConfig(**{"batch_size": 16, "learning_rate_init": 0.05, "max_iter": 6, "callbacks": callbacks,
                            **config})
    return Trainer(net, losses.SquaredError(), cfg, state or FitState(), np.random.default_rng(0), owner=owner)


def poison_from(trainer, epoch):
    """From the call's ``epoch``-th epoch on, each epoch ends on NaN weights and a NaN loss."""
    original, calls = trainer.run_epoch, [0]

    def run_epoch(*args):
        calls[0] += 1
        value = original(*args)
        if calls[0] < epoch:
            return value
        for p in trainer.net.params:
            p[...] = np.nan
        return float("nan")

    trainer.run_epoch = run_epoch


def params_of(trainer):
    return [p.copy() for p in trainer.net.params]


def assert_params_equal(trainer, expected):
    for p, q in zip(trainer.net.params, expected):
        np.testing.assert_array_equal(p, q)


# -- a refused call: not one finite epoch ------------------------------------------------------------


def test_refused_first_call_leaves_an_empty_state():
    X, y = tiny_problem()
    trainer = tiny_trainer()
    start = params_of(trainer)
    poison_from(trainer, 1)
    with pytest.raises(ValueError, match=EXACT_NON_FINITE):
        trainer.fit(X, y)
    st = trainer.state
    assert st.n_iter_ == 0 and st.loss_ is None and st.loss_curve_ == [] and not st.diverged
    assert_params_equal(trainer, start)


def test_refused_call_after_training_keeps_the_previous_curve():
    """A partial_fit stream: the refused call adds nothing, its epoch count is 0."""
    X, y = tiny_problem()
    state = FitState()
    for _ in range(2):
        tiny_trainer(state).fit(X, y, incremental=True)
    curve = list(state.loss_curve_)
    trainer = tiny_trainer(state)
    before = params_of(trainer)
    poison_from(trainer, 1)
    with pytest.raises(ValueError, match=EXACT_NON_FINITE):
        trainer.fit(X, y, incremental=True)
    assert state.n_iter_ == 0 and state.loss_curve_ == curve and state.loss_ == curve[-1]
    assert_params_equal(trainer, before)


def test_a_nan_second_epoch_is_divergence_not_refusal():
    X, y = tiny_problem()
    trainer = tiny_trainer()
    poison_from(trainer, 2)
    with pytest.warns(DivergenceWarning, match="became NaN or infinite at epoch 2"):
        st = trainer.fit(X, y)
    assert st.diverged and st.n_iter_ == 2 and len(st.loss_curve_) == 2 and np.isnan(st.loss_)


def test_a_divergence_at_the_last_epoch_is_not_also_a_max_iter_warning():
    X, y = tiny_problem()
    trainer = tiny_trainer(max_iter=2)
    poison_from(trainer, 2)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        trainer.fit(X, y)
    assert [w.category for w in caught if issubclass(w.category, ConvergenceWarning)] == [DivergenceWarning]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # scikit-learn overflows on the way
def test_refused_partial_fit_raises_sklearns_error_and_keeps_the_model():
    """scikit-learn 1.9 raises the same error and reports n_iter_ = 1 (the refused call's epoch,
    as each partial_fit call's); sknn's n_iter_ is 1 too (the last successful call's), and its model
    is left as it was where scikit-learn's is left with non-finite weights."""
    rng = np.random.RandomState(0)
    Xs, y = rng.normal(size=(20, 3)), rng.normal(size=20)
    X_huge = np.finfo(np.float64).max * rng.uniform(size=(20, 3))
    fitted = {}
    for Est in (MLPRegressor, SkMLPRegressor):
        est = Est(hidden_layer_sizes=(4,), random_state=0)
        est.partial_fit(Xs, y)
        est.partial_fit(Xs, y)
        with pytest.raises(ValueError, match=EXACT_NON_FINITE):
            est.partial_fit(X_huge, y)
        fitted[Est] = est
    ours, theirs = fitted[MLPRegressor], fitted[SkMLPRegressor]
    assert ours.n_iter_ == theirs.n_iter_ == 1
    assert len(ours.loss_curve_) == 2 and ours.loss_ == ours.loss_curve_[-1] and np.isfinite(ours.loss_)
    assert ours._fit_state.n_iter_ == 0  # the refused call itself ran no epoch that counts
    assert np.isfinite(ours.predict(Xs)).all()
    assert not all(np.isfinite(c).all() for c in theirs.coefs_)


# -- which weights a diverged early-stopping fit keeps -------------------------------------------------


def diverging_fit_with_validation(score_sign, nan_at=5):
    """Train until epoch ``nan_at`` turns NaN, scored by ``score_sign`` times the validation MSE."""
    X, y = tiny_problem(n=48)
    Xv, yv = tiny_problem(seed=1, n=24)

    def score(raw):
        return score_sign * float(np.mean((raw - yv) ** 2))

    snapshots = []
    trainer = tiny_trainer(callbacks=[lambda info: snapshots.append(params_of(trainer))])
    start = params_of(trainer)
    poison_from(trainer, nan_at)
    with pytest.warns(DivergenceWarning, match="epoch %d" % nan_at) as record:
        st = trainer.fit(X, y, validation=Validation(Xv, yv, score))
    return trainer, st, start, snapshots, str(record[0].message)


def test_diverged_early_stopping_keeps_the_best_validation_epoch():
    trainer, st, start, snapshots, message = diverging_fit_with_validation(-1.0)
    scores = st.validation_scores_
    assert len(scores) == len(st.validation_loss_curve_) == len(st.loss_curve_) == st.n_iter_ == 5
    # the diverged epoch scores float nan (scikit-learn's record), the others are finite
    assert type(scores[-1]) is float and np.isnan(scores[-1]) and np.isnan(st.validation_loss_curve_[-1])
    assert np.isfinite(scores[:-1]).all() and st.best_validation_score_ == max(scores[:-1])
    best = int(np.argmax(scores[:-1]))
    assert_params_equal(trainer, snapshots[best])
    assert any(not np.array_equal(p, q) for p, q in zip(snapshots[best], start))  # training moved them
    assert "weights of the best validation score were kept" in message


def test_diverged_early_stopping_keeps_the_start_when_it_scores_best():
    """A score that training only lowers (+MSE): the starting weights beat every epoch."""
    trainer, st, start, _, message = diverging_fit_with_validation(+1.0)
    assert np.isfinite(st.validation_scores_[:-1]).all() and np.isnan(st.validation_scores_[-1])
    assert_params_equal(trainer, start)
    assert "weights it started from were kept" in message


# -- L-BFGS: the epoch hooks and its divergence -----------------------------------------------------------


LBFGS_INFO_KEYS = {"epoch", "loss", "validation_loss", "validation_score", "learning_rate", "time", "estimator"}


class HookRecorder:
    """Records the loop's hook calls in order, and each iteration's loss."""

    def __init__(self, owner=None, stop_at=None):
        self.events, self.losses = [], []
        self.owner, self.stop_at = owner, stop_at

    def on_fit_begin(self, info):
        self.events.append(("fit_begin", info["epoch"]))

    def on_epoch_begin(self, info):
        assert set(info) == {"epoch", "estimator"} and info["estimator"] is self.owner
        self.events.append(("begin", info["epoch"]))

    def __call__(self, info):
        # L-BFGS has no validation, learning rate or epoch time: None, as the keys are always there
        assert set(info) == LBFGS_INFO_KEYS and info["estimator"] is self.owner
        assert all(info[k] is None for k in ("validation_loss", "validation_score", "learning_rate", "time"))
        self.events.append(("end", info["epoch"]))
        self.losses.append(info["loss"])
        return info["epoch"] == self.stop_at

    def on_fit_end(self, info):
        self.events.append(("fit_end",))


@pytest.mark.parametrize("stop_at", [None, 2])
def test_lbfgs_calls_epoch_begin_before_each_iteration(stop_at, capsys):
    """As the stochastic loop: begin(k) before end(k), none after the last iteration; verbose lines
    as scikit-learn's; no ConvergenceWarning when a callback stops the run."""
    X, y = tiny_problem()
    owner = object()
    rec = HookRecorder(owner, stop_at)
    trainer = tiny_trainer(callbacks=[rec], solver="lbfgs", max_iter=4, tol=0.0, verbose=True, owner=owner)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        st = trainer.fit(X, y)
    n = st.n_iter_
    assert n == (stop_at or 4)
    epochs = [e for k in range(1, n + 1) for e in (("begin", k), ("end", k))]
    assert rec.events == [("fit_begin", 0)] + epochs + [("fit_end",)]
    assert not st.diverged and rec.losses[-1] == st.loss_
    assert capsys.readouterr().out.splitlines() == [
        "Iteration %d, loss = %.8f" % (k + 1, loss) for k, loss in enumerate(rec.losses)]
    messages = [str(w.message) for w in caught if issubclass(w.category, ConvergenceWarning)]
    if stop_at:
        assert messages == []
    else:  # scipy's reason in scikit-learn's words
        assert messages == [
            "lbfgs failed to converge after 4 iteration(s) (status=1): STOP: TOTAL NO. OF ITERATIONS REACHED "
            "LIMIT. Increase the number of iterations (max_iter) or scale the data."]


def test_lbfgs_converging_does_not_warn():
    X, y = tiny_problem()
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        st = tiny_trainer(solver="lbfgs", max_iter=200, tol=1e-2).fit(X, y)
    assert 1 < st.n_iter_ < 200


def test_lbfgs_trains_dropout_with_the_seeded_generator():
    X, y = tiny_problem()
    runs = []
    for _ in range(2):
        trainer = tiny_trainer(solver="lbfgs", max_iter=3, dropout=0.3)  # no generator until the fit gives one
        trainer.fit(X, y)
        runs.append(params_of(trainer))
    for p, q in zip(*runs):
        np.testing.assert_array_equal(p, q)


def test_lbfgs_minimises_the_weighted_masked_loss():
    """Ragged sequences (zero-padded, masked) with sample weights: the loss L-BFGS reports is the
    weighted mean loss of what the fitted model predicts, padding excluded."""
    rng = np.random.default_rng(0)
    X = [rng.normal(size=(k, 2)) for k in [2, 5, 3, 4, 1, 5, 2, 3] * 3]
    y = np.array([s.sum() for s in X])
    w = np.arange(len(X)) % 3 + 0.5
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg = RNNRegressor(units=3, solver="lbfgs", alpha=0.0, max_iter=5, dropout=0.0, early_stopping=False,
                           random_state=0).fit(X, y, w)
    # RNNRegressor learns standardised targets: its loss is in those units
    z = (reg.predict(X) - y) / reg._y_scale[0]
    assert reg.loss_ == pytest.approx(0.5 * np.average(z ** 2, weights=w), rel=1e-6)


def test_lbfgs_overflow_is_reported_once_not_as_runtime_warnings():
    X = np.finfo(np.float64).max * np.random.RandomState(0).uniform(size=(20, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(ValueError, match=EXACT_NON_FINITE):
            MLPRegressor(solver="lbfgs", hidden_layer_sizes=(4,), max_iter=5, random_state=0).fit(X, X[:, 0])


def lbfgs_trainer_with_loss(value_of_call, **config):
    """An L-BFGS trainer whose loss at the k-th evaluation is ``value_of_call(k, loss)``."""
    trainer = tiny_trainer(solver="lbfgs", **config)
    original, calls = trainer.loss_and_grads, [0]

    def loss_and_grads(*args, **kwargs):
        calls[0] += 1
        return value_of_call(calls[0], original(*args, **kwargs))

    trainer.loss_and_grads = loss_and_grads
    return trainer


def test_lbfgs_with_no_finite_evaluation_raises_and_restores():
    X, y = tiny_problem()
    trainer = lbfgs_trainer_with_loss(lambda k, loss: np.inf)
    start = params_of(trainer)
    with pytest.raises(ValueError, match=EXACT_NON_FINITE):
        trainer.fit(X, y)
    assert trainer.state.diverged
    assert_params_equal(trainer, start)


def test_lbfgs_ending_on_non_finite_weights_keeps_the_start(monkeypatch):
    """A finite final loss but non-finite weights written back: the weights it started from are kept."""
    from sknn import _full_batch

    real = _full_batch.lbfgs_minimize

    def ends_on_nan(params, *args, **kwargs):
        result = real(params, *args, **kwargs)
        params[0][0, 0] = np.nan
        return result

    monkeypatch.setattr(_full_batch, "lbfgs_minimize", ends_on_nan)
    X, y = tiny_problem()
    trainer = tiny_trainer(solver="lbfgs", max_iter=3)
    start = params_of(trainer)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        st = trainer.fit(X, y)
    assert [str(w.message) for w in caught if issubclass(w.category, ConvergenceWarning)] == [
        "Training diverged: L-BFGS reached non-finite weights; the initial weights were kept."]
    assert issubclass(caught[-1].category, DivergenceWarning)
    assert st.diverged and np.isfinite(st.loss_) and st.n_iter_ == 3
    assert_params_equal(trainer, start)
