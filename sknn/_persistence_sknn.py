"""The fitted state of sknn's estimators: what a file may set, and how it must hang together.

One :class:`~sknn._persistence_specs.Declaration` per public estimator, built
from the pieces the estimators share -- the input they take (tabular, shaped,
text, id pairs), their head (classification, regression, reconstruction) and
the trained network with its history -- so the declarations can follow the
estimators when they become input adapters plus task heads. Attributes the
estimator recomputes from others (``coefs_``, ``classes_``, ``encoder_``...) are
never read from a file: they are derived again on load, so they cannot
disagree with what they derive from.
"""

import math
import re
from dataclasses import dataclass, field, fields

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import LabelBinarizer

from . import estimators as E
from ._persistence_codec import expect, expect_keys
from ._persistence_errors import refuse
from ._persistence_specs import (Array, Bool, Declaration, Either, Float, Instance, Int, Opt, Plain, Str,
                                 TupleOf)
from .estimators._vocab import Vocabulary
from .nn import Dense, Embedding, NeuMF, Sequential
from .nn import losses as L
from .training import FitState

__all__ = ["DECLARATIONS", "HANDLERS", "TAGS", "Part", "declare", "check_token_pattern", "check_ngram_range",
           "KNOWN_TOKEN_PATTERNS", "MAX_NGRAM"]

#: Token patterns a file may name: each matches in time linear in the document's length.
KNOWN_TOKEN_PATTERNS = frozenset({
    r"(?u)\b\w\w+\b", r"(?u)\b\w+\b", r"\b\w\w+\b", r"\b\w+\b", r"(?u)\w+", r"\w+", r"(?u)\S+", r"\S+", r"[^\s]+",
})
#: The longest n-grams an unsigned file may ask for (the cost of tokenising grows with it).
MAX_NGRAM = 16
_CLASSIFICATION_LOSSES = (L.LogLoss, L.BinaryLogLoss)
_REGRESSION_LOSSES = (L.SquaredError, L.AbsoluteError, L.Huber, L.Poisson)


def check_token_pattern(pattern, where, context):
    """A regular expression from a file must be a known one, one the caller trusts, or come signed."""
    if not isinstance(pattern, str):
        refuse("type", f"{where}: a token pattern is a str.")
    trusted = context.signed or pattern in KNOWN_TOKEN_PATTERNS or pattern in context.trusted_patterns
    if not trusted:
        refuse("regex", f"{where}: the file names the regular expression {pattern!r}, which is not one of "
               "sknn's known token patterns; a file cannot choose its own (its matching time is unbounded). "
               "If you trust this file, load it with trusted_patterns=[...] or sign it (key=).")
    try:
        re.compile(pattern)
    except re.error as exc:
        refuse("regex", f"{where}: invalid regular expression {pattern!r} ({exc}).")


def check_ngram_range(value, where, context):
    if not (isinstance(value, (tuple, list)) and len(value) == 2 and all(type(x) is int for x in value)
            and 1 <= value[0] <= value[1]):
        refuse("parameter", f"{where}: ngram_range must be a pair 1 <= min_n <= max_n, got {value!r}.")
    if value[1] > MAX_NGRAM and not context.signed:
        refuse("too_large", f"{where}: n-grams longer than {MAX_NGRAM} are only loaded from signed files.")


# -- small state holders ------------------------------------------------------------------------------
_LB_ATTRS = ("neg_label", "pos_label", "sparse_output", "y_type_", "sparse_input_", "classes_")


def _encode_attrs(enc, obj, tag, names, where):
    """``{tag: {name: encoded attribute}}`` for the attributes ``names`` of ``obj``."""
    return {tag: {a: enc.value(getattr(obj, a), f"{where}.{a}") for a in names}}


def _decode_attrs(dec, v, tag, names, where, depth):
    """The decoded attributes of ``{tag: {name: value}}``, which must hold exactly ``names``."""
    expect_keys(v, (tag,), where=where)
    body = expect_keys(v[tag], names, where=where)
    return {k: dec.value(x, f"{where}.{k}", depth) for k, x in body.items()}


def _encode_lb(enc, lb, where):
    missing = [a for a in _LB_ATTRS if not hasattr(lb, a)]
    if missing or set(vars(lb)) != set(_LB_ATTRS):
        refuse("unsupported", f"{where}: only a fitted LabelBinarizer can be saved.")
    return _encode_attrs(enc, lb, "__label_binarizer__", _LB_ATTRS, where)


def _decode_lb(dec, v, where, depth):
    attrs = _decode_attrs(dec, v, "__label_binarizer__", _LB_ATTRS, where, depth)
    if attrs["neg_label"] != 0 or attrs["pos_label"] != 1 or attrs["sparse_output"] is not False:
        refuse("range", f"{where}: sknn's label binarizers have neg_label=0, pos_label=1, dense output.")
    Str("binary", "multiclass", "multilabel-indicator")(attrs["y_type_"], f"{where}.y_type_")
    Bool()(attrs["sparse_input_"], f"{where}.sparse_input_")
    classes = Array("biufUO", (None,), increasing=True, object_items=(str, int))(attrs["classes_"], f"{where}.classes_")
    if classes.size < 2:
        refuse("range", f"{where}: a classifier has at least 2 classes.")
    if attrs["y_type_"] == "multilabel-indicator" and not np.array_equal(classes, np.arange(classes.size)):
        refuse("inconsistent", f"{where}: multilabel classes are the column indices 0..n-1.")
    lb = LabelBinarizer()
    vars(lb).update(attrs)
    return lb


def _encode_fit_state(enc, state, where):
    values = {f.name: getattr(state, f.name) for f in fields(FitState)}
    values["optimizer"] = values["schedule"] = None  # not saved: continued training restarts them
    return {"__fit_state__": {k: enc.value(x, f"{where}.{k}") for k, x in values.items()}}


def _decode_fit_state(dec, v, where, depth):
    expect_keys(v, ("__fit_state__",), where=where)
    names = [f.name for f in fields(FitState)]
    body = expect_keys(v["__fit_state__"], names, where=where)
    values = {k: Plain()(dec.value(x, f"{where}.{k}", depth), f"{where}.{k}") for k, x in body.items()}
    if values["optimizer"] is not None or values["schedule"] is not None:
        refuse("malformed", f"{where}: optimizer state is never saved.")
    return FitState(**values)


_VOCAB_ATTRS = ("kind", "max_features", "min_df", "lowercase", "token_pattern", "ngram_range", "vocabulary_", "size_")


def _encode_vocab(enc, vocab, where):
    if set(vars(vocab)) != set(_VOCAB_ATTRS):
        refuse("unsupported", f"{where}: an unfitted or unknown vocabulary state ({sorted(vars(vocab))}).")
    return _encode_attrs(enc, vocab, "__vocabulary__", _VOCAB_ATTRS, where)


def _decode_vocab(dec, v, where, depth):
    a = _decode_attrs(dec, v, "__vocabulary__", _VOCAB_ATTRS, where, depth)
    Str("text", "tokens")(a["kind"], f"{where}.kind")
    Opt(Int(1))(a["max_features"], f"{where}.max_features")
    Either(Int(0), Float(lo=0.0, hi=1.0))(a["min_df"], f"{where}.min_df")
    Bool()(a["lowercase"], f"{where}.lowercase")
    check_token_pattern(a["token_pattern"], f"{where}.token_pattern", dec.context)
    TupleOf(Int(1), length=2)(a["ngram_range"], f"{where}.ngram_range")
    check_ngram_range(a["ngram_range"], f"{where}.ngram_range", dec.context)
    size = Int(2, 2**31)(a["size_"], f"{where}.size_")
    vocab = expect(a["vocabulary_"], dict, f"{where}.vocabulary_")
    ids = np.fromiter(vocab.values(), dtype=np.int64, count=len(vocab)) if all(
        type(i) is int for i in vocab.values()) else None
    if ids is None or len(vocab) != size - 2 or (ids.size and (ids.min() < 2 or ids.max() >= size)):
        refuse("range", f"{where}.vocabulary_: token indices must be the ints 2 .. size_-1 ({size - 1}).")
    if not np.array_equal(np.sort(ids), np.arange(2, size)):
        refuse("inconsistent", f"{where}.vocabulary_: two tokens share an index.")
    lo, hi = a["ngram_range"]
    token = str if a["kind"] == "text" else int
    for key in vocab:
        gram = key if isinstance(key, tuple) else (key,)
        n_ok = (lo == 1 and not isinstance(key, tuple)) or (isinstance(key, tuple) and max(lo, 2) <= len(key) <= hi)
        if not n_ok or not all(type(t) is token for t in gram):
            refuse("type", f"{where}.vocabulary_: key {key!r} is not a {a['kind']} n-gram of ngram_range {(lo, hi)}.")
    out = Vocabulary(a["kind"], a["max_features"], a["min_df"], a["lowercase"], a["token_pattern"], a["ngram_range"])
    out.vocabulary_, out.size_ = vocab, size
    return out


HANDLERS = [(LabelBinarizer, _encode_lb), (FitState, _encode_fit_state), (Vocabulary, _encode_vocab)]
TAGS = {"__label_binarizer__": _decode_lb, "__fit_state__": _decode_fit_state, "__vocabulary__": _decode_vocab}


# -- the pieces estimators are made of --------------------------------------------------------------------
@dataclass
class Part:
    """One piece of an estimator's fitted state: an input adapter, a head, the trained network.

    ``check(estimator)`` validates the relations the piece is responsible for,
    ``derive(estimator)`` recomputes its derived attributes (both optional).
    """

    stored: dict
    optional: dict = field(default_factory=dict)
    derived: tuple = ()
    check: object = None
    derive: object = None


def declare(*parts, params=None):
    """The :class:`Declaration` of an estimator made of ``parts``; the estimator's ``_publish_state`` runs last."""

    def validate(est, context):
        for part in parts:
            if part.check is not None:
                part.check(est)

    def derive(est, names):
        for part in parts:
            if part.derive is not None:
                part.derive(est)
        est._publish_state()

    return Declaration(stored={k: v for p in parts for k, v in p.stored.items()},
                       optional={k: v for p in parts for k, v in p.optional.items()},
                       derived=tuple(n for p in parts for n in p.derived), validate=validate, derive=derive,
                       params=dict(params or {}))


class _Network(Instance):
    def __init__(self):
        super().__init__(Sequential)

    def check(self, value, where, dims):
        super().check(value, where, dims)
        if not getattr(value, "built", False) or value.input_grad is not False or value.dtype not in (
                np.float32, np.float64):
            refuse("inconsistent", f"{where}: a fitted network is a built float32/float64 Sequential "
                   "without an input gradient.")


def _n_outputs(est):
    return math.prod(est.network_.output_shape)


def _check_input(est, shape):
    if tuple(est.network_.input_shape) != tuple(shape):
        refuse("inconsistent", f"network_ is built for samples of shape {est.network_.input_shape}, "
               f"the estimator's state says {tuple(shape)}.")
    names = getattr(est, "feature_names_in_", None)
    if names is not None and len(names) != est.n_features_in_:
        refuse("inconsistent", "feature_names_in_ does not have n_features_in_ names.")


def _check_shaped(est):
    if math.prod(est.input_shape_) != est.n_features_in_:
        refuse("inconsistent", "input_shape_ does not hold n_features_in_ values.")
    _check_input(est, est.input_shape_)


def _check_text(est):
    vocab, net = est._vocab, est.network_
    if est.input_kind_ != vocab.kind:
        refuse("inconsistent", "input_kind_ differs from the vocabulary's kind.")
    first = net.layers[0]
    if est.encoder == "mean":  # the sparse bag of token ids multiplies the first kernel
        ok = type(first) is Dense and first.use_bias is False and tuple(net.input_shape) == (vocab.size_,)
    else:
        ok = type(first) is Embedding and first.input_dim == vocab.size_ and tuple(net.input_shape) == (est.max_len_,)
    if not ok:
        refuse("inconsistent", f"network_ does not take the {est.encoder!r} encoding of a "
               f"{vocab.size_}-entry vocabulary.")
    if not 1 <= est._n_encoder_layers < len(net.layers):
        refuse("inconsistent", "_n_encoder_layers does not fit network_.")


def _derive_text(est):
    est.vocabulary_ = est._vocab.vocabulary_


def _check_pairs(est):
    for name in ("users_", "items_"):
        ids = getattr(est, name)
        if len(set(ids.tolist())) != len(ids):
            refuse("inconsistent", f"{name} holds duplicates.")
    layers = est.network_.layers
    if len(layers) != 1 or type(layers[0]) is not NeuMF or (layers[0].n_users, layers[0].n_items) != (
            len(est.users_), len(est.items_)) or est.network_.dtype != np.float64:
        refuse("inconsistent", "network_ is not a float64 NeuMF over users_ and items_.")
    seen = est._seen
    if seen.dtype != bool or not seen.data.all() or not seen.has_canonical_format or seen.shape != (
            len(est.users_) + 1, len(est.items_) + 1):
        refuse("inconsistent", "_seen is not the canonical boolean (users + 1, items + 1) matrix.")


def _derive_pairs(est):
    est._user_index = {v: j + 1 for j, v in enumerate(est.users_)}
    est._item_index = {v: j + 1 for j, v in enumerate(est.items_)}
    saved, est._seen = est._seen, None
    est._add_seen(np.column_stack(saved.nonzero()))  # the estimator's own code rebuilds _seen_codes
    if (est._seen != saved).nnz:
        refuse("inconsistent", "_seen is not the matrix of its own pairs.")


def _check_classifier(est):
    lb, loss = est._label_binarizer, est._loss_fn
    n = len(lb.classes_)
    multiclass = lb.y_type_ == "multiclass"
    if (lb.y_type_ == "binary") != (n == 2) or (multiclass and n < 3):
        refuse("inconsistent", f"{n} classes do not make {lb.y_type_!r} labels.")
    if isinstance(loss, L.LogLoss) != multiclass or est.out_activation_ != loss.out_activation:
        refuse("inconsistent", f"The loss {loss!r} / out_activation_ {est.out_activation_!r} do not fit "
               f"{lb.y_type_!r} labels.")
    expected = 1 if lb.y_type_ == "binary" else n
    if _n_outputs(est) != expected:
        refuse("inconsistent", f"network_ has {_n_outputs(est)} outputs; {n} {lb.y_type_} classes need {expected}.")
    if est._n_label_columns != (n if lb.y_type_ == "multilabel-indicator" else 1):
        refuse("inconsistent", "_n_label_columns does not fit the label type.")


def _derive_classifier(est):
    est.classes_ = est._label_binarizer.classes_


def _check_regressor(est):
    if est.out_activation_ != est._loss_fn.out_activation:
        refuse("inconsistent", f"out_activation_ {est.out_activation_!r} does not fit the loss {est._loss_fn!r}.")


def _check_ratings(est):
    _check_regressor(est)
    if type(est._loss_fn) is not (L.SquaredError if est.feedback == "explicit" else L.BinaryLogLoss):
        refuse("inconsistent", f"The loss does not fit feedback={est.feedback!r}.")


def _check_sequences_out(est):
    _check_regressor(est)
    if (est._seq_outputs is None) != (est._seq_y_ndim is None):
        refuse("inconsistent", "_seq_outputs and _seq_y_ndim are set together.")
    mean, scale = getattr(est, "_y_mean", None), getattr(est, "_y_scale", None)
    if (mean is None) != (scale is None):
        refuse("inconsistent", "_y_mean and _y_scale are set together.")
    if scale is not None:  # files saved before RNNRegressor standardised its targets have neither
        outputs = est._seq_outputs or _n_outputs(est)
        if mean.shape != (outputs,) or scale.shape != (outputs,) or not (scale > 0).all():
            refuse("inconsistent", f"_y_mean and _y_scale must hold one value per output ({outputs}), "
                   "the scales positive.")
    mean, scale = getattr(est, "_x_mean", None), getattr(est, "_x_scale", None)
    if (mean is None) != (scale is None):
        refuse("inconsistent", "_x_mean and _x_scale are set together.")
    if scale is not None:  # files saved before RNNRegressor standardised its inputs have neither
        features = est.input_shape_[-1]
        if mean.shape != (features,) or scale.shape != (features,) or not (scale > 0).all():
            refuse("inconsistent", f"_x_mean and _x_scale must hold one value per input feature ({features}), "
                   "the scales positive.")


def _check_reconstruction(est):
    if not 1 <= est._code_index < len(est.network_.layers) or _n_outputs(est) != est.n_features_in_:
        refuse("inconsistent", "The autoencoder's code index or output size does not fit its network.")
    if isinstance(est._loss_fn, L.BinaryLogLoss) != (est.out_activation_ == "logistic"):
        refuse("inconsistent", "The autoencoder's loss does not fit out_activation_.")


_SIZE = Int(1, 2**31)
_NAMES = {"feature_names_in_": Array("O", (None,))}
_IDS = Array("O", (None,), object_items=(str, int))
_REGRESSION = {"_loss_fn": Instance(*_REGRESSION_LOSSES), "out_activation_": Str("identity", "exp"),
               "_y_ndim": Int(1, 2)}

# input adapters
TABULAR = Part({"n_features_in_": _SIZE}, _NAMES, check=lambda est: _check_input(est, (est.n_features_in_,)))
SHAPED = Part({"n_features_in_": _SIZE, "input_shape_": TupleOf(_SIZE, max_length=8)}, _NAMES, check=_check_shaped)
TEXT = Part({"_vocab": Instance(Vocabulary), "input_kind_": Str("text", "tokens"), "max_len_": _SIZE,
             "_n_encoder_layers": Int(1, 64)}, derived=("vocabulary_", "n_outputs_"), check=_check_text,
            derive=_derive_text)
PAIRS = Part({"n_features_in_": Int(2, 2), "users_": _IDS, "items_": _IDS, "_seen": Instance(sp.csr_matrix)},
             derived=("_user_index", "_item_index", "_seen_codes"), check=_check_pairs, derive=_derive_pairs)
# heads
CLASSIFICATION = Part({"_label_binarizer": Instance(LabelBinarizer), "_loss_fn": Instance(*_CLASSIFICATION_LOSSES),
                       "out_activation_": Str("softmax", "logistic"), "_n_label_columns": _SIZE},
                      derived=("classes_",), check=_check_classifier, derive=_derive_classifier)
REGRESSION = Part(_REGRESSION, check=_check_regressor)
SEQUENCE_REGRESSION = Part({**_REGRESSION, "_seq_outputs": Opt(_SIZE), "_seq_y_ndim": Opt(Int(2, 3))},
                           optional={"_y_mean": Array("f", (None,), finite=True),
                                     "_y_scale": Array("f", (None,), finite=True),
                                     "_x_mean": Array("f", (None,), finite=True),
                                     "_x_scale": Array("f", (None,), finite=True)},
                           check=_check_sequences_out)
RATINGS = Part({**_REGRESSION, "_loss_fn": Instance(L.SquaredError, L.BinaryLogLoss),
                "out_activation_": Str("identity", "logistic"), "global_mean_": Float()},
               derived=("user_factors_", "item_factors_", "user_bias_", "item_bias_", "intercept_"),
               check=_check_ratings)
RECONSTRUCTION = Part({"_loss_fn": Instance(L.SquaredError, L.BinaryLogLoss),
                       "out_activation_": Str("identity", "logistic"), "_code_index": Int(1, 2**16)},
                      derived=("_encoder_layers", "_decoder_layers", "_activations", "n_components_", "encoder_",
                               "decoder_"), check=_check_reconstruction)
# the trained network and its history (published by the estimator's _publish_state)
TRAINED = Part({"_rng": Instance(np.random.Generator), "_fit_state": Instance(FitState), "network_": _Network()},
               derived=("n_iter_", "loss_", "t_", "loss_curve_", "best_loss_", "validation_scores_",
                        "validation_loss_curve_", "best_validation_score_"))
MLP = Part({}, derived=("_activations", "_dropouts", "coefs_", "intercepts_", "n_layers_", "n_outputs_"))

DECLARATIONS = {
    E.MLPClassifier: declare(TABULAR, CLASSIFICATION, MLP, TRAINED),
    E.MLPRegressor: declare(TABULAR, REGRESSION, MLP, TRAINED),
    E.NeuralNetClassifier: declare(SHAPED, CLASSIFICATION, TRAINED),
    E.NeuralNetRegressor: declare(SHAPED, REGRESSION, TRAINED),
    E.ConvNetClassifier: declare(SHAPED, CLASSIFICATION, TRAINED),
    E.ConvNetRegressor: declare(SHAPED, REGRESSION, TRAINED),
    E.RNNClassifier: declare(SHAPED, CLASSIFICATION, TRAINED),
    E.RNNRegressor: declare(SHAPED, SEQUENCE_REGRESSION, TRAINED),
    E.AutoencoderTransformer: declare(TABULAR, RECONSTRUCTION, TRAINED),
    E.TextClassifier: declare(TEXT, CLASSIFICATION, TRAINED,
                              params={"token_pattern": check_token_pattern, "ngram_range": check_ngram_range}),
    E.NeuralRecommender: declare(PAIRS, RATINGS, TRAINED),
}
