"""Encoding of estimator state as tagged JSON plus arrays, for :mod:`sknn.persistence`.

The encoder turns parameters and fitted attributes into JSON values, collecting
arrays on the side; the decoder reverses it, instantiating only whitelisted
classes (see :func:`_resolve_class`) and validating every value it reads.
"""

import importlib
import io
import math
import re
from dataclasses import is_dataclass

import numpy as np
import scipy.sparse as sp

MAX_DEPTH = 64
_MODULE_NAME = re.compile(r"sknn(\.[A-Za-z_][A-Za-z0-9_]*)*")  # private modules too, never dunder ones
_QUALNAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")
_ALLOWED_KINDS = "biufcUS"


class PersistenceError(ValueError):
    """A model cannot be saved, or a file is not a valid sknn model file."""

    __module__ = "sknn.persistence"


class PersistenceWarning(UserWarning):
    """Something was not saved (e.g. callbacks)."""

    __module__ = "sknn.persistence"


# -- class whitelist -------------------------------------------------------------
def _class_path(cls):
    return f"{cls.__module__}:{cls.__qualname__}"


def _resolve_class(path, kind):
    """Return the sknn class named ``module:qualname``; nothing outside sknn."""
    if not isinstance(path, str) or path.count(":") != 1:
        raise PersistenceError(f"Invalid class reference {path!r}.")
    module_name, qualname = path.split(":")
    if not _MODULE_NAME.fullmatch(module_name) or not _QUALNAME.fullmatch(qualname):
        raise PersistenceError(
            f"Refusing class {path!r}: only classes of the sknn package can be loaded."
        )
    if any(part.startswith("__") for part in qualname.split(".") + module_name.split(".")):
        raise PersistenceError(f"Refusing class {path!r}.")
    try:
        obj = importlib.import_module(module_name)
        for part in qualname.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError):
        raise PersistenceError(f"Unknown class {path!r} (not in this version of sknn).") from None
    if not isinstance(obj, type) or not obj.__module__.startswith("sknn."):
        raise PersistenceError(f"Refusing {path!r}: not an sknn class.")
    from sklearn.base import BaseEstimator

    from .nn.layer import Layer

    if kind == "estimator" and not issubclass(obj, BaseEstimator):
        raise PersistenceError(f"Refusing {path!r}: not an sknn estimator.")
    if kind == "layer" and not issubclass(obj, Layer):
        raise PersistenceError(f"Refusing {path!r}: not an sknn.nn layer.")
    if kind == "object" and (issubclass(obj, (Layer, BaseEstimator, BaseException))):
        raise PersistenceError(f"Refusing {path!r} as a plain object.")
    return obj


# -- encoding --------------------------------------------------------------------
class _Encoder:
    """Turns Python values into tagged JSON, collecting arrays on the side."""

    def __init__(self):
        self.arrays = []
        self._memo = {}  # id(array) -> index, so shared arrays stay shared

    def array(self, arr):
        key = id(arr)
        if key in self._memo and self.arrays[self._memo[key]][0] is arr:
            return {"__ndarray__": self._memo[key]}
        stored, as_object = arr, False
        if arr.dtype.hasobject:
            if not all(isinstance(v, str) for v in arr.ravel()):
                raise PersistenceError(
                    "Cannot save an object array that holds anything but strings."
                )
            stored, as_object = arr.astype(str), True
        if stored.dtype.kind not in _ALLOWED_KINDS:
            raise PersistenceError(f"Cannot save an array of dtype {arr.dtype}.")
        self._memo[key] = len(self.arrays)
        self.arrays.append((arr, stored))
        out = {"__ndarray__": self._memo[key]}
        if as_object:
            out["object"] = True
        return out

    def value(self, v, where, weights=True):
        """Encode ``v``; ``weights=False`` encodes layers as configuration only."""
        from sklearn.preprocessing import LabelBinarizer

        from .nn.layer import Layer

        if isinstance(v, np.generic):  # before float: np.float64 subclasses float
            return {"__npscalar__": self.array(np.asarray(v))["__ndarray__"]}
        if v is None or isinstance(v, (bool, str)):
            return v
        if isinstance(v, int) and not isinstance(v, np.integer):
            return v
        if isinstance(v, float):
            return v if math.isfinite(v) else {"__float__": repr(v)}
        if isinstance(v, np.ndarray):
            return self.array(v)
        if isinstance(v, np.dtype):
            if v.kind not in _ALLOWED_KINDS:
                raise PersistenceError(f"Cannot save dtype {v} ({where}).")
            return {"__dtype__": v.str}
        if isinstance(v, list):
            return [self.value(x, f"{where}[{i}]", weights) for i, x in enumerate(v)]
        if isinstance(v, tuple):
            return {"__tuple__": [self.value(x, f"{where}[{i}]", weights) for i, x in enumerate(v)]}
        if isinstance(v, dict):
            return {
                "__dict__": [
                    [self.value(k, f"{where} key", weights), self.value(x, f"{where}[{k!r}]", weights)]
                    for k, x in v.items()
                ]
            }
        if isinstance(v, Layer):
            return self.layer(v, where, weights)
        if isinstance(v, LabelBinarizer):
            return {
                "__label_binarizer__": {
                    name: self.value(getattr(v, name), f"{where}.{name}")
                    for name in ("neg_label", "pos_label", "sparse_output", "classes_", "y_type_", "sparse_input_")
                    if hasattr(v, name)
                }
            }
        if sp.issparse(v) and v.format == "csr":
            return {
                "__csr__": {
                    "shape": [int(d) for d in v.shape],
                    "data": self.array(v.data),
                    "indices": self.array(v.indices),
                    "indptr": self.array(v.indptr),
                }
            }
        if isinstance(v, np.random.Generator):
            return {"__generator__": self.value(v.bit_generator.state, where)}
        if isinstance(v, np.random.RandomState):
            return {"__random_state__": self.value(v.get_state(legacy=False), where)}
        cls = type(v)
        if cls.__module__.startswith("sknn.") and not isinstance(v, type):
            return self.sknn_object(v, where)
        raise PersistenceError(
            f"Cannot save {where}: values of type {cls.__module__}.{cls.__qualname__} "
            "are not supported by sknn.save (use pickle or joblib for arbitrary objects)."
        )

    def sknn_object(self, v, where):
        from .training import FitState

        state = dict(vars(v))
        if isinstance(v, FitState):
            # optimizer state is not saved: continued training restarts it
            state["optimizer"] = None
            state["schedule"] = None
        state = {k: x for k, x in state.items() if not k.startswith("_cache")}
        return {
            "__object__": _class_path(type(v)),
            "state": self.value(state, where),
            "dataclass": bool(is_dataclass(v)),
        }

    def layer(self, layer, where, weights):
        out = {
            "__layer__": _class_path(type(layer)),
            "config": self.value(layer.get_config(), f"{where}.config", weights=False),
        }
        if weights and getattr(layer, "built", False):
            out["build"] = {
                "input_shape": [int(d) for d in layer.input_shape],
                "dtype": layer.dtype.str,
                "input_grad": bool(layer.input_grad),
            }
            out["params"] = [
                [str(name), self.array(p)["__ndarray__"]]
                for name, p in zip(layer.param_names, layer.params)
            ]
            out["buffers"] = [
                [str(name), self.array(b)["__ndarray__"]] for name, b in layer.buffers().items()
            ]
        return out


def _is_layer_list(value):
    from .nn.layer import Layer

    return all(isinstance(v, Layer) for v in value)


def _read_npy(data, name):
    fp = io.BytesIO(data)
    version = np.lib.format.read_magic(fp)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(fp)
    elif version in ((2, 0), (3, 0)):
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(fp)
    else:
        raise PersistenceError(f"{name}: unsupported .npy version {version}.")
    if dtype.hasobject or dtype.kind not in _ALLOWED_KINDS or dtype.fields is not None:
        raise PersistenceError(f"{name}: arrays of dtype {dtype} are refused.")
    count = 1
    for d in shape:
        if not isinstance(d, int) or d < 0:
            raise PersistenceError(f"{name}: invalid shape {shape}.")
        count *= d
    if count * dtype.itemsize != len(data) - fp.tell():
        raise PersistenceError(f"{name}: declared shape {shape} does not match the member size.")
    fp.seek(0)
    return np.lib.format.read_array(fp, allow_pickle=False)


class _Decoder:
    def __init__(self, arrays):
        self.arrays = arrays  # list of ndarrays; entries are replaced by live arrays

    def ref(self, index):
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(self.arrays):
            raise PersistenceError(f"Invalid array reference {index!r}.")
        return self.arrays[index]

    def value(self, v, depth=0):
        if depth > MAX_DEPTH:
            raise PersistenceError("Header nested too deeply.")
        if v is None or isinstance(v, (bool, int, float, str)):
            return v
        if isinstance(v, list):
            return [self.value(x, depth + 1) for x in v]
        if not isinstance(v, dict) or len(v) == 0:
            raise PersistenceError("Malformed header value.")
        tag = next(iter(v))
        body = v[tag]
        if tag == "__ndarray__":
            arr = self.ref(body)
            return arr.astype(object) if v.get("object") is True else arr
        if tag == "__npscalar__":
            arr = self.ref(body)
            if arr.ndim != 0:
                raise PersistenceError("A numpy scalar must be a 0-d array.")
            return arr[()]
        if tag == "__float__":
            if body not in ("nan", "inf", "-inf"):
                raise PersistenceError(f"Invalid float {body!r}.")
            return float(body)
        if tag == "__dtype__":
            dtype = np.dtype(_expect(body, str))
            if dtype.kind not in _ALLOWED_KINDS or dtype.fields is not None:
                raise PersistenceError(f"Refusing dtype {body!r}.")
            return dtype
        if tag == "__tuple__":
            return tuple(self.value(x, depth + 1) for x in _expect(body, list))
        if tag == "__dict__":
            out = {}
            for pair in _expect(body, list):
                if not isinstance(pair, list) or len(pair) != 2:
                    raise PersistenceError("Malformed dict entry.")
                key = self.value(pair[0], depth + 1)
                if isinstance(key, (list, dict, np.ndarray)):
                    raise PersistenceError("Unhashable dict key.")
                out[key] = self.value(pair[1], depth + 1)
            return out
        if tag == "__layer__":
            return self.layer(v, depth)
        if tag == "__label_binarizer__":
            return self.label_binarizer(_expect(body, dict), depth)
        if tag == "__csr__":
            return _csr(self, _expect(body, dict), depth)
        if tag == "__generator__":
            return _generator(self.value(body, depth + 1))
        if tag == "__random_state__":
            rs = np.random.RandomState()
            rs.set_state(_expect(self.value(body, depth + 1), dict))
            return rs
        if tag == "__object__":
            return self.sknn_object(v, depth)
        raise PersistenceError(f"Unknown header tag {tag!r}.")

    def sknn_object(self, v, depth):
        cls = _resolve_class(v["__object__"], "object")
        state = self.value(v.get("state"), depth + 1)
        if not isinstance(state, dict) or not all(_is_attr_name(k) for k in state):
            raise PersistenceError(f"Malformed state for {v['__object__']!r}.")
        if bool(is_dataclass(cls)) != (v.get("dataclass") is True):
            raise PersistenceError(f"{v['__object__']!r} changed kind since it was saved.")
        obj = cls.__new__(cls)
        obj.__dict__.update(state)
        return obj

    def label_binarizer(self, body, depth):
        from sklearn.preprocessing import LabelBinarizer

        attrs = {k: self.value(x, depth + 1) for k, x in body.items()}
        neg, pos = attrs.get("neg_label", 0), attrs.get("pos_label", 1)
        sparse_output = attrs.get("sparse_output", False)
        if not all(isinstance(x, int) and not isinstance(x, bool) for x in (neg, pos)):
            raise PersistenceError("LabelBinarizer labels must be ints.")
        if not isinstance(sparse_output, bool):
            raise PersistenceError("LabelBinarizer.sparse_output must be a bool.")
        lb = LabelBinarizer(neg_label=neg, pos_label=pos, sparse_output=sparse_output)
        classes = attrs.get("classes_")
        if classes is not None:
            if not isinstance(classes, np.ndarray) or classes.ndim != 1:
                raise PersistenceError("LabelBinarizer.classes_ must be a 1-d array.")
            y_type = attrs.get("y_type_")
            if y_type not in ("binary", "multiclass", "multilabel-indicator"):
                raise PersistenceError(f"Unknown LabelBinarizer.y_type_ {y_type!r}.")
            lb.classes_ = classes
            lb.y_type_ = y_type
            lb.sparse_input_ = bool(attrs.get("sparse_input_", False))
        return lb

    def layer(self, v, depth):
        path = v["__layer__"]
        cls = _resolve_class(path, "layer")
        config = self.value(v.get("config"), depth + 1)
        if not isinstance(config, dict) or not all(isinstance(k, str) for k in config):
            raise PersistenceError(f"Malformed configuration for layer {path!r}.")
        try:
            layer = cls(**config)
        except (TypeError, ValueError) as exc:  # layers validate their configuration
            raise PersistenceError(f"Layer {path!r} does not accept the saved configuration: {exc}") from None
        if "build" not in v:
            return layer
        build = _expect(v["build"], dict)
        shape = _expect(build.get("input_shape"), list)
        if not all(isinstance(d, int) and not isinstance(d, bool) and 0 <= d < 2**31 for d in shape):
            raise PersistenceError(f"Invalid input shape for layer {path!r}.")
        dtype = np.dtype(_expect(build.get("dtype"), str))
        if dtype.kind != "f":
            raise PersistenceError(f"Invalid layer dtype {dtype}.")
        layer.input_grad = _expect(build.get("input_grad"), bool)
        try:
            layer.build(tuple(shape), np.random.default_rng(0), dtype)
        except (ValueError, TypeError) as exc:
            raise PersistenceError(f"Cannot rebuild layer {path!r}: {exc}") from None
        self._fill(path, "parameter", list(zip(layer.param_names, layer.params)), v.get("params"))
        self._fill(path, "buffer", list(layer.buffers().items()), v.get("buffers"))
        return layer

    def _fill(self, path, what, live, saved):
        saved = _expect(saved, list)
        if len(saved) != len(live):
            raise PersistenceError(
                f"Layer {path!r}: the file has {len(saved)} {what}s, the architecture {len(live)}."
            )
        for (name, dst), entry in zip(live, saved):
            if not isinstance(entry, list) or len(entry) != 2 or entry[0] != name:
                raise PersistenceError(f"Layer {path!r}: {what} {name!r} is missing or misnamed.")
            src = self.ref(entry[1])
            if src.shape != dst.shape or src.dtype != dst.dtype:
                raise PersistenceError(
                    f"Layer {path!r}: {what} {name!r} is {src.dtype}{list(src.shape)} in the file, "
                    f"the architecture needs {dst.dtype}{list(dst.shape)}."
                )
            np.copyto(dst, src)
            # later references to this array (e.g. coefs_) resolve to the live one
            self.arrays[entry[1]] = dst


def _expect(value, kind):
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise PersistenceError(f"Malformed header: expected {kind.__name__}, got {type(value).__name__}.")
    return value


def _is_attr_name(name):
    return isinstance(name, str) and name.isidentifier() and not name.startswith("__")


def _csr(decoder, body, depth):
    """Rebuild a CSR matrix, checking its structure fully (indices in range, sorted indptr)."""
    shape = _expect(body.get("shape"), list)
    if len(shape) != 2 or not all(isinstance(d, int) and not isinstance(d, bool) and 0 <= d < 2**31 for d in shape):
        raise PersistenceError("Invalid sparse matrix shape.")
    parts = [decoder.value(body.get(k), depth + 1) for k in ("data", "indices", "indptr")]
    if not all(isinstance(a, np.ndarray) and a.ndim == 1 for a in parts):
        raise PersistenceError("A sparse matrix needs 1-d data, indices and indptr arrays.")
    data, indices, indptr = parts
    if indices.dtype.kind not in "iu" or indptr.dtype.kind not in "iu" or data.dtype.kind not in "biuf":
        raise PersistenceError("Invalid dtypes in a sparse matrix.")
    if indptr.size != shape[0] + 1 or indices.size != data.size:
        raise PersistenceError("Inconsistent sparse matrix arrays.")
    try:
        m = sp.csr_matrix((data, indices, indptr), shape=tuple(shape))
        m.check_format(full_check=True)
    except (ValueError, TypeError, OverflowError) as exc:
        raise PersistenceError(f"Invalid sparse matrix: {exc}") from None
    return m


def _generator(state):
    state = _expect(state, dict)
    names = {"PCG64": np.random.PCG64, "PCG64DXSM": np.random.PCG64DXSM, "MT19937": np.random.MT19937,
             "Philox": np.random.Philox, "SFC64": np.random.SFC64}
    bit_gen = names.get(state.get("bit_generator"))
    if bit_gen is None:
        raise PersistenceError(f"Unknown bit generator {state.get('bit_generator')!r}.")
    bg = bit_gen()
    bg.state = state
    return np.random.Generator(bg)
