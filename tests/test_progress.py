"""verbose=2 progress: a tqdm bar when installed, plain lines otherwise."""

import sys

import numpy as np
import pytest

from sknn import MLPClassifier, MLPRegressor
from sknn.utils.progress import EpochProgress, format_line

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

X = np.random.default_rng(0).normal(size=(40, 3))
Y = (X[:, 0] > 0).astype(int)


def test_tqdm_bar(capsys):
    pytest.importorskip("tqdm")
    MLPClassifier(hidden_layer_sizes=(4,), max_iter=4, verbose=2, early_stopping=True, random_state=0).fit(X, Y)
    out, err = capsys.readouterr()
    assert "4/4" in err and "loss=" in err and "val_loss=" in err
    assert "Iteration" not in out  # the bar replaces scikit-learn's per-epoch lines


def test_plain_lines_without_tqdm(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)  # import tqdm -> ImportError
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    MLPRegressor(hidden_layer_sizes=(4,), max_iter=3, verbose=2, random_state=0).fit(X, X[:, 0])
    out, err = capsys.readouterr()
    lines = [line for line in out.splitlines() if line.startswith("[")]
    assert len(lines) == 3
    assert lines[-1].startswith("[" + "#" * 20 + "] epoch 3/3") and "loss " in lines[-1]
    assert "%" not in err


def test_verbose_1_keeps_sklearn_lines(capsys):
    MLPClassifier(hidden_layer_sizes=(4,), max_iter=2, verbose=1, random_state=0).fit(X, Y)
    out, err = capsys.readouterr()
    assert "Iteration 2, loss = " in out and "epoch" not in err


def test_forcing_tqdm_when_missing_is_an_import_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "tqdm", None)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    with pytest.raises(ImportError, match="pip install tqdm"):
        EpochProgress(3, use_tqdm=True)


def test_format_line():
    info = {"epoch": 2, "loss": 0.25, "validation_loss": 0.5, "validation_score": 0.75, "time": 0.1}
    line = format_line(info, 4)
    assert line == "[" + "#" * 10 + "." * 10 + "] epoch 2/4  loss 0.250000  val_loss 0.500000  val_score 0.7500  0.10s"
