"""Every activation: gradient check, values against a direct formula, dtype."""

import numpy as np
import pytest
from scipy.special import erf

from sknn.nn import Activation, activations
from sknn.utils.gradcheck import check_layer_gradients

NAMES = ["identity", "logistic", "tanh", "relu", "leaky_relu", "elu", "gelu", "softmax"]

REFERENCE = {
    "identity": lambda x: x,
    "logistic": lambda x: 1 / (1 + np.exp(-x)),
    "tanh": np.tanh,
    "relu": lambda x: np.where(x > 0, x, 0),
    "leaky_relu": lambda x: np.where(x > 0, x, 0.01 * x),
    "elu": lambda x: np.where(x > 0, x, np.exp(x) - 1),
    "gelu": lambda x: x * 0.5 * (1 + erf(x / np.sqrt(2))),
    "softmax": lambda x: np.exp(x) / np.exp(x).sum(axis=-1, keepdims=True),
}


def _x(seed=0):
    x = np.random.default_rng(seed).standard_normal((5, 4))
    x[np.abs(x) < 1e-3] = 0.5  # keep away from the kinks of relu & co.
    return x


@pytest.mark.parametrize("name", NAMES)
def test_gradients(name):
    assert max(check_layer_gradients(Activation(name), _x()).values()) < 1e-6


@pytest.mark.parametrize("name", NAMES)
def test_values_and_float32(name):
    x = _x(1)
    np.testing.assert_allclose(Activation(name).forward(x), REFERENCE[name](x), rtol=1e-12, atol=1e-12)
    assert Activation(name).forward(x.astype(np.float32)).dtype == np.float32


def test_parametrised_activations():
    x = np.array([[-2.0, 3.0]])
    np.testing.assert_allclose(Activation("leaky_relu", alpha=0.2).forward(x), [[-0.4, 3.0]])
    np.testing.assert_allclose(Activation("elu", alpha=2.0).forward(x), [[2 * (np.exp(-2) - 1), 3.0]])
    assert max(check_layer_gradients(Activation("elu", alpha=2.0), _x()).values()) < 1e-6


def test_softmax_is_stable_for_large_inputs():
    y = Activation("softmax").forward(np.array([[1000.0, 1000.0, -1000.0]]))
    np.testing.assert_allclose(y, [[0.5, 0.5, 0.0]])


def test_get_rejects_unknown_name():
    with pytest.raises(ValueError, match="Unknown activation 'swishy'"):
        activations.get("swishy")
    assert activations.get("tanh").name == "tanh"


@pytest.mark.parametrize("name", NAMES)
def test_rows_are_batch_invariant(rows_invariant, name):
    layer = Activation(name)
    layer.build((6,), np.random.default_rng(0), np.float32)
    X = (np.random.default_rng(1).standard_normal((17, 6)) * 4).astype(np.float32)
    assert rows_invariant(layer, X).dtype == np.float32


def test_unbuilt_activation_writes_nothing_at_inference(fingerprint):
    layer = Activation("leaky_relu", alpha=0.2)
    before = fingerprint(layer)
    np.testing.assert_array_equal(layer.forward(np.array([[-1.0, 2.0]])), [[-0.2, 2.0]])
    assert fingerprint(layer) == before


def test_bad_configuration_is_refused_where_the_layer_is_made():
    with pytest.raises(ValueError, match="^Activation: Unknown activation 'swishy'"):
        Activation("swishy")
    with pytest.raises(ValueError, match="^Activation: alpha must be"):
        Activation("elu", alpha="1")
    assert Activation("leaky_relu", alpha=np.float32(0.1)).forward(np.array([-1.0]))[0] == np.float32(-0.1)
