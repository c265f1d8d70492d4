"""ConvNetClassifier and ConvNetRegressor: convolutional presets.

Blocks of convolution -> (batch norm) -> activation -> max pooling, one per
entry of ``filters``, then a flattened dense head (with ReLU, the network
applies the pooling first: the same function and gradients, less work). 2-D samples
``(steps, channels)`` get 1-D convolutions, 3-D samples
``(height, width, channels)`` get 2-D convolutions.
"""

import warnings

from ..nn import Activation, BatchNorm, Conv1D, Conv2D, Dense, Dropout, Flatten, MaxPool1D, MaxPool2D
from ..utils.validation import StrOptions, positive_ints
from ._adapters import Shaped
from ._base import BaseNetwork, NetworkClassifierMixin, NetworkRegressorMixin, store_params
from ._heads import output_dense
from ._params import ACTIVATIONS, HIDDEN_SIZES, RATE, SHAPED_CONSTRAINTS
from ._params_doc import doc_snippet

__all__ = ["ConvNetClassifier", "ConvNetRegressor", "ImageShapeWarning"]

class ImageShapeWarning(UserWarning):
    """A ConvNet is about to read what may be single-channel images as 1-D signals.

    Silence it with ``warnings.filterwarnings("ignore", category=ImageShapeWarning)``
    when 1-D convolutions over ``(steps, channels)`` are what you want.
    """


def _may_be_images(sample_shape):
    """Whether a ``(steps, channels)`` sample looks like a single-channel image.

    Images have two comparable axes; 1-D signals have many more steps than
    channels. Two axes of at least 4 values within a factor 2 of each other
    (8x8 digits, 28x28 MNIST, 32x64) are taken for an image.
    """
    a, b = sample_shape
    return min(a, b) >= 4 and max(a, b) <= 2 * min(a, b)


def _warn_if_images(sample_shape, declared):
    if len(sample_shape) != 2 or not _may_be_images(sample_shape):
        return
    h, w = sample_shape
    source = f"input_shape={declared}" if declared is not None else f"3-D X with samples of shape {sample_shape}"
    warnings.warn(
        f"ConvNet: {source} is read as 1-D signals of {h} steps with {w} channels (Conv1D). "
        f"If these are {h}x{w} single-channel images, give the channel axis for 2-D convolutions: "
        f"input_shape=({h}, {w}, 1), or X[..., None].",
        ImageShapeWarning,
        stacklevel=5,  # the caller of fit
    )


class _BaseConvNet(BaseNetwork):
    _adapter = Shaped()
    _parameter_constraints = {
        **BaseNetwork._parameter_constraints,
        **SHAPED_CONSTRAINTS,
        "filters": HIDDEN_SIZES,
        "kernel_size": HIDDEN_SIZES,
        "pool_size": HIDDEN_SIZES + [None],
        "hidden_layer_sizes": HIDDEN_SIZES,
        "activation": [StrOptions(set(ACTIVATIONS))],
        "dropout": RATE,
        "batch_norm": ["boolean"],
        "padding": [StrOptions({"valid", "same"})],
    }

    def _validate_params(self):
        super()._validate_params()
        self._adapter.check_params(self)
        positive_ints("filters", self.filters)
        positive_ints("kernel_size", self.kernel_size, allow_empty=False)
        if self.pool_size is not None:
            positive_ints("pool_size", self.pool_size, allow_empty=False)
        positive_ints("hidden_layer_sizes", self.hidden_layer_sizes)
        shape = self._adapter.declared_shape(self)
        if shape is not None and len(shape) not in (2, 3):
            raise ValueError(
                "input_shape must be (steps, channels) or (height, width, channels), "
                f"got {self.input_shape!r}."
            )

    def _build_layers(self, input_shape, n_outputs, rng):
        rank = len(input_shape) - 1
        if rank not in (1, 2):
            raise ValueError(
                "ConvNet samples must have shape (steps, channels) or (height, width, channels), "
                f"got {tuple(input_shape)}."
            )
        if rank == 1:
            _warn_if_images(tuple(input_shape), self._adapter.declared_shape(self))
        conv, pool = (Conv1D, MaxPool1D) if rank == 1 else (Conv2D, MaxPool2D)
        init = "he_uniform" if self.activation in ("relu", "leaky_relu", "elu", "gelu") else "glorot_uniform"
        layers = []
        for f in positive_ints("filters", self.filters):
            layers.append(conv(f, self.kernel_size, padding=self.padding, kernel_initializer=init))
            if self.batch_norm:
                layers.append(BatchNorm())
            block = [Activation(self.activation)]
            if self.pool_size is not None and self.pool_size != 1:
                # "same" pooling keeps a partial window at an odd edge, so
                # small inputs never shrink to nothing.
                block.append(pool(self.pool_size, padding="same"))
                if self.activation == "relu":
                    # max pooling, then ReLU: the same values and gradients (ReLU is
                    # the identity above 0 and makes no new ties there), and the
                    # activation runs on the pooled, 4x smaller, output
                    block.reverse()
            layers.extend(block)
        layers.append(Flatten())
        for units in positive_ints("hidden_layer_sizes", self.hidden_layer_sizes):
            layers.append(Dense(units, kernel_initializer=init))
            if self.batch_norm:
                layers.append(BatchNorm())
            layers.append(Activation(self.activation))
            if self.dropout:
                layers.append(Dropout(self.dropout))
        layers.append(output_dense(n_outputs))
        return layers


doc_snippet("conv_parameters", """
    input_shape : tuple of int or None, default=None
        Shape of one sample: ``(steps, channels)`` for 1-D convolutions,
        ``(height, width, channels)`` for 2-D ones (e.g. ``(8, 8, 1)`` for the
        digits). None takes the sample shape of a 3-D / 4-D X, and makes each
        row of a 2-D X a 1-D signal of ``n_features`` steps with one channel.
        Samples of two comparable axes, e.g. digit images of shape (8, 8),
        would get 1-D convolutions over 8 steps of 8 channels: fit warns
        (:class:`~sknn.estimators.conv.ImageShapeWarning`) and names the fix,
        ``input_shape=(8, 8, 1)`` or ``X[..., None]``.

    filters : tuple of int, default=(32, 64)
        Number of filters of each convolution block (one block per entry).

    kernel_size : int or tuple of int, default=3
        Size of the convolution windows.

    pool_size : int, tuple of int or None, default=2
        Max-pooling window after each block (None or 1: no pooling). Pooling
        uses "same" padding, so an odd edge keeps a partial window.

    hidden_layer_sizes : tuple of int, default=(128,)
        Sizes of the dense layers between the flattened features and the output.

    activation : str, default='relu'
        Activation of the convolution and hidden dense layers: 'identity',
        'logistic', 'tanh', 'relu', 'leaky_relu', 'elu' or 'gelu'.

    dropout : float, default=0.0
        Dropout rate after each hidden dense layer.

    batch_norm : bool, default=False
        Batch normalisation before each activation.

    padding : {'same', 'valid'}, default='same'
        Padding of the convolutions.
""")


class ConvNetClassifier(NetworkClassifierMixin, _BaseConvNet):
    """Convolutional neural network classifier (1-D signals or 2-D images).

    ``len(filters)`` blocks of convolution, activation and max pooling, then
    dense layers and a softmax (or sigmoid) output trained with the log-loss,
    through the same training loop and parameters as
    :class:`sknn.MLPClassifier`.

    Parameters
    ----------
    {conv_parameters}

    {shaped_classifier_sections}

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sknn import ConvNetClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = ConvNetClassifier(input_shape=(8, 8, 1), filters=(8,), hidden_layer_sizes=(32,),
    ...                         learning_rate_init=0.01, max_iter=15, random_state=0)
    >>> clf.fit(X[:500] / 16, y[:500]).score(X[500:1000] / 16, y[500:1000]) > 0.8
    True
    >>> clf.network_.layers[0]
    Conv2D(filters=8, kernel_size=3, padding='same', kernel_initializer='he_uniform')
    """

    def __init__(self, input_shape=None, filters=(32, 64), kernel_size=3, pool_size=2,
                 hidden_layer_sizes=(128,), activation="relu", *, dropout=0.0, batch_norm=False,
                 padding="same", solver="adam", alpha=0.0001, batch_size="auto", learning_rate="constant",
                 learning_rate_init=0.001, power_t=0.5, max_iter=200, shuffle=True, random_state=None,
                 tol=1e-4, verbose=False, warm_start=False, momentum=0.9, nesterovs_momentum=True,
                 early_stopping=False, validation_fraction=0.1, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                 n_iter_no_change=10, max_fun=15000, class_weight=None, clip_norm=None, callbacks=None,
                 dtype="float32"):
        store_params(self, locals())


class ConvNetRegressor(NetworkRegressorMixin, _BaseConvNet):
    """Convolutional neural network regressor (1-D signals or 2-D images).

    ``len(filters)`` blocks of convolution, activation and max pooling, then
    dense layers and a linear output trained with the half squared error,
    through the same training loop and parameters as
    :class:`sknn.MLPRegressor`. Multi-output targets are supported.

    Parameters
    ----------
    {conv_parameters}

    {shaped_regressor_sections}

    Examples
    --------
    >>> import numpy as np
    >>> from sknn import ConvNetRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((300, 16))          # 300 signals of 16 steps
    >>> y = X[:, 4:8].sum(axis=1)                    # a local pattern
    >>> reg = ConvNetRegressor(filters=(8,), hidden_layer_sizes=(16,), learning_rate_init=0.01,
    ...                        max_iter=100, random_state=0).fit(X, y)
    >>> reg.score(X, y) > 0.9
    True
    """

    def __init__(self, input_shape=None, filters=(32, 64), kernel_size=3, pool_size=2,
                 hidden_layer_sizes=(128,), activation="relu", *, dropout=0.0, batch_norm=False,
                 padding="same", solver="adam", alpha=0.0001, batch_size="auto", learning_rate="constant",
                 learning_rate_init=0.001, power_t=0.5, max_iter=200, shuffle=True, random_state=None,
                 tol=1e-4, verbose=False, warm_start=False, momentum=0.9, nesterovs_momentum=True,
                 early_stopping=False, validation_fraction=0.1, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                 n_iter_no_change=10, max_fun=15000, clip_norm=None, callbacks=None, dtype="float32"):
        store_params(self, locals())
