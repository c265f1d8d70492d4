"""Gradient checks and behaviour of TiedDense, GaussianNoise, MaskingNoise, ActivityL1."""

import pickle

import numpy as np
import pytest

from sknn.nn import (
    Activation,
    ActivityL1,
    Dense,
    GaussianNoise,
    MaskingNoise,
    Sequential,
    TiedDense,
)
from sknn.utils.gradcheck import check_layer_gradients, relative_error

TOL = 1e-6


def _X(shape=(5, 4), seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def test_tied_dense_gradients_sum_both_uses():
    enc = Dense(3)
    net = Sequential([enc, Activation("tanh"), TiedDense(enc)])
    errors = check_layer_gradients(net, _X())
    assert set(errors) == {"input", "0.kernel", "0.bias", "2.bias"}
    assert max(errors.values()) < TOL, errors


def test_tied_dense_alone_and_no_bias():
    enc = Dense(3)
    enc.build((4,), np.random.default_rng(0), np.float64)
    tied = TiedDense(enc, use_bias=False)
    errors = check_layer_gradients(tied, _X((6, 3)))
    assert max(errors.values()) < TOL, errors
    # its kernel contribution is handed to the source's kernel parameter: dY.T @ X, transposed use
    R = np.random.default_rng(2).standard_normal((6, 4))
    X = _X((6, 3))
    kernel = enc.parameter("kernel")
    for _ in range(2):  # a newer contribution replaces an unconsumed one
        tied.forward(X, training=True)
        tied.backward(R.copy())
    enc.grads[0][...] = 0
    kernel.add_contributions()
    np.testing.assert_allclose(enc.grads[0], R.T @ X)
    kernel.add_contributions()  # consumed once
    np.testing.assert_allclose(enc.grads[0], R.T @ X)


def test_tied_dense_shares_one_array_and_pickles():
    enc = Dense(2)
    dec = TiedDense(enc)
    net = Sequential([enc, dec])
    net.build((5,), np.random.default_rng(0))
    assert dec.kernel is enc.kernel
    assert len(net.params) == 3
    X = _X((3, 5))
    np.testing.assert_allclose(net.forward(X), (X @ enc.kernel + enc.bias) @ enc.kernel.T + dec.bias)
    net2 = pickle.loads(pickle.dumps(net))
    assert net2.layers[1].kernel is net2.layers[0].kernel
    np.testing.assert_array_equal(net2.forward(X), net.forward(X))


def test_tied_dense_errors():
    with pytest.raises(ValueError, match="built first"):
        TiedDense(Dense(2)).build((2,), np.random.default_rng(0))
    enc = Dense(2)
    enc.build((5,), np.random.default_rng(0))
    with pytest.raises(ValueError, match="expects 2 input features"):
        TiedDense(enc).build((3,), np.random.default_rng(0))


@pytest.mark.parametrize("layer", [GaussianNoise(0.3), MaskingNoise(0.4)])
def test_noise_gradients_and_identity_at_inference(layer):
    X = _X()
    errors = check_layer_gradients(layer, X, training=True)
    assert max(errors.values()) < TOL, errors
    assert layer.forward(X, training=False) is X
    layer.rng_for_training(np.random.default_rng(0))
    assert not np.array_equal(layer.forward(X, training=True), X)


def test_masking_noise_zeroes_about_rate_without_rescaling():
    layer = MaskingNoise(0.25)
    layer.build((1000,), np.random.default_rng(0))
    layer.rng_for_training(np.random.default_rng(1))
    X = np.ones((20, 1000))
    Y = layer.forward(X, training=True)
    assert set(np.unique(Y)) == {0.0, 1.0}
    assert abs((Y == 0).mean() - 0.25) < 0.01


def test_gaussian_noise_keeps_float32():
    layer = GaussianNoise(0.1)
    layer.build((3,), np.random.default_rng(0), np.float32)
    layer.rng_for_training(np.random.default_rng(1))
    assert layer.forward(np.ones((4, 3), np.float32), training=True).dtype == np.float32


def test_activity_l1_gradient_includes_penalty():
    X = _X((6, 4))
    X[np.abs(X) < 0.05] = 0.3  # stay away from the kink at 0
    layer = ActivityL1(0.7)
    layer.build((4,), np.random.default_rng(0))
    R = np.random.default_rng(3).standard_normal(X.shape)

    def value():
        return float(np.sum(layer.forward(X, training=True) * R)) + layer.penalty()

    value()
    dX = layer.backward(R.copy())
    eps, numeric = 1e-6, np.zeros_like(X)
    for idx in np.ndindex(X.shape):
        old = X[idx]
        X[idx] = old + eps
        fp = value()
        X[idx] = old - eps
        fm = value()
        X[idx] = old
        numeric[idx] = (fp - fm) / (2 * eps)
    assert relative_error(dX, numeric) < TOL
    assert layer.penalty() == pytest.approx(0.7 * np.abs(X).sum() / 6)


def test_activity_l1_is_identity_at_inference():
    layer = ActivityL1(1.0)
    X = _X()
    assert layer.forward(X, training=False) is X
    assert layer.penalty() == 0.0
    assert max(check_layer_gradients(ActivityL1(0.0), X).values()) < TOL


# -- float32 inference: a row's output depends on that row only, and writes nothing ------
def test_rows_are_batch_invariant(rows_invariant):
    enc = Dense(6)
    net = Sequential([GaussianNoise(0.3), MaskingNoise(0.2), enc, Activation("tanh"), ActivityL1(0.01),
                      TiedDense(enc)])
    net.build((40,), np.random.default_rng(0), np.float32)
    X = np.random.default_rng(1).standard_normal((23, 40)).astype(np.float32)
    penalty = net.layers[4]
    Y = rows_invariant(net, X)
    assert Y.dtype == np.float32 and Y.shape == (23, 40)
    assert penalty.penalty() > 0  # the training pass's penalty, left as it was by inference


@pytest.mark.parametrize(
    "make, where",
    [
        (lambda: GaussianNoise(-0.1), "GaussianNoise: stddev"),
        (lambda: GaussianNoise(np.nan), "GaussianNoise: stddev"),
        (lambda: MaskingNoise(1.0), "MaskingNoise: rate"),
        (lambda: MaskingNoise(True), "MaskingNoise: rate"),
        (lambda: ActivityL1(-1), "ActivityL1: strength"),
        (lambda: ActivityL1("0.1"), "ActivityL1: strength"),
        (lambda: TiedDense(Activation("relu")), "TiedDense: source"),
    ],
)
def test_bad_configuration_is_refused_where_the_layer_is_made(make, where):
    with pytest.raises(ValueError, match=f"^{where} must be"):
        make()
