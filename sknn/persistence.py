"""Safe save / load of fitted estimators and pipelines, without pickle.

A model file is an uncompressed zip archive holding

* ``sknn.json``: a JSON header -- format, the versions that wrote it, and the
  estimator: its class (from an allow-list), its constructor parameters and its
  fitted attributes, as tagged JSON;
* ``arrays/<i>.npy``: the arrays the header refers to, one member each;
* ``sknn.sha256`` -- an integrity check of the header and every array -- or,
  when saved with a key, ``sknn.hmac-sha256``, an HMAC that only holders of the
  key can compute.

Loading runs no code from the file and unpickles nothing. Only classes of an
allow-list are instantiated (sknn's estimators, its layers, losses and
schedules, a few state holders, and the scikit-learn classes of
:data:`sknn._persistence_sklearn.ALLOWED`). Each class declares its fitted state
(:mod:`sknn._persistence_sknn`, :mod:`sknn._persistence_sklearn`): the file
may set those attributes only, each of its declared type, dtype, shape and
range, and the relations between them are checked (indices within their
tables, layer sizes matching the labels...). Attributes derived from others are
recomputed, never read. Layers are rebuilt within the budget of the weights the
file holds. Every refusal is a :class:`PersistenceError` whose ``reason`` says
why (see :data:`REASONS`).

Not saved: optimizer state (``warm_start`` / ``partial_fit`` after loading
restart the optimizer, e.g. Adam's moments) and callables (sknn's ``callbacks``
are saved as None, with a warning).
"""

import json
import platform
import warnings

import numpy as np
import scipy
import sklearn
from sklearn.base import BaseEstimator

from . import _persistence_layers
from ._persistence_codec import Decoder, Encoder, expect, expect_keys, npy_bytes, parse_header
from ._persistence_errors import REASONS, PersistenceError, PersistenceWarning, refuse
from ._persistence_zip import as_key, read_container, write_container
from ._version import __version__

__all__ = ["save", "load", "PersistenceError", "PersistenceWarning", "REASONS", "FORMAT_VERSION"]

FORMAT_NAME = "sknn-model"
FORMAT_VERSION = 2
MAX_HEADER_BYTES = 16 * 1024 * 1024
_SKLEARN_PREFIX = "sklearn."
_OUTPUT_CONFIG = "_sklearn_output_config"  # set_output(): configuration, fitted or not


class _Context:
    """What the object decoders may consult: is the file signed, which patterns the caller trusts, versions."""

    def __init__(self, signed, trusted_patterns, versions):
        self.signed = signed
        self.trusted_patterns = frozenset(trusted_patterns)
        self.versions = versions
        self.sklearn_checked = False


def _sknn_module():
    # the estimators' declarations, imported on first use: this module imports neither the
    # estimators nor the package face (sknn/__init__.py), which imports it
    from . import _persistence_sknn

    return _persistence_sknn


def _sklearn_module():
    from . import _persistence_sklearn

    return _persistence_sklearn


def _lookup(cls):
    """(name, declaration) of an estimator class, or None when it may not be saved."""
    decl = _sknn_module().DECLARATIONS.get(cls)
    if decl is not None:
        return cls.__name__, decl
    if cls.__module__.startswith(_SKLEARN_PREFIX):
        return _sklearn_module().lookup_class(cls)
    return None


def _resolve(name, where, context):
    if not isinstance(name, str):
        refuse("malformed", f"{where}: an estimator is named by a str.")
    if name.startswith(_SKLEARN_PREFIX):
        found = _sklearn_module().lookup_name(name)
        if found is not None:
            _sklearn_module().check_version(context)
        return found
    for cls, decl in _sknn_module().DECLARATIONS.items():
        if cls.__name__ == name:
            return cls, decl
    return None


# -- encoding --------------------------------------------------------------------------------------
def _param_value(cls, name, value, where):
    holds_callables = callable(value) or (isinstance(value, (list, tuple)) and any(callable(c) for c in value))
    if name == "callbacks" and holds_callables and cls in _sknn_module().DECLARATIONS:
        warnings.warn(f"{where} holds callables, which cannot be saved safely; it is saved as None.",
                      PersistenceWarning, stacklevel=5)
        return None
    return value


def _encode_estimator(enc, est, where):
    outer = enc.scope  # a nested estimator (a pipeline step) has scopes of its own
    try:
        return _encode_estimator_body(enc, est, where)
    finally:
        enc.scope = outer


def _encode_estimator_body(enc, est, where):
    cls = type(est)
    found = _lookup(cls)
    if found is None:
        allowed = ", ".join(sorted(c.__name__ for c in _sknn_module().DECLARATIONS)
                            + sorted(_sklearn_module().allowed_names()))
        refuse("unsupported", f"{where}: {cls.__module__}.{cls.__qualname__} cannot be saved by sknn.save; "
               f"the allowed classes are {allowed}.")
    name, decl = found
    params = est.get_params(deep=False)
    out = {"__estimator__": name, "params": {}}
    for key, value in params.items():
        enc.scope = {}
        out["params"][key] = enc.value(_param_value(cls, key, value, f"{where}.{key}"), f"{where}.{key}")
    attrs = [k for k in vars(est) if k not in params and k != _OUTPUT_CONFIG]
    if _OUTPUT_CONFIG in vars(est):
        out["output_config"] = enc.value(vars(est)[_OUTPUT_CONFIG], f"{where}.{_OUTPUT_CONFIG}")
    unknown = [k for k in attrs if k not in decl.stored and k not in decl.optional and k not in decl.derived]
    if unknown:
        refuse("attribute", f"{where}: attribute {unknown[0]!r} of {cls.__name__} is not declared as fitted state, "
               "so it cannot be saved (nor would it be loaded).")
    if not attrs:
        return out
    missing = [k for k in decl.stored if k not in attrs]
    if missing:
        refuse("attribute", f"{where}: {cls.__name__} is only partly fitted (no {missing[0]!r}); fit it before saving.")
    out["state"] = {}
    for key in list(decl.stored) + [k for k in decl.optional if k in attrs]:
        enc.scope = {}
        out["state"][key] = enc.value(vars(est)[key], f"{where}.{key}")
    out["derived"] = [k for k in attrs if k in decl.derived]
    return out


def _encode_other(enc, value, where):
    encoded = _sklearn_module().encode_other(enc, value, where) if type(value).__module__.startswith(
        _SKLEARN_PREFIX) else None
    if encoded is None:
        cls = type(value)
        refuse("unsupported", f"{where}: values of type {cls.__module__}.{cls.__qualname__} cannot be saved "
               "safely by sknn.save (use pickle or joblib for arbitrary objects, between parties that trust "
               "each other).")
    return encoded


def _handlers():
    return _sknn_module().HANDLERS + _persistence_layers.HANDLERS + [
        (BaseEstimator, _encode_estimator), (object, _encode_other)]


def _encode(estimator):
    if not isinstance(estimator, BaseEstimator):
        refuse("unsupported", f"sknn.save saves estimators, got {type(estimator).__name__}.")
    enc = Encoder(_handlers())
    header = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "versions": {"sknn": __version__, "numpy": np.__version__, "scipy": scipy.__version__,
                     "sklearn": sklearn.__version__, "python": platform.python_version()},
        "estimator": _encode_estimator(enc, estimator, type(estimator).__name__),
    }
    header_bytes = json.dumps(header, allow_nan=False, separators=(",", ":")).encode()
    return header_bytes, [npy_bytes(a) for a in enc.arrays]


# -- decoding --------------------------------------------------------------------------------------
def _decode_estimator(dec, v, where, depth):
    outer = dec.scope  # a nested estimator (a pipeline step) has scopes of its own
    try:
        return _decode_estimator_body(dec, v, where, depth)
    finally:
        dec.scope = outer


def _decode_estimator_body(dec, v, where, depth):
    body = expect_keys(v, ("__estimator__", "params"), ("state", "derived", "output_config"), where)
    found = _resolve(body["__estimator__"], where, dec.context)
    if found is None:
        refuse("class", f"{where}: {body['__estimator__']!r} is not a class sknn.load may create.")
    cls, decl = found
    where = f"{where}({cls.__name__})"
    raw_params = expect(body["params"], dict, f"{where}.params")
    if set(raw_params) != set(cls._get_param_names()):
        refuse("parameter", f"{where}: the parameters {sorted(raw_params)} are not those of {cls.__name__} "
               f"in this version ({sorted(cls._get_param_names())}).")
    params = {}
    for key, raw in raw_params.items():
        dec.scope = {}
        params[key] = dec.value(raw, f"{where}.{key}", depth)
        if key in decl.params:
            decl.params[key](params[key], f"{where}.{key}", dec.context)
    try:
        est = cls(**params)
    except (TypeError, ValueError) as exc:
        refuse("parameter", f"{where}: the saved parameters are refused ({exc}).")
    if "output_config" in body:
        config = dec.value(body["output_config"], f"{where}.output_config", depth)
        valid = ("transform", "fit_transform"), ("default", "pandas", "polars")
        if not isinstance(config, dict) or not all(k in valid[0] and v in valid[1] for k, v in config.items()):
            refuse("malformed", f"{where}: invalid set_output configuration {config!r}.")
        est._sklearn_output_config = config
    if "state" not in body:
        if "derived" in body:
            refuse("malformed", f"{where}: derived attributes without fitted state.")
        return est
    _decode_state(dec, est, decl, body, where, depth)
    return est


def _decode_state(dec, est, decl, body, where, depth):
    state = expect(body["state"], dict, f"{where}.state")
    derived = expect(body.get("derived"), list, f"{where}.derived")
    for name in state:
        if name not in decl.stored and name not in decl.optional:
            refuse("attribute", f"{where}: {type(est).__name__} declares no fitted attribute {name!r}.")
    for name in decl.stored:
        if name not in state:
            refuse("attribute", f"{where}: the fitted attribute {name!r} is missing.")
    for name in derived:
        if name not in decl.derived or name in state:
            refuse("attribute", f"{where}: {name!r} is not an attribute {type(est).__name__} derives.")
    try:
        if type(est) in _sknn_module().DECLARATIONS or hasattr(est, "_parameter_constraints"):
            est._validate_params()
    except (TypeError, ValueError) as exc:
        refuse("parameter", f"{where}: {type(est).__name__} refuses its saved parameters ({exc}).")
    dims = {}
    for name, spec in list(decl.stored.items()) + list(decl.optional.items()):
        if name in state:
            dec.scope = {}
            value = dec.value(state[name], f"{where}.{name}", depth)
            spec.check(value, f"{where}.{name}", dims)
            vars(est)[name] = value
    if decl.validate is not None:
        decl.validate(est, dec.context)
    if decl.derive is not None:
        decl.derive(est, derived)
    params = set(type(est)._get_param_names()) | {_OUTPUT_CONFIG}
    have = {k for k in vars(est) if k not in params}
    if have != set(state) | set(derived):
        diff = sorted(have ^ (set(state) | set(derived)))
        refuse("inconsistent", f"{where}: after loading, the attributes {diff} differ from the saved estimator's.")


def _tags():
    tags = {"__estimator__": _decode_estimator,
            "__remainder_cols__": lambda *args: _sklearn_module().decode_remainder_cols(*args)}
    tags.update(_persistence_layers.TAGS)
    tags.update(_sknn_module().TAGS)
    return tags


def _check_header(header):
    expect_keys(header, ("format", "format_version", "versions", "estimator"), where="header")
    if header["format"] != FORMAT_NAME:
        refuse("format", "Not an sknn model file (bad format name).")
    version = header["format_version"]
    if type(version) is not int:
        refuse("format", f"Invalid format version {version!r}.")
    if version != FORMAT_VERSION:
        hint = ("; re-save it from the sknn that wrote it" if version < FORMAT_VERSION
                else "; it was probably written by a newer sknn")
        refuse("format", f"Unknown model file format version {version} (this sknn reads {FORMAT_VERSION}){hint}.")
    versions = expect_keys(header["versions"], ("sknn", "numpy", "scipy", "sklearn", "python"), where="versions")
    if not all(isinstance(x, str) and len(x) < 64 for x in versions.values()):
        refuse("malformed", "Invalid version strings.")
    major = versions["sknn"].split(".")[0]
    if not major.isdigit() or int(major) > int(__version__.split(".")[0]):
        refuse("version", f"The model was saved by sknn {versions['sknn']!r}, newer than this sknn {__version__}; "
               "upgrade sknn to load it.")
    return versions


def _decode(header_bytes, members, signed, trusted_patterns):
    header = parse_header(header_bytes, MAX_HEADER_BYTES)
    context = _Context(signed, trusted_patterns, _check_header(header))
    dec = Decoder(members, _tags(), context)
    if not isinstance(header["estimator"], dict) or "__estimator__" not in header["estimator"]:
        refuse("malformed", "The header holds no estimator.")
    est = dec.value(header["estimator"], "estimator")
    dec.check_all_used()
    return est


# -- public API ------------------------------------------------------------------------------------
def save(estimator, path, key=None):
    """Save an estimator or pipeline to one file that :func:`load` reads without pickle.

    Parameters
    ----------
    estimator : sknn estimator, or an allowed scikit-learn estimator
        Any sknn estimator, fitted or not, or a :class:`~sklearn.pipeline.Pipeline`,
        :class:`~sklearn.compose.ColumnTransformer`, :class:`~sklearn.pipeline.FeatureUnion`
        or preprocessing step of the allow-list, with sknn estimators as steps.
    path : str, os.PathLike or binary file object
        Destination; a path is replaced atomically.
    key : bytes or str, optional
        A secret: the file then carries an HMAC-SHA256 instead of a plain
        SHA-256, and :func:`load` refuses it unless given the same key. Use
        at least 32 random bytes (``secrets.token_bytes(32)``).

    Raises
    ------
    PersistenceError
        If the estimator holds something that cannot be saved safely (an
        arbitrary object, a class outside the allow-list, NaN weights...), or a
        state that would not load back identically.

    Notes
    -----
    Before writing, ``save`` loads the file back in memory and checks that it
    encodes to the very same bytes: a file it writes always loads. Callables in
    sknn's ``callbacks`` are saved as None with a :class:`PersistenceWarning`.
    Optimizer state is not saved.

    Examples
    --------
    >>> import numpy as np, sknn, tempfile, os
    >>> X = np.random.default_rng(0).normal(size=(40, 3)); y = (X[:, 0] > 0).astype(int)
    >>> clf = sknn.MLPClassifier((4,), max_iter=20, random_state=0).fit(X, y)
    >>> path = os.path.join(tempfile.mkdtemp(), "model.sknn")
    >>> sknn.save(clf, path, key=b"a secret of at least 32 bytes....")
    >>> loaded = sknn.load(path, key=b"a secret of at least 32 bytes....")
    >>> bool((loaded.predict_proba(X) == clf.predict_proba(X)).all())
    True
    """
    key = as_key(key)
    header_bytes, members = _encode(estimator)
    _verify(estimator, header_bytes, members, signed=key is not None)
    write_container(path, header_bytes, members, key)


def _verify(estimator, header_bytes, members, signed):
    """Load the encoded estimator back and re-encode it: the same bytes, or no file."""
    try:
        loaded = _decode(header_bytes, members, signed, ())
    except PersistenceError as exc:
        if exc.reason != "regex":
            raise PersistenceError(f"{type(estimator).__name__} cannot be saved: its state would be refused on "
                                   f"load: {exc.message}", exc.reason) from None
        patterns = _collect_patterns(header_bytes)
        warnings.warn(f"This model uses the token pattern(s) {patterns}; sknn.load refuses regular expressions "
                      "from unsigned files unless they are one of its known patterns: load it with "
                      "trusted_patterns=[...] (or save it with key=).", PersistenceWarning, stacklevel=3)
        loaded = _decode(header_bytes, members, signed, patterns)
    again, members_again = _encode(loaded)
    if again != header_bytes or members_again != members:
        raise PersistenceError(f"{type(estimator).__name__} does not survive a save / load round trip "
                               "unchanged; please report this as a bug of sknn.", "unsupported")


def _collect_patterns(header_bytes):
    found = []

    def walk(v):
        if isinstance(v, dict):
            for k, x in v.items():
                if k == "token_pattern" and isinstance(x, str):
                    found.append(x)
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)

    walk(json.loads(header_bytes))
    return sorted(set(found))


def load(path, key=None, *, trusted_patterns=()):
    """Load an estimator saved by :func:`save`; no pickle, no code from the file.

    Parameters
    ----------
    path : str, os.PathLike or binary file object
    key : bytes or str, optional
        The key the file was signed with. A signed file is refused without it,
        and a key is refused for an unsigned file (it could not be
        authenticated).
    trusted_patterns : iterable of str, default=()
        Regular expressions (``token_pattern``) you accept from this file
        besides sknn's known ones. A signed file may use any.

    Returns
    -------
    estimator
        Predicts exactly (bit for bit) what the saved estimator did. Optimizer
        state is not restored: ``warm_start`` and ``partial_fit`` restart it.

    Raises
    ------
    PersistenceError
        If the file is not a valid model file; its ``reason`` attribute says
        why (a key of :data:`REASONS`: ``"checksum"``, ``"signature"``,
        ``"range"``, ``"regex"``...).
    FileNotFoundError, OSError
        If the file cannot be read at all.
    """
    key = as_key(key)
    patterns = list(trusted_patterns)
    if not all(isinstance(p, str) for p in patterns):
        raise TypeError("trusted_patterns must be strings.")
    header_bytes, members, signed = read_container(path, key)
    return _decode(header_bytes, members, signed, patterns)
