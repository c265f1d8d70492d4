"""RNNClassifier and RNNRegressor: recurrent presets (simple RNN, LSTM, GRU).

``n_layers`` stacked recurrent layers (optionally bidirectional), then a dense
head. Sequence-to-one by default; :class:`RNNRegressor` also predicts one
output per time step (sequence-to-sequence) when ``y`` has a time axis.
"""

import numpy as np

from ..nn import GRU, LSTM, Activation, Bidirectional, Dense, Dropout, SimpleRNN
from ..utils.validation import StrOptions, positive_ints
from ._base import BaseNetwork, NetworkClassifierMixin, NetworkRegressorMixin, output_dense
from ._params import ACTIVATIONS, HIDDEN_SIZES, POSITIVE_INT, RATE, SHAPED_CONSTRAINTS
from ._params import DECLARED_DOC
from ._shaped import (
    COMMON_ATTRS_DOC,
    INPUT_DOC,
    NOTES_DOC,
    ShapedInputMixin,
    store_params,
)

__all__ = ["RNNClassifier", "RNNRegressor"]

CELLS = {"rnn": SimpleRNN, "lstm": LSTM, "gru": GRU}


class _BaseRNN(ShapedInputMixin, BaseNetwork):
    _free_steps = True  # recurrent weights do not depend on the number of steps
    _seq_outputs = None  # outputs per step of a sequence-to-sequence target, else None
    _parameter_constraints = {
        **BaseNetwork._parameter_constraints,
        **SHAPED_CONSTRAINTS,
        "cell": [StrOptions(set(CELLS))],
        "units": POSITIVE_INT,
        "n_layers": POSITIVE_INT,
        "bidirectional": ["boolean"],
        "hidden_layer_sizes": HIDDEN_SIZES,
        "activation": [StrOptions(set(ACTIVATIONS))],
        "dropout": RATE,
    }

    def _validate_params(self):
        super()._validate_params()
        self._check_shape_params()
        positive_ints("hidden_layer_sizes", self.hidden_layer_sizes)
        shape = self._declared_shape()
        if shape is not None and len(shape) != 2:
            raise ValueError(f"input_shape must be (n_steps, n_features), got {self.input_shape!r}.")

    def _build_layers(self, input_shape, n_outputs, rng):
        if len(input_shape) != 2:
            raise ValueError(f"RNN samples must have shape (n_steps, n_features), got {tuple(input_shape)}.")
        seq = self._seq_outputs is not None
        layers = []
        for i in range(self.n_layers):
            last = i == self.n_layers - 1
            layer = CELLS[self.cell](self.units, return_sequences=seq or not last)
            layers.append(Bidirectional(layer) if self.bidirectional else layer)
        for units in positive_ints("hidden_layer_sizes", self.hidden_layer_sizes):
            layers.append(Dense(units))
            layers.append(Activation(self.activation))
            if self.dropout:
                layers.append(Dropout(self.dropout))
        layers.append(Dense(self._seq_outputs) if seq else output_dense(n_outputs))
        return layers


_RNN_PARAMS_DOC = """
    input_shape : tuple of int or None, default=None
        Shape of one sample, ``(n_steps, n_features)``. None takes it from a
        3-D X (or a list of sequences), and makes each row of a 2-D X a
        sequence of ``n_features`` steps with one feature. The number of
        steps may differ between fit and predict; the number of features may not.

    cell : {'lstm', 'gru', 'rnn'}, default='lstm'
        The recurrent cell: long short-term memory, gated recurrent unit
        (PyTorch convention) or a simple tanh (Elman) cell.

    units : int, default=32
        Size of the hidden state of each recurrent layer.

    n_layers : int, default=1
        Number of stacked recurrent layers.

    bidirectional : bool, default=False
        Run each recurrent layer forwards and backwards over time and
        concatenate the two states.

    hidden_layer_sizes : tuple of int, default=()
        Dense layers between the last recurrent state and the output.

    activation : str, default='relu'
        Activation of the dense head.

    dropout : float, default=0.0
        Dropout rate after each dense layer of the head.
"""


class RNNClassifier(NetworkClassifierMixin, _BaseRNN):
    __doc__ = (
        """Recurrent neural network classifier of sequences (RNN, LSTM or GRU).

    The last hidden state of ``n_layers`` stacked recurrent layers (the state
    at each sequence's last real step, for padded variable-length input) goes
    through the dense head to a softmax (or sigmoid) output trained with the
    log-loss, through the same training loop and parameters as
    :class:`sknn.MLPClassifier`.

    Parameters
    ----------"""
        + _RNN_PARAMS_DOC
        + DECLARED_DOC
        + INPUT_DOC
        + """
    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
"""
        + COMMON_ATTRS_DOC
        + NOTES_DOC
        + """
    Examples
    --------
    >>> import numpy as np
    >>> from sknn import RNNClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = [rng.standard_normal((rng.integers(5, 15), 2)) for _ in range(100)]  # varying lengths
    >>> y = np.array([int(x[:, 0].sum() > 0) for x in X])
    >>> clf = RNNClassifier(cell="gru", units=16, learning_rate_init=0.01, max_iter=60,
    ...                     random_state=0).fit(X, y)
    >>> clf.score(X, y) > 0.9
    True
    """
    )

    def __init__(
        self,
        input_shape=None,
        cell="lstm",
        units=32,
        n_layers=1,
        bidirectional=False,
        hidden_layer_sizes=(),
        activation="relu",
        *,
        dropout=0.0,
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
        class_weight=None,
        clip_norm=None,
        callbacks=None,
        dtype="float32",
    ):
        store_params(self, locals())


class RNNRegressor(NetworkRegressorMixin, _BaseRNN):
    __doc__ = (
        """Recurrent neural network regressor (RNN, LSTM or GRU).

    Sequence to one: the last hidden state goes through the dense head to a
    linear output (one or several targets, ``y`` of shape ``(n_samples,)`` or
    ``(n_samples, n_outputs)``).

    Sequence to sequence: one prediction per time step, when ``y`` has shape
    ``(n_samples, n_steps, n_outputs)``, or ``(n_samples, n_steps)`` with
    ``return_sequences=True``. The steps of ``y`` must be those of ``X``
    (fixed-length arrays only: padded variable-length lists are not supported
    as sequence-to-sequence targets); ``predict`` returns the same shape.

    Training goes through the same loop, with the same parameters, as
    :class:`sknn.MLPRegressor`.

    Parameters
    ----------"""
        + _RNN_PARAMS_DOC
        + """
    return_sequences : bool, default=False
        Treat a 2-D ``y`` as one target per time step (sequence to sequence)
        instead of several targets per sequence. A 3-D ``y`` is always
        sequence to sequence.
"""
        + DECLARED_DOC
        + INPUT_DOC
        + """
    Attributes
    ----------"""
        + COMMON_ATTRS_DOC
        + NOTES_DOC
        + """
    Examples
    --------
    Forecast the next value of a sine wave from the previous 20:

    >>> import numpy as np
    >>> from sknn import RNNRegressor
    >>> t = np.arange(320) * 0.1
    >>> windows = np.lib.stride_tricks.sliding_window_view(np.sin(t), 21)
    >>> X, y = windows[:, :20], windows[:, 20]
    >>> reg = RNNRegressor(cell="gru", units=16, learning_rate_init=0.01, max_iter=40,
    ...                    random_state=0).fit(X, y)
    >>> reg.score(X, y) > 0.95
    True

    Denoise a sequence step by step (sequence to sequence):

    >>> noisy = X + 0.1 * np.random.default_rng(0).standard_normal(X.shape)
    >>> reg = RNNRegressor(units=16, return_sequences=True, learning_rate_init=0.01,
    ...                    max_iter=10, random_state=0).fit(noisy, X)
    >>> reg.predict(noisy).shape
    (300, 20)
    """
    )

    _allow_nd_target = True

    _parameter_constraints = {**_BaseRNN._parameter_constraints, "return_sequences": ["boolean"]}

    def __init__(
        self,
        input_shape=None,
        cell="lstm",
        units=32,
        n_layers=1,
        bidirectional=False,
        hidden_layer_sizes=(),
        activation="relu",
        *,
        return_sequences=False,
        dropout=0.0,
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
        clip_norm=None,
        callbacks=None,
        dtype="float32",
    ):
        store_params(self, locals())

    def _validate_X_y(self, X, y, reset):
        shaped, y = super()._validate_X_y(X, y, reset)
        seq = y.ndim == 3 or (self.return_sequences and y.ndim == 2)
        if self.return_sequences and y.ndim == 1:
            raise ValueError(
                "return_sequences=True needs one target per time step: y of shape "
                f"(n_samples, n_steps) or (n_samples, n_steps, n_outputs), got {y.shape}."
            )
        if seq:
            n_steps = shaped.X.shape[1]
            if y.shape[1] != n_steps:
                raise ValueError(
                    f"A sequence-to-sequence y needs one target per time step of X: X has "
                    f"{n_steps} steps per sample, y has shape {y.shape}."
                )
            if shaped.mask is not None:
                raise ValueError(
                    "Sequence-to-sequence targets need fixed-length sequences (a 3-D array), "
                    "not a list of sequences of varying lengths."
                )
        outputs = (y.shape[2] if y.ndim == 3 else 1) if seq else None
        if reset:
            self._seq_outputs = outputs
            self._seq_y_ndim = y.ndim if seq else None
        elif outputs != self._seq_outputs:
            raise ValueError("y does not have the same time structure as in the first fit.")
        return shaped, y

    def _predict_from_raw(self, raw):
        pred = self._loss_fn.link(raw)
        if self._seq_outputs is None:
            return pred.ravel() if pred.ndim == 2 and pred.shape[1] == 1 else pred
        return pred[..., 0] if self._seq_y_ndim == 2 else pred

    def score(self, X, y, sample_weight=None):
        """R² of the predictions, over all outputs (and steps) of each sample.

        Parameters
        ----------
        X : array-like or list of sequences
        y : array-like of shape (n_samples,), (n_samples, n_outputs) or (n_samples, n_steps, n_outputs)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        score : float
        """
        from sklearn.metrics import r2_score

        y = np.asarray(y)
        pred = self.predict(X)
        if y.ndim > 2:
            y, pred = y.reshape(y.shape[0], -1), pred.reshape(pred.shape[0], -1)
        return r2_score(y, pred, sample_weight=sample_weight)
