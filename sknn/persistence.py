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
import inspect
import io
import json
import os
import re
import warnings
import zipfile

import numpy as np

from ._persistence_codec import (
    PersistenceError,
    PersistenceWarning,
    _class_path,
    _Decoder,
    _Encoder,
    _expect,
    _is_attr_name,
    _is_layer_list,
    _read_npy,
    _resolve_class,
)

__all__ = ["save", "load", "PersistenceError", "PersistenceWarning", "FORMAT_VERSION"]

FORMAT_NAME = "sknn-model"
FORMAT_VERSION = 1
HEADER_NAME = "sknn.json"
DIGEST_NAME = "sknn.sha256"
MAX_HEADER_BYTES = 8 * 1024 * 1024
MAX_MEMBERS = 100_000


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
