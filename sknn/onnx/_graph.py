"""A small builder over skl2onnx's scope and container.

The layer and head converters write ``g.op("MatMul", x, w)`` instead of
declaring names and nodes by hand: every intermediate gets a unique name,
constants become initializers in the dtype the graph computes in (float32).
"""

import numpy as np
from onnx import TensorProto, numpy_helper

__all__ = ["ExportError", "Graph", "FLOAT"]

FLOAT = np.float32


class ExportError(ValueError):
    """A fitted sknn model, layer or option that cannot be exported to ONNX."""


class Graph:
    """Emit ONNX nodes and initializers into a skl2onnx conversion.

    Parameters
    ----------
    scope : skl2onnx.common._topology.Scope
        Gives unique variable and node names.
    container : skl2onnx.common._container.ModelComponentContainer
        Receives the nodes and initializers.
    opset : int
        The target opset of the main domain.
    prefix : str
        Seed of the generated names (the operator's name, so that two sknn
        models in one pipeline never clash).
    """

    def __init__(self, scope, container, opset, prefix="sknn"):
        self.scope = scope
        self.container = container
        self.opset = opset
        self.prefix = prefix
        # the sequence lengths (int64, shape (n,)) of variable-length input, if any,
        # and whether the current tensor still has the masked time axis
        self.lengths = None
        self.masked = False

    def name(self, seed):
        """A fresh variable name."""
        return self.scope.get_unique_variable_name(f"{self.prefix}_{seed}")

    def const(self, value, dtype=FLOAT, seed="c"):
        """An initializer holding ``value`` (cast to ``dtype``); returns its name."""
        arr = np.asarray(value)
        if dtype is not None and arr.dtype.kind not in "USO":
            arr = arr.astype(dtype)
        name = self.name(seed)
        if arr.dtype.kind in "USO":
            content = [str(v).encode("utf-8") for v in arr.ravel()]
            self.container.add_initializer(name, TensorProto.STRING, list(arr.shape), content)
        else:
            # ascontiguousarray would turn a scalar into shape (1,)
            tensor = numpy_helper.from_array(np.array(arr, order="C"), name)
            self.container.add_initializer(name, tensor.data_type, list(arr.shape), tensor)
        return name

    def ints(self, values, seed="shape"):
        """An int64 initializer (shapes, axes, indices)."""
        return self.const(np.asarray(values, dtype=np.int64), dtype=np.int64, seed=seed)

    def op(self, op_type, *inputs, outputs=None, n_out=1, domain="", version=None, **attrs):
        """Add one node; returns its output name (or the list of names if ``n_out > 1``)."""
        if outputs is None:
            outputs = [self.name(op_type.lower()) for _ in range(n_out)]
        inputs = ["" if i is None else i for i in inputs]
        while inputs and inputs[-1] == "":  # trailing optional inputs left out
            inputs.pop()
        self.container.add_node(
            op_type,
            list(inputs),
            list(outputs),
            op_domain=domain,
            op_version=version,
            name=self.scope.get_unique_operator_name(f"{self.prefix}_{op_type}"),
            **attrs,
        )
        return outputs[0] if len(outputs) == 1 else list(outputs)

    # -- small idioms used by several converters -----------------------------------
    def matmul_add(self, x, kernel, bias=None):
        """``x @ kernel + bias`` (over the last axis of x)."""
        y = self.op("MatMul", x, self.const(kernel, seed="kernel"))
        return y if bias is None else self.op("Add", y, self.const(bias, seed="bias"))

    def reshape(self, x, shape):
        return self.op("Reshape", x, self.ints(shape))

    def transpose(self, x, perm):
        return self.op("Transpose", x, perm=list(perm))

    def unsqueeze(self, x, axes):
        return self.op("Unsqueeze", x, self.ints(axes, seed="axes"))

    def squeeze(self, x, axes):
        return self.op("Squeeze", x, self.ints(axes, seed="axes"))

    def cast(self, x, to):
        return self.op("Cast", x, to=to)

    def reduce(self, op_type, x, axes, keepdims=0):
        """A Reduce* node over ``axes`` (an input from opset 18 on, ReduceSum from 13)."""
        if self.opset >= 18 or op_type == "ReduceSum":
            return self.op(op_type, x, self.ints(axes, seed="axes"), keepdims=keepdims)
        return self.op(op_type, x, axes=list(axes), keepdims=keepdims)

    def step_mask(self, x):
        """Boolean ``(n, steps, 1)``: True on the real steps of the (n, steps, ...) tensor x."""
        steps = self.op("Gather", self.op("Shape", x), self.ints(1), axis=0)
        positions = self.op("Range", self.ints(0), steps, self.ints(1))
        mask = self.op("Less", self.unsqueeze(positions, [0]), self.unsqueeze(self.lengths, [1]))
        return self.unsqueeze(mask, [2])
