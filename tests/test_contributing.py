"""docs/contributing.rst: its complete preset runs, and is a full scikit-learn estimator pair."""

import inspect
import pathlib
import re
import textwrap

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_iris, make_regression

from sknn.estimators._params import TRAINING_PARAMS
from sknn.estimators._params_doc import declared_entries

PAGE = pathlib.Path(__file__).resolve().parents[1] / "docs" / "contributing.rst"


@pytest.fixture(scope="module")
def preset():
    text = PAGE.read_text(encoding="utf-8")
    section = text.split("A complete preset", 1)[1]
    block = re.search(r"\.\. code-block:: python\n\n((?:    .*\n|\n)+)", section).group(1)
    namespace = {"__name__": "contributing_example"}
    exec(compile(textwrap.dedent(block), str(PAGE), "exec"), namespace)
    return namespace


def test_the_page_preset_classifies_and_regresses(preset):
    X, y = load_iris(return_X_y=True)
    clf = preset["OneLayerClassifier"](units=8, learning_rate_init=0.05, max_iter=100, random_state=0).fit(X, y)
    assert clf.score(X, y) > 0.9
    assert clf.predict_proba(X[:3]).shape == (3, 3)
    assert clf.network_.layers[0].units == 8
    Xr, yr = make_regression(n_samples=100, n_features=4, noise=1, random_state=0)
    reg = preset["OneLayerRegressor"](solver="lbfgs", max_iter=200, random_state=0).fit(Xr, yr)
    assert reg.score(Xr, yr) > 0.9
    # a scikit-learn estimator: clone keeps the parameters, the same seed gives the same model
    again = clone(reg).fit(Xr, yr)
    np.testing.assert_array_equal(again.predict(Xr), reg.predict(Xr))


def test_the_page_preset_gets_the_declared_docs_and_checks(preset):
    for Est in (preset["OneLayerClassifier"], preset["OneLayerRegressor"]):
        doc = inspect.getdoc(Est)
        for entry in declared_entries(Est).values():
            assert " ".join(entry.split()) in " ".join(doc.split())
        assert "{declared_parameters}" not in doc and "{training_attributes}" not in doc
        assert "loss_curve_ : list of float" in doc
        assert {p.name for p in TRAINING_PARAMS} - {"class_weight"} <= set(Est._parameter_constraints)
    with pytest.raises(ValueError, match="units"):
        preset["OneLayerRegressor"](units=0).fit(*make_regression(n_samples=20, n_features=2, random_state=0))
