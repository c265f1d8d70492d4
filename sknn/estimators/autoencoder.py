"""AutoencoderTransformer: representation learning as a scikit-learn transformer."""

import numpy as np
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils import check_array
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from ..inference import predict_raw
from ._adapters import Tabular
from ._base import store_params
from ._encoder_decoder import EncoderDecoder
from ._heads import Reconstruction

__all__ = ["AutoencoderTransformer"]


_UNSUPERVISED_PARAMS = """Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : None
            Ignored.
        sample_weight : array-like of shape (n_samples,), default=None"""


def _unsupervised_params(method):
    """Fill the ``%s`` of ``method``'s docstring with its Parameters: X, y (ignored) and sample_weight."""
    method.__doc__ = method.__doc__ % _UNSUPERVISED_PARAMS
    return method


class AutoencoderTransformer(ClassNamePrefixFeaturesOutMixin, TransformerMixin, EncoderDecoder):
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
    hidden_layer_sizes : array-like of int, default=(128, 16)
        Sizes of the encoder's Dense layers; the last is the code size (which
        ``n_components`` can set). The
        decoder mirrors them (``(128, 16)`` gives ``n_features -> 128 -> 16 ->
        128 -> n_features``). Ignored when ``layers`` is given.

    n_components : int or None, default=None
        Size of the code (the number of features ``transform`` returns), as in
        :class:`~sklearn.decomposition.PCA`. None: the last entry of
        ``hidden_layer_sizes``. An int is the code size, whatever
        ``hidden_layer_sizes`` ends with: it replaces that last entry
        (``n_components=8`` with the default ``(128, 16)`` encodes 128 -> 8), so
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

    The defaults differ from :class:`~sknn.MLPRegressor`'s where reconstruction
    needs it: ``batch_size='auto'`` is ``min(32, n_samples)`` (with
    scikit-learn's ``min(200, n_samples)``, a set of a few hundred rows gets
    one to a few Adam steps per epoch, and 200 epochs ended in a
    ConvergenceWarning), ``early_stopping='auto'`` (from 1,000 samples the
    reconstruction score of a held-out part stops training), ``alpha=1e-3``
    and a wider first layer, ``(128, 16)``. On the five-fold benchmark of
    ``bench/defaults_autoencoder.py`` (logistic regression on the 16-d code of
    digits, breast_cancer, wine and ItalyPowerDemand), these defaults are level
    with PCA (mean accuracy 0.9685 both; the former defaults 0.9661) and no
    default fit warns. With fewer than 32 samples the batch is the whole set.

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

    def __init__(self, hidden_layer_sizes=(128, 16), activation="relu", *, n_components=None,
                 out_activation="identity", tied_weights=False, noise=None, noise_level=0.1, dropout=0.0,
                 batch_norm=False, sparsity=0.0, layers=None, decoder_layers=None, solver="adam",
                 alpha=0.001, batch_size="auto", learning_rate="constant", learning_rate_init=0.001,
                 power_t=0.5, max_iter=200, shuffle=True, random_state=None, tol=1e-4, verbose=False,
                 warm_start=False, momentum=0.9, nesterovs_momentum=True, early_stopping="auto",
                 validation_fraction=0.1, beta_1=0.9, beta_2=0.999, epsilon=1e-8, n_iter_no_change=10,
                 max_fun=15000, clip_norm=None, callbacks=None):
        store_params(self, locals())

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
    @_unsupervised_params
    def partial_fit(self, X, y=None, sample_weight=None):
        """One epoch over X (creating the network on the first call).

        %s

        Returns
        -------
        self : object
        """
        return self._fit(X, None, sample_weight=sample_weight, incremental=True)

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

    @_unsupervised_params
    def score(self, X, y=None, sample_weight=None):
        """Mean of :meth:`score_samples` (negative mean reconstruction error).

        %s

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
