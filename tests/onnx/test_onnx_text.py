"""ONNX export of TextClassifier: tokenisation and vocabulary lookup in the graph."""

import numpy as np
import pytest
from onnx_check import TOL, session, sknn_onnx

import sknn

_WORDS = ["good", "great", "fine", "bad", "awful", "poor", "movie", "plot", "the", "a", "of", "Acting", "x1"]


def _docs(n=120, seed=0):
    rng = np.random.default_rng(seed)
    docs = []
    for _ in range(n):
        words = rng.choice(_WORDS, size=rng.integers(1, 12))
        docs.append(" ".join(words) + rng.choice(["", "!", ", and... MOVIE", " z"]))
    y = np.array([int(sum(w in d.lower() for w in ("good", "great", "fine")) > 0) for d in docs])
    return docs, y


# unknown tokens, upper case, punctuation, a token-free document, one longer than max_len
_HELD_OUT = ["GOOD unknownword plot", "awful, awful; the_plot", "", "a", "?!", "great " * 30]


def _check(clf, docs):
    sess = session(sknn_onnx.to_onnx(clf, docs[:2], options={"zipmap": False}))
    worst = 0.0
    for size in (1, 1000):
        X = [docs[i % len(docs)] for i in range(size)]
        feed = np.array(X, dtype=object) if isinstance(X[0], str) else np.asarray(X, dtype=np.int64)
        labels, proba = sess.run(None, {"X": feed})
        np.testing.assert_array_equal(labels, clf.predict(X))
        diff = np.abs(proba - clf.predict_proba(X)).max()
        assert diff <= TOL, diff
        worst = max(worst, float(diff))
    return worst


@pytest.mark.parametrize("encoder", ["mean", "conv", "lstm", "gru", "bilstm"])
def test_raw_text_every_encoder(encoder):
    docs, y = _docs()
    clf = sknn.TextClassifier(encoder=encoder, embedding_dim=6, units=4, max_len=8, max_features=10, max_iter=3,
                              random_state=0).fit(docs, y)
    _check(clf, docs[:30] + _HELD_OUT)


def test_case_sensitive_multiclass_string_labels():
    docs, y = _docs()
    labels = np.array(["neg", "pos", "mixed"])[(y + np.arange(len(y)) % 2 * (y == 0) * 2)]
    clf = sknn.TextClassifier(lowercase=False, embedding_dim=5, max_iter=3, random_state=0).fit(docs, labels)
    _check(clf, docs[:30] + _HELD_OUT)


def test_token_id_documents_with_padding_anywhere():
    rng = np.random.default_rng(0)
    X = rng.integers(0, 12, size=(120, 7))
    y = (X[:, :3].sum(axis=1) > 15).astype(int)
    clf = sknn.TextClassifier(encoder="gru", embedding_dim=4, units=3, max_len=5, max_iter=3,
                              random_state=0).fit(X, y)
    X_test = np.vstack([X[:20], [[0, 0, 3, 0, 99, 5, 0], [0] * 7, [40, 41, 42, 43, 44, 45, 46]]])
    _check(clf, X_test)


@pytest.mark.parametrize("params, name", [(dict(ngram_range=(1, 3)), "ngram_range"),
                                          (dict(encoder="conv", ngram_range=(1, 2)), "ngram_range"),
                                          (dict(token_pattern=r"\S+"), "token_pattern")])
def test_untranslatable_options_are_named(params, name):
    docs, y = _docs(40)
    clf = sknn.TextClassifier(embedding_dim=3, max_iter=1, random_state=0, **params).fit(docs, y)
    with pytest.raises(sknn_onnx.ExportError, match=name):
        sknn_onnx.to_onnx(clf, docs[:2])


def test_non_ascii_cased_vocabulary_is_refused_with_lowercase_and_exports_without():
    docs = ["été chaud", "Été froid", "hiver froid", "chaud hiver"] * 10
    y = np.array([0, 1, 1, 0] * 10)
    clf = sknn.TextClassifier(max_iter=2, random_state=0).fit(docs, y)
    with pytest.raises(sknn_onnx.ExportError, match="lowercase"):
        sknn_onnx.to_onnx(clf, docs[:2])
    lowered = [d.lower() for d in docs]
    _check(sknn.TextClassifier(max_iter=2, lowercase=False, random_state=0).fit(lowered, y), lowered)


@pytest.mark.parametrize("max_features", [None, 20])
def test_mean_encoder_with_bigrams_exports(max_features):
    """Bigrams (the default) are looked up in the graph from pairs of neighbouring token indices."""
    docs, y = _docs()
    clf = sknn.TextClassifier(ngram_range=(1, 2), embedding_dim=5, max_features=max_features, max_iter=3,
                              early_stopping=False, random_state=0).fit(docs, y)
    assert any(isinstance(t, tuple) for t in clf.vocabulary_)
    _check(clf, docs + _HELD_OUT)


def test_default_text_classifier_exports():
    docs, y = _docs()
    clf = sknn.TextClassifier(random_state=0).fit(docs, y)
    _check(clf, docs + _HELD_OUT)
