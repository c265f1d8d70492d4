"""The scikit-learn classes sknn.save may store, with their fitted state.

An allow-list: each class comes with the declaration of its fitted attributes
(type, dtype, shape, range) and a validator for the relations between them
(indices within their tables, sizes that agree), written against scikit-learn
1.6 to 1.9. Anything else is refused by name. Files holding scikit-learn objects
record the scikit-learn version: another major.minor version is refused (the
private attributes and numerics of these classes change between versions), a
different bugfix release gives a :class:`~sknn.persistence.PersistenceWarning`.
"""

import importlib
import math
import re
import warnings

import numpy as np
import sklearn

from ._persistence_codec import expect, expect_keys
from ._persistence_errors import PersistenceWarning, refuse
from ._persistence_layers import MAX_SAMPLE_VALUES
from ._persistence_sknn import check_ngram_range, check_token_pattern
from ._persistence_specs import (Array, Bool, Declaration, Either, Float, Instance, Int, ListOf, Opt, Spec, Str,
                                 increasing)

__all__ = ["ALLOWED", "lookup_class", "lookup_name", "allowed_names", "check_version", "encode_other",
           "decode_remainder_cols"]

_N = {"n_features_in_": Int(1, 2**31, dim="n")}
_NAMES = {"feature_names_in_": Array("O", ("n",))}
_VEC = Array("f", ("n",), finite=True)
_POSITIVE_VEC = Array("f", ("n",), finite=True, lo=0)


def _none(value, where, context):
    if value is not None:
        refuse("parameter", f"{where} must be None in a saved model.")


def _one_of(*choices):
    def check(value, where, context):
        if value not in choices:
            refuse("parameter", f"{where}: {value!r} is not one of {list(choices)}.")
    return check


def _text_encoding(value, where, context):
    try:
        "x".encode(value)  # refuses the bytes-to-bytes codecs (zlib_codec...), unlike decoding b""
    except (LookupError, TypeError, UnicodeEncodeError):
        refuse("parameter", f"{where}: {value!r} is not a text encoding.")


class _Estimator(Spec):
    """A nested fitted estimator (decoded through the allow-list), or one of a few strings."""

    def __init__(self, *strings):
        self.strings = strings

    def check(self, value, where, dims):
        from sklearn.base import BaseEstimator

        if not (isinstance(value, BaseEstimator) or (isinstance(value, str) and value in self.strings)):
            refuse("type", f"{where}: expected a fitted estimator, got {type(value).__name__}.")


# -- validators ----------------------------------------------------------------------------------------
def _check_categories(est, context):
    for i, cats in enumerate(est.categories_):
        Array("biufO", (None,), object_items=(str, int, float, type(None)))(cats, f"categories_[{i}]")
        body = cats
        if cats.size and (cats[-1] is None or (isinstance(cats[-1], float) and math.isnan(cats[-1]))):
            body = cats[:-1]  # the missing-value category comes last
        if cats.dtype.kind != "O" and not increasing(body):
            refuse("inconsistent", f"categories_[{i}]: numeric categories must be sorted and unique.")
        if cats.dtype.kind == "O" and len({x if isinstance(x, str) else repr(x) for x in body.tolist()}) != len(body):
            refuse("inconsistent", f"categories_[{i}]: categories must be unique.")
    if est._infrequent_enabled:
        refuse("range", "Infrequent-category grouping is not supported by sknn.load.")


def _check_one_hot(est, context):
    _check_categories(est, context)
    drop = est.drop_idx_
    if (drop is None) != (est._drop_idx_after_grouping is None) or (
            drop is not None and drop.tolist() != est._drop_idx_after_grouping.tolist()):
        refuse("inconsistent", "drop_idx_ and _drop_idx_after_grouping differ.")
    outs = []
    for i, cats in enumerate(est.categories_):
        d = None if drop is None else drop[i]
        if d is not None and (type(d) is not int or not 0 <= d < len(cats)):
            refuse("range", f"drop_idx_[{i}] = {d!r} is not an index of categories_[{i}].")
        outs.append(len(cats) - (d is not None))
    if est._n_features_outs != outs:
        refuse("inconsistent", f"_n_features_outs {est._n_features_outs} does not fit categories_ ({outs}).")
    if sum(outs) > MAX_SAMPLE_VALUES:
        refuse("too_large", "The encoder's output is too wide.")


def _check_ordinal(est, context):
    _check_categories(est, context)
    expected = {i: len(c) - 1 for i, c in enumerate(est.categories_)
                if c.size and isinstance(c[-1], float) and math.isnan(c[-1])}
    if est._missing_indices != expected:
        refuse("inconsistent", "_missing_indices does not point at the missing-value categories.")


def _check_polynomial(est, context):
    degree = est.degree
    expected = (0, degree) if isinstance(degree, int) else tuple(degree)
    if (est._min_degree, est._max_degree) != expected or est._max_degree > 64:
        refuse("inconsistent", "_min_degree / _max_degree do not fit degree.")
    count = type(est)._num_combinations
    n, args = est.n_features_in_, (est._max_degree, est.interaction_only, est.include_bias)
    if (est.n_output_features_, est._n_out_full) != (count(n, est._min_degree, *args), count(n, 0, *args)):
        refuse("inconsistent", "n_output_features_ does not fit the degree and n_features_in_.")
    if est._n_out_full > MAX_SAMPLE_VALUES:
        refuse("too_large", f"PolynomialFeatures would output {est._n_out_full} features per sample.")


def _check_pca(est, context):
    if est.n_components_ != est.components_.shape[0] or est.components_.shape[0] > est.n_features_in_:
        refuse("inconsistent", "n_components_ does not fit components_.")


def _check_vocabulary(est, context):
    vocab = est.vocabulary_
    if not all(isinstance(k, str) for k in vocab) or not all(type(v) is int for v in vocab.values()):
        refuse("type", "vocabulary_ maps str terms to int columns.")
    if sorted(vocab.values()) != list(range(len(vocab))):
        refuse("range", f"vocabulary_: the column indices must be 0 .. {len(vocab) - 1}, each once.")
    tfidf = getattr(est, "_tfidf", None)
    if tfidf is not None and hasattr(tfidf, "idf_") and tfidf.idf_.shape != (len(vocab),):
        refuse("inconsistent", "The idf_ vector does not have one entry per vocabulary term.")


def _derive_vectorizer(est, derived):
    if "_stop_words_id" in derived:  # an identity cache (set by the word analyzer), meaningless in another process
        est._stop_words_id = id(est.stop_words)


def _check_indicator(est, context):
    if est._n_features != est.n_features_in_ or not increasing(est.features_):
        refuse("inconsistent", "MissingIndicator.features_ / _n_features do not fit n_features_in_.")


def _check_column_transformer(est, context):
    n = est.n_features_in_
    names = [t[0] for t in est.transformers_]
    if len(set(names)) != len(names) or not all(isinstance(t, tuple) and len(t) == 3 for t in est.transformers_):
        refuse("inconsistent", "transformers_ holds (name, transformer, columns) with unique names.")
    for name, trans, cols in est.transformers_:
        _Estimator("drop", "passthrough")(trans, f"transformers_[{name!r}]")
    indices = est._transformer_to_input_indices
    if not isinstance(indices, dict) or not set(indices) <= set(names) | {"remainder"}:
        refuse("inconsistent", "_transformer_to_input_indices does not name the transformers.")
    for name, idx in indices.items():
        ListOf(Int(0, n - 1))(idx, f"_transformer_to_input_indices[{name!r}]")
    for name, sl in est.output_indices_.items():
        if not isinstance(sl, slice) or not (0 <= (sl.start or 0) <= (sl.stop or 0) <= MAX_SAMPLE_VALUES):
            refuse("range", f"output_indices_[{name!r}] is not a valid slice.")
    if not (isinstance(est._remainder, tuple) and len(est._remainder) == 3 and est._remainder[0] == "remainder"):
        refuse("inconsistent", "_remainder is ('remainder', transformer, columns).")


def _no_infrequent(value, where, context):
    if value is not None:
        refuse("parameter", f"{where}: infrequent-category grouping is not supported by sknn.save / load.")


# -- scikit-learn 1.5 - 1.7: ColumnTransformer's remainder columns ---------------------------------
_REMAINDER_COLS = ("future_dtype", "warning_was_emitted", "warning_enabled")


def encode_other(enc, value, where):
    """Encode the few scikit-learn helper objects that may appear in a fitted state; refuse others."""
    cls = type(value)
    if cls.__name__ == "_RemainderColsList" and cls.__module__ == "sklearn.compose._column_transformer":
        body = {"columns": enc.value(list(value.data), where)}
        body.update({k: enc.value(getattr(value, k), where) for k in _REMAINDER_COLS})
        return {"__remainder_cols__": body}
    return None


def decode_remainder_cols(dec, v, where, depth):
    from sklearn.compose import _column_transformer

    cls = getattr(_column_transformer, "_RemainderColsList", None)
    expect_keys(v, ("__remainder_cols__",), where=where)
    body = dec.value({"__dict__": [[k, x] for k, x in expect(v["__remainder_cols__"], dict, where).items()]},
                     where, depth)
    if cls is None or set(body) != {"columns", *_REMAINDER_COLS}:
        refuse("class", f"{where}: remainder columns of another scikit-learn version.")
    ListOf(Either(Int(0), Str()))(body["columns"], where)
    Opt(Str("str", "bool"))(body["future_dtype"], where)
    for k in _REMAINDER_COLS[1:]:
        Bool()(body[k], where)
    return cls(body["columns"], **{k: body[k] for k in _REMAINDER_COLS})


# -- the allow-list ------------------------------------------------------------------------------------
_CATEGORIES = {"categories_": ListOf(Array("biufO", (None,), object_items=(str, int, float, type(None))), length="n"),
               "_infrequent_enabled": Bool()}
_DROP = Opt(Array("O", ("n",), object_items=(int, type(None))))
_VECTORIZER_PARAMS = {
    "input": _one_of("content"), "analyzer": _one_of("word", "char", "char_wb"), "preprocessor": _none,
    "tokenizer": _none, "token_pattern": check_token_pattern, "ngram_range": check_ngram_range,
    "encoding": _text_encoding,
}
_VECTORIZER = Declaration(
    stored={"fixed_vocabulary_": Bool(), "vocabulary_": Instance(dict)},
    derived=("_stop_words_id",), derive=_derive_vectorizer, validate=_check_vocabulary, params=_VECTORIZER_PARAMS)

ALLOWED = {
    "sklearn.pipeline.Pipeline": Declaration(stored={}, params={"memory": _none}),
    "sklearn.pipeline.FeatureUnion": Declaration(stored={}),
    "sklearn.compose.ColumnTransformer": Declaration(
        stored={**_N, "_columns": Instance(list), "_transformer_to_input_indices": Instance(dict),
                "_remainder": Instance(tuple), "sparse_output_": Bool(), "transformers_": Instance(list),
                "output_indices_": Instance(dict)},
        optional=_NAMES, validate=_check_column_transformer),
    "sklearn.preprocessing.StandardScaler": Declaration(
        stored={**_N, "n_samples_seen_": Either(Int(0), Float(lo=0, ints=True), Array("iu", ("n",), lo=0)),
                "mean_": Opt(_VEC),
                "var_": Opt(_POSITIVE_VEC), "scale_": Opt(Array("f", ("n",), finite=True))},
        optional=_NAMES),
    "sklearn.preprocessing.MinMaxScaler": Declaration(
        stored={**_N, "n_samples_seen_": Int(0), "scale_": _VEC, "min_": _VEC, "data_min_": _VEC,
                "data_max_": _VEC, "data_range_": _VEC}, optional=_NAMES),
    "sklearn.preprocessing.RobustScaler": Declaration(
        stored={**_N, "center_": Opt(_VEC), "scale_": Opt(_VEC)}, optional=_NAMES),
    "sklearn.preprocessing.MaxAbsScaler": Declaration(
        stored={**_N, "n_samples_seen_": Int(0), "max_abs_": _POSITIVE_VEC, "scale_": _POSITIVE_VEC},
        optional=_NAMES),
    "sklearn.preprocessing.Normalizer": Declaration(stored=dict(_N), optional=_NAMES),
    "sklearn.preprocessing.PolynomialFeatures": Declaration(
        stored={**_N, "_min_degree": Int(0, 64), "_max_degree": Int(0, 64), "n_output_features_": Int(1),
                "_n_out_full": Int(1)}, optional=_NAMES, validate=_check_polynomial),
    "sklearn.preprocessing.OneHotEncoder": Declaration(
        stored={**_N, **_CATEGORIES, "_drop_idx_after_grouping": _DROP, "drop_idx_": _DROP,
                "_n_features_outs": ListOf(Int(0), length="n")},
        optional=_NAMES, validate=_check_one_hot,
        params={"min_frequency": _no_infrequent, "max_categories": _no_infrequent}),
    "sklearn.preprocessing.OrdinalEncoder": Declaration(
        stored={**_N, **_CATEGORIES, "_missing_indices": Instance(dict)}, optional=_NAMES,
        validate=_check_ordinal, params={"min_frequency": _no_infrequent, "max_categories": _no_infrequent}),
    "sklearn.preprocessing.LabelEncoder": Declaration(
        stored={"classes_": Array("biufU", (None,), increasing=True)}),
    "sklearn.impute.SimpleImputer": Declaration(
        stored={**_N, "_fit_dtype": Instance(*{type(np.dtype(t)) for t in "?bhilqBHILQefdO"}),
                "indicator_": Opt(_Estimator()), "statistics_": Array("biufO", ("n",), object_items=(
                    str, int, float, type(None)))},
        optional={**_NAMES, "_fill_dtype": Instance(*{type(np.dtype(t)) for t in "?bhilqBHILQefdO"})}),
    "sklearn.impute.MissingIndicator": Declaration(
        stored={**_N, "_n_features": Int(1), "features_": Array("iu", (None,), lo=0, hi="n"), "_precomputed": Bool()},
        optional=_NAMES, validate=_check_indicator),
    "sklearn.feature_extraction.text.CountVectorizer": _VECTORIZER,
    "sklearn.feature_extraction.text.TfidfVectorizer": Declaration(
        stored={**_VECTORIZER.stored, "_tfidf": _Estimator()}, derived=_VECTORIZER.derived,
        derive=_derive_vectorizer, validate=_check_vocabulary, params=_VECTORIZER_PARAMS),
    "sklearn.feature_extraction.text.TfidfTransformer": Declaration(
        stored={**_N, "idf_": Array("f", ("n",), finite=True, lo=0)}, optional=_NAMES),
    "sklearn.preprocessing.FunctionTransformer": Declaration(
        stored={}, optional={**_N, **_NAMES}, params={"func": _none, "inverse_func": _none}),
    "sklearn.decomposition.PCA": Declaration(
        stored={**_N, "_fit_svd_solver": Str("full", "arpack", "randomized", "covariance_eigh"),
                "mean_": _VEC, "noise_variance_": Float(ints=True), "n_samples_": Int(1),
                "n_components_": Int(1, dim="k"), "components_": Array("f", ("k", "n"), finite=True),
                "explained_variance_": Array("f", ("k",), finite=True, lo=0),
                "explained_variance_ratio_": Array("f", ("k",), finite=True),
                "singular_values_": Array("f", ("k",), finite=True)},
        optional=_NAMES, validate=_check_pca),
    "sklearn.decomposition.TruncatedSVD": Declaration(
        stored={**_N, "components_": Array("f", ("k", "n"), finite=True),
                "explained_variance_": Array("f", ("k",), finite=True),
                "explained_variance_ratio_": Array("f", ("k",), finite=True),
                "singular_values_": Array("f", ("k",), finite=True)}, optional=_NAMES),
}


def _split(name):
    module, _, cls = name.rpartition(".")
    return module, cls


def allowed_names():
    return [_split(n)[1] for n in ALLOWED]


def lookup_class(cls):
    """(name, declaration) for an allowed scikit-learn class (exactly that class, not a subclass)."""
    for name, decl in ALLOWED.items():
        module, attr = _split(name)
        if cls.__name__ == attr and getattr(importlib.import_module(module), attr) is cls:
            return name, decl
    return None


def lookup_name(name):
    """(class, declaration) for an allowed name, or None; imports only scikit-learn modules of the allow-list."""
    decl = ALLOWED.get(name)
    if decl is None:
        return None
    module, attr = _split(name)
    return getattr(importlib.import_module(module), attr), decl


def _major_minor(version):
    match = re.match(r"(\d+)\.(\d+)", version)
    return match.groups() if match else None


def check_version(context):
    """Refuse scikit-learn objects written by another major.minor scikit-learn; warn on another bugfix release."""
    if context.sklearn_checked:
        return
    context.sklearn_checked = True
    saved, current = context.versions["sklearn"], sklearn.__version__
    if _major_minor(saved) != _major_minor(current):
        refuse("version", f"The file holds scikit-learn objects saved with scikit-learn {saved}; this is "
               f"scikit-learn {current}. Their fitted state differs between versions: load it with scikit-learn "
               f"{'.'.join(_major_minor(saved) or ('?', '?'))}.x, or refit.")
    if saved != current:
        warnings.warn(f"The file's scikit-learn objects were saved with scikit-learn {saved}, this is {current}; "
                      "results may differ slightly.", PersistenceWarning, stacklevel=6)
