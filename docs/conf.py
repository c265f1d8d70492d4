"""Sphinx configuration for the sknn documentation."""

import os
import sys
import warnings

sys.path.insert(0, os.path.abspath(".."))
import sknn  # noqa: E402

project = "sknn"
author = "the sknn developers"
copyright = "2026, the sknn developers"
release = version = sknn.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": False}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
templates_path = ["_templates"]
exclude_patterns = ["_build", "auto_examples/*.ipynb", "auto_examples/*.py", "auto_examples/*.zip"]
html_theme = "alabaster"
html_static_path = ["_static"]

# SKNN_DOCS_QUICK=1 renders the gallery without running the examples (CI's reduced mode).
_quick = os.environ.get("SKNN_DOCS_QUICK") == "1"
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "plot_gallery": "False" if _quick else "True",
    "download_all_examples": False,
    "within_subsection_order": "FileNameSortKey",
}

warnings.filterwarnings("ignore", category=UserWarning, message="Matplotlib is currently using agg")


def _skip_sklearn_members(app, what, name, obj, skip, options):
    """Methods inherited from scikit-learn (metadata routing, score...) are documented there."""
    module = getattr(obj, "__module__", "") or ""
    if module.startswith("sklearn"):
        return True
    return None


def setup(app):
    app.connect("autodoc-skip-member", _skip_sklearn_members)
