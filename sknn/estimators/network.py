"""NeuralNetClassifier and NeuralNetRegressor: the architecture is a parameter, a list of :mod:`sknn.nn` layers."""

import copy

import numpy as np

from ..nn import Activation, Dense, Flatten, Layer, Sequential
from ..utils.validation import layer_list
from ._adapters import Shaped
from ._base import BaseNetwork, NetworkClassifierMixin, NetworkRegressorMixin, store_params
from ._heads import Regression, output_dense
from ._params import SHAPED_CONSTRAINTS
from ._params_doc import doc_snippet

__all__ = ["NeuralNetClassifier", "NeuralNetRegressor"]


class _BaseNeuralNet(BaseNetwork):
    _adapter = Shaped(row_shape="vector")
    _parameter_constraints = {**BaseNetwork._parameter_constraints, **SHAPED_CONSTRAINTS,
                              "layers": [None, Layer, list, tuple]}  # of Layer objects: layer_list checks

    def _validate_params(self):
        super()._validate_params()
        self._adapter.check_params(self)
        layer_list("layers", self.layers)

    def _build_layers(self, input_shape, n_outputs, rng):
        hidden = layer_list("layers", self.layers)
        layers = copy.deepcopy([Dense(100), Activation("relu")] if hidden is None else hidden)  # never built
        # the stack's output shape, from a throw-away build (the real rng is untouched)
        out_shape = Sequential(copy.deepcopy(layers)).build(input_shape, np.random.default_rng(0), self.dtype)
        n_outputs = tuple(n_outputs)
        if len(n_outputs) >= 2 and tuple(out_shape[:-1]) == n_outputs[:-1]:
            return layers + [Dense(n_outputs[-1])]  # a target with a time axis: one output vector per step
        return layers + ([Flatten()] if len(out_shape) > 1 else []) + [output_dense(n_outputs)]


doc_snippet("nn_parameters", """
    layers : list of sknn.nn.Layer or None, default=None
        The hidden layers, configuration only (deep-copied before being built, never mutated, so
        ``clone`` and ``GridSearchCV`` over architectures just work). None means ``[Dense(100),
        Activation("relu")]``. The output layer is appended from the task; when the last hidden
        layer's output has several axes it is flattened first.

    input_shape : tuple of int or None, default=None
        Shape of one sample. None keeps the rows of a 2-D X as they are
        (a vector per sample) and takes the sample shape of a 3-D / 4-D X.
""")


class NeuralNetClassifier(NetworkClassifierMixin, _BaseNeuralNet):
    """A neural network classifier whose architecture is a parameter.

    Give any stack of :mod:`sknn.nn` layers; the output layer (softmax for several classes, sigmoid
    for binary and multilabel targets) and the log-loss come from the task. Training goes through
    the same loop and has the same parameters as :class:`sknn.MLPClassifier`.

    Parameters
    ----------
    {nn_parameters}

    {shaped_classifier_sections}

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sknn import NeuralNetClassifier
    >>> from sknn.nn import Activation, Dense, Dropout
    >>> X, y = load_iris(return_X_y=True)
    >>> layers = [Dense(32), Activation("relu"), Dropout(0.1)]
    >>> clf = NeuralNetClassifier(layers, learning_rate_init=0.01, max_iter=200, random_state=0)
    >>> clf.fit(X, y).score(X, y) > 0.9
    True
    """

    def __init__(self, layers=None, *, input_shape=None, solver="adam", alpha=0.0001, batch_size="auto",
                 learning_rate="constant", learning_rate_init=0.001, power_t=0.5, max_iter=200, shuffle=True,
                 random_state=None, tol=1e-4, verbose=False, warm_start=False, momentum=0.9,
                 nesterovs_momentum=True, early_stopping=False, validation_fraction=0.1, beta_1=0.9,
                 beta_2=0.999, epsilon=1e-8, n_iter_no_change=10, max_fun=15000, class_weight=None,
                 clip_norm=None, callbacks=None, dtype="float32"):
        store_params(self, locals())


class NeuralNetRegressor(NetworkRegressorMixin, _BaseNeuralNet):
    """A neural network regressor whose architecture is a parameter.

    Give any stack of :mod:`sknn.nn` layers; a linear output layer and the half squared error are
    added. A target with a time axis (``y`` of shape ``(n_samples, n_steps, n_outputs)``) is
    predicted step by step when the stack returns sequences of the same length (e.g.
    ``LSTM(..., return_sequences=True)``). Training has the same parameters as :class:`sknn.MLPRegressor`.

    Parameters
    ----------
    {nn_parameters}

    {shaped_regressor_sections}

    Examples
    --------
    >>> from sklearn.datasets import make_regression
    >>> from sknn import NeuralNetRegressor
    >>> from sknn.nn import Activation, Dense
    >>> X, y = make_regression(n_samples=200, n_features=5, noise=1, random_state=0)
    >>> reg = NeuralNetRegressor([Dense(32), Activation("tanh")], solver="lbfgs",
    ...                          max_iter=500, random_state=0)
    >>> reg.fit(X, y).score(X, y) > 0.9
    True
    """

    _head = Regression(steps=True)

    def __init__(self, layers=None, *, input_shape=None, solver="adam", alpha=0.0001, batch_size="auto",
                 learning_rate="constant", learning_rate_init=0.001, power_t=0.5, max_iter=200, shuffle=True,
                 random_state=None, tol=1e-4, verbose=False, warm_start=False, momentum=0.9,
                 nesterovs_momentum=True, early_stopping=False, validation_fraction=0.1, beta_1=0.9,
                 beta_2=0.999, epsilon=1e-8, n_iter_no_change=10, max_fun=15000, clip_norm=None,
                 callbacks=None, dtype="float32"):
        store_params(self, locals())
