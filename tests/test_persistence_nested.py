"""sknn.save / sknn.load of estimators nested in pipelines: each refusal names its reason and its place,
and layers shared by one estimator are restored shared in a nested one (issue 8 §5, mutation-testing gaps)."""

import copy
import io
import re

import numpy as np
import pytest
from persistence_models import estimator_bodies, fit_quietly, repack, same_outputs, saved_bytes, unpack
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.model_selection import KFold

import sknn
from sknn import nn as L
from sknn.persistence import PersistenceError

RNG = np.random.default_rng(0)
X = RNG.normal(size=(30, 4))
Y = (X[:, 0] > 0).astype(int)
# where the MLP of a pipeline inside a pipeline is, in every message about it
MLP_PLACE = "estimator(Pipeline).steps[0][1](Pipeline).steps[1][1](MLPClassifier): "


@pytest.fixture(scope="module")
def nested_file():
    inner = make_pipeline(StandardScaler(), sknn.MLPClassifier((3,), max_iter=3, random_state=0))
    pipe = fit_quietly(make_pipeline(inner), X, Y)
    return pipe, saved_bytes(pipe)


def edited(data, edit):
    """The file ``data`` with ``edit(params)`` applied to the nested MLP's saved parameters."""
    header, members = unpack(data)
    header = copy.deepcopy(header)
    (body,) = [b for _, b in estimator_bodies(header["estimator"]) if b["__estimator__"] == "MLPClassifier"]
    edit(body["params"])
    return repack(header, members)


def refusal(data):
    with pytest.raises(PersistenceError) as info:
        sknn.load(io.BytesIO(data))
    return info.value


def test_nested_pipeline_round_trips(nested_file):
    pipe, data = nested_file
    loaded = sknn.load(io.BytesIO(data))
    assert type(loaded[0][1]) is sknn.MLPClassifier and loaded[0][1] is not pipe[0][1]
    assert same_outputs(pipe, loaded, X)


def test_an_unknown_parameter_is_refused_as_parameter(nested_file):
    exc = refusal(edited(nested_file[1], lambda params: params.update(bogus=1)))
    assert exc.reason == "parameter"
    assert str(exc).startswith(MLP_PLACE + "the parameters [")
    assert re.search(r"'bogus'.* are not those of MLPClassifier in this version \(\[", str(exc))


def test_a_missing_parameter_is_refused_as_parameter(nested_file):
    exc = refusal(edited(nested_file[1], lambda params: params.pop("alpha")))
    assert exc.reason == "parameter"
    assert str(exc).startswith(MLP_PLACE) and "are not those of MLPClassifier" in str(exc)


def test_an_invalid_parameter_value_is_refused_with_the_estimators_reason(nested_file):
    exc = refusal(edited(nested_file[1], lambda params: params.update(alpha=-1.0)))
    assert exc.reason == "parameter"
    assert str(exc).startswith(MLP_PLACE + "MLPClassifier refuses its saved parameters (")
    assert "The 'alpha' parameter of MLPClassifier must be a float in the range [0.0, inf). Got -1.0" in str(exc)


def test_a_scikit_learn_helper_object_inside_an_sknn_estimator_is_refused_by_name():
    """Only the few scikit-learn helper objects a fitted state may hold are encoded; others name their type."""
    est = make_pipeline(sknn.MLPClassifier((3,), class_weight=KFold(2)))
    with pytest.raises(PersistenceError) as info:
        saved_bytes(est)
    assert info.value.reason == "unsupported"
    assert str(info.value).startswith("Pipeline.steps[0][1].class_weight: values of type sklearn.model_selection._split.KFold cannot be")


def test_layers_tied_in_a_nested_estimator_stay_tied():
    """Each attribute of each estimator has its own memo of shared layers, at any nesting depth."""
    auto = sknn.AutoencoderTransformer(hidden_layer_sizes=(4, 2), tied_weights=True, max_iter=3, random_state=0)
    pipe = fit_quietly(make_pipeline(make_pipeline(StandardScaler(), auto)), X)
    loaded = sknn.load(io.BytesIO(saved_bytes(pipe)))
    layers = loaded[0][1].network_.layers
    tied = [layer for layer in layers if isinstance(layer, L.TiedDense)]
    assert tied and all(any(t.source is layer for layer in layers) for t in tied)
    assert same_outputs(pipe, loaded, X)


def edited_body(data, edit):
    """The file ``data`` with ``edit(body)`` applied to the nested MLP's saved body."""
    header, members = unpack(data)
    (body,) = [b for _, b in estimator_bodies(header["estimator"]) if b["__estimator__"] == "MLPClassifier"]
    edit(body)
    return repack(header, members)


def test_a_missing_fitted_attribute_is_refused_as_attribute(nested_file):
    name = []
    exc = refusal(edited_body(nested_file[1], lambda body: name.append(body["state"].popitem()[0])))
    assert exc.reason == "attribute"
    assert exc.message == MLP_PLACE + f"the fitted attribute {name[0]!r} is missing."


def test_an_attribute_claimed_as_derived_is_refused_by_name(nested_file):
    exc = refusal(edited_body(nested_file[1], lambda body: body["derived"].append("weights_")))
    assert exc.reason == "attribute"
    assert exc.message == MLP_PLACE + "'weights_' is not an attribute MLPClassifier derives."


def test_a_class_not_on_the_allow_list_is_refused_by_name(nested_file):
    exc = refusal(edited_body(nested_file[1], lambda body: body.update(__estimator__="os.system")))
    assert exc.reason == "class"
    assert exc.message == "estimator(Pipeline).steps[0][1](Pipeline).steps[1][1]: 'os.system' is not a class " \
                          "sknn.load may create."


@pytest.mark.parametrize("config", [[["transform", "bogus"]], [["predict", "pandas"]]])
def test_an_invalid_set_output_configuration_is_refused(nested_file, config):
    exc = refusal(edited_body(nested_file[1], lambda body: body.update(output_config={"__dict__": config})))
    assert exc.reason == "malformed"
    assert exc.message.startswith(MLP_PLACE + "invalid set_output configuration")


@pytest.mark.parametrize("estimator", [5, {"params": {}}])
def test_a_header_without_an_estimator_is_refused_as_malformed(nested_file, estimator):
    header, members = unpack(nested_file[1])
    header["estimator"] = estimator
    exc = refusal(repack(header, members))
    assert exc.reason == "malformed" and exc.message == "The header holds no estimator."
