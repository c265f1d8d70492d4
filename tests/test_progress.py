"""Progress output: scikit-learn's verbose lines, sknn's explicit ProgressBar, scikit-learn's callbacks."""

import io
import re
import sys

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV

from sknn import MLPClassifier, MLPRegressor
from sknn.utils.callbacks import HAS_SKLEARN_CALLBACKS
from sknn.utils.progress import EpochProgress, ProgressBar, format_line

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

X = np.random.default_rng(0).normal(size=(40, 3))
Y = (X[:, 0] > 0).astype(int)
SMALL = dict(hidden_layer_sizes=(4,), random_state=0)


@pytest.fixture
def no_tqdm(monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)  # import tqdm -> ImportError
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)


@pytest.mark.parametrize("verbose", [True, 1, 2, 10])
def test_any_truthy_verbose_prints_sklearns_lines_and_no_bar(verbose, capsys):
    MLPClassifier(max_iter=3, verbose=verbose, early_stopping=True, **SMALL).fit(X, Y)
    out, err = capsys.readouterr()
    assert re.findall(r"^Iteration (\d+), loss = \d+\.\d{8}$", out, re.M) == ["1", "2", "3"]
    assert len(re.findall(r"^Validation score: -?\d+\.\d{6}$", out, re.M)) == 3
    assert "epoch" not in out + err and "sknn" not in err  # no implicit bar


def test_verbose_false_is_silent(capsys):
    MLPClassifier(max_iter=2, **SMALL).fit(X, Y)
    assert capsys.readouterr() == ("", "")


def test_tqdm_bar_when_chosen(capsys):
    pytest.importorskip("tqdm")
    MLPClassifier(max_iter=4, early_stopping=True, callbacks=[ProgressBar()], **SMALL).fit(X, Y)
    out, err = capsys.readouterr()
    assert "4/4" in err and "loss=" in err and "val_loss=" in err
    assert out == ""


def test_plain_lines_without_tqdm(capsys, no_tqdm):
    MLPRegressor(max_iter=3, callbacks=[ProgressBar()], **SMALL).fit(X, X[:, 0])
    out, err = capsys.readouterr()
    lines = [line for line in out.splitlines() if line.startswith("[")]
    assert len(lines) == 3
    assert lines[-1].startswith("[" + "#" * 20 + "] epoch 3/3") and "loss " in lines[-1]
    assert err == ""


def test_warm_start_counts_this_calls_epochs(capsys, no_tqdm):
    reg = MLPRegressor(max_iter=2, warm_start=True, callbacks=[ProgressBar()], **SMALL)
    reg.fit(X, X[:, 0])
    reg.fit(X, X[:, 0])
    out = capsys.readouterr().out
    assert re.findall(r"epoch (\d+/\d+)", out) == ["1/2", "2/2", "1/2", "2/2"]


def test_partial_fit_counts_epochs_without_a_total(capsys, no_tqdm):
    clf = MLPClassifier(callbacks=[ProgressBar()], **SMALL)
    for _ in range(3):
        clf.partial_fit(X, Y, classes=[0, 1])
    out = capsys.readouterr().out
    assert re.findall(r"^epoch (\S+)  loss", out, re.M) == ["1", "2", "3"]
    assert "/" not in out


def test_partial_fit_tqdm_count_is_never_beyond_its_total(capsys):
    pytest.importorskip("tqdm")
    clf = MLPClassifier(callbacks=[ProgressBar()], **SMALL)
    for _ in range(3):
        clf.partial_fit(X, Y, classes=[0, 1])
    err = capsys.readouterr().err
    assert "3/1" not in err and "2/1" not in err and "3epoch" in err.replace(" ", "")


def test_lbfgs_bar_counts_iterations(capsys, no_tqdm):
    MLPRegressor(solver="lbfgs", max_iter=3, callbacks=[ProgressBar()], **SMALL).fit(X, X[:, 0])
    out = capsys.readouterr().out
    assert re.findall(r"epoch (\d+/\d+)", out) == ["1/3", "2/3", "3/3"]


def test_verbose_lines_never_share_a_line_with_the_bar():
    """Issue 10 §7: 'Validation score' lines are written above the bar, not into it."""
    pytest.importorskip("tqdm")
    stream = io.StringIO()
    bar = ProgressBar(file=stream)
    MLPClassifier(max_iter=5, verbose=1, early_stopping=True, callbacks=[bar], **SMALL).fit(X, Y)
    segments = re.split(r"[\r\n]", stream.getvalue())
    lines = [s for s in segments if "Validation score" in s or "Iteration" in s]
    assert len(lines) == 10
    assert all(re.fullmatch(r"(Validation score: \S+|Iteration \d+, loss = \S+)", s) for s in lines)


def test_clone_and_pickle_do_not_copy_a_live_bar(no_tqdm):
    import pickle

    from sklearn.base import clone

    bar = ProgressBar()
    clf = MLPClassifier(callbacks=[bar], **SMALL)
    clf.partial_fit(X, Y, classes=[0, 1])  # leaves the running count open
    assert bar._progress is not None
    assert clone(clf).callbacks[0]._progress is None
    assert pickle.loads(pickle.dumps(bar))._progress is None


def test_forcing_tqdm_when_missing_is_an_import_error(no_tqdm):
    with pytest.raises(ImportError, match="pip install tqdm"):
        EpochProgress(3, use_tqdm=True)


def test_format_line():
    info = {"epoch": 2, "loss": 0.25, "validation_loss": 0.5, "validation_score": 0.75, "time": 0.1}
    line = format_line(info, 4)
    assert line == "[" + "#" * 10 + "." * 10 + "] epoch 2/4  loss 0.250000  val_loss 0.500000  val_score 0.7500  0.10s"
    assert format_line({"epoch": 7, "loss": 1.0}, None) == "epoch 7  loss 1.000000"


# -- scikit-learn's callback protocol (scikit-learn >= 1.9) ----------------------------------

needs_callbacks = pytest.mark.skipif(not HAS_SKLEARN_CALLBACKS, reason="sklearn.callback is new in scikit-learn 1.9")


class Recorder:
    """A scikit-learn FitCallback recording the task tree it sees."""

    def __init__(self, stop_after=None):
        self.events, self.stop_after = [], stop_after

    def setup(self, estimator, context):
        self.events.append(("setup", type(estimator).__name__))

    def teardown(self, estimator, context):
        self.events.append(("teardown", type(estimator).__name__))

    def on_fit_task_begin(self, estimator, context, **kwargs):
        self.events.append(("begin", context.task_name, context.task_id))

    def on_fit_task_end(self, estimator, context, *, fitted_estimator=None, X=None):
        self.events.append(("end", context.task_name, context.task_id))
        if context.task_name == "epoch" and fitted_estimator is not None:
            self.events.append(("score", fitted_estimator.score(X, Y)))
            return self.stop_after is not None and context.task_id + 1 >= self.stop_after
        return False


@needs_callbacks
def test_sklearn_callbacks_see_one_task_per_epoch():
    rec = Recorder()
    clf = MLPClassifier(max_iter=3, **SMALL).set_callbacks(rec).fit(X, Y)
    kinds = [e[0] for e in rec.events]
    assert kinds[0] == "setup" and kinds[-1] == "teardown"
    assert [e for e in rec.events if e[0] in ("begin", "end")] == [
        ("begin", "fit", 0),
        ("begin", "epoch", 0), ("end", "epoch", 0),
        ("begin", "epoch", 1), ("end", "epoch", 1),
        ("begin", "epoch", 2), ("end", "epoch", 2),
        ("end", "fit", 0),
    ]  # fmt: skip
    # each epoch's fitted_estimator is a frozen copy: the last one scores like the model
    scores = [e[1] for e in rec.events if e[0] == "score"]
    assert scores[-1] == clf.score(X, Y)
    assert not hasattr(clf, "_callback_fit_ctx")  # torn down


@needs_callbacks
def test_sklearn_callback_can_stop_training():
    clf = MLPClassifier(max_iter=50, **SMALL).set_callbacks(Recorder(stop_after=2)).fit(X, Y)
    assert clf.n_iter_ == 2


@needs_callbacks
def test_sklearn_progress_bar_nested_in_grid_search(capsys):
    pytest.importorskip("rich")
    from sklearn.callback import ProgressBar as SkProgressBar

    grid = GridSearchCV(MLPClassifier(max_iter=3, **SMALL), {"alpha": [1e-4, 1e-2]}, cv=2)
    grid.set_callbacks(SkProgressBar(max_propagation_depth=None)).fit(X, Y)
    out = capsys.readouterr().out
    assert "GridSearchCV - fit" in out and "MLPClassifier - fit" in out
    assert grid.best_estimator_.n_iter_ == 3


@needs_callbacks
def test_sklearn_callbacks_on_lbfgs_and_partial_fit():
    rec = Recorder()
    MLPRegressor(solver="lbfgs", max_iter=3, **SMALL).set_callbacks(rec).fit(X, X[:, 0])
    ends = [e for e in rec.events if e[0] == "end"]
    assert ends[-1] == ("end", "fit", 0) and 1 <= len(ends) - 1 <= 4
    rec = Recorder()
    clf = MLPClassifier(**SMALL).set_callbacks(rec)
    clf.partial_fit(X, Y, classes=[0, 1])
    assert [e[1:] for e in rec.events if e[0] == "end"] == [("epoch", 0), ("partial_fit", 0)]
