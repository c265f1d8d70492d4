import numpy as np
import pytest

from sknn.nn import LSTM, Embedding, Sequential
from sknn.utils.gradcheck import check_layer_gradients


def _idx(seed=0, shape=(4, 6), high=7):
    return np.random.default_rng(seed).integers(0, high, size=shape)


def test_forward_is_lookup():
    layer = Embedding(7, 3)
    assert layer.build((6,), np.random.default_rng(0)) == (6, 3)
    X = _idx()
    Y = layer.forward(X)
    assert Y.shape == (4, 6, 3)
    np.testing.assert_array_equal(Y, layer.params[0][X])
    assert layer.param_names == ["embeddings"] and layer.penalized == [True]


def test_gradient_against_numeric():
    X = _idx(1)
    X[0, :3] = 2  # repeated indices must accumulate
    errors = check_layer_gradients(Embedding(7, 3), X, check_input=False)
    assert errors["embeddings"] < 1e-6


@pytest.mark.parametrize("sparse_grad", [True, False])
def test_gradient_matches_add_at_and_unused_rows_are_zero(sparse_grad):
    layer = Embedding(50, 4, sparse_grad=sparse_grad)
    layer.build((30,), np.random.default_rng(0))
    X = _idx(2, (8, 30), high=40)
    layer.forward(X, training=True)
    dY = np.random.default_rng(3).standard_normal((8, 30, 4))
    assert layer.backward(dY) is None
    expected = np.zeros((50, 4))
    np.add.at(expected, X.ravel(), dY.reshape(-1, 4))
    np.testing.assert_allclose(np.asarray(layer.grads[0]), expected, atol=1e-12)
    if sparse_grad:  # only the rows used are stored
        np.testing.assert_array_equal(layer.grads[0].rows, np.unique(X))
    else:
        assert not layer.grads[0][40:].any()
    layer.backward(dY)  # gradients are overwritten, not accumulated across calls
    np.testing.assert_allclose(np.asarray(layer.grads[0]), expected, atol=1e-12)


def test_mask_zero():
    layer = Embedding(5, 2, mask_zero=True)
    layer.build((4,), np.random.default_rng(0))
    X = np.array([[3, 1, 0, 0], [4, 4, 4, 0]])
    layer.forward(X)  # the mask is a pure function of the input:
    np.testing.assert_array_equal(layer.compute_mask(None, X), X != 0)
    plain = Embedding(5, 2)
    plain.build((4,), np.random.default_rng(0))
    plain.forward(X)
    assert plain.compute_mask(None, X) is None


def test_mask_zero_feeds_recurrent_layer():
    net = Sequential([Embedding(6, 3, mask_zero=True), LSTM(4)])
    net.build((5,), np.random.default_rng(0))
    padded = np.array([[2, 5, 1, 0, 0]])
    short = np.array([[2, 5, 1]])
    np.testing.assert_allclose(net.forward(padded), net.forward(short), atol=1e-12)


def test_float_input_holding_integers_is_cast():
    layer = Embedding(7, 3)
    layer.build((6,), np.random.default_rng(0))
    X = _idx()
    np.testing.assert_array_equal(layer.forward(X.astype(np.float64)), layer.forward(X))
    with pytest.raises(ValueError, match="integ"):
        layer.forward(X + 0.5)


@pytest.mark.parametrize("bad", [7, 12, -1])
def test_out_of_range_raises(bad):
    layer = Embedding(7, 3)
    layer.build((6,), np.random.default_rng(0))
    X = _idx()
    X[1, 2] = bad
    with pytest.raises(ValueError, match=rf"{bad}.*input_dim=7"):
        layer.forward(X)


@pytest.mark.parametrize("init", ["uniform", "normal"])
def test_initializers_and_float32(init):
    layer = Embedding(1000, 8, embeddings_initializer=init)
    layer.build((3,), np.random.default_rng(0), np.float32)
    W = layer.params[0]
    assert W.dtype == np.float32 and W.shape == (1000, 8)
    if init == "uniform":
        assert np.abs(W).max() <= 0.05
    else:
        assert 0.04 < W.std() < 0.06
    Y = layer.forward(_idx(shape=(2, 3)), training=True)
    assert Y.dtype == np.float32
    layer.backward(np.ones_like(Y))
    assert layer.grads[0].dtype == np.float32


def test_config_and_repr():
    layer = Embedding(10, 4, mask_zero=True)
    assert layer.get_config() == {
        "input_dim": 10,
        "output_dim": 4,
        "mask_zero": True,
        "embeddings_initializer": "uniform",
        "sparse_grad": True,
    }
    assert repr(layer) == "Embedding(input_dim=10, output_dim=4, mask_zero=True)"


# -- inference: a row's output depends on that row only, and writes nothing --------------
@pytest.mark.parametrize("mask_zero", [False, True])
def test_rows_are_batch_invariant(rows_invariant, mask_zero):
    layer = Embedding(9, 4, mask_zero=mask_zero)
    layer.build((6,), np.random.default_rng(0), np.float32)
    X = _idx(shape=(11, 6), high=9)
    rows_invariant(layer, X)
    Y, mask = layer.forward_masked(X)
    np.testing.assert_array_equal(Y, layer.forward(X))
    if mask_zero:
        np.testing.assert_array_equal(mask, X != 0)
        given = np.arange(6) < 4
        np.testing.assert_array_equal(layer.compute_mask(np.tile(given, (11, 1)), X), (X != 0) & given)
    else:
        assert mask is None


def test_masks_flow_through_a_sequential_without_state(fingerprint):
    net = Sequential([Embedding(7, 3, mask_zero=True), LSTM(4, return_sequences=True)])
    net.build((5,), np.random.default_rng(0), np.float32)
    X = np.array([[1, 2, 0, 0, 0], [3, 3, 3, 0, 0]])
    before = fingerprint(net)
    Y, mask = net.forward_masked(X)
    np.testing.assert_array_equal(mask, X != 0)
    np.testing.assert_array_equal(net.compute_mask(None, X), X != 0)
    assert np.all(Y[~mask] == 0)
    assert fingerprint(net) == before


@pytest.mark.parametrize(
    "kwargs, arg",
    [(dict(input_dim=0, output_dim=2), "input_dim"), (dict(input_dim=5, output_dim=1.5), "output_dim"),
     (dict(input_dim="5", output_dim=2), "input_dim"), (dict(input_dim=5, output_dim=False), "output_dim")],
)
def test_bad_configuration_is_refused_where_the_layer_is_made(kwargs, arg):
    with pytest.raises(ValueError, match=f"^Embedding: {arg} must be"):
        Embedding(**kwargs)
    assert Embedding(np.int64(5), np.int32(2)).build((3,), np.random.default_rng(0)) == (3, 2)
