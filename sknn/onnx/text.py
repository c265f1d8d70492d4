"""ONNX converter of TextClassifier: raw documents (or token ids) in, labels and probabilities out.

In the graph, for documents fitted as text (``input_kind_ == "text"``):

1. ``StringNormalizer`` lowercases (``lowercase=True``) in the portable "C"
   locale: ASCII letters only (Python's ``str.lower`` also lowercases other
   scripts; see the documented limitations).
2. onnxruntime's ``Tokenizer`` (``com.microsoft`` domain, RE2) finds the tokens.
   Only scikit-learn's default ``token_pattern`` ``(?u)\\b\\w\\w+\\b`` is
   translated: its matches are the maximal runs of two or more word characters,
   ``[\\pL\\pN_]{2,}`` in RE2. Another pattern raises :class:`ExportError`.
3. ``ai.onnx.ml.LabelEncoder`` maps each token to its ``vocabulary_`` index,
   unknown tokens to 1 and the tokenizer's padding to 0, as sknn does.
4. With ``ngram_range=(1, 2)`` (the "mean" encoder only: it averages, so the
   order of the ids does not matter), each pair of neighbouring token indices
   ``(a, b)`` is mapped to the index of the bigram by a second LabelEncoder on
   the integer key ``a * vocabulary size + b``; unknown bigrams map to padding
   and are dropped, as sknn does. This is exact because a bigram is never more
   frequent, nor in more documents, than its two tokens: a kept bigram's tokens
   are in the vocabulary too (checked at export).

Documents fitted as token ids (``input_kind_ == "tokens"``) come in as an
int64 ``(n, steps)`` array, 0 being padding wherever it is (dropped, as sknn
does: the other ids are moved to the front, in order).

The encoder then runs on the id matrix: "mean" averages the embedding rows of
a document's tokens; the sequence encoders truncate / pad the ids to
``max_len_`` and run with the padding masked (``sequence_lens``).
"""

import numpy as np
from onnx import TensorProto
from skl2onnx.common.data_types import Int64TensorType, StringTensorType

from .. import nn
from ._graph import ExportError
from .heads import classifier_head
from .layers import convert_layers

__all__ = ["convert_text", "text_input_type"]

DEFAULT_TOKEN_PATTERN = r"(?u)\b\w\w+\b"
_RE2_TOKENS = r"[\pL\pN_]{2,}"  # maximal runs of >= 2 word characters
UNK, PAD = 1, 0


def _check_exportable(est):
    ngrams = tuple(est.ngram_range)
    if ngrams not in ((1, 1), (1, 2)) or (ngrams == (1, 2) and est.encoder != "mean"):
        raise ExportError(
            f"TextClassifier(encoder={est.encoder!r}, ngram_range={ngrams!r}) cannot be exported to ONNX: "
            "the graph builds unigrams, and bigrams (ngram_range=(1, 2)) for the 'mean' encoder only."
        )
    if ngrams == (1, 2):
        orphans = [g for g in est.vocabulary_ if isinstance(g, tuple) and not all(t in est.vocabulary_ for t in g)]
        if orphans:
            raise ExportError(f"TextClassifier bigrams {orphans[:3]!r} have tokens outside the vocabulary: "
                              "the graph cannot find them.")
    if est.input_kind_ == "text" and est.token_pattern != DEFAULT_TOKEN_PATTERN:
        raise ExportError(
            f"TextClassifier(token_pattern={est.token_pattern!r}) cannot be exported to ONNX: only the "
            f"default pattern {DEFAULT_TOKEN_PATTERN!r} has an exact RE2 translation in the graph."
        )
    if est.input_kind_ == "text" and est.lowercase:
        # the graph lowercases ASCII letters only: a vocabulary word with other cased letters ("été")
        # would be missed in a document that capitalises it ("Été"), silently
        cased = sorted(t for t in map(str, est.vocabulary_) if not t.isascii() and t != t.upper())
        if cased:
            raise ExportError(
                f"TextClassifier(lowercase=True) cannot be exported to ONNX with a vocabulary holding "
                f"non-ASCII cased words ({', '.join(map(repr, cased[:5]))}{', ...' if len(cased) > 5 else ''}): "
                "the graph lowercases ASCII letters only. Lowercase the documents before fitting and "
                "serving, and fit with lowercase=False."
            )


def text_input_type(est):
    """A 1-D string tensor of documents, or an int64 ``(n, steps)`` array of token ids."""
    _check_exportable(est)
    return StringTensorType([None]) if est.input_kind_ == "text" else Int64TensorType([None, None])


def _token_ids(g, est, x):
    """(n, steps) int64 vocabulary indices, right-padded with 0."""
    vocab = est.vocabulary_
    if est.input_kind_ == "text":
        if est.lowercase:
            x = g.op("StringNormalizer", x, case_change_action="LOWER", locale="C")
        tokens = g.op("Tokenizer", x, domain="com.microsoft", version=1, tokenexp=_RE2_TOKENS,
                      pad_value="", mincharnum=1, mark=0)
        keys = [""] + [str(t) for t in vocab]
        return g.op("LabelEncoder", tokens, domain="ai.onnx.ml", version=2, keys_strings=keys,
                    values_int64s=[PAD] + [int(i) for i in vocab.values()], default_int64=UNK)
    x = g.cast(x, TensorProto.INT64)
    # padding (0) anywhere is dropped: a stable sort of the positions puts real ids first
    steps = g.op("Shape", x)
    width = g.op("Gather", steps, g.ints(1), axis=0)
    positions = g.op("Range", g.ints(0), width, g.ints(1))
    is_pad = g.cast(g.op("Equal", x, g.ints(PAD)), TensorProto.INT64)
    key = g.op("Add", g.op("Mul", is_pad, width), positions)
    order = g.op("TopK", key, g.unsqueeze(width, [0]), axis=1, largest=0, sorted=1, n_out=2)[1]
    ids = g.op("GatherElements", x, order, axis=1)
    known = np.array(sorted(vocab.items(), key=lambda kv: kv[1]), dtype=object)
    mapped = g.op("LabelEncoder", ids, domain="ai.onnx.ml", version=2,
                  keys_int64s=[PAD] + [int(k) for k in known[:, 0]],
                  values_int64s=[PAD] + [int(v) for v in known[:, 1]], default_int64=UNK)
    return mapped


def _with_bigrams(g, est, ids):
    """The token indices followed by the indices of the known bigrams of neighbouring tokens (0 otherwise)."""
    vocab = est.vocabulary_
    size = int(est._vocab.size_)
    big = [(vocab[a] * size + vocab[b], i) for (a, b), i in ((g_, i) for g_, i in vocab.items() if isinstance(g_, tuple))]
    if not big:
        return ids
    width = g.op("Gather", g.op("Shape", ids), g.ints([1]), axis=0)
    left = g.op("Slice", ids, g.ints([0]), g.op("Sub", width, g.ints([1])), g.ints([1]))
    right = g.op("Slice", ids, g.ints([1]), width, g.ints([1]))
    keys = g.op("Add", g.op("Mul", left, g.ints([size])), right)
    pairs = g.op("LabelEncoder", keys, domain="ai.onnx.ml", version=2, keys_int64s=[k for k, _ in big],
                 values_int64s=[int(i) for _, i in big], default_int64=PAD)
    return g.op("Concat", ids, pairs, axis=1)


def _fixed_length(g, ids, length):
    """Right-pad with 0 and truncate to ``length`` steps (the first tokens are kept)."""
    n = g.op("Gather", g.op("Shape", ids), g.ints([0]), axis=0)
    zeros = g.op("ConstantOfShape", g.op("Concat", n, g.ints([length]), axis=0),
                 value=_int64_tensor(0))
    padded = g.op("Concat", ids, zeros, axis=1)
    return g.op("Slice", padded, g.ints([0]), g.ints([length]), g.ints([1]))


def _int64_tensor(value):
    from onnx import numpy_helper

    return numpy_helper.from_array(np.array([value], dtype=np.int64))


def _non_pad(g, ids):
    return g.op("Not", g.op("Equal", ids, g.ints(PAD)))


def _mean_encoder(g, layer, ids):
    """Mean of the kernel rows of the tokens (the sparse bag-of-ids product sknn computes)."""
    rows = g.op("Gather", g.const(np.asarray(layer.params[0]), seed="table"), ids, axis=0)
    m = g.unsqueeze(g.cast(_non_pad(g, ids), TensorProto.FLOAT), [2])
    total = g.reduce("ReduceSum", g.op("Mul", rows, m), [1])
    count = g.op("Max", g.reduce("ReduceSum", m, [1]), g.const(1.0))
    return g.op("Div", total, count)


def convert_text(scope, operator, container):
    """skl2onnx converter of TextClassifier."""
    from .registration import graph_for

    est = operator.raw_operator
    _check_exportable(est)
    g = graph_for(scope, operator, container)
    layers = est.network_.layers
    ids = _token_ids(g, est, operator.inputs[0].full_name)
    first = layers[0]
    if type(first) is nn.Dense:  # the "mean" encoder
        x = _mean_encoder(g, first, _with_bigrams(g, est, ids) if tuple(est.ngram_range) == (1, 2) else ids)
    elif type(first) is nn.Embedding:
        ids = _fixed_length(g, ids, int(est.max_len_))
        g.lengths = g.reduce("ReduceSum", g.cast(_non_pad(g, ids), TensorProto.INT64), [1])
        g.masked = True
        x = g.op("Gather", g.const(np.asarray(first.params[0]), seed="embeddings"), ids, axis=0)
    else:
        raise ExportError(f"TextClassifier's first layer {type(first).__name__} is not an exportable encoder.")
    raw = convert_layers(g, layers[1:], x)
    classifier_head(g, est, raw, operator.outputs[0].full_name, operator.outputs[1].full_name)
