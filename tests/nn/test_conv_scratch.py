"""Training scratch buffers of convolutions and pooling: a smaller batch (an epoch's last) reuses the
store of a full one, and every batch computes what a fresh layer computes."""

import numpy as np
import pytest

from sknn.nn import Conv2D, MaxPool2D, Sequential


def _net(seed=0):
    net = Sequential([Conv2D(3, 3, padding="same"), MaxPool2D(2, padding="same")])
    net.build((5, 5, 2), np.random.default_rng(seed))
    return net


def _step(net, X):
    Y = net.forward(X, training=True)
    dX = net.backward(np.cos(Y))
    return Y, dX, [g.copy() for g in net.grads]


@pytest.mark.parametrize("sizes", [(10, 7, 10), (7, 10, 3)])
def test_batches_of_other_sizes_reuse_the_store_and_compute_what_a_fresh_layer_does(sizes):
    rng = np.random.default_rng(1)
    batches = [rng.normal(size=(n, 5, 5, 2)) for n in sizes]
    net = _net()
    stores = []
    for X in batches:
        got = _step(net, X)
        want = _step(_net(), X)
        for a, b in zip(got[:2], want[:2]):
            np.testing.assert_array_equal(a, b)
        for a, b in zip(got[2], want[2]):
            np.testing.assert_array_equal(a, b)
        stores.append({k: id(v) for k, v in net.layers[0]._cache_buffers.items()})
    # the largest batch sets the store's size; a later batch up to that size allocates nothing
    big = int(np.argmax(sizes))
    for later in stores[big + 1:]:
        assert later == stores[big]
