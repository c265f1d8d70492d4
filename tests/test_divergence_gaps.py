"""The divergence guard on the cases run 4 of the mutation testing found untested (bench/MUTATION.md).

Masked and weighted diverging fits (the reference loss and the losses that choose the kept weights
honour the sequence mask and the sample weights), the L2 penalty in the reference, weight decay after a
recovery, the loss published after a refused call, a diverged warm start under early stopping, and the
clause of the message that names the weights kept. Every network is float64; every expected value is
computed here from the network's own outputs, not copied from a run.
"""

import warnings

import numpy as np
import pytest

from sknn.nn import Activation, Dense, GlobalAvgPool, Sequential, SimpleRNN, losses
from sknn.training import (BLOWUP_FACTOR, DivergenceWarning, FitState, Trainer, TrainingConfig, Validation,
                           predict_raw)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

LOSS = losses.SquaredError()
LOWEST = "Training stopped and the weights of the epoch with the lowest loss were kept."
START = "Training stopped and the weights it started from were kept."


def built(layers, input_shape):
    net = Sequential(layers)
    net.input_grad = False
    net.build(input_shape, np.random.default_rng(0))
    return net


def dense_net():
    return built([Dense(4), Activation("tanh"), Dense(1)], (3,))


def trainer_for(net, state=None, **config):
    cfg = TrainingConfig(**{"batch_size": 8, "learning_rate_init": 0.05, "max_iter": 4, "alpha": 0.0, **config})
    return Trainer(net, LOSS, cfg, state or FitState(), np.random.default_rng(0))


def tiny_problem(seed=0, n=32):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    return X, (X @ np.array([1.0, -2.0, 0.5]))[:, None]


def ragged(n=24, steps=5, padding=50.0):
    """Sequences of 1 to ``steps`` valid steps; the padded steps hold ``padding``, which the mask says to ignore."""
    rng = np.random.default_rng(0)
    lengths = 1 + np.arange(n) % steps
    mask = np.arange(steps)[None, :] < lengths[:, None]
    X = rng.normal(size=(n, steps, 2))
    X[~mask] = padding
    return X, mask


def params_of(net):
    return [p.copy() for p in net.params]


def set_params(net, values):
    for p, v in zip(net.params, values):
        p[...] = v


def assert_params_equal(net, expected):
    for p, q in zip(net.params, expected):
        np.testing.assert_array_equal(p, q)


def loss_of(net, values, X, y, sample_weight=None, mask=None):
    """The data loss of the weights ``values`` (the net's own weights are left as they were)."""
    before = params_of(net)
    set_params(net, values)
    try:
        return float(LOSS.value(y, predict_raw(net, X, mask), sample_weight))
    finally:
        set_params(net, before)


def divergence_message(record):
    messages = [str(w.message) for w in record if issubclass(w.category, DivergenceWarning)]
    assert len(messages) == 1
    return messages[0]


# -- the reference loss: masked outputs, and the L2 penalty added ------------------------------------------


@pytest.mark.parametrize("layers", [[GlobalAvgPool(), Dense(1)], [SimpleRNN(3), Dense(1)]],
                         ids=["average", "rnn"])
def test_the_reference_of_a_masked_fit_is_the_masked_loss_plus_the_penalty(layers):
    """The reference is the larger of the initial loss (the network's masked outputs, plus the L2 term a
    training batch adds: 0.5 * alpha * ||kernels||^2 / batch) and the loss of an all-zero output."""
    X, mask = ragged()
    y = 0.01 * X[:, 0, :1]  # small targets: the all-zero output's loss is not the larger one
    net = built(layers, X.shape[1:])
    alpha, batch = 1.0, 8
    l2 = sum(float(np.sum(p ** 2)) for p, f in zip(net.params, net.penalized) if f)
    penalty = 0.5 * alpha * l2 / batch
    initial = float(LOSS.value(y, predict_raw(net, X, mask))) + penalty
    zero = float(LOSS.value(y, np.zeros_like(y)))
    expected = max(initial, zero)
    # the test can tell: the initial loss is the larger, the penalty counts, the padding changes the outputs
    assert initial > zero and penalty > 0.05 * expected
    unmasked = float(LOSS.value(y, predict_raw(net, X))) + penalty
    assert abs(unmasked - expected) > 0.05 * expected
    st = trainer_for(net, alpha=alpha, batch_size=batch, max_iter=1, learning_rate_init=1e-3).fit(X, y, mask=mask)
    assert st.reference_loss == pytest.approx(expected, rel=1e-9, abs=0)


# -- the weights kept after a divergence: compared on the masked, weighted data loss -------------------------


def scripted_divergence(net, X, y, start, epoch_weights, sample_weight=None, mask=None):
    """A fit from ``start`` whose first epoch ends on ``epoch_weights`` (its lowest loss) and whose second
    blows up (finite, ``3 * BLOWUP_FACTOR`` times the reference, the weights thrown far): the guard then keeps
    ``epoch_weights`` or ``start``, whichever has the lower data loss. Returns the state and the message."""
    set_params(net, start)
    trainer = trainer_for(net)
    factors = iter([0.5, 3 * BLOWUP_FACTOR])

    def run_epoch(*args):
        factor = next(factors)
        set_params(net, epoch_weights if factor < 1 else [np.full_like(p, 1e6) for p in net.params])
        return factor * trainer.state.reference_loss

    trainer.run_epoch = run_epoch
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        st = trainer.fit(X, y, sample_weight, mask)
    assert st.diverged and st.n_iter_ == 2
    return st, divergence_message(record)


def masked_case():
    """Two linear models of the pooled sequences: ``fits`` predicts the masked targets exactly but, the padding
    (50 in both features) counted, is far off; ``level`` weighs the features +0.1 and -0.1, so that the
    padding cancels out of its outputs: worse than ``fits`` on the valid steps, better when the padding counts."""
    X, mask = ragged()
    net = built([GlobalAvgPool(), Dense(1)], X.shape[1:])
    means = (X * mask[:, :, None]).sum(axis=1) / mask.sum(axis=1)[:, None]
    y = means @ np.array([[1.0], [1.0]])
    fits = [np.array([[1.0], [1.0]]), np.zeros(1)]
    level = [np.array([[0.1], [-0.1]]), np.zeros(1)]
    masked = [loss_of(net, w, X, y, mask=mask) for w in (fits, level)]
    unmasked = [loss_of(net, w, X, y) for w in (fits, level)]
    assert masked[0] < masked[1] and unmasked[0] > unmasked[1]  # the mask decides which is better
    return net, X, y, mask, fits, level


def weighted_case():
    """Two linear models: ``fits`` is exact on the 8 heavy rows (weight 10), ``other`` on the 24 light ones
    (weight 0.1): ``fits`` is better on the weighted loss, ``other`` on the unweighted one."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(32, 3))
    w_fits, w_other = np.array([[1.0], [-2.0], [0.5]]), np.array([[-1.0], [1.0], [2.0]])
    heavy = np.arange(32) < 8
    y = np.where(heavy[:, None], X @ w_fits, X @ w_other)
    sample_weight = np.where(heavy, 10.0, 0.1)
    net = built([Dense(1)], (3,))
    fits, other = [w_fits, np.zeros(1)], [w_other, np.zeros(1)]
    weighted = [loss_of(net, w, X, y, sample_weight) for w in (fits, other)]
    unweighted = [loss_of(net, w, X, y) for w in (fits, other)]
    assert weighted[0] < weighted[1] and unweighted[0] > unweighted[1]  # the weights decide which is better
    return net, X, y, sample_weight, fits, other


@pytest.mark.parametrize("better_at", ["epoch", "start"])
def test_a_masked_divergence_keeps_the_weights_with_the_lower_masked_loss(better_at):
    net, X, y, mask, fits, level = masked_case()
    start, epoch = (level, fits) if better_at == "epoch" else (fits, level)
    st, message = scripted_divergence(net, X, y, start, epoch, mask=mask)
    assert_params_equal(net, fits)
    # the whole message, from the epoch's loss and the reference as the state records them
    assert message == (
        f"Training diverged: the loss grew to {st.loss_curve_[-1]:.3g}, more than 10000 times its initial scale "
        f"({st.reference_loss:.3g}) at epoch 2. {LOWEST if better_at == 'epoch' else START} Lower "
        "learning_rate_init, scale the inputs, or set clip_norm.")


@pytest.mark.parametrize("better_at", ["epoch", "start"])
def test_a_weighted_divergence_keeps_the_weights_with_the_lower_weighted_loss(better_at):
    net, X, y, sample_weight, fits, other = weighted_case()
    start, epoch = (other, fits) if better_at == "epoch" else (fits, other)
    _, message = scripted_divergence(net, X, y, start, epoch, sample_weight=sample_weight)
    assert_params_equal(net, fits)
    assert (LOWEST if better_at == "epoch" else START) in message


# -- after a recovery or a refusal ------------------------------------------------------------------------


def test_weight_decay_still_spares_the_biases_after_a_recovery():
    """AdamW (decoupled decay ``alpha``) starts afresh after a divergence, with the same penalized set: the
    next partial step is the step a fresh AdamW takes from the kept weights, which shrinks the kernels only."""
    X, y = tiny_problem()
    config = {"solver": "adamw", "alpha": 0.5, "batch_size": 32, "shuffle": False}  # one batch: one step
    net, state = dense_net(), FitState()
    trainer = trainer_for(net, state, **config)
    original, epochs = trainer.run_epoch, [0]

    def run_epoch(*args):
        epochs[0] += 1
        value = original(*args)
        return value if epochs[0] == 1 else 3 * BLOWUP_FACTOR * trainer.state.reference_loss

    trainer.run_epoch = run_epoch
    with pytest.warns(DivergenceWarning, match="at epoch 2"):
        trainer.fit(X, y)
    kept = params_of(net)
    biases = [p for p, f in zip(kept, net.penalized) if not f]
    assert all(np.abs(b).min() > 1e-3 for b in biases)  # a decay of the biases would show
    trainer_for(net, state, **config).fit(X, y, incremental=True)
    twin = dense_net()
    set_params(twin, kept)
    trainer_for(twin, **config).fit(X, y, incremental=True)
    for p, q, before in zip(net.params, twin.params, kept):
        assert not np.array_equal(p, before)  # the step moved every parameter
        np.testing.assert_allclose(p, q, rtol=1e-12, atol=0)


def test_a_refused_call_after_three_epochs_publishes_the_last_epochs_loss():
    X, y = tiny_problem()
    net, state = dense_net(), FitState()
    trainer_for(net, state, max_iter=3).fit(X, y)
    curve = list(state.loss_curve_)
    assert len(curve) == 3 and len(set(curve)) == 3
    refused = trainer_for(net, state)

    def run_epoch(*args):
        for p in net.params:
            p[...] = np.nan
        return float("nan")

    refused.run_epoch = run_epoch
    with pytest.raises(ValueError, match="non-finite parameter weights"):
        refused.fit(X, y)
    assert state.loss_curve_ == curve and state.loss_ == curve[-1] and state.n_iter_ == 0


def test_a_diverged_warm_start_without_a_better_validation_epoch_keeps_its_start():
    """A second fit of the same state (warm start) under early stopping diverges at its first epoch: no
    epoch of this call was validated, so its starting weights (the first fit's best) are kept, and said so."""
    X, y = tiny_problem()
    Xv, yv = tiny_problem(seed=1, n=16)
    validation = Validation(Xv, yv, lambda raw: -float(np.mean((raw - yv) ** 2)))
    net, state = dense_net(), FitState()
    trainer_for(net, state, max_iter=3).fit(X, y, validation=validation)
    assert np.isfinite(state.best_validation_score_)
    start = params_of(net)
    second = trainer_for(net, state)
    original = second.run_epoch

    def run_epoch(*args):
        original(*args)
        return 3 * BLOWUP_FACTOR * second.state.reference_loss

    second.run_epoch = run_epoch
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        second.fit(X, y, validation=validation)
    assert START in divergence_message(record)
    assert_params_equal(net, start)
    assert state.diverged and np.isnan(state.validation_scores_[-1]) and len(state.validation_scores_) == 4


@pytest.mark.parametrize("score_sign, clause", [(-1.0, "the weights of the best validation score were kept"),
                                                 (+1.0, "the weights it started from were kept")])
def test_a_diverged_early_stopping_fit_names_the_weights_it_kept(score_sign, clause):
    """Scored by -MSE the best epoch beats the start; by +MSE (a score training only lowers) the start wins.
    The clause is matched whole, between the sentence's start and the advice that follows it."""
    X, y = tiny_problem()
    Xv, yv = tiny_problem(seed=1, n=16)
    validation = Validation(Xv, yv, lambda raw: score_sign * float(np.mean((raw - yv) ** 2)))
    net = dense_net()
    trainer = trainer_for(net)
    original, epochs = trainer.run_epoch, [0]

    def run_epoch(*args):
        epochs[0] += 1
        value = original(*args)
        return value if epochs[0] < 3 else 3 * BLOWUP_FACTOR * trainer.state.reference_loss

    trainer.run_epoch = run_epoch
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        trainer.fit(X, y, validation=validation)
    assert f" at epoch 3. Training stopped and {clause}. Lower learning_rate_init" in divergence_message(record)
