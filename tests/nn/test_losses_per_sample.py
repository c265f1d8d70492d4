"""Loss.per_sample: the per-sample losses the value averages, consistent with the gradient."""

import numpy as np
import pytest

from sknn.nn import losses
from sknn.utils.gradcheck import _numeric_grad, relative_error

NAMES = ["squared_error", "absolute_error", "huber", "poisson", "log_loss", "binary_log_loss"]


def _data(name, seed=0):
    rng = np.random.default_rng(seed)
    raw = rng.standard_normal((5, 4)) * (3.0 if name == "huber" else 1.0)
    if name == "log_loss":
        y = np.eye(4)[rng.integers(0, 4, 5)]
    elif name == "binary_log_loss":
        y = rng.integers(0, 2, (5, 4)).astype(float)
    elif name == "poisson":
        y = rng.poisson(2.0, (5, 4)).astype(float)
    else:
        y = rng.standard_normal((5, 4))
    return y, raw, rng.uniform(0.5, 2.0, 5)


@pytest.mark.parametrize("name", NAMES)
def test_per_sample_is_the_loss_of_each_sample_alone(name):
    loss = losses.get(name)
    y, raw, w = _data(name)
    per_sample = loss.per_sample(y, raw)
    assert per_sample.shape == (5,)
    alone = [loss.value(y[i:i + 1], raw[i:i + 1]) for i in range(5)]
    np.testing.assert_allclose(per_sample, alone, rtol=1e-12)
    # and the value is their (weighted) mean
    assert loss.value(y, raw) == pytest.approx(per_sample.mean(), rel=1e-12)
    assert loss.value(y, raw, w) == pytest.approx(np.average(per_sample, weights=w), rel=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_gradient_of_the_weighted_per_sample_losses(name):
    # the gradient __call__ returns is the gradient of sum(w_i * per_sample_i) / sum(w)
    loss = losses.get(name)
    y, raw, w = _data(name, seed=1)
    _, grad = loss(y, raw, w)

    def value():
        return float(np.dot(w, loss.per_sample(y, raw)) / w.sum())

    assert relative_error(grad, _numeric_grad(value, raw, 1e-6)) < 1e-6


def test_per_sample_against_definitions_and_dtype():
    rng = np.random.default_rng(2)
    raw = rng.standard_normal((3, 2)).astype(np.float32)
    y = rng.uniform(0, 1, (3, 2)).astype(np.float32)
    sq = losses.SquaredError().per_sample(y, raw)
    assert sq.dtype == np.float32
    np.testing.assert_allclose(sq, (0.5 * (raw - y) ** 2).mean(axis=1), rtol=1e-6)
    bce = losses.BinaryLogLoss().per_sample(y, raw)
    np.testing.assert_allclose(bce, (np.logaddexp(0, raw) - y * raw).sum(axis=1), rtol=1e-6)
    onehot = np.eye(2)[[0, 1, 1]]
    ll = losses.LogLoss().per_sample(onehot, raw.astype(np.float64))
    log_p = raw - np.log(np.exp(raw).sum(axis=1, keepdims=True))
    np.testing.assert_allclose(ll, -(onehot * log_p).sum(axis=1), rtol=1e-6)
