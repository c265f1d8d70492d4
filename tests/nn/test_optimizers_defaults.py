"""Optimizers: documented defaults, their repr, the state they allocate, and L-BFGS's verbose lines."""

import numpy as np
import pytest

from sknn.nn.optimizers import SGD, Adagrad, Adam, AdamW, Optimizer, RMSprop, lbfgs_minimize

DEFAULTS = [
    (Optimizer, {"learning_rate": 0.001}),
    (SGD, {"learning_rate": 0.001, "momentum": 0.9, "nesterov": True}),
    (Adam, {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-8}),
    (AdamW, {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-8, "weight_decay": 0.01}),
    (RMSprop, {"learning_rate": 0.001, "rho": 0.9, "epsilon": 1e-8, "momentum": 0.0}),
    (Adagrad, {"learning_rate": 0.01, "epsilon": 1e-8, "initial_accumulator_value": 0.0}),
]


@pytest.mark.parametrize("cls, expected", DEFAULTS, ids=[c.__name__ for c, _ in DEFAULTS])
def test_defaults_are_the_documented_ones(cls, expected):
    opt = cls()
    assert {name: getattr(opt, name) for name in expected} == expected
    assert repr(opt) == f"{cls.__name__}()"


def test_repr_lists_every_changed_parameter():
    # a parameter left at its default does not hide the ones after it
    assert repr(Adam(epsilon=1.0)) == "Adam(epsilon=1.0)"
    assert repr(AdamW(beta_2=0.9, weight_decay=0.0)) == "AdamW(beta_2=0.9, weight_decay=0.0)"


def test_rmsprop_keeps_momentum_buffers_only_with_momentum():
    params = [np.zeros(3)]
    assert RMSprop(momentum=0.0).setup(params).momentum_buffers == []
    assert len(RMSprop(momentum=0.5).setup(params).momentum_buffers) == 1


def _quadratic():
    params = [np.array([3.0, -2.0])]

    def compute():
        return float(params[0] @ params[0]), [2 * params[0]]

    return params, compute


def test_lbfgs_is_silent_by_default_and_numbers_its_iterations_when_verbose(capsys):
    params, compute = _quadratic()
    lbfgs_minimize(params, compute, max_iter=5, max_fun=50, tol=1e-12)
    assert capsys.readouterr().out == ""
    params, compute = _quadratic()
    lbfgs_minimize(params, compute, max_iter=5, max_fun=50, tol=1e-12, verbose=True)
    lines = capsys.readouterr().out.splitlines()
    assert lines and lines[0].startswith("L-BFGS iteration 1, loss = ")
