"""RNNClassifier and RNNRegressor: recurrent presets (simple RNN, LSTM, GRU).

``n_layers`` stacked recurrent layers (optionally bidirectional), then a dense
head. Sequence-to-one by default; :class:`RNNRegressor` also predicts one
output per time step (sequence-to-sequence) when ``y`` has a time axis.

The defaults were chosen on public time-series sets (``bench/defaults.py``):
long sequences are read through a strided convolution (``stem``), the states
are max-pooled over time, and the training defaults differ from the MLPs'
(``learning_rate_init=0.003``, ``batch_size='auto'`` of at most 32,
``clip_norm=1.0``, ``n_iter_no_change=30``, ``max_iter=500``). The regressor
also standardises its inputs and targets and stops early on held-out
sequences, with dropout (``n_iter_no_change=60``).
"""

import math

import numpy as np

from ..inference import as_network_dtype
from ..nn import GRU, LSTM, Activation, Bidirectional, Conv1D, Dense, Dropout, GlobalAvgPool, GlobalMaxPool, SimpleRNN
from ..utils.validation import StrOptions, positive_ints
from ._adapters import Shaped
from ._base import BaseNetwork, NetworkClassifierMixin, NetworkRegressorMixin, store_params
from ._heads import SequenceRegression, output_dense, standard_scale, weighted_sums
from ._params import (ACTIVATIONS, HIDDEN_SIZES, POSITIVE_INT, RATE, SHAPED_CONSTRAINTS, SMALL_AUTO_BATCH,
                      SMALL_AUTO_BATCH_SIZE, training_config)
from ._params_doc import doc_snippet

__all__ = ["RNNClassifier", "RNNRegressor"]

CELLS = {"rnn": SimpleRNN, "lstm": LSTM, "gru": GRU}
#: How a sequence-to-one network reads the last recurrent layer: a pooling layer over its steps, or its last state.
POOLINGS = {"max": GlobalMaxPool, "mean": GlobalAvgPool, "last": None}
#: The convolutional stem: kernel and stride over time, and the fewest steps with which stem='auto' uses it.
STEM_KERNEL, STEM_STRIDE, STEM_MIN_STEPS = 8, 4, 32
#: The fewest held-out sequences with which RNNRegressor's early stopping holds out a validation set.
MIN_VALIDATION_SAMPLES = 2


def _stem_for(stem, n_steps):
    """Whether ``stem`` ('auto', 'conv' or None) puts the convolution in front of sequences of ``n_steps``."""
    return stem == "conv" or (stem == "auto" and n_steps >= STEM_MIN_STEPS)


class _Sequences(Shaped):
    """The recurrent presets' input: any number of steps, but every sequence must fill the stem's window."""

    def __init__(self):
        super().__init__(free_steps=True)  # recurrent weights do not depend on the number of steps

    def input(self, est, X, reset=False):
        X, mask = super().input(est, X, reset)
        net = None if reset else getattr(est, "network_", None)  # (Dask's worker copies carry no network)
        if net is None:  # what _uses_stem will decide (before y is read: a sequence-to-sequence y has no stem)
            stem = _stem_for(est.stem, X.shape[1])
        else:
            stem = isinstance(net.layers[0], Conv1D)
        shortest = X.shape[1] if mask is None else int(mask.sum(axis=1).min())
        if stem and shortest < STEM_KERNEL:
            raise ValueError(
                f"{type(est).__name__}'s convolutional stem (stem={est.stem!r}) reads windows of "
                f"{STEM_KERNEL} steps: it needs sequences of at least {STEM_KERNEL} steps, and the shortest "
                f"here has {shortest}. Fit with stem=None to read shorter sequences."
            )
        return X, mask


class _BaseRNN(BaseNetwork):
    _adapter = _Sequences()
    _seq_outputs = None  # outputs per step of a sequence-to-sequence target, else None
    # batch_size='auto' is min(32, n_samples) here (SMALL_AUTO_BATCH)
    _declared_variants = (SMALL_AUTO_BATCH_SIZE,)
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
        "stem": [StrOptions({"auto", "conv"}), None],
        "pooling": [StrOptions(set(POOLINGS))],
    }

    def _training_config(self):
        return training_config(self, auto_batch_size=SMALL_AUTO_BATCH)

    def _uses_stem(self, input_shape):
        """Whether the network starts with the convolutional stem (decided when it is built)."""
        if self._seq_outputs is not None:
            if self.stem == "conv":
                raise ValueError("stem='conv' shortens the sequences, so it cannot predict one target per "
                                 "time step; use stem=None (or 'auto') for a sequence-to-sequence y.")
            return False
        return _stem_for(self.stem, input_shape[0])

    def _validate_params(self):
        super()._validate_params()
        self._adapter.check_params(self)
        positive_ints("hidden_layer_sizes", self.hidden_layer_sizes)
        shape = self._adapter.declared_shape(self)
        if shape is not None and len(shape) != 2:
            raise ValueError(f"input_shape must be (n_steps, n_features), got {self.input_shape!r}.")

    def _build_layers(self, input_shape, n_outputs, rng):
        if len(input_shape) != 2:
            raise ValueError(f"RNN samples must have shape (n_steps, n_features), got {tuple(input_shape)}.")
        seq = self._seq_outputs is not None
        # a sequence-to-sequence y is read at every step: there is nothing to pool
        pool = None if seq else POOLINGS[self.pooling]
        layers = []
        if self._uses_stem(input_shape):
            layers += [Conv1D(self.units, STEM_KERNEL, strides=STEM_STRIDE), Activation("relu")]
        for i in range(self.n_layers):
            last = i == self.n_layers - 1
            layer = CELLS[self.cell](self.units, return_sequences=seq or not last or pool is not None)
            layers.append(Bidirectional(layer) if self.bidirectional else layer)
        if pool is not None:
            layers.append(pool())  # over the real steps only, for padded variable-length input
        if self.dropout:  # on the recurrent features the head reads (as TextClassifier's document vector)
            layers.append(Dropout(self.dropout))
        for units in positive_ints("hidden_layer_sizes", self.hidden_layer_sizes):
            layers.append(Dense(units))
            layers.append(Activation(self.activation))
            if self.dropout:
                layers.append(Dropout(self.dropout))
        layers.append(Dense(self._seq_outputs) if seq else output_dense(n_outputs))
        return layers


doc_snippet("rnn_input_shape", """
    input_shape : tuple of int or None, default=None
        Shape of one sample, ``(n_steps, n_features)``. None takes it from a
        3-D X (or a list of sequences), and makes each row of a 2-D X a
        sequence of ``n_features`` steps with one feature. The number of
        steps may differ between fit and predict; the number of features may not.
""")

doc_snippet("rnn_parameters", """
    units : int, default=32
        Size of the hidden state of each recurrent layer.

    n_layers : int, default=1
        Number of stacked recurrent layers.

    bidirectional : bool, default=False
        Run each recurrent layer forwards and backwards over time and
        concatenate the two states.

    hidden_layer_sizes : tuple of int, default=()
        Dense layers between the pooled recurrent states and the output.

    activation : str, default='relu'
        Activation of the dense head.
""")

doc_snippet("rnn_dropout", """
        Dropout rate on the recurrent features the head reads (the pooled
        states, or each step's state for a sequence-to-sequence y) and after
        each dense layer of the head, so it applies with the default
        ``hidden_layer_sizes=()`` too.
""")

doc_snippet("rnn_stem_pooling", """
    stem : {'auto', 'conv'} or None, default='auto'
        'conv' reads the sequences through a convolution over time before the
        recurrent layers: ``units`` filters of 8 steps with a stride of 4, and
        a ReLU. The recurrent layers then see a quarter of the steps, each a
        summary of 8 neighbouring ones, which trains much better on long
        series with few examples. 'auto' uses it when the first fit's
        sequences have at least 32 steps (and y has no time axis); None
        never. Whether a fitted model has it shows in ``network_.layers``.
        A model with the stem needs at least 8 steps per sequence to predict.

    pooling : {'max', 'mean', 'last'}, default='max'
        How the head reads the last recurrent layer (sequence to one):
        'max' takes each unit's largest state over the steps, 'mean' its
        average, 'last' the state at the last step. Pooling lets an event
        anywhere in a long series reach the head directly, where the last
        state has to carry it to the end. Padded steps of variable-length
        input are left out. It does not apply to a sequence-to-sequence y.
""")


class RNNClassifier(NetworkClassifierMixin, _BaseRNN):
    """Recurrent neural network classifier of sequences (RNN, LSTM or GRU).

    The hidden states of ``n_layers`` stacked recurrent layers, pooled over
    the steps (their maximum by default, see ``pooling``; padded steps of
    variable-length input left out; long sequences first go through a
    convolutional ``stem``), go through the dense head to a softmax (or
    sigmoid) output trained with the log-loss, through the same training loop and parameters as
    :class:`sknn.MLPClassifier`.

    Parameters
    ----------
    {rnn_input_shape}

    cell : {'gru', 'lstm', 'rnn'}, default='gru'
        The recurrent cell: gated recurrent unit (PyTorch convention), long
        short-term memory or a simple tanh (Elman) cell. The GRU is the
        default here because it classified the benchmark's series better than
        the LSTM (``bench/defaults.py``); so does :class:`RNNRegressor`.

    {rnn_parameters}

    dropout : float, default=0.0
        {rnn_dropout}

    {rnn_stem_pooling}

    {shaped_classifier_sections}

    Examples
    --------
    >>> import numpy as np
    >>> from sknn import RNNClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = [rng.standard_normal((rng.integers(5, 15), 2)) for _ in range(100)]  # varying lengths
    >>> y = np.array([int(x[:, 0].sum() > 0) for x in X])
    >>> clf = RNNClassifier(units=16, learning_rate_init=0.01, max_iter=60,
    ...                     random_state=0).fit(X, y)
    >>> clf.score(X, y) > 0.9
    True
    """

    def __init__(self, input_shape=None, cell="gru", units=32, n_layers=1, bidirectional=False,
                 hidden_layer_sizes=(), activation="relu", *, dropout=0.0, stem="auto", pooling="max",
                 solver="adam", alpha=0.0001, batch_size="auto", learning_rate="constant",
                 learning_rate_init=0.003, power_t=0.5, max_iter=500, shuffle=True, random_state=None,
                 tol=1e-4, verbose=False, warm_start=False, momentum=0.9, nesterovs_momentum=True,
                 early_stopping=False, validation_fraction=0.1, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                 n_iter_no_change=30, max_fun=15000, class_weight=None, clip_norm=1.0, callbacks=None,
                 dtype="float32"):
        store_params(self, locals())


class RNNRegressor(NetworkRegressorMixin, _BaseRNN):
    """Recurrent neural network regressor (RNN, LSTM or GRU).

    Sequence to one: the hidden states, pooled over the steps (see
    ``pooling``), go through the dense head to a linear output (one or
    several targets, ``y`` of shape ``(n_samples,)`` or
    ``(n_samples, n_outputs)``).

    Sequence to sequence: one prediction per time step, when ``y`` has shape
    ``(n_samples, n_steps, n_outputs)``, or ``(n_samples, n_steps)`` with
    ``return_sequences=True``. The steps of ``y`` must be those of ``X``
    (fixed-length arrays only: padded variable-length lists are not supported
    as sequence-to-sequence targets); ``predict`` returns the same shape.

    Training goes through the same loop, with the same parameters, as
    :class:`sknn.MLPRegressor`. Unlike it, the targets are standardised: the
    network learns each output minus its mean over the training set, divided
    by its standard deviation (weighted by ``sample_weight``; for a
    sequence-to-sequence target, over all steps), taken at the first fit and
    kept by ``partial_fit`` and ``warm_start``; ``predict`` undoes it. So
    ``loss_`` and ``loss_curve_`` are in standardised units. Each input
    feature is standardised the same way (its mean and standard deviation over
    every real step of the first fit's sequences), so the units of X do not
    matter either.

    The defaults regularise more than the classifier's, for the few dozen
    noisy series a regression set often has (chosen on ``bench/defaults.py``):
    ``dropout=0.3`` on the pooled states, and ``early_stopping=True`` on
    ``validation_fraction`` of the sequences with ``n_iter_no_change=60``.
    A fit holds out nothing when that would be fewer than 2 sequences, and
    ``partial_fit`` ignores ``early_stopping`` (as scikit-learn's MLPs do).

    Parameters
    ----------
    {rnn_input_shape}

    cell : {'gru', 'lstm', 'rnn'}, default='gru'
        The recurrent cell: gated recurrent unit (PyTorch convention), long
        short-term memory or a simple tanh (Elman) cell.

    {rnn_parameters}

    return_sequences : bool, default=False
        Treat a 2-D ``y`` as one target per time step (sequence to sequence)
        instead of several targets per sequence. A 3-D ``y`` is always
        sequence to sequence.

    dropout : float, default=0.3
        {rnn_dropout}
        The regressor's default (the classifier's is 0) was chosen on the
        regression sets of ``bench/defaults.py``, with early stopping.

    {rnn_stem_pooling}

    {shaped_regressor_sections}

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

    _head = SequenceRegression()

    _parameter_constraints = {**_BaseRNN._parameter_constraints, "return_sequences": ["boolean"]}

    def __init__(self, input_shape=None, cell="gru", units=32, n_layers=1, bidirectional=False,
                 hidden_layer_sizes=(), activation="relu", *, return_sequences=False, dropout=0.3,
                 stem="auto", pooling="max", solver="adam", alpha=0.0001, batch_size="auto",
                 learning_rate="constant", learning_rate_init=0.003, power_t=0.5, max_iter=500, shuffle=True,
                 random_state=None, tol=1e-4, verbose=False, warm_start=False, momentum=0.9,
                 nesterovs_momentum=True, early_stopping=True, validation_fraction=0.1, beta_1=0.9,
                 beta_2=0.999, epsilon=1e-8, n_iter_no_change=60, max_fun=15000, clip_norm=1.0,
                 callbacks=None, dtype="float32"):
        store_params(self, locals())

    _standardises_inputs = True  # (read by DataParallel, which computes the scale over the partitions)

    def _stops_early(self, incremental):
        # early stopping is the default here: partial_fit (one pass, nothing to stop) ignores it, as
        # scikit-learn's MLPRegressor.partial_fit does
        return bool(self.early_stopping) and not incremental and self.solver != "lbfgs"

    def _early_stopping_on(self, y, y_enc):
        # a validation score needs at least 2 held-out sequences: fewer samples train on all of them
        return math.ceil(self.validation_fraction * y_enc.shape[0]) >= MIN_VALIDATION_SAMPLES

    def _scale_input(self, X, mask, sample_weight=None, first=False):
        """Standardise each input feature with its mean and standard deviation over the steps of the
        first fit's sequences (weighted by ``sample_weight``, padded steps left out)."""
        if first:
            weight, total = input_sums(X, mask, sample_weight)
            mean = total / weight
            set_input_scale(self, mean, input_sums(X, mask, sample_weight, mean) / weight)
        elif getattr(self, "_x_scale", None) is None:  # saved before sknn standardised the inputs
            return X
        else:
            X = as_network_dtype(X, self.network_.dtype)
        return standardise_inputs(X, self._x_mean, self._x_scale)


def input_sums(X, mask, sample_weight, mean=None):
    """Weighted sums over every real step of ``X`` (n, steps, features): ``(sum w, sum w x)`` per
    feature, or with ``mean`` given ``sum w (x - mean)^2``; a step weighs its sequence's weight.
    (``DataParallel`` adds them up over the partitions.)"""
    w = np.ones(X.shape[:2]) if sample_weight is None else np.repeat(
        np.asarray(sample_weight, dtype=np.float64)[:, None], X.shape[1], axis=1)
    if mask is not None:
        w = w * mask
    return weighted_sums(X.reshape(-1, X.shape[-1]).astype(np.float64), w.reshape(-1), mean)


def set_input_scale(est, mean, variance):
    """Store the input features' mean and scale (a constant feature gets scale 1)."""
    est._x_mean, est._x_scale = standard_scale(mean, variance)


def standardise_inputs(X, mean, scale):
    """``(X - mean) / scale`` in ``X``'s dtype (the same operations at fit, at predict and on Dask)."""
    out = X - mean.astype(X.dtype)
    out /= scale.astype(X.dtype)
    return out
