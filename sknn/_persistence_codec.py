"""Plain values as tagged JSON plus ``.npy`` arrays, for :mod:`sknn.persistence`.

The encoder turns plain data (numbers, strings, lists, tuples, dicts, arrays,
sparse CSR matrices, dtypes, slices, NumPy random generators) into JSON values,
collecting arrays on the side; objects (layers, estimators...) are handed to
the handlers registered by the other persistence modules. The decoder reverses
it without ever calling anything the file names: each tag maps to one function
of sknn, every array is parsed from its ``.npy`` member by hand-checked rules
(no pickle, an allow-list of dtypes, the declared shape matching the bytes),
each array member is used exactly once, and nesting is bounded.
"""

import io
import json
import math
import re

import numpy as np
import scipy.sparse as sp

from ._persistence_errors import PersistenceError, refuse

__all__ = ["Encoder", "Decoder", "read_npy", "npy_bytes", "parse_header", "MAX_DEPTH"]

MAX_DEPTH = 48
MAX_JSON_ITEMS = 100_000  # object arrays of mixed scalars stored in the header
MAX_STR_DTYPE = 1 << 16  # characters of a fixed-width Unicode array
_INT_DTYPES = {np.dtype(t) for t in ("i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8")}
ARRAY_DTYPES = _INT_DTYPES | {np.dtype(t) for t in ("?", "f4", "f8")}
_DTYPE_VALUES = ARRAY_DTYPES | {np.dtype("O"), np.dtype("f2")}  # dtypes as *values* (e.g. OneHotEncoder(dtype=))
_NON_FINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


# -- header JSON -----------------------------------------------------------------------------
def _no_duplicates(pairs):
    out = dict(pairs)
    if len(out) != len(pairs):
        refuse("header", "The header repeats a key in one JSON object.")
    return out


def _finite_float(text):
    value = float(text)
    if not math.isfinite(value):
        refuse("header", f"A JSON number out of the float range: {text[:40]!r}.")
    return value


def _no_constant(name):
    refuse("header", f"JSON {name} is not valid in an sknn header (non-finite floats are tagged).")


def parse_header(data, max_bytes):
    """Parse the header: strict UTF-8 JSON, no duplicate keys, no NaN literals, bounded."""
    if len(data) > max_bytes:
        refuse("too_large", f"The header is larger than {max_bytes} bytes.")
    try:
        text = data.decode("utf-8")
        header = json.loads(text, object_pairs_hook=_no_duplicates, parse_float=_finite_float,
                            parse_constant=_no_constant)
    except UnicodeDecodeError:
        refuse("header", "The header is not UTF-8.")
    except RecursionError:
        refuse("header", "The header's JSON is nested too deeply.")
    except ValueError as exc:  # JSONDecodeError, or an integer literal with too many digits
        if isinstance(exc, PersistenceError):
            raise
        refuse("header", f"The header is not valid JSON: {exc}")
    if not isinstance(header, dict):
        refuse("header", "The header is not a JSON object.")
    return header


# -- .npy members ---------------------------------------------------------------------------
def npy_bytes(arr):
    buf = io.BytesIO()
    np.lib.format.write_array(buf, arr, allow_pickle=False)
    return buf.getvalue()


def check_array_dtype(dtype, where, reason="type"):
    text = dtype.kind == "U" and dtype.byteorder in "=<|" and 0 < dtype.itemsize <= 4 * MAX_STR_DTYPE
    ok = dtype in ARRAY_DTYPES or text
    if not ok or dtype.byteorder == ">":
        refuse(reason, f"{where}: arrays of dtype {dtype.str} are refused.")


# the header numpy writes, exactly: parsed by this pattern, never evaluated
_NPY_HEADER = re.compile(r"\{'descr': '([<|][a-zA-Z]\d{1,7})', 'fortran_order': (True|False), "
                         r"'shape': \(((?:\d{1,19}, )*\d{1,19},?)?\), \} *\n")


def read_npy(data, where):
    """Parse one ``.npy`` member by hand-checked rules; returns a fresh, writable array."""
    head = bytes(data[:12])
    if len(head) < 10 or head[:6] != b"\x93NUMPY" or head[6:8] not in (b"\x01\x00", b"\x02\x00"):
        refuse("npy", f"{where}: not a version 1 or 2 .npy member.")
    start = 10 if head[6] == 1 else 12
    length = int.from_bytes(head[8:start], "little")
    match = _NPY_HEADER.fullmatch(bytes(data[start : start + length]).decode("latin1"))
    if match is None or start + length > len(data):
        refuse("npy", f"{where}: malformed .npy header.")
    try:
        dtype = np.dtype(match.group(1))
    except TypeError:
        refuse("type", f"{where}: unknown dtype {match.group(1)!r}.")
    check_array_dtype(dtype, where)
    shape = tuple(int(d) for d in (match.group(3) or "").replace(",", " ").split())
    fortran = match.group(2) == "True"
    offset = start + length
    count = math.prod(shape)
    if count * dtype.itemsize != len(data) - offset:
        refuse("npy", f"{where}: the declared shape {shape} does not match the member's {len(data) - offset} bytes.")
    if count == 0:
        return np.empty(shape, dtype=dtype, order="F" if fortran else "C")
    flat = np.frombuffer(data, dtype=dtype, count=count, offset=offset)
    return flat.reshape(shape, order="F" if fortran else "C").copy(order="K")


# -- encoding --------------------------------------------------------------------------------
def _is_int64(v):
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)) and -(2**63) <= v < 2**63


class Encoder:
    """Turns values into tagged JSON, collecting arrays on the side.

    ``handlers`` is a list of ``(types, function)``: objects of those types are
    encoded by ``function(encoder, value, where)`` (layers, estimators...).
    """

    def __init__(self, handlers):
        self.arrays = []
        self.handlers = handlers
        self.scope = {}  # per-attribute memo for objects that may be shared (layers)

    def array(self, arr, where):
        if arr.dtype.hasobject:
            refuse("unsupported", f"{where}: object arrays are stored through Encoder.value.")
        check_array_dtype(arr.dtype, where, reason="unsupported")
        self.arrays.append(arr)
        return len(self.arrays) - 1

    def value(self, v, where):
        if isinstance(v, np.generic):  # before float: np.float64 is a float
            return {"__npscalar__": self.array(np.asarray(v), where)}
        if v is None or isinstance(v, (bool, str)):
            return v
        if isinstance(v, int):
            return v
        if isinstance(v, float):
            return v if math.isfinite(v) else {"__float__": repr(v)}
        if isinstance(v, np.ndarray):
            return self.object_array(v, where) if v.dtype.hasobject else {"__ndarray__": self.array(v, where)}
        if isinstance(v, list):
            return [self.value(x, f"{where}[{i}]") for i, x in enumerate(v)]
        if isinstance(v, tuple):
            return {"__tuple__": [self.value(x, f"{where}[{i}]") for i, x in enumerate(v)]}
        if isinstance(v, dict):
            return self.dict(v, where)
        if isinstance(v, np.dtype):
            if v not in _DTYPE_VALUES:
                refuse("unsupported", f"{where}: dtype {v} cannot be saved.")
            return {"__dtype__": v.str}
        if isinstance(v, type) and issubclass(v, np.generic) and np.dtype(v) in _DTYPE_VALUES:
            return {"__nptype__": np.dtype(v).str}
        if isinstance(v, slice):
            return {"__slice__": [self.value(x, where) for x in (v.start, v.stop, v.step)]}
        if sp.issparse(v) and v.format == "csr" and v.ndim == 2:
            return {"__csr__": {"shape": [int(d) for d in v.shape], "data": self.array(v.data, where),
                                "indices": self.array(v.indices, where), "indptr": self.array(v.indptr, where)}}
        if isinstance(v, np.random.Generator):
            return {"__generator__": self.value(v.bit_generator.state, where)}
        if isinstance(v, np.random.RandomState):
            return {"__random_state__": self.value(v.get_state(legacy=False), where)}
        for types, function in self.handlers:
            if isinstance(v, types):
                return function(self, v, where)
        refuse("unsupported", f"{where}: values of type {type(v).__qualname__} cannot be saved.")

    def object_array(self, arr, where):
        items = arr.ravel(order="K").tolist()
        shape = [int(d) for d in arr.shape]
        if items and all(isinstance(x, str) for x in items):
            return {"__objarray__": self.strings(items, where), "shape": shape}
        if len(items) > MAX_JSON_ITEMS or not all(
            x is None or isinstance(x, (bool, int, float, str)) for x in items
        ):
            refuse("unsupported", f"{where}: object arrays may hold strings, or up to {MAX_JSON_ITEMS} "
                   "numbers / strings / None, not anything else.")
        return {"__objarray__": {"items": [self.value(x, where) for x in items]}, "shape": shape}

    def strings(self, items, where):
        try:
            encoded = [s.encode("utf-8") for s in items]
        except UnicodeEncodeError:
            refuse("unsupported", f"{where}: strings that are not valid Unicode cannot be saved.")
        offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
        np.cumsum([len(b) for b in encoded], out=offsets[1:])
        blob = np.frombuffer(b"".join(encoded), dtype=np.uint8)
        return {"utf8": self.array(blob, where), "offsets": self.array(offsets, where)}

    def dict(self, d, where):
        keys, values = list(d.keys()), list(d.values())
        if d and all(_is_int64(v) for v in values):
            tokens, lengths = [], []
            for k in keys:
                parts = k if isinstance(k, tuple) else (k,)
                tokens.extend(parts)
                lengths.append(len(parts))
            if (all(isinstance(t, str) for t in tokens) or all(_is_int64(t) for t in tokens)) and all(lengths):
                tuples = [isinstance(k, tuple) for k in keys]
                body = {"tokens": self.strings(tokens, where) if tokens and isinstance(tokens[0], str)
                        else {"__ndarray__": self.array(np.asarray(tokens, dtype=np.int64), where)},
                        "lengths": self.array(np.asarray(lengths, dtype=np.int64), where),
                        "tuples": self.array(np.asarray(tuples, dtype=bool), where),
                        "values": self.array(np.asarray(values, dtype=np.int64), where)}
                return {"__mapping__": body}
        return {"__dict__": [[self.value(k, f"{where} key"), self.value(v, f"{where}[{k!r}]")] for k, v in d.items()]}


# -- decoding --------------------------------------------------------------------------------
def expect(value, kind, where):
    """``value`` if it is of ``kind`` (bool is not an int), else a ``malformed`` refusal."""
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        name = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
        refuse("malformed", f"{where}: expected {name}, got {type(value).__name__}.")
    return value


def expect_keys(body, required, optional=(), where="value"):
    expect(body, dict, where)
    missing = set(required) - set(body)
    extra = set(body) - set(required) - set(optional)
    if missing or extra:
        refuse("malformed", f"{where}: expected keys {sorted(required)}, got {sorted(body)}.")
    return body


class Decoder:
    """Reverses :class:`Encoder`; ``tags`` maps object tags to ``function(decoder, value, where, depth)``."""

    def __init__(self, members, tags, context):
        self.members = members
        self.used = [False] * len(members)
        self.tags = tags
        self.context = context  # signed, versions, options: read by the object decoders
        self.scope = {}

    def array(self, index, where):
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(self.members):
            refuse("malformed", f"{where}: invalid array reference {index!r}.")
        if self.used[index]:
            refuse("malformed", f"{where}: array {index} is referenced twice.")
        self.used[index] = True
        return read_npy(self.members[index], f"{where} (arrays/{index}.npy)")

    def int_array(self, index, where, ndim=1):
        arr = self.array(index, where)
        if arr.dtype not in _INT_DTYPES or arr.ndim != ndim:
            refuse("type", f"{where}: expected a {ndim}-d integer array, got {arr.dtype}{list(arr.shape)}.")
        return arr.astype(np.int64, copy=False)

    def check_all_used(self):
        if not all(self.used):
            refuse("malformed", f"Array members {[i for i, u in enumerate(self.used) if not u][:5]} are never used.")

    def value(self, v, where, depth=0):
        if depth > MAX_DEPTH:
            refuse("malformed", f"{where}: values nested more than {MAX_DEPTH} levels deep.")
        if v is None or isinstance(v, (bool, int, float, str)):
            return v
        if isinstance(v, list):
            return [self.value(x, f"{where}[{i}]", depth + 1) for i, x in enumerate(v)]
        if not isinstance(v, dict) or not v:
            refuse("malformed", f"{where}: malformed value.")
        tag = next(iter(v))
        function = _PLAIN.get(tag) or self.tags.get(tag)
        if function is None:
            refuse("malformed", f"{where}: unknown tag {tag!r}.")
        if tag in _PLAIN and len(v) != (2 if tag == "__objarray__" else 1):
            refuse("malformed", f"{where}: unexpected keys beside {tag!r}.")
        return function(self, v, where, depth + 1)

    def strings(self, body, where):
        body = expect_keys(body, ("utf8", "offsets"), where=where)
        blob = self.array(body["utf8"], where)
        offsets = self.int_array(body["offsets"], where)
        if blob.dtype != np.uint8 or blob.ndim != 1 or offsets.size < 1 or offsets[0] != 0 \
                or offsets[-1] != blob.size or np.any(np.diff(offsets) < 0):
            refuse("malformed", f"{where}: inconsistent string offsets.")
        raw = blob.tobytes()
        try:
            return [raw[a:b].decode("utf-8") for a, b in zip(offsets[:-1].tolist(), offsets[1:].tolist())]
        except UnicodeDecodeError:
            refuse("malformed", f"{where}: strings that are not UTF-8.")


def _tuple(dec, v, where, depth):
    return tuple(dec.value(x, f"{where}[{i}]", depth) for i, x in enumerate(expect(v["__tuple__"], list, where)))


def _dict(dec, v, where, depth):
    out = {}
    for pair in expect(v["__dict__"], list, where):
        if not isinstance(pair, list) or len(pair) != 2:
            refuse("malformed", f"{where}: malformed dict entry.")
        key = dec.value(pair[0], f"{where} key", depth)
        try:
            hash(key)
        except TypeError:
            refuse("malformed", f"{where}: unhashable dict key.")
        if key in out:
            refuse("malformed", f"{where}: duplicate dict key {key!r}.")
        out[key] = dec.value(pair[1], f"{where}[{key!r}]", depth)
    return out


def _mapping(dec, v, where, depth):
    body = expect_keys(v["__mapping__"], ("tokens", "lengths", "tuples", "values"), where=where)
    tokens = body["tokens"]
    if isinstance(tokens, dict) and "__ndarray__" in tokens:
        tokens = dec.int_array(expect_keys(tokens, ("__ndarray__",), where=where)["__ndarray__"], where).tolist()
    else:
        tokens = dec.strings(tokens, where)
    lengths = dec.int_array(body["lengths"], where)
    tuples = dec.array(body["tuples"], where)
    values = dec.int_array(body["values"], where)
    n = lengths.size
    if tuples.dtype != bool or tuples.shape != (n,) or values.shape != (n,) or np.any(lengths < 1) \
            or int(lengths.sum()) != len(tokens) or np.any(~tuples & (lengths != 1)):
        refuse("malformed", f"{where}: inconsistent mapping arrays.")
    out, pos = {}, 0
    for length, is_tuple, value in zip(lengths.tolist(), tuples.tolist(), values.tolist()):
        key = tuple(tokens[pos : pos + length]) if is_tuple else tokens[pos]
        pos += length
        if key in out:
            refuse("malformed", f"{where}: duplicate key {key!r}.")
        out[key] = value
    return out


def _float(dec, v, where, depth):
    if not isinstance(v["__float__"], str) or v["__float__"] not in _NON_FINITE:
        refuse("malformed", f"{where}: invalid float {v['__float__']!r}.")
    return _NON_FINITE[v["__float__"]]


def _ndarray(dec, v, where, depth):
    return dec.array(expect_keys(v, ("__ndarray__",), where=where)["__ndarray__"], where)


def _npscalar(dec, v, where, depth):
    arr = dec.array(expect_keys(v, ("__npscalar__",), where=where)["__npscalar__"], where)
    if arr.ndim != 0:
        refuse("malformed", f"{where}: a NumPy scalar must be a 0-d array.")
    return arr[()]


def _objarray(dec, v, where, depth):
    body = expect_keys(v, ("__objarray__", "shape"), where=where)
    shape = expect(body["shape"], list, where)
    if not all(isinstance(d, int) and not isinstance(d, bool) and 0 <= d < 2**40 for d in shape):
        refuse("malformed", f"{where}: invalid object array shape.")
    inner = expect(body["__objarray__"], dict, where)
    if "items" in inner:
        items = expect(expect_keys(inner, ("items",), where=where)["items"], list, where)
        if len(items) > MAX_JSON_ITEMS:
            refuse("too_large", f"{where}: too many items.")
        items = [dec.value(x, where, depth) for x in items]
        if not all(x is None or isinstance(x, (bool, int, float, str)) for x in items):
            refuse("type", f"{where}: object arrays hold scalars only.")
    else:
        items = dec.strings(inner, where)
    if len(items) != math.prod(shape):
        refuse("shape", f"{where}: {len(items)} items for shape {shape}.")
    out = np.empty(len(items), dtype=object)
    out[:] = items
    return out.reshape(shape)


def _dtype_of(text, where, allowed):
    try:
        dtype = np.dtype(expect(text, str, where))
    except TypeError:
        refuse("type", f"{where}: unknown dtype {text!r}.")
    if dtype not in allowed or dtype.str != text:
        refuse("type", f"{where}: dtype {text!r} is refused.")
    return dtype


def _dtype(dec, v, where, depth):
    return _dtype_of(v["__dtype__"], where, _DTYPE_VALUES)


def _nptype(dec, v, where, depth):
    return _dtype_of(v["__nptype__"], where, _DTYPE_VALUES - {np.dtype("O")}).type


def _slice(dec, v, where, depth):
    parts = expect(v["__slice__"], list, where)
    if len(parts) != 3 or not all(p is None or (isinstance(p, int) and not isinstance(p, bool)) for p in parts):
        refuse("malformed", f"{where}: a slice is three ints or None.")
    return slice(*parts)


def _csr(dec, v, where, depth):
    body = expect_keys(v["__csr__"], ("shape", "data", "indices", "indptr"), where=where)
    shape = expect(body["shape"], list, where)
    if len(shape) != 2 or not all(isinstance(d, int) and not isinstance(d, bool) and 0 <= d < 2**31 for d in shape):
        refuse("shape", f"{where}: invalid sparse matrix shape {shape}.")
    data = dec.array(body["data"], where)
    indices = dec.int_array(body["indices"], where)
    indptr = dec.int_array(body["indptr"], where)
    if data.ndim != 1 or data.dtype.kind not in "biuf":
        refuse("type", f"{where}: sparse data must be a 1-d numeric array.")
    if indptr.size != shape[0] + 1 or indptr[0] != 0 or np.any(np.diff(indptr) < 0) \
            or indptr[-1] != indices.size or indices.size != data.size:
        refuse("inconsistent", f"{where}: inconsistent sparse structure (indptr / indices / data).")
    if indices.size and (indices.min() < 0 or indices.max() >= shape[1]):
        refuse("range", f"{where}: sparse column indices outside [0, {shape[1]}).")
    index_dtype = np.int32 if max(shape) < 2**31 and indices.size < 2**31 else np.int64
    return sp.csr_matrix((data, indices.astype(index_dtype), indptr.astype(index_dtype)), shape=tuple(shape))


_BIT_GENERATORS = {"PCG64": np.random.PCG64, "PCG64DXSM": np.random.PCG64DXSM, "MT19937": np.random.MT19937,
                   "Philox": np.random.Philox, "SFC64": np.random.SFC64}


def _generator_state(state, where):
    """A bit generator's state: nested dicts of ints and integer arrays, named by a str."""
    expect(state, dict, where)
    for key, value in state.items():
        if isinstance(value, dict):
            _generator_state(value, where)
        elif not (type(value) is int or (key == "bit_generator" and isinstance(value, str))
                  or (key == "gauss" and type(value) is float)
                  or (isinstance(value, np.ndarray) and value.dtype.kind in "iu")):
            refuse("type", f"{where}: a random generator's state holds ints, not {type(value).__name__}.")
    return state


def _generator(dec, v, where, depth):
    state = _generator_state(dec.value(v["__generator__"], where, depth), where)
    name = state.get("bit_generator")
    bit_generator = _BIT_GENERATORS.get(name) if isinstance(name, str) else None
    if bit_generator is None:
        refuse("class", f"{where}: unknown bit generator {name!r}.")
    bg = bit_generator()
    try:
        bg.state = state
    except (ValueError, TypeError, KeyError, OverflowError) as exc:
        refuse("malformed", f"{where}: invalid random generator state ({exc}).")
    return np.random.Generator(bg)


def _random_state(dec, v, where, depth):
    state = _generator_state(dec.value(v["__random_state__"], where, depth), where)
    rs = np.random.RandomState()
    if state.get("bit_generator") != "MT19937":
        refuse("class", f"{where}: a RandomState runs MT19937.")
    try:
        rs.set_state(state)
    except (ValueError, TypeError, KeyError, OverflowError) as exc:
        refuse("malformed", f"{where}: invalid RandomState state ({exc}).")
    return rs


_PLAIN = {
    "__tuple__": _tuple, "__dict__": _dict, "__mapping__": _mapping, "__float__": _float,
    "__ndarray__": _ndarray, "__npscalar__": _npscalar, "__objarray__": _objarray, "__dtype__": _dtype,
    "__nptype__": _nptype, "__slice__": _slice, "__csr__": _csr, "__generator__": _generator,
    "__random_state__": _random_state,
}
