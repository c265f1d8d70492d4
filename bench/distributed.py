"""DataParallel on 1 and 2 Dask workers, per step and per epoch (not a test).

Usage: ``PYTHONPATH=. python bench/distributed.py [--rows 500000] [--features 100] [--hidden 128]
[--batch 10000] [--epochs 1] [--lbfgs-iter 3]``

The data (float32, standard normal features, a linear rule for the 2 class
labels) is generated on the workers by ``dask.array`` from a fixed seed, in 2
partitions, and persisted there: the client never holds it. For each cluster
(a LocalCluster of 1, then 2 worker processes with 1 thread each, 1 BLAS
thread everywhere) it measures

* an empty step: the weights sent to every worker and a gradient-sized array
  returned, no compute (and the same with an 8-byte payload, the bare round
  trip), the mean of 20;
* adam: seconds per epoch and per step (a callback timestamps the epochs);
* lbfgs: seconds per iteration (one loss-and-gradient evaluation over the
  whole data, plus any line-search re-evaluations; iteration 1 is left out).

The reference is the estimator's own single-process loop on the same data,
run inside the 1-worker cluster's worker (the data is built there, not on the
client).
"""

import os
import sys

# this script's directory comes first on sys.path, and its name would shadow the ``distributed`` package
_here = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _here]

for _k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_k] = "1"

import argparse  # noqa: E402
import logging  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402


def _cpu():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


_MARKS = []  # module-level: the estimator (and its callbacks) is cloned, i.e. deep-copied, by fit


class _Clock:
    """A training callback keeping the wall time at the end of every epoch / iteration."""

    def on_fit_begin(self, info):
        _MARKS[:] = [time.perf_counter()]

    def __call__(self, info):
        _MARKS.append(time.perf_counter())
        return False

    def per_epoch(self, skip_first=False):
        d = np.diff(_MARKS)
        return float(np.mean(d[1:] if skip_first and len(d) > 1 else d))


def _data(rows, features, seed=0):
    import dask.array as da

    rs = da.random.RandomState(seed)
    chunk = -(-rows // 2)
    X = rs.standard_normal((rows, features), chunks=(chunk, features)).astype(np.float32)
    w = np.random.default_rng(seed).standard_normal(features).astype(np.float32)
    y = (X @ w > 0).astype(np.int64)
    return X, y


def _settings(args):
    return {
        "adam": dict(solver="adam", batch_size=args.batch, max_iter=args.epochs, tol=0.0, n_iter_no_change=10**6),
        "lbfgs": dict(solver="lbfgs", max_iter=args.lbfgs_iter, tol=0.0),
    }


def _single(args):
    """The estimator's own loop in this process (runs on a worker): seconds per epoch / iteration."""
    import dask

    from sknn import MLPClassifier

    warnings.simplefilter("ignore")
    X, y = dask.compute(*_data(args.rows, args.features), scheduler="sync")
    out = {}
    for name, params in _settings(args).items():
        clock = _Clock()
        MLPClassifier(hidden_layer_sizes=(args.hidden,), random_state=0, callbacks=[clock], **params).fit(X, y)
        out[name] = clock.per_epoch(skip_first=name == "lbfgs")
    return out


def _echo(w):
    return np.zeros_like(w)


def _empty_step(client, payload, repeats=20):
    """Mean seconds of one empty step: ``payload`` out to every worker, as much back."""
    workers = list(client.scheduler_info()["workers"])
    client.gather([client.submit(_echo, payload, workers=[a], pure=False) for a in workers])  # warm-up
    t0 = time.perf_counter()
    for _ in range(repeats):
        client.gather([client.submit(_echo, payload, workers=[a], pure=False) for a in workers])
    return (time.perf_counter() - t0) / repeats


def main():
    import distributed
    from distributed import Client, LocalCluster
    from threadpoolctl import threadpool_info

    from sknn import MLPClassifier
    from sknn.dask import DataParallel

    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--features", type=int, default=100)
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--lbfgs-iter", type=int, default=3)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    n_params = (args.features + 1) * args.hidden + (args.hidden + 1) * 1  # 2 classes: one logistic output
    steps = -(-args.rows // args.batch)
    blas = [(i.get("internal_api"), i.get("version"), i.get("num_threads")) for i in threadpool_info()]
    print(f"CPU: {_cpu()}, {os.cpu_count()} cores; BLAS: {blas}; load average {os.getloadavg()}")
    print(
        f"{args.rows} x {args.features} float32, MLP {args.features}-{args.hidden}-1 ({n_params} parameters); "
        f"adam batch {args.batch} ({steps} steps/epoch), {args.epochs} epoch(s); lbfgs {args.lbfgs_iter} iterations"
    )
    weights = np.zeros(n_params, dtype=np.float32)
    for n in (1, 2):
        cluster = LocalCluster(
            n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=logging.ERROR
        )
        client = Client(cluster)
        try:
            if n == 1:
                single = client.submit(_single, args, pure=False).result()
                print(
                    f"single process: adam {single['adam']:.2f} s/epoch ({single['adam'] / steps * 1e3:.1f} ms/step), "
                    f"lbfgs {single['lbfgs']:.2f} s/iteration; load {os.getloadavg()[0]:.1f}"
                )
            rtt = _empty_step(client, np.zeros(1, dtype=np.float64))
            full = _empty_step(client, weights)
            print(f"{n} worker(s): empty step {full * 1e3:.1f} ms (8-byte payload {rtt * 1e3:.1f} ms)")
            X, y = _data(args.rows, args.features)
            X, y = client.persist([X, y])
            distributed.wait([X, y])
            for name, params in _settings(args).items():
                clock = _Clock()
                est = MLPClassifier(hidden_layer_sizes=(args.hidden,), random_state=0, callbacks=[clock], **params)
                DataParallel(est, client).fit(X, y)
                t = clock.per_epoch(skip_first=name == "lbfgs")
                extra = f" ({t / steps * 1e3:.1f} ms/step)" if name == "adam" else ""
                unit = "epoch" if name == "adam" else "iteration"
                print(f"{n} worker(s): {name} {t:.2f} s/{unit}{extra}; load {os.getloadavg()[0]:.1f}")
        finally:
            client.close()
            cluster.close()


if __name__ == "__main__":
    main()
