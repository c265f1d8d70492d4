"""LossCurveDisplay, with matplotlib's Agg backend."""

import sys

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from sknn import MLPClassifier, MLPRegressor  # noqa: E402
from sknn.plot import LossCurveDisplay  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

X = np.random.default_rng(0).normal(size=(80, 3))
Y = (X[:, 0] > 0).astype(int)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_from_estimator_with_validation():
    clf = MLPClassifier(hidden_layer_sizes=(5,), max_iter=8, early_stopping=True, random_state=0).fit(X, Y)
    disp = LossCurveDisplay.from_estimator(clf)
    np.testing.assert_array_equal(disp.loss_curve_, clf.loss_curve_)
    np.testing.assert_array_equal(disp.validation_loss_curve_, clf.validation_loss_curve_)
    np.testing.assert_array_equal(disp.line_.get_ydata(), clf.loss_curve_)
    np.testing.assert_array_equal(disp.line_.get_xdata(), np.arange(1, len(clf.loss_curve_) + 1))
    np.testing.assert_array_equal(disp.validation_line_.get_ydata(), clf.validation_loss_curve_)
    assert disp.ax_.get_xlabel() == "Epoch" and disp.figure_ is disp.ax_.figure
    assert disp.line_.get_label() == "MLPClassifier training loss"


def test_given_axes_and_kwargs():
    reg = MLPRegressor(hidden_layer_sizes=(5,), max_iter=5, random_state=0).fit(X, X[:, 0])
    fig, ax = plt.subplots()
    disp = LossCurveDisplay.from_estimator(reg, ax=ax, name="mine", color="red", log_scale=True)
    assert disp.ax_ is ax and disp.figure_ is fig
    assert disp.validation_line_ is None
    assert disp.line_.get_color() == "red" and disp.line_.get_label() == "mine training loss"
    assert ax.get_yscale() == "log"
    # plot again on other axes (Display style)
    _, ax2 = plt.subplots()
    assert disp.plot(ax=ax2).ax_ is ax2


def test_direct_construction():
    disp = LossCurveDisplay(loss_curve=[3, 2, 1], validation_loss_curve=[3, 2.5, 2.4]).plot()
    assert disp.validation_line_.get_linestyle() == "--"


def test_errors():
    with pytest.raises(NotFittedError):
        LossCurveDisplay.from_estimator(MLPClassifier())
    lbfgs = MLPClassifier(hidden_layer_sizes=(3,), solver="lbfgs", max_iter=5).fit(X, Y)
    with pytest.raises(ValueError, match="lbfgs"):
        LossCurveDisplay.from_estimator(lbfgs)


def test_missing_matplotlib(monkeypatch):
    clf = MLPClassifier(hidden_layer_sizes=(3,), max_iter=3).fit(X, Y)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match="pip install matplotlib"):
        LossCurveDisplay.from_estimator(clf)


def test_from_estimator_uses_a_pipelines_final_step():
    """Issue 10 §6: a Pipeline plots its final step's curves."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    pipe = make_pipeline(StandardScaler(), MLPClassifier(hidden_layer_sizes=(5,), max_iter=6, random_state=0))
    with pytest.raises(NotFittedError):
        LossCurveDisplay.from_estimator(pipe)
    pipe.fit(X, Y)
    disp = LossCurveDisplay.from_estimator(pipe)
    np.testing.assert_array_equal(disp.loss_curve_, pipe[-1].loss_curve_)
    assert disp.estimator_name == "MLPClassifier"
