"""Arrows one way only: persistence does not import the package face, the engine does not import scikit-learn."""

import os
import subprocess
import sys

import sknn

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(sknn.__file__)))

# sknn as a bare namespace: sknn/__init__.py (which imports the estimators and persistence) does not run
_BARE = f"""
import sys, types
pkg = types.ModuleType("sknn")
pkg.__path__ = [{os.path.join(_ROOT, "sknn")!r}]
sys.modules["sknn"] = pkg
"""


def _run(code):
    result = subprocess.run([sys.executable, "-c", _BARE + code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_persistence_imports_neither_the_package_face_nor_the_estimators():
    out = _run(
        "import numpy as np, io\n"
        "import sknn.persistence as p\n"
        "print(sorted(m for m in sys.modules if m.startswith('sknn.estimators')))\n"
        "print(p.__version__ == __import__('sknn._version', fromlist=['x']).__version__)\n"
        # the estimator classes are found once needed, through the modules that define them
        "from sknn.estimators import MLPRegressor\n"
        "X = np.arange(12.0).reshape(6, 2)\n"
        "m = MLPRegressor(hidden_layer_sizes=(3,), max_iter=3, random_state=0).fit(X, X[:, 0])\n"
        "buf = io.BytesIO(); p.save(m, buf); buf.seek(0)\n"
        "print(np.array_equal(p.load(buf).predict(X), m.predict(X)))\n"
    )
    assert out.split("\n")[:3] == ["[]", "True", "True"]


def test_the_engine_imports_no_scikit_learn():
    out = _run(
        "import sknn.nn, sknn.nn.lbfgs\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'sklearn' or m.startswith('sknn.estimators')))\n"
    )
    assert out.strip() == "[]"
