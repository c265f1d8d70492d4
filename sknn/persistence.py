"""Safe save / load of fitted sknn estimators, without pickle.

A model file is an uncompressed zip archive holding

* ``sknn.json``: a JSON header (format, versions, estimator class,
  ``get_params()`` and every fitted attribute, encoded as tagged JSON);
* ``arrays/<i>.npy``: one ``.npy`` member per array referenced by the header;
* ``sknn.sha256``: the SHA-256 of the header and of every array member.

Loading never unpickles anything: arrays are read with ``allow_pickle=False``
(object dtypes are refused), and the only classes that can be instantiated are
sknn's own (estimators, :mod:`sknn.nn` layers and losses, small state holders
such as :class:`sknn.training.FitState`) and scikit-learn's ``LabelBinarizer``,
which is rebuilt by hand from its attributes. Any problem with a file raises
:class:`PersistenceError` (a :class:`ValueError`).

Layers that have weights are stored as their configuration, the shape they were
built for, and their parameters and buffers by name; loading rebuilds the layer
and checks every array's name, shape and dtype before copying it in, so a
loaded model predicts bit for bit what the saved one did.

Not saved: optimizer state (``warm_start`` / ``partial_fit`` after loading
restart the optimizer, e.g. Adam's moments) and callables in the estimator's
parameters (``callbacks`` are saved as None, with a warning).
"""

import hashlib
import hmac
import importlib
import inspect
import io
import json
import math
import os
import re
import warnings
import zipfile
from dataclasses import is_dataclass

import numpy as np

__all__ = ["save", "load", "PersistenceError", "PersistenceWarning", "FORMAT_VERSION"]

FORMAT_NAME = "sknn-model"
FORMAT_VERSION = 1
HEADER_NAME = "sknn.json"
DIGEST_NAME = "sknn.sha256"
MAX_HEADER_BYTES = 8 * 1024 * 1024
MAX_MEMBERS = 100_000
MAX_DEPTH = 64
_ARRAY_NAME = re.compile(r"arrays/(0|[1-9][0-9]{0,8})\.npy")
_MODULE_NAME = re.compile(r"sknn(\.[A-Za-z][A-Za-z0-9_]*)*")
_QUALNAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")
_ALLOWED_KINDS = "biufcUS"


class PersistenceError(ValueError):
    """A model cannot be saved, or a file is not a valid sknn model file."""


class PersistenceWarning(UserWarning):
    """Something was not saved (e.g. callbacks)."""


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
    if any(part.startswith("__") for part in qualname.split(".")):
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


def _encode_estimator(estimator):
    from sklearn.base import BaseEstimator

    if not isinstance(estimator, BaseEstimator) or not type(estimator).__module__.startswith("sknn."):
        raise PersistenceError(
            f"sknn.save saves sknn estimators only, got {type(estimator).__name__}."
        )
    enc = _Encoder()
    params = {}
    for name, value in estimator.get_params(deep=False).items():
        holds_callables = callable(value) or (
            isinstance(value, (list, tuple))
            and len(value) > 0
            and all(callable(c) for c in value)
            and not _is_layer_list(value)
        )
        if holds_callables:
            warnings.warn(
                f"Parameter {name!r} holds callables, which cannot be saved safely; "
                "it is saved as None.",
                PersistenceWarning,
                stacklevel=3,
            )
            value = None
        params[name] = enc.value(value, f"parameter {name!r}", weights=False)
    from .nn.layer import Layer

    names = [k for k in vars(estimator) if k not in params and not k.startswith("_cache")]
    # attributes holding built layers first, so arrays shared with them
    # (e.g. MLP coefs_) are restored as the very same objects on load
    names.sort(key=lambda k: not isinstance(vars(estimator)[k], Layer))
    state = [[k, enc.value(vars(estimator)[k], f"attribute {k!r}")] for k in names]
    import sknn

    header = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "sknn_version": sknn.__version__,
        "numpy_version": np.__version__,
        "estimator": _class_path(type(estimator)),
        "params": params,
        "state": state,
        "arrays": [f"arrays/{i}.npy" for i in range(len(enc.arrays))],
    }
    return header, [stored for _, stored in enc.arrays]


def _is_layer_list(value):
    from .nn.layer import Layer

    return all(isinstance(v, Layer) for v in value)


def _digest(header_bytes, members):
    h = hashlib.sha256()
    h.update(FORMAT_NAME.encode())
    for data in [header_bytes, *members]:
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


def _npy_bytes(arr):
    buf = io.BytesIO()
    np.lib.format.write_array(buf, arr, allow_pickle=False)
    return buf.getvalue()


def _write_container(file, header_bytes, members):
    """Write header + array members + digest (also used by the tests)."""
    with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_STORED) as zf:
        zf.writestr(HEADER_NAME, header_bytes)
        for i, data in enumerate(members):
            zf.writestr(f"arrays/{i}.npy", data)
        zf.writestr(DIGEST_NAME, _digest(header_bytes, members).encode())


def save(estimator, path):
    """Save a (fitted or unfitted) sknn estimator to one file, without pickle.

    Parameters
    ----------
    estimator : sknn estimator
        Any estimator of the sknn package.
    path : str, os.PathLike or binary file object
        Destination; overwritten if it exists.

    Raises
    ------
    PersistenceError
        If the estimator holds a value that cannot be saved safely (an arbitrary
        object or an object array of non-strings).

    Notes
    -----
    Callables in the parameters (``callbacks``) are saved as None with a
    :class:`PersistenceWarning`. Optimizer state is not saved.

    Examples
    --------
    >>> import numpy as np, sknn, tempfile, os
    >>> X = np.random.default_rng(0).normal(size=(40, 3)); y = (X[:, 0] > 0).astype(int)
    >>> clf = sknn.MLPClassifier((4,), max_iter=20, random_state=0).fit(X, y)
    >>> path = os.path.join(tempfile.mkdtemp(), "model.sknn")
    >>> sknn.save(clf, path)
    >>> bool((sknn.load(path).predict_proba(X) == clf.predict_proba(X)).all())
    True
    """
    header, arrays = _encode_estimator(estimator)
    header_bytes = json.dumps(header, allow_nan=False, separators=(",", ":")).encode()
    members = [_npy_bytes(a) for a in arrays]
    if isinstance(path, (str, os.PathLike)):
        tmp = os.fspath(path) + ".tmp"
        try:
            _write_container(tmp, header_bytes, members)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)
    else:
        _write_container(path, header_bytes, members)


# -- decoding --------------------------------------------------------------------
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
        except TypeError as exc:
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


def _check_versions(header):
    if header.get("format") != FORMAT_NAME:
        raise PersistenceError("Not an sknn model file (bad format name).")
    version = header.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise PersistenceError(f"Invalid format version {version!r}.")
    if version != FORMAT_VERSION:
        raise PersistenceError(
            f"Unknown model file format version {version} (this sknn reads version "
            f"{FORMAT_VERSION}); it was probably written by a newer sknn."
        )
    import sknn

    saved = header.get("sknn_version")
    match = re.match(r"(\d{1,6})\.", saved) if isinstance(saved, str) else None
    if match is None:
        raise PersistenceError(f"Invalid sknn version {saved!r} in the file.")
    current = int(sknn.__version__.split(".")[0])
    if int(match.group(1)) > current:
        raise PersistenceError(
            f"The model was saved by sknn {saved}, newer than this sknn {sknn.__version__}; upgrade sknn to load it."
        )


def _read_container(file):
    """Open the zip, bound every size, verify the digest; returns (header, arrays)."""
    if isinstance(file, (str, os.PathLike)):
        size = os.path.getsize(file)
    else:
        file.seek(0, os.SEEK_END)
        size = file.tell()
        file.seek(0)
    try:
        zf = zipfile.ZipFile(file, "r")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as exc:
        raise PersistenceError(f"Not an sknn model file (not a valid zip archive: {exc}).") from None
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_MEMBERS:
            raise PersistenceError("Too many members in the archive.")
        by_name = {}
        for info in infos:
            if info.compress_type != zipfile.ZIP_STORED:
                raise PersistenceError(f"Member {info.filename!r} is compressed; sknn files are not.")
            if max(info.file_size, info.compress_size) > size:
                raise PersistenceError(f"Member {info.filename!r} declares more bytes than the file holds.")
            if info.filename in by_name:
                raise PersistenceError(f"Duplicate member {info.filename!r}.")
            by_name[info.filename] = info
        for name in (HEADER_NAME, DIGEST_NAME):
            if name not in by_name:
                raise PersistenceError(f"Not an sknn model file (no {name} member).")
        if by_name[HEADER_NAME].file_size > MAX_HEADER_BYTES:
            raise PersistenceError("The header is larger than %d bytes." % MAX_HEADER_BYTES)
        if by_name[DIGEST_NAME].file_size != 64:
            raise PersistenceError("Malformed checksum member.")
        header_bytes = zf.read(HEADER_NAME)
        digest = zf.read(DIGEST_NAME)
        try:
            header = json.loads(header_bytes.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            raise PersistenceError("Corrupted header (not valid JSON).") from None
        if not isinstance(header, dict):
            raise PersistenceError("Corrupted header.")
        _check_versions(header)
        names = _expect(header.get("arrays"), list)
        if names != [f"arrays/{i}.npy" for i in range(len(names))]:
            raise PersistenceError("Malformed array list.")
        if set(by_name) != {HEADER_NAME, DIGEST_NAME, *names}:
            raise PersistenceError("The archive members do not match the header (tampered file?).")
        members = [zf.read(name) for name in names]
    if not hmac.compare_digest(digest, _digest(header_bytes, members).encode()):
        raise PersistenceError("Checksum mismatch: the file is corrupted or was tampered with.")
    return header, [_read_npy(data, name) for data, name in zip(members, names)]


def _decode_estimator(header, arrays):
    cls = _resolve_class(header.get("estimator"), "estimator")
    dec = _Decoder(arrays)
    params = {
        _expect(name, str): dec.value(value)
        for name, value in _expect(header.get("params"), dict).items()
    }
    try:
        estimator = cls(**params)
    except TypeError as exc:
        raise PersistenceError(f"Cannot construct {cls.__name__} from the saved parameters: {exc}") from None
    for entry in _expect(header.get("state"), list):
        if not isinstance(entry, list) or len(entry) != 2 or not _is_attr_name(entry[0]):
            raise PersistenceError("Malformed fitted-state entry.")
        name = entry[0]
        attr = inspect.getattr_static(cls, name, None)
        if name in params or callable(attr) or hasattr(type(attr), "__get__"):
            raise PersistenceError(f"Refusing attribute {name!r}: it would shadow the class.")
        vars(estimator)[name] = dec.value(entry[1])
    return estimator


def load(path):
    """Load an estimator saved by :func:`save`; no pickle, no code from the file.

    Parameters
    ----------
    path : str, os.PathLike or binary file object

    Returns
    -------
    estimator : sknn estimator
        Predicts exactly (bit for bit) what the saved estimator did. Optimizer
        state is not restored: ``warm_start`` and ``partial_fit`` restart it.

    Raises
    ------
    PersistenceError
        If the file is not a valid sknn model file: truncated or corrupted,
        tampered with (checksum mismatch), of an unknown format version, saved by
        a newer major version of sknn, naming a class outside sknn, holding
        object arrays, or whose arrays do not match the architecture.
    """
    try:
        header, arrays = _read_container(path)
        return _decode_estimator(header, arrays)
    except PersistenceError:
        raise
    except (OSError, FileNotFoundError) as exc:
        if isinstance(path, (str, os.PathLike)) and not os.path.exists(path):
            raise
        raise PersistenceError(f"Cannot read the model file: {exc}") from exc
    except Exception as exc:  # a malformed file must never escape as another error
        raise PersistenceError(f"Invalid sknn model file: {type(exc).__name__}: {exc}") from exc
