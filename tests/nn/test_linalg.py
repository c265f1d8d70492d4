"""sknn.nn.linalg: correctly rounded float32 products, independent of the batch."""

import math
from fractions import Fraction

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from sknn.nn.linalg import ExactProduct, _PlainProduct, exact_matmul, inference_product

F32_MAX = float(np.finfo(np.float32).max)


def _round32(q):
    """The float32 nearest to the rational ``q`` (ties to even), or +-inf."""
    with np.errstate(over="ignore"):
        c = np.float32(float(q))  # within one float32 step of the answer
        cands = (np.nextafter(c, np.float32(-np.inf)), c, np.nextafter(c, np.float32(np.inf)))
    best = None
    for cand in cands:
        if not np.isfinite(cand):
            continue
        d = abs(Fraction(float(cand)) - q)
        even = int(np.array(cand).view(np.int32)) % 2 == 0
        if best is None or d < best[0] or (d == best[0] and even):
            best = (d, cand)
    # beyond the largest float32 plus half a step: overflow
    limit = Fraction(F32_MAX) + Fraction(2.0 ** (127 - 24))
    if abs(q) >= limit:
        return np.float32(math.copysign(np.inf, q))
    return best[1]


def _exact(A, B, bias, i, j):
    """Exact ``sum_k A[i, k] B[k, j] (+ bias[j])`` and ``sum |terms|`` as Fractions.

    Every float32 is an integer multiple of 2**-149, so the products are exact
    integers at the scale 2**-298.
    """
    def scaled(x):
        return int(float(x) * 2.0**149)

    terms = [scaled(a) * scaled(b) for a, b in zip(A[i], B[:, j])]
    if bias is not None:
        terms.append(int(float(bias[j]) * 2.0**298))
    scale = 2**298
    return Fraction(sum(terms), scale), Fraction(sum(map(abs, terms)), scale)


def _data(n, K, M, seed, scale=1.0, bias=True):
    rng = np.random.default_rng(seed)
    A = (rng.standard_normal((n, K)) * scale).astype(np.float32)
    B = (rng.standard_normal((K, M)) / np.sqrt(K)).astype(np.float32)
    b = rng.standard_normal(M).astype(np.float32) if bias else None
    return A, B, b


def _same_bits(x, y):
    return x.shape == y.shape and np.array_equal(x.view(np.uint32), y.view(np.uint32))


@pytest.mark.parametrize(
    "n, K, M, bias",
    [(7, 1, 3, True), (30, 5, 4, False), (40, 33, 17, True), (25, 800, 9, True), (12, 3000, 2, False)],
)
def test_matches_the_correctly_rounded_exact_sum(n, K, M, bias):
    """Every entry is the float32 nearest to the exact sum, except possibly where
    the exact sum lies within the float64 error bound of a float32 midpoint (the
    fallback's double rounding); with random data that never happens."""
    A, B, b = _data(n, K, M, seed=K, bias=bias)
    Y = exact_matmul(A, B, b)
    assert Y.dtype == np.float32 and Y.shape == (n, M)
    gamma = K * 2.0**-53 / (1 - K * 2.0**-53)
    for i in range(n):
        for j in range(M):
            s, abs_sum = _exact(A, B, b, i, j)
            want = _round32(s)
            if Y[i, j] != want:
                # only the fallback can differ, and only next to a midpoint
                other = Y[i, j]
                mid = (Fraction(float(want)) + Fraction(float(other))) / 2
                assert abs(np.nextafter(want, other) - other) == 0
                assert abs(s - mid) <= Fraction(gamma) * abs_sum, (i, j)


def test_exact_midpoints_are_resolved_to_even():
    # 1 + 2**-24 is the midpoint between 1 and the next float32: the float64 sum
    # is exact but its interval straddles the midpoint, so the fallback decides
    A = np.array([[1.0, 2.0**-24], [1.0, 3 * 2.0**-24]], dtype=np.float32)
    Y = exact_matmul(A, np.ones((2, 1), dtype=np.float32))
    assert Y[0, 0] == np.float32(1.0)  # tie to even
    assert Y[1, 0] == np.float32(1.0) + np.float32(2.0**-22)  # 1 + 3*2**-24: tie to even, upwards


def test_fallback_agrees_with_the_fast_path_everywhere():
    """The proof's key step: the fixed-order fallback, run on every entry, gives
    the same bits as the product (which used the fast path almost everywhere)."""
    A, B, b = _data(60, 700, 12, seed=3)
    product = ExactProduct(B, b)
    Y = product(A)
    i, j = np.indices(Y.shape).reshape(2, -1)
    a64 = np.column_stack([A.astype(np.float64), np.ones(len(A))])  # the bias meets a column of ones
    fallback = product._fixed_order(a64, i, j).reshape(Y.shape)
    assert _same_bits(fallback, Y)


@pytest.mark.parametrize("K", [1, 9, 145])
def test_zero_rows_take_the_bias_as_the_fallback_would(K):
    """All-zero rows (blank windows, ReLU zeros) are flagged when the bias is zero
    and taken from the bias without the fallback: the same bits as the fallback,
    signed zeros included (a -0.0 bias, -0.0 inputs, negative weights)."""
    A, B, b = _data(40, K, 6, seed=K)
    A[::2] = 0.0
    A[1::4] = -0.0
    A[3, 0] = -0.0
    b[:3] = 0.0
    b[3] = -0.0
    B[:, 4] = -np.abs(B[:, 4])
    product = ExactProduct(B, b)
    Y = product(A)
    i, j = np.indices(Y.shape).reshape(2, -1)
    a64 = np.column_stack([A.astype(np.float64), np.ones(len(A))])
    assert _same_bits(product._fixed_order(a64, i, j).reshape(Y.shape), Y)
    cols = [0, 1, 2, 4, 5]  # column 3: a -0.0 bias, the fallback's signed zero (checked above)
    assert _same_bits(Y[0, cols], b[cols])
    # with a non-finite weight a zero row meets 0 * inf = NaN: no shortcut
    B[0, 1] = np.inf
    with np.errstate(invalid="ignore"):
        Y = ExactProduct(B, b)(A)
    assert np.isnan(Y[0, 1]) and _same_bits(Y[0, [2, 4, 5]], b[[2, 4, 5]])


@pytest.mark.parametrize("K", [1, 7, 96, 1000])
def test_rows_are_independent_of_the_batch(K):
    A, B, b = _data(97, K, 13, seed=K)
    A[5] = 0  # a zero row
    A[6] = np.round(A[6] * 100)  # integer-valued
    product = ExactProduct(B, b)
    Y = product(A)
    rng = np.random.default_rng(0)
    perm = rng.permutation(97)
    assert _same_bits(product(A[perm]), Y[perm])
    for size in (1, 2, 5, 12, 13, 50, 96):
        rows = rng.choice(97, size, replace=True)  # subsets with duplicates
        assert _same_bits(product(A[rows]), Y[rows]), size
    stacked = product(np.concatenate([A, A[::-1], A[:7]]))
    assert _same_bits(stacked, np.concatenate([Y, Y[::-1], Y[:7]]))
    for threads in (1, 2):
        with threadpool_limits(threads):
            assert _same_bits(product(A), Y)


def test_batches_larger_than_one_block(monkeypatch):
    import sknn.nn.linalg as linalg

    A, B, b = _data(50, 40, 6, seed=1)
    Y = exact_matmul(A, B, b)
    monkeypatch.setattr(linalg, "_BLOCK_ELEMENTS", 80)  # two rows per block
    assert _same_bits(exact_matmul(A, B, b), Y)
    out = np.full((50, 6), np.nan, dtype=np.float32)
    assert exact_matmul(A, B, b, out=out) is out and _same_bits(out, Y)


def test_integer_valued_inputs_are_exact():
    rng = np.random.default_rng(2)
    A = rng.integers(-50, 50, (20, 30)).astype(np.float32)
    B = rng.integers(-50, 50, (30, 4)).astype(np.float32)
    expected = (A.astype(np.int64) @ B.astype(np.int64)).astype(np.float32)
    assert _same_bits(exact_matmul(A, B), expected)


def test_magnitudes_near_float32_max():
    big = np.float32(F32_MAX / 4)
    A = np.array([[big, big, big], [big, big, -big], [big, big, big * 3], [big, -big, 0]], dtype=np.float32)
    B = np.ones((3, 1), dtype=np.float32)
    Y = exact_matmul(A, B)
    for i in range(4):
        assert Y[i, 0] == _round32(_exact(A, B, None, i, 0)[0]), i
    assert np.isinf(Y[2, 0]) and Y[1, 0] == big and Y[3, 0] == 0
    assert _same_bits(exact_matmul(A[::-1], B), Y[::-1])


def test_tiny_magnitudes_and_subnormal_results():
    tiny = np.float32(2.0**-70)
    A = np.array([[tiny, tiny], [tiny, -tiny * 0.5]], dtype=np.float32)
    B = np.full((2, 1), 2.0**-70, dtype=np.float32)
    Y = exact_matmul(A, B)  # products ~2**-140: float32 subnormals, exact in float64
    for i in range(2):
        assert Y[i, 0] == _round32(_exact(A, B, None, i, 0)[0])
    assert Y[0, 0] > 0


@pytest.mark.filterwarnings("ignore:invalid value encountered in matmul")
def test_non_finite_inputs_are_deterministic():
    A, B, b = _data(20, 30, 5, seed=4)
    A[3, 2], A[7, 0], A[8] = np.inf, np.nan, -np.inf
    product = ExactProduct(B, b)
    Y = product(A)
    assert not np.isfinite(Y[[3, 7, 8]]).any() and np.isfinite(np.delete(Y, [3, 7, 8], axis=0)).all()
    perm = np.random.default_rng(0).permutation(20)
    assert _same_bits(product(A[perm]), Y[perm])
    assert _same_bits(product(A[[7]]), Y[[7]])


def test_empty_inputs():
    B = np.ones((0, 3), dtype=np.float32)
    bias = np.arange(3, dtype=np.float32)
    np.testing.assert_array_equal(exact_matmul(np.ones((2, 0), np.float32), B, bias), [bias, bias])
    assert exact_matmul(np.ones((0, 4), np.float32), np.ones((4, 2), np.float32)).shape == (0, 2)
    with pytest.raises(ValueError, match="does not match"):
        exact_matmul(np.ones((2, 3), np.float32), np.ones((4, 2), np.float32))


def test_inference_product_chooses_exact_only_for_float32_inference():
    B32, B64 = np.ones((3, 2), np.float32), np.ones((3, 2))
    assert isinstance(inference_product(B32), ExactProduct)
    assert isinstance(inference_product(B32, training=True), _PlainProduct)
    assert isinstance(inference_product(B64), _PlainProduct)
    A = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(inference_product(B64, np.array([1.0, 2.0]))(A), A @ B64 + [1, 2])
