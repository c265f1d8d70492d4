"""MLPClassifier and MLPRegressor: drop-in replacements for scikit-learn's."""

from ..nn import Activation, BatchNorm, Dense, Dropout
from ..utils.validation import StrOptions, per_layer, positive_ints
from ._base import BaseNetwork, NetworkClassifierMixin, NetworkRegressorMixin, store_params
from ._heads import output_dense
from ._params import ACTIVATIONS, HIDDEN_SIZES, RATE
from ._params_doc import doc_snippet

__all__ = ["MLPClassifier", "MLPRegressor"]

_ACTIVATION = [StrOptions(set(ACTIVATIONS))]


class _BaseMLP(BaseNetwork):
    _parameter_constraints = {
        **BaseNetwork._parameter_constraints,
        "hidden_layer_sizes": HIDDEN_SIZES,
        # a list gives one value per hidden layer (checked entry by entry below)
        "activation": _ACTIVATION + [list, tuple],
        "dropout": RATE + [list, tuple],
        "batch_norm": ["boolean"],
    }

    def _validate_params(self):
        super()._validate_params()
        n = len(positive_ints("hidden_layer_sizes", self.hidden_layer_sizes))
        name = type(self).__name__
        self._activations = per_layer("activation", self.activation, n, _ACTIVATION, name)
        self._dropouts = per_layer("dropout", self.dropout, n, RATE, name)

    def _build_layers(self, input_shape, n_outputs, rng):
        sizes = positive_ints("hidden_layer_sizes", self.hidden_layer_sizes)
        acts = self._activations
        layers = []
        for units, act, rate in zip(sizes, acts, self._dropouts):
            init = "sklearn_logistic" if act == "logistic" else "sklearn"
            layers.append(Dense(units, kernel_initializer=init, bias_initializer=init))
            if self.batch_norm:
                layers.append(BatchNorm())
            layers.append(Activation(act))
            if rate:
                layers.append(Dropout(rate))
        # scikit-learn draws the output layer with the hidden activation's factor
        out_init = "sklearn_logistic" if acts and all(a == "logistic" for a in acts) else "sklearn"
        layers.append(output_dense(n_outputs, out_init))
        return layers

    def _publish_state(self):
        super()._publish_state()
        dense = [layer for layer in self.network_.layers if isinstance(layer, Dense)]
        self.coefs_ = [layer.params[0] for layer in dense]
        self.intercepts_ = [layer.params[1] for layer in dense]
        self.n_layers_ = len(dense) + 1
        self.n_outputs_ = dense[-1].units


doc_snippet("mlp_parameters", """
    hidden_layer_sizes : array-like of shape (n_layers - 2,), default=(100,)
        The ith element is the number of neurons in the ith hidden layer.

    activation : str or list of str, default='relu'
        Activation of the hidden layers: 'identity', 'logistic', 'tanh', 'relu'
        (as in scikit-learn), plus 'leaky_relu', 'elu', 'gelu'. A list gives
        one activation per hidden layer.

    dropout : float or list of float, default=0.0
        Dropout rate after each hidden layer (0 disables it).

    batch_norm : bool, default=False
        Batch normalisation between each hidden Dense layer and its activation.

    {declared_parameters}
""")

doc_snippet("mlp_attributes", """
    coefs_ : list of ndarray
        Weight matrix of each Dense layer (views of the network's arrays).

    intercepts_ : list of ndarray
        Bias vector of each Dense layer.

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of str
        Names of features seen during fit, when X has string column names.

    n_layers_ : int
        Number of layers, input and output included.

    n_outputs_ : int
        Number of outputs.

    {training_attributes}

    Notes
    -----
    The network computes in the dtype of ``X`` (float32 stays float32). A
    prediction is a function of its own sample only: float32 inference
    products are correctly rounded (:mod:`sknn.nn.linalg`), so a sample's
    output does not depend, bit for bit, on the samples predicted with it, on
    any BLAS or thread count; in float64 it depends on them only through the
    BLAS summation order (about 1e-16), as in scikit-learn.

    Fitting with integer ``sample_weight`` equals fitting on repeated rows (to
    scikit-learn's tolerance in float64), except by design with ``dropout``,
    which draws a mask per row (a repeated row gets two), or ``batch_norm``,
    whose batch statistics are unweighted means over the rows of a batch.
""")


class MLPClassifier(NetworkClassifierMixin, _BaseMLP):
    """Multi-layer perceptron classifier, a drop-in for scikit-learn's.

    Same parameters, defaults, methods and fitted attributes as
    :class:`sklearn.neural_network.MLPClassifier`, plus dropout, batch norm,
    per-layer activations, more solvers, class weights, gradient clipping and
    callbacks. Multiclass targets use a softmax output and the log-loss; binary
    and multilabel (indicator matrix) targets use sigmoid outputs.

    Parameters
    ----------
    {mlp_parameters}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.

    {mlp_attributes}

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sknn import MLPClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = MLPClassifier(hidden_layer_sizes=(16,), max_iter=300, random_state=0).fit(X, y)
    >>> clf.score(X, y) > 0.9
    True
    """

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, dropout=0.0, batch_norm=False,
                 solver="adam", alpha=0.0001, batch_size="auto", learning_rate="constant",
                 learning_rate_init=0.001, power_t=0.5, max_iter=200, shuffle=True, random_state=None,
                 tol=1e-4, verbose=False, warm_start=False, momentum=0.9, nesterovs_momentum=True,
                 early_stopping=False, validation_fraction=0.1, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                 n_iter_no_change=10, max_fun=15000, class_weight=None, clip_norm=None, callbacks=None):
        store_params(self, locals())


class MLPRegressor(NetworkRegressorMixin, _BaseMLP):
    """Multi-layer perceptron regressor, a drop-in for scikit-learn's.

    Same parameters, defaults, methods and fitted attributes as
    :class:`sklearn.neural_network.MLPRegressor`, plus dropout, batch norm,
    per-layer activations, more solvers and losses, gradient clipping and
    callbacks. Multi-output targets are supported.

    Parameters
    ----------
    loss : {'squared_error', 'poisson', 'absolute_error', 'huber'}, default='squared_error'
        'squared_error' is half the squared error; 'poisson' is half the
        Poisson deviance with a log link (predictions are ``exp`` of the
        network output; targets must be non-negative). The gradient is the exact
        gradient of the reported loss (scikit-learn's multi-output squared-error
        gradient is ``n_outputs`` times larger).

    {mlp_parameters}

    Attributes
    ----------
    {mlp_attributes}

    Examples
    --------
    >>> from sklearn.datasets import make_regression
    >>> from sknn import MLPRegressor
    >>> X, y = make_regression(n_samples=200, n_features=5, noise=1, random_state=0)
    >>> reg = MLPRegressor(hidden_layer_sizes=(32,), solver="lbfgs", max_iter=500, random_state=0)
    >>> reg.fit(X, y).score(X, y) > 0.9
    True
    """

    _parameter_constraints = {
        **_BaseMLP._parameter_constraints,
        "loss": [StrOptions({"squared_error", "poisson", "absolute_error", "huber"})],
    }

    def __init__(self, loss="squared_error", hidden_layer_sizes=(100,), activation="relu", *, dropout=0.0,
                 batch_norm=False, solver="adam", alpha=0.0001, batch_size="auto", learning_rate="constant",
                 learning_rate_init=0.001, power_t=0.5, max_iter=200, shuffle=True, random_state=None,
                 tol=1e-4, verbose=False, warm_start=False, momentum=0.9, nesterovs_momentum=True,
                 early_stopping=False, validation_fraction=0.1, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                 n_iter_no_change=10, max_fun=15000, clip_norm=None, callbacks=None):
        store_params(self, locals())
