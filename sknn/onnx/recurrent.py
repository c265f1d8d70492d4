"""ONNX converters of the recurrent layers: SimpleRNN, LSTM, GRU and Bidirectional.

sknn's recurrent layers are batch-first with weights ``kernel (F, G*U)``,
``recurrent_kernel (U, G*U)`` and ``bias``; ONNX's RNN / LSTM / GRU operators
are time-major with ``W (D, G*U, F)``, ``R (D, G*U, U)`` and ``B (D, 2*G*U)``
(input bias, then recurrent bias), gates in another order:

* LSTM: sknn ``i, f, c, o``; ONNX ``i, o, f, c``.
* GRU: sknn ``r, z, n`` with the reset gate applied after the recurrent
  product (PyTorch's convention); ONNX ``z, r, h`` with ``linear_before_reset=1``.

Right-padded variable-length sequences become ``sequence_lens``: ONNX then
returns the state at each sequence's last real step and zeros at padded steps,
as sknn does with its mask (padded steps carry the state; their outputs are
zero). A reversed direction starts at each sequence's last real step, as
sknn's Bidirectional does.
"""

import numpy as np
from onnx import TensorProto

from .. import nn
from ._graph import ExportError

__all__ = ["RECURRENT_CONVERTERS"]

# gate blocks of sknn's weights, in ONNX's order
_GATE_ORDER = {nn.LSTM: [0, 3, 1, 2], nn.GRU: [1, 0, 2], nn.SimpleRNN: [0]}
_OP = {nn.LSTM: "LSTM", nn.GRU: "GRU", nn.SimpleRNN: "RNN"}


def _reorder(a, order, units):
    """Reorder the gate blocks along the last axis."""
    return np.concatenate([a[..., k * units:(k + 1) * units] for k in order], axis=-1)


def _direction_weights(layer):
    """(W, R, B) of one direction, in ONNX's layout and gate order."""
    kernel, recurrent, bias = (np.asarray(p) for p in layer.params)
    order, units = _GATE_ORDER[type(layer)], int(layer.units)
    W = _reorder(kernel, order, units).T
    R = _reorder(recurrent, order, units).T
    if type(layer) is nn.GRU:  # bias rows: input bias, recurrent bias
        B = np.concatenate([_reorder(bias[0], order, units), _reorder(bias[1], order, units)])
    else:
        B = np.concatenate([_reorder(bias, order, units), np.zeros_like(bias)])
    return W, R, B


def _recurrent(g, layer, x):
    if type(layer) is nn.Bidirectional:
        directions, direction, merge = [layer.forward_layer, layer.backward_layer], "bidirectional", layer.merge_mode
    else:
        directions, direction, merge = [layer], "forward", "concat"
    cls = type(directions[0])
    if cls not in _OP:
        raise ExportError(f"The recurrent layer {cls.__name__} has no ONNX converter in sknn.onnx.")
    weights = [_direction_weights(d) for d in directions]
    W, R, B = (g.const(np.stack([w[i] for w in weights]), seed=s) for i, s in enumerate("WRB"))
    units, n_dir = int(directions[0].units), len(directions)
    lengths = g.cast(g.lengths, TensorProto.INT32) if g.masked else None
    attrs = dict(hidden_size=units, direction=direction)
    if cls is nn.GRU:
        attrs["linear_before_reset"] = 1
    elif cls is nn.SimpleRNN:
        attrs["activations"] = [directions[0].activation.capitalize()] * n_dir
    Y, Y_h = g.op(_OP[cls], g.transpose(x, [1, 0, 2]), W, R, B, lengths, n_out=2, **attrs)
    if directions[0].return_sequences:
        # (steps, dirs, n, units) -> (n, steps, dirs, units): the directions side by side
        out, dir_axis = g.transpose(Y, [2, 0, 1, 3]), 2
    else:
        g.masked = False
        out, dir_axis = g.transpose(Y_h, [1, 0, 2]), 1
    if merge == "sum":
        return g.reduce("ReduceSum", out, [dir_axis])
    return g.reshape(out, [0] * dir_axis + [n_dir * units])


RECURRENT_CONVERTERS = {
    nn.SimpleRNN: _recurrent,
    nn.LSTM: _recurrent,
    nn.GRU: _recurrent,
    nn.Bidirectional: _recurrent,
}
