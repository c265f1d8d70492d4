"""The loop asks the optimizer how it applies alpha (L2 term in the loss and gradients, or decoupled decay)."""

import numpy as np
import pytest

from sknn.nn import Dense, Sequential, losses, optimizers
from sknn.training import FitState, Trainer, TrainingConfig


class DecoupledSGD(optimizers.SGD):
    """Plain SGD that says it decays the weights itself (it does not: the test sees only the loop's part)."""

    decoupled_weight_decay = True


def _loss_and_grads(solver, alpha):
    net = Sequential([Dense(2)])
    net.build((3,), np.random.default_rng(0))
    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((8, 3)), rng.standard_normal((8, 2))
    trainer = Trainer(net, losses.get("squared_error"), TrainingConfig(solver=solver, alpha=alpha), FitState(), rng)
    value = trainer.loss_and_grads(X, y)
    return value, [g.copy() for g in net.grads], net.params[0]


@pytest.mark.parametrize("solver", ["sgd", "adam", "rmsprop", "adagrad", "lbfgs", optimizers.SGD()])
def test_the_loop_adds_the_l2_term_for_coupled_optimizers(solver):
    value0, grads0, _ = _loss_and_grads(solver, 0.0)
    value, grads, kernel = _loss_and_grads(solver, 0.4)
    n = 8
    assert value == pytest.approx(value0 + 0.5 * 0.4 * np.sum(kernel**2) / n, rel=1e-12)
    np.testing.assert_allclose(grads[0], grads0[0] + 0.4 * kernel / n, rtol=1e-12)
    np.testing.assert_array_equal(grads[1], grads0[1])  # biases are not penalized


@pytest.mark.parametrize("solver", ["adamw", DecoupledSGD()])
def test_the_loop_adds_nothing_for_decoupled_optimizers(solver):
    value0, grads0, _ = _loss_and_grads(solver, 0.0)
    value, grads, _ = _loss_and_grads(solver, 0.4)
    assert value == value0
    for g, g0 in zip(grads, grads0):
        np.testing.assert_array_equal(g, g0)


def test_adamw_takes_alpha_as_its_weight_decay():
    net = Sequential([Dense(2)])
    net.build((3,), np.random.default_rng(0))
    state = FitState()
    trainer = Trainer(net, losses.get("squared_error"), TrainingConfig(solver="adamw", alpha=0.3), state,
                      np.random.default_rng(0))
    trainer._setup_optimizer()
    assert isinstance(state.optimizer, optimizers.AdamW) and state.optimizer.weight_decay == 0.3
    assert state.optimizer.decoupled_weight_decay and not optimizers.Adam.decoupled_weight_decay
