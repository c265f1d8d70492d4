"""One-step recurrent cells: the gates, one forward step and one backward step.

The sequence loop that runs them over time lives in :mod:`sknn.nn.recurrent`.
"""

import inspect

import numpy as np

from .linalg import inference_product

__all__ = ["SimpleRNNCell", "LSTMCell", "GRUCell"]


def _sigmoid_(a):
    """In-place logistic sigmoid via ``(1 + tanh(a / 2)) / 2`` (stable, no overflow).

    numpy's tanh is SIMD-vectorised; this is several times faster than
    ``scipy.special.expit`` on float32 and never overflows.
    """
    a *= 0.5
    np.tanh(a, out=a)
    a *= 0.5
    a += 0.5
    return a


class _Pass:
    """The state of one forward pass of a cell over a sequence.

    Made by :meth:`_Cell.start` and handed back to every step: it holds the
    pass's weights view, products, work buffers and (in training) what the
    backward steps need. It is never stored on the cell, so several passes can
    run at once; the layer keeps it only in training, for ``backward``.
    """

    def __init__(self, **fields):
        self.__dict__.update(fields)


_CELL_DOC_TAIL = """
    Shape
    -----
    - ``forward_step`` input ``xw_t``: ``(n_samples, {n_gates} * units)``; states
      ``(n_samples, units)``.

    Attributes
    ----------
    n_gates : int
        Number of gate blocks ({n_gates}) in ``kernel`` and ``recurrent_kernel``.
    n_states : int
        Number of state arrays ({n_states}; the hidden state first).

    Examples
    --------
    Cells are created by their layer's ``build``:

    >>> import numpy as np
    >>> from sknn.nn import {layer}
    >>> layer = {layer}(3)
    >>> layer.build((4, 2), np.random.default_rng(0))
    (3,)
    >>> type(layer.cell).__name__, layer.cell.n_gates, layer.cell.n_states
    ('{cell}', {n_gates}, {n_states})
    """


class _Cell:
    """One time step of a recurrent layer (not a Layer: it owns no weights).

    The sequence loop hands the cell, for each step ``t``, the pass object
    returned by :meth:`start` and:

    * ``xw_t`` -- the input projection ``x_t @ kernel`` (bias added by
      :meth:`start`), shape ``(n, n_gates * units)``; the cell may overwrite it
      with its gate activations, which it keeps for the backward step;
    * ``prev`` / ``new`` -- lists of state arrays ``(n, units)`` (the hidden
      state first) to read from and write into.

    Backward, :meth:`backward_step` receives the gradients with respect to the
    states after step ``t`` (``dS``, never modified) and writes the gradients
    with respect to the states before it (``dS_prev``), the input projection
    (``dxw_t``) and the recurrent product ``h_{t-1} @ recurrent_kernel``
    (``drec_t``, the same array as ``dxw_t`` unless
    ``separate_recurrent_grad``).

    A cell holds configuration only: everything a pass needs lives in its
    :class:`_Pass`, so concurrent inference passes never share a buffer.
    """

    n_gates = 1
    n_states = 1
    separate_recurrent_grad = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # the Shape, Attributes and Examples sections every cell shares, with its numbers
        cls.__doc__ = cls.__doc__.rstrip(" ") + _CELL_DOC_TAIL.format(
            n_gates=cls.n_gates, n_states=cls.n_states, cell=cls.__name__, layer=cls.__name__[: -len("Cell")]
        )

    def __init__(self, units):
        self.units = units

    def initial_bias(self, dtype):
        return np.zeros(self.n_gates * self.units, dtype=dtype)

    def start(self, recurrent_kernel, bias, xw, states, training):
        """Prepare a forward pass over ``xw`` (T, n, G*U), in place; returns the pass."""
        xw += bias
        return self._new_pass(recurrent_kernel, None, xw, states, training)

    @staticmethod
    def _new_pass(R, rec_bias, xw, states, training):
        # float32 inference: correctly rounded products, independent of the batch
        return _Pass(R=R, rec=inference_product(R, rec_bias, training), xw=xw, states=states)

    def start_backward(self, ps):
        ps.RT = np.ascontiguousarray(ps.R.T)

    def bias_grad(self, dxw, drec, out):
        np.sum(dxw.reshape(-1, dxw.shape[-1]), axis=0, out=out)

    def __getstate__(self):
        # configuration only: weights belong to the layer, passes to their calls
        names = inspect.signature(type(self).__init__).parameters
        return {k: v for k, v in self.__dict__.items() if k in names}


class SimpleRNNCell(_Cell):
    """Elman step: ``h_t = act(x_t W + h_{t-1} U + b)``.

    Parameters
    ----------
    units : int
        Size of the hidden state.
    activation : {"tanh", "relu"}
        Non-linearity.
    """

    def __init__(self, units, activation="tanh"):
        if activation not in ("tanh", "relu"):
            raise ValueError(f"activation must be 'tanh' or 'relu', got {activation!r}")
        self.units = units
        self.activation = activation

    def start(self, recurrent_kernel, bias, xw, states, training):
        ps = super().start(recurrent_kernel, bias, xw, states, training)
        ps.tmp = np.empty((xw.shape[1], self.units), dtype=xw.dtype)
        return ps

    def forward_step(self, ps, t, xw_t, prev, new):
        if t > 0:
            ps.rec(prev[0], out=ps.tmp)
            xw_t += ps.tmp
        if self.activation == "tanh":
            np.tanh(xw_t, out=new[0])
        else:
            np.maximum(xw_t, 0, out=new[0])

    def backward_step(self, ps, t, dS, dS_prev, dxw_t, drec_t):
        h = ps.states[0][t + 1]
        if self.activation == "tanh":
            np.multiply(h, h, out=dxw_t)
            np.subtract(1, dxw_t, out=dxw_t)
            dxw_t *= dS[0]
        else:
            np.greater(h, 0, out=ps.tmp)  # bool -> float cast on write
            np.multiply(dS[0], ps.tmp, out=dxw_t)
        np.matmul(dxw_t, ps.RT, out=dS_prev[0])


class LSTMCell(_Cell):
    """Long short-term memory step (Hochreiter & Schmidhuber, 1997).

    Gates are stored in the order input, forget, cell candidate, output
    (``i, f, g, o``; as in Keras and PyTorch)::

        i, f, o = sigmoid(.), g = tanh(.)      of  x_t W + h_{t-1} U + b
        c_t = f * c_{t-1} + i * g
        h_t = o * tanh(c_t)

    Parameters
    ----------
    units : int
        Size of the hidden and cell states.
    unit_forget_bias : bool
        Initialise the forget-gate bias to 1 (Jozefowicz et al., 2015).
    """

    n_gates = 4
    n_states = 2

    def __init__(self, units, unit_forget_bias=True):
        self.units = units
        self.unit_forget_bias = unit_forget_bias

    def initial_bias(self, dtype):
        b = np.zeros(4 * self.units, dtype=dtype)
        if self.unit_forget_bias:
            b[self.units : 2 * self.units] = 1
        return b

    def start(self, recurrent_kernel, bias, xw, states, training):
        # sigmoid(x) = (1 + tanh(x / 2)) / 2: one tanh over all four gates (numpy's
        # tanh is vectorised and stable, see _sigmoid_); the halving
        # of the sigmoid gates' pre-activations is folded into R and the bias
        # (exact: a power of two).
        U = self.units
        scale = np.full(4 * U, 0.5, dtype=xw.dtype)
        scale[2 * U : 3 * U] = 1
        xw *= scale
        ps = super().start(recurrent_kernel * scale, bias * scale, xw, states, training)
        ps.R_unscaled = recurrent_kernel
        T, n, _ = xw.shape
        ps.tc = np.empty((T, n, U), dtype=xw.dtype)  # tanh(c_t)
        ps.rec_out = np.empty((n, 4 * U), dtype=xw.dtype)
        ps.tmp = np.empty((n, U), dtype=xw.dtype)
        return ps

    def forward_step(self, ps, t, xw_t, prev, new):
        U = self.units
        a = xw_t
        if t > 0:
            ps.rec(prev[0], out=ps.rec_out)
            a += ps.rec_out
        np.tanh(a, out=a)
        for s in (a[:, : 2 * U], a[:, 3 * U :]):
            s *= 0.5
            s += 0.5
        i, f, g, o = a[:, :U], a[:, U : 2 * U], a[:, 2 * U : 3 * U], a[:, 3 * U :]
        c_new = new[1]
        np.multiply(f, prev[1], out=c_new)
        np.multiply(i, g, out=ps.tmp)
        c_new += ps.tmp
        tc = ps.tc[t]
        np.tanh(c_new, out=tc)
        np.multiply(o, tc, out=new[0])

    def start_backward(self, ps):
        ps.RT = np.ascontiguousarray(ps.R_unscaled.T)
        ps.dct = np.empty_like(ps.tmp)

    def backward_step(self, ps, t, dS, dS_prev, dxw_t, drec_t):
        U = self.units
        dh, dc = dS
        a = ps.xw[t]
        i, f, g, o = a[:, :U], a[:, U : 2 * U], a[:, 2 * U : 3 * U], a[:, 3 * U :]
        tc = ps.tc[t]
        c_prev = ps.states[1][t]
        dct = ps.dct
        # total gradient on c_t: from the future plus through h_t = o * tanh(c_t)
        np.multiply(tc, tc, out=dct)
        np.subtract(1, dct, out=dct)
        dct *= o
        dct *= dh
        dct += dc
        d = dxw_t
        np.multiply(dct, g, out=d[:, :U])
        np.multiply(dct, c_prev, out=d[:, U : 2 * U])
        np.multiply(dct, i, out=d[:, 2 * U : 3 * U])
        np.multiply(dh, tc, out=d[:, 3 * U :])
        # local derivatives: s(1 - s) for the sigmoid gates, 1 - g^2 for g
        deriv = ps.rec_out
        np.subtract(1, a, out=deriv)
        deriv *= a
        dg = deriv[:, 2 * U : 3 * U]
        np.multiply(g, g, out=dg)
        np.subtract(1, dg, out=dg)
        d *= deriv
        np.matmul(d, ps.RT, out=dS_prev[0])
        np.multiply(dct, f, out=dS_prev[1])


class GRUCell(_Cell):
    """Gated recurrent unit step, PyTorch's ("reset after") convention.

    Gates in the order reset, update, candidate (``r, z, n``)::

        r = sigmoid(x_t W_r + b_ir + h_{t-1} U_r + b_hr)
        z = sigmoid(x_t W_z + b_iz + h_{t-1} U_z + b_hz)
        n = tanh(x_t W_n + b_in + r * (h_{t-1} U_n + b_hn))
        h_t = (1 - z) * n + z * h_{t-1}

    This equals ``torch.nn.GRU`` and Keras's ``GRU(reset_after=True)`` (whose
    gate order is ``z, r, h``). The bias has shape ``(2, 3 * units)``: row 0 is
    the input bias, row 1 the recurrent bias.

    Parameters
    ----------
    units : int
        Size of the hidden state.
    """

    n_gates = 3
    n_states = 1
    separate_recurrent_grad = True

    def initial_bias(self, dtype):
        return np.zeros((2, 3 * self.units), dtype=dtype)

    def start(self, recurrent_kernel, bias, xw, states, training):
        xw += bias[0]
        # the recurrent bias goes inside the recurrent product: h @ U + b_h
        ps = self._new_pass(recurrent_kernel, bias[1], xw, states, training)
        T, n, _ = xw.shape
        U = self.units
        ps.brec = bias[1]
        ps.hn = np.empty((T, n, U), dtype=xw.dtype)  # h_{t-1} U_n + b_hn
        ps.rec_out = np.empty((n, 3 * U), dtype=xw.dtype)
        ps.tmp = np.empty((n, U), dtype=xw.dtype)
        return ps

    def forward_step(self, ps, t, xw_t, prev, new):
        U = self.units
        h = prev[0]
        rec = ps.rec_out
        if t > 0:
            ps.rec(h, out=rec)
        else:  # h_0 = 0
            rec[...] = ps.brec
        a = xw_t
        rz = a[:, : 2 * U]
        rz += rec[:, : 2 * U]
        _sigmoid_(rz)
        r, z, n_ = a[:, :U], a[:, U : 2 * U], a[:, 2 * U :]
        hn = ps.hn[t]
        hn[...] = rec[:, 2 * U :]
        np.multiply(r, hn, out=ps.tmp)
        n_ += ps.tmp
        np.tanh(n_, out=n_)
        tmp = ps.tmp
        np.subtract(h, n_, out=tmp)
        tmp *= z
        np.add(n_, tmp, out=new[0])

    def backward_step(self, ps, t, dS, dS_prev, dxw_t, drec_t):
        U = self.units
        dh = dS[0]
        h = ps.states[0][t]
        a = ps.xw[t]
        r, z, n_ = a[:, :U], a[:, U : 2 * U], a[:, 2 * U :]
        hn = ps.hn[t]
        dr, dz, dn = dxw_t[:, :U], dxw_t[:, U : 2 * U], dxw_t[:, 2 * U :]
        tmp = ps.tmp
        np.subtract(1, z, out=tmp)
        # candidate pre-activation: dh * (1 - z) * (1 - n^2)
        np.multiply(n_, n_, out=dn)
        np.subtract(1, dn, out=dn)
        dn *= dh
        dn *= tmp
        # update gate: dh * (h - n) * z * (1 - z)
        np.subtract(h, n_, out=dz)
        dz *= dh
        dz *= z
        dz *= tmp
        # reset gate: dn * hn * r * (1 - r)
        np.multiply(dn, hn, out=dr)
        dr *= r
        np.subtract(1, r, out=tmp)
        dr *= tmp
        drec_t[:, : 2 * U] = dxw_t[:, : 2 * U]
        np.multiply(dn, r, out=drec_t[:, 2 * U :])
        np.matmul(drec_t, ps.RT, out=dS_prev[0])
        np.multiply(dh, z, out=tmp)
        dS_prev[0] += tmp

    def bias_grad(self, dxw, drec, out):
        G = dxw.shape[-1]
        np.sum(dxw.reshape(-1, G), axis=0, out=out[0])
        np.sum(drec.reshape(-1, G), axis=0, out=out[1])
