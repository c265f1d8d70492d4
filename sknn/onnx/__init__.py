"""Export fitted sknn estimators, and pipelines holding them, to ONNX.

Importing this module registers a converter for every sknn estimator with
skl2onnx, so both ``sknn.onnx.to_onnx(model, X)`` and
``skl2onnx.to_onnx(Pipeline([..., ("net", sknn_estimator)]), X)`` work. It
needs the optional extra: ``pip install "sknn[onnx]"`` (onnx and skl2onnx;
onnxruntime runs the exported models). The rest of sknn never imports it.

See the user guide page "Deploying with ONNX" for what exports and the
limitations.
"""

import numpy as np
import skl2onnx
from skl2onnx.common.data_types import FloatTensorType, Int64TensorType

from ._graph import ExportError
from .registration import MIN_OPSET, register

__all__ = ["to_onnx", "ExportError", "MIN_OPSET"]

register()


def _is_sequence_list(X):
    return isinstance(X, (list, tuple)) and len(X) > 0 and np.ndim(X[0]) in (1, 2)


def _final_step(model):
    steps = getattr(model, "steps", None)
    return _final_step(steps[-1][1]) if steps else model


def _initial_types(model, X_sample):
    """ONNX input declarations for ``X_sample`` (float32 tensors, batch axis free)."""
    from ..estimators import NeuralRecommender, RNNClassifier, RNNRegressor, TextClassifier
    from .recommender import id_tensor_type
    from .text import text_input_type

    final = _final_step(model)
    if isinstance(final, NeuralRecommender):
        return [("X", id_tensor_type(final))]  # (user id, item id) pairs
    if isinstance(final, TextClassifier):
        return [("X", text_input_type(final))]  # documents, or token ids
    recurrent = isinstance(final, (RNNClassifier, RNNRegressor))
    if _is_sequence_list(X_sample):
        n_features = 1 if np.ndim(X_sample[0]) == 1 else int(np.shape(X_sample[0])[1])
        # right-padded sequences (n, steps, features) and their lengths
        return [("X", FloatTensorType([None, None, n_features])), ("lengths", Int64TensorType([None]))]
    X = np.asarray(X_sample)
    if X.ndim < 2:
        raise ExportError(f"X_sample must be 2-D or more (a batch of samples), got shape {X.shape}.")
    dims = [int(d) for d in X.shape[1:]]
    if recurrent and X.ndim == 3:
        dims[0] = None  # any number of steps
    return [("X", FloatTensorType([None] + dims))]


def to_onnx(estimator_or_pipeline, X_sample, target_opset=None, options=None):
    """Convert a fitted sknn estimator, or a pipeline ending in one, to ONNX.

    Parameters
    ----------
    estimator_or_pipeline : estimator or sklearn.pipeline.Pipeline
        Fitted. Every step must have an skl2onnx converter (sknn's are
        registered by importing this module).
    X_sample : array-like or list of sequences
        A few input rows; only their type and shape are used. A 2-D array
        gives the input ``X`` of shape ``(n, n_features)``, a 3-D / 4-D array
        samples of that shape (any number of steps for recurrent
        estimators), and a list of ``(n_steps_i, n_features)`` sequences two
        inputs: ``X``, the sequences right-padded with zeros to
        ``(n, max_steps, n_features)``, and ``lengths`` (int64, ``(n,)``).
        The inputs are float32.
    target_opset : int or None, default=None
        The ONNX opset (at least ``MIN_OPSET``); None picks skl2onnx's latest
        tested opset.
    options : dict or None, default=None
        skl2onnx's conversion options, e.g. ``{"zipmap": False}`` to get the
        classifiers' probabilities as a tensor instead of a list of dicts.

    Returns
    -------
    onnx.ModelProto
        Inputs as described above. Classifiers output ``label`` and
        ``probabilities`` (as skl2onnx's own classifiers); regressors output
        ``variable`` of shape ``(n, n_outputs)``.

    Raises
    ------
    ExportError
        When a layer, option or fitted state cannot be exported; the message
        names it.
    """
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(_final_step(estimator_or_pipeline))
    if target_opset is not None and target_opset < MIN_OPSET:
        raise ExportError(f"sknn.onnx needs target_opset >= {MIN_OPSET}, got {target_opset}.")
    return skl2onnx.to_onnx(
        estimator_or_pipeline,
        initial_types=_initial_types(estimator_or_pipeline, X_sample),
        target_opset=target_opset,
        options=options,
    )
