"""skl2onnx registration: a shape calculator and a converter per sknn estimator.

skl2onnx's default parsers declare the outputs (``label`` and ``probabilities``
for classifiers, with the optional ZipMap; one tensor for regressors); the
shape calculators below give them their exact types and the converters build
the graph: input adapter, the network's layers, the task head.
"""

import numpy as np
from onnx import TensorProto
from skl2onnx import update_registered_converter
from skl2onnx.common.data_types import FloatTensorType, Int64TensorType, StringTensorType

from .. import estimators as est_mod
from ._graph import ExportError, Graph
from .heads import class_labels, classifier_head, is_multilabel, regressor_head
from .layers import convert_layers
from .recommender import convert_recommender, recommender_shape
from .text import convert_text

__all__ = ["register", "MIN_OPSET"]

MIN_OPSET = 13  # Softmax over one axis, Squeeze / Unsqueeze / ReduceSum with axes as inputs

CLASSIFIERS = (
    est_mod.MLPClassifier,
    est_mod.NeuralNetClassifier,
    est_mod.ConvNetClassifier,
    est_mod.RNNClassifier,
)
REGRESSORS = (
    est_mod.MLPRegressor,
    est_mod.NeuralNetRegressor,
    est_mod.ConvNetRegressor,
    est_mod.RNNRegressor,
)
# skl2onnx's ZipMap asks for "nocl"; only False is offered: the labels always stay ``classes_``
CLASSIFIER_OPTIONS = {"zipmap": [True, False, "columns"], "nocl": [False]}


def graph_for(scope, operator, container):
    """A :class:`Graph` for one operator, after checking the opset."""
    opset = container.target_opset
    if opset < MIN_OPSET:
        raise ExportError(f"sknn.onnx needs target_opset >= {MIN_OPSET}, got {opset}.")
    return Graph(scope, container, opset, prefix=scope.get_unique_variable_name(type(operator.raw_operator).__name__))


def network_input(g, est, operator):
    """The network's input tensor: float32, each row shaped to ``input_shape_``.

    The second operator input, when present, holds the sequence lengths of
    right-padded variable-length sequences. An estimator that standardises its
    input features (``_x_mean``, ``_x_scale``) gets that step first.
    """
    var = operator.inputs[0]
    x = var.full_name
    if not isinstance(var.type, FloatTensorType):
        x = g.cast(x, TensorProto.FLOAT)
    if len(operator.inputs) > 1:
        g.lengths = g.cast(operator.inputs[1].full_name, TensorProto.INT64)
        g.masked = True
    # ShapedInputMixin's rule (public input_shape_): a 2-D row is one sample, reshaped
    sample_shape = getattr(est, "input_shape_", None)
    if sample_shape is not None and len(var.type.shape) == 2 and len(sample_shape) > 1:
        x = g.reshape(x, [-1] + [int(d) for d in sample_shape])
    scale = getattr(est, "_x_scale", None)
    if scale is not None:  # RNNRegressor's standardised input features: (x - mean) / scale, as predict
        x = g.op("Div", g.op("Sub", x, g.const(np.asarray(est._x_mean, np.float32), seed="x_mean")),
                 g.const(np.asarray(scale, np.float32), seed="x_scale"))
    return x


def _network_output(scope, operator, container):
    est = operator.raw_operator
    g = graph_for(scope, operator, container)
    raw = convert_layers(g, est.network_.layers, network_input(g, est, operator))
    return g, est, raw


def convert_classifier(scope, operator, container):
    """skl2onnx converter of the sknn classifiers: labels and probabilities."""
    g, est, raw = _network_output(scope, operator, container)
    classifier_head(g, est, raw, operator.outputs[0].full_name, operator.outputs[1].full_name)


def convert_regressor(scope, operator, container):
    """skl2onnx converter of the sknn regressors: the predictions."""
    g, est, raw = _network_output(scope, operator, container)
    regressor_head(g, est, raw, operator.outputs[0].full_name)


def convert_autoencoder(scope, operator, container):
    """skl2onnx converter of AutoencoderTransformer: ``transform``, the flattened code of ``encoder_``."""
    est = operator.raw_operator
    g = graph_for(scope, operator, container)
    code = convert_layers(g, est.encoder_.layers, network_input(g, est, operator))
    g.op("Flatten", code, axis=1, outputs=[operator.outputs[0].full_name])


def autoencoder_shape(operator):
    """Float codes ``(n, n_components_)``."""
    est = operator.raw_operator
    operator.outputs[0].type = FloatTensorType([_n_rows(operator), int(est.n_components_)])


def _n_rows(operator):
    shape = operator.inputs[0].type.shape
    return shape[0] if shape else None


def classifier_shape(operator):
    """Label (int64 or string; an int64 indicator matrix for multilabel) and float probabilities."""
    est = operator.raw_operator
    n, n_classes = _n_rows(operator), len(est.classes_)
    if is_multilabel(est):
        operator.outputs[0].type = Int64TensorType([n, n_classes])
    else:
        _, label_type = class_labels(est)
        operator.outputs[0].type = (Int64TensorType if label_type == TensorProto.INT64 else StringTensorType)([n])
    operator.outputs[1].type = FloatTensorType([n, n_classes])


def regressor_shape(operator):
    """Float predictions ``(n, n_outputs)`` (``(n, steps, n_outputs)`` per step)."""
    est = operator.raw_operator
    out = list(est.network_.output_shape)
    # a per-step output follows the input's number of steps
    dims = [None] * (len(out) - 1) + [int(out[-1])]
    operator.outputs[0].type = FloatTensorType([_n_rows(operator)] + dims)


def register():
    """Register every sknn estimator with skl2onnx (idempotent)."""
    for cls in CLASSIFIERS:
        update_registered_converter(
            cls, f"Sknn{cls.__name__}", classifier_shape, convert_classifier, options=CLASSIFIER_OPTIONS
        )
    for cls in REGRESSORS:
        update_registered_converter(cls, f"Sknn{cls.__name__}", regressor_shape, convert_regressor)
    update_registered_converter(
        est_mod.TextClassifier, "SknnTextClassifier", classifier_shape, convert_text, options=CLASSIFIER_OPTIONS
    )
    update_registered_converter(
        est_mod.NeuralRecommender, "SknnNeuralRecommender", recommender_shape, convert_recommender
    )
    update_registered_converter(
        est_mod.AutoencoderTransformer, "SknnAutoencoderTransformer", autoencoder_shape, convert_autoencoder
    )
