"""Inference speed: onnxruntime on the exported model vs sknn's own ``predict``.

The MLP of ``bench/mlp.py``, the conv net of ``bench/conv.py`` and the LSTM of
``bench/rnn.py`` (their data and builders), each trained for one epoch only:
inference speed is what is measured. For the MLP, scikit-learn's MLPClassifier
with the same layers is timed too, through its own ``predict`` and exported
with skl2onnx. Every model is float32; ZipMap is off (probabilities as one
tensor), and onnxruntime's session gets as many intra-op threads as BLAS.

Two measures, every contender in turn within each repeat (interleaved, so
that load from other processes hits all alike), medians over the repeats:

* latency: one row per call, the median of ``--calls`` calls;
* throughput: one call on a block of rows (``--rows`` for the MLP, fewer for
  the conv net and the LSTM, see ``ROWS``).

Run by hand (not a test; about two minutes on 2 cores)::

    PYTHONPATH=. python bench/onnx.py [--threads 2] [--repeats 5]
"""

import argparse
import os
import platform
import sys
import time
import warnings

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

# this file's name shadows the onnx package while its folder leads sys.path: import the real
# one first (it then stays cached in sys.modules), then the sibling benchmarks, which put the folder back
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _HERE]
import onnx  # noqa: E402, F401
import onnxruntime  # noqa: E402
import skl2onnx  # noqa: E402

sys.path.insert(0, _HERE)
import conv  # noqa: E402
import mlp  # noqa: E402
import rnn  # noqa: E402

# rows per throughput call: the conv net and the LSTM are far costlier per row than the MLP
ROWS = {"MLP": 100_000, "conv": 1_000, "LSTM": 500}
TRAIN = {"MLP": 5_000, "conv": 1_000, "LSTM": 500}  # one epoch on these many rows


def _session(model, threads):
    ort = onnxruntime
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    return ort.InferenceSession(model.SerializeToString(), opts, providers=["CPUExecutionProvider"])


def _ort_predict(sess):
    name = sess.get_inputs()[0].name
    return lambda X: sess.run(["label"], {name: X})[0]


def build_mlp(threads):
    import sknn.onnx
    from skl2onnx import to_onnx as skl_to_onnx
    from sklearn.neural_network import MLPClassifier as SkMLP

    Xtr, ytr, Xte, _ = mlp.make_data()
    n = TRAIN["MLP"]
    Xtr, Xte = Xtr[:n].astype(np.float32), Xte.astype(np.float32)
    kw = dict(mlp.mlp_kwargs(0), max_iter=1)
    ours = sknn.MLPClassifier(**kw).fit(Xtr, ytr[:n])
    theirs = SkMLP(**kw).fit(Xtr, ytr[:n])
    ours_onnx = sknn.onnx.to_onnx(ours, Xte[:1], options={"zipmap": False})
    theirs_onnx = skl_to_onnx(theirs, Xte[:1], options={"zipmap": False})
    contenders = {
        "sknn predict": ours.predict,
        "onnxruntime (sknn export)": _ort_predict(_session(ours_onnx, threads)),
        "scikit-learn predict": theirs.predict,
        "onnxruntime (skl2onnx export)": _ort_predict(_session(theirs_onnx, threads)),
    }
    return Xte, contenders


def _build_sknn(module, name, threads):
    import sknn.onnx

    X, y = module.make_data()
    n = TRAIN[name]
    clf = module.run_sknn(X[:n], y[:n])
    onx = sknn.onnx.to_onnx(clf, X[:1], options={"zipmap": False})
    return X[n:], {"sknn predict": clf.predict, "onnxruntime (sknn export)": _ort_predict(_session(onx, threads))}


def _block(X, rows):
    return np.ascontiguousarray(X[np.arange(rows) % len(X)], dtype=np.float32)


def measure(X, contenders, rows, repeats, calls):
    """Median latency (s per one-row call) and throughput time (s per block) of each contender."""
    block = _block(X, rows)
    singles = [np.ascontiguousarray(X[i : i + 1], dtype=np.float32) for i in range(calls)]
    ref = None
    for name, fn in contenders.items():  # warm up, and check that all contenders agree
        labels = np.asarray(fn(block[:1000])).ravel()
        if name.endswith("(sknn export)"):
            assert np.array_equal(labels, ref), f"{name} disagrees with sknn predict"
        ref = labels if name == "sknn predict" else ref
    lat = {k: [] for k in contenders}
    thr = {k: [] for k in contenders}
    for r in range(repeats):
        names = list(contenders)
        names = names[r % len(names) :] + names[: r % len(names)]  # no contender always first
        for name in names:
            fn = contenders[name]
            times = []
            for x in singles:
                t0 = time.perf_counter()
                fn(x)
                times.append(time.perf_counter() - t0)
            lat[name].append(np.median(times))
            t0 = time.perf_counter()
            fn(block)
            thr[name].append(time.perf_counter() - t0)
    return {k: float(np.median(v)) for k, v in lat.items()}, {k: float(np.median(v)) for k, v in thr.items()}


def _blas():
    libs = [f"{i['internal_api']} {i['version']} ({i['prefix']}, {i['num_threads']} threads)"
            for i in threadpool_info() if i["user_api"] == "blas"]
    return "; ".join(libs) or "none found"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2, help="BLAS threads and onnxruntime intra-op threads")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--calls", type=int, default=100, help="one-row calls per latency measure")
    parser.add_argument("--rows", type=int, default=ROWS["MLP"], help="MLP rows per throughput call")
    args = parser.parse_args()
    ROWS["MLP"] = args.rows
    threadpool_limits(args.threads)
    warnings.simplefilter("ignore")  # one training epoch does not converge, by design

    import sklearn

    import sknn

    print(f"sknn {sknn.__version__}, numpy {np.__version__}, scikit-learn {sklearn.__version__}, "
          f"onnxruntime {onnxruntime.__version__}, skl2onnx {skl2onnx.__version__}, Python {platform.python_version()}")
    print(f"BLAS: {_blas()}; onnxruntime intra-op threads {args.threads}")
    print(f"{os.cpu_count()} cores; {args.repeats} interleaved repeats; load average at start "
          f"{'/'.join(f'{v:.1f}' for v in os.getloadavg())}\n")
    builders = {
        "MLP": lambda: build_mlp(args.threads),
        "conv": lambda: _build_sknn(conv, "conv", args.threads),
        "LSTM": lambda: _build_sknn(rnn, "LSTM", args.threads),
    }
    results = {}
    for net, build in builders.items():
        t0 = time.perf_counter()
        X, contenders = build()
        results[net] = measure(X, contenders, ROWS[net], args.repeats, args.calls)
        print(f"  {net}: done in {time.perf_counter() - t0:.0f} s, load average "
              f"{os.getloadavg()[0]:.1f}", flush=True)

    print("\nTime as a multiple of sknn predict's (below 1 is faster):\n")
    print("| network | contender | one-row latency | throughput block (rows) |")
    print("|---|---|---:|---:|")
    for net, (lat, thr) in results.items():
        for name in lat:
            print(f"| {net} | {name} | {lat[name] / lat['sknn predict']:.2f} | "
                  f"{thr[name] / thr['sknn predict']:.2f} ({ROWS[net]:,}) |")
    print("\nsknn predict's own medians (context only; the machine may be shared):")
    for net, (lat, thr) in results.items():
        print(f"  {net}: {1e3 * lat['sknn predict']:.2f} ms per row alone, "
              f"{ROWS[net] / thr['sknn predict']:,.0f} rows/s in blocks of {ROWS[net]:,}")
    print(f"load average at end {'/'.join(f'{v:.1f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
