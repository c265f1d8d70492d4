"""MLPClassifier and MLPRegressor: drop-in replacements for scikit-learn's."""

import numbers

import numpy as np

from ..nn import Activation, BatchNorm, Dense, Dropout
from ..utils.validation import StrOptions
from ._base import BaseNetwork, NetworkClassifierMixin, NetworkRegressorMixin, output_dense, store_params
from ._params import HIDDEN_SIZES, RATE

__all__ = ["MLPClassifier", "MLPRegressor"]

HIDDEN_ACTIVATIONS = ("identity", "logistic", "tanh", "relu", "leaky_relu", "elu", "gelu")


def _per_layer(name, value, n_layers, check):
    """Broadcast a scalar hyper-parameter to one value per hidden layer."""
    if isinstance(value, (list, tuple)):
        if len(value) != n_layers:
            raise ValueError(
                f"{name} has {len(value)} entries but there are {n_layers} hidden layers "
                f"(hidden_layer_sizes); give one value or one per hidden layer."
            )
        values = list(value)
    else:
        values = [value] * n_layers
    for v in values:
        check(v)
    return values


class _BaseMLP(BaseNetwork):
    _training_params_doc = None
    _parameter_constraints = {
        **BaseNetwork._parameter_constraints,
        "hidden_layer_sizes": HIDDEN_SIZES,
        # a list gives one value per hidden layer (checked entry by entry below)
        "activation": [StrOptions(set(HIDDEN_ACTIVATIONS)), list, tuple],
        "dropout": RATE + [list, tuple],
        "batch_norm": ["boolean"],
    }

    def _hidden_sizes(self):
        sizes = self.hidden_layer_sizes
        if not hasattr(sizes, "__iter__"):
            sizes = [sizes]
        sizes = list(sizes)
        for s in sizes:
            if isinstance(s, bool) or not isinstance(s, numbers.Integral) or s <= 0:
                raise ValueError(
                    f"hidden_layer_sizes must be > 0, got {self.hidden_layer_sizes}."
                )
        return sizes

    def _validate_params(self):
        super()._validate_params()
        sizes = self._hidden_sizes()

        def check_act(a):
            if a not in HIDDEN_ACTIVATIONS:
                raise ValueError(f"activation must be one of {HIDDEN_ACTIVATIONS}, got {a!r}.")

        def check_rate(r):
            if isinstance(r, bool) or not isinstance(r, numbers.Real) or not 0 <= r < 1:
                raise ValueError(f"dropout must be a float in [0, 1), got {r!r}.")

        self._activations = _per_layer("activation", self.activation, len(sizes), check_act)
        self._dropouts = _per_layer("dropout", self.dropout, len(sizes), check_rate)

    def _build_layers(self, input_shape, n_outputs, rng):
        sizes = self._hidden_sizes()
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


_PARAMS_DOC = """
    hidden_layer_sizes : array-like of shape (n_layers - 2,), default=(100,)
        The ith element is the number of neurons in the ith hidden layer.

    activation : str or list of str, default='relu'
        Activation of the hidden layers: 'identity', 'logistic', 'tanh', 'relu'
        (as in scikit-learn), plus 'leaky_relu', 'elu', 'gelu'. A list gives
        one activation per hidden layer.

    solver : {'adam', 'sgd', 'lbfgs', 'adamw', 'rmsprop', 'adagrad'}, default='adam'
        The weight optimiser. 'adamw' uses ``alpha`` as decoupled weight decay
        instead of an L2 term in the loss.

    alpha : float, default=0.0001
        Strength of the L2 penalty (weights, not biases).

    batch_size : int or 'auto', default='auto'
        Minibatch size; 'auto' is ``min(200, n_samples)``. Unused by 'lbfgs'.

    learning_rate : {'constant', 'invscaling', 'adaptive', 'cosine', 'step'} or Schedule, default='constant'
        Learning-rate schedule, with scikit-learn's semantics for the first
        three. Unlike scikit-learn it applies to every stochastic solver, not
        only 'sgd'. A :mod:`sknn.nn.schedules` object gives full control.

    learning_rate_init : float, default=0.001
        The initial learning rate.

    power_t : float, default=0.5
        Exponent of the 'invscaling' schedule.

    max_iter : int, default=200
        Maximum number of epochs (stochastic solvers) or of iterations ('lbfgs').

    shuffle : bool, default=True
        Whether to shuffle samples in each epoch.

    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, the validation split, shuffling and
        dropout. The same seed gives the same weights, bit for bit.

    tol : float, default=1e-4
        Tolerance for the optimisation (see ``n_iter_no_change``). With
        'lbfgs' it is the gradient tolerance and also caps the relative loss
        reduction that counts as convergence: ``tol=0`` runs until
        ``max_iter`` or ``max_fun``.

    verbose : bool or int, default=False
        Print scikit-learn's progress messages (``Iteration N, loss = ...``,
        ``Validation score: ...``) for any true value. A progress bar is
        chosen explicitly: ``callbacks=[sknn.utils.progress.ProgressBar()]``,
        or with scikit-learn >= 1.9
        ``est.set_callbacks(sklearn.callback.ProgressBar())`` (which also
        follows the estimator inside ``GridSearchCV``).

    warm_start : bool, default=False
        Start the next ``fit`` from the previous solution. As in scikit-learn, the
        optimiser starts afresh (a changed ``learning_rate_init`` applies);
        ``partial_fit`` continues it.

    momentum : float, default=0.9
        Momentum of the 'sgd' solver.

    nesterovs_momentum : bool, default=True
        Whether to use Nesterov's momentum with 'sgd'.

    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data (stratified for
        classifiers) and stop when its score stops improving; the best weights
        are restored.

    validation_fraction : float, default=0.1
        Size of the held-out set for early stopping.

    beta_1, beta_2, epsilon : float, default=0.9, 0.999, 1e-8
        Adam / AdamW parameters (``epsilon`` also for RMSprop and Adagrad).

    n_iter_no_change : int or np.inf, default=10
        Epochs without ``tol`` improvement before stopping (or, with
        'adaptive', before dividing the learning rate by 5); ``np.inf`` never
        stops early.

    max_fun : int, default=15000
        Maximum number of loss evaluations with 'lbfgs'.

    dropout : float or list of float, default=0.0
        Dropout rate after each hidden layer (0 disables it).

    batch_norm : bool, default=False
        Batch normalisation between each hidden Dense layer and its activation.

    clip_norm : float or None, default=None
        Clip the global gradient norm to this value at each step.

    callbacks : list of callable or None, default=None
        Each is called as ``callback(info)`` at the end of every epoch (every
        iteration with 'lbfgs'), with a dict holding 'epoch', 'loss',
        'validation_loss', 'validation_score', 'learning_rate', 'time' and
        'estimator'. Returning True stops training. Optional methods
        ``on_fit_begin``, ``on_epoch_begin``, ``on_fit_end`` and ``write`` are
        called too (see :mod:`sknn.training`); :class:`sknn.utils.progress.ProgressBar`
        is one such callback. scikit-learn's callbacks (>= 1.9) go through
        ``set_callbacks`` instead.
"""

_NOTES_DOC = """
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
"""

_ATTRS_DOC = """
    loss_ : float
        The loss at the end of training (last epoch's mean).

    best_loss_ : float or None
        The minimum training loss reached (None with early stopping).

    loss_curve_ : list of float
        The mean training loss of each epoch (stochastic solvers).

    validation_scores_ : list of float or None
        The held-out score of each epoch, with early stopping.

    validation_loss_curve_ : list of float or None
        The held-out loss of each epoch, with early stopping.

    best_validation_score_ : float or None
        The best held-out score, with early stopping.

    t_ : int
        Number of training samples seen by the solver.

    coefs_ : list of ndarray
        Weight matrix of each Dense layer (views of the network's arrays).

    intercepts_ : list of ndarray
        Bias vector of each Dense layer.

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of str
        Names of features seen during fit, when X has string column names.

    n_iter_ : int
        Number of epochs (or L-BFGS iterations) run by the last fit.

    n_layers_ : int
        Number of layers, input and output included.

    n_outputs_ : int
        Number of outputs.

    out_activation_ : str
        Name of the output activation.

    network_ : sknn.nn.Sequential
        The trained network.
"""


class MLPClassifier(NetworkClassifierMixin, _BaseMLP):
    __doc__ = (
        """Multi-layer perceptron classifier, a drop-in for scikit-learn's.

    Same parameters, defaults, methods and fitted attributes as
    :class:`sklearn.neural_network.MLPClassifier`, plus dropout, batch norm,
    per-layer activations, more solvers, class weights, gradient clipping and
    callbacks. Multiclass targets use a softmax output and the log-loss; binary
    and multilabel (indicator matrix) targets use sigmoid outputs.

    Parameters
    ----------"""
        + _PARAMS_DOC
        + """
    class_weight : dict, 'balanced' or None, default=None
        Weights of the classes, multiplied into ``sample_weight``.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
"""
        + _ATTRS_DOC
        + _NOTES_DOC
        + """
    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sknn import MLPClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = MLPClassifier(hidden_layer_sizes=(16,), max_iter=300, random_state=0).fit(X, y)
    >>> clf.score(X, y) > 0.9
    True
    """
    )

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        dropout=0.0,
        batch_norm=False,
        class_weight=None,
        clip_norm=None,
        callbacks=None,
    ):
        store_params(self, locals())


class MLPRegressor(NetworkRegressorMixin, _BaseMLP):
    __doc__ = (
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
"""
        + _PARAMS_DOC
        + """
    Attributes
    ----------"""
        + _ATTRS_DOC
        + _NOTES_DOC
        + """
    Examples
    --------
    >>> from sklearn.datasets import make_regression
    >>> from sknn import MLPRegressor
    >>> X, y = make_regression(n_samples=200, n_features=5, noise=1, random_state=0)
    >>> reg = MLPRegressor(hidden_layer_sizes=(32,), solver="lbfgs", max_iter=500, random_state=0)
    >>> reg.fit(X, y).score(X, y) > 0.9
    True
    """
    )

    def __init__(
        self,
        loss="squared_error",
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        dropout=0.0,
        batch_norm=False,
        clip_norm=None,
        callbacks=None,
    ):
        store_params(self, locals())

    _parameter_constraints = {
        **_BaseMLP._parameter_constraints,
        "loss": [StrOptions({"squared_error", "poisson", "absolute_error", "huber"})],
    }
