"""Layer base class and the Sequential container.

The contract every layer follows
--------------------------------
* ``__init__`` stores configuration only, each argument under its own name, so
  :meth:`Layer.get_config` (and therefore ``repr``, ``clone`` and persistence) can
  read it back. No arrays are created there. It validates the arguments (the
  small checkers of :mod:`sknn.nn._checks`): a bad value raises a ValueError
  naming the layer and the argument where the layer is made.
* ``build(input_shape, rng, dtype)`` creates the weights. ``input_shape`` excludes
  the batch axis. It sets ``input_shape``, ``output_shape`` and ``dtype``,
  registers its weights as :class:`Parameter` objects (``_set_params``), and
  returns the output shape. ``params``, ``grads`` (parallel lists of arrays, same
  shapes and dtype), ``param_names`` and ``penalized`` are read from
  :meth:`Layer.parameters`, which a layer holding sub-layers extends with theirs.
* ``forward(X, training=False, mask=None)`` returns the output. ``mask`` is a
  boolean ``(n_samples, n_steps)`` array for sequence data or None; layers that
  do not use it ignore it.
* **Inference is re-entrant.** With ``training=False``, ``forward`` writes
  nothing on any object (the layer, its sub-layers, cells, shared geometry):
  every intermediate is a local, so any number of threads may predict with one
  network at once. Caches for ``backward`` and reusable scratch buffers exist
  only in training (``training=True``), under attribute names starting with
  ``_cache`` (dropped from pickles, and by the training loop when a fit ends:
  :func:`sknn.nn._scratch.release`). Float32 matrix products at inference go
  through :mod:`sknn.nn.linalg`, so a sample's output is, bit for bit, a
  function of that sample alone, whatever the batch around it.
* ``backward(dY)`` follows a *training* forward pass. It may overwrite ``dY``;
  it returns the gradient with respect to that forward's input and writes the
  parameter gradients into ``grads`` (in place where possible). When
  ``input_grad`` is False (the first layer of a network) it may skip computing
  ``dX`` and return None.
* ``compute_mask(mask, X=None)`` returns the mask of the layer's output for the
  input mask ``mask`` and the input ``X`` (needed by layers whose output mask
  depends on the input's values or shape, e.g. an Embedding with
  ``mask_zero``); it is a pure function and may be called before, after or
  without ``forward``. The default passes the mask through.
  ``forward_masked(X, training, mask)`` returns ``(output, output_mask)``;
  containers (:class:`Sequential`) thread masks through it.
* ``buffers()`` returns the non-trained state arrays by name (batch-norm running
  statistics), updated in place, so they can be saved and restored with the weights.
* A gradient may be a :class:`~sknn.nn.sparse_grad.RowSparseGrad` instead of an
  array (lookup tables: only the rows a batch used are stored); the object
  stays in ``grads`` and :meth:`backward` replaces its content.
* ``penalized`` is a list of booleans parallel to ``params``: which parameters the
  L2 penalty ``alpha`` applies to (weights yes, biases and norm scales no).
* Optional ``penalty()``: a layer that adds its own term to the loss (an activity
  regulariser) returns the term's value for the last forward pass and adds its
  gradient in ``backward``; the training loop sums ``penalty()`` of the network's
  top-level layers into the reported loss.
"""

import inspect

import numpy as np

from ._registry import signature_repr

__all__ = ["Parameter", "Layer", "Sequential"]


class Parameter:
    """A trained array with its gradient, its name, and whether ``alpha`` penalizes it.

    Layers register their parameters as these objects; the lists ``params``,
    ``grads``, ``param_names`` and ``penalized`` of every layer are read from
    them, so containers (and layers holding sub-layers) compose their
    sub-layers' parameters instead of concatenating four lists.

    A layer may *share* another layer's parameter (tied weights): it registers
    no parameter of its own for it, hands its gradient contribution over with
    :meth:`contribute`, and the owning layer adds the contributions to its
    gradient (:meth:`add_contributions`) once it has written its own. The
    sharing layer must therefore come after the owner in the network (its
    ``backward`` runs first).

    Parameters
    ----------
    name : str
    value : ndarray
        The array, updated in place by the optimizers.
    grad : ndarray or RowSparseGrad
        Its gradient, same shape and dtype.
    penalized : bool
        Whether the L2 penalty (or decoupled weight decay) applies.
    """

    def __init__(self, name, value, grad, penalized):
        self.name = name
        self.value = value
        self.grad = grad
        self.penalized = bool(penalized)
        self._contributions = {}

    def renamed(self, prefix):
        """The same arrays under the name ``prefix + name`` (for a container's listing)."""
        other = Parameter.__new__(Parameter)
        other.__dict__.update(self.__dict__)
        other.name = prefix + self.name
        return other

    def contribute(self, layer, grad):
        """Hand over the gradient contribution of ``layer``, which shares this parameter.

        Kept until :meth:`add_contributions`; a newer contribution of the same
        layer replaces an unconsumed one.
        """
        self._contributions[id(layer)] = grad

    def add_contributions(self):
        """Add the contributions handed over since the last call to :attr:`grad`, and forget them."""
        if self._contributions and not isinstance(self.grad, np.ndarray):
            raise ValueError(f"Parameter {self.name!r} has a row-sparse gradient and cannot be shared.")
        for g in self._contributions.values():
            self.grad += g
        self._contributions.clear()

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_contributions"] = {}  # transient, like the layers' caches
        return state

    def __repr__(self):
        return f"Parameter({self.name!r}, shape={self.value.shape}, penalized={self.penalized})"


#: The instance attributes of the layout before Parameter objects, in _restore_parameters' order.
_OLD_PARAMETER_LISTS = ("param_names", "params", "grads", "penalized")
_OLD_TIED_STATE = ("_tied_users", "_pending")


def _listed(field, doc):
    """A read-only property: ``field`` of each of the layer's parameters, as a list."""
    return property(lambda self: [getattr(p, field) for p in self.parameters()], doc=doc)


_SAME_SHAPE_DOC = """
    Shape
    -----
    Input: any. Output: same as the input.
"""


def same_shape_doc(cls):
    """Class decorator: fill the ``%s`` of ``cls``'s docstring with the Shape section of a shape-preserving layer."""
    cls.__doc__ = cls.__doc__ % _SAME_SHAPE_DOC
    return cls


class Layer:
    """Base class of every layer.

    Subclasses implement :meth:`build` (when they have weights or change the
    shape), :meth:`forward` and :meth:`backward`.
    """

    def __init__(self):
        pass

    # -- configuration -----------------------------------------------------
    @classmethod
    def _config_names(cls):
        sig = inspect.signature(cls.__init__)
        return [
            name
            for name, p in sig.parameters.items()
            if name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        ]

    def get_config(self):
        """Return the constructor arguments as a dict."""
        return {name: getattr(self, name) for name in self._config_names()}

    def __repr__(self):
        return signature_repr(self)

    def __getstate__(self):
        # Drop forward caches so pickles hold weights and configuration only.
        state = self.__dict__.copy()
        for key in [k for k in state if k.startswith("_cache")]:
            del state[key]
        return state

    def __setstate__(self, state):
        # A pickle made before Parameter objects holds the parameters as four parallel lists
        # (and tied weights' old side channel): they become Parameter objects, same arrays.
        state = dict(state)
        lists = [state.pop(k) for k in _OLD_PARAMETER_LISTS] if "params" in state else None
        for key in _OLD_TIED_STATE:
            state.pop(key, None)
        self.__dict__.update(state)
        if lists is not None:
            self._restore_parameters(*lists)

    def _restore_parameters(self, names, arrays, grads, penalized):
        """Register the parameters of an old pickle's parallel lists (a layer with sub-layers splits them)."""
        self._set_params(names, arrays, penalized, grads)

    # -- parameters ------------------------------------------------------------
    input_grad = True
    _parameters = ()

    def parameters(self):
        """The trained :class:`Parameter` objects, own and sub-layers', in a fixed order.

        Containers override this to list their sub-layers' parameters (renamed
        with a prefix); :attr:`params`, :attr:`grads`, :attr:`param_names` and
        :attr:`penalized` are derived from it.

        Returns
        -------
        parameters : list of Parameter
        """
        return list(self._parameters)

    def parameter(self, name):
        """The :class:`Parameter` called ``name`` (as in :attr:`param_names`)."""
        for p in self.parameters():
            if p.name == name:
                return p
        raise KeyError(f"{type(self).__name__} has no parameter {name!r}; it has {self.param_names}.")

    params = _listed("value", "The parameter arrays (list of ndarray), updated in place by the optimizers.")
    grads = _listed("grad", "The gradients (ndarray or RowSparseGrad), parallel to ``params``.")
    param_names = _listed("name", "The parameter names, parallel to ``params``.")
    penalized = _listed("penalized", "Which parameters the L2 penalty ``alpha`` applies to, parallel to ``params``.")

    # -- building ------------------------------------------------------------

    def build(self, input_shape, rng, dtype=np.float64):
        """Create the weights for inputs of shape ``input_shape``.

        Parameters
        ----------
        input_shape : tuple of int
            Shape of one sample (the batch axis excluded).
        rng : numpy.random.Generator
            Source of all randomness used to initialise the weights.
        dtype : numpy dtype
            Dtype of the weights and of the computation.

        Returns
        -------
        output_shape : tuple of int
        """
        self.input_shape = tuple(input_shape)
        self.dtype = np.dtype(dtype)
        self.output_shape = self.compute_output_shape(self.input_shape)
        self.built = True
        return self.output_shape

    def compute_output_shape(self, input_shape):
        """Shape of one output sample for one input sample of ``input_shape``."""
        return tuple(input_shape)

    def _set_params(self, names, arrays, penalized, grads=None):
        """Register parameters; allocates matching zero gradients unless ``grads`` are given."""
        grads = [np.zeros_like(a) for a in arrays] if grads is None else grads
        self._parameters = [Parameter(*fields) for fields in zip(names, arrays, grads, penalized)]

    # -- computation ---------------------------------------------------------
    def forward(self, X, training=False, mask=None):
        raise NotImplementedError

    def backward(self, dY):
        raise NotImplementedError

    def compute_mask(self, mask, X=None):
        """Mask of the output for input mask ``mask`` and input ``X`` (pure)."""
        return mask

    def forward_masked(self, X, training=False, mask=None):
        """Return ``(forward(X, training, mask), output mask)``."""
        return self.forward(X, training=training, mask=mask), self.compute_mask(mask, X)

    def buffers(self):
        """Non-trained state arrays by name (e.g. batch-norm running statistics)."""
        return {}

    def rng_for_training(self, rng):
        """Give stochastic layers (dropout, noise) the training generator."""
        self._rng = rng


def nn_objects(root):
    """Yield every ``sknn.nn`` object reachable from ``root`` through attributes, lists and dicts (once each).

    An object's attributes are read after it is yielded, so a caller may drop some of them first.
    """
    seen, stack = set(), [root]
    while stack:
        obj = stack.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if isinstance(obj, (list, tuple)):
            stack.extend(obj)
        elif isinstance(obj, dict):
            stack.extend(obj.values())
        elif type(obj).__module__.startswith("sknn.nn") and hasattr(obj, "__dict__"):
            yield obj
            stack.extend(vars(obj).values())


class Sequential(Layer):
    """A stack of layers applied one after the other.

    Parameters
    ----------
    layers : list of Layer
        The layers, in order. They are used as given (not copied).

    Examples
    --------
    >>> import numpy as np
    >>> from sknn.nn import Sequential, Dense, Activation
    >>> net = Sequential([Dense(4), Activation("relu"), Dense(1)])
    >>> net.build((3,), np.random.default_rng(0))
    (1,)
    >>> net.forward(np.ones((2, 3))).shape
    (2, 1)
    """

    def __init__(self, layers=()):
        self.layers = list(layers)

    def build(self, input_shape, rng, dtype=np.float64):
        self.input_shape = tuple(input_shape)
        self.dtype = np.dtype(dtype)
        shape = self.input_shape
        for i, layer in enumerate(self.layers):
            if i == 0:
                layer.input_grad = self.input_grad
            shape = layer.build(shape, rng, dtype)
        self.output_shape = tuple(shape)
        self.built = True
        return self.output_shape

    def parameters(self):
        return [p.renamed(f"{i}.") for i, layer in enumerate(self.layers) for p in layer.parameters()]

    def forward(self, X, training=False, mask=None):
        return self.forward_masked(X, training=training, mask=mask)[0]

    def forward_masked(self, X, training=False, mask=None):
        for layer in self.layers:
            X, mask = layer.forward_masked(X, training=training, mask=mask)
        return X, mask

    def compute_mask(self, mask, X=None):
        """The output mask; runs an inference forward pass over ``X`` to find it."""
        if X is None:
            raise ValueError("Sequential.compute_mask needs the input X")
        return self.forward_masked(X, training=False, mask=mask)[1]

    def backward(self, dY):
        for layer in reversed(self.layers):
            dY = layer.backward(dY)
        return dY

    def buffers(self):
        return {
            f"{i}.{name}": arr
            for i, layer in enumerate(self.layers)
            for name, arr in layer.buffers().items()
        }

    def rng_for_training(self, rng):
        for layer in self.layers:
            layer.rng_for_training(rng)

    def __repr__(self):
        inner = ",\n    ".join(repr(layer) for layer in self.layers)
        return f"Sequential([\n    {inner},\n])" if self.layers else "Sequential([])"
