"""ONNX heads: raw network outputs to what ``predict`` / ``predict_proba`` return.

The head is chosen from public fitted attributes only: ``out_activation_``
("softmax", "logistic", "identity" or "exp"), ``classes_`` and the network's
output width (``network_.output_shape``).
"""

import numpy as np
from onnx import TensorProto

from ._graph import ExportError

__all__ = ["class_labels", "classifier_head", "regressor_head", "is_multilabel"]


def is_multilabel(est):
    """Sigmoid outputs, one per class: an indicator matrix target."""
    return est.out_activation_ == "logistic" and int(est.network_.output_shape[-1]) > 1


def class_labels(est):
    """``classes_`` as the ONNX label constant: int64 for integers and booleans, else strings."""
    classes = np.asarray(est.classes_)
    if classes.dtype.kind in "iub":
        return classes.astype(np.int64), TensorProto.INT64
    if classes.dtype.kind == "f":
        as_int = classes.astype(np.int64)
        if not np.array_equal(as_int, classes):
            raise ExportError(
                f"classes_ {classes!r} are non-integral floats; ONNX labels are int64 or strings. "
                "Fit with integer or string labels to export."
            )
        return as_int, TensorProto.INT64
    if classes.dtype.kind in "USO":
        return classes.astype(str), TensorProto.STRING
    raise ExportError(f"classes_ of dtype {classes.dtype} cannot be ONNX labels (int64 or strings).")


def classifier_head(g, est, raw, label_out, proba_out):
    """Write labels to ``label_out`` and probabilities to ``proba_out``."""
    kind = est.out_activation_
    width = int(est.network_.output_shape[-1])
    if kind == "softmax":
        probs = g.op("Softmax", raw, axis=-1)
        index = g.op("ArgMax", raw, axis=1, keepdims=0)
    elif kind == "logistic" and width == 1:
        positive = g.op("Sigmoid", raw)
        # sigmoid(-r), not 1 - sigmoid(r): as sknn, no cancellation to exactly 0
        negative = g.op("Sigmoid", g.op("Neg", raw))
        probs = g.op("Concat", negative, positive, axis=1)
        index = g.cast(g.op("Greater", g.squeeze(raw, [1]), g.const(0.0)), TensorProto.INT64)
    elif kind == "logistic":
        _floor_into(g, g.op("Sigmoid", raw), proba_out)
        g.op("Cast", g.op("Greater", raw, g.const(0.0)), to=TensorProto.INT64, outputs=[label_out])
        return
    else:
        raise ExportError(f"out_activation_={kind!r} is not a classifier output sknn.onnx can export.")
    _floor_into(g, probs, proba_out)
    labels, _ = class_labels(est)
    g.op("Gather", g.const(labels, dtype=None, seed="classes"), index, axis=0, outputs=[label_out])


def _floor_into(g, probs, out):
    # predict_proba never returns exact zeros (so its log stays finite)
    g.op("Max", probs, g.const(np.finfo(np.float32).tiny, seed="tiny"), outputs=[out])


def regressor_head(g, est, raw, out):
    """Write the predictions, shape ``(n, n_outputs)``, to ``out``.

    An estimator that standardises its targets (``RNNRegressor``: ``_y_mean``,
    ``_y_scale``) gets them back in the graph: ``raw * scale + mean``, output by output.
    """
    kind = est.out_activation_
    scale = getattr(est, "_y_scale", None)
    if scale is not None:
        raw = g.op("Add", g.op("Mul", raw, g.const(np.asarray(scale, np.float32), seed="y_scale")),
                   g.const(np.asarray(est._y_mean, np.float32), seed="y_mean"))
    if kind == "identity":
        g.op("Identity", raw, outputs=[out])
    elif kind == "exp":
        g.op("Exp", raw, outputs=[out])
    else:
        raise ExportError(f"out_activation_={kind!r} is not a regressor output sknn.onnx can export.")
