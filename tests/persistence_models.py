"""Small fitted models of every kind sknn.save accepts, shared by the persistence tests and the fuzz runner."""

import inspect
import io
import warnings

import numpy as np
from sklearn.base import BaseEstimator, is_classifier, is_regressor
from sklearn.utils import get_tags

import sknn


def public_estimators():
    """Every public sknn estimator class (found by introspection, so a new one is covered)."""
    out = []
    for name in sorted(set(sknn.__all__) | set(dir(sknn))):
        obj = getattr(sknn, name, None)
        if inspect.isclass(obj) and issubclass(obj, BaseEstimator) and not inspect.isabstract(obj):
            out.append(obj)
    return out


def text_data(n=40):
    words = ["apple", "banana", "cherry", "delta", "echo", "falcon", "grape", "harbor"]
    rng = np.random.default_rng(2)
    docs = [" ".join(rng.choice(words, size=int(rng.integers(2, 7)))) for _ in range(n)]
    return docs, np.array(["fruit" if ("apple" in d or "grape" in d) else "other" for d in docs])


def pairs_data(n=60):
    rng = np.random.default_rng(3)
    users = np.array([f"u{i}" for i in rng.integers(0, 8, n)], dtype=object)
    items = np.array([f"i{i}" for i in rng.integers(0, 6, n)], dtype=object)
    return np.column_stack([users, items]), rng.integers(1, 6, n).astype(float)


def fit_quietly(est, *args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return est.fit(*args)


def fitted(cls, **params):
    """Fit ``cls`` (small max_iter) on small data matching its input tags; returns (estimator, X)."""
    est = cls()
    defaults = est.get_params()
    est.set_params(**{k: v for k, v in {"max_iter": 5, "random_state": 0}.items() if k in defaults}, **params)
    tags = get_tags(est)
    rng = np.random.default_rng(1)
    if tags.input_tags.categorical and not tags.input_tags.two_d_array:
        X, y = pairs_data()
        args = (X, y)
    elif tags.input_tags.string and not tags.input_tags.two_d_array:
        X, y = text_data()
        args = (X, y)
    else:
        X = rng.normal(size=(40, 6))
        if is_classifier(est):
            args = (X, np.arange(40) % 3)
        elif is_regressor(est):
            args = (X, X[:, 0] - X[:, 1])
        else:
            args = (X,)
    return fit_quietly(est, *args), X


def outputs(est, X):
    """Every prediction-like method's output on X."""
    out = {}
    for method in ("predict", "predict_proba", "predict_log_proba", "decision_function", "transform"):
        if hasattr(est, method):
            out[method] = getattr(est, method)(X)
    if hasattr(est, "recommend"):
        out["recommend"] = np.array(["|".join(map(str, r)) for r in est.recommend(list(est.users_[:3]), n=3)])
    return out


def same_outputs(a, b, X):
    """Whether two estimators give the same outputs, bit for bit, with the same dtypes."""
    out_a, out_b = outputs(a, X), outputs(b, X)
    if out_a.keys() != out_b.keys() or not out_a:
        return False
    for method in out_a:
        ya, yb = out_a[method], out_b[method]
        if hasattr(ya, "toarray"):
            ya, yb = ya.toarray(), yb.toarray()
        ya, yb = np.asarray(ya), np.asarray(yb)
        if ya.dtype != yb.dtype or ya.shape != yb.shape:
            return False
        if ya.dtype.kind in "fc" and ya.tobytes() != yb.tobytes():
            return False
        if ya.dtype.kind not in "fc" and not np.array_equal(ya, yb):
            return False
    return True


def saved_bytes(est, key=None):
    buf = io.BytesIO()
    sknn.save(est, buf, key=key)
    return buf.getvalue()


# -- taking files apart and putting them back together (a recomputed checksum, as an attacker would) --
def unpack(data):
    """(header dict, list of array member bytes) of a model file."""
    import json
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        header = json.loads(zf.read("sknn.json"))
        n = sum(1 for name in zf.namelist() if name.startswith("arrays/"))
        members = [zf.read(f"arrays/{i}.npy") for i in range(n)]
    return header, members


def repack(header, members, key=None, raw_header=None):
    """A valid archive with a recomputed SHA-256 (or HMAC with ``key``) around any header and members."""
    import json

    from sknn._persistence_zip import write_container

    buf = io.BytesIO()
    body = raw_header if raw_header is not None else json.dumps(header).encode()
    write_container(buf, body, members, key=key)
    return buf.getvalue()


def npy(arr, allow_pickle=False):
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=allow_pickle)
    return buf.getvalue()


def estimator_bodies(value, path="estimator"):
    """Every encoded estimator in a header value, with its path, depth first."""
    found = []
    if isinstance(value, dict):
        if "__estimator__" in value:
            found.append((path, value))
        for k, v in value.items():
            found.extend(estimator_bodies(v, f"{path}.{k}"))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found.extend(estimator_bodies(v, f"{path}[{i}]"))
    return found


def array_refs(value, path=""):
    """(path, container, key) of every plain array reference in a header value."""
    found = []
    if isinstance(value, dict):
        for k, v in value.items():
            if k == "__ndarray__" and isinstance(v, int):
                found.append((path, value, k))
            else:
                found.extend(array_refs(v, f"{path}.{k}"))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            if isinstance(v, list) and len(v) == 2 and isinstance(v[0], str) and isinstance(v[1], int) \
                    and path.endswith(("params", "buffers")):
                found.append((f"{path}[{v[0]}]", v, 1))
            else:
                found.extend(array_refs(v, f"{path}[{i}]"))
    return found
