"""sknn.save / sknn.load: exact round trips, refusals, fuzzing; pickle and joblib."""

import functools
import inspect
import io
import json
import pickle
import warnings
import zipfile

import joblib
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.base import BaseEstimator, is_classifier, is_regressor
from sklearn.utils import get_tags

import sknn
from sknn import MLPClassifier, MLPRegressor
from sknn.persistence import (
    DIGEST_NAME,
    HEADER_NAME,
    PersistenceError,
    PersistenceWarning,
    _write_container,
)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

RNG = np.random.default_rng(0)
X = RNG.normal(size=(60, 5))
Y_BIN = (X[:, 0] + X[:, 1] > 0).astype(int)
Y_MULTI = np.array(["cat", "dog", "eel"])[np.argmax(X[:, :3], axis=1)]
Y_LABEL = np.column_stack([X[:, 0] > 0, X[:, 1] > 0, X[:, 2] > 0]).astype(int)
Y_REG = X @ RNG.normal(size=5)
Y_MULTI_OUT = np.column_stack([Y_REG, X[:, 0] ** 2])
SMALL = dict(hidden_layer_sizes=(7, 5), max_iter=20, random_state=0)


def _roundtrip(est, tmp_path):
    path = tmp_path / "model.sknn"
    sknn.save(est, path)
    return sknn.load(path)


def _outputs(est, X):
    out = {}
    for method in ("predict", "predict_proba", "predict_log_proba", "decision_function", "transform"):
        if hasattr(est, method):
            out[method] = getattr(est, method)(X)
    return out


def _assert_same_outputs(a, b, X):
    out_a, out_b = _outputs(a, X), _outputs(b, X)
    assert out_a.keys() == out_b.keys() and out_a
    for method in out_a:
        ya, yb = np.asarray(out_a[method]), np.asarray(out_b[method])
        assert ya.dtype == yb.dtype, method
        # bit for bit, not approximately
        assert ya.tobytes() == yb.tobytes() or np.array_equal(ya, yb), method


CASES = {
    "binary": (MLPClassifier(**SMALL), X, Y_BIN),
    "multiclass-str": (MLPClassifier(**SMALL), X, Y_MULTI),
    "multiclass-object": (MLPClassifier(**SMALL), X, Y_MULTI.astype(object)),
    "multilabel": (MLPClassifier(**SMALL), X, Y_LABEL),
    "regression": (MLPRegressor(**SMALL), X, Y_REG),
    "multi-output": (MLPRegressor(**SMALL), X, Y_MULTI_OUT),
    "float32": (MLPClassifier(**SMALL), X.astype(np.float32), Y_MULTI),
    "float32-reg": (MLPRegressor(**SMALL), X.astype(np.float32), Y_REG),
    "batch_norm+dropout": (MLPClassifier(batch_norm=True, dropout=[0.2, 0.1], **SMALL), X, Y_MULTI),
    "batch_norm-reg": (MLPRegressor(batch_norm=True, **SMALL), X, Y_MULTI_OUT),
    "early_stopping": (MLPClassifier(early_stopping=True, **SMALL), X, Y_BIN),
    "lbfgs": (MLPRegressor(solver="lbfgs", **SMALL), X, Y_REG),
    "poisson": (MLPRegressor(loss="poisson", **SMALL), X, np.abs(Y_REG)),
    "huber": (MLPRegressor(loss="huber", **SMALL), X, Y_REG),
    "per-layer-activation": (MLPClassifier(activation=["tanh", "gelu"], class_weight="balanced", **SMALL), X, Y_BIN),
    "class_weight-dict": (MLPClassifier(class_weight={0: 1.0, 1: np.float64(3.0)}, **SMALL), X, Y_BIN),
}


@pytest.mark.parametrize("case", list(CASES))
def test_mlp_roundtrip_exact(case, tmp_path):
    est, Xc, yc = CASES[case]
    est = est.fit(Xc, yc)
    loaded = _roundtrip(est, tmp_path)
    assert type(loaded) is type(est)
    assert repr(loaded.get_params()) == repr(est.get_params())
    _assert_same_outputs(est, loaded, Xc)
    for name in ("classes_", "n_features_in_", "n_iter_", "loss_curve_", "out_activation_", "n_layers_"):
        if hasattr(est, name):
            assert repr(getattr(loaded, name)) == repr(getattr(est, name))
    for a, b in zip(est.coefs_, loaded.coefs_):
        assert a.dtype == b.dtype and np.array_equal(a, b)
    # coefs_ stay views of the network's weights, as after fit
    assert loaded.coefs_[0] is loaded.network_.layers[0].params[0]
    assert est.score(Xc, yc) == loaded.score(Xc, yc)


def test_unfitted_roundtrip(tmp_path):
    est = MLPClassifier(hidden_layer_sizes=(3, 2), alpha=0.5, verbose=2)
    loaded = _roundtrip(est, tmp_path)
    assert repr(loaded) == repr(est)
    assert not hasattr(loaded, "network_")


def test_refit_and_partial_fit_after_load(tmp_path):
    est = MLPClassifier(**SMALL).fit(X, Y_MULTI)
    loaded = _roundtrip(est, tmp_path)
    loaded.partial_fit(X, Y_MULTI)  # optimizer restarts, the rest continues
    assert len(loaded.loss_curve_) == len(est.loss_curve_) + 1
    assert loaded.fit(X, Y_MULTI).score(X, Y_MULTI) == MLPClassifier(**SMALL).fit(X, Y_MULTI).score(X, Y_MULTI)


def test_callbacks_saved_as_none_with_warning(tmp_path):
    est = MLPClassifier(callbacks=[lambda info: False], **SMALL).fit(X, Y_BIN)
    with pytest.warns(PersistenceWarning, match="callbacks"):
        sknn.save(est, tmp_path / "m.sknn")
    loaded = sknn.load(tmp_path / "m.sknn")
    assert loaded.callbacks is None
    _assert_same_outputs(est, loaded, X)


def test_file_objects(tmp_path):
    est = MLPRegressor(**SMALL).fit(X, Y_REG)
    buf = io.BytesIO()
    sknn.save(est, buf)
    buf.seek(0)
    _assert_same_outputs(est, sknn.load(buf), X)


def test_save_refuses_unsupported_values(tmp_path):
    est = MLPClassifier(**SMALL).fit(X, Y_BIN)
    est.extra_ = object()
    with pytest.raises(PersistenceError, match="extra_"):
        sknn.save(est, tmp_path / "m.sknn")
    est.extra_ = np.array([1, "a"], dtype=object)
    with pytest.raises(PersistenceError, match="object array"):
        sknn.save(est, tmp_path / "m.sknn")
    from sklearn.linear_model import LinearRegression

    with pytest.raises(PersistenceError, match="sknn estimators only"):
        sknn.save(LinearRegression(), tmp_path / "m.sknn")


# -- refusals ------------------------------------------------------------------------
@functools.lru_cache(maxsize=None)
def _saved():
    est = MLPClassifier(hidden_layer_sizes=(4,), batch_norm=True, max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, Y_MULTI)
    buf = io.BytesIO()
    sknn.save(est, buf)
    return est, buf.getvalue()


def _members(data):
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        header = json.loads(zf.read(HEADER_NAME))
        arrays = [zf.read(name) for name in header["arrays"]]
    return header, arrays


def _resign(header, arrays):
    buf = io.BytesIO()
    _write_container(buf, json.dumps(header).encode(), arrays)
    return buf.getvalue()


def _load_bytes(data):
    return sknn.load(io.BytesIO(data))


def _network(header):
    return dict(header["state"])["network_"]


def test_valid_resigned_file_loads():
    est, data = _saved()
    _assert_same_outputs(est, _load_bytes(_resign(*_members(data))), X)


def test_refuses_not_a_zip_and_truncated(tmp_path):
    _, data = _saved()
    with pytest.raises(PersistenceError, match="zip"):
        _load_bytes(b"not a model at all")
    with pytest.raises(PersistenceError):
        _load_bytes(b"")
    for cut in (10, len(data) // 2, len(data) - 1):
        with pytest.raises(PersistenceError):
            _load_bytes(data[:cut])
    path = tmp_path / "pickle.pkl"
    path.write_bytes(pickle.dumps(_saved()[0]))
    with pytest.raises(PersistenceError):
        sknn.load(path)
    with pytest.raises(FileNotFoundError):
        sknn.load(tmp_path / "missing.sknn")


def test_refuses_tampered():
    _, data = _saved()
    header, arrays = _members(data)
    header["params"]["alpha"] = 1.0
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        digest = zf.read(DIGEST_NAME)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:  # valid zip, old checksum
        zf.writestr(HEADER_NAME, json.dumps(header))
        for i, a in enumerate(arrays):
            zf.writestr(f"arrays/{i}.npy", a)
        zf.writestr(DIGEST_NAME, digest)
    with pytest.raises(PersistenceError, match="compressed|Checksum"):
        _load_bytes(buf.getvalue())
    tampered = bytearray(arrays[0])
    tampered[-1] ^= 0xFF
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(HEADER_NAME, json.dumps(header))
        for i, a in enumerate([bytes(tampered)] + arrays[1:]):
            zf.writestr(f"arrays/{i}.npy", a)
        zf.writestr(DIGEST_NAME, digest)
    with pytest.raises(PersistenceError, match="Checksum"):
        _load_bytes(buf.getvalue())


@pytest.mark.parametrize(
    "field, value, match",
    [
        ("format_version", 2, "format version 2"),
        ("format_version", "1", "format version"),
        ("format", "other", "format name"),
        ("sknn_version", "99.0.0", "newer"),
        ("sknn_version", None, "version"),
        ("estimator", "os:system", "only classes of the sknn package"),
        ("estimator", "builtins:dict", "only classes of the sknn package"),
        ("estimator", "sknn.estimators.mlp:NoSuchModel", "Unknown class"),
        ("estimator", "sknn.nn.dense:Dense", "not an sknn estimator"),
        ("estimator", "sknn.persistence:load", "not an sknn class"),
        ("estimator", "sknn.estimators.mlp:MLPClassifier.__init__.__globals__", "Refusing"),
    ],
)
def test_refuses_header_fields(field, value, match):
    _, data = _saved()
    header, arrays = _members(data)
    header[field] = value
    with pytest.raises(PersistenceError, match=match):
        _load_bytes(_resign(header, arrays))


def test_refuses_unknown_classes_inside():
    _, data = _saved()
    header, arrays = _members(data)
    state = dict(header["state"])
    state["_loss_fn"]["__object__"] = "subprocess:Popen"
    header["state"] = list(state.items())
    with pytest.raises(PersistenceError, match="sknn package"):
        _load_bytes(_resign(header, arrays))
    header, arrays = _members(data)
    _network(header)["config"]["__dict__"][0][1][0]["__layer__"] = "sknn.nn.losses:LogLoss"
    with pytest.raises(PersistenceError, match="not an sknn.nn layer"):
        _load_bytes(_resign(header, arrays))


def test_refuses_shadowing_attribute():
    _, data = _saved()
    header, arrays = _members(data)
    header["state"].append(["predict", "boom"])
    with pytest.raises(PersistenceError, match="shadow"):
        _load_bytes(_resign(header, arrays))


def test_refuses_architecture_mismatch():
    _, data = _saved()
    header, arrays = _members(data)
    _network(header)["config"]["__dict__"][0][1][0]["config"]["__dict__"][0][1] = 5  # units 4 -> 5
    with pytest.raises(PersistenceError, match="architecture needs"):
        _load_bytes(_resign(header, arrays))
    header, arrays = _members(data)
    _network(header)["params"].pop()
    with pytest.raises(PersistenceError, match="parameters"):
        _load_bytes(_resign(header, arrays))
    header, arrays = _members(data)
    _network(header)["buffers"][0][0] = "0.running_mean"  # wrong layer index
    with pytest.raises(PersistenceError, match="missing or misnamed"):
        _load_bytes(_resign(header, arrays))
    header, arrays = _members(data)
    index = _network(header)["params"][0][1]
    buf = io.BytesIO()
    np.save(buf, np.load(io.BytesIO(arrays[index])).astype(np.float32))
    arrays[index] = buf.getvalue()
    with pytest.raises(PersistenceError, match="float32"):
        _load_bytes(_resign(header, arrays))


def test_refuses_object_arrays_and_bad_npy():
    _, data = _saved()
    header, arrays = _members(data)
    buf = io.BytesIO()
    np.save(buf, np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
    arrays[0] = buf.getvalue()
    with pytest.raises(PersistenceError, match="refused"):
        _load_bytes(_resign(header, arrays))
    header, arrays = _members(data)
    arrays[0] = arrays[0][:-8]  # declared shape larger than the data
    with pytest.raises(PersistenceError, match="does not match"):
        _load_bytes(_resign(header, arrays))
    header, arrays = _members(data)
    header["arrays"].append("../../etc/passwd")
    with pytest.raises(PersistenceError, match="array list"):
        _load_bytes(_resign(header, arrays))


# -- fuzzing ---------------------------------------------------------------------------
def _mutations(size):
    pos = st.integers(0, size - 1)
    return st.one_of(
        st.tuples(st.just("flip"), st.lists(st.tuples(pos, st.integers(1, 255)), min_size=1, max_size=4)),
        st.tuples(st.just("truncate"), st.integers(0, size - 1)),
        st.tuples(st.just("insert"), st.tuples(pos, st.binary(min_size=1, max_size=16))),
        st.tuples(st.just("delete"), st.tuples(pos, st.integers(1, 64))),
    )


def _mutate(data, mutation):
    kind, arg = mutation
    out = bytearray(data)
    if kind == "flip":
        for i, x in arg:
            out[i] ^= x
    elif kind == "truncate":
        del out[arg:]
    elif kind == "insert":
        out[arg[0] : arg[0]] = arg[1]
    else:
        del out[arg[0] : arg[0] + arg[1]]
    return bytes(out)


def _load_or_refuse(data):
    try:
        return _load_bytes(data)
    except PersistenceError:
        return None


@settings(max_examples=250, deadline=5000, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_fuzz_corrupted_file(data):
    est, valid = _saved()
    mutated = _mutate(valid, data.draw(_mutations(len(valid))))
    loaded = _load_or_refuse(mutated)
    if loaded is not None:  # bytes no check covers (zip timestamps...): same model
        _assert_same_outputs(est, loaded, X)


@settings(max_examples=250, deadline=5000, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_fuzz_resigned_header(data):
    # an attacker can recompute the checksum: the decoder itself must hold
    _, valid = _saved()
    header, arrays = _members(valid)
    text = json.dumps(header).encode()
    mutated = _mutate(text, data.draw(_mutations(len(text))))
    buf = io.BytesIO()
    _write_container(buf, mutated, arrays)
    _load_or_refuse(buf.getvalue())


@settings(max_examples=100, deadline=5000, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_fuzz_resigned_arrays(data):
    _, valid = _saved()
    header, arrays = _members(valid)
    i = data.draw(st.integers(0, len(arrays) - 1))
    arrays[i] = _mutate(arrays[i], data.draw(_mutations(len(arrays[i]))))
    _load_or_refuse(_resign(header, arrays))


# -- every public estimator --------------------------------------------------------------
def _public_estimators():
    names = sorted(set(getattr(sknn, "__all__", [])) | set(dir(sknn)))
    out = []
    for name in names:
        obj = getattr(sknn, name, None)
        if inspect.isclass(obj) and issubclass(obj, BaseEstimator) and not inspect.isabstract(obj):
            out.append(obj)
    return out


PUBLIC = _public_estimators()


def _is_mlp(cls):
    return cls.__module__ == "sknn.estimators.mlp"


def _text_data():
    words = ["apple", "banana", "cherry", "delta", "echo", "falcon", "grape", "harbor"]
    rng = np.random.default_rng(2)
    docs = [" ".join(rng.choice(words, size=int(rng.integers(2, 7)))) for _ in range(40)]
    return docs, np.array(["fruit" if ("apple" in d or "grape" in d) else "other" for d in docs])


def _pairs_data():
    rng = np.random.default_rng(3)
    users = np.array([f"u{i}" for i in rng.integers(0, 8, 60)], dtype=object)
    items = np.array([f"i{i}" for i in rng.integers(0, 6, 60)], dtype=object)
    X = np.column_stack([users, items])
    return X, rng.integers(1, 6, 60).astype(float)


def _fitted(cls):
    """Fit ``cls`` (defaults + small max_iter) on small data matching its input tags.

    Every public estimator must fit here: a new one needs its kind of data
    below, not a skip.
    """
    est = cls()
    params = est.get_params()
    est.set_params(**{k: v for k, v in {"max_iter": 5, "random_state": 0}.items() if k in params})
    tags = get_tags(est)
    rng = np.random.default_rng(1)
    if tags.input_tags.categorical and not tags.input_tags.two_d_array:
        Xs, y = _pairs_data()  # (user, item) pairs of labels
        args = (Xs, y)
    elif tags.input_tags.string and not tags.input_tags.two_d_array:
        Xs, y = _text_data()  # raw documents
        args = (Xs, y)
    else:
        Xs = rng.normal(size=(40, 6))
        if is_classifier(est):
            args = (Xs, np.arange(40) % 3)
        elif is_regressor(est):
            args = (Xs, Xs[:, 0] - Xs[:, 1])
        else:
            args = (Xs,)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(*args)
    return est, Xs


def test_public_estimators_found():
    assert MLPClassifier in PUBLIC and MLPRegressor in PUBLIC


@pytest.mark.parametrize("cls", PUBLIC, ids=lambda c: c.__name__)
def test_every_estimator_save_load(cls, tmp_path):
    est, Xs = _fitted(cls)
    loaded = _roundtrip(est, tmp_path)
    assert type(loaded) is cls
    _assert_same_outputs(est, loaded, Xs)


@pytest.mark.parametrize("cls", PUBLIC, ids=lambda c: c.__name__)
def test_every_estimator_pickle_and_joblib(cls, tmp_path):
    est, Xs = _fitted(cls)
    _assert_same_outputs(est, pickle.loads(pickle.dumps(est)), Xs)
    joblib.dump(est, tmp_path / "m.joblib")
    _assert_same_outputs(est, joblib.load(tmp_path / "m.joblib"), Xs)
    sknn_unfitted = pickle.loads(pickle.dumps(cls()))
    assert repr(sknn_unfitted) == repr(cls())


def test_dataframe_feature_names_and_random_state_objects(tmp_path):
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    est = MLPClassifier(hidden_layer_sizes=(4,), max_iter=5, random_state=np.random.RandomState(0))
    est.fit(frame, Y_MULTI)
    loaded = _roundtrip(est, tmp_path)
    assert loaded.feature_names_in_.dtype == object
    np.testing.assert_array_equal(loaded.feature_names_in_, est.feature_names_in_)
    assert loaded.random_state.get_state()[1].tolist() == est.random_state.get_state()[1].tolist()
    _assert_same_outputs(est, loaded, frame)
    # the saved generator continues the same stream
    assert loaded._rng.random() == est._rng.random()


@pytest.mark.parametrize(
    "path",
    ["sknn.__init__:MLPClassifier", "sknn.estimators.__main__:X", "os:system", "sknnx.mod:Cls", "sknn:__class__"],
)
def test_class_references_outside_sknn_or_dunder_are_refused(path):
    from sknn._persistence_codec import _resolve_class

    with pytest.raises(PersistenceError):
        _resolve_class(path, "object")


def test_private_sknn_modules_are_allowed_and_sparse_state_round_trips(tmp_path):
    from sknn._persistence_codec import _resolve_class
    from sknn.estimators._vocab import Vocabulary

    assert _resolve_class("sknn.estimators._vocab:Vocabulary", "object") is Vocabulary
    est, Xs = _fitted(sknn.NeuralRecommender)  # keeps a CSR matrix of the seen pairs
    loaded = _roundtrip(est, tmp_path)
    assert (loaded._seen != est._seen).nnz == 0
