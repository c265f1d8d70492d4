"""The names of scikit-neuralnetwork 0.7, mapped onto today's estimators (legacy).

scikit-neuralnetwork (2016, Theano/Lasagne, abandoned) also used the import
name ``sknn``. Code written for it keeps running here::

    from sknn.mlp import Classifier, Layer
    nn = Classifier(layers=[Layer("Rectifier", units=100), Layer("Softmax")],
                    learning_rate=0.02, n_iter=10)
    nn.fit(X_train, y_train)

:func:`Classifier` and :func:`Regressor` translate the old parameters and
return one of today's estimators: :class:`sknn.MLPClassifier` /
:class:`sknn.MLPRegressor` for stacks of dense layers, or
:class:`sknn.NeuralNetClassifier` / :class:`sknn.NeuralNetRegressor` (with an
explicit list of :mod:`sknn.nn` layers) when the stack holds convolutions or
drops its inputs out. The first use of these names emits one
:class:`LegacyAPIWarning`. What cannot be carried over (``Native`` layers,
frozen layers, the ``adadelta`` rule, ``border_mode="full"``, ...) raises a
:class:`LegacyAPIError` that says what to do instead. The documentation's
migration page lists every mapping.
"""

import inspect
import numbers
import sys
import warnings

from .estimators import MLPClassifier, MLPRegressor, NeuralNetClassifier, NeuralNetRegressor
from .nn import Activation, AvgPool2D, BatchNorm, Conv2D, Dense, Dropout, MaxPool2D

__all__ = ["Classifier", "Regressor", "Layer", "Convolution", "Native", "LegacyAPIWarning", "LegacyAPIError"]


class LegacyAPIWarning(FutureWarning):
    """The scikit-neuralnetwork names of :mod:`sknn.mlp` are legacy; use today's estimators."""


class LegacyAPIError(ValueError):
    """A scikit-neuralnetwork setting that has no counterpart today."""


_warned = False


def _warn_once():
    global _warned
    if not _warned:
        _warned = True
        # point at the user's line, however deep in this module the first use is
        frame, level = sys._getframe(1), 2
        while frame is not None and frame.f_code.co_filename == __file__:
            frame, level = frame.f_back, level + 1
        warnings.warn(
            "sknn.mlp (Classifier, Regressor, Layer, Convolution) keeps scikit-neuralnetwork 0.7 code "
            "running; these names are legacy. Classifier(...) and Regressor(...) return today's "
            "estimators (MLPClassifier, NeuralNetClassifier, ...): see the migration page of the docs.",
            LegacyAPIWarning,
            stacklevel=level,
        )


# old activation name -> today's; the output names are checked against the task
ACTIVATIONS = {"Rectifier": "relu", "Sigmoid": "logistic", "Tanh": "tanh", "ExpLin": "elu", "Linear": "identity"}
OUTPUTS = {"classifier": ("Softmax", "Sigmoid"), "regressor": ("Linear",)}
LAYER_TYPES = tuple(ACTIVATIONS) + ("Softmax", "Gaussian")
RULES = {"sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adadelta"}


class Layer:
    """A dense layer of scikit-neuralnetwork: an activation ``type`` and its ``units``.

    Parameters
    ----------
    type : {'Rectifier', 'Sigmoid', 'Tanh', 'ExpLin', 'Linear', 'Softmax'}
        Activation: 'relu', 'logistic', 'tanh', 'elu', 'identity'; 'Softmax'
        (or 'Sigmoid', 'Linear') for the output layer.
    name : str, optional
        Kept for display only.
    units : int, optional
        Number of units; required for hidden layers (the output layer's
        comes from the target).
    weight_decay : float, optional
        L2 coefficient of this layer; today's estimators have one ``alpha``,
        so every layer that sets one must set the same.
    dropout : float, optional
        Rate of dropout on this layer's inputs.
    normalize : {'batch'}, optional
        Batch normalisation before the activation.
    frozen : bool, default=False
        Not supported: True raises :class:`LegacyAPIError`.
    """

    def __init__(self, type, warning=None, name=None, units=None, weight_decay=None, dropout=None,
                 normalize=None, frozen=False):
        _warn_once()
        if warning is not None:
            raise LegacyAPIError("Give layer parameters as keyword arguments after the type.")
        if type not in LAYER_TYPES:
            raise LegacyAPIError(f"Layer type {type!r} is not one of {LAYER_TYPES}.")
        if type == "Gaussian":
            raise LegacyAPIError(
                "Layer('Gaussian') (a mean and variance output) has no counterpart: use Layer('Linear') "
                "for a regression output."
            )
        if frozen:
            raise LegacyAPIError(
                "Frozen layers cannot be mapped: today's estimators train every layer. Keep the pretrained "
                "part as a fixed transformer in a Pipeline instead."
            )
        if normalize not in (None, "batch"):
            raise LegacyAPIError(f"normalize must be None or 'batch', got {normalize!r}.")
        self.type, self.name, self.units = type, name, units
        self.weight_decay, self.dropout, self.normalize, self.frozen = weight_decay, dropout, normalize, frozen

    def __repr__(self):
        shown = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if k != "type" and v not in (None, False))
        return f"<sknn.mlp.{type(self).__name__} `{self.type}`: {shown}>"


class Convolution(Layer):
    """A 2-D convolution layer of scikit-neuralnetwork, mapped onto :class:`sknn.nn.Conv2D`.

    Parameters
    ----------
    type : {'Rectifier', 'Sigmoid', 'Tanh', 'ExpLin', 'Linear'}
        Activation after the convolution.
    name : str, optional
    channels : int
        Number of filters.
    kernel_shape : tuple of int
        ``(height, width)`` of the kernel.
    kernel_stride : tuple of int, optional
        Strides, default ``(1, 1)``.
    border_mode : {'valid', 'same'}, default='valid'
        Padding; 'full' raises :class:`LegacyAPIError`.
    pool_shape : tuple of int, optional
        Pooling window (and stride) after the activation.
    pool_type : {'max', 'mean'}, optional
        Default 'max' when ``pool_shape`` is given.
    scale_factor : tuple of int, optional
        Upscaling is not supported: anything but ``(1, 1)`` raises.
    weight_decay, dropout, normalize, frozen
        As in :class:`Layer`.
    """

    def __init__(self, type, warning=None, name=None, channels=None, kernel_shape=None, kernel_stride=None,
                 border_mode="valid", pool_shape=None, pool_type=None, scale_factor=None, weight_decay=None,
                 dropout=None, normalize=None, frozen=False):
        if type in ("Softmax", "Gaussian"):
            raise LegacyAPIError(f"Convolution type {type!r} is not supported: use {tuple(ACTIVATIONS)}.")
        super().__init__(type, warning, name=name, weight_decay=weight_decay, dropout=dropout,
                         normalize=normalize, frozen=frozen)
        if border_mode == "full":
            raise LegacyAPIError(
                "border_mode='full' (an output larger than the input) has no counterpart: use 'same' "
                "(output as large as the input) or 'valid'."
            )
        if border_mode not in ("valid", "same"):
            raise LegacyAPIError(f"border_mode must be 'valid' or 'same', got {border_mode!r}.")
        if scale_factor not in (None, (1, 1)):
            raise LegacyAPIError("scale_factor (upscaling before the convolution) has no counterpart.")
        if pool_type not in (None, "max", "mean"):
            raise LegacyAPIError(f"pool_type must be 'max' or 'mean', got {pool_type!r}.")
        if channels is None or kernel_shape is None:
            raise LegacyAPIError("Convolution needs channels and kernel_shape.")
        self.channels, self.kernel_shape = channels, tuple(kernel_shape)
        self.kernel_stride = tuple(kernel_stride or (1, 1))
        self.border_mode = border_mode
        self.pool_shape = tuple(pool_shape or (1, 1))
        self.pool_type = pool_type or ("max" if pool_shape else None)
        self.scale_factor = (1, 1)


class Native:
    """Backend (Lasagne) layers cannot be carried over: constructing one raises :class:`LegacyAPIError`."""

    def __init__(self, constructor, *args, **keywords):
        _warn_once()
        raise LegacyAPIError(
            "Native (Lasagne) layers cannot be mapped. Build the network from sknn.nn layers and give it "
            "to NeuralNetClassifier(layers=[...]) or NeuralNetRegressor(layers=[...])."
        )


# -- the network parameters ----------------------------------------------------------
def _refuse(name, value, hint):
    raise LegacyAPIError(f"{name}={value!r} cannot be mapped: {hint}")


def _solver(rule, momentum):
    if rule not in RULES:
        raise LegacyAPIError(f"learning_rule must be one of {sorted(RULES)}, got {rule!r}.")
    if rule == "adadelta":
        _refuse("learning_rule", rule, "use 'adam', 'rmsprop', 'adagrad' or 'sgd' (with momentum).")
    if rule in ("sgd", "momentum", "nesterov"):
        return dict(solver="sgd", momentum=0.0 if rule == "sgd" else momentum,
                    nesterovs_momentum=rule == "nesterov")
    return dict(solver=rule)


def _penalty(layers, regularize, weight_decay):
    if regularize == "L1":
        _refuse("regularize", regularize, "today's estimators have an L2 penalty (alpha) only.")
    if regularize not in (None, "L2", "dropout"):
        raise LegacyAPIError(f"regularize must be None, 'L1', 'L2' or 'dropout', got {regularize!r}.")
    if regularize != "L2" and weight_decay is None and all(layer.weight_decay is None for layer in layers):
        return 0.0  # no penalty unless asked, as before
    default = 0.0001 if weight_decay is None else weight_decay
    decays = {default if layer.weight_decay is None else layer.weight_decay for layer in layers}
    if len(decays) > 1:
        _refuse("weight_decay", sorted(decays), "one L2 coefficient (alpha) holds for the whole network.")
    return decays.pop()


def _loss(kind, loss_type):
    allowed = {"classifier": (None, "mcc"), "regressor": (None, "mse", "mae")}[kind]
    if loss_type not in allowed:
        _refuse("loss_type", loss_type, f"a {kind} accepts {allowed[1:]} (classifiers train with the log-loss).")
    return {"mae": "absolute_error"}.get(loss_type)


def _check_unit_count(layer):
    if isinstance(layer.units, bool) or not isinstance(layer.units, numbers.Integral) or layer.units < 1:
        raise LegacyAPIError(f"Hidden layer {layer!r} needs units, a positive int.")


def _stack(hidden, output, dropout_rate, normalize):
    """Today's layer list for ``hidden`` (the output Dense is added by the estimator)."""
    layers = []
    for layer in list(hidden) + [output]:
        rate = layer.dropout if layer.dropout is not None else dropout_rate
        if rate:
            layers.append(Dropout(rate))
        if layer is output:
            break
        if isinstance(layer, Convolution):
            layers.append(Conv2D(layer.channels, layer.kernel_shape, strides=layer.kernel_stride,
                                 padding=layer.border_mode))
        else:
            layers.append(Dense(layer.units))
        if (layer.normalize or normalize) == "batch":
            layers.append(BatchNorm())
        layers.append(Activation(ACTIVATIONS[layer.type]))
        if isinstance(layer, Convolution) and layer.pool_shape != (1, 1):
            pool = MaxPool2D if layer.pool_type == "max" else AvgPool2D
            layers.append(pool(layer.pool_shape))
    return layers


def _mlp_form(hidden, output, dropout_rate, normalize):
    """MLP parameters when the stack is plain dense layers dropping no inputs, else None."""
    first = hidden[0] if hidden else output
    input_rate = first.dropout if first.dropout is not None else dropout_rate
    norms = {layer.normalize or normalize for layer in hidden}
    if any(isinstance(layer, Convolution) for layer in hidden) or input_rate or len(norms) > 1:
        return None
    acts = [ACTIVATIONS[layer.type] for layer in hidden] or ["relu"]
    rates = [nxt.dropout if nxt.dropout is not None else (dropout_rate or 0.0)
             for nxt in list(hidden[1:]) + [output]]
    return dict(
        hidden_layer_sizes=tuple(int(layer.units) for layer in hidden),
        activation=acts[0] if len(set(acts)) == 1 else acts,
        dropout=rates if any(rates) else 0.0,
        batch_norm=norms == {"batch"},
    )


def _build(kind, layers, parameters, random_state, learning_rule, learning_rate, learning_momentum, normalize,
           regularize, weight_decay, dropout_rate, batch_size, n_iter, n_stable, f_stable, valid_set, valid_size,
           loss_type, callback, debug, verbose):
    _warn_once()
    layers = list(layers)
    if not layers or not all(isinstance(layer, Layer) for layer in layers):
        raise LegacyAPIError("layers must be a non-empty list of sknn.mlp.Layer / Convolution objects.")
    *hidden, output = layers
    if output.type not in OUTPUTS[kind] or isinstance(output, Convolution):
        raise LegacyAPIError(
            f"The last layer is the output: a {kind} takes Layer({' or '.join(map(repr, OUTPUTS[kind]))}), "
            f"got {output!r}."
        )
    for layer in hidden:
        if layer.type == "Softmax":
            raise LegacyAPIError("Softmax is an output type; hidden layers take " f"{tuple(ACTIVATIONS)}.")
        if not isinstance(layer, Convolution):
            _check_unit_count(layer)
    for name, value, hint in (
        ("parameters", parameters, "train the estimator, or set its coefs_ after a first fit."),
        ("valid_set", valid_set, "use valid_size (early_stopping with validation_fraction)."),
        ("callback", callback, "today's callbacks=[fn] are called as fn(info) at each epoch's end."),
    ):
        if value is not None:
            _refuse(name, value, hint)
    if normalize not in (None, "batch"):
        raise LegacyAPIError(f"normalize must be None or 'batch', got {normalize!r}.")
    if n_iter is None and n_stable is None:
        raise LegacyAPIError("Neither n_iter nor n_stable was given: training would never stop.")
    training = dict(
        _solver(learning_rule, learning_momentum),
        alpha=_penalty(layers, regularize, weight_decay),
        learning_rate_init=learning_rate,
        batch_size=batch_size,
        max_iter=200 if n_iter is None else n_iter,
        n_iter_no_change=n_stable if n_stable is not None else (n_iter or 200) + 1,
        tol=f_stable,
        early_stopping=bool(valid_size),
        random_state=random_state,
        verbose=bool(verbose),
    )
    if valid_size:
        training["validation_fraction"] = valid_size
    loss = _loss(kind, loss_type)
    mlp = _mlp_form(hidden, output, dropout_rate, normalize)
    if mlp is not None:
        if loss is not None:
            training["loss"] = loss
        return (MLPClassifier if kind == "classifier" else MLPRegressor)(**mlp, **training)
    if loss is not None:
        _refuse("loss_type", loss_type, "only a stack of dense layers without input dropout maps onto "
                "MLPRegressor(loss='absolute_error').")
    stack = _stack(hidden, output, dropout_rate, normalize)
    return (NeuralNetClassifier if kind == "classifier" else NeuralNetRegressor)(stack, **training)


_NETWORK_DOC = """
    Parameters
    ----------
    layers : list of Layer or Convolution
        Hidden layers, then the output layer ({outputs}).
    learning_rule : {{'sgd', 'momentum', 'nesterov', 'adagrad', 'rmsprop', 'adam'}}, default='sgd'
        'sgd' is plain SGD (``momentum=0``), 'momentum' / 'nesterov' SGD with
        ``learning_momentum``; 'adadelta' raises.
    learning_rate : float, default=0.01
        Becomes ``learning_rate_init``.
    learning_momentum : float, default=0.9
        Becomes ``momentum``.
    batch_size : int, default=1
    n_iter : int, optional
        Becomes ``max_iter`` (200 when None).
    n_stable : int, default=10
        Becomes ``n_iter_no_change``.
    f_stable : float, default=0.001
        Becomes ``tol`` (an absolute improvement today, a relative one before).
    valid_size : float, default=0.0
        Above 0: ``early_stopping=True`` with ``validation_fraction=valid_size``.
    regularize : {{None, 'L2', 'dropout'}}, optional
        'L1' raises.
    weight_decay : float, optional
        Becomes ``alpha``; 0 when neither it nor ``regularize='L2'`` is given.
    dropout_rate : float, optional
        Dropout on the inputs of every layer that sets none itself.
    normalize : {{None, 'batch'}}, optional
        Batch normalisation in every layer.
    loss_type : {loss_types}, optional
    random_state, verbose
        As today.
    parameters, valid_set, callback
        Not supported: anything but None raises :class:`LegacyAPIError`.
    debug : bool
        Ignored.

    Returns
    -------
    estimator : {returns}
        Unfitted, with the translated parameters (see its ``get_params()``).
"""


# the old defaults, in the old order (after layers and the positional guard)
_DEFAULTS = dict(
    parameters=None, random_state=None, learning_rule="sgd", learning_rate=0.01, learning_momentum=0.9,
    normalize=None, regularize=None, weight_decay=None, dropout_rate=None, batch_size=1, n_iter=None,
    n_stable=10, f_stable=0.001, valid_set=None, valid_size=0.0, loss_type=None, callback=None, debug=False,
    verbose=None,
)


def _front(kind):
    """``Classifier`` or ``Regressor``: the old signature, returning today's estimator."""

    def front(layers, warning=None, **params):
        if warning is not None:
            raise LegacyAPIError("Give network parameters as keyword arguments after layers.")
        unknown = sorted(set(params) - set(_DEFAULTS))
        if unknown:
            raise LegacyAPIError(f"Unknown parameters {unknown}; scikit-neuralnetwork 0.7 had {list(_DEFAULTS)}.")
        return _build(kind, layers, **{**_DEFAULTS, **params})

    P = inspect.Parameter
    front.__signature__ = inspect.Signature(
        [P("layers", P.POSITIONAL_OR_KEYWORD), P("warning", P.POSITIONAL_OR_KEYWORD, default=None)]
        + [P(name, P.KEYWORD_ONLY, default=value) for name, value in _DEFAULTS.items()]
    )
    front.__name__ = front.__qualname__ = kind.capitalize()
    front.__module__ = __name__
    return front


Classifier = _front("classifier")
Regressor = _front("regressor")

Classifier.__doc__ = (
    """A scikit-neuralnetwork ``Classifier``, returned as today's estimator.
"""
    + _NETWORK_DOC.format(
        outputs="Layer('Softmax'), or Layer('Sigmoid') for multilabel targets",
        loss_types="{None, 'mcc'}",
        returns="MLPClassifier or NeuralNetClassifier",
    )
    + """
    Examples
    --------
    >>> import warnings
    >>> from sknn.mlp import Classifier, Layer
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     nn = Classifier([Layer("Rectifier", units=100), Layer("Softmax")], learning_rate=0.02, n_iter=10)
    >>> nn
    MLPClassifier(alpha=0.0, batch_size=1, learning_rate_init=0.02, max_iter=10,
                  momentum=0.0, nesterovs_momentum=False, solver='sgd', tol=0.001)
"""
)
Regressor.__doc__ = (
    """A scikit-neuralnetwork ``Regressor``, returned as today's estimator.
"""
    + _NETWORK_DOC.format(
        outputs="Layer('Linear')",
        loss_types="{None, 'mse', 'mae'}",
        returns="MLPRegressor or NeuralNetRegressor",
    )
)
