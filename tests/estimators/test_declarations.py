"""Every public estimator against the one declaration of the training parameters (sknn/estimators/_params.py).

scikit-learn needs explicit ``__init__`` signatures, so each estimator repeats the
parameter names; these tests are what keeps the repetitions true to the declaration:
defaults, constraints, docstring entries and the TrainingConfig handed to the loop.
"""

import ast
import inspect
import re
from dataclasses import fields

import pytest
from sklearn.base import ClassifierMixin

import sknn
from sknn.estimators._params import (
    AUTO_EARLY_STOPPING,
    SHAPED_PARAMS,
    SMALL_AUTO_BATCH_SIZE,
    TRAINING_PARAMS,
    declared_params,
    training_config,
)
from sknn.estimators._params_doc import declared_entries
from sknn.training import TrainingConfig

PUBLIC = [getattr(sknn, name) for name in sknn.estimators.__all__]
SHAPED = {sknn.NeuralNetClassifier, sknn.NeuralNetRegressor, sknn.ConvNetClassifier, sknn.ConvNetRegressor,
          sknn.RNNClassifier, sknn.RNNRegressor}
# the presets whose data calls for other defaults; every other default is the declared one
OVERRIDES = {
    sknn.TextClassifier: {"learning_rate_init": 0.01, "n_iter_no_change": 5, "early_stopping": "auto"},
    sknn.AutoencoderTransformer: {"alpha": 1e-3, "early_stopping": "auto"},
    sknn.RNNClassifier: {"learning_rate_init": 0.003, "max_iter": 500, "n_iter_no_change": 30, "clip_norm": 1.0},
    sknn.RNNRegressor: {"learning_rate_init": 0.003, "max_iter": 500, "n_iter_no_change": 60, "clip_norm": 1.0,
                        "early_stopping": True},
    sknn.NeuralRecommender: {"solver": "adamw", "alpha": 1.0, "batch_size": 1024, "learning_rate_init": 0.003,
                             "max_iter": 200, "early_stopping": True},
}


def signature(Est):
    return inspect.signature(Est.__init__).parameters


def documented_parameters(Est):
    """``{name: entry text}`` of the docstring's Parameters section (numpydoc layout)."""
    doc = inspect.getdoc(Est)
    section = re.search(r"^Parameters\n-{10}\n(.*?)(?=^\w[\w ]*\n-{3,}\n)", doc, re.S | re.M).group(1)
    entries = re.split(r"^(?=\S)", section, flags=re.M)
    out = {}
    for entry in filter(str.strip, entries):
        head = entry.split(" : ", 1)[0]
        for name in head.split(","):
            out[name.strip()] = entry
    return out


# the presets that accept more than the declaration (a value scikit-learn's MLPs refuse), each by a variant
VARIANTS = {sknn.TextClassifier: (AUTO_EARLY_STOPPING,), sknn.AutoencoderTransformer: (AUTO_EARLY_STOPPING, SMALL_AUTO_BATCH_SIZE),
            sknn.RNNClassifier: (SMALL_AUTO_BATCH_SIZE,), sknn.RNNRegressor: (SMALL_AUTO_BATCH_SIZE,)}
# variants that keep the values but change what 'auto' means (the preset passes it to the loop)
REDEFINED_AUTO = {SMALL_AUTO_BATCH_SIZE}


def expected_params(Est):
    declared = [p for p in declared_params(Est) if p.name != "class_weight" or issubclass(Est, ClassifierMixin)]
    return declared + (list(SHAPED_PARAMS) if Est in SHAPED else [])


@pytest.mark.parametrize("Est", PUBLIC, ids=lambda E: E.__name__)
def test_variants_are_the_listed_ones(Est):
    assert tuple(getattr(Est, "_declared_variants", ())) == VARIANTS.get(Est, ())
    for v in VARIANTS.get(Est, ()):
        base = next(p for p in TRAINING_PARAMS if p.name == v.name)
        # a variant widens the declaration: every value the declaration accepts stays valid
        assert v.constraints[: len(base.constraints)] == base.constraints
        if v in REDEFINED_AUTO:
            assert v.constraints == base.constraints and v.doc != base.doc and "'auto'" in v.doc
        else:
            assert v.doc.startswith(base.doc)


@pytest.mark.parametrize("Est", [sknn.MLPClassifier, sknn.MLPRegressor], ids=lambda E: E.__name__)
def test_the_mlps_refuse_auto_early_stopping_as_scikit_learn_does(Est):
    X, y = [[0.0], [1.0], [0.0], [1.0]], [0, 1, 0, 1]
    with pytest.raises(ValueError, match="early_stopping"):
        Est(early_stopping="auto", max_iter=1).fit(X, y)
    assert "'auto'" not in documented_parameters(Est)["early_stopping"]


def test_a_variant_keeps_its_name():
    with pytest.raises(ValueError, match="name"):
        AUTO_EARLY_STOPPING.variant(name="stop_early")


@pytest.mark.parametrize("Est", PUBLIC, ids=lambda E: E.__name__)
def test_init_takes_every_declared_parameter_with_its_default(Est):
    params = signature(Est)
    overrides = OVERRIDES.get(Est, {})
    for p in expected_params(Est):
        assert p.name in params, f"{Est.__name__}.__init__ lacks {p.name}"
        assert params[p.name].kind is inspect.Parameter.KEYWORD_ONLY, p.name
        assert params[p.name].default == overrides.get(p.name, p.default), p.name
    assert set(overrides) <= {p.name for p in expected_params(Est)}


@pytest.mark.parametrize("Est", PUBLIC, ids=lambda E: E.__name__)
def test_docstring_documents_exactly_the_parameters(Est):
    documented = documented_parameters(Est)
    assert set(documented) == set(signature(Est)) - {"self"}
    # the declared entries are the rendered declaration, with this estimator's defaults
    for name, entry in declared_entries(Est).items():
        assert documented[name].split() == entry.split(), name
        assert f"default={signature(Est)[name].default!r}" in entry


@pytest.mark.parametrize("Est", PUBLIC, ids=lambda E: E.__name__)
def test_every_declared_parameter_is_checked_with_its_declared_constraints(Est):
    for p in expected_params(Est):
        assert Est._parameter_constraints[p.name] == list(p.constraints), p.name


def test_training_config_is_the_declared_parameters():
    names = {f.name for f in fields(TrainingConfig)} - {"resample", "auto_batch_size"}
    assert names <= {p.name for p in TRAINING_PARAMS}
    est = sknn.MLPRegressor(alpha=0.5, clip_norm=2.0, max_iter=7, solver="sgd")
    config = training_config(est)
    assert {n: getattr(config, n) for n in names} == {n: getattr(est, n) for n in names}
    assert config.resample is None
    # batch_size='auto' is scikit-learn's min(200, n) but for the presets that redefine it
    assert config.auto_batch_size == 200 and est._training_config().auto_batch_size == 200
    assert sknn.RNNClassifier()._training_config().auto_batch_size == 32


def test_a_new_declared_parameter_reaches_the_docstrings():
    """The entries come from the declaration: change a doc there and every estimator shows it."""
    from sknn.estimators import _params

    class Probe(sknn.estimators._base.BaseNetwork):
        """Probe.

        Parameters
        ----------
        {declared_parameters}

        Attributes
        ----------
        {training_attributes}
        """

        def __init__(self, *, clip_norm=3.0):
            self.clip_norm = clip_norm

    doc = inspect.getdoc(Probe)
    clip = next(p for p in _params.TRAINING_PARAMS if p.name == "clip_norm")
    assert "clip_norm : float or None, default=3.0" in doc and clip.doc.split()[0] in doc
    assert "solver :" not in doc  # only the parameters __init__ takes
    assert "loss_curve_ : list of float" in doc and "{training_attributes}" not in doc


@pytest.mark.parametrize("Est", PUBLIC, ids=lambda E: E.__name__)
def test_every_documented_default_is_the_signatures(Est):
    # e.g. a docstring piece shared by two presets must not state one preset's default for both
    params = signature(Est)
    checked = 0
    for name, entry in documented_parameters(Est).items():
        match = re.match(r"[^\n]* : [^\n]*default=(.*)\n", entry)
        if match is None or name not in params:
            continue
        stated, actual = match.group(1).strip(), params[name].default
        try:
            same = ast.literal_eval(stated) == actual
        except (ValueError, SyntaxError):  # a name (None is a literal; e.g. a class is not)
            same = stated in {repr(actual), str(actual)}
        assert same, f"{Est.__name__}.{name}: documented {stated}, is {actual!r}"
        checked += 1
    assert checked >= 5
