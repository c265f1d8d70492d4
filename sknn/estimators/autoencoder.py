"""AutoencoderTransformer: representation learning as a scikit-learn transformer."""

import copy
from numbers import Integral, Real

import numpy as np
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils import check_array
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from ..nn import (
    Activation,
    ActivityL1,
    BatchNorm,
    Dense,
    Dropout,
    Flatten,
    GaussianNoise,
    Layer,
    MaskingNoise,
    Reshape,
    TiedDense,
)
from ..inference import as_network_dtype, predict_raw
from ..utils.validation import StrOptions, finite_interval, per_layer, positive_ints
from ._adapters import Tabular, sub_network
from ._base import BaseNetwork, store_params
from ._heads import Reconstruction
from ._params import ACTIVATIONS, HIDDEN_SIZES, RATE

__all__ = ["AutoencoderTransformer"]

_ACTIVATION = [StrOptions(set(ACTIVATIONS))]
OUT_ACTIVATIONS = ("identity", "logistic")
NOISES = (None, "gaussian", "masking")


def _layer_list(name, value):
    if value is None:
        return None
    value = list(value) if isinstance(value, (list, tuple)) else None
    if not value or not all(isinstance(layer, Layer) for layer in value):
        raise ValueError(f"{name} must be None or a non-empty list of sknn.nn layers.")
    return value


class AutoencoderTransformer(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseNetwork):
    """Autoencoder as a transformer: ``transform`` gives the code.

    The network is an encoder (``hidden_layer_sizes``, the last size is the
    code) and a mirrored decoder, trained to reconstruct its input through the
    same training loop and with the same training parameters as
    :class:`~sknn.MLPRegressor`. ``transform`` returns the code,
    ``inverse_transform`` decodes a code back to the input space and
    ``score_samples`` is the negative reconstruction error (anomaly detection:
    low scores are unusual samples).

    Variants: tied weights (each decoder kernel is the transposed encoder
    kernel), denoising (inputs corrupted during training only), dropout, batch
    normalisation, an L1 sparsity penalty on the code, and any encoder /
    decoder built from :mod:`sknn.nn` layers (``layers=``, ``decoder_layers=``),
    e.g. convolutional.

    Input must be dense: sparse matrices are rejected with a TypeError (the
    reconstruction target would be dense anyway); call ``.toarray()`` first.

    Parameters
    ----------
    hidden_layer_sizes : array-like of int, default=(64, 16)
        Sizes of the encoder's Dense layers; the last is the code size (which
        ``n_components`` can set). The
        decoder mirrors them (``(64, 16)`` gives ``n_features -> 64 -> 16 ->
        64 -> n_features``). Ignored when ``layers`` is given.

    n_components : int or None, default=None
        Size of the code (the number of features ``transform`` returns), as in
        :class:`~sklearn.decomposition.PCA`. None: the last entry of
        ``hidden_layer_sizes``. An int is the code size, whatever
        ``hidden_layer_sizes`` ends with: it replaces that last entry
        (``n_components=8`` with the default ``(64, 16)`` encodes 64 -> 8), so
        one value decides the code and the two cannot disagree. Not with
        ``layers=``, whose output is the code.

    activation : str or list of str, default='relu'
        Activation of the encoder layers ('identity', 'logistic', 'tanh',
        'relu', 'leaky_relu', 'elu', 'gelu'), one or one per encoder layer; the
        last one is the code's activation (use e.g. ``['relu', 'identity']`` for
        a linear code). The decoder mirrors them.

    out_activation : {'identity', 'logistic'}, default='identity'
        Output activation of the decoder. 'identity' trains with the squared
        error; 'logistic' with the binary cross-entropy and needs X in [0, 1]
        (e.g. after :class:`~sklearn.preprocessing.MinMaxScaler`).

    tied_weights : bool, default=False
        Decoder Dense kernels are the transposed encoder kernels (one array,
        shared; see :class:`sknn.nn.TiedDense`). Only with ``hidden_layer_sizes``.

    noise : {None, 'gaussian', 'masking'}, default=None
        Denoising autoencoder: corrupt the inputs during training only (the
        target stays the clean input). 'gaussian' adds noise of standard
        deviation ``noise_level``; 'masking' zeroes a fraction ``noise_level``.

    noise_level : float, default=0.1
        Standard deviation ('gaussian') or fraction in [0, 1) ('masking').

    dropout : float, default=0.0
        Dropout rate after each hidden encoder and decoder layer (not the code).

    batch_norm : bool, default=False
        Batch normalisation between each hidden Dense layer and its activation.

    sparsity : float, default=0.0
        Strength of an L1 penalty on the code, ``sparsity * mean_i |code_i|_1``
        added to the loss (see :class:`sknn.nn.ActivityL1`; not sample-weighted).
        The penalty sums over code units while the reconstruction loss averages
        over features, so useful values are small (about 1e-4 to 1e-3).

    layers : list of sknn.nn layers or None, default=None
        Custom encoder (e.g. ``Reshape``, ``Conv2D``, pooling, ``Dense``); its
        output, flattened, is the code. Deep-copied before use, never mutated.
        Replaces ``hidden_layer_sizes``, ``activation``, ``dropout`` and
        ``batch_norm``.

    decoder_layers : list of sknn.nn layers or None, default=None
        Custom decoder, from the code to raw outputs with ``n_features`` values
        per sample (reshaped to ``(n_features,)``; ``out_activation`` is applied
        by the loss). Deep-copied. Default: mirrored Dense layers, or a single
        ``Dense(n_features)`` when ``layers`` is given.

    {declared_parameters}

    Attributes
    ----------
    n_components_ : int
        Size of the code (number of output features of ``transform``).

    encoder_ : sknn.nn.Sequential
        The layers of ``network_`` up to the code (the same objects).

    decoder_ : sknn.nn.Sequential
        The layers after the code (raw outputs, before ``out_activation``).

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of str
        Names of features seen during fit, when X has string column names.

    {training_attributes}

    See Also
    --------
    sklearn.decomposition.PCA : The linear counterpart.

    Notes
    -----
    The network computes in the dtype of ``X``. Inference is re-entrant and,
    in float32, a sample's code, reconstruction and score do not depend, bit
    for bit, on the samples transformed with it (:mod:`sknn.nn.linalg`).

    Fitting with integer ``sample_weight`` equals fitting on repeated rows (to
    scikit-learn's tolerance in float64), except by design with ``noise``,
    which corrupts each row with its own draw (a repeated row gets two), or
    ``sparsity``, whose code penalty is an unweighted mean over the rows of a
    batch.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sknn import AutoencoderTransformer
    >>> X = load_digits().data / 16
    >>> ae = AutoencoderTransformer((32, 8), max_iter=50, random_state=0)
    >>> Z = ae.fit_transform(X)
    >>> Z.shape
    (1797, 8)
    >>> ae.inverse_transform(Z).shape
    (1797, 64)
    >>> ae.get_feature_names_out()[:2]
    array(['autoencodertransformer0', 'autoencodertransformer1'], dtype=object)
    """

    _adapter = Tabular(sparse=False)
    _head = Reconstruction()

    def __init__(self, hidden_layer_sizes=(64, 16), activation="relu", *, n_components=None,
                 out_activation="identity", tied_weights=False, noise=None, noise_level=0.1, dropout=0.0,
                 batch_norm=False, sparsity=0.0, layers=None, decoder_layers=None, solver="adam",
                 alpha=0.0001, batch_size="auto", learning_rate="constant", learning_rate_init=0.001,
                 power_t=0.5, max_iter=200, shuffle=True, random_state=None, tol=1e-4, verbose=False,
                 warm_start=False, momentum=0.9, nesterovs_momentum=True, early_stopping=False,
                 validation_fraction=0.1, beta_1=0.9, beta_2=0.999, epsilon=1e-8, n_iter_no_change=10,
                 max_fun=15000, clip_norm=None, callbacks=None):
        store_params(self, locals())

    _parameter_constraints = {
        **BaseNetwork._parameter_constraints,
        "hidden_layer_sizes": HIDDEN_SIZES,
        "activation": _ACTIVATION + [list, tuple],
        "out_activation": [StrOptions(set(OUT_ACTIVATIONS))],
        "tied_weights": ["boolean"],
        "noise_level": [finite_interval(Real, 0, None, closed="left")],
        "dropout": RATE,
        "batch_norm": ["boolean"],
        "sparsity": [finite_interval(Real, 0, None, closed="left")],
        "layers": [list, tuple, None],
        "decoder_layers": [list, tuple, None],
    }

    # -- parameters ------------------------------------------------------------
    def _hidden_sizes(self):
        sizes = list(positive_ints("hidden_layer_sizes", self.hidden_layer_sizes, allow_empty=False))
        k = self.n_components
        return sizes if k is None else sizes[:-1] + [int(k)]

    def _validate_params(self):
        if self.noise not in NOISES:  # before the table: its message names the choices
            raise ValueError(f"noise must be one of {NOISES}, got {self.noise!r}.")
        super()._validate_params()
        k = self.n_components
        if k is not None and (isinstance(k, bool) or not isinstance(k, Integral) or k < 1):
            raise ValueError(f"n_components must be None or a positive int, got {k!r}.")
        if self.noise == "masking" and self.noise_level >= 1:
            raise ValueError(f"noise_level must be in [0, 1) for masking noise, got {self.noise_level!r}.")
        self._encoder_layers = _layer_list("layers", self.layers)
        self._decoder_layers = _layer_list("decoder_layers", self.decoder_layers)
        if self._encoder_layers is not None and self.n_components is not None:
            raise ValueError(
                "n_components sets the code size of the hidden_layer_sizes form; with layers= the code "
                "is the output of your encoder: leave n_components=None."
            )
        if self._encoder_layers is not None:
            if self.tied_weights:
                raise ValueError("tied_weights=True needs the hidden_layer_sizes form, not layers=.")
            return
        sizes = self._hidden_sizes()
        self._activations = per_layer("activation", self.activation, len(sizes), _ACTIVATION, type(self).__name__)
        if self.tied_weights and self._decoder_layers is not None:
            raise ValueError("tied_weights=True builds the decoder itself: leave decoder_layers=None.")

    # -- network -----------------------------------------------------------------
    def _hidden_block(self, dense, act, last):
        block = [dense]
        if self.batch_norm:
            block.append(BatchNorm())
        block.append(Activation(act))
        if self.dropout and not last:
            block.append(Dropout(self.dropout))
        return block

    def _build_layers(self, input_shape, n_outputs, rng):
        n_features = int(np.prod(n_outputs))
        layers = []
        if self.noise == "gaussian":
            layers.append(GaussianNoise(self.noise_level))
        elif self.noise == "masking":
            layers.append(MaskingNoise(self.noise_level))
        if self._encoder_layers is not None:
            layers += copy.deepcopy(self._encoder_layers)
            layers.append(Flatten())
        else:
            sizes, acts = self._hidden_sizes(), self._activations
            encoder_dense = []
            for i, (units, act) in enumerate(zip(sizes, acts)):
                encoder_dense.append(Dense(units))
                layers += self._hidden_block(encoder_dense[-1], act, last=i == len(sizes) - 1)
        if self.sparsity:
            layers.append(ActivityL1(self.sparsity))
        self._code_index = len(layers)
        if self._decoder_layers is not None:
            layers += copy.deepcopy(self._decoder_layers)
            layers.append(Reshape((n_features,)))
        elif self._encoder_layers is not None:
            layers.append(Dense(n_features))
        else:
            for j in reversed(range(len(sizes) - 1)):
                dense = TiedDense(encoder_dense[j + 1]) if self.tied_weights else Dense(sizes[j])
                layers += self._hidden_block(dense, acts[j], last=False)
            layers.append(TiedDense(encoder_dense[0]) if self.tied_weights else Dense(n_features))
        if layers and self.noise is not None and len(layers) > 1:
            # the noise layer is first and needs no input gradient: neither does the next
            layers[1].input_grad = False
        return layers

    def _publish_state(self):
        super()._publish_state()
        net, k = self.network_, self._code_index
        code_shape = net.layers[k - 1].output_shape
        self.n_components_ = int(np.prod(code_shape))
        self.encoder_ = sub_network(net, 0, k)
        self.decoder_ = sub_network(net, k)

    @property
    def _n_features_out(self):
        return self.n_components_

    # -- public API ----------------------------------------------------------------
    def fit(self, X, y=None, sample_weight=None):
        """Train the autoencoder to reconstruct X.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data (dense).
        y : None
            Ignored.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples in the reconstruction loss.

        Returns
        -------
        self : object
        """
        return self._fit(X, None, sample_weight=sample_weight, incremental=False)

    @available_if(lambda est: est._check_solver())
    def partial_fit(self, X, y=None, sample_weight=None):
        """One epoch over X (creating the network on the first call).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : None
            Ignored.
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : object
        """
        return self._fit(X, None, sample_weight=sample_weight, incremental=True)

    def _input(self, X):
        check_is_fitted(self, "network_")
        return self._adapter.input(self, X)[0]

    def _reconstruction(self, X):
        """Raw outputs for X, and X in the network's dtype (the error is measured there, as in training)."""
        X = as_network_dtype(self._input(X), self.network_.dtype)
        return predict_raw(self.network_, X), X

    def transform(self, X):
        """Encode X: the code (output of the encoder).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        Z : ndarray of shape (n_samples, n_components)
            In the dtype of the training data (float32 stays float32).
        """
        X = self._input(X)  # checks fitted before encoder_ is read
        Z = predict_raw(self.encoder_, X)
        return Z.reshape(Z.shape[0], -1)

    def inverse_transform(self, X):
        """Decode codes back to the input space (the reconstruction).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_components)
            Codes, e.g. from :meth:`transform`.

        Returns
        -------
        X_rec : ndarray of shape (n_samples, n_features)
            Decoder output with ``out_activation`` applied.
        """
        check_is_fitted(self, "network_")
        Z = check_array(X, dtype=(np.float64, np.float32), input_name="X")
        if Z.shape[1] != self.n_components_:
            raise ValueError(
                f"inverse_transform expects codes with {self.n_components_} columns "
                f"(n_components_), got {Z.shape[1]}."
            )
        raw = predict_raw(self.decoder_, Z.reshape((Z.shape[0],) + tuple(self.decoder_.input_shape)))
        return self._head.predict(self, raw)

    def score_samples(self, X):
        """Negative reconstruction error of each sample (higher is more typical).

        The error is the mean over features of the squared error
        (``out_activation='identity'``) or of the binary cross-entropy
        (``'logistic'``) between X and its reconstruction.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples,)
        """
        return -self._head.errors(self, *self._reconstruction(X))

    def score(self, X, y=None, sample_weight=None):
        """Mean of :meth:`score_samples` (negative mean reconstruction error).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : None
            Ignored.
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        score : float
        """
        return self._head.score(self, *self._reconstruction(X), sample_weight)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
