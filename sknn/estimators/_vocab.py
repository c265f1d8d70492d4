"""Documents to integer sequences: input checks, tokenisation, a fitted vocabulary, the text adapter.

Not public: :class:`sknn.TextClassifier` owns one :class:`Vocabulary`, built by its
input adapter :class:`Text`. Index 0 is
padding, index 1 the unknown token; the fitted tokens take 2, 3, ... in order of
decreasing corpus frequency (ties in order of first appearance).
"""

import numbers
import re
from collections import Counter

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.utils.validation import check_array, check_consistent_length, check_is_fitted

from ._sequences import pad_sequences

__all__ = ["PAD", "UNK", "as_documents", "Vocabulary", "Text"]

PAD = 0
UNK = 1


def as_documents(X):
    """Check ``X`` and return ``(kind, docs)``.

    ``kind`` is "text" (every document a str) or "tokens" (every document a
    sequence of ints; 0 is padding and is dropped). Raises TypeError / ValueError
    with a message that says what was expected.
    """
    if isinstance(X, (str, bytes)):
        raise TypeError(
            "X must be an iterable of documents, got a single string. "
            "Wrap it in a list: [document]."
        )
    if sp.issparse(X):
        raise TypeError(
            "TextClassifier takes raw documents or integer token sequences, not a sparse "
            "matrix. For TF-IDF features use Pipeline(TfidfVectorizer(), MLPClassifier())."
        )
    if isinstance(X, np.ndarray) and X.ndim == 2:
        if X.dtype.kind not in "iu":
            raise TypeError(
                "A 2-D array X must hold integer token ids (0 = padding), "
                f"got dtype {X.dtype}. Raw text goes in as a list of strings."
            )
        docs = [row[row != PAD].tolist() for row in X]
        kind = "tokens"
    else:
        if hasattr(X, "iloc") and getattr(X, "ndim", 1) == 2:
            if X.shape[1] != 1:
                raise TypeError(
                    f"X must be a 1-D collection of documents, got a DataFrame with {X.shape[1]} columns."
                )
            X = X.iloc[:, 0]
        if isinstance(X, np.ndarray) and X.ndim != 1:
            raise TypeError(f"X must be a 1-D collection of documents, got an array of shape {X.shape}.")
        try:
            docs = list(X)
        except TypeError:
            raise TypeError(
                f"X must be an iterable of documents (str), got {type(X).__name__}."
            ) from None
        kind = None
        for i, doc in enumerate(docs):
            if isinstance(doc, str):
                this = "text"
            elif isinstance(doc, (list, tuple, np.ndarray)):
                arr = np.asarray(doc)
                if arr.ndim != 1 or (arr.size and arr.dtype.kind not in "iu"):
                    raise TypeError(
                        f"Document {i} is a sequence but not of integer token ids: {doc!r:.80}"
                    )
                docs[i] = [t for t in arr.tolist() if t != PAD]
                this = "tokens"
            else:
                raise TypeError(
                    f"Every document must be a str (or a sequence of int token ids); "
                    f"document {i} is {type(doc).__name__}: {doc!r:.80}."
                )
            if kind is None:
                kind = this
            elif kind != this:
                raise TypeError("X mixes str documents and integer token sequences; use one kind.")
    if not docs:
        raise ValueError("X is empty: at least one document is required.")
    return kind, docs


def _grams(tokens, ngram_range):
    """Interleaved n-grams: at each position, the n-grams ending there (n = lo .. hi).

    Unigrams stay tokens; longer n-grams are tuples of tokens.
    """
    lo, hi = ngram_range
    if lo == hi == 1:
        return list(tokens)
    out = []
    for i in range(len(tokens)):
        for n in range(lo, hi + 1):
            if n > i + 1:
                break
            out.append(tokens[i] if n == 1 else tuple(tokens[i - n + 1 : i + 1]))
    return out


def check_token_pattern(pattern):
    """Refuse a ``token_pattern`` that cannot tokenise: not a regular expression,
    one that matches the empty string (empty tokens), or one with several groups."""
    if not isinstance(pattern, str):
        raise ValueError(f"token_pattern must be a str, got {pattern!r}.")
    try:
        regex = re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"token_pattern {pattern!r} is not a valid regular expression: {exc}.") from None
    if regex.groups > 1:
        raise ValueError(
            f"token_pattern {pattern!r} has {regex.groups} capturing groups; give at most one "
            "(the token), and use (?:...) for the others."
        )
    probes = ("", "a", "ab cd, e-f 12")
    if any(m.group(regex.groups) == "" for probe in probes for m in regex.finditer(probe)):
        raise ValueError(
            f"token_pattern {pattern!r} matches the empty string, so it would make empty tokens; "
            r"use a pattern that matches at least one character, e.g. the default r'(?u)\b\w\w+\b'."
        )


class Vocabulary:
    """Tokenise documents and map tokens (and n-grams) to integer indices.

    Parameters mirror :class:`sklearn.feature_extraction.text.CountVectorizer`
    (``max_features``, ``min_df``, ``lowercase``, ``token_pattern``,
    ``ngram_range``). Unknown unigrams map to ``UNK``; unknown n-grams (n > 1,
    kept as tuples of tokens in ``vocabulary_``) are dropped.
    """

    def __init__(self, kind, max_features, min_df, lowercase, token_pattern, ngram_range):
        self.kind = kind
        self.max_features = max_features
        self.min_df = min_df
        self.lowercase = lowercase
        self.token_pattern = token_pattern
        self.ngram_range = tuple(ngram_range)

    def _grams(self, docs):
        """Each document's tokens (scikit-learn's analyzer: lowercase, token_pattern) and n-grams."""
        if self.kind == "text":
            # not stored: the vocabulary's state stays plain data (sknn.save)
            analyze = CountVectorizer(lowercase=self.lowercase, token_pattern=self.token_pattern).build_analyzer()
            docs = map(analyze, docs)
        return [_grams(toks, self.ngram_range) for toks in docs]

    def fit(self, docs):
        grams = self._grams(docs)
        tf, df = Counter(), Counter()
        for g in grams:
            tf.update(g)
            df.update(set(g))
        min_df = self.min_df
        if isinstance(min_df, numbers.Integral):
            threshold = min_df
        else:
            threshold = min_df * len(docs)
        kept = [t for t in tf if df[t] >= threshold]
        if not kept:
            if not tf:
                raise ValueError(
                    "The training documents contain no token (empty vocabulary): check the documents "
                    "and token_pattern."
                )
            raise ValueError(
                f"min_df={min_df!r} removes every token (empty vocabulary): the most widespread token "
                f"is in {max(df.values())} of {len(docs)} training documents. Lower min_df."
            )
        kept.sort(key=lambda t: -tf[t])  # stable: ties keep first-appearance order
        if self.max_features is not None:
            kept = kept[: self.max_features]
        self.vocabulary_ = {t: i + 2 for i, t in enumerate(kept)}
        self.size_ = len(kept) + 2
        return grams

    def _ids(self, grams):
        vocab = self.vocabulary_
        if self.ngram_range[0] > 1:
            return [i for i in map(vocab.get, grams) if i is not None]
        ids = []
        for g in grams:
            i = vocab.get(g)
            if i is None:
                if isinstance(g, tuple):
                    continue  # unknown n-gram: dropped
                i = UNK
            ids.append(i)
        return ids

    def sequences(self, docs, grams=None):
        """Index lists, one per document (untruncated)."""
        if grams is None:
            grams = self._grams(docs)
        return [self._ids(g) for g in grams]


def bag_matrix(seqs, n_columns, dtype=np.float64):
    """CSR ``(n_docs, n_columns)``: each row the token frequencies divided by the length.

    ``bag @ E`` is the mean of the rows of ``E`` indexed by the document's tokens,
    i.e. the masked mean of its embeddings.
    """
    lengths = np.fromiter((len(s) for s in seqs), dtype=np.int64, count=len(seqs))
    indptr = np.concatenate([[0], np.cumsum(lengths)])
    indices = np.fromiter((t for s in seqs for t in s), dtype=np.int32, count=int(indptr[-1]))
    data = np.repeat(1.0 / np.maximum(lengths, 1), lengths).astype(dtype)
    bag = sp.csr_matrix((data, indices, indptr), shape=(len(seqs), n_columns))
    bag.sum_duplicates()
    return bag


class Text:
    """The text classifier's input adapter: documents -> token ids -> a bag (``encoder="mean"``) or padded ids.

    At the first fit it builds the estimator's vocabulary (``_vocab``, ``vocabulary_``,
    ``input_kind_``, ``max_len_``); later it maps documents with it.
    """

    def _sequences(self, est, X, reset):
        kind, docs = as_documents(X)
        if reset:
            vocab = Vocabulary(kind, est.max_features, est.min_df, est.lowercase, est.token_pattern, est.ngram_range)
            grams = vocab.fit(docs)  # may refuse: a fitted model keeps its vocabulary
            est._vocab = vocab
            seqs = vocab.sequences(docs, grams)
            est.vocabulary_ = vocab.vocabulary_
            est.input_kind_ = kind
            longest = max((len(s) for s in seqs), default=1)
            est.max_len_ = max(1, longest if est.max_len is None else min(longest, int(est.max_len)))
            return seqs
        check_is_fitted(est, "vocabulary_")
        if kind != est.input_kind_:
            raise TypeError(f"This TextClassifier was fitted on {est.input_kind_} documents; got {kind} documents.")
        return est._vocab.sequences(docs)

    def _encode(self, est, seqs):
        if est.encoder == "mean":
            return bag_matrix(seqs, est._vocab.size_), None
        return pad_sequences(seqs, maxlen=est.max_len_, dtype=np.int32)[0], None

    def input(self, est, X):
        return self._encode(est, self._sequences(est, X, reset=False))

    def fit_input(self, est, X, y, reset):
        seqs = self._sequences(est, X, reset)
        if y is None:
            raise ValueError("TextClassifier requires y to be passed, but the target y is None.")
        y = check_array(y, ensure_2d=False, dtype=None, input_name="y")
        if y.ndim == 2 and y.shape[1] == 1:
            y = y.ravel()
        check_consistent_length(seqs, y)
        return self._encode(est, seqs) + (y,)

    def input_shape(self, est, X):
        return X.shape[1:]

    def dtype(self, est, X):
        return np.float64

    def outputs(self, est, raw):
        return raw
