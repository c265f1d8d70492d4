"""Dense, Dropout, BatchNorm, Flatten, Reshape: gradients, shapes, modes."""

import numpy as np
import pytest
import scipy.sparse as sp

from sknn.nn import BatchNorm, Dense, Dropout, Flatten, Reshape, Sequential, Activation
from sknn.utils.gradcheck import check_layer_gradients

TOL = 1e-6


def _x(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


@pytest.mark.parametrize("use_bias", [True, False])
@pytest.mark.parametrize("shape", [(4, 3), (2, 5, 3)])
def test_dense_gradients(use_bias, shape):
    errors = check_layer_gradients(Dense(4, use_bias=use_bias), _x(*shape))
    assert set(errors) == ({"input", "kernel", "bias"} if use_bias else {"input", "kernel"})
    assert max(errors.values()) < TOL


def test_dense_matches_numpy_and_keeps_float32():
    layer = Dense(3)
    layer.build((5,), np.random.default_rng(0), np.float32)
    X = _x(4, 5).astype(np.float32)
    Y = layer.forward(X, training=True)
    assert Y.dtype == np.float32
    np.testing.assert_allclose(Y, X @ layer.kernel + layer.bias, rtol=1e-6)
    assert layer.backward(np.ones_like(Y)).dtype == np.float32
    assert all(g.dtype == np.float32 for g in layer.grads)


def test_dense_sparse_input_matches_dense():
    X = sp.random(6, 8, density=0.3, random_state=0, format="csr")
    dense, sparse = Dense(3), Dense(3)
    dense.build((8,), np.random.default_rng(1))
    sparse.build((8,), np.random.default_rng(1))
    dense.input_grad = sparse.input_grad = False
    np.testing.assert_allclose(sparse.forward(X, training=True), dense.forward(X.toarray(), training=True))
    dY = _x(6, 3)
    assert sparse.backward(dY.copy()) is None
    dense.backward(dY.copy())
    np.testing.assert_allclose(sparse.grads[0], dense.grads[0])
    np.testing.assert_allclose(sparse.grads[1], dense.grads[1])


def test_dropout_gradient_and_inference_identity():
    assert max(check_layer_gradients(Dropout(0.3), _x(5, 4)).values()) < TOL
    layer = Dropout(0.5)
    layer.build((1000,), np.random.default_rng(0))
    layer.rng_for_training(np.random.default_rng(0))
    X = np.ones((20, 1000))
    np.testing.assert_array_equal(layer.forward(X, training=False), X)
    Y = layer.forward(X, training=True)
    assert set(np.unique(Y)) == {0.0, 2.0}
    assert abs(Y.mean() - 1.0) < 0.05  # inverted dropout keeps the expectation


def test_dropout_rejects_bad_rate():
    with pytest.raises(ValueError, match="rate"):
        Dropout(1.0).build((3,), np.random.default_rng(0))


def _batchnorm(shape, momentum):
    layer = BatchNorm(momentum=momentum)
    layer.build(shape[1:], np.random.default_rng(0))
    # non-trivial scale/shift and running statistics
    layer.params[0][...] = [1.5, 0.5, 2.0][: shape[-1]]
    layer.params[1][...] = [0.1, -0.2, 0.3][: shape[-1]]
    layer.running_mean[...] = 0.3
    layer.running_var[...] = 2.0
    return layer


@pytest.mark.parametrize("shape", [(6, 3), (3, 4, 2)])
def test_batchnorm_gradients(shape):
    # momentum 1: running statistics frozen during the check
    errors = check_layer_gradients(_batchnorm(shape, 1.0), _x(*shape), training=True, build=False)
    assert max(errors.values()) < TOL


@pytest.mark.parametrize("shape", [(6, 3), (3, 4, 2)])
def test_batchnorm_inference_is_the_running_affine_map(shape):
    layer = _batchnorm(shape, 0.9)
    X = _x(*shape)
    gamma, beta = layer.params
    expected = (X - 0.3) / np.sqrt(2.0 + layer.epsilon) * gamma + beta
    np.testing.assert_allclose(layer.forward(X), expected, rtol=1e-12)
    assert layer.running_mean[0] == 0.3 and not hasattr(layer, "_cache")  # inference writes nothing


def test_batchnorm_normalises_and_tracks_running_stats():
    layer = BatchNorm(momentum=0.0)
    layer.build((2,), np.random.default_rng(0))
    X = _x(50, 2) * [3.0, 0.5] + [10.0, -4.0]
    Y = layer.forward(X, training=True)
    np.testing.assert_allclose(Y.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(Y.std(axis=0), 1, atol=1e-4)
    np.testing.assert_allclose(layer.running_mean, X.mean(axis=0))
    np.testing.assert_allclose(layer.forward(X, training=False), Y, atol=1e-4)
    assert set(layer.buffers()) == {"running_mean", "running_var"}


def test_flatten_reshape_roundtrip_and_gradients():
    X = _x(2, 3, 4)
    assert max(check_layer_gradients(Flatten(), X).values()) < TOL
    assert max(check_layer_gradients(Reshape((4, 3)), X).values()) < TOL
    layer = Reshape((-1, 2))
    assert layer.build((3, 4), np.random.default_rng(0)) == (6, 2)
    with pytest.raises(ValueError, match="reshape"):
        Reshape((5,)).build((3, 4), np.random.default_rng(0))


def test_sequential_gradients_and_introspection():
    net = Sequential([Dense(5, use_bias=False), BatchNorm(momentum=1.0), Activation("tanh"), Dropout(0.2), Dense(2)])
    errors = check_layer_gradients(net, _x(6, 3))
    assert max(errors.values()) < TOL
    assert net.param_names == ["0.kernel", "1.gamma", "1.beta", "4.kernel", "4.bias"]
    assert net.penalized == [True, False, False, True, False]
    assert set(net.buffers()) == {"1.running_mean", "1.running_var"}


def test_layer_repr_and_config():
    layer = Dense(8, use_bias=False)
    assert repr(layer) == "Dense(units=8, use_bias=False)"
    assert layer.get_config() == {
        "units": 8,
        "use_bias": False,
        "kernel_initializer": "glorot_uniform",
        "bias_initializer": "zeros",
        "sparse_grad": False,
    }


# -- float32 inference: a row's output depends on that row only --------------------------
def _f32(*shape, seed=0):
    return _x(*shape, seed=seed).astype(np.float32)


@pytest.mark.parametrize("shape", [(30, 50), (12, 3, 20), (9, 1)])
def test_dense_rows_are_batch_invariant(rows_invariant, shape):
    layer = Dense(7)
    layer.build(shape[1:], np.random.default_rng(0), np.float32)
    rows_invariant(layer, _f32(*shape))


def test_dense_sparse_rows_are_batch_invariant(rows_invariant):
    # scipy's CSR product sums each row's stored entries in order: row-deterministic
    X = sp.random(40, 60, density=0.2, random_state=0, format="csr", dtype=np.float32)
    layer = Dense(5)
    layer.build((60,), np.random.default_rng(0), np.float32)
    Y = rows_invariant(layer, X)
    assert Y.dtype == np.float32


def test_batchnorm_dropout_flatten_reshape_rows_are_batch_invariant(rows_invariant):
    net = Sequential([Reshape((4, 5)), BatchNorm(), Dropout(0.3), Flatten(), Dense(3), Activation("tanh")])
    net.build((20,), np.random.default_rng(0), np.float32)
    rows_invariant(net, _f32(25, 20) * 3 + 1)


# -- configuration is validated where the layer is made ------------------------------------
@pytest.mark.parametrize(
    "make, where",
    [
        (lambda: Dense(0), "Dense: units"),
        (lambda: Dense(2.5), "Dense: units"),
        (lambda: Dense(-1), "Dense: units"),
        (lambda: Dense("x"), "Dense: units"),
        (lambda: Dense(True), "Dense: units"),
        (lambda: Dropout(1.0), "Dropout: rate"),
        (lambda: Dropout(-0.1), "Dropout: rate"),
        (lambda: Dropout(np.nan), "Dropout: rate"),
        (lambda: Dropout("0.5"), "Dropout: rate"),
        (lambda: BatchNorm(momentum=1.5), "BatchNorm: momentum"),
        (lambda: BatchNorm(epsilon=0), "BatchNorm: epsilon"),
        (lambda: BatchNorm(epsilon=np.inf), "BatchNorm: epsilon"),
        (lambda: Reshape((2, 0)), "Reshape: target_shape"),
        (lambda: Reshape((-1, -1)), "Reshape: target_shape"),
        (lambda: Reshape(3), "Reshape: target_shape"),
    ],
)
def test_bad_configuration_is_refused_where_the_layer_is_made(make, where):
    with pytest.raises(ValueError, match=f"^{where} must be"):
        make()


def test_numpy_numbers_are_accepted():
    assert Dense(np.int64(3)).build((2,), np.random.default_rng(0)) == (3,)
    assert Dropout(np.float32(0.25)).rate == np.float32(0.25)
    assert BatchNorm(np.float64(0.5), np.float32(1e-3)).momentum == 0.5
    assert Reshape((np.int32(2), -1)).compute_output_shape((6,)) == (2, 3)
