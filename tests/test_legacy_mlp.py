"""sknn.mlp: scikit-neuralnetwork 0.7 code maps onto today's estimators, or is refused by name."""

import warnings

import numpy as np
import pytest
from sklearn.base import clone

import sknn.mlp as legacy
from sknn import MLPClassifier, MLPRegressor, NeuralNetClassifier, NeuralNetRegressor
from sknn.mlp import Classifier, Convolution, LegacyAPIError, LegacyAPIWarning, Layer, Native, Regressor
from sknn.nn import Activation, AvgPool2D, BatchNorm, Conv2D, Dense, Dropout, MaxPool2D

pytestmark = [
    pytest.mark.filterwarnings("ignore::sknn.mlp.LegacyAPIWarning"),
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
]

with warnings.catch_warnings():  # at import, outside the module's filter
    warnings.simplefilter("ignore", LegacyAPIWarning)
    OUT = Layer("Softmax")


def hidden(kind="Rectifier", **kw):
    return Layer(kind, units=kw.pop("units", 8), **kw)


@pytest.mark.parametrize("first", [lambda: Convolution("Tanh", channels=2, kernel_shape=(3, 3)),
                                   lambda: Layer("Rectifier", units=3), lambda: Regressor([OUT])])
def test_warns_once_with_our_own_future_warning(monkeypatch, first):
    monkeypatch.setattr(legacy, "_warned", False)
    with pytest.warns(LegacyAPIWarning, match="legacy") as record:
        try:
            first()
        except LegacyAPIError:
            pass
    assert issubclass(LegacyAPIWarning, FutureWarning) and len(record) == 1
    assert record[0].filename == __file__  # points at the caller, not into sknn
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Regressor([hidden(), Layer("Linear")], n_iter=2)


@pytest.mark.parametrize(
    "old, new", [("Rectifier", "relu"), ("Sigmoid", "logistic"), ("Tanh", "tanh"), ("ExpLin", "elu"), ("Linear", "identity")]
)
def test_layer_types_map_to_activations(old, new):
    est = Classifier([Layer(old, units=100), OUT], n_iter=5)
    assert isinstance(est, MLPClassifier)
    assert est.hidden_layer_sizes == (100,) and est.activation == new


def test_mixed_activations_and_outputs():
    est = Classifier([hidden("Tanh", units=20), hidden("Rectifier", units=10), Layer("Sigmoid")], n_iter=5)
    assert est.hidden_layer_sizes == (20, 10) and est.activation == ["tanh", "relu"]
    reg = Regressor([hidden(), Layer("Linear", units=2)], n_iter=5)
    assert isinstance(reg, MLPRegressor)


def test_old_defaults_and_training_parameters():
    est = Classifier([hidden(), OUT], n_iter=7)
    p = est.get_params()
    assert (p["solver"], p["momentum"], p["nesterovs_momentum"]) == ("sgd", 0.0, False)
    assert (p["learning_rate_init"], p["batch_size"], p["max_iter"], p["alpha"]) == (0.01, 1, 7, 0.0)
    assert (p["n_iter_no_change"], p["tol"], p["early_stopping"]) == (10, 0.001, False)
    est = Classifier([hidden(), OUT], learning_rate=0.05, batch_size=32, n_stable=3, f_stable=0.01,
                     valid_size=0.25, random_state=4, verbose=True)
    p = est.get_params()
    assert (p["learning_rate_init"], p["batch_size"], p["n_iter_no_change"], p["tol"]) == (0.05, 32, 3, 0.01)
    assert (p["early_stopping"], p["validation_fraction"], p["random_state"], p["verbose"]) == (True, 0.25, 4, True)
    assert p["max_iter"] == 200  # n_iter=None: stop on n_stable
    assert Classifier([hidden(), OUT], n_iter=9, n_stable=None).n_iter_no_change == 10


@pytest.mark.parametrize(
    "rule, expected",
    [
        ("sgd", dict(solver="sgd", momentum=0.0, nesterovs_momentum=False)),
        ("momentum", dict(solver="sgd", momentum=0.8, nesterovs_momentum=False)),
        ("nesterov", dict(solver="sgd", momentum=0.8, nesterovs_momentum=True)),
        ("adagrad", dict(solver="adagrad")),
        ("rmsprop", dict(solver="rmsprop")),
        ("adam", dict(solver="adam")),
    ],
)
def test_learning_rules(rule, expected):
    params = Classifier([hidden(), OUT], learning_rule=rule, learning_momentum=0.8, n_iter=3).get_params()
    assert {k: params[k] for k in expected} == expected


@pytest.mark.parametrize(
    "kw, alpha",
    [
        (dict(), 0.0),
        (dict(regularize="L2"), 0.0001),
        (dict(weight_decay=0.01), 0.01),
        (dict(regularize="L2", weight_decay=0.003), 0.003),
        (dict(regularize="dropout"), 0.0),
    ],
)
def test_regularisation(kw, alpha):
    assert Classifier([hidden(), OUT], n_iter=3, **kw).alpha == alpha


def test_layer_weight_decay_is_alpha_when_all_agree():
    assert Classifier([hidden(weight_decay=0.02), Layer("Softmax", weight_decay=0.02)], n_iter=3).alpha == 0.02
    with pytest.raises(LegacyAPIError, match="one L2 coefficient"):
        Classifier([hidden(weight_decay=0.02), OUT], n_iter=3)  # the output keeps 0.0001


def test_dropout_on_hidden_layers_maps_onto_the_mlp():
    # a layer's dropout acts on its inputs: the output's is the last hidden layer's dropout
    est = Classifier([hidden(), hidden(dropout=0.2), Layer("Softmax", dropout=0.5)], n_iter=3)
    assert isinstance(est, MLPClassifier) and est.dropout == [0.2, 0.5]


def test_input_dropout_needs_the_layer_list():
    est = Classifier([hidden(units=16), OUT], dropout_rate=0.25, n_iter=3)
    assert isinstance(est, NeuralNetClassifier)
    assert [type(layer) for layer in est.layers] == [Dropout, Dense, Activation, Dropout]
    assert est.layers[0].rate == 0.25 and est.layers[1].units == 16


def test_batch_normalisation():
    assert Classifier([hidden(), OUT], normalize="batch", n_iter=3).batch_norm is True
    est = Regressor([hidden(normalize="batch"), hidden(), Layer("Linear")], n_iter=3)
    assert isinstance(est, NeuralNetRegressor)
    assert [type(layer) for layer in est.layers] == [Dense, BatchNorm, Activation, Dense, Activation]


@pytest.mark.parametrize("loss_type, loss", [(None, "squared_error"), ("mse", "squared_error"), ("mae", "absolute_error")])
def test_regression_losses(loss_type, loss):
    assert Regressor([hidden(), Layer("Linear")], loss_type=loss_type, n_iter=3).loss == loss


def test_convolution_maps_onto_conv2d_and_pooling():
    layers = [
        Convolution("Rectifier", channels=6, kernel_shape=(3, 3), border_mode="same", pool_shape=(2, 2)),
        Convolution("Tanh", channels=4, kernel_shape=(2, 3), kernel_stride=(1, 2), pool_shape=(2, 2), pool_type="mean"),
        hidden(units=12),
        OUT,
    ]
    est = Classifier(layers, learning_rule="adam", learning_rate=0.01, batch_size=16, n_iter=3, random_state=0)
    assert isinstance(est, NeuralNetClassifier)
    kinds = [type(layer) for layer in est.layers]
    assert kinds == [Conv2D, Activation, MaxPool2D, Conv2D, Activation, AvgPool2D, Dense, Activation]
    conv = est.layers[3]
    assert (conv.filters, conv.kernel_size, conv.strides, conv.padding) == (4, (2, 3), (1, 2), "valid")
    assert est.layers[0].padding == "same" and est.layers[4].name == "tanh"
    rng = np.random.default_rng(0)
    X, y = rng.random((40, 12, 12, 1)), rng.integers(0, 2, 40)
    assert est.fit(X, y).predict(X).shape == (40,)


def test_returned_estimators_are_ordinary_estimators():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    est = Classifier([hidden(units=32), OUT], learning_rate=0.02, n_iter=10, random_state=0)
    twin = clone(est)
    assert est.fit(X[:400] / 16, y[:400]).score(X[400:800] / 16, y[400:800]) > 0.8
    np.testing.assert_array_equal(twin.fit(X[:400] / 16, y[:400]).predict(X[400:500] / 16), est.predict(X[400:500] / 16))


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: Native(object, 3), "Native .* cannot be mapped"),
        (lambda: Layer("Rectifier", units=4, frozen=True), "Frozen layers"),
        (lambda: Layer("Gaussian"), "Gaussian"),
        (lambda: Layer("Maxout", units=3), "not one of"),
        (lambda: Layer("Rectifier", 10), "keyword arguments"),
        (lambda: Layer("Rectifier", units=3, normalize="weights"), "normalize"),
        (lambda: Convolution("Rectifier", channels=2, kernel_shape=(3, 3), border_mode="full"), "border_mode='full'"),
        (lambda: Convolution("Rectifier", channels=2, kernel_shape=(3, 3), scale_factor=(2, 2)), "scale_factor"),
        (lambda: Convolution("Rectifier", channels=2, kernel_shape=(3, 3), pool_type="max2"), "pool_type"),
        (lambda: Convolution("Rectifier", kernel_shape=(3, 3)), "channels and kernel_shape"),
        (lambda: Convolution("Softmax", channels=2, kernel_shape=(3, 3)), "Convolution type"),
        (lambda: Classifier([hidden(), OUT], learning_rule="adadelta", n_iter=2), "learning_rule='adadelta'"),
        (lambda: Classifier([hidden(), OUT], learning_rule="lbfgs", n_iter=2), "learning_rule must be"),
        (lambda: Classifier([hidden(), OUT], regularize="L1", n_iter=2), "regularize='L1'"),
        (lambda: Classifier([hidden(), OUT], loss_type="mse", n_iter=2), "loss_type='mse'"),
        (lambda: Regressor([hidden(), Layer("Linear")], loss_type="mcc", n_iter=2), "loss_type='mcc'"),
        (lambda: Regressor([hidden(), Layer("Linear")], loss_type="mae", dropout_rate=0.1, n_iter=2), "loss_type='mae'"),
        (lambda: Classifier([hidden(), Layer("Linear")], n_iter=2), "The last layer is the output"),
        (lambda: Regressor([hidden(), Layer("Softmax")], n_iter=2), "The last layer is the output"),
        (lambda: Classifier([Layer("Softmax"), OUT], n_iter=2), "Softmax is an output type"),
        (lambda: Classifier([Layer("Rectifier"), OUT], n_iter=2), "needs units"),
        (lambda: Classifier([], n_iter=2), "non-empty list"),
        (lambda: Classifier([hidden(), OUT], parameters=[(1, 2)], n_iter=2), "parameters="),
        (lambda: Classifier([hidden(), OUT], valid_set=([1], [2]), n_iter=2), "valid_set="),
        (lambda: Classifier([hidden(), OUT], callback=print, n_iter=2), "callback="),
        (lambda: Classifier([hidden(), OUT], n_iter=None, n_stable=None), "never stop"),
        (lambda: Classifier([hidden(), OUT], 5), "keyword arguments"),
        (lambda: Classifier([hidden(), OUT], n_epochs=5), r"Unknown parameters \['n_epochs'\]"),
    ],
)
def test_refusals_name_what_cannot_map(make, message):
    with pytest.raises(LegacyAPIError, match=message):
        make()
    assert issubclass(LegacyAPIError, ValueError)
