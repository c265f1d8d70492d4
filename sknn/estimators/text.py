"""TextClassifier: raw documents in, labels out, through a learned text encoder."""

from numbers import Integral, Real

from sklearn.utils.validation import check_is_fitted

from ..nn import (
    GRU,
    LSTM,
    Activation,
    Bidirectional,
    Conv1D,
    Dense,
    Dropout,
    Embedding,
    GlobalMaxPool,
)
from ..inference import predict_raw
from ..utils.validation import Interval, StrOptions
from ._base import BaseNetwork, NetworkClassifierMixin, store_params
from ._heads import output_dense
from ._params import AUTO_EARLY_STOPPING, POSITIVE_INT, RATE, constraints_of
from ._adapters import sub_network
from ._vocab import Text, check_token_pattern

__all__ = ["TextClassifier"]

ENCODERS = ("mean", "conv", "lstm", "gru", "bilstm")


class TextClassifier(NetworkClassifierMixin, BaseNetwork):
    """Neural text classifier that learns its own vocabulary and embeddings.

    ``fit`` takes raw documents (any iterable of str, as
    :class:`~sklearn.feature_extraction.text.TfidfVectorizer` does) or
    pre-tokenised documents (lists of int token ids, or a 2-D int array where 0
    is padding), builds a vocabulary, and trains an encoder followed by a
    dropout and a softmax (or sigmoid) output layer with the same training loop
    and training parameters as :class:`sknn.MLPClassifier`.

    Encoders (``encoder``):

    - ``"mean"``: bag of embeddings, fastText-like: the mean of the token (and
      n-gram) embeddings of the whole document. Computed as one sparse
      ``(n_docs, vocabulary) @ (vocabulary, embedding_dim)`` product, which is
      exactly the masked mean of an ``Embedding`` layer's outputs without
      materialising the ``(n_docs, n_tokens, embedding_dim)`` tensor.
    - ``"conv"``: ``Embedding`` -> ``Conv1D(units, kernel_size, padding="same")``
      -> ReLU -> global max pooling over the real (unpadded) tokens.
    - ``"lstm"``, ``"gru"``: the last state of a recurrent layer that skips
      padding (masks); ``"bilstm"``: forward and backward LSTM states concatenated.

    Every encoder keeps the embedding table's gradient by the rows (tokens) a
    batch used and the optimizer updates only those rows (lazily, see
    :mod:`sknn.nn.optimizers`): a training step costs in proportion to the
    batch, not to the vocabulary, and training holds the table, the
    optimizer's state (two tables for Adam) and the training loop's weight
    snapshots, so ``max_features=None`` with n-grams stays practical.
    ``alpha`` (and AdamW's decay) applies to the rows a batch used.

    Vocabulary: index 0 is padding and index 1 the unknown token; the
    ``max_features`` most frequent tokens (and n-grams, interleaved with the
    tokens in document order) seen in at least ``min_df`` training documents
    get 2, 3, ... Unknown tokens map to the unknown index; unknown n-grams are
    dropped.

    Parameters
    ----------
    encoder : {"mean", "conv", "lstm", "gru", "bilstm"}, default="mean"
        How a document's token embeddings become one vector.

    embedding_dim : int, default=64
        Size of the token embeddings (and of the document vector for "mean").

    units : int, default=64
        Filters of "conv", state size of "lstm" / "gru" / "bilstm" (per direction).

    kernel_size : int, default=3
        Width of the "conv" filters, in tokens.

    dropout : float, default=0.5
        Dropout rate on the document vector, before the output layer.

    max_features : int or None, default=20000
        Keep only the most frequent tokens / n-grams (None: all).

    min_df : int or float, default=1
        Minimum number (int) or fraction (float) of training documents a token
        must appear in.

    lowercase : bool, default=True
        Lowercase text documents before tokenising.

    token_pattern : str, default=r"(?u)\\b\\w\\w+\\b"
        Regular expression of a token (scikit-learn's default).

    ngram_range : tuple (min_n, max_n), default=(1, 1)
        Token n-grams used, e.g. (1, 2) for unigrams and bigrams.

    max_len : int or None, default=200
        Tokens kept per document (the first ones) by the sequence encoders
        ("conv", "lstm", "gru", "bilstm"); None keeps as many as the longest
        training document has. The "mean" encoder always averages the whole
        document.

    {declared_parameters}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.

    vocabulary_ : dict
        Token (str, or int for token-id input; tuples for n-grams) -> index.

    input_kind_ : {"text", "tokens"}
        What ``fit`` received: str documents or integer token sequences.

    max_len_ : int
        Sequence length the sequence encoders were built for: ``max_len``, or
        the longest training document if shorter.

    n_outputs_ : int
        Number of outputs of the network.

    {training_attributes}

    Notes
    -----
    The training parameters have their :class:`sknn.MLPClassifier` meaning,
    with defaults suited to text: ``learning_rate_init=0.01``,
    ``n_iter_no_change=5`` and ``early_stopping="auto"``. A fit on 1,000
    documents or more (that a stratified split can serve) holds out
    ``validation_fraction`` of them, stops once the held-out accuracy has not
    improved for ``n_iter_no_change`` epochs and keeps the best epoch's weights;
    a smaller fit trains on every document until the training loss stops
    improving by ``tol``. ``max_iter=200`` bounds both, so a default fit does
    not end in a ``ConvergenceWarning`` on data of the usual kind. The former
    defaults (ten epochs on every document, which always warned) are
    ``early_stopping=False, max_iter=10``.

    Examples
    --------
    >>> from sknn import TextClassifier
    >>> docs = ["good great fine", "great good", "bad awful", "awful bad poor"] * 5
    >>> y = [1, 1, 0, 0] * 5
    >>> clf = TextClassifier(embedding_dim=8, random_state=0).fit(docs, y)
    >>> clf.predict(["good and great", "so awful"]).tolist()
    [1, 0]
    """

    _adapter = Text()

    def __init__(self, encoder="mean", *, embedding_dim=64, units=64, kernel_size=3, dropout=0.5,
                 max_features=20000, min_df=1, lowercase=True, token_pattern=r"(?u)\b\w\w+\b",
                 ngram_range=(1, 1), max_len=200, solver="adam", alpha=0.0001, batch_size="auto",
                 learning_rate="constant", learning_rate_init=0.01, power_t=0.5, max_iter=200, shuffle=True,
                 random_state=None, tol=1e-4, verbose=False, warm_start=False, momentum=0.9,
                 nesterovs_momentum=True, early_stopping="auto", validation_fraction=0.1, beta_1=0.9,
                 beta_2=0.999, epsilon=1e-8, n_iter_no_change=5, max_fun=15000, class_weight=None,
                 clip_norm=None, callbacks=None):
        store_params(self, locals())

    # early_stopping also takes 'auto' (its default here); the MLPs keep scikit-learn's bool
    _declared_variants = (AUTO_EARLY_STOPPING,)

    _parameter_constraints = {
        **BaseNetwork._parameter_constraints,
        **constraints_of(_declared_variants),
        "encoder": [StrOptions(set(ENCODERS))],
        "embedding_dim": POSITIVE_INT,
        "units": POSITIVE_INT,
        "kernel_size": POSITIVE_INT,
        "dropout": RATE,
        "max_features": POSITIVE_INT + [None],
        "min_df": [Interval(Integral, 0, None, closed="left"), Interval(Real, 0, 1, closed="both")],
        "lowercase": ["boolean"],
        "max_len": POSITIVE_INT + [None],
    }

    # -- parameters ------------------------------------------------------------------
    def _validate_params(self):
        super()._validate_params()
        nr = self.ngram_range
        if (
            not isinstance(nr, (tuple, list))
            or len(nr) != 2
            or not all(isinstance(v, Integral) and not isinstance(v, bool) for v in nr)
            or not 1 <= nr[0] <= nr[1]
        ):
            raise ValueError(f"ngram_range must be a pair (min_n, max_n) with 1 <= min_n <= max_n, got {nr!r}.")
        check_token_pattern(self.token_pattern)

    # -- network ----------------------------------------------------------------------
    def _build_layers(self, input_shape, n_outputs, rng):
        vocab, dim, units = self._vocab.size_, int(self.embedding_dim), int(self.units)
        if self.encoder == "mean":
            # sparse (n, vocab) mean-bag @ table: the masked mean of the token embeddings
            encoder = [Dense(dim, use_bias=False, kernel_initializer="glorot_uniform", sparse_grad=True)]
        else:
            encoder = [Embedding(vocab, dim, mask_zero=True)]
            if self.encoder == "conv":
                encoder += [
                    Conv1D(units, int(self.kernel_size), padding="same"),
                    Activation("relu"),
                    GlobalMaxPool(),
                ]
            elif self.encoder == "lstm":
                encoder.append(LSTM(units))
            elif self.encoder == "gru":
                encoder.append(GRU(units))
            else:
                encoder.append(Bidirectional(LSTM(units)))
        self._n_encoder_layers = len(encoder)
        head = [Dropout(float(self.dropout))] if self.dropout else []
        return encoder + head + [output_dense(n_outputs)]

    def _publish_state(self):
        super()._publish_state()
        self.n_outputs_ = self.network_.layers[-1].units

    # -- public API ---------------------------------------------------------------------
    def fit(self, X, y, sample_weight=None):
        """Build the vocabulary and train the network.

        Parameters
        ----------
        X : iterable of str, iterable of int sequences, or 2-D int array
            Training documents (raw text, or token ids with 0 as padding).
        y : array-like of shape (n_samples,) or (n_samples, n_classes)
            Class labels (or a label indicator matrix, for multilabel y).
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : TextClassifier
        """
        return super().fit(X, y, sample_weight=sample_weight)

    def transform(self, X):
        """Document embeddings: the encoder's output for each document.

        Parameters
        ----------
        X : iterable of str, iterable of int sequences, or 2-D int array

        Returns
        -------
        embeddings : ndarray of shape (n_samples, n_dims)
            ``embedding_dim`` columns for "mean", ``units`` for "conv" / "lstm" /
            "gru", ``2 * units`` for "bilstm".
        """
        check_is_fitted(self, "network_")
        X, mask = self._adapter.input(self, X)
        return predict_raw(sub_network(self.network_, 0, self._n_encoder_layers), X, mask)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        tags.input_tags.sparse = False
        tags.classifier_tags.multi_label = True
        return tags
