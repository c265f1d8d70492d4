"""TextClassifier: vocabulary, encoders, scikit-learn contract, bad input, and the sparse MLP path."""

import pickle

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.utils import estimator_checks as ec
from sklearn.utils.estimator_checks import parametrize_with_checks

from sknn import MLPClassifier, TextClassifier
from sknn.nn import Embedding, GlobalAvgPool, Sequential
from sknn.nn.dense import Dense

KEYWORDS = ("apple", "rocket", "violin")


def make_docs(n, seed):
    """Noise words plus one class keyword (sometimes two) at a random position."""
    rng = np.random.default_rng(seed)
    noise = [f"w{i}" for i in range(60)]
    docs, y = [], []
    for _ in range(n):
        c = int(rng.integers(3))
        toks = list(rng.choice(noise, int(rng.integers(3, 10))))
        for _ in range(int(rng.integers(1, 3))):
            toks.insert(int(rng.integers(len(toks) + 1)), KEYWORDS[c])
        docs.append(" ".join(toks))
        y.append(["fruit", "space", "music"][c])
    return docs, np.array(y)


DOCS, Y = make_docs(300, 0)
DOCS_TEST, Y_TEST = make_docs(150, 1)
FAST = dict(embedding_dim=8, units=8, max_iter=15, learning_rate_init=0.03, random_state=0)


# -- scikit-learn checks -------------------------------------------------------------
# With honest tags (string input, no 2-D arrays) scikit-learn runs only the checks
# that apply to a text estimator: today that is check_estimator_cloneable, all the
# array-based checks are skipped. The data-free API checks are run by hand below.
@parametrize_with_checks([TextClassifier(**FAST)])
def test_sklearn_compatible(estimator, check):
    check(estimator)


API_CHECKS = [
    ec.check_no_attributes_set_in_init,
    ec.check_estimator_repr,
    ec.check_parameters_default_constructible,
    ec.check_get_params_invariance,
    ec.check_set_params,
    ec.check_do_not_raise_errors_in_init_or_set_params,
    ec.check_estimator_tags_renamed,
    ec.check_valid_tag_types,
    ec.check_mixin_order,
]


@pytest.mark.parametrize("check", API_CHECKS, ids=lambda c: c.__name__)
def test_api_checks(check):
    check("TextClassifier", TextClassifier(**FAST))


def test_tags_are_honest():
    tags = TextClassifier().__sklearn_tags__()
    assert tags.input_tags.string and not tags.input_tags.two_d_array and not tags.input_tags.sparse
    assert tags.estimator_type == "classifier"


# -- learning ----------------------------------------------------------------------------
@pytest.mark.parametrize("encoder", ["mean", "conv", "gru"])
def test_learns_keywords(encoder):
    kw = dict(FAST, max_iter=60) if encoder == "mean" else FAST  # cheap epochs, more of them
    clf = TextClassifier(encoder, **kw).fit(DOCS, Y)
    assert clf.score(DOCS_TEST, Y_TEST) > 0.9
    proba = clf.predict_proba(DOCS_TEST[:5])
    assert proba.shape == (5, 3) and np.allclose(proba.sum(1), 1)
    assert list(clf.classes_) == ["fruit", "music", "space"]


@pytest.mark.parametrize("encoder,dim", [("mean", 8), ("conv", 8), ("lstm", 8), ("gru", 8), ("bilstm", 16)])
def test_transform_gives_document_embeddings(encoder, dim):
    clf = TextClassifier(encoder, **dict(FAST, max_iter=1)).fit(DOCS[:40], Y[:40])
    Z = clf.transform(DOCS_TEST[:7])
    assert Z.shape == (7, dim) and np.isfinite(Z).all()


def test_mean_encoder_is_the_masked_mean_of_embeddings():
    clf = TextClassifier("mean", **dict(FAST, max_iter=2)).fit(DOCS, Y)
    table = clf.network_.layers[0].params[0]
    seqs = clf._vocab.sequences(DOCS_TEST)
    length = max(len(s) for s in seqs)
    padded = np.zeros((len(seqs), length), dtype=np.int64)
    for r, s in enumerate(seqs):
        padded[r, : len(s)] = s
    ref = Sequential([Embedding(table.shape[0], table.shape[1], mask_zero=True), GlobalAvgPool()])
    ref.build((length,), np.random.default_rng(0))
    ref.layers[0].params[0][...] = table
    np.testing.assert_allclose(clf.transform(DOCS_TEST), ref.forward(padded), rtol=1e-12, atol=1e-14)


def test_vocabulary_padding_unknown_and_ngrams():
    clf = TextClassifier(ngram_range=(1, 2), max_features=5, max_iter=1, random_state=0)
    clf.fit(["a1 b1 a1", "a1 c1", "a1 b1"], [0, 1, 0])
    assert clf.vocabulary_["a1"] == 2  # most frequent token first; 0 pad, 1 unknown
    assert ("a1", "b1") in clf.vocabulary_
    seq = clf._vocab.sequences(["zz a1 b1"])[0]
    assert seq[0] == 1 and seq[1:] == [clf.vocabulary_["a1"], clf.vocabulary_["b1"], clf.vocabulary_[("a1", "b1")]]
    assert min(clf.vocabulary_.values()) == 2 and len(clf.vocabulary_) == 5
    clf2 = TextClassifier(min_df=2, max_iter=1, random_state=0).fit(["a1 b1", "a1 c1", "a1 b1 d1"], [0, 1, 0])
    assert set(clf2.vocabulary_) == {"a1", "b1"}


def test_pretokenised_input():
    rng = np.random.default_rng(0)
    y = rng.integers(2, size=200)
    seqs = [list(rng.integers(5, 40, int(rng.integers(2, 8)))) + [100 + int(c)] for c in y]
    clf = TextClassifier("lstm", **dict(FAST, max_iter=25)).fit(seqs, y)
    assert clf.input_kind_ == "tokens" and clf.score(seqs, y) > 0.9
    padded = np.zeros((len(seqs), 12), dtype=np.int64)
    for r, s in enumerate(seqs):
        padded[r, : len(s)] = s
    np.testing.assert_array_equal(clf.predict(padded), clf.predict(seqs))
    with pytest.raises(TypeError, match="fitted on tokens"):
        clf.predict(["some text"])


# -- composition, persistence, determinism -----------------------------------------------------
def test_pipeline_and_grid_search():
    grid = GridSearchCV(
        TextClassifier(**FAST), {"encoder": ["mean", "conv"], "embedding_dim": [4, 8]}, cv=2
    ).fit(DOCS, Y)
    assert grid.best_score_ > 0.8 and grid.best_params_["encoder"] in ("mean", "conv")
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    embed = TextClassifier(**dict(FAST, max_iter=60))
    pipe = Pipeline([("embed", embed), ("lr", LogisticRegression())]).fit(DOCS, Y)
    assert pipe.score(DOCS_TEST, Y_TEST) > 0.9


def test_pickle_and_clone():
    clf = TextClassifier("conv", **FAST).fit(DOCS, Y)
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(again.predict_proba(DOCS_TEST), clf.predict_proba(DOCS_TEST))
    assert not hasattr(clone(clf), "network_")


@pytest.mark.parametrize("encoder", ["mean", "lstm"])
def test_deterministic(encoder):
    kw = dict(FAST, max_iter=3, dropout=0.2)
    a = TextClassifier(encoder, **kw).fit(DOCS, Y).predict_proba(DOCS_TEST)
    b = TextClassifier(encoder, **kw).fit(DOCS, Y).predict_proba(DOCS_TEST)
    np.testing.assert_array_equal(a, b)


def test_partial_fit_and_sample_weight():
    clf = TextClassifier(**FAST)
    for _ in range(60):
        clf.partial_fit(DOCS, Y, classes=np.unique(Y))
    assert clf.score(DOCS_TEST, Y_TEST) > 0.9
    w = np.where(Y == "fruit", 5.0, 1.0)
    TextClassifier(**dict(FAST, max_iter=2)).fit(DOCS, Y, sample_weight=w)


# -- bad input ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "X, error, match",
    [
        ([], ValueError, "empty"),
        (["fine", float("nan"), "text"], TypeError, "document 1 is float"),
        ("just one string", TypeError, "single string"),
        (["ok", None], TypeError, "document 1 is NoneType"),
        (sp.csr_matrix(np.eye(2)), TypeError, "not a sparse matrix"),
        (np.ones((2, 3)), TypeError, "integer token ids"),
        (["text", [1, 2]], TypeError, "mixes"),
    ],
)
def test_bad_documents(X, error, match):
    y = [0, 1, 0][: max(len(X) if not sp.issparse(X) and not isinstance(X, str) else 2, 0)]
    with pytest.raises(error, match=match):
        TextClassifier(**FAST).fit(X, y)


def test_bad_params_and_unfitted():
    with pytest.raises(ValueError, match="encoder"):
        TextClassifier(encoder="transformer").fit(DOCS, Y)
    with pytest.raises(ValueError, match="ngram_range"):
        TextClassifier(ngram_range=(2, 1)).fit(DOCS, Y)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        TextClassifier(**FAST).fit(DOCS, Y[:-1])
    with pytest.raises(NotFittedError):
        TextClassifier().predict(["x"])
    clf = TextClassifier(**dict(FAST, max_iter=1)).fit(DOCS, Y)
    with pytest.raises(TypeError, match="single string"):
        clf.predict("one doc")
    assert clf.predict(["", "completely unknown words"]).shape == (2,)


# -- the sparse path of MLPClassifier ------------------------------------------------------------
def _named(fn, name):
    def method(self, *args, **kwargs):
        return fn(self, *args, _name=name, **kwargs)

    return method


def test_tfidf_mlp_pipeline_never_densifies(monkeypatch):
    def refuse(self, *args, _name, **kwargs):
        name = _name
        if self.dtype.kind == "f":  # the TF-IDF features (LabelBinarizer's int labels may densify)
            raise AssertionError("the sparse feature matrix was densified")
        return original[type(self), name](self, *args, **kwargs)

    original = {}
    for cls in (sp.csr_matrix, sp.csc_matrix, sp.coo_matrix, sp.csr_array, sp.csc_array):
        for name in ("toarray", "todense"):
            original[cls, name] = getattr(cls, name)
            monkeypatch.setattr(cls, name, _named(refuse, name))
    seen = []
    forward = Dense.forward

    def spy(self, X, training=False, mask=None):
        seen.append((sp.issparse(X), X.shape))
        out = forward(self, X, training=training, mask=mask)
        assert isinstance(out, np.ndarray)
        return out

    monkeypatch.setattr(Dense, "forward", spy)
    pipe = make_pipeline(TfidfVectorizer(), MLPClassifier(hidden_layer_sizes=(16,), learning_rate_init=0.01, max_iter=50, random_state=0))
    pipe.fit(DOCS, Y)
    n_features = len(pipe[0].vocabulary_)
    first_layer_calls = [s for s in seen if s[1][-1] == n_features]
    assert first_layer_calls and all(is_sparse for is_sparse, _ in first_layer_calls)
    assert pipe.score(DOCS_TEST, Y_TEST) > 0.9
