"""Each TextClassifier / NeuralRecommender option changes what it should (and a mutant of it fails here)."""

import warnings

import numpy as np
import pandas as pd
import pytest

from sknn import NeuralRecommender, TextClassifier
from sknn.nn import GRU, LSTM, Activation, Bidirectional, Conv1D, Dense, Dropout, Embedding
from sknn.nn.sparse_grad import RowSparseGrad

DOCS = ["Apple pie and apple tart", "a Rocket to the moon", "the violin and a Violin bow", "APPLE juice"] * 5
LABELS = ["fruit", "space", "music", "fruit"] * 5
ONE_EPOCH = dict(embedding_dim=3, units=3, max_iter=1, random_state=0)


def fit(est, X, y=None, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning of the one-epoch fits
        return est.fit(X, y, **kw)


def text(**kw):
    return fit(TextClassifier(**{**ONE_EPOCH, **kw}), DOCS, LABELS)


# -- TextClassifier: tokenisation and vocabulary ---------------------------------------------------------
def test_lowercase():
    lower = text(lowercase=True)
    assert "apple" in lower.vocabulary_ and "Apple" not in lower.vocabulary_ and "APPLE" not in lower.vocabulary_
    np.testing.assert_array_equal(lower.predict_proba(["APPLE Violin"]), lower.predict_proba(["apple violin"]))
    cased = text(lowercase=False)
    assert {"Apple", "apple", "APPLE", "Violin", "violin"} <= set(cased.vocabulary_)
    assert not np.array_equal(cased.predict_proba(["APPLE Violin"]), cased.predict_proba(["apple violin"]))


def test_token_pattern():
    assert "a" not in text().vocabulary_  # default: tokens of 2+ characters
    single = text(token_pattern=r"(?u)\b\w+\b")
    assert "a" in single.vocabulary_
    assert set(text(token_pattern=r"[aeiou]").vocabulary_) <= set("aeiou")


def test_ngram_range():
    uni = text()
    assert all(isinstance(t, str) for t in uni.vocabulary_)
    both = text(ngram_range=(1, 2))
    assert ("apple", "pie") in both.vocabulary_ and "apple" in both.vocabulary_
    bi = text(ngram_range=(2, 2))
    assert all(isinstance(t, tuple) and len(t) == 2 for t in bi.vocabulary_)


def test_max_features_and_min_df():
    assert len(text(max_features=3).vocabulary_) == 3
    top = text(max_features=1).vocabulary_
    assert list(top) == ["apple"]  # the most frequent token (5 docs x 3)
    full = text(max_features=None).vocabulary_
    assert len(full) > len(text(max_features=5).vocabulary_) == 5
    # "moon" is in 1/4 of the documents: kept with min_df=0.25, dropped with 0.3 and with int 6
    assert "moon" in text(min_df=0.25).vocabulary_ and "moon" not in text(min_df=0.3).vocabulary_
    assert "moon" not in text(min_df=6).vocabulary_ and "apple" in text(min_df=6).vocabulary_


def test_vocabulary_size_sets_the_table():
    clf = text(max_features=4)
    assert clf.network_.layers[0].params[0].shape == (4 + 2, 3)  # + padding and unknown rows


# -- TextClassifier: the network ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "encoder, types",
    [
        ("mean", [Dense]),
        ("conv", [Embedding, Conv1D, Activation]),
        ("lstm", [Embedding, LSTM]),
        ("gru", [Embedding, GRU]),
        ("bilstm", [Embedding, Bidirectional]),
    ],
)
def test_encoder_builds_its_layers(encoder, types):
    clf = text(encoder=encoder)
    layers = clf.network_.layers
    for layer, kind in zip(layers, types):
        assert isinstance(layer, kind)
    # the table's gradient is kept by rows, whatever the encoder
    assert isinstance(layers[0].grads[0], RowSparseGrad)


def test_embedding_dim_units_and_kernel_size():
    clf = text(encoder="conv", embedding_dim=5, units=7, kernel_size=2)
    emb, conv = clf.network_.layers[:2]
    assert emb.params[0].shape[1] == 5
    assert conv.params[0].shape[0] == 2 and conv.params[0].shape[-1] == 7
    assert clf.transform(DOCS[:2]).shape == (2, 7)
    assert text(embedding_dim=6).transform(DOCS[:2]).shape == (2, 6)
    assert text(encoder="lstm", units=5).transform(DOCS[:2]).shape == (2, 5)


def test_dropout():
    rates = [l.rate for l in text(dropout=0.3).network_.layers if isinstance(l, Dropout)]
    assert rates == [0.3]
    assert not any(isinstance(l, Dropout) for l in text(dropout=0.0).network_.layers)


def test_max_len_truncates_sequence_encoders_only():
    long_doc = "rocket " * 3 + "apple " * 20
    head = "rocket " * 3
    seq = text(encoder="gru", max_len=3)
    assert seq.max_len_ == 3
    np.testing.assert_array_equal(seq.predict_proba([long_doc]), seq.predict_proba([head]))
    assert text(encoder="gru", max_len=None).max_len_ == max(len(d.split()) for d in DOCS) - 1  # "a" dropped
    mean = text(max_len=3)  # the mean encoder averages the whole document
    assert not np.array_equal(mean.predict_proba([long_doc]), mean.predict_proba([head]))


# -- NeuralRecommender --------------------------------------------------------------------------------------
rng = np.random.default_rng(0)
PAIRS = pd.DataFrame({"user": rng.integers(0, 8, 80), "item": rng.integers(0, 6, 80)})
RATINGS = 3 + 0.5 * (PAIRS["user"].to_numpy() % 2) + 0.1 * rng.standard_normal(80)
REC = dict(n_factors=2, hidden_layer_sizes=(3,), max_iter=2, batch_size=16, early_stopping=False, random_state=0)


def rec(**kw):
    return fit(NeuralRecommender(**{**REC, **kw}), PAIRS, RATINGS if kw.get("feedback") != "implicit" else None)


def test_n_factors_and_hidden_layer_sizes():
    model = rec(n_factors=4, hidden_layer_sizes=(5, 3))
    assert model.user_factors_.shape == (8, 4) and model.item_factors_.shape == (6, 4)
    tower = [l.units for l in model.network_.layers[0].tower.layers if isinstance(l, Dense)]
    assert tower == [5, 3]
    plain = rec(hidden_layer_sizes=())
    assert plain.network_.layers[0].tower.layers == [] and "user_mlp" not in plain.network_.layers[0].param_names


def test_activation_and_dropout():
    tower = rec(activation="tanh", dropout=0.25).network_.layers[0].tower.layers
    assert [l.name for l in tower if isinstance(l, Activation)] == ["tanh"]
    assert [l.rate for l in tower if isinstance(l, Dropout)] == [0.25]
    assert not any(isinstance(l, Dropout) for l in rec().network_.layers[0].tower.layers)


def test_feedback_and_n_negatives():
    explicit = rec()
    assert explicit.global_mean_ == pytest.approx(RATINGS.mean()) and explicit.t_ == 2 * 80
    implicit = rec(feedback="implicit", n_negatives=2)
    p = implicit.predict(PAIRS)
    assert implicit.global_mean_ == 0.0 and ((p > 0) & (p < 1)).all()  # probabilities
    assert implicit.t_ == 2 * 80 * (1 + 2)  # each epoch: the positives and 2 fresh negatives each
    assert rec(feedback="implicit", n_negatives=5).t_ == 2 * 80 * (1 + 5)
