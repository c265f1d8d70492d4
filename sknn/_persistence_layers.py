"""Engine objects in a model file: layers (and the networks they form), losses, schedules.

A layer is stored as its class name (looked up in :mod:`sknn.nn`, nowhere else)
and its configuration -- the arguments of its constructor, exactly -- and, for
the built layer at the top of an attribute (a network), the input shape and
dtype it was built for and its parameters and buffers by name. A layer met a
second time in one attribute (a :class:`~sknn.nn.TiedDense` layer's source) is
stored as a reference to the first.

Loading rebuilds the network from its configuration *within a budget*: the
generator handed to ``build`` and the "zeros" initializer count the values they
create and refuse to create more than the parameter arrays in the file hold,
so a small file cannot claim a huge layer and make ``build`` allocate it. Then
every parameter and buffer must match the rebuilt one's name, shape and dtype
exactly and be finite before it is copied in.
"""

import inspect
import math

import numpy as np

from . import nn
from ._persistence_codec import expect, expect_keys
from ._persistence_errors import PersistenceError, refuse
from .nn import initializers, losses, schedules
from .nn.layer import Layer, nn_objects

__all__ = ["HANDLERS", "TAGS", "MAX_SAMPLE_VALUES"]

#: The most values one input sample of a loaded network may have (4M: 2048 x 2048 images).
MAX_SAMPLE_VALUES = 1 << 22
_BUDGET_SLACK = 4096
_MAX_INT = 2**31

LAYERS = {name: obj for name, obj in vars(nn).items() if isinstance(obj, type) and issubclass(obj, Layer)}
LOSSES = {cls.__name__: cls for cls in (losses.SquaredError, losses.AbsoluteError, losses.Huber, losses.Poisson,
                                        losses.LogLoss, losses.BinaryLogLoss)}
SCHEDULES = {cls.__name__: cls for cls in (schedules.Constant, schedules.InvScaling, schedules.Adaptive,
                                           schedules.Cosine, schedules.Step)}


def _init_names(cls):
    sig = inspect.signature(cls.__init__)
    return [n for n, p in sig.parameters.items() if n != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]


def _registered_name(obj, registry, kind, where):
    name = type(obj).__name__
    if registry.get(name) is not type(obj):
        refuse("unsupported", f"{where}: {kind} {type(obj).__module__}.{type(obj).__qualname__} is not one of "
               f"sknn's (only {kind}s of sknn.nn can be saved).")
    return name


# -- encoding --------------------------------------------------------------------------------------
def _encode_layer(enc, layer, where):
    memo = enc.scope.setdefault("layers", {})
    if id(layer) in memo:
        return {"__layer_ref__": memo[id(layer)][0]}
    memo[id(layer)] = (len(memo), layer)  # the layer is kept alive so its id stays unique
    name = _registered_name(layer, LAYERS, "layer", where)
    top = not enc.scope.get("in_built_layer")
    out = {"__layer__": name}
    built = top and getattr(layer, "built", False)
    enc.scope["in_built_layer"] = enc.scope.get("in_built_layer") or built
    try:
        out["config"] = {k: enc.value(v, f"{where}.{k}") for k, v in layer.get_config().items()}
    finally:
        enc.scope["in_built_layer"] = not top
    if vars(layer).get("input_grad", True) is False:
        out["input_grad"] = False
    if built:
        out["build"] = {"input_shape": [int(d) for d in layer.input_shape], "dtype": layer.dtype.str}
        for what, pairs in (("params", zip(layer.param_names, layer.params)), ("buffers", layer.buffers().items())):
            entries = []
            for pname, arr in pairs:
                if arr.dtype.kind == "f" and not np.isfinite(arr).all():
                    refuse("non_finite", f"{where}: {pname} holds NaN or infinity; refit before saving.")
                entries.append([str(pname), enc.array(arr, f"{where}.{pname}")])
            out[what] = entries
    return out


def _encode_loss(enc, loss, where):
    name = _registered_name(loss, LOSSES, "loss", where)
    return {"__loss__": name, "config": {k: enc.value(v, where) for k, v in vars(loss).items()}}


def _encode_schedule(enc, schedule, where):
    name = _registered_name(schedule, SCHEDULES, "schedule", where)
    config = {k: enc.value(getattr(schedule, k), where) for k in _init_names(type(schedule))}
    return {"__schedule__": name, "config": config}


HANDLERS = [(Layer, _encode_layer), (losses.Loss, _encode_loss), (schedules.Schedule, _encode_schedule)]


# -- decoding --------------------------------------------------------------------------------------
#: Configuration arguments that are sizes: ints (or tuples of ints), never floats.
_SIZES = frozenset({"units", "filters", "kernel_size", "strides", "dilation_rate", "pool_size", "input_dim",
                    "output_dim", "n_users", "n_items", "n_factors", "hidden_layer_sizes", "target_shape"})


def _check_config_value(value, where, size=False, key=None):
    """Configuration values are plain data: sizes >= 1 (-1 in a target shape), finite numbers, short strings."""
    if size and isinstance(value, float):
        refuse("type", f"{where}: a size must be an int, not {value!r}.")
    if isinstance(value, (list, tuple)):
        for x in value:
            _check_config_value(x, where, size, key)
    elif isinstance(value, bool) or value is None or isinstance(value, Layer):
        return
    elif isinstance(value, int):
        if not (abs(value) < _MAX_INT and (not size or value >= 1 or (value == -1 and key == "target_shape"))):
            refuse("range", f"{where}: {value} is not a valid size (sizes are ints in [1, 2**31)).")
    elif isinstance(value, float):
        if not math.isfinite(value):
            refuse("non_finite", f"{where}: a layer configuration holds {value}.")
    elif isinstance(value, str):
        if len(value) > 64:
            refuse("range", f"{where}: a configuration string longer than 64 characters.")
    else:
        refuse("type", f"{where}: a layer configuration holds a {type(value).__name__}.")


#: Configuration arguments that hold layers: a list of layers, or one.
_LAYER_LISTS, _LAYER_ARGS = frozenset({"layers"}), frozenset({"layer", "source"})


def _check_config_kind(value, default, key, where):
    """A configuration argument has the kind of its default (a bool stays a bool...); layers go where layers go."""
    is_layer = isinstance(value, Layer)
    if key in _LAYER_ARGS or key in _LAYER_LISTS:
        items = value if key in _LAYER_LISTS and isinstance(value, list) else [value]
        if not all(isinstance(x, Layer) for x in items) or (key in _LAYER_LISTS and not isinstance(value, list)):
            refuse("type", f"{where}: expected {'a list of layers' if key in _LAYER_LISTS else 'a layer'}.")
        return
    if is_layer or (isinstance(value, (list, tuple)) and any(isinstance(x, Layer) for x in value)):
        refuse("type", f"{where}: a layer where a layer does not go.")
    kinds = {bool: (bool,), str: (str,), int: (int, tuple, list), float: (int, float), tuple: (tuple, list)}
    expected = kinds.get(type(default))
    bool_for_number = type(default) is not bool and isinstance(value, bool)
    if expected is not None and (not isinstance(value, expected) or bool_for_number):
        refuse("type", f"{where}: expected a {type(default).__name__}, got {type(value).__name__}.")


def _decode_config(dec, v, cls, where, depth):
    config = expect(v.get("config"), dict, where)
    if set(config) != set(_init_names(cls)):
        refuse("malformed", f"{where}: {cls.__name__} takes {sorted(_init_names(cls))}, "
               f"the file gives {sorted(config)}.")
    defaults = {k: p.default for k, p in inspect.signature(cls.__init__).parameters.items()}
    out = {}
    for key, raw in config.items():
        value = dec.value(raw, f"{where}.{key}", depth)
        size = key in _SIZES or type(defaults.get(key)) is int
        _check_config_value(value, f"{where}.{key}", size=size, key=key)
        _check_config_kind(value, defaults.get(key), key, f"{where}.{key}")
        out[key] = value
    try:
        return cls(**out)
    except (TypeError, ValueError) as exc:
        refuse("parameter", f"{where}: {cls.__name__} refuses the saved configuration ({exc}).")


def _decode_layer(dec, v, where, depth):
    memo = dec.scope.setdefault("layers", [])
    expect_keys(v, ("__layer__", "config"), ("input_grad", "build", "params", "buffers"), where)
    cls = LAYERS.get(v["__layer__"]) if isinstance(v["__layer__"], str) else None
    if cls is None:
        refuse("class", f"{where}: {v['__layer__']!r} is not a layer of sknn.nn.")
    index = len(memo)
    memo.append(None)  # a reference to a layer still being decoded is refused
    built = "build" in v
    if built and dec.scope.get("in_built_layer"):
        refuse("malformed", f"{where}: only the outermost layer of an attribute carries weights.")
    dec.scope["in_built_layer"] = dec.scope.get("in_built_layer") or built
    try:
        layer = _decode_config(dec, v, cls, where, depth)
    finally:
        dec.scope["in_built_layer"] = dec.scope["in_built_layer"] and not built
    if "input_grad" in v:
        if v["input_grad"] is not False:
            refuse("malformed", f"{where}: input_grad is stored only when False.")
        layer.input_grad = False
    dec.scope.setdefault("input_grads", []).append((layer, "input_grad" not in v, where))
    if built:
        _build(dec, layer, v, where)
    elif "params" in v or "buffers" in v:
        refuse("malformed", f"{where}: weights without a build record.")
    memo[index] = layer
    return layer


def _layer_ref(dec, v, where, depth):
    memo = dec.scope.get("layers", [])
    index = expect_keys(v, ("__layer_ref__",), where=where)["__layer_ref__"]
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(memo) or memo[index] is None:
        refuse("malformed", f"{where}: invalid layer reference {index!r}.")
    return memo[index]


class _Budget:
    """Counts the values ``build`` creates through the generator and the "zeros" initializer."""

    def __init__(self, values, where):
        self.left = values
        self.where = where

    def take(self, size):
        n = 1 if size is None else math.prod((size,) if isinstance(size, int) else tuple(size))
        if n > self.left:
            refuse("too_large", f"{self.where}: the configuration asks for more weights than the file holds.")
        self.left -= n


class _BudgetRNG:
    """Stands in for the generator of ``build``: zeros, counted (the file's weights overwrite them)."""

    def __init__(self, budget):
        self._budget = budget

    def _zeros(self, size):
        self._budget.take(size)
        return np.zeros(() if size is None else size)

    def uniform(self, low=0.0, high=1.0, size=None):
        return self._zeros(size)

    def normal(self, loc=0.0, scale=1.0, size=None):
        return self._zeros(size)

    def standard_normal(self, size=None, dtype=np.float64, out=None):
        return self._zeros(size).astype(dtype, copy=False)

    def random(self, size=None, dtype=np.float64, out=None):
        return self._zeros(size).astype(dtype, copy=False)

    def __getattr__(self, name):
        # a bug in sknn, not a bad file: a layer's build uses a method this stand-in lacks
        raise NotImplementedError(f"sknn.load cannot rebuild a layer whose build calls Generator.{name}")


class _CountedZeros:
    """The "zeros" initializer, counted against the budget; put back to "zeros" after the build."""

    def __init__(self, budget):
        self.budget = budget

    def __deepcopy__(self, memo):  # layers copied inside build (Bidirectional) share the one budget
        return self

    def __call__(self, shape, fan_in, fan_out, rng, dtype=np.float64):
        self.budget.take(shape)
        return initializers.zeros(shape, fan_in, fan_out, rng, dtype)


def _swap_zeros(root, replacement):
    for obj in list(nn_objects(root)):
        for key, value in vars(obj).items():
            if key.endswith("_initializer") and (value == "zeros" if replacement else isinstance(value, _CountedZeros)):
                vars(obj)[key] = replacement or "zeros"


def _shape_list(value, where):
    shape = expect(value, list, where)
    if not 1 <= len(shape) <= 8 or not all(type(d) is int and 1 <= d < _MAX_INT for d in shape):
        refuse("shape", f"{where}: invalid input shape {shape!r}.")
    if math.prod(shape) > MAX_SAMPLE_VALUES:
        refuse("too_large", f"{where}: input samples of {math.prod(shape)} values "
               f"(sknn loads at most {MAX_SAMPLE_VALUES}).")
    return tuple(shape)


def _build(dec, layer, v, where):
    build = expect_keys(v["build"], ("input_shape", "dtype"), where=f"{where}.build")
    shape = _shape_list(build["input_shape"], f"{where}.build.input_shape")
    if build["dtype"] not in ("<f4", "<f8"):
        refuse("type", f"{where}: layers are float32 or float64, not {build['dtype']!r}.")
    saved = {}
    for what in ("params", "buffers"):
        entries = expect(v.get(what), list, f"{where}.{what}")
        pairs = []
        for entry in entries:
            if not isinstance(entry, list) or len(entry) != 2 or not isinstance(entry[0], str):
                refuse("malformed", f"{where}.{what}: entries are [name, array].")
            pairs.append((entry[0], dec.array(entry[1], f"{where}.{entry[0]}")))
        saved[what] = pairs
    budget = _Budget(sum(a.size for _, a in saved["params"]) + _BUDGET_SLACK, where)
    _swap_zeros(layer, _CountedZeros(budget))
    try:
        layer.build(shape, _BudgetRNG(budget), np.dtype(build["dtype"]))
    except PersistenceError:
        raise
    except (ValueError, TypeError) as exc:  # the layer's own refusal of this shape / configuration
        refuse("parameter", f"{where}: the layer refuses its configuration for input shape {shape} ({exc}).")
    finally:
        _swap_zeros(layer, None)
    _fill(where, "parameter", list(zip(layer.param_names, layer.params)), saved["params"])
    _fill(where, "buffer", list(layer.buffers().items()), saved["buffers"])
    for sub, expected, sub_where in dec.scope.get("input_grads", []):
        if vars(sub).get("input_grad", True) is not expected:  # the build sets it: the file must agree
            refuse("inconsistent", f"{sub_where}: input_grad differs from what the network sets.")


def _fill(where, what, live, saved):
    if len(saved) != len(live):
        refuse("shape", f"{where}: the file has {len(saved)} {what}s, the architecture {len(live)}.")
    for (name, dst), (saved_name, src) in zip(live, saved):
        if saved_name != name:
            refuse("inconsistent", f"{where}: {what} {name!r} is missing or misnamed ({saved_name!r}).")
        if src.shape != dst.shape or src.dtype != dst.dtype:
            refuse("type" if src.dtype != dst.dtype else "shape", f"{where}: {what} {name!r} is "
                   f"{src.dtype}{list(src.shape)} in the file, the architecture needs {dst.dtype}{list(dst.shape)}.")
        if not np.isfinite(src).all():
            refuse("non_finite", f"{where}: {what} {name!r} holds NaN or infinity.")
        if name.endswith("running_var") and np.any(src < 0):
            refuse("range", f"{where}: {what} {name!r} holds negative variances.")
        np.copyto(dst, src)


def _number(x, positive):
    ok = isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)
    return ok and (x > 0 if positive else True)


def _decode_small_object(tag, registry, kind, accept):
    """Decoder of a loss or schedule: a class of ``registry`` built from its numeric configuration."""

    def decode(dec, v, where, depth):
        expect_keys(v, (tag, "config"), where=where)
        cls = registry.get(v[tag]) if isinstance(v[tag], str) else None
        if cls is None:
            refuse("class", f"{where}: {v[tag]!r} is not a {kind} of sknn.nn.")
        config = {k: dec.value(x, where, depth) for k, x in expect(v["config"], dict, where).items()}
        if set(config) != set(_init_names(cls)) or not all(accept(x) for x in config.values()):
            refuse("parameter", f"{where}: invalid configuration for the {kind} {cls.__name__}: {config!r}.")
        return cls(**config)

    return decode


TAGS = {"__layer__": _decode_layer, "__layer_ref__": _layer_ref,
        "__loss__": _decode_small_object("__loss__", LOSSES, "loss", lambda x: _number(x, positive=True)),
        "__schedule__": _decode_small_object("__schedule__", SCHEDULES, "schedule",
                                             lambda x: x is None or _number(x, positive=False))}
