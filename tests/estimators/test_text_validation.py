"""TextClassifier refuses vocabularies it cannot build, with errors that say why."""

import numpy as np
import pytest

from sknn import TextClassifier

DOCS = ["good film", "bad film", "good plot", "bad plot", "great cast", "awful cast"]
Y = [1, 0, 1, 0, 1, 0]
TINY = dict(embedding_dim=4, max_iter=2, random_state=0)


@pytest.mark.parametrize("min_df", [7, 0.9])
def test_min_df_that_removes_every_token(min_df):
    with pytest.raises(ValueError, match=rf"min_df={min_df} removes every token .* in 2 of 6 training documents"):
        TextClassifier(min_df=min_df, **TINY).fit(DOCS, Y)


def test_documents_without_any_token():
    with pytest.raises(ValueError, match="contain no token"):
        TextClassifier(**TINY).fit(["a", "b", "!"], [0, 1, 0])  # the default pattern needs 2 letters


@pytest.mark.parametrize(
    "pattern, message",
    [
        ("", "matches the empty string"),
        (r"\w*", "matches the empty string"),
        ("(", "not a valid regular expression"),
        (r"(\w)(\w+)", "2 capturing groups"),
        (3, "must be a str"),
    ],
)
def test_bad_token_patterns(pattern, message):
    with pytest.raises(ValueError, match=message):
        TextClassifier(token_pattern=pattern, **TINY).fit(DOCS, Y)


def test_one_group_pattern_is_the_token():
    clf = TextClassifier(token_pattern=r"(\w+)\b", **TINY).fit(DOCS, Y)
    assert "good" in clf.vocabulary_ and "" not in clf.vocabulary_


def test_refused_refit_keeps_the_fitted_model():
    clf = TextClassifier(**TINY).fit(DOCS, Y)
    before = clf.predict_proba(DOCS)
    with pytest.raises(ValueError, match="removes every token"):
        clf.set_params(min_df=100).fit(DOCS, Y)
    np.testing.assert_array_equal(clf.predict_proba(DOCS), before)
