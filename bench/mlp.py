"""MLP speed and accuracy: sknn vs scikit-learn vs a plain PyTorch CPU loop.

Run by hand (not a test)::

    PYTHONPATH=. python bench/mlp.py            # full run (a few minutes on 2 cores)
    PYTHONPATH=. python bench/mlp.py --quick    # 1 repeat, 2 digits seeds
    PYTHONPATH=. python bench/mlp.py --busy 2   # with 2 CPU-bound processes beside it
    PYTHONPATH=. python bench/mlp.py --predict  # float32 predict: one row, 100k rows
    PYTHONPATH=. python bench/mlp.py --float32-only --no-digits --floor  # also the plain NumPy floors

Workload: a 784-256-128-10 ReLU network, adam (lr 1e-3), batch 256, 5 epochs
on 20,000 samples from ``make_classification`` (784 features, 50 informative,
10 classes), test accuracy on 5,000 more; float32 and float64. The three
contestants run interleaved, ``--repeats`` times, and the medians are kept, so
that noise from other processes on the machine hits all of them alike.

GFLOP/s counts 6 * n_params * n_samples per epoch (forward 2, backward 4) and
is compared with the measured peak of one large matrix product.
"""

import argparse
import math
import os
import sys
import time
import warnings

import numpy as np
from threadpoolctl import threadpool_limits
from sklearn.datasets import load_digits, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier as SkMLP
from sklearn.preprocessing import StandardScaler

import sknn
from sknn import MLPClassifier

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _harness  # noqa: E402

try:
    import torch
except ImportError:  # torch is optional
    torch = None

N_TRAIN, N_TEST, N_FEATURES, N_CLASSES = 20_000, 5_000, 784, 10
HIDDEN = (256, 128)
BATCH, EPOCHS, LR = 256, 5, 1e-3
N_THREADS = 2


def gemm_peak(dtype, n=2048, repeats=5):
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n)).astype(dtype)
    b = rng.standard_normal((n, n)).astype(dtype)
    a @ b  # warm up
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        a @ b
        times.append(time.perf_counter() - t0)
    return 2 * n**3 / np.median(times) / 1e9


def n_params():
    sizes = (N_FEATURES,) + HIDDEN + (N_CLASSES,)
    return sum(i * o + o for i, o in zip(sizes[:-1], sizes[1:]))


def make_data():
    X, y = make_classification(
        n_samples=N_TRAIN + N_TEST,
        n_features=N_FEATURES,
        n_informative=50,
        n_classes=N_CLASSES,
        random_state=0,
    )
    X = StandardScaler().fit_transform(X)
    return X[:N_TRAIN], y[:N_TRAIN], X[N_TRAIN:], y[N_TRAIN:]


def mlp_kwargs(seed):
    # tol=0 / n_iter_no_change huge: every contestant runs exactly EPOCHS epochs
    return dict(
        hidden_layer_sizes=HIDDEN,
        solver="adam",
        batch_size=BATCH,
        learning_rate_init=LR,
        max_iter=EPOCHS,
        tol=0.0,
        n_iter_no_change=10**6,
        random_state=seed,
    )


def run_sknn(Xtr, ytr, Xte, yte, seed):
    clf = MLPClassifier(**mlp_kwargs(seed))
    t0 = time.perf_counter()
    clf.fit(Xtr, ytr)
    elapsed = time.perf_counter() - t0
    assert clf.coefs_[0].dtype == Xtr.dtype
    return elapsed, clf.score(Xte, yte)


def run_sklearn(Xtr, ytr, Xte, yte, seed):
    clf = SkMLP(**mlp_kwargs(seed))
    t0 = time.perf_counter()
    clf.fit(Xtr, ytr)
    elapsed = time.perf_counter() - t0
    return elapsed, clf.score(Xte, yte)


def run_torch(Xtr, ytr, Xte, yte, seed):
    torch.manual_seed(seed)
    dtype = torch.float32 if Xtr.dtype == np.float32 else torch.float64
    sizes = (N_FEATURES,) + HIDDEN
    layers = []
    for i, o in zip(sizes[:-1], sizes[1:]):
        layers += [torch.nn.Linear(i, o), torch.nn.ReLU()]
    layers.append(torch.nn.Linear(sizes[-1], N_CLASSES))
    model = torch.nn.Sequential(*layers).to(dtype)
    opt = torch.optim.Adam(model.parameters(), lr=LR, betas=(0.9, 0.999), eps=1e-8)
    loss_fn = torch.nn.CrossEntropyLoss()
    t0 = time.perf_counter()
    X = torch.from_numpy(Xtr)
    y = torch.from_numpy(ytr.astype(np.int64))
    n = X.shape[0]
    gen = torch.Generator().manual_seed(seed)
    for _ in range(EPOCHS):
        order = torch.randperm(n, generator=gen)
        for s in range(0, n, BATCH):
            idx = order[s : s + BATCH]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(X[idx]), y[idx])
            loss.backward()
            opt.step()
    elapsed = time.perf_counter() - t0
    with torch.no_grad():
        acc = (model(torch.from_numpy(Xte)).argmax(1).numpy() == yte).mean()
    return elapsed, float(acc)


def _numpy_loop(Xtr, ytr, Xte, yte, seed, elementwise):
    """The same training as a bare NumPy loop: what any NumPy implementation must spend at least.

    With ``elementwise=False`` only the batch gather and the 8 matrix products of a step run (3 forward, 3
    weight gradients, 2 input gradients); with True also every elementwise operation the step needs, each
    rounded as sknn and scikit-learn round it: bias adds, ReLU and its mask, softmax and the log-loss
    gradient, bias gradients, the L2 term and Adam's 12 passes. No input checks, loss value, stopping rule
    or Python layer objects.
    """
    rng = np.random.default_rng(seed)
    dt = Xtr.dtype
    sizes = (N_FEATURES,) + HIDDEN + (N_CLASSES,)
    W = [rng.uniform(-0.1, 0.1, (i, o)).astype(dt) for i, o in zip(sizes[:-1], sizes[1:])]
    params = [a for w in W for a in (w, np.zeros(w.shape[1], dt))]
    grads = [np.zeros_like(p) for p in params]
    moments = [(np.zeros_like(p), np.zeros_like(p), np.empty_like(p)) for p in params]
    onehot = np.eye(N_CLASSES, dtype=dt)[ytr]
    t0 = time.perf_counter()
    step = 0
    for _ in range(EPOCHS):
        order = rng.permutation(len(Xtr))
        for s in range(0, len(Xtr), BATCH):
            idx = order[s : s + BATCH]
            acts = [np.take(Xtr, idx, axis=0)]
            for k in range(3):
                h = acts[-1] @ params[2 * k]
                if elementwise:
                    h += params[2 * k + 1]
                    if k < 2:
                        np.maximum(h, 0, out=h)
                acts.append(h)
            d = acts[-1]
            if elementwise:
                d = np.exp(d - d.max(axis=1, keepdims=True))
                d /= d.sum(axis=1, keepdims=True)
                d -= onehot[idx]
                d *= dt.type(1.0 / len(idx))
            for k in (2, 1, 0):
                np.matmul(acts[k].T, d, out=grads[2 * k])
                if elementwise:
                    np.add.reduce(d, axis=0, out=grads[2 * k + 1])
                if k:
                    d = d @ params[2 * k].T
                    if elementwise:
                        d *= acts[k] > 0
            if not elementwise:
                continue
            step += 1
            lr_t = LR * math.sqrt(1 - 0.999**step) / (1 - 0.9**step)
            for p, g, (m, v, buf) in zip(params, grads, moments):
                if p.ndim == 2:  # L2 on the weights, alpha=1e-4 over the batch
                    np.multiply(p, 1e-4 / len(idx), out=buf)
                    g += buf
                m *= 0.9
                np.multiply(g, 0.1, out=buf)
                m += buf
                v *= 0.999
                np.multiply(g, g, out=buf)
                buf *= 0.001
                v += buf
                np.sqrt(v, out=buf)
                buf += 1e-8
                np.divide(m, buf, out=buf)
                buf *= -lr_t
                p += buf
    return time.perf_counter() - t0, float("nan")


def run_floor_gemm(Xtr, ytr, Xte, yte, seed):
    return _numpy_loop(Xtr, ytr, Xte, yte, seed, elementwise=False)


def run_floor_elementwise(Xtr, ytr, Xte, yte, seed):
    return _numpy_loop(Xtr, ytr, Xte, yte, seed, elementwise=True)


def speed(repeats, dtypes=(np.float32, np.float64), floor=False):
    Xtr, ytr, Xte, yte = make_data()
    flop = 6.0 * n_params() * N_TRAIN * EPOCHS
    contestants = [("sknn", run_sknn), ("scikit-learn", run_sklearn)]
    if torch is not None:
        torch.set_num_threads(N_THREADS)
        contestants.append(("PyTorch", run_torch))
    if floor:
        contestants += [("NumPy: products only", run_floor_gemm),
                        ("NumPy: products + elementwise", run_floor_elementwise)]
    rows = []
    for dtype in dtypes:
        peak = gemm_peak(dtype)
        Xtr_d, Xte_d = Xtr.astype(dtype), Xte.astype(dtype)
        times = {name: [] for name, _ in contestants}
        accs = {name: [] for name, _ in contestants}
        for r in range(repeats):
            # rotate the order so that no contestant always runs first
            order = contestants[r % len(contestants) :] + contestants[: r % len(contestants)]
            for name, fn in order:
                t, acc = fn(Xtr_d, ytr, Xte_d, yte, seed=r)
                times[name].append(t)
                accs[name].append(acc)
                print(f"  {np.dtype(dtype).name:8s} {name:30s} repeat {r}: {t:6.2f} s  acc {acc:.4f}", flush=True)
        med = {name: float(np.median(v)) for name, v in times.items()}
        for name, _ in contestants:
            gflops = flop / med[name] / 1e9
            rows.append(
                dict(
                    dtype=np.dtype(dtype).name,
                    name=name,
                    time=med[name],
                    vs_sklearn=med["sknn"] / med["scikit-learn"] if name == "sknn" else med[name] / med["scikit-learn"],
                    acc=float(np.mean(accs[name])),
                    gflops=gflops,
                    peak=peak,
                )
            )
    return rows, med


def digits_accuracy(seeds):
    X, y = load_digits(return_X_y=True)
    sk, me = [], []
    for seed in seeds:
        Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, random_state=seed, stratify=y)
        sc = StandardScaler().fit(Xtr)
        Xtr, Xte = sc.transform(Xtr), sc.transform(Xte)
        sk.append(SkMLP(random_state=seed, max_iter=300).fit(Xtr, ytr).score(Xte, yte))
        me.append(MLPClassifier(random_state=seed, max_iter=300).fit(Xtr, ytr).score(Xte, yte))
    return float(np.mean(me)), float(np.mean(sk))


def _median_time(fn, calls):
    times = []
    for _ in range(calls):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def predict_speed(repeats, block=100_000):
    """float32 ``predict``: one-row latency and a ``block``-row call, sknn against scikit-learn.

    Also sknn inside ``sknn.nn.linalg.plain_products()``: plain float32 BLAS products, without the
    guarantee that a row's prediction does not depend on the rows predicted with it.
    """
    from sknn.nn.linalg import plain_products

    Xtr, ytr, _, _ = make_data()
    Xtr = Xtr.astype(np.float32)
    kw = dict(mlp_kwargs(0), max_iter=1)
    sknn_model = MLPClassifier(**kw).fit(Xtr[:5000], ytr[:5000])

    def plain(X):
        with plain_products():
            return sknn_model.predict(X)

    predictors = {"sknn": sknn_model.predict, "scikit-learn": SkMLP(**kw).fit(Xtr[:5000], ytr[:5000]).predict,
                  "sknn, plain_products()": plain}
    big = np.resize(Xtr, (block, N_FEATURES))
    row = Xtr[:1]
    one = {name: [] for name in predictors}
    many = {name: [] for name in predictors}
    loads = []
    names = list(predictors)
    for r in range(repeats):
        order = names[r % 3 :] + names[: r % 3]
        # the one-row calls of every contestant first: right after a 100,000-row call (hundreds of MB
        # allocated and freed) single calls of any library run slower for a while
        for name in order:
            predict = predictors[name]
            predict(row)  # warm
            one[name].append(_median_time(lambda: predict(row), 200))
        for name in order:
            predict = predictors[name]
            many[name].append(_median_time(lambda: predict(big), 1))
        loads.append(os.getloadavg()[0])
    print(f"\nfloat32 predict, median of {repeats} interleaved repeats (one row: median of 200 calls each); "
          f"load average after each {', '.join(f'{x:.1f}' for x in loads)}\n")
    print("| | sknn | scikit-learn | sknn / scikit-learn | sknn, plain_products() | its / scikit-learn |\n"
          "|---|---:|---:|---:|---:|---:|")
    for label, d, scale, unit in (("one row", one, 1e6, "µs"), (f"{block:,} rows", many, 1.0, "s")):
        s, k, p = (float(np.median(d[name])) for name in names)
        print(f"| {label} ({unit}) | {s * scale:.4g} | {k * scale:.4g} | {s / k:.2f} | {p * scale:.4g} | {p / k:.2f} |")


def main():
    global N_THREADS
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--threads", type=int, default=2, help="BLAS and torch threads")
    parser.add_argument("--busy", type=int, default=0, metavar="N", help="N CPU-bound processes beside the run")
    parser.add_argument("--predict", action="store_true", help="time float32 predict instead of fit")
    parser.add_argument("--n-train", type=int, default=N_TRAIN, help="training rows (smaller: a quicker run)")
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--float32-only", action="store_true", help="skip the float64 runs")
    parser.add_argument("--no-digits", action="store_true", help="skip the digits accuracy check")
    parser.add_argument("--floor", action="store_true",
                        help="also time the same training as bare NumPy loops (products only; + elementwise)")
    args = parser.parse_args()
    with _harness.busy(args.busy):
        _main(args)


def _main(args):
    global N_THREADS, N_TRAIN, EPOCHS
    N_THREADS = args.threads
    N_TRAIN, EPOCHS = args.n_train, args.epochs
    threadpool_limits(N_THREADS)  # NumPy's BLAS, for sknn and scikit-learn alike
    repeats = 1 if args.quick else args.repeats
    seeds = range(2) if args.quick else range(5)
    warnings.simplefilter("ignore", ConvergenceWarning)

    print(f"sknn {sknn.__version__}, torch {getattr(torch, '__version__', 'missing')}")
    print(_harness.machine_record(N_THREADS, args.busy))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{repeats} repeat(s), {N_TRAIN} training rows, {EPOCHS} epoch(s); load average at start {load:.1f}\n")
    if args.predict:
        predict_speed(repeats)
        return
    rows, _ = speed(repeats, (np.float32,) if args.float32_only else (np.float32, np.float64), args.floor)
    print("\n| dtype | library | time (s) | time / scikit-learn | test acc | GFLOP/s | % of GEMM peak |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['dtype']} | {r['name']} | {r['time']:.2f} | {r['vs_sklearn']:.2f} | {r['acc']:.4f} "
            f"| {r['gflops']:.1f} | {100 * r['gflops'] / r['peak']:.0f}% of {r['peak']:.0f} |"
        )
    by = {(r["dtype"], r["name"]): r["time"] for r in rows}
    print()
    for dt in sorted({r["dtype"] for r in rows}):
        line = f"{dt}: scikit-learn / sknn = {by[(dt, 'scikit-learn')] / by[(dt, 'sknn')]:.2f}x"
        if (dt, "PyTorch") in by:
            line += f", sknn / PyTorch = {by[(dt, 'sknn')] / by[(dt, 'PyTorch')]:.2f}"
        print(line)
    print(f"load average at end {os.getloadavg()[0]:.1f}")
    if args.no_digits:
        return
    me, sk = digits_accuracy(seeds)
    print(
        f"\ndigits (75/25 split, StandardScaler, default MLP, {len(seeds)} seeds): "
        f"sknn {100 * me:.2f}%  scikit-learn {100 * sk:.2f}%  difference {100 * (me - sk):+.2f} points"
    )


if __name__ == "__main__":
    main()
