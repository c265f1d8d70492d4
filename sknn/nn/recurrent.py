"""Recurrent layers: the one sequence loop, SimpleRNN / LSTM / GRU, Bidirectional.

Design (after Keras): a *cell* (:mod:`sknn.nn.recurrent_cells`) knows one time step -- its gates, its forward
step and its backward step. :class:`Recurrent` is the only sequence loop: it
projects the inputs of all time steps with one matrix product, runs the cell
over time, applies the mask, performs backpropagation through time and turns
the per-step gate gradients into weight gradients with a few large products.
:class:`SimpleRNN`, :class:`LSTM` and :class:`GRU` only choose the cell.

Internally everything is time-major, ``(n_steps, n_samples, ...)``, so that one
step's slice is a contiguous block; inputs and outputs are batch-first.
"""

import copy

import numpy as np

from . import initializers
from ._checks import check_choice, check_int
from .layer import Layer
from .linalg import inference_product
from .recurrent_cells import GRUCell, LSTMCell, SimpleRNNCell

__all__ = [
    "SimpleRNNCell",
    "LSTMCell",
    "GRUCell",
    "Recurrent",
    "SimpleRNN",
    "LSTM",
    "GRU",
    "Bidirectional",
]


# ---------------------------------------------------------------------------
# The sequence loop
# ---------------------------------------------------------------------------
class Recurrent(Layer):
    """Base of the recurrent layers: runs a cell over time, with BPTT and masks.

    Subclasses only implement ``_make_cell()``. The input projection of all
    steps is one matrix product before the time loop; the weight and input
    gradients are a few large products after the backward loop.

    Masks: a boolean ``(n_samples, n_steps)`` mask (True for real steps) makes
    the padded steps carry the previous state unchanged; they neither receive
    nor produce gradient, so left- and right-padded sequences end in the same
    state as the unpadded ones. Outputs at padded steps are zero.

    Parameters
    ----------
    units : int
        Size of the hidden state.
    return_sequences : bool, default=False
        Return the state at every step instead of the last one.
    kernel_initializer : str or callable, default="glorot_uniform"
        Initialiser of ``kernel``.
    recurrent_initializer : str or callable, default="orthogonal"
        Initialiser of ``recurrent_kernel``.
%s
    Attributes
    ----------
    params : list of ndarray
        ``kernel``, ``recurrent_kernel``, ``bias`` (only the first two are
        L2-penalized).
    cell : object
        The step function, created by ``build``.

    Examples
    --------
    >>> import numpy as np
    >>> from sknn.nn import Recurrent
    >>> from sknn.nn.recurrent import SimpleRNNCell
    >>> class MyRNN(Recurrent):
    ...     def _make_cell(self):
    ...         return SimpleRNNCell(self.units, "relu")
    >>> layer = MyRNN(2)
    >>> layer.build((3, 1), np.random.default_rng(0))
    (2,)
    """

    #: its products come one per time step, between elementwise cell work (see sknn.threads)
    per_step_products = True

    def __init__(
        self,
        units,
        return_sequences=False,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
    ):
        check_int(self, "units", units)
        self.units = units
        self.return_sequences = return_sequences
        self.kernel_initializer = kernel_initializer
        self.recurrent_initializer = recurrent_initializer

    def _make_cell(self):
        raise NotImplementedError

    def compute_output_shape(self, input_shape):
        if len(input_shape) != 2:
            raise ValueError(
                f"{type(self).__name__} expects samples of shape (n_steps, n_features), "
                f"got {tuple(input_shape)}"
            )
        if self.return_sequences:
            return (input_shape[0], self.units)
        return (self.units,)

    def build(self, input_shape, rng, dtype=np.float64):
        super().build(input_shape, rng, dtype)
        self.cell = self._make_cell()
        n_features = self.input_shape[-1]
        U = int(self.units)
        GU = self.cell.n_gates * U
        kernel = initializers.get(self.kernel_initializer)(
            (n_features, GU), n_features, GU, rng, self.dtype
        )
        recurrent = initializers.get(self.recurrent_initializer)((U, GU), U, GU, rng, self.dtype)
        bias = self.cell.initial_bias(self.dtype)
        # C order matters: optimizers and gradient checks update params through flat views
        self._set_params(
            ["kernel", "recurrent_kernel", "bias"],
            [np.ascontiguousarray(p) for p in (kernel, recurrent, bias)],
            [True, True, False],
        )
        return self.output_shape

    def forward(self, X, training=False, mask=None):
        X = np.asarray(X, dtype=self.dtype)
        if X.ndim != 3:
            raise ValueError(f"expected input of shape (n, steps, features), got {X.shape}")
        n, T, F = X.shape
        cell = self.cell
        U = self.units
        kernel, recurrent, bias = self.params
        Xt = np.ascontiguousarray(X.transpose(1, 0, 2))  # time-major
        xw = inference_product(kernel, None, training)(Xt.reshape(T * n, F)).reshape(T, n, -1)
        states = [np.empty((T + 1, n, U), dtype=self.dtype) for _ in range(cell.n_states)]
        for s in states:
            s[0] = 0
        ps = cell.start(recurrent, bias, xw, states, training)
        mask, keep, pad_steps = self._mask_info(mask, n, T)
        pad = set(pad_steps)
        prev = [s[0] for s in states]
        for t in range(T):
            new = [s[t + 1] for s in states]
            cell.forward_step(ps, t, xw[t], prev, new)
            if t in pad:  # padded samples carry the previous state
                for s in states:
                    np.copyto(s[t + 1], s[t], where=keep[t])
            prev = new
        if training:
            self._cache = (Xt, states, keep, pad_steps, mask, ps)
        H = states[0]
        if not self.return_sequences:
            return H[T].copy()
        Y = H[1:].transpose(1, 0, 2)
        if mask is not None:
            Y = Y * mask[:, :, None]
        return np.ascontiguousarray(Y)

    @staticmethod
    def _mask_info(mask, n, T):
        if mask is None:
            return None, None, []
        mask = np.asarray(mask, dtype=bool)
        if mask.shape != (n, T):
            raise ValueError(f"mask shape {mask.shape} does not match input (n, steps) = {(n, T)}")
        keep = ~mask.T[:, :, None]  # (T, n, 1): True where the state is carried
        pad_steps = np.flatnonzero(keep.any(axis=(1, 2))).tolist()
        return mask, keep, pad_steps

    def compute_mask(self, mask, X=None):
        return mask if self.return_sequences else None

    def backward(self, dY):
        Xt, states, keep, pad_steps, mask, ps = self._cache
        cell = self.cell
        T, n, F = Xt.shape
        U = self.units
        dt = self.dtype
        dY = np.asarray(dY, dtype=dt)
        GU = cell.n_gates * U
        dxw = np.empty((T, n, GU), dtype=dt)
        drec = np.empty_like(dxw) if cell.separate_recurrent_grad else dxw
        dS = [np.zeros((n, U), dtype=dt) for _ in range(cell.n_states)]
        dS_prev = [np.empty((n, U), dtype=dt) for _ in range(cell.n_states)]
        if self.return_sequences:
            dYt = dY.transpose(1, 0, 2)
            if mask is not None:  # outputs at padded steps are constant zeros
                dYt = dYt * mask.T[:, :, None]
        else:
            dS[0] += dY
        pad = set(pad_steps)
        cell.start_backward(ps)
        for t in range(T - 1, -1, -1):
            if self.return_sequences:
                dS[0] += dYt[t]
            cell.backward_step(ps, t, dS, dS_prev, dxw[t], drec[t])
            if t in pad:
                valid = ~keep[t]
                dxw[t] *= valid
                if drec is not dxw:
                    drec[t] *= valid
                for a, b in zip(dS_prev, dS):
                    np.copyto(a, b, where=keep[t])
            dS, dS_prev = dS_prev, dS
        g_kernel, g_recurrent, g_bias = self.grads
        np.matmul(Xt.reshape(T * n, F).T, dxw.reshape(T * n, GU), out=g_kernel)
        np.matmul(states[0][:-1].reshape(T * n, U).T, drec.reshape(T * n, GU), out=g_recurrent)
        cell.bias_grad(dxw, drec, g_bias)
        if not self.input_grad:
            return None
        dX = (dxw.reshape(T * n, GU) @ self.params[0].T).reshape(T, n, F)
        return np.ascontiguousarray(dX.transpose(1, 0, 2))


_SHAPE_DOC = """
    Shape
    -----
    - Input: ``(n_samples, n_steps, n_features)``; optional boolean mask
      ``(n_samples, n_steps)``, True on real steps.
    - Output: ``(n_samples, units)`` (the last state; with a mask, the state at
      each sample's last real step), or ``(n_samples, n_steps, units)`` with
      ``return_sequences=True`` (zeros at padded steps).
"""


class SimpleRNN(Recurrent):
    """Fully connected recurrent layer, ``h_t = act(x_t W + h_{t-1} U + b)``.

    Parameters
    ----------
    units : int
        Size of the hidden state.
    return_sequences : bool, default=False
        Return the state at every step instead of the last one.
    activation : {"tanh", "relu"}, default="tanh"
        Non-linearity of the cell.
    kernel_initializer : str or callable, default="glorot_uniform"
        Initialiser of ``kernel`` (see :mod:`sknn.nn.initializers`).
    recurrent_initializer : str or callable, default="orthogonal"
        Initialiser of ``recurrent_kernel``.
%s
    Attributes
    ----------
    params : list of ndarray
        ``kernel`` ``(n_features, units)``, ``recurrent_kernel``
        ``(units, units)``, ``bias`` ``(units,)``.
    cell : SimpleRNNCell
        The step function, created by ``build``.

    Examples
    --------
    >>> import numpy as np
    >>> from sknn.nn import SimpleRNN
    >>> layer = SimpleRNN(4)
    >>> layer.build((5, 3), np.random.default_rng(0))
    (4,)
    >>> layer.forward(np.ones((2, 5, 3))).shape
    (2, 4)
    """

    def __init__(
        self,
        units,
        return_sequences=False,
        activation="tanh",
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
    ):
        super().__init__(units, return_sequences, kernel_initializer, recurrent_initializer)
        check_choice(self, "activation", activation, ("tanh", "relu"))
        self.activation = activation

    def _make_cell(self):
        return SimpleRNNCell(self.units, self.activation)


class LSTM(Recurrent):
    """Long short-term memory layer (see :class:`LSTMCell` for the equations).

    Parameters
    ----------
    units : int
        Size of the hidden and cell states.
    return_sequences : bool, default=False
        Return the hidden state at every step instead of the last one.
    kernel_initializer : str or callable, default="glorot_uniform"
        Initialiser of ``kernel`` (see :mod:`sknn.nn.initializers`).
    recurrent_initializer : str or callable, default="orthogonal"
        Initialiser of ``recurrent_kernel``.
    unit_forget_bias : bool, default=True
        Start the forget-gate bias at 1 (the other biases at 0).
%s
    Attributes
    ----------
    params : list of ndarray
        ``kernel`` ``(n_features, 4 * units)``, ``recurrent_kernel``
        ``(units, 4 * units)``, ``bias`` ``(4 * units,)``; gate blocks in the
        order input, forget, cell candidate, output.
    cell : LSTMCell
        The step function, created by ``build``.

    Examples
    --------
    >>> import numpy as np
    >>> from sknn.nn import LSTM
    >>> layer = LSTM(8, return_sequences=True)
    >>> layer.build((10, 3), np.random.default_rng(0))
    (10, 8)
    >>> X = np.random.default_rng(1).standard_normal((4, 10, 3))
    >>> mask = np.arange(10) < np.array([[10], [7], [3], [5]])
    >>> layer.forward(X, mask=mask).shape
    (4, 10, 8)
    """

    def __init__(
        self,
        units,
        return_sequences=False,
        kernel_initializer="glorot_uniform",
        recurrent_initializer="orthogonal",
        unit_forget_bias=True,
    ):
        super().__init__(units, return_sequences, kernel_initializer, recurrent_initializer)
        self.unit_forget_bias = unit_forget_bias

    def _make_cell(self):
        return LSTMCell(self.units, self.unit_forget_bias)


class GRU(Recurrent):
    """Gated recurrent unit layer, PyTorch / "reset after" convention.

    See :class:`GRUCell` for the equations; the result matches
    ``torch.nn.GRU`` given the same weights (``kernel = weight_ih.T``,
    ``recurrent_kernel = weight_hh.T``, ``bias = [bias_ih, bias_hh]``).

    Parameters
    ----------
    units : int
        Size of the hidden state.
    return_sequences : bool, default=False
        Return the state at every step instead of the last one.
    kernel_initializer : str or callable, default="glorot_uniform"
        Initialiser of ``kernel`` (see :mod:`sknn.nn.initializers`).
    recurrent_initializer : str or callable, default="orthogonal"
        Initialiser of ``recurrent_kernel``.
%s
    Attributes
    ----------
    params : list of ndarray
        ``kernel`` ``(n_features, 3 * units)``, ``recurrent_kernel``
        ``(units, 3 * units)``, ``bias`` ``(2, 3 * units)`` (input bias, then
        recurrent bias); gate blocks in the order reset, update, candidate.
    cell : GRUCell
        The step function, created by ``build``.

    Examples
    --------
    >>> import numpy as np
    >>> from sknn.nn import GRU
    >>> layer = GRU(6)
    >>> layer.build((7, 2), np.random.default_rng(0))
    (6,)
    >>> layer.forward(np.zeros((3, 7, 2))).shape
    (3, 6)
    """

    def _make_cell(self):
        return GRUCell(self.units)


for _cls in (Recurrent, SimpleRNN, LSTM, GRU):
    _cls.__doc__ = _cls.__doc__ % _SHAPE_DOC


# ---------------------------------------------------------------------------
# Bidirectional wrapper
# ---------------------------------------------------------------------------
class Bidirectional(Layer):
    """Run a recurrent layer forwards and a copy of it backwards over time.

    With a mask, the backward copy sees each sequence reversed together with
    its mask; since padded steps carry the state unchanged, a right-padded
    sequence's backward pass effectively starts at its last real step.

    Parameters
    ----------
    layer : Recurrent
        Unbuilt layer to wrap (configuration only); ``build`` deep-copies it
        once per direction.
    merge_mode : {"concat", "sum"}, default="concat"
        How the two directions' outputs are combined.

    Shape
    -----
    - Input: ``(n_samples, n_steps, n_features)``, optional mask
      ``(n_samples, n_steps)``.
    - Output: the wrapped layer's output with its last axis doubled
      (``"concat"``: forward features first) or unchanged (``"sum"``). With
      ``return_sequences=True`` the backward output is re-aligned with the
      input steps.

    Attributes
    ----------
    forward_layer, backward_layer : Recurrent
        The two built copies.
    params : list of ndarray
        Forward parameters followed by backward ones, named
        ``forward.<name>`` and ``backward.<name>``.

    Examples
    --------
    >>> import numpy as np
    >>> from sknn.nn import Bidirectional, GRU
    >>> layer = Bidirectional(GRU(4))
    >>> layer.build((6, 3), np.random.default_rng(0))
    (8,)
    >>> layer.forward(np.ones((2, 6, 3))).shape
    (2, 8)
    """

    per_step_products = True  # as the wrapped layer's

    def __init__(self, layer, merge_mode="concat"):
        if not isinstance(layer, Recurrent):
            raise ValueError(f"Bidirectional: layer must be a recurrent layer (SimpleRNN, LSTM, GRU), got {layer!r}.")
        check_choice(self, "merge_mode", merge_mode, ("concat", "sum"))
        self.layer = layer
        self.merge_mode = merge_mode

    def build(self, input_shape, rng, dtype=np.float64):
        if self.merge_mode not in ("concat", "sum"):
            raise ValueError(f"merge_mode must be 'concat' or 'sum', got {self.merge_mode!r}")
        self.input_shape = tuple(input_shape)
        self.dtype = np.dtype(dtype)
        self.forward_layer = copy.deepcopy(self.layer)
        self.backward_layer = copy.deepcopy(self.layer)
        for sub in (self.forward_layer, self.backward_layer):
            sub.input_grad = self.input_grad
        shape_f = self.forward_layer.build(self.input_shape, rng, dtype)
        shape_b = self.backward_layer.build(self.input_shape, rng, dtype)
        if self.merge_mode == "concat":
            self.output_shape = tuple(shape_f[:-1]) + (shape_f[-1] + shape_b[-1],)
        else:
            self.output_shape = tuple(shape_f)
        self.built = True
        return self.output_shape

    def parameters(self):
        if not getattr(self, "built", False):
            return []
        return [p.renamed(f"{side}.") for side, layer in (("forward", self.forward_layer),
                                                          ("backward", self.backward_layer))
                for p in layer.parameters()]

    def forward(self, X, training=False, mask=None):
        X = np.asarray(X, dtype=self.dtype)
        Yf = self.forward_layer.forward(X, training=training, mask=mask)
        mask_r = None if mask is None else np.asarray(mask, dtype=bool)[:, ::-1]
        Yb = self.backward_layer.forward(X[:, ::-1], training=training, mask=mask_r)
        sequences = Yb.ndim == 3
        if sequences:
            Yb = Yb[:, ::-1]
        if training:
            self._cache_split = (Yf.shape[-1], sequences)
        if self.merge_mode == "concat":
            return np.concatenate([Yf, Yb], axis=-1)
        return Yf + Yb

    def compute_mask(self, mask, X=None):
        return self.forward_layer.compute_mask(mask, X)

    def backward(self, dY):
        split, sequences = self._cache_split
        if self.merge_mode == "concat":
            dYf, dYb = dY[..., :split], dY[..., split:]
        else:
            dYf = dYb = dY
        if sequences:
            dYb = dYb[:, ::-1]
        dXf = self.forward_layer.backward(dYf)
        dXb = self.backward_layer.backward(dYb)
        if dXf is None:
            return None
        return dXf + dXb[:, ::-1]

    def rng_for_training(self, rng):
        self.forward_layer.rng_for_training(rng)
        self.backward_layer.rng_for_training(rng)
