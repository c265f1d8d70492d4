"""
=====================================================================
Exporting a pipeline to ONNX and serving it without sknn installed
=====================================================================

A scikit-learn :class:`~sklearn.pipeline.Pipeline` -- a
:class:`~sklearn.preprocessing.StandardScaler` in front of a
:class:`sknn.MLPClassifier` -- is fitted on the 8x8 digits of scikit-learn and
converted by :func:`sknn.onnx.to_onnx` into one ONNX model: the scaling, the
network and the label decoding all live in the graph.

The model is saved to a temporary file and served by onnxruntime in a fresh
Python process that imports only onnxruntime and NumPy (it checks that sknn
was never imported), as a deployment server would. Its labels and
probabilities on the held-out digits are compared with the pipeline's own
``predict`` and ``predict_proba``; the run prints how many labels agree and the
largest probability difference (the graph computes in float32).

Needs ``pip install "sknn[onnx]" onnxruntime``; without them the example
prints a note and stops, so the documentation still builds.
"""

import os
import subprocess
import sys
import tempfile
import textwrap

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknn import MLPClassifier

# %%
# The serving side: no sknn, no scikit-learn, just the model file and the rows.
# It writes the labels and probabilities next to the model.
SERVE = textwrap.dedent(
    """
    import sys
    import numpy as np
    import onnxruntime as ort

    model_path, rows_path, out_path = sys.argv[1:4]
    sess = ort.InferenceSession(model_path, providers=["CPUExecutionProvider"])
    X = np.load(rows_path).astype(np.float32)
    labels, proba = sess.run(["label", "probabilities"], {sess.get_inputs()[0].name: X})
    assert "sknn" not in sys.modules and "sklearn" not in sys.modules, "the server imported sknn"
    np.savez(out_path, labels=labels, proba=proba)
    print("served", len(X), "rows with onnxruntime", ort.__version__, "; sknn imported:", "sknn" in sys.modules)
    """
)


def main():
    try:
        import onnxruntime  # noqa: F401  (the serving process needs it too)

        import sknn.onnx
    except ImportError as exc:
        print(
            "NOTE: this example was not run. It needs the optional ONNX packages, which are not installed\n"
            f"({exc}): pip install \"sknn[onnx]\" onnxruntime"
        )
        return

    # %%
    # Fit the pipeline as usual.
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)
    pipe = make_pipeline(StandardScaler(), MLPClassifier(hidden_layer_sizes=(64,), max_iter=200, random_state=0))
    pipe.fit(X_train, y_train)
    print(f"sknn pipeline test accuracy: {pipe.score(X_test, y_test):.4f}")

    # %%
    # Export the whole pipeline; ``zipmap=False`` returns the probabilities as one tensor.
    model = sknn.onnx.to_onnx(pipe, X_train[:5], options={"zipmap": False})
    print("ONNX inputs:", [(i.name, [d.dim_value or "any" for d in i.type.tensor_type.shape.dim])
                           for i in model.graph.input])
    print("ONNX outputs:", [o.name for o in model.graph.output])

    # %%
    # Serve it from a separate process that never imports sknn, and compare.
    with tempfile.TemporaryDirectory() as tmp:
        model_path = os.path.join(tmp, "digits.onnx")
        with open(model_path, "wb") as f:
            f.write(model.SerializeToString())
        rows_path, out_path = os.path.join(tmp, "rows.npy"), os.path.join(tmp, "out.npz")
        np.save(rows_path, X_test)
        # -I: isolated mode, so neither the working directory nor PYTHONPATH can sneak sknn in
        done = subprocess.run([sys.executable, "-I", "-c", SERVE, model_path, rows_path, out_path],
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"the onnxruntime server failed:\n{done.stderr}")
        print(done.stdout.strip())
        served = np.load(out_path)
        labels, proba = served["labels"], served["proba"]

    agree = np.mean(labels == pipe.predict(X_test))
    max_diff = np.abs(proba - pipe.predict_proba(X_test)).max()
    print(f"labels agreeing with sknn: {int(agree * len(labels))} of {len(labels)} ({agree:.2%})")
    print(f"largest probability difference: {max_diff:.2e}")
    print(f"onnxruntime test accuracy: {np.mean(labels == y_test):.4f}")


if __name__ == "__main__":
    main()
