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

# SKNN_DOCS_QUICK=1 is CI's reduced mode: only the examples that need no data package and run in
# seconds are executed (their figures rendered); the others are shown as code.
_quick = os.environ.get("SKNN_DOCS_QUICK") == "1"
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_(autoencoder|conv_digits|architecture_search)" if _quick else r"/plot_",
    "plot_gallery": "True",
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


_EXTRA_SECTIONS = ("Shape", "Input")


def _is_header(lines, i):
    return (
        i + 1 < len(lines)
        and lines[i].strip()
        and set(lines[i + 1].strip()) == {"-"}
        and len(lines[i + 1].strip()) >= 3
    )


def _fold_extra_sections(app, what, name, obj, options, lines):
    """numpydoc knows no "Shape" / "Input" sections (PyTorch style): fold them into Notes."""
    out, moved, i = [], [], 0
    while i < len(lines):
        if _is_header(lines, i) and lines[i].strip() in _EXTRA_SECTIONS:
            title = lines[i].strip()
            i += 2
            block = []
            while i < len(lines) and not _is_header(lines, i):
                block.append(lines[i])
                i += 1
            moved += [f"**{title}**", ""] + block + [""]
        else:
            out.append(lines[i])
            i += 1
    if not moved:
        return
    for j in range(len(out)):
        if _is_header(out, j) and out[j].strip() == "Notes":
            out[j + 2 : j + 2] = moved
            break
    else:
        out += ["", "Notes", "-----"] + moved
    lines[:] = out


def setup(app):
    app.connect("autodoc-skip-member", _skip_sklearn_members)
    app.connect("autodoc-process-docstring", _fold_extra_sections, priority=100)

# Shape / Input sections are folded into Notes above; numpydoc's scraper warns before that happens.
warnings.filterwarnings("ignore", category=UserWarning, message="Unknown section (Shape|Input)")
