"""Docstrings from the declaration of the training parameters (:mod:`sknn.estimators._params`).

A class docstring holding :data:`PARAMS_SLOT` gets there the numpydoc entries of
the declared parameters its ``__init__`` takes (:func:`fill_docstring`, called
by ``BaseNetwork.__init_subclass__``), :data:`ATTRS_SLOT` the attributes every
fitted network has, and ``{name}`` any piece registered with
:func:`doc_snippet`.
"""

import inspect
import re
import textwrap

from ._params import SHAPED_PARAMS, TRAINING_PARAMS, declared_params

__all__ = ["PARAMS_SLOT", "ATTRS_SLOT", "DECLARED_DOC", "TRAINING_ATTRIBUTES", "declared_entries", "doc_snippet",
           "fill_docstring"]

#: Where a class docstring receives its declared parameters' entries.
PARAMS_SLOT = "{declared_parameters}"
#: Where a class docstring receives the attributes every fitted network has.
ATTRS_SLOT = "{training_attributes}"
#: A docstring piece: the declared parameters' entries, on their own.
DECLARED_DOC = f"\n    {PARAMS_SLOT}\n"

TRAINING_ATTRIBUTES = (
    ("network_ : sknn.nn.Sequential", "The trained network (the output layer included, raw outputs)."),
    ("loss_ : float", "The loss at the end of training (last epoch's mean)."),
    ("best_loss_ : float or None", "The minimum training loss reached (None with early stopping)."),
    ("loss_curve_ : list of float", "The mean training loss of each epoch (stochastic solvers)."),
    ("validation_scores_ : list of float or None", "The held-out score of each epoch, with early stopping."),
    ("validation_loss_curve_ : list of float or None", "The held-out loss of each epoch, with early stopping."),
    ("best_validation_score_ : float or None", "The best held-out score, with early stopping."),
    ("t_ : int", "Number of training samples seen by the solver."),
    ("n_iter_ : int", "Number of epochs (or L-BFGS iterations) run by the last fit."),
    ("out_activation_ : str", "Name of the output activation (applied by the loss)."),
)

_DECLARED = {p.name: p for p in TRAINING_PARAMS + SHAPED_PARAMS}


def _entry(head, body, indent="    "):
    body = textwrap.fill(body, width=100, initial_indent=indent + "    ", subsequent_indent=indent + "    ",
                         break_on_hyphens=False, break_long_words=False)
    return f"{indent}{head}\n{body}\n"


def declared_entries(cls, indent="    "):
    """``{name: numpydoc entry}`` of the declared parameters ``cls.__init__`` takes (its variants
    included, see :func:`declared_params`), with its defaults."""
    signature = inspect.signature(cls.__init__).parameters
    return {
        p.name: _entry(f"{p.name} : {p.type}, default={signature[p.name].default!r}", p.doc, indent)
        for p in declared_params(cls, tuple(_DECLARED.values()))
        if p.name in signature
    }


_SNIPPETS = {}


def doc_snippet(name, text):
    """Register a docstring piece several estimators share: a line ``{name}`` in a class docstring
    is replaced by ``text`` (dedented, then indented as the line). Returns ``text``."""
    _SNIPPETS[name] = textwrap.dedent(text).strip("\n")
    return text


def fill_docstring(cls):
    """Fill the slots of ``cls``'s own docstring, if it has any.

    A slot is a line holding only ``{name}``: :data:`PARAMS_SLOT` gets the entries of
    the declared parameters ``cls.__init__`` takes (with its defaults),
    :data:`ATTRS_SLOT` the attributes every fitted network has, and a name given to
    :func:`doc_snippet` its text. The replacement takes the slot's indentation.
    """
    doc = cls.__dict__.get("__doc__")
    if not doc or "{" not in doc:
        return cls

    def slot(match):
        indent, name = match.group(1), match.group(2)
        if "{" + name + "}" == PARAMS_SLOT:
            return "\n".join(declared_entries(cls, indent).values())
        if "{" + name + "}" == ATTRS_SLOT:
            return "\n".join(_entry(head, body, indent) for head, body in TRAINING_ATTRIBUTES)
        if name in _SNIPPETS:
            return textwrap.indent(_SNIPPETS[name], indent, lambda line: line.strip()) + "\n"
        return match.group(0)

    for _ in range(3):  # a snippet may hold slots itself
        doc = re.sub(r"^( *)\{(\w+)\}\n", slot, doc, flags=re.M)
    cls.__doc__ = doc
    return cls
