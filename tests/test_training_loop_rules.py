"""The epoch loop's stopping and validation rules, on their edge cases (issue 8 §5, mutation-testing gaps):
ties, a patience counted under early stopping as scikit-learn counts it, held-out outputs that are not
finite or are masked, and plateau messages routed through a progress bar's writer."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SkMLPClassifier
from sklearn.preprocessing import StandardScaler

from sknn import MLPClassifier, RNNRegressor
from sknn.estimators._adapters import pad_sequences
from sknn.nn import Activation, Dense, Sequential, losses
from sknn.nn.linalg import plain_products
from sknn.training import FitState, Trainer, TrainingConfig, Validation, predict_raw

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def tiny_problem(seed=0, n=40):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    return X, (X @ np.array([1.0, -2.0, 0.5]))[:, None]


def tiny_trainer(net=None, callbacks=None, owner=None, **config):
    if net is None:
        net = Sequential([Dense(4), Activation("tanh"), Dense(1)])
        net.input_grad = False
        net.build((3,), np.random.default_rng(0))
    cfg = TrainingConfig(**{"batch_size": 10, "learning_rate_init": 0.05, "max_iter": 5, "callbacks": callbacks,
                            **config})
    return Trainer(net, losses.SquaredError(), cfg, FitState(), np.random.default_rng(0), owner=owner)


def test_a_tied_validation_score_keeps_the_first_epoch_reaching_it():
    """As scikit-learn (``>``): equal scores later do not replace the best weights."""
    X, y = tiny_problem()
    snapshots = []
    trainer = tiny_trainer(callbacks=[lambda info: snapshots.append([p.copy() for p in trainer.net.params])])
    st = trainer.fit(X, y, validation=Validation(X[:10], y[:10], lambda raw: 0.0))
    assert st.n_iter_ == 5 and st.validation_scores_ == [0.0] * 5
    for p, q in zip(trainer.net.params, snapshots[0]):
        np.testing.assert_array_equal(p, q)


def test_an_equal_loss_with_tol_zero_is_not_a_plateau():
    """``loss > best - tol`` counts an epoch as not improving; an exactly equal loss with tol=0 does not."""
    X, y = tiny_problem()
    trainer = tiny_trainer(tol=0.0, n_iter_no_change=1, max_iter=6)
    original = trainer.run_epoch

    def run_epoch(*args):
        original(*args)
        return 1.0  # the same loss every epoch

    trainer.run_epoch = run_epoch
    assert trainer.fit(X, y).n_iter_ == 6


@pytest.mark.parametrize("Est", [MLPClassifier, SkMLPClassifier])
def test_early_stopping_patience_counts_consecutive_epochs(Est):
    """No epoch can improve the validation score by tol: stop after 1 + (n_iter_no_change + 1) epochs."""
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    for patience in (1, 3):
        est = Est(hidden_layer_sizes=(8,), early_stopping=True, tol=10.0, n_iter_no_change=patience, max_iter=20,
                  random_state=0).fit(X, y)
        assert est.n_iter_ == patience + 2 == len(est.validation_scores_)


def test_non_finite_held_out_outputs_score_float_nan():
    """Held-out outputs that are not finite are scored NaN, as scikit-learn scores them; training goes on."""
    X, y = tiny_problem()
    Xv = X[:6].copy()
    Xv[0] = np.nan  # (the estimators check their input; the loop sees whatever it is given)
    with np.errstate(over="ignore", invalid="ignore"):
        raw = predict_raw(tiny_trainer().net, Xv)
    assert not np.isfinite(raw).all()  # the case under test
    st = tiny_trainer(max_iter=3).fit(X, y, validation=Validation(Xv, y[:6], lambda raw: 1.0))
    assert st.n_iter_ == 3
    for curve in (st.validation_scores_, st.validation_loss_curve_):
        assert all(type(v) is float and np.isnan(v) for v in curve)


def test_validation_outputs_use_the_held_out_mask():
    """Ragged held-out sequences are scored on their masked outputs, padding excluded."""
    rng = np.random.default_rng(0)
    seqs = [rng.normal(size=(k, 2)) for k in [2, 5, 3, 4, 1, 5]]
    Xp, mask = pad_sequences(seqs)
    y = np.array([[s.sum()] for s in seqs])
    reg = RNNRegressor(units=3, max_iter=1, random_state=0).fit(seqs, y[:, 0])
    seen = []
    trainer = tiny_trainer(net=reg.network_, max_iter=1, batch_size=3)
    trainer.fit(Xp.astype(reg.network_.dtype), y, mask=mask,
                validation=Validation(Xp.astype(reg.network_.dtype), y, lambda raw: seen.append(raw) or 0.0,
                                      mask=mask))
    with plain_products():  # the loop's evaluations use plain BLAS products (sknn.nn.linalg)
        masked = predict_raw(reg.network_, Xp.astype(reg.network_.dtype), mask)
        unmasked = predict_raw(reg.network_, Xp.astype(reg.network_.dtype))
    np.testing.assert_array_equal(seen[-1], masked)
    assert not np.array_equal(seen[-1], unmasked)  # the mask matters for these sequences


class Writer:
    """A progress bar's writer: messages must go through it, not to stdout."""

    def __init__(self):
        self.lines = []

    def write(self, line):
        self.lines.append(line)

    def __call__(self, info):
        return False


@pytest.mark.parametrize("learning_rate, suffix", [("adaptive", " Setting learning rate to 0.010000"),
                                                   ("constant", " Stopping.")])
def test_plateau_messages_go_through_the_writer(capsys, learning_rate, suffix):
    X, y = tiny_problem()
    writer = Writer()
    trainer = tiny_trainer(callbacks=[writer], solver="sgd", learning_rate=learning_rate, tol=1e3,
                           n_iter_no_change=1, max_iter=3, verbose=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        trainer.fit(X, y)
    assert capsys.readouterr().out == ""
    plateau = [line for line in writer.lines if not line.startswith("Iteration")]
    assert plateau[0] == "Training loss did not improve more than tol=1000.000000 for 1 consecutive epochs." + suffix


def test_plateau_messages_are_printed_without_a_writer(capsys):
    X, y = tiny_problem()
    st = tiny_trainer(solver="sgd", tol=1e3, n_iter_no_change=1, max_iter=3, verbose=1).fit(X, y)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Iteration 1, loss = %.8f" % st.loss_curve_[0]
    assert "Training loss did not improve more than tol=1000.000000 for 1 consecutive epochs. Stopping." in out


def test_epoch_hooks_number_the_epochs_across_calls():
    """begin(k) before end(k), counted over the calls of a partial_fit stream (the loss curve's length)."""
    X, y = tiny_problem()
    events = []

    class Recorder:
        def on_epoch_begin(self, info):
            events.append(("begin", info["epoch"]))

        def __call__(self, info):
            assert set(info) == {"epoch", "loss", "validation_loss", "validation_score", "learning_rate", "time",
                                 "estimator"} and info["estimator"] is owner
            events.append(("end", info["epoch"]))

    owner = object()
    trainer = tiny_trainer(callbacks=[Recorder()], max_iter=2, owner=owner)
    trainer.fit(X, y)
    trainer.fit(X, y, incremental=True)
    assert events == [("begin", 1), ("end", 1), ("begin", 2), ("end", 2), ("begin", 3), ("end", 3)]


def test_samples_seen_count_the_resampled_rows():
    """``t_`` (the schedules' clock) counts the rows each epoch trained on, after resampling."""
    X, y = tiny_problem()

    def first_rows(X, y, sample_weight, mask, rng):
        return X[:7], y[:7], sample_weight, mask

    st = tiny_trainer(max_iter=3, batch_size=7, resample=first_rows).fit(X, y)
    assert st.t_ == 3 * 7


def test_a_single_layer_trains_without_a_container():
    """The loop takes any built layer, not only a Sequential (no ``layers`` to look for penalties in)."""
    X, y = tiny_problem()
    net = Dense(1)
    net.input_grad = False
    net.build((3,), np.random.default_rng(0))
    st = tiny_trainer(net=net, max_iter=3).fit(X, y)
    assert st.n_iter_ == 3 and st.loss_curve_[-1] < st.loss_curve_[0]
