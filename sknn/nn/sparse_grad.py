"""Row-sparse gradients: the gradient of a lookup table, stored by the rows a batch touched.

An embedding table (or the first-layer kernel of a sparse bag of words) of
``V`` rows receives, from one batch, a gradient that is zero except on the rows
the batch used. Storing it densely costs a ``V x dim`` array written at every
step, and every optimizer pass over it costs ``O(V)`` time: with millions of
rows that dominates memory and time. A layer instead keeps a
:class:`RowSparseGrad` in its ``grads`` list; the optimizers of
:mod:`sknn.nn.optimizers` then update only those rows (lazily: see there for
the exact semantics).
"""

import numpy as np

__all__ = ["RowSparseGrad", "is_row_sparse", "to_dense", "scatter_rows", "add_l2_grad", "l2_value"]


class RowSparseGrad:
    """Gradient of a parameter that is zero outside the rows in ``rows``.

    The object stays the same between steps (the training loop holds it in its
    gradient list); :meth:`assign` replaces its content.

    Parameters
    ----------
    shape : tuple of int
        Shape of the parameter (rows first; 1-D parameters have scalar rows).
    dtype : numpy dtype
        Dtype of the parameter.

    Attributes
    ----------
    rows : ndarray of int, shape (k,)
        The touched rows, sorted and unique.
    values : ndarray of shape (k,) + shape[1:]
        The gradient of those rows; every other row's gradient is zero.

    Examples
    --------
    >>> import numpy as np
    >>> g = RowSparseGrad((5, 2), np.float64)
    >>> g.assign(np.array([3, 1, 3]), np.ones((3, 2)))
    >>> g.rows, g.values
    (array([1, 3]), array([[1., 1.],
           [2., 2.]]))
    >>> np.asarray(g)[:, 0]
    array([0., 1., 0., 2., 0.])
    """

    __slots__ = ("shape", "dtype", "rows", "values")

    def __init__(self, shape, dtype):
        self.shape = tuple(int(s) for s in shape)
        self.dtype = np.dtype(dtype)
        self.rows = np.empty(0, dtype=np.intp)
        self.values = np.empty((0,) + self.shape[1:], dtype=self.dtype)

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def size(self):
        return int(np.prod(self.shape))

    def assign(self, idx, values):
        """Set the gradient to ``sum_j e_{idx[j]} values[j]`` (repeated rows summed).

        Rows whose summed gradient is exactly zero are not stored: a row used
        only by samples of weight 0 (or whose contributions cancel exactly) is
        not updated, so a zero sample weight is the same as leaving the sample
        out, as scikit-learn requires.

        Parameters
        ----------
        idx : ndarray of int, shape (n,)
            Row of each contribution (repeats allowed).
        values : ndarray of shape (n,) + shape[1:]
            The contributions.
        """
        idx = np.asarray(idx).reshape(-1)
        if idx.size == 0:
            self.rows = np.empty(0, dtype=np.intp)
            self.values = np.empty((0,) + self.shape[1:], dtype=self.dtype)
            return
        values = np.asarray(values, dtype=self.dtype).reshape((idx.size,) + self.shape[1:])
        # sort + reduceat: much faster than np.add.at for large batches
        order = np.argsort(idx, kind="stable")
        sorted_idx = idx[order]
        starts = np.flatnonzero(np.r_[True, sorted_idx[1:] != sorted_idx[:-1]])
        rows = sorted_idx[starts].astype(np.intp, copy=False)
        summed = np.add.reduceat(values[order], starts, axis=0)
        nonzero = summed.reshape(rows.size, -1).any(axis=1)
        if not nonzero.all():
            rows, summed = rows[nonzero], summed[nonzero]
        self.rows, self.values = rows, summed

    def assign_rows(self, rows, values):
        """Set the gradient from unique sorted ``rows`` and their ``values`` (kept, not copied)."""
        self.rows = rows
        self.values = values

    def drop_rows(self, row):
        """Remove ``row`` from the touched rows (its gradient becomes zero)."""
        keep = self.rows != row
        if not keep.all():
            self.rows = self.rows[keep]
            self.values = self.values[keep]

    def toarray(self):
        """The dense gradient (a new array of the parameter's shape)."""
        out = np.zeros(self.shape, dtype=self.dtype)
        out[self.rows] = self.values
        return out

    def __array__(self, dtype=None, copy=None):
        out = self.toarray()
        return out if dtype is None else out.astype(dtype, copy=False)

    def __repr__(self):
        return f"RowSparseGrad(shape={self.shape}, dtype={self.dtype}, rows={self.rows.size})"


def is_row_sparse(grad):
    """Whether ``grad`` is a :class:`RowSparseGrad` (else a dense ndarray)."""
    return type(grad) is RowSparseGrad


def to_dense(grad):
    """``grad`` as a dense ndarray (itself when it already is one)."""
    return grad.toarray() if type(grad) is RowSparseGrad else grad


def scatter_rows(grad, idx, values, skip_row=None):
    """Set ``grad`` to ``sum_j e_{idx[j]} values[j]``: the gradient of a table lookup.

    Parameters
    ----------
    grad : RowSparseGrad or ndarray
        The gradient to set: a :class:`RowSparseGrad` keeps the touched rows
        only; a dense array is overwritten (zero outside the touched rows).
    idx : ndarray of int, shape (n,)
        The row each contribution goes to (repeats are summed).
    values : ndarray of shape (n,) + grad.shape[1:]
        The contributions.
    skip_row : int or None, default=None
        A row whose gradient is kept at zero (NeuMF's unknown user or item).
    """
    if type(grad) is RowSparseGrad:
        grad.assign(idx, values)
        if skip_row is not None:
            grad.drop_rows(skip_row)
        return
    # dense: the same sort-based scatter-add, written into the full table gradient
    tmp = RowSparseGrad(grad.shape, grad.dtype)
    tmp.assign(idx, values)
    grad.fill(0)
    grad[tmp.rows] = tmp.values
    if skip_row is not None:
        grad[skip_row] = 0


def add_l2_grad(params, grads, penalized, scale):
    """Add the gradient of ``0.5 * scale * sum ||w||^2`` to ``grads``, in place.

    Dense parameters get ``scale * w``; a row-sparse gradient gets it on its
    rows only (the term then covers the rows the batch used, see
    :mod:`sknn.nn.optimizers`), at a cost proportional to those rows.

    Parameters
    ----------
    params, grads : list
        Parameters and their gradients (ndarray or RowSparseGrad), parallel.
    penalized : list of bool
        Which parameters the term applies to.
    scale : float
        ``alpha / n`` (the penalty weight over the batch's sample weight).
    """
    for p, g, f in zip(params, grads, penalized):
        if not f:
            continue
        if type(g) is RowSparseGrad:
            g.values += scale * p[g.rows]
        else:
            g += scale * p


def l2_value(params, grads, penalized):
    """``sum ||w||^2`` over the penalized parameters, matching :func:`add_l2_grad`.

    A parameter with a row-sparse gradient contributes the rows in that
    gradient only, so the value and the gradient describe the same objective.

    Returns
    -------
    total : float
    """
    total = 0.0
    for p, g, f in zip(params, grads, penalized):
        if not f:
            continue
        flat = (p[g.rows] if type(g) is RowSparseGrad else p).ravel()
        total += float(np.dot(flat, flat))
    return total
