"""The Layer contract (sknn.nn.layer): re-entrant inference and functional masks, on whole networks."""

import numpy as np
import pytest

from sknn.nn import (
    GRU,
    Activation,
    BatchNorm,
    Bidirectional,
    Conv1D,
    Conv2D,
    Dense,
    Dropout,
    Embedding,
    Flatten,
    GlobalAvgPool,
    GlobalMaxPool,
    Layer,
    MaxPool1D,
    MaxPool2D,
    Sequential,
)


def _text_net():
    return Sequential([
        Embedding(20, 6, mask_zero=True),
        Conv1D(5, 3, padding="same"),
        Activation("relu"),
        MaxPool1D(2, padding="same"),
        Bidirectional(GRU(4, return_sequences=True)),
        GlobalAvgPool(),
        Dropout(0.5),
        Dense(3),
        Activation("softmax"),
    ])


def test_text_network_rows_are_batch_invariant(rows_invariant):
    net = _text_net()
    net.build((12,), np.random.default_rng(0), np.float32)
    rng = np.random.default_rng(1)
    lengths = rng.integers(1, 13, 25)
    X = np.where(np.arange(12) < lengths[:, None], rng.integers(1, 20, (25, 12)), 0)
    Y = rows_invariant(net, X)
    assert Y.dtype == np.float32
    np.testing.assert_allclose(Y.sum(axis=1), 1, rtol=1e-6)


def test_image_network_rows_are_batch_invariant(rows_invariant):
    net = Sequential([
        Conv2D(4, 3, padding="same"), BatchNorm(), Activation("relu"), MaxPool2D(2),
        Conv2D(3, 2), GlobalMaxPool(), Dense(5), Activation("gelu"), Dense(2),
    ])
    net.build((8, 8, 2), np.random.default_rng(0), np.float32)
    X = np.random.default_rng(2).standard_normal((19, 8, 8, 2)).astype(np.float32)
    rows_invariant(net, X)


def test_masks_are_a_function_of_the_input():
    net = _text_net()
    net.build((12,), np.random.default_rng(0), np.float32)
    X = np.array([[3, 4, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0]])
    # after the pooling stage only window 0 (steps 0, 1) is fully valid
    front = Sequential(net.layers[:4])
    np.testing.assert_array_equal(front.compute_mask(None, X), [[True, False, False, False, False, False]])
    Y, mask = net.forward_masked(X)
    assert mask is None and Y.shape == (1, 3)
    with pytest.raises(ValueError, match="needs the input X"):
        front.compute_mask(None)


def test_default_mask_passes_through():
    mask = np.ones((2, 3), bool)
    assert Layer().compute_mask(mask) is mask
    assert Flatten().compute_mask(mask, np.zeros((2, 3, 1))) is None


# -- parameter objects ----------------------------------------------------------------
def test_parameters_compose_without_copies():
    from sknn.nn import Bidirectional, Dense, NeuMF, SimpleRNN

    net = Sequential([Dense(3), Bidirectional(SimpleRNN(2)), NeuMF(3, 4, n_factors=2, hidden_layer_sizes=(3,))])
    assert net.parameters() == [] and net.params == []
    layer = NeuMF(3, 4, n_factors=2, hidden_layer_sizes=(3,))
    layer.build((2,), np.random.default_rng(0))
    assert layer.param_names == ["user_gmf", "item_gmf", "user_mlp", "item_mlp", "user_bias", "item_bias",
                                 "tower.0.kernel", "tower.0.bias", "output_kernel", "output_bias"]
    assert layer.penalized == [True] * 4 + [False, False, True, False, True, False]
    tower = layer.tower.layers[0]
    assert layer.params[6] is tower.kernel and layer.grads[7] is tower.grads[1]
    assert all(p is q.value for p, q in zip(layer.params, layer.parameters()))
    assert layer.parameter("output_bias").value is layer.params[-1]
    with pytest.raises(KeyError, match="no parameter 'gamma'"):
        layer.parameter("gamma")


def test_shared_parameter_gradient_sums_both_uses_in_float64():
    from sknn.nn import TiedDense
    from sknn.utils.gradcheck import check_layer_gradients

    enc = Dense(3)
    net = Sequential([enc, Activation("tanh"), TiedDense(enc)])
    X = np.random.default_rng(1).standard_normal((4, 5))
    errors = check_layer_gradients(net, X)
    assert set(errors) == {"input", "0.kernel", "0.bias", "2.bias"}
    assert max(errors.values()) < 1e-6, errors
    assert not enc.parameter("kernel")._contributions  # consumed by the owner's backward
    src = Dense(3, sparse_grad=True)
    with pytest.raises(ValueError, match="sparse_grad"):
        Sequential([src, TiedDense(src)]).build((5,), np.random.default_rng(0))
