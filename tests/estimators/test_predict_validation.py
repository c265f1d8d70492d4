"""The quick acceptance of a plain float array at predict (``_adapters._passes_as_is``).

A table-input estimator skips scikit-learn's ``validate_data`` at predict for a
2-D float32/float64 ndarray of the fitted width with finite values. The test
may only accept what ``validate_data`` returns unchanged and silently; every
other input must still meet scikit-learn's own errors and warnings.
"""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.neural_network import MLPClassifier as SkMLPClassifier
from sklearn.utils.validation import validate_data

from sknn import AutoencoderTransformer, MLPClassifier, MLPRegressor
from sknn.estimators import _adapters

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

rng = np.random.default_rng(0)
X = rng.standard_normal((40, 5))
y = np.arange(40) % 3


def _fitted():
    return [MLPClassifier(hidden_layer_sizes=(4,), max_iter=3, random_state=0).fit(X, y),
            MLPRegressor(hidden_layer_sizes=(4,), max_iter=3, random_state=0).fit(X, y.astype(float)),
            AutoencoderTransformer(hidden_layer_sizes=(3,), max_iter=3, random_state=0).fit(X)]


def _with(a, value):
    a = a.copy()
    a[1, 2] = value
    return a


_big_endian = X.astype(">f8")
_read_only = X.copy()
_read_only.setflags(write=False)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", PendingDeprecationWarning)  # np.matrix itself is discouraged
    _matrix = np.asmatrix(X)

#: inputs the quick test accepts
ACCEPTED = {
    "float64": X,
    "float32": X.astype(np.float32),
    "one row": X[:1],
    "fortran": np.asfortranarray(X),
    "strided rows": X[::2],
    "reversed columns": X[:, ::-1],
    "read-only": _read_only,
}
#: inputs it must leave to validate_data (some valid, most refused or warned about)
REFUSED = {
    "nan": _with(X, np.nan),
    "inf": _with(X, np.inf),
    "-inf": _with(X.astype(np.float32), -np.inf),
    "wrong width": X[:, :4],
    "no rows": X[:0],
    "int": (X * 10).astype(np.int64),
    "float16": X.astype(np.float16),
    "big-endian": _big_endian,
    "matrix": _matrix,
    "list": X.tolist(),
    "1-D": X[0],
    "3-D": X[:, :, None],
    "sum overflows": np.full((3, 5), 1e308),  # finite, valid: accepted by validate_data, not here
}


@pytest.mark.parametrize("name", ACCEPTED)
def test_accepted_inputs_are_what_validate_data_returns_unchanged_and_silently(name):
    Z = ACCEPTED[name]
    for est in _fitted():
        assert _adapters._passes_as_is(est, Z)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert validate_data(est, Z, accept_sparse=["csr", "csc"], dtype=(np.float64, np.float32),
                                 reset=False) is Z


@pytest.mark.parametrize("name", REFUSED)
def test_every_other_input_goes_through_validate_data(name):
    for est in _fitted():
        assert not _adapters._passes_as_is(est, REFUSED[name])


def test_an_estimator_fitted_with_feature_names_still_warns_on_an_array():
    clf = MLPClassifier(hidden_layer_sizes=(4,), max_iter=3, random_state=0)
    clf.fit(pd.DataFrame(X, columns=list("abcde")), y)
    assert not _adapters._passes_as_is(clf, X)
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        clf.predict(X)


@pytest.mark.parametrize("name", ["nan", "inf", "wrong width", "no rows", "3-D"])
def test_refusals_are_scikit_learns(name):
    Z = REFUSED[name]
    ours = MLPClassifier(hidden_layer_sizes=(4,), max_iter=3, random_state=0).fit(X, y)
    theirs = SkMLPClassifier(hidden_layer_sizes=(4,), max_iter=3, random_state=0).fit(X, y)
    with pytest.raises(ValueError) as ours_error:
        ours.predict(Z)
    with pytest.raises(ValueError) as theirs_error:
        theirs.predict(Z)
    assert str(ours_error.value) == str(theirs_error.value)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_quick_path_predicts_the_same_bits(monkeypatch, dtype):
    Z = rng.standard_normal((7, 5)).astype(dtype)
    for est in _fitted():
        method = est.transform if isinstance(est, AutoencoderTransformer) else est.predict
        quick = method(Z)
        monkeypatch.setattr(_adapters, "_passes_as_is", lambda est, X: False)
        full = method(Z)
        monkeypatch.undo()
        assert quick.dtype == full.dtype
        np.testing.assert_array_equal(quick.view(np.uint8), full.view(np.uint8))

