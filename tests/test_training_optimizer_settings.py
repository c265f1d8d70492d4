"""The training loop hands each solver its settings: learning_rate_init for adam and adamw, alpha to adamw."""

import numpy as np
import pytest

from sknn import MLPRegressor

rng = np.random.default_rng(0)
X = rng.standard_normal((16, 3))
y = X @ np.array([1.0, -2.0, 0.5])


def _first_step(solver, learning_rate_init, alpha=0.0):
    # one full-batch step from the same initial weights (same random_state)
    kw = dict(hidden_layer_sizes=(4,), solver=solver, alpha=alpha, batch_size=16, shuffle=False,
              max_iter=1, random_state=0)
    start = MLPRegressor(learning_rate_init=1e-300, **kw).fit(X, y).coefs_[0]
    return MLPRegressor(learning_rate_init=learning_rate_init, **kw).fit(X, y).coefs_[0] - start


@pytest.mark.parametrize("solver", ["adam", "adamw"])
@pytest.mark.parametrize("lr", [0.1, 0.01])
def test_adams_first_step_has_the_size_of_learning_rate_init(solver, lr):
    # Adam's first update is lr * g / (|g| + eps): every weight moves by about lr (alpha=0: no decay)
    step = np.abs(_first_step(solver, lr))
    np.testing.assert_allclose(step[step > 0], lr, rtol=1e-3)


def test_alpha_is_adamws_decoupled_weight_decay():
    plain = _first_step("adamw", 0.1)
    decayed = _first_step("adamw", 0.1, alpha=0.5)
    assert not np.allclose(plain, decayed)
