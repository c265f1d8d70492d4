"""How shaped estimators read their input: lists of 1-D arrays, ragged rows, image-like 3-D X."""

import warnings

import numpy as np
import pytest

from sknn import ConvNetClassifier, ConvNetRegressor, NeuralNetClassifier, NeuralNetRegressor, RNNClassifier
from sknn.estimators.conv import ImageShapeWarning

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

TINY = dict(max_iter=3, random_state=0)


def _series(lengths, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(n) for n in lengths]


# -- recurrent estimators: a list of 1-D arrays is a list of sequences of scalars ---------
def test_rnn_ragged_list_of_1d_arrays_at_fit_and_predict():
    X = _series((5, 7, 9, 11))
    clf = RNNClassifier(units=4, **TINY).fit(X, [0, 1, 0, 1])
    assert clf.input_shape_ == (11, 1)
    assert clf.predict(_series((30,), seed=1)).shape == (1,)  # longer than any seen
    assert clf.predict(_series((5,), seed=2)).shape == (1,)  # a single short one
    assert clf.predict(_series((5, 7), seed=3)).shape == (2,)


def test_rnn_equal_length_list_is_read_like_the_ragged_one():
    # the rule does not depend on whether the lengths differ
    X = _series((6, 6, 6, 6))
    clf = RNNClassifier(units=4, **TINY).fit(X, [0, 1, 0, 1])
    assert clf.input_shape_ == (6, 1)
    np.testing.assert_array_equal(clf.predict_proba(X), clf.predict_proba(np.array(X)))
    assert clf.predict(_series((13, 2), seed=1)).shape == (2,)


def test_rnn_2d_array_of_another_width_points_to_the_list_form():
    clf = RNNClassifier(units=4, **TINY).fit(np.array(_series((6,) * 4)), [0, 1, 0, 1])
    with pytest.raises(ValueError, match=r"X has 9 features, but RNNClassifier .* list of 1-D arrays"):
        clf.predict(np.zeros((2, 9)))


# -- 2-D estimators: a list of 1-D arrays is a table, never zero-padded -------------------
@pytest.mark.parametrize("Est", [NeuralNetClassifier, NeuralNetRegressor, ConvNetClassifier, ConvNetRegressor])
def test_two_d_estimators_refuse_ragged_rows(Est):
    with pytest.raises(ValueError, match=r"rows have different lengths \(5, 7, 9, 11\)"):
        Est(**TINY).fit(_series((5, 7, 9, 11)), [0, 1, 0, 1])


@pytest.mark.parametrize("Est", [NeuralNetClassifier, ConvNetClassifier])
def test_two_d_estimators_read_equal_rows_as_a_table_and_refuse_ragged_at_predict(Est):
    X = _series((8,) * 6)
    est = Est(**TINY).fit(X, [0, 1] * 3)
    assert est.n_features_in_ == 8
    before = est.predict_proba(np.array(X))
    np.testing.assert_array_equal(est.predict_proba(X), before)
    with pytest.raises(ValueError, match="different lengths"):
        est.predict(_series((8, 9)))
    np.testing.assert_array_equal(est.predict_proba(X), before)  # the failed call changed nothing


def test_neuralnet_still_takes_lists_of_2d_sequences():
    X = [np.ones((n, 2)) * n for n in (3, 5, 4)]
    est = NeuralNetClassifier(**TINY).fit(X, [0, 1, 0])
    assert est.predict(X).shape == (3,)


# -- ConvNet: 3-D X that may be single-channel images ------------------------------------
@pytest.fixture(scope="module")
def digits():
    from sklearn.datasets import load_digits

    d = load_digits()
    return d.images[:60] / 16, d.target[:60]


def test_convnet_warns_on_image_like_3d_input(digits):
    images, y = digits
    with pytest.warns(ImageShapeWarning, match=r"input_shape=\(8, 8, 1\), or X\[\.\.\., None\]"):
        clf = ConvNetClassifier(filters=(2,), **TINY).fit(images, y)
    assert clf.network_.layers[0].__class__.__name__ == "Conv1D"  # still built as documented
    with pytest.warns(ImageShapeWarning, match=r"input_shape=\(8, 8\) is read as 1-D signals"):
        ConvNetClassifier(input_shape=(8, 8), filters=(2,), **TINY).fit(images.reshape(60, 64), y)


@pytest.mark.parametrize(
    "shape, input_shape",
    [((60, 8, 8, 1), None), ((60, 64), None), ((60, 64), (8, 8, 1)), ((60, 40, 3), None), ((60, 64, 2), None)],
)
def test_convnet_no_warning_for_images_with_channels_or_signals(digits, shape, input_shape):
    X = np.resize(digits[0], shape)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ImageShapeWarning)
        ConvNetClassifier(input_shape=input_shape, filters=(2,), **TINY).fit(X, digits[1])
