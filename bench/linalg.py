"""Cost of the correctly rounded float32 product (sknn.nn.linalg) against plain sgemm.

Run: ``python bench/linalg.py [--repeats 7] [--threads 1]``. For each shape
(rows n, inner size K, outputs M) it alternates ``A @ B + b`` in float32 and
``ExactProduct(B, b)(A)`` and prints the best time of each and their ratio, plus
the ratio of a float64 ``dgemm`` to the sgemm (the floor of the method on this
CPU) and the fraction of entries that took the fixed-order fallback. Only the
ratios are meaningful on a busy machine; with ``--threads 1`` the times are the
CPU time of the calling thread.
"""

import argparse
import time

import numpy as np

from sknn.nn import linalg

SHAPES = [
    (4096, 784, 100),  # an MLP's first layer on MNIST-sized rows
    (4096, 100, 100),
    (4096, 100, 10),
    (20000, 27, 16),  # conv im2col: 3x3x3 patches, 16 filters
    (2000, 800, 800),
    (256, 32, 128),  # one LSTM step: (batch, units) @ (units, 4 units)
]


CLOCK = time.perf_counter


def _best(fn, repeats):
    best = np.inf
    for _ in range(repeats):
        t = CLOCK()
        fn()
        best = min(best, CLOCK() - t)
    return best


def _flagged_fraction(A, B, b):
    """Fraction of entries the fast path could not decide (counted, not timed)."""
    count = 0
    original = linalg.ExactProduct._fixed_order

    def counting(self, a64, i, j):
        nonlocal count
        count += i.size
        return original(self, a64, i, j)

    linalg.ExactProduct._fixed_order = counting
    try:
        linalg.ExactProduct(B, b)(A)
    finally:
        linalg.ExactProduct._fixed_order = original
    return count / (A.shape[0] * B.shape[1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--threads", type=int, default=None, help="BLAS threads (default: as set)")
    args = parser.parse_args()
    if args.threads is not None:
        from threadpoolctl import threadpool_limits

        threadpool_limits(args.threads, user_api="blas")
    if args.threads == 1:
        # all the work runs on this thread: its CPU time is robust to a busy machine
        global CLOCK
        CLOCK = time.thread_time
    rng = np.random.default_rng(0)
    print(f"{'n':>6} {'K':>5} {'M':>5}  {'sgemm ms':>9} {'exact ms':>9} {'exact/sgemm':>11} "
          f"{'dgemm/sgemm':>11} {'fallback':>9}")
    for n, K, M in SHAPES:
        A = np.maximum(rng.standard_normal((n, K)), 0).astype(np.float32)  # ReLU-like inputs
        B = (rng.standard_normal((K, M)) / np.sqrt(K)).astype(np.float32)
        b = rng.standard_normal(M).astype(np.float32)
        A64, B64 = A.astype(np.float64), B.astype(np.float64)

        def plain():
            Y = A @ B
            Y += b

        def exact():
            linalg.ExactProduct(B, b)(A)  # the weights prepared once per call, as in a forward pass

        times = {"plain": np.inf, "exact": np.inf, "double": np.inf}
        for _ in range(args.repeats):  # interleaved, so load changes hit all three alike
            times["plain"] = min(times["plain"], _best(plain, 1))
            times["exact"] = min(times["exact"], _best(exact, 1))
            times["double"] = min(times["double"], _best(lambda: A64 @ B64, 1))
        print(f"{n:>6} {K:>5} {M:>5}  {times['plain'] * 1e3:>9.2f} {times['exact'] * 1e3:>9.2f} "
              f"{times['exact'] / times['plain']:>11.2f} {times['double'] / times['plain']:>11.2f} "
              f"{_flagged_fraction(A, B, b):>9.1e}")


if __name__ == "__main__":
    main()
