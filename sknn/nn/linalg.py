"""Correctly rounded float32 matrix products for inference.

**Why.** A float32 BLAS ``sgemm`` may round the dot product of one row differently
depending on where that row sits in the matrix (kernels handle rows in
register-sized groups, edge rows by other code, threads split the work), so a
sample's prediction could depend on the samples predicted alongside it. At
inference every float32 product of the engine goes through
:class:`ExactProduct` instead, whose result for a row is a function of that
row alone, whatever the BLAS library, kernel, thread count, batch size or row
order. Float64 networks keep plain BLAS, as scikit-learn does: their results
are independent of the batch up to the summation order (about 1e-16).
Training keeps plain (fast) float32 BLAS, and so does the training loop's own
evaluation of the network (the divergence guard's reference loss, the
validation scores of early stopping) inside :func:`plain_products`: it needs
the same value each run, which plain BLAS gives for a fixed batch and thread
count, not a value independent of the batch.

**How.** For ``s = sum_k a_k b_k + bias`` (float32 inputs), :class:`ExactProduct`
computes ``v = float64(A) @ float64(B)`` with BLAS, the bias entering as one
more term (a row of ``B`` met by a column of ones in ``A``). A product of two
float32 numbers is exact in float64 (24-bit significands give at most 48 bits,
and the exponents stay far inside float64's range), so only the summation
rounds. Whatever the order the BLAS adds the ``N`` terms in (``N = K + 1``
with a bias; any summation tree, with or without fused multiply-adds),
``|v - s| <= e = gamma_{N-1} * sum |terms|`` with ``gamma_n = n u / (1 - n u)``
and ``u = 2**-53`` (Higham, *Accuracy and Stability of Numerical Algorithms*,
section 4.2). Cauchy-Schwarz bounds the sum of absolute values by
``||a|| ||b||`` (the norms over the terms: ``sqrt(||a_i||^2 + 1)`` and
``sqrt(||b_j||^2 + bias_j^2)``). The bound used, ``E = 4 (N + 2) u ||a|| ||b||``,
exceeds ``2e`` (see below) with room for the rounding of the norms and of the
interval ends.

* Where ``[v - E, v + E]`` rounds to a single float32 (its two ends round to the
  same value), that value is the float32 nearest to ``s`` (rounding is
  monotone and ``s`` lies in the interval): the correctly rounded result.
* Elsewhere (a fraction of about ``K * 1e-6`` of the entries for typical data)
  the entry is recomputed by a fixed-order float64 sum (the exact products
  accumulated from ``k = 0`` to ``K - 1``, then the bias) and rounded to float32.

**Proof** that the result of an entry depends on its row (and the weights) only:
the fallback value ``w`` is a deterministic function of the row; it is one more
summation order, so ``|w - s| <= e``. If some computation, in any batch, did
not flag the entry, its interval contained every point within ``2e`` of its
``v``, hence ``w``; so ``w`` rounds to the value that computation returned.
Every computation therefore returns ``float32(w)`` or the same value reached
directly. Products cannot underflow (float32 products are multiples of
``2**-298``, partial sums too) or overflow in float64; a result beyond
float32's range rounds to a consistent infinity. Non-finite inputs make
non-finite intervals, which are always flagged, so they too take the
deterministic fallback.

**Assumption.** The BLAS sums the exact products in some
order (no Strassen-like fast algorithm), true of OpenBLAS, MKL, BLIS and
Accelerate's ``dgemm``.
"""

import threading
from collections import OrderedDict
from contextlib import contextmanager

import numpy as np

__all__ = ["ExactProduct", "exact_matmul", "inference_product", "plain_products"]

_U = 2.0**-53  # unit roundoff of float64
# elements of the float64 temporaries per row block (about 2 MB each)
_BLOCK_ELEMENTS = 1 << 18
# Prepared products of recent weights (see _prepared): how many, and the largest cached.
_CACHE_ENTRIES = 64
_CACHE_MAX_ELEMENTS = 1 << 22


class ExactProduct:
    """The right operand of ``A @ B + bias``, prepared for correctly rounded products.

    Build one per forward pass (the float64 copy of ``B`` and its column norms
    are computed here once) and call it on as many left operands as needed,
    e.g. once per time step of a recurrent layer. The object holds no scratch
    state, so concurrent calls are safe.

    Parameters
    ----------
    B : ndarray of shape (K, M)
        float32 weights.
    bias : ndarray of shape (M,) or None, default=None
        float32 bias, added inside the same rounding.

    Examples
    --------
    >>> import numpy as np
    >>> from sknn.nn.linalg import ExactProduct
    >>> B = np.array([[1.0, 2.0], [3.0, 4.0]], dtype=np.float32)
    >>> product = ExactProduct(B, bias=np.array([0.5, 0.0], dtype=np.float32))
    >>> product(np.array([[1.0, 1.0]], dtype=np.float32))
    array([[4.5, 6. ]], dtype=float32)
    """

    def __init__(self, B, bias=None):
        B = np.asarray(B)
        if B.ndim != 2:
            raise ValueError(f"ExactProduct needs a 2-D right operand, got shape {B.shape}")
        self.K, self.M = B.shape
        # The bias is one more term of each sum: an extra row of B, met by a
        # column of ones in A. BLAS then adds it like any product, the bound
        # below covers it, and no separate pass over the output is needed.
        self._has_bias = bias is not None
        parts = [B] if bias is None else [B, np.asarray(bias).reshape(1, self.M)]
        self._B = np.ascontiguousarray(np.concatenate(parts, axis=0), dtype=np.float64)
        n_terms = self._B.shape[0]
        # rows per block: float64 temporaries of about _BLOCK_ELEMENTS each
        self._block_rows = max(1, _BLOCK_ELEMENTS // max(n_terms, self.M, 1))
        # E_ij = 4 (n_terms + 2) u ||a_i|| ||b_j||  (norms over the terms, bias included)
        norms = np.einsum("km,km->m", self._B, self._B)
        np.sqrt(norms, out=norms)
        norms *= 4.0 * (n_terms + 2) * _U
        self._col = norms
        # An all-zero row of A (a window of blank pixels, a unit switched off
        # by a ReLU) makes every term but the bias a signed zero: the sum is the
        # bias exactly, which the fallback reaches too (its last term, the bias,
        # turns any signed zero into itself unless it is -0.0). Such entries are
        # flagged when the bias is zero (a fresh layer) and are taken from the
        # bias directly (see _block); only with finite weights (0 * inf is NaN).
        self._zero_rows_give_bias = None
        if self._has_bias and np.isfinite(self._B).all():
            bias64 = self._B[self.K]
            self._zero_rows_give_bias = ~((bias64 == 0) & np.signbit(bias64))  # columns whose bias is not -0.0
            self._bias32 = bias64.astype(np.float32)

    def __call__(self, A, out=None):
        """Return ``A @ B + bias`` correctly rounded to float32 (see the module notes).

        Parameters
        ----------
        A : ndarray of shape (n, K)
            float32 left operand (any memory layout).
        out : ndarray of shape (n, M) and dtype float32, optional
            Where to write the result.

        Returns
        -------
        Y : ndarray of shape (n, M), float32
        """
        A = np.asarray(A)
        n = A.shape[0]
        if A.ndim != 2 or A.shape[1] != self.K:
            raise ValueError(f"left operand of shape {A.shape} does not match ({self.K}, {self.M})")
        if out is None:
            out = np.empty((n, self.M), dtype=np.float32)
        block = max(1, min(n, self._block_rows))
        # work arrays, allocated per call and reused by its blocks (never kept on
        # the object: calls may run concurrently)
        a64 = np.empty((block, self._B.shape[0]))
        if self._has_bias:
            a64[:, self.K] = 1.0
        v = np.empty((block, self.M))
        bound = np.empty((block, self.M))
        low = np.empty((block, self.M), dtype=np.float32)
        # non-finite values (from non-finite inputs) are flagged in _block, quietly
        with np.errstate(invalid="ignore", over="ignore"):
            if n == block:  # one block: the usual case, and a one-row prediction's
                self._block(A, a64, v, bound, low, out)
                return out
            for start in range(0, n, block):
                m = min(block, n - start)
                self._block(A[start : start + m], a64[:m], v[:m], bound[:m], low[:m], out[start : start + m])
        return out

    def _block(self, A, a64, v, bound, low, out):
        # (called inside np.errstate: non-finite inputs make non-finite values, flagged below)
        a64[:, : self.K] = A
        np.matmul(a64, self._B, out=v)
        rows = np.vecdot(a64, a64)
        np.sqrt(rows, out=rows)
        np.multiply(rows[:, None], self._col, out=bound)
        # both ends of [v - E, v + E], rounded to float32; equal ends: the answer
        np.subtract(v, bound, out=low, casting="same_kind")
        np.add(v, bound, out=out, casting="same_kind")
        flagged = np.not_equal(out, low)
        if not np.count_nonzero(flagged):
            return
        if self._zero_rows_give_bias is not None:
            # squares of float32 values are exact nonzero float64s: a zero sum is a zero row
            zero_row = np.vecdot(a64[:, : self.K], a64[:, : self.K]) == 0
            if zero_row.any():
                give = self._zero_rows_give_bias
                if give.all():
                    out[zero_row] = self._bias32
                    flagged[zero_row] = False
                else:
                    rows = np.flatnonzero(zero_row)
                    out[np.ix_(rows, give)] = self._bias32[give]
                    flagged[np.ix_(rows, give)] = False
        if flagged.any():
            # the flat positions of the flagged entries, in row-major order (as np.nonzero's, ~10x quicker)
            i, j = np.divmod(np.flatnonzero(flagged), self.M)
            out[i, j] = self._fixed_order(a64, i, j)

    def _fixed_order(self, a64, i, j):
        """Sequential float64 sums of entries ``(i, j)``, rounded to float32."""
        result = np.zeros(i.size, dtype=np.float32)
        n_terms = self._B.shape[0]
        if n_terms == 0:
            return result
        chunk = max(1, _BLOCK_ELEMENTS // n_terms)
        for s in range(0, i.size, chunk):
            ii, jj = i[s : s + chunk], j[s : s + chunk]
            # exact products (the bias last), (n_terms, m); np.take gathers the columns ~4x quicker than [:, jj]
            terms = a64[ii].T * np.take(self._B, jj, axis=1)
            # accumulate is sequential along the terms (one fixed order for every
            # batch, whatever m), and runs vectorised over the m entries
            result[s : s + chunk] = np.add.accumulate(terms, axis=0)[-1]
        return result


def exact_matmul(A, B, bias=None, out=None):
    """``A @ B + bias`` of float32 arrays, correctly rounded to float32 (almost always).

    A one-shot form of :class:`ExactProduct`; see the module notes for the
    guarantee: each row of the result is a deterministic function of the
    corresponding row of ``A``, ``B`` and ``bias``, whatever the BLAS, thread
    count or batch around it.

    Parameters
    ----------
    A : ndarray of shape (n, K)
    B : ndarray of shape (K, M)
    bias : ndarray of shape (M,) or None, default=None
    out : ndarray of shape (n, M), float32, optional

    Returns
    -------
    Y : ndarray of shape (n, M), float32

    Examples
    --------
    >>> import numpy as np
    >>> from sknn.nn.linalg import exact_matmul
    >>> A = np.full((1, 3), 0.1, dtype=np.float32)
    >>> exact_matmul(A, np.ones((3, 1), dtype=np.float32))
    array([[0.3]], dtype=float32)
    """
    return ExactProduct(B, bias)(A, out)


class _PlainProduct:
    """``A @ B + bias`` with plain BLAS, same call signature as :class:`ExactProduct`."""

    def __init__(self, B, bias=None):
        self._B, self._bias = B, bias

    def __call__(self, A, out=None):
        out = np.matmul(A, self._B, out=out)
        if self._bias is not None:
            _add_bias(out, self._bias)
        return out


#: Rows shorter than this get their bias added on wide views (see _add_bias).
_SHORT_ROW = 64


def _add_bias(out, bias):
    """``out += bias`` over the rows of a 2-D ``out``, the same sums.

    Broadcasting a short bias (a convolution's 16 filters) runs one inner loop
    per row; on a contiguous ``out``, groups of rows seen as one wide row meet
    the bias repeated as often, in loops ~16x longer. Every entry still gets
    ``out[i, j] + bias[j]``.
    """
    n, m = out.shape
    group = min(n, 1024 // m) if m and m < _SHORT_ROW and out.flags.c_contiguous else 1
    if group < 2:
        out += bias
        return
    main = n - n % group
    wide = out[:main].reshape(main // group, group * m)
    repeated = np.empty((group, m), dtype=bias.dtype)
    repeated[...] = bias
    wide += repeated.reshape(-1)
    if main < n:
        out[main:] += bias


_cache = OrderedDict()
_cache_lock = threading.Lock()


def _bits(a):
    return None if a is None else a.view(np.uint32)


def _same_bits(copy, a):
    """Whether ``a`` holds the bits of ``copy`` (a ``_bits`` copy), or both are None."""
    if copy is None or a is None:
        return copy is a
    return copy.shape == a.shape and bool(np.equal(copy, a.view(np.uint32)).all())


def _prepared(B, bias):
    """An :class:`ExactProduct` of ``B`` and ``bias``, reused while their bits stay the same.

    Preparing one (the float64 copy, the column norms) costs more than a
    one-row product, and a network predicting row by row would pay it on every
    call for every layer. The prepared product is kept here, keyed by the
    identities of the weight arrays, and reused only after a comparison of
    every bit with a copy taken when it was made: weights updated in place
    miss, and so does a new array that took a freed one's identity unless it
    holds the same bits (and so makes the same product). Nothing is written on the layers, and the
    cached objects are never modified, so concurrent calls stay safe.
    """
    if B.size > _CACHE_MAX_ELEMENTS:
        return ExactProduct(B, bias)
    # Keyed by the arrays' identities: an array freed and another made at its
    # address gets the same key, and the comparison of bits decides (equal bits
    # make the same product, whatever the array).
    key = (id(B), id(bias))
    with _cache_lock:
        entry = _cache.get(key)
    if entry is not None and _same_bits(entry[0], B) and _same_bits(entry[1], bias):
        return entry[2]
    product = ExactProduct(B, bias)
    copies = (_bits(B).copy(), None if bias is None else _bits(bias).copy(), product)
    with _cache_lock:
        _cache[key] = copies
        _cache.move_to_end(key)
        while len(_cache) > _CACHE_ENTRIES:
            _cache.popitem(last=False)
    return product


_local = threading.local()


@contextmanager
def plain_products():
    """Within the block, in this thread only, inference uses plain BLAS products.

    For the training loop's evaluations of the network, which must be
    reproducible (they are, for a fixed batch and thread count) but need not be
    independent of the batch, and would pay 3-5x for the exact product. Other
    threads' predictions are unaffected.

    Examples
    --------
    >>> import numpy as np
    >>> from sknn.nn.linalg import inference_product, plain_products
    >>> B = np.ones((2, 2), dtype=np.float32)
    >>> type(inference_product(B)).__name__
    'ExactProduct'
    >>> with plain_products():
    ...     type(inference_product(B)).__name__
    '_PlainProduct'
    """
    previous = getattr(_local, "plain", False)
    _local.plain = True
    try:
        yield
    finally:
        _local.plain = previous


def inference_product(B, bias=None, training=False):
    """The product a layer should use for ``X @ B + bias``.

    Float32 inference gets :class:`ExactProduct` (batch-independent results);
    training, float64 networks and the body of :func:`plain_products` get
    plain BLAS.

    Parameters
    ----------
    B : ndarray of shape (K, M)
    bias : ndarray of shape (M,) or None, default=None
    training : bool, default=False

    Returns
    -------
    product : callable
        ``product(A, out=None) -> A @ B + bias``.
    """
    if (not training and B.dtype == np.float32 and (bias is None or bias.dtype == np.float32)
            and not getattr(_local, "plain", False)):
        return _prepared(B, bias)
    return _PlainProduct(B, bias)
