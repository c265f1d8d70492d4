"""DataParallel on 2 Dask workers against the single-process fit (not a test).

Usage: ``PYTHONPATH=. python bench/dask_parallel.py [--rows 100000] [--repeats 2]``

One BLAS thread everywhere: the single-process fit uses one core, the
LocalCluster two worker processes of one thread each. Both fits train the same
network from the same initial weights on the same data (L-BFGS: a fixed
number of iterations; adam: a fixed number of epochs), in alternation, and the
best time of each is kept. Printed: the ratio single / data-parallel (above 1
means the cluster is faster), the losses of both, and the cost of one empty
step (a round trip through the scheduler to both workers).
"""

import os

for _k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_k] = "1"

import argparse  # noqa: E402
import logging  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
from sklearn.datasets import make_classification  # noqa: E402
from threadpoolctl import threadpool_info  # noqa: E402


def _cpu():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _noop(x):
    return x


def main():
    import dask.array as da
    import distributed

    from sknn import MLPClassifier
    from sknn.dask import DataParallel

    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    X, y = make_classification(n_samples=args.rows, n_features=50, n_informative=20, n_classes=3, random_state=0)
    blas = [(i.get("internal_api"), i.get("version"), i.get("num_threads")) for i in threadpool_info()]
    print(f"CPU: {_cpu()}, {os.cpu_count()} cores; BLAS: {blas}; load average {os.getloadavg()[0]:.1f}")
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=logging.ERROR
    )
    client = distributed.Client(cluster)
    try:
        half = -(-args.rows // 2)
        dX = da.from_array(X, chunks=(half, X.shape[1])).persist()
        dy = da.from_array(y, chunks=half).persist()
        distributed.wait([dX, dy])
        settings = {
            "lbfgs, 10 iterations": dict(solver="lbfgs", max_iter=10, tol=0.0),
            "adam, batch 5000, 2 epochs": dict(solver="adam", batch_size=5000, max_iter=2),
        }
        # one empty step: both workers, one round trip (what a step costs beyond its compute)
        client.gather([client.submit(_noop, i, pure=False) for i in range(2)])
        t0 = time.perf_counter()
        for i in range(20):
            client.gather([client.submit(_noop, np.zeros(3459), pure=False) for _ in range(2)])
        step = (time.perf_counter() - t0) / 20
        print(f"empty step (2 tasks, weights of a 50-64-3 network): {step * 1e3:.1f} ms")
        for name, params in settings.items():
            est = MLPClassifier(hidden_layer_sizes=(64,), random_state=0, **params)
            best = {"single": np.inf, "dask": np.inf}
            for _ in range(args.repeats):
                t0 = time.perf_counter()
                single = MLPClassifier(**est.get_params()).fit(X, y)
                best["single"] = min(best["single"], time.perf_counter() - t0)
                t0 = time.perf_counter()
                model = DataParallel(est, client).fit(dX, dy)
                best["dask"] = min(best["dask"], time.perf_counter() - t0)
            print(
                f"{name}: single / data-parallel = {best['single'] / best['dask']:.2f} "
                f"(loss {single.loss_:.6f} vs {model.estimator_.loss_:.6f})"
            )
    finally:
        client.close()
        cluster.close()


if __name__ == "__main__":
    main()
