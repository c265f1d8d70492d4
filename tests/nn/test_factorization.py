"""NeuMF (sknn.nn.factorization) at float32 inference; its training is tested with NeuralRecommender."""

import numpy as np
import pytest

from sknn.nn.factorization import NeuMF


@pytest.mark.parametrize("hidden", [(), (8, 4)])
def test_rows_are_batch_invariant(rows_invariant, hidden):
    layer = NeuMF(9, 12, n_factors=5, hidden_layer_sizes=hidden, dropout=0.2)
    layer.build((2,), np.random.default_rng(0), np.float32)
    rng = np.random.default_rng(1)
    X = np.column_stack([rng.integers(0, 10, 30), rng.integers(0, 13, 30)])
    Y = rows_invariant(layer, X)
    assert Y.dtype == np.float32 and Y.shape == (30, 1)
    # an unknown user or item scores its biases only, whatever the batch
    np.testing.assert_array_equal(layer.forward(np.array([[0, 0]]))[0, 0], layer.params[-1][0])


@pytest.mark.parametrize(
    "kwargs, arg",
    [
        (dict(n_users=0), "n_users"),
        (dict(n_items=2.5), "n_items"),
        (dict(n_factors=-1), "n_factors"),
        (dict(hidden_layer_sizes=(8, 0)), "hidden_layer_sizes"),
        (dict(hidden_layer_sizes=8), "hidden_layer_sizes"),
        (dict(activation="swish"), "activation"),
        (dict(dropout=1.0), "dropout"),
        (dict(embeddings_scale=-0.1), "embeddings_scale"),
    ],
)
def test_bad_configuration_is_refused_where_the_layer_is_made(kwargs, arg):
    config = dict(n_users=3, n_items=4) | kwargs
    with pytest.raises(ValueError, match=f"^NeuMF: {arg} must be"):
        NeuMF(**config)
    assert NeuMF(np.int64(3), np.int32(4), n_factors=np.int64(2), hidden_layer_sizes=[np.int64(3)]).n_users == 3
