"""Losses: gradient checks, values against scikit-learn's formulas, stability."""

import numpy as np
import pytest
from sklearn.neural_network._base import LOSS_FUNCTIONS
from scipy.special import expit

from sknn.nn import losses
from sknn.utils.gradcheck import check_loss_gradient

rng = np.random.default_rng(0)
RAW = rng.standard_normal((6, 3))
W = rng.uniform(0.5, 2.0, 6)


def _targets(name):
    if name == "log_loss":
        return np.eye(3)[rng.integers(0, 3, 6)]
    if name == "binary_log_loss":
        return rng.integers(0, 2, (6, 3)).astype(float)
    if name == "poisson":
        return rng.poisson(2.0, (6, 3)).astype(float)
    return rng.standard_normal((6, 3))


@pytest.mark.parametrize("name", ["squared_error", "absolute_error", "huber", "poisson", "log_loss", "binary_log_loss"])
@pytest.mark.parametrize("weighted", [False, True])
def test_gradient(name, weighted):
    y = _targets(name)
    raw = RAW * (3.0 if name == "huber" else 1.0)  # exercise both Huber branches
    err = check_loss_gradient(losses.get(name), y, raw, W if weighted else None)
    assert err < 1e-6


@pytest.mark.parametrize("name", ["squared_error", "poisson", "log_loss", "binary_log_loss"])
@pytest.mark.parametrize("weighted", [False, True])
def test_value_matches_scikit_learn(name, weighted):
    loss = losses.get(name)
    y = _targets(name)
    sw = W if weighted else None
    expected = LOSS_FUNCTIONS[name](y, loss.link(RAW), sw)
    assert loss(y, RAW, sw)[0] == pytest.approx(expected, rel=1e-10)


def test_log_loss_is_stable_with_extreme_logits():
    raw = np.array([[1e4, -1e4], [-1e4, 1e4]])
    value, grad = losses.LogLoss()(np.array([[0.0, 1.0], [1.0, 0.0]]), raw)
    assert np.isfinite(value) and value == pytest.approx(2e4)
    assert np.all(np.isfinite(grad))
    value, grad = losses.BinaryLogLoss()(np.array([[0.0], [1.0]]), np.array([[800.0], [-800.0]]))
    assert value == pytest.approx(800.0) and np.all(np.isfinite(grad))


def test_links():
    np.testing.assert_allclose(losses.BinaryLogLoss().link(RAW), expit(RAW))
    np.testing.assert_allclose(losses.LogLoss().link(RAW).sum(axis=1), 1.0)
    np.testing.assert_allclose(losses.Poisson().link(RAW), np.exp(RAW))
    assert losses.get("squared_error").out_activation == "identity"


def test_float32_stays_float32():
    y = _targets("squared_error").astype(np.float32)
    value, grad = losses.SquaredError()(y, RAW.astype(np.float32))
    assert grad.dtype == np.float32


def test_errors():
    with pytest.raises(ValueError, match="Unknown loss"):
        losses.get("hinge")
    with pytest.raises(ValueError, match="sum to zero"):
        losses.SquaredError()(RAW, RAW, np.zeros(6))


def test_log_softmax_is_the_stable_log_of_the_link():
    raw = np.array([[1000.0, 1000.0, -1000.0], [0.5, -1.0, 2.0]])
    log_p = losses.log_softmax(raw)
    assert np.isfinite(log_p[0, :2]).all() and log_p[0, 2] < -1e3
    np.testing.assert_allclose(np.exp(log_p), losses.get("log_loss").link(raw), rtol=1e-14, atol=0)
    np.testing.assert_allclose(log_p[1], np.log(losses.get("log_loss").link(raw)[1]), rtol=1e-14)
