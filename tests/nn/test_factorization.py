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
