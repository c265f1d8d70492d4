"""Pickles of built networks made before Parameter objects (four parallel lists per layer) keep their weights."""

import pickle

import numpy as np
import pytest

from sknn.nn import LSTM, Activation, Conv2D, Dense, Flatten, Layer, Sequential, TiedDense
from sknn.nn.layer import Parameter
from sknn.nn.factorization import NeuMF
from sknn.training import FitState, Trainer, TrainingConfig
from sknn.nn import losses


def _old_layout(layer):
    """Rewrite a built layer's instance dict as the pre-Parameter layout stored it (by hand)."""
    own = layer.__dict__.pop("_parameters", None)
    if own is None:
        return
    if isinstance(layer, NeuMF):  # flat lists over its own, the tower's and the output parameters
        layer._n_own = len(own)
        own = own + layer.tower.parameters() + layer.__dict__.pop("_output")
    # plain instance attributes then (properties now, so written into the dict)
    vars(layer).update(param_names=[p.name for p in own], params=[p.value for p in own],
                       grads=[p.grad for p in own], penalized=[p.penalized for p in own])


def _walk(layer):
    yield layer
    for sub in getattr(layer, "layers", ()):
        yield from _walk(sub)
    if isinstance(layer, NeuMF):
        yield from _walk(layer.tower)


def _roundtrip_old(net):
    for layer in list(_walk(net)):
        _old_layout(layer)
    return pickle.loads(pickle.dumps(net))


@pytest.mark.parametrize("make, X", [
    (lambda: Sequential([Dense(4), Activation("tanh"), Dense(2)]), np.random.default_rng(0).normal(size=(3, 5))),
    (lambda: Sequential([Conv2D(2, 3), Flatten(), Dense(2)]), np.random.default_rng(1).normal(size=(2, 5, 5, 1))),
    (lambda: Sequential([LSTM(3), Dense(1)]), np.random.default_rng(2).normal(size=(2, 4, 2))),
    (lambda: Sequential([NeuMF(4, 5, n_factors=2, hidden_layer_sizes=(3,))]), np.array([[1, 2], [3, 4]])),
])
def test_old_layout_pickle_restores_weights(make, X):
    net = make()
    net.build(X.shape[1:], np.random.default_rng(0))
    expected_names = net.param_names
    expected = [p.copy() for p in net.params]
    out = net.forward(X)
    restored = _roundtrip_old(net)
    assert restored.param_names == expected_names
    for got, want in zip(restored.params, expected):
        np.testing.assert_array_equal(got, want)
    assert all(isinstance(p, Parameter) for p in restored.parameters())
    assert not any(k in vars(layer) for layer in _walk(restored) for k in ("params", "grads", "_n_own"))
    np.testing.assert_array_equal(restored.forward(X), out)


def test_restored_old_pickle_trains_in_place():
    # the restored Parameter objects hold the very arrays the optimizer updates
    X = np.random.default_rng(0).normal(size=(20, 3))
    y = X @ np.array([[1.0], [-2.0], [0.5]])
    net = Sequential([Dense(4), Activation("tanh"), Dense(1)])
    net.build((3,), np.random.default_rng(0))
    net = _roundtrip_old(net)
    before = [p.copy() for p in net.params]
    config = TrainingConfig(max_iter=2, batch_size=10, shuffle=False, learning_rate_init=0.1)
    Trainer(net, losses.SquaredError(), config, FitState(), np.random.default_rng(0)).fit(X, y)
    assert all(not np.array_equal(a, b) for a, b in zip(net.params, before))


def test_old_tied_side_channel_is_dropped():
    enc = Dense(3)
    net = Sequential([enc, Activation("relu"), TiedDense(enc)])
    net.build((4,), np.random.default_rng(0))
    X = np.ones((2, 4))
    out = net.forward(X)
    enc._tied_users = [net.layers[2]]  # the old side channel
    net.layers[2]._pending = False
    restored = _roundtrip_old(net)
    assert "_tied_users" not in vars(restored.layers[0]) and "_pending" not in vars(restored.layers[2])
    assert restored.layers[2].source is restored.layers[0]
    np.testing.assert_array_equal(restored.forward(X), out)


def test_current_pickles_are_unchanged():
    net = Sequential([Dense(2)])
    net.build((3,), np.random.default_rng(0))
    restored = pickle.loads(pickle.dumps(net))
    assert isinstance(vars(restored.layers[0])["_parameters"][0], Parameter)
    assert isinstance(restored.layers[0], Layer)
