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
