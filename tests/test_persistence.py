"""sknn.save / sknn.load: exact round trips of every estimator, keys (HMAC), the API; pickle and joblib."""

import io
import pickle
import re
import warnings

import joblib
import numpy as np
import pytest
from persistence_models import (fit_quietly, fitted, pairs_data, public_estimators, repack, same_outputs, saved_bytes,
                                text_data, unpack)

import sknn
from sknn import MLPClassifier, MLPRegressor
from sknn import nn as L
from sknn.persistence import REASONS, PersistenceError, PersistenceWarning

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

RNG = np.random.default_rng(0)
X = RNG.normal(size=(60, 5))
Y_BIN = (X[:, 0] + X[:, 1] > 0).astype(int)
Y_MULTI = np.array(["cat", "dog", "eel"])[np.argmax(X[:, :3], axis=1)]
Y_LABEL = np.column_stack([X[:, 0] > 0, X[:, 1] > 0, X[:, 2] > 0]).astype(int)
Y_REG = X @ RNG.normal(size=5)
Y_MULTI_OUT = np.column_stack([Y_REG, X[:, 0] ** 2])
SMALL = dict(hidden_layer_sizes=(7, 5), max_iter=20, random_state=0)
PUBLIC = public_estimators()
KEY = b"0123456789abcdef0123456789abcdef"


def _roundtrip(est, key=None):
    return sknn.load(io.BytesIO(saved_bytes(est, key=key)), key=key)


def _params(est):
    return re.sub(r" at 0x[0-9A-Fa-f]+", "", repr(est.get_params()))  # RandomState's repr holds its address


def _assert_same(a, b, X):
    assert type(a) is type(b)
    assert _params(a) == _params(b)
    assert same_outputs(a, b, X)


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
    "schedule-object": (MLPClassifier(learning_rate=L.schedules.Cosine(eta_min=1e-4), **SMALL), X, Y_BIN),
    "random-state-object": (MLPClassifier(hidden_layer_sizes=(4,), max_iter=5,
                                          random_state=np.random.RandomState(3)), X, Y_BIN),
}


@pytest.mark.parametrize("case", list(CASES))
def test_mlp_roundtrip_exact(case):
    est, Xc, yc = CASES[case]
    est = fit_quietly(est, Xc, yc)
    loaded = _roundtrip(est)
    _assert_same(est, loaded, Xc)
    for name in ("classes_", "n_features_in_", "n_iter_", "loss_curve_", "out_activation_", "n_layers_"):
        if hasattr(est, name):
            assert repr(getattr(loaded, name)) == repr(getattr(est, name))
    for a, b in zip(est.coefs_, loaded.coefs_):
        assert a.dtype == b.dtype and np.array_equal(a, b)
    # derived on load: coefs_ are views of the network's weights again, classes_ the binarizer's
    assert loaded.coefs_[0] is loaded.network_.layers[0].params[0]
    assert loaded.classes_ is loaded._label_binarizer.classes_ if hasattr(est, "classes_") else True
    assert est.score(Xc, yc) == loaded.score(Xc, yc)


@pytest.mark.parametrize("cls", PUBLIC, ids=lambda c: c.__name__)
def test_every_estimator_save_load(cls):
    est, Xs = fitted(cls)
    loaded = _roundtrip(est)
    _assert_same(est, loaded, Xs)


def _variants():
    docs, yd = text_data()
    pairs, ratings = pairs_data()
    seqs = [RNG.normal(size=(int(n), 2)) for n in RNG.integers(3, 9, 30)]
    images = RNG.normal(size=(30, 6, 6, 1))
    ids = np.column_stack([RNG.integers(0, 9, 60), RNG.integers(100, 106, 60)]).astype(object)
    small = dict(max_iter=3, random_state=0)
    return {
        "autoencoder-tied": (sknn.AutoencoderTransformer(hidden_layer_sizes=(4, 2), tied_weights=True, **small),
                             X, None),
        "autoencoder-noise-bn": (sknn.AutoencoderTransformer(noise="masking", batch_norm=True, sparsity=0.01,
                                                             **small), X, None),
        "autoencoder-layers": (sknn.AutoencoderTransformer(layers=[L.Dense(3), L.Activation("tanh")], **small),
                               X, None),
        "neuralnet-layers": (sknn.NeuralNetClassifier(layers=[L.Dense(6), L.BatchNorm(), L.Activation("relu"),
                                                              L.Dropout(0.2)], dtype="float64", **small), X, Y_MULTI),
        "conv2d": (sknn.ConvNetClassifier(filters=(2,), hidden_layer_sizes=(4,), batch_norm=True, dropout=0.1,
                                          **small), images, np.arange(30) % 2),
        "neuralnet-conv1d": (sknn.NeuralNetRegressor(layers=[L.Reshape((6, 1)), L.Conv1D(2, 3), L.GlobalAvgPool()],
                                                    input_shape=(6,), **small), RNG.normal(size=(30, 6)), Y_REG[:30]),
        "rnn-bidirectional-gru": (sknn.RNNClassifier(cell="gru", units=3, bidirectional=True, n_layers=2, **small),
                                  seqs, np.arange(30) % 2),
        "rnn-seq2seq": (sknn.RNNRegressor(units=3, return_sequences=True, **small),
                        RNG.normal(size=(20, 5, 2)), RNG.normal(size=(20, 5))),
        "text-lstm-ngram": (sknn.TextClassifier("lstm", embedding_dim=4, units=3, ngram_range=(1, 2), **small),
                            docs, yd),
        "text-bilstm": (sknn.TextClassifier("bilstm", embedding_dim=4, units=3, **small), docs, yd),
        "text-conv-tokens": (sknn.TextClassifier("conv", embedding_dim=4, units=3, **small),
                             [[int(t) for t in RNG.integers(1, 30, 6)] for _ in range(40)], yd),
        "text-mean-bigrams-only": (sknn.TextClassifier(ngram_range=(2, 2), embedding_dim=4, **small), docs, yd),
        "recommender-implicit": (sknn.NeuralRecommender(feedback="implicit", n_factors=3, **small), pairs, None),
        "recommender-int-ids": (sknn.NeuralRecommender(n_factors=3, hidden_layer_sizes=(), **small), ids, ratings),
    }


VARIANTS = _variants()


@pytest.mark.parametrize("case", list(VARIANTS))
def test_variants_roundtrip(case):
    est, Xc, yc = VARIANTS[case]
    est = fit_quietly(est, Xc, yc) if yc is not None else fit_quietly(est, Xc)
    loaded = _roundtrip(est)
    _assert_same(est, loaded, Xc)


def test_tied_weights_stay_tied_after_load():
    est = fit_quietly(sknn.AutoencoderTransformer(hidden_layer_sizes=(4, 2), tied_weights=True, max_iter=3), X)
    loaded = _roundtrip(est)
    tied = [layer for layer in loaded.network_.layers if isinstance(layer, L.TiedDense)]
    assert tied and all(any(t.source is layer for layer in loaded.network_.layers) for t in tied)
    # encoder_ is derived again: the very layers of network_, not copies
    assert loaded.encoder_.layers[0] is loaded.network_.layers[0]
    loaded.partial_fit(X)  # training continues with the kernel shared
    assert np.shares_memory(tied[-1].kernel, loaded.network_.layers[0].params[0])


def test_same_model_same_bytes():
    est, _ = fitted(MLPClassifier)
    assert saved_bytes(est) == saved_bytes(est)


def test_header_records_versions():
    import scipy
    import sklearn

    header, _ = unpack(saved_bytes(fitted(MLPRegressor)[0]))
    assert header["format_version"] == 2
    assert header["versions"]["sknn"] == sknn.__version__
    assert header["versions"]["sklearn"] == sklearn.__version__ and header["versions"]["scipy"] == scipy.__version__


def test_unfitted_roundtrip():
    est = MLPClassifier(hidden_layer_sizes=(3, 2), alpha=0.5, verbose=2)
    loaded = _roundtrip(est)
    assert repr(loaded) == repr(est) and not hasattr(loaded, "network_")


def test_refit_and_partial_fit_after_load():
    est = fit_quietly(MLPClassifier(**SMALL), X, Y_MULTI)
    loaded = _roundtrip(est)
    loaded.partial_fit(X, Y_MULTI)  # optimizer restarts, the rest continues
    assert len(loaded.loss_curve_) == len(est.loss_curve_) + 1
    refit = fit_quietly(loaded, X, Y_MULTI)
    assert refit.score(X, Y_MULTI) == fit_quietly(MLPClassifier(**SMALL), X, Y_MULTI).score(X, Y_MULTI)


def test_callbacks_saved_as_none_with_warning():
    est = fit_quietly(MLPClassifier(callbacks=[lambda info: False], **SMALL), X, Y_BIN)
    with pytest.warns(PersistenceWarning, match="callbacks"):
        data = saved_bytes(est)
    loaded = sknn.load(io.BytesIO(data))
    assert loaded.callbacks is None
    assert same_outputs(est, loaded, X)


def test_paths_and_file_objects(tmp_path):
    est = fit_quietly(MLPRegressor(**SMALL), X, Y_REG)
    sknn.save(est, tmp_path / "m.sknn")
    assert same_outputs(est, sknn.load(tmp_path / "m.sknn"), X)
    sknn.save(est, str(tmp_path / "m.sknn"), key=KEY)  # replaced atomically, no temporary left
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.sknn"]
    with open(tmp_path / "m.sknn", "rb") as f:
        assert same_outputs(est, sknn.load(f, key=KEY), X)
    with pytest.raises(FileNotFoundError):
        sknn.load(tmp_path / "missing.sknn")


def test_save_refuses_unsupported_values_by_reason():
    est = fit_quietly(MLPClassifier(**SMALL), X, Y_BIN)
    est.extra_ = 1
    with pytest.raises(PersistenceError, match="extra_") as info:
        saved_bytes(est)
    assert info.value.reason == "attribute"
    del est.extra_
    est.set_params(class_weight={0: object()})
    with pytest.raises(PersistenceError, match="object") as info:
        saved_bytes(est)
    assert info.value.reason == "unsupported"
    est.set_params(class_weight=None)
    est.network_.layers[0].params[0][0, 0] = np.nan
    with pytest.raises(PersistenceError, match="NaN") as info:
        saved_bytes(est)
    assert info.value.reason == "non_finite"
    with pytest.raises(PersistenceError, match="saves estimators") as info:
        saved_bytes({"not": "an estimator"})
    assert info.value.reason == "unsupported"


def test_save_refuses_a_partly_fitted_estimator():
    est = fit_quietly(MLPClassifier(**SMALL), X, Y_BIN)
    del est._fit_state
    with pytest.raises(PersistenceError, match="partly fitted") as info:
        saved_bytes(est)
    assert info.value.reason == "attribute"


def test_every_reason_is_documented():
    import os

    with open(os.path.join(os.path.dirname(__file__), os.pardir, "docs", "persistence.rst")) as f:
        text = f.read()
    for reason in REASONS:
        assert f"``{reason}``" in text, reason


# -- keys: HMAC-SHA256 ---------------------------------------------------------------------------------
def test_signed_roundtrip_and_key_types():
    est, Xs = fitted(MLPClassifier)
    assert same_outputs(est, _roundtrip(est, key=KEY), Xs)
    assert same_outputs(est, _roundtrip(est, key="a text key, encoded as UTF-8"), Xs)
    with pytest.raises(ValueError, match="empty"):
        saved_bytes(est, key=b"")
    with pytest.raises(TypeError, match="key"):
        saved_bytes(est, key=1234)


def test_signed_file_refusals():
    est, _ = fitted(MLPClassifier)
    signed, plain = saved_bytes(est, key=KEY), saved_bytes(est)
    cases = [
        (signed, None, "key_required", "signed"),
        (plain, KEY, "unsigned", "not signed"),
        (signed, b"another key of at least 32 bytes....", "signature", "HMAC mismatch"),
        (repack(*unpack(signed), key=b"the attacker's own key.........."), KEY, "signature", "HMAC"),
    ]
    header, members = unpack(signed)
    header["estimator"]["params"]["alpha"] = 1.0
    cases.append((repack(header, members), KEY, "unsigned", "not signed"))  # re-packed without the key
    for data, key, reason, match in cases:
        with pytest.raises(PersistenceError, match=match) as info:
            sknn.load(io.BytesIO(data), key=key)
        assert info.value.reason == reason


def test_signed_file_detects_any_edit_of_its_content():
    est, _ = fitted(MLPRegressor)
    header, members = unpack(saved_bytes(est, key=KEY))
    header["estimator"]["params"]["alpha"] = 0.5  # a change no consistency check could see
    data = bytearray(saved_bytes(est, key=KEY))
    forged = repack(header, members, key=None)
    with pytest.raises(PersistenceError) as info:
        sknn.load(io.BytesIO(forged), key=KEY)
    assert info.value.reason == "unsigned"
    # the same edit inside the signed archive, with valid CRC and SHA-256 members: the HMAC still fails
    import json
    import zlib

    old = json.dumps(unpack(bytes(data))[0], separators=(",", ":")).encode()
    start = bytes(data).index(old)
    new = old.replace(b'"alpha":0.0001', b'"alpha":0.0005')
    assert len(new) == len(old)
    data[start : start + len(old)] = new
    crc = zlib.crc32(old).to_bytes(4, "little")
    for pos in [i for i in range(len(data) - 3) if bytes(data[i : i + 4]) == crc]:
        data[pos : pos + 4] = zlib.crc32(new).to_bytes(4, "little")
    with pytest.raises(PersistenceError) as info:
        sknn.load(io.BytesIO(bytes(data)), key=KEY)
    assert info.value.reason == "signature"


# -- no catch-all: a bug surfaces as itself, never as a refusal --------------------------------------------
def test_a_bug_in_the_loader_is_not_turned_into_a_refusal(monkeypatch):
    from sknn import _persistence_codec

    data = saved_bytes(fitted(MLPRegressor)[0])

    def broken(*args):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(_persistence_codec, "read_npy", broken)
    with pytest.raises(ZeroDivisionError):
        sknn.load(io.BytesIO(data))


# -- pickle and joblib still work ---------------------------------------------------------------------------
@pytest.mark.parametrize("cls", PUBLIC, ids=lambda c: c.__name__)
def test_every_estimator_pickle_and_joblib(cls, tmp_path):
    est, Xs = fitted(cls)
    assert same_outputs(est, pickle.loads(pickle.dumps(est)), Xs)
    joblib.dump(est, tmp_path / "m.joblib")
    assert same_outputs(est, joblib.load(tmp_path / "m.joblib"), Xs)
    assert repr(pickle.loads(pickle.dumps(cls()))) == repr(cls())


def test_dataframe_feature_names_and_random_state_objects():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    est = MLPClassifier(hidden_layer_sizes=(4,), max_iter=5, random_state=np.random.RandomState(0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(frame, Y_MULTI)
    loaded = _roundtrip(est)
    assert loaded.feature_names_in_.dtype == object
    np.testing.assert_array_equal(loaded.feature_names_in_, est.feature_names_in_)
    assert loaded.random_state.get_state()[1].tolist() == est.random_state.get_state()[1].tolist()
    assert same_outputs(est, loaded, frame)
    assert loaded._rng.random() == est._rng.random()  # the saved generator continues the same stream
