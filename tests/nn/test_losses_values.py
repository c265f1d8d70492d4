"""Losses: values and gradients against their definitions, dtypes, and the softmax's stability per row.

``tests/nn/test_losses.py`` checks each gradient against its own value (central differences) and the
losses scikit-learn has against scikit-learn; a loss that scikit-learn lacks (absolute error, Huber)
could be wrong in a self-consistent way there. Here every value is compared with a reference written
from the loss's definition, independently of the implementation.
"""

import numpy as np
import pytest
from scipy.special import softmax

from sknn.nn import losses

rng = np.random.default_rng(1)
N, K = 5, 3
Y = rng.standard_normal((N, K))
RAW = Y + 3.0 * rng.standard_normal((N, K))  # residuals on both sides of every Huber delta below
SW = rng.uniform(0.5, 2.0, N)


def _huber_reference(r, delta):
    """Quadratic up to ``delta``, linear beyond: written with a clip rather than a branch."""
    inner = np.minimum(np.abs(r), delta)
    return 0.5 * inner**2 + delta * (np.abs(r) - inner), np.clip(r, -delta, delta)


REFERENCES = {
    "squared_error": (losses.SquaredError, lambda r: (0.5 * r**2, r)),
    "absolute_error": (losses.AbsoluteError, lambda r: (np.abs(r), np.sign(r))),
    "huber": (losses.Huber, lambda r: _huber_reference(r, 1.0)),
    "huber delta 0.5": (lambda: losses.Huber(delta=0.5), lambda r: _huber_reference(r, 0.5)),
    "huber delta 2.5": (lambda: losses.Huber(delta=2.5), lambda r: _huber_reference(r, 2.5)),
}


@pytest.mark.parametrize("name", REFERENCES)
@pytest.mark.parametrize("weighted", [False, True])
def test_regression_losses_match_their_definition(name, weighted):
    make, reference = REFERENCES[name]
    elem, delem = reference(RAW - Y)
    # the weighted mean over samples of the mean over outputs, and its exact gradient
    w = (SW / SW.sum() if weighted else np.full(N, 1.0 / N))[:, None]
    value, grad = make()(Y, RAW, SW if weighted else None)
    assert value == pytest.approx(float(np.sum(elem * w) / K), rel=1e-12)
    np.testing.assert_allclose(grad, delem * w / K, rtol=1e-12, atol=1e-15)


def test_huber_is_continuous_at_delta():
    # on the boundary both pieces agree (value 0.5 * delta**2, slope delta): no jump either side
    delta = 0.75
    y = np.zeros((4, 1))
    raw = np.array([[delta], [-delta], [delta * (1 + 1e-9)], [delta * (1 - 1e-9)]])
    value, grad = losses.Huber(delta)(y, raw)
    np.testing.assert_allclose(grad.ravel() * 4, [delta, -delta, delta, delta * (1 - 1e-9)], rtol=1e-12)
    assert value == pytest.approx(0.5 * delta**2, rel=1e-8)


def test_the_name_table_builds_the_right_losses():
    assert isinstance(losses.get("huber"), losses.Huber) and losses.get("huber").delta == 1.0
    for name, cls in [("squared_error", losses.SquaredError), ("absolute_error", losses.AbsoluteError),
                      ("poisson", losses.Poisson), ("log_loss", losses.LogLoss),
                      ("binary_log_loss", losses.BinaryLogLoss)]:
        assert type(losses.get(name)) is cls
    loss = losses.Huber(0.5)
    assert losses.get(loss) is loss
    assert repr(loss) == "Huber(delta=0.5)" and repr(losses.get("poisson")) == "Poisson()"
    with pytest.raises(ValueError, match="Unknown loss"):
        losses.get(["squared_error"])  # unhashable: the same clear error, not a TypeError


def _targets(name, shape):
    if name == "log_loss":
        return np.eye(shape[-1])[rng.integers(0, shape[-1], shape[:-1])]
    if name in ("binary_log_loss", "poisson"):
        return rng.integers(0, 2, shape).astype(float)
    return rng.standard_normal(shape)


@pytest.mark.parametrize("name", ["squared_error", "absolute_error", "huber", "poisson", "log_loss", "binary_log_loss"])
def test_float32_in_float32_out(name):
    y = _targets(name, (N, K)).astype(np.float32)
    raw = (3.0 * rng.standard_normal((N, K))).astype(np.float32)  # both Huber branches
    for sw in (None, SW.astype(np.float32)):
        value, grad = losses.get(name)(y, raw, sw)
        assert grad.dtype == np.float32 and grad.shape == raw.shape
        assert np.isfinite(value)


@pytest.mark.parametrize("name", ["squared_error", "log_loss", "binary_log_loss"])
def test_outputs_beyond_two_dimensions(name):
    # (samples, steps, outputs) as a sequence model produces them: the same loss as the flattened
    # outputs, with the softmax over the last axis only
    raw = rng.standard_normal((N, 2, K))
    y = _targets(name, (N, 2, K))
    loss = losses.get(name)
    value, grad = loss(y, raw, SW)
    assert grad.shape == raw.shape
    if name == "log_loss":
        expected = -np.sum(y * np.log(softmax(raw, axis=-1)), axis=(1, 2))
        assert value == pytest.approx(float(np.dot(expected, SW) / SW.sum()), rel=1e-12)
        np.testing.assert_allclose(loss.link(raw), softmax(raw, axis=-1), rtol=1e-12)
        np.testing.assert_allclose(grad, (softmax(raw, axis=-1) - y) * (SW / SW.sum())[:, None, None],
                                   rtol=1e-10, atol=1e-15)
    else:
        flat_value, flat_grad = loss(y.reshape(N, -1), raw.reshape(N, -1), SW)
        assert value == pytest.approx(flat_value, rel=1e-12)
        np.testing.assert_allclose(grad.reshape(N, -1), flat_grad, rtol=1e-12)


def test_softmax_is_stable_row_by_row():
    # rows at very different scales: each row must be shifted by its own maximum
    raw = np.array([[1000.0, 999.0, 990.0], [-1000.0, -1001.0, -1010.0], [0.0, 1.0, 2.0]])
    y = np.eye(3)[[0, 1, 2]]
    expected = softmax(raw - raw.max(axis=1, keepdims=True), axis=1)
    np.testing.assert_allclose(losses.LogLoss().link(raw), expected, rtol=1e-12)
    value, grad = losses.LogLoss()(y, raw)
    assert value == pytest.approx(float(-np.mean(np.log(expected[[0, 1, 2], [0, 1, 2]]))), rel=1e-12)
    np.testing.assert_allclose(grad, (expected - y) / 3, rtol=1e-12, atol=1e-15)


def test_weights_scale_samples_not_outputs():
    # one sample weighted 3x counts as that sample three times
    loss = losses.SquaredError()
    y, raw = Y[:2], RAW[:2]
    v_weighted, g_weighted = loss(y, raw, np.array([3.0, 1.0]))
    v_repeated, g_repeated = loss(y[[0, 0, 0, 1]], raw[[0, 0, 0, 1]])
    assert v_weighted == pytest.approx(v_repeated, rel=1e-12)
    np.testing.assert_allclose(g_weighted[0], g_repeated[:3].sum(axis=0), rtol=1e-12)
    # only the relative weights matter, whatever their sum
    for make, target in [(losses.SquaredError, Y), (losses.LogLoss, np.eye(K)[[0, 1, 2, 0, 1]])]:
        v1, g1 = make()(target, RAW, SW)
        v2, g2 = make()(target, RAW, SW * 1e-3)
        assert v1 == pytest.approx(v2, rel=1e-12)
        np.testing.assert_allclose(g1, g2, rtol=1e-12)
    with pytest.raises(ValueError, match="sum to zero or less"):
        loss(y, raw, np.array([1.0, -1.0]))
    with pytest.raises(ValueError, match="sum to zero or less"):
        losses.LogLoss()(np.eye(2), raw[:, :2], np.array([0.5, -0.5]))
