"""AutoencoderTransformer(n_components=...): the code size under scikit-learn's name."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline

from sknn import AutoencoderTransformer
from sknn.nn import Dense

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

X = np.random.default_rng(0).random((60, 10))
TINY = dict(max_iter=3, random_state=0)


def test_n_components_sets_the_code_size_like_pca():
    ae = AutoencoderTransformer(n_components=8, **TINY).fit(X)
    assert ae.transform(X).shape == (60, 8) and ae.n_components_ == 8
    assert [layer.units for layer in ae.encoder_.layers if isinstance(layer, Dense)] == [128, 8]
    # the same network as writing the sizes out, bit for bit
    same = AutoencoderTransformer((128, 8), **TINY).fit(X)
    np.testing.assert_array_equal(ae.transform(X), same.transform(X))


def test_default_code_size_is_unchanged():
    assert AutoencoderTransformer(**TINY).fit(X).n_components_ == 16


def test_n_components_decides_the_code_whatever_hidden_layer_sizes_ends_with():
    # scikit-learn's own checks set n_components alone and expect it to hold
    ae = AutoencoderTransformer((32, 4), n_components=3, **TINY).fit(X)
    assert ae.n_components_ == 3 and ae.transform(X).shape == (60, 3)
    assert [layer.units for layer in ae.encoder_.layers if isinstance(layer, Dense)] == [32, 3]


@pytest.mark.parametrize(
    "kw, message",
    [
        (dict(n_components=0), "positive int"),
        (dict(n_components=2.5), "positive int"),
        (dict(n_components=True), "positive int"),
        (dict(n_components=4, layers=[Dense(4)]), "with layers= the code"),
    ],
)
def test_bad_n_components(kw, message):
    with pytest.raises(ValueError, match=message):
        AutoencoderTransformer(**kw, **TINY).fit(X)


def test_grid_search_over_n_components():
    y = (X[:, 0] > 0.5).astype(int)
    pipe = make_pipeline(AutoencoderTransformer(**TINY), LogisticRegression())
    grid = GridSearchCV(pipe, {"autoencodertransformer__n_components": [2, 5]}, cv=2).fit(X, y)
    assert grid.best_estimator_[0].n_components_ == grid.best_params_["autoencodertransformer__n_components"]
