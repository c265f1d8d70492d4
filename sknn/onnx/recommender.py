"""ONNX converter of NeuralRecommender: (user id, item id) pairs in, predictions out.

The ids are looked up with ``ai.onnx.ml.LabelEncoder`` against the fitted
``users_`` / ``items_`` (index ``j + 1`` for the j-th, 0 for an unknown id), so
an unknown user or item falls back to the biases exactly as ``predict`` does.
The NeuMF layer is then rebuilt from its ``params`` (looked up by
``param_names``) and its ``tower`` of Dense layers.
"""

import numpy as np
from onnx import TensorProto
from skl2onnx.common.data_types import FloatTensorType, Int64TensorType, StringTensorType

from .. import nn
from ._graph import ExportError
from .layers import convert_layers

__all__ = ["convert_recommender", "recommender_shape", "id_tensor_type"]

_ML = "ai.onnx.ml"


def _id_kind(ids, what):
    kinds = {"int" if isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)) else
             "str" if isinstance(v, str) else type(v).__name__ for v in ids}
    if len(kinds) != 1 or kinds.pop() not in ("int", "str"):
        raise ExportError(
            f"NeuralRecommender {what} ids must all be integers or all strings to be ONNX inputs; "
            f"they are of types {sorted(kinds) if kinds else 'mixed'}."
        )
    return "int" if isinstance(ids[0], (int, np.integer)) else "str"


def id_tensor_type(est):
    """The skl2onnx type of the (n, 2) id input: int64 or string, one for users and items."""
    kinds = {_id_kind(est.users_, "user"), _id_kind(est.items_, "item")}
    if len(kinds) != 1:
        raise ExportError(
            "NeuralRecommender exports need user and item ids of one type (both integers or both "
            "strings): the ONNX input is one (n, 2) tensor."
        )
    return Int64TensorType([None, 2]) if kinds.pop() == "int" else StringTensorType([None, 2])


def _lookup(g, column, ids):
    """Index of each id in ``ids`` plus one; 0 for an unknown id."""
    values = np.arange(1, len(ids) + 1, dtype=np.int64).tolist()
    if _id_kind(ids, "") == "int":
        keys = {"keys_int64s": [int(v) for v in ids]}
    else:
        keys = {"keys_strings": [str(v) for v in ids]}
    return g.op("LabelEncoder", column, domain=_ML, version=2, values_int64s=values, default_int64=0, **keys)


def convert_recommender(scope, operator, container):
    """skl2onnx converter of NeuralRecommender: ``predict`` as an ``(n, 1)`` float tensor."""
    from .registration import graph_for

    est = operator.raw_operator
    layer = est.network_.layers[0]
    if type(layer) is not nn.NeuMF:
        raise ExportError(f"NeuralRecommender's network holds {type(layer).__name__}, not NeuMF: cannot export.")
    g = graph_for(scope, operator, container)
    x = operator.inputs[0].full_name
    if isinstance(operator.inputs[0].type, FloatTensorType):
        x = g.cast(x, TensorProto.INT64)
    u = _lookup(g, g.op("Gather", x, g.ints(0), axis=1), est.users_)
    i = _lookup(g, g.op("Gather", x, g.ints(1), axis=1), est.items_)
    p = dict(zip(layer.param_names, (np.asarray(a) for a in layer.params)))

    def rows(name, idx):
        return g.op("Gather", g.const(p[name], seed=name), idx, axis=0)

    z = g.op("Mul", rows("user_gmf", u), rows("item_gmf", i))
    if len(tuple(layer.hidden_layer_sizes)):
        tower = convert_layers(g, layer.tower.layers, g.op("Concat", rows("user_mlp", u), rows("item_mlp", i), axis=1))
        z = g.op("Concat", z, tower, axis=1)
    zero = g.ints(0)
    u_known, i_known = g.op("Greater", u, zero), g.op("Greater", i, zero)
    # the interaction term only for a known pair; each bias only for a known id
    out = g.op("Mul", g.op("MatMul", z, g.const(p["output_kernel"], seed="w")),
               g.cast(g.op("And", u_known, i_known), TensorProto.FLOAT))
    for name, idx, known in (("user_bias", u, u_known), ("item_bias", i, i_known)):
        out = g.op("Add", out, g.op("Mul", rows(name, idx), g.cast(known, TensorProto.FLOAT)))
    out = g.op("Add", out, g.const(p["output_bias"], seed="b"))
    if est.out_activation_ == "logistic":
        out = g.op("Sigmoid", out)
    elif est.out_activation_ != "identity":
        raise ExportError(f"NeuralRecommender with out_activation_={est.out_activation_!r} cannot be exported.")
    if est.feedback == "explicit":
        out = g.op("Add", out, g.const(est.global_mean_, seed="global_mean"))
    g.op("Unsqueeze", out, g.ints([1], seed="axes"), outputs=[operator.outputs[0].full_name])


def recommender_shape(operator):
    """Float predictions ``(n, 1)``."""
    shape = operator.inputs[0].type.shape
    operator.outputs[0].type = FloatTensorType([shape[0] if shape else None, 1])
