"""Families of edits to model files, for the crafted fuzz cases: each breaks one rule and names its reason.

Every family is ``name -> (edit, reason)``: ``edit(header, members)`` changes a
decoded file in place (the header as JSON, the array members as ``.npy`` bytes);
``reason`` is what ``sknn.load`` must refuse the re-checksummed result for.
"""

import io
import struct

import numpy as np
from persistence_models import array_refs, estimator_bodies, npy

HOSTILE_PATTERNS = [r"(\w+\s?)+$", r"(a+)+b", r"(a|aa)+$", r"([a-z]+)*x", r"\w+x", r"(?:\S+\s*)*!", r"(.*)*y"]


# -- editing helpers ----------------------------------------------------------------------------------------
def _body(header, name):
    """The first encoded estimator of class ``name``, a fitted one if there is one."""
    bodies = [body for _, body in estimator_bodies(header["estimator"])
              if body["__estimator__"] == name or body["__estimator__"].endswith("." + name)]
    return next((b for b in bodies if "state" in b), bodies[0])


def _sknn_body(header):
    """The (first) fitted sknn estimator of a file: the model itself, or a pipeline's last step."""
    for _, body in estimator_bodies(header["estimator"]):
        if not body["__estimator__"].startswith("sklearn.") and "state" in body:
            return body
    raise LookupError("no sknn estimator")


def _array(members, index):
    return np.load(io.BytesIO(members[index]))


def _network(header):
    return _sknn_body(header)["state"]["network_"]


def _layers(header):
    return _network(header)["config"]["layers"]


def _first(header, layer_name):
    return next(layer for layer in _layers(header) if layer.get("__layer__") == layer_name)


def _nest(depth):
    value = 0
    for _ in range(depth):
        value = [value]
    return value

# -- file-level families: any model --------------------------------------------------------------------------
def generic_families(header, members):
    """name -> (edit, reason): rules every file obeys, whatever the model."""
    top = header["estimator"]

    def T(h):
        return h["estimator"]

    fams = {
        "format-version-1": (lambda h, m: h.update(format_version=1), "format"),
        "format-version-3": (lambda h, m: h.update(format_version=3), "format"),
        "format-name": (lambda h, m: h.update(format="pickle"), "format"),
        "sknn-newer": (lambda h, m: h["versions"].update(sknn="99.0.0"), "version"),
        "header-extra-key": (lambda h, m: h.update(evil=1), "malformed"),
        "class-os-system": (lambda h, m: T(h).update(__estimator__="os.system"), "class"),
        "class-sklearn-not-allowed": (lambda h, m: T(h).update(__estimator__="sklearn.linear_model.LogisticRegression"),
                                      "class"),
        "class-dunder": (lambda h, m: T(h).update(__estimator__="MLPClassifier.__init__.__globals__"), "class"),
        "param-unknown": (lambda h, m: T(h)["params"].update(evil=1), "parameter"),
        "param-missing": (lambda h, m: T(h)["params"].pop(next(iter(T(h)["params"]))), "parameter"),
        "param-depth-bomb": (lambda h, m: T(h)["params"].update({next(iter(T(h)["params"])): _nest(200)}), "malformed"),
        "param-unknown-tag": (lambda h, m: T(h)["params"].update({next(iter(T(h)["params"])): {"__pickle__": "x"}}),
                              "malformed"),
        "array-unused": (lambda h, m: m.append(npy(np.zeros(3))), "malformed"),
    }
    if "state" in top:
        first = next(iter(top["state"]))
        fams.update({
            "attr-predict-block": (lambda h, m: T(h)["state"].update(_predict_block=10**7), "attribute"),
            "attr-shadow-method": (lambda h, m: T(h)["state"].update(predict=1), "attribute"),
            "attr-missing": (lambda h, m: T(h)["state"].pop(first), "attribute"),
            "attr-derived-bogus": (lambda h, m: T(h)["derived"].append("_predict_block"), "attribute"),
            "attr-state-not-dict": (lambda h, m: T(h).update(state=[]), "malformed"),
        })
        if top["derived"]:
            fams["attr-derived-as-stored"] = (lambda h, m: T(h)["state"].update({T(h)["derived"][0]: 1}), "attribute")
            fams["attr-derived-dropped"] = (lambda h, m: T(h)["derived"].pop(), "inconsistent")
    if members:
        fams.update({
            "npy-object-pickle": (lambda h, m: m.__setitem__(0, npy(np.array([{}, None], dtype=object), True)), "npy"),
            "npy-big-endian": (lambda h, m: m.__setitem__(0, npy(np.zeros(2, ">f8"))), "npy"),
            "npy-structured": (lambda h, m: m.__setitem__(0, npy(np.zeros(2, "i4,f8"))), "npy"),
            "npy-datetime": (lambda h, m: m.__setitem__(0, npy(np.zeros(2, "M8[s]"))), "npy"),
            "npy-truncated": (lambda h, m: m.__setitem__(0, m[0][:-1]), "npy"),
            "npy-shape-lie": (lambda h, m: m.__setitem__(0, _claim_shape(m[0], (10**12,))), "npy"),
            "npy-bad-magic": (lambda h, m: m.__setitem__(0, b"\x93NUMPX" + m[0][6:]), "npy"),
            "npy-header-code": (lambda h, m: m.__setitem__(0, _npy_header(m[0], b"{'descr': __import__('os')}")),
                                "npy"),
            "array-ref-twice": (lambda h, m: _retarget_array(h, None), "malformed"),
            "array-ref-out-of-range": (lambda h, m: _retarget_array(h, 10**6), "malformed"),
        })
    return fams


def _npy_header(member, text):
    text = text + b" " * (118 - len(text)) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text + member[128:]


def _claim_shape(member, shape):
    arr = np.load(io.BytesIO(member))
    text = repr({"descr": arr.dtype.str, "fortran_order": False, "shape": shape}).encode()
    return _npy_header(member, text)


def _retarget_array(header, index):
    refs = array_refs(header["estimator"])
    (a, ka), (b, kb) = (refs[0][1], refs[0][2]), (refs[1][1], refs[1][2])
    b[kb] = a[ka] if index is None else index


# -- model families: networks, heads, vocabularies, id maps ----------------------------------------------------
def _param_index(header, which=0):
    return _network(header)["params"][which][1]


def _set_param(header, members, which, fn):
    i = _param_index(header, which)
    members[i] = npy(fn(_array(members, i)))


def _dense_config(header):
    return next(layer for layer in _layers(header) if layer["__layer__"] in ("Dense", "Conv1D", "Conv2D", "LSTM",
                                                                             "GRU", "Embedding", "NeuMF"))["config"]


def _size_key(config):
    return next(k for k in ("units", "filters", "output_dim", "n_factors") if k in config)


def network_families(header, members):
    net = _network(header)
    fams = {
        "net-nan-weight": (lambda h, m: _set_param(h, m, 0, lambda a: np.full_like(a, np.nan)), "non_finite"),
        "net-inf-weight": (lambda h, m: _set_param(h, m, -1, lambda a: a + np.inf), "non_finite"),
        "net-weight-dtype": (lambda h, m: _set_param(h, m, 0, lambda a: a.astype(np.float16)), "type"),
        "net-weight-int": (lambda h, m: _set_param(h, m, 0, lambda a: a.astype(np.int64)), "type"),
        "net-weight-transposed": (lambda h, m: _set_param(h, m, 0, lambda a: np.ascontiguousarray(a.reshape(-1)[::-1])),
                                  "shape"),
        "net-param-dropped": (lambda h, m: _network(h)["params"].pop(), "shape"),
        "net-param-renamed": (lambda h, m: _network(h)["params"][0].__setitem__(0, "0.evil"), "inconsistent"),
        "net-param-extra": (lambda h, m: _network(h)["params"].append(["9.kernel", len(m)])
                            or m.append(npy(np.zeros(2))), "shape"),
        "net-huge-units": (lambda h, m: _dense_config(h).update({_size_key(_dense_config(h)): 10**6}), "too_large"),
        "net-huge-units-zeros": (lambda h, m: _dense_config(h).update({_size_key(_dense_config(h)): 10**6,
                                                                      "kernel_initializer": "zeros"})
                                 if "kernel_initializer" in _dense_config(h) else _dense_config(h).update(
                                     {_size_key(_dense_config(h)): 10**6}), "too_large"),
        "net-zero-units": (lambda h, m: _dense_config(h).update({_size_key(_dense_config(h)): 0}), "range"),
        "net-negative-units": (lambda h, m: _dense_config(h).update({_size_key(_dense_config(h)): -7}), "range"),
        "net-float-units": (lambda h, m: _dense_config(h).update({_size_key(_dense_config(h)): 2.5}), "type"),
        "net-huge-input": (lambda h, m: _network(h)["build"].update(input_shape=[2**21, 2**21]), "too_large"),
        "net-input-grows": (lambda h, m: _network(h)["build"].update(
            input_shape=[d * 2**22 for d in _network(h)["build"]["input_shape"]]), "too_large"),
        "net-zero-input": (lambda h, m: _network(h)["build"].update(input_shape=[0]), "shape"),
        "net-dtype-f16": (lambda h, m: _network(h)["build"].update(dtype="<f2"), "type"),
        "net-layer-class-loss": (lambda h, m: _layers(h)[0].update(__layer__="LogLoss"), "class"),
        "net-layer-class-foreign": (lambda h, m: _layers(h)[0].update(__layer__="subprocess.Popen"), "class"),
        "net-layer-config-extra": (lambda h, m: _layers(h)[0]["config"].update(evil=1), "malformed"),
        "net-layer-config-missing": (lambda h, m: _layers(h)[0]["config"].popitem(), "malformed"),
        "net-layer-dropped": (lambda h, m: _layers(h).pop(), "shape"),
        "net-layer-ref-dangling": (lambda h, m: _layers(h).append({"__layer_ref__": 99}), "malformed"),
        "net-nested-weights": (lambda h, m: _layers(h)[0].update(build=net["build"], params=[], buffers=[]),
                               "malformed"),
        "net-activation-unknown": (lambda h, m: _layers(h).insert(1, {"__layer__": "Activation", "config": {
            "name": "__import__('os').system", "alpha": None}}), "parameter"),
        "net-long-string": (lambda h, m: _layers(h).insert(1, {"__layer__": "Activation", "config": {
            "name": "x" * 10_000, "alpha": None}}), "range"),
        "net-not-a-network": (lambda h, m: _sknn_body(h)["state"].update(network_={"__layer__": "Dropout", "config": {
            "rate": 0.5}}), "type"),
        "net-loss-as-layer": (lambda h, m: _sknn_body(h)["state"].update(network_={"__loss__": "Dense", "config": {}}),
                              "class"),
        "fit-state-optimizer": (lambda h, m: _sknn_body(h)["state"]["_fit_state"]["__fit_state__"].update(
            optimizer="adam"), "malformed"),
        "fit-state-field": (lambda h, m: _sknn_body(h)["state"]["_fit_state"]["__fit_state__"].update(evil=1),
                            "malformed"),
        "rng-unknown": (lambda h, m: _sknn_body(h)["state"]["_rng"]["__generator__"]["__dict__"][0].__setitem__(
            1, "os"), "class"),
        "rng-bad-state": (lambda h, m: _sknn_body(h)["state"]["_rng"]["__generator__"]["__dict__"][1].__setitem__(
            1, {"__dict__": [["state", -1]]}), "malformed"),
    }
    if any(name.endswith("running_var") for name, _ in net["buffers"]):
        k = next(i for i, (name, _) in enumerate(net["buffers"]) if name.endswith("running_var"))
        fams["net-negative-variance"] = (
            lambda h, m: m.__setitem__(_network(h)["buffers"][k][1],
                                       npy(-np.ones_like(_array(m, _network(h)["buffers"][k][1])))), "range")
        fams["net-buffer-dropped"] = (lambda h, m: _network(h)["buffers"].pop(), "shape")
    return fams


def sknn_state(header):
    return _sknn_body(header)["state"]


def _lb(header):
    return sknn_state(header)["_label_binarizer"]["__label_binarizer__"]


def classifier_families(header, members):
    classes_ref = _lb(header)["classes_"]
    fams = {
        "clf-y-type": (lambda h, m: _lb(h).update(y_type_="continuous"), "range"),
        "clf-neg-label": (lambda h, m: _lb(h).update(neg_label=-1), "range"),
        "clf-lb-extra": (lambda h, m: _lb(h).update(evil=1), "malformed"),
        "clf-out-activation": (lambda h, m: sknn_state(h).update(out_activation_="relu"), "range"),
        "clf-loss-regression": (lambda h, m: sknn_state(h).update(_loss_fn={"__loss__": "SquaredError", "config": {}}),
                                "type"),
        "clf-loss-huber-nan": (lambda h, m: sknn_state(h).update(_loss_fn={"__loss__": "Huber", "config": {
            "delta": {"__float__": "nan"}}}), "parameter"),
        "clf-label-columns": (lambda h, m: sknn_state(h).update(_n_label_columns=7), "inconsistent"),
    }
    if "__ndarray__" in classes_ref:
        i = classes_ref["__ndarray__"]
        fams.update({
            "clf-classes-duplicate": (lambda h, m: m.__setitem__(i, npy(np.repeat(_array(m, i)[:1],
                                                                                  len(_array(m, i))))), "inconsistent"),
            "clf-classes-unsorted": (lambda h, m: m.__setitem__(i, npy(_array(m, i)[::-1].copy())), "inconsistent"),
            "clf-classes-one": (lambda h, m: m.__setitem__(i, npy(_array(m, i)[:1].copy())), "range"),
            "clf-classes-extra": (lambda h, m: m.__setitem__(i, npy(np.arange(len(_array(m, i)) + 5))), "inconsistent"),
            "clf-classes-2d": (lambda h, m: m.__setitem__(i, npy(_array(m, i)[None, :])), "shape"),
            "clf-classes-nan": (lambda h, m: m.__setitem__(i, npy(np.array([0.0, np.nan] + [1.0] * (
                len(_array(m, i)) - 2)))), "inconsistent"),
        })
    return fams


def _vocab(header):
    return sknn_state(header)["_vocab"]["__vocabulary__"]


def _vocab_values(header):
    return _vocab(header)["vocabulary_"]["__mapping__"]["values"]


def text_families(header, members):
    def ids(fn):
        return lambda h, m: m.__setitem__(_vocab_values(h), npy(fn(_array(m, _vocab_values(h)))))

    fams = {
        "text-id-huge": (ids(lambda a: np.where(a == a.max(), 10**6, a)), "range"),
        "text-id-negative": (ids(lambda a: np.where(a == a.min(), -5, a)), "range"),
        "text-id-pad": (ids(lambda a: np.where(a == a.min(), 0, a)), "range"),
        "text-id-duplicate": (ids(lambda a: np.where(a == a.max(), a.min(), a)), "inconsistent"),
        "text-id-float": (ids(lambda a: a.astype(np.float64)), "type"),
        "text-size-small": (lambda h, m: _vocab(h).update(size_=3), "range"),
        "text-size-huge": (lambda h, m: _vocab(h).update(size_=2**40), "range"),
        "text-kind": (lambda h, m: _vocab(h).update(kind="pickle"), "range"),
        "text-kind-tokens": (lambda h, m: _vocab(h).update(kind="tokens"), "type"),
        "text-ngram-huge": (lambda h, m: _vocab(h).update(ngram_range={"__tuple__": [1, 1000]}), "too_large"),
        "text-ngram-list": (lambda h, m: _vocab(h).update(ngram_range=[1, 1]), "type"),
        "text-lowercase": (lambda h, m: _vocab(h).update(lowercase="yes"), "type"),
        "text-vocab-extra": (lambda h, m: _vocab(h).update(evil=1), "malformed"),
        "text-max-len": (lambda h, m: sknn_state(h).update(max_len_=0), "range"),
        "text-input-kind": (lambda h, m: sknn_state(h).update(input_kind_="tokens"), "inconsistent"),
        "text-encoder-param": (lambda h, m: _sknn_body(h)["params"].update(
            encoder="lstm" if _sknn_body(h)["params"]["encoder"] == "mean" else "mean"), "inconsistent"),
        "text-encoder-layers": (lambda h, m: sknn_state(h).update(_n_encoder_layers=50), "inconsistent"),
        "text-param-ngram": (lambda h, m: _sknn_body(h)["params"].update(ngram_range={"__tuple__": [1, 99]}),
                             "too_large"),
    }
    for k, pattern in enumerate(HOSTILE_PATTERNS):
        fams[f"text-regex-{k}"] = (lambda h, m, p=pattern: _vocab(h).update(token_pattern=p), "regex")
        fams[f"text-regex-param-{k}"] = (lambda h, m, p=pattern: _sknn_body(h)["params"].update(token_pattern=p),
                                         "regex")
    fams["text-regex-invalid"] = (lambda h, m: _vocab(h).update(token_pattern="("), "regex")
    fams["text-regex-not-str"] = (lambda h, m: _vocab(h).update(token_pattern=7), "type")
    return fams


def _csr(header):
    return sknn_state(header)["_seen"]["__csr__"]


def recommender_families(header, members):
    def seen(part, fn):
        return lambda h, m: m.__setitem__(_csr(h)[part], npy(fn(_array(m, _csr(h)[part]))))

    users = sknn_state(header)["users_"]["__objarray__"]
    n_users = sknn_state(header)["users_"]["shape"][0]
    return {
        "rec-seen-index-huge": (seen("indices", lambda a: np.where(a == a.max(), 10**6, a)), "range"),
        "rec-seen-index-negative": (seen("indices", lambda a: np.where(a == a.max(), -1, a)), "range"),
        "rec-seen-indptr": (seen("indptr", lambda a: a[::-1].copy()), "inconsistent"),
        "rec-seen-data-float": (seen("data", lambda a: a.astype(np.float64)), "inconsistent"),
        "rec-seen-shape": (lambda h, m: _csr(h).update(shape=[3, 3]), "inconsistent"),
        "rec-users-duplicate": (lambda h, m: sknn_state(h).update(users_={"__objarray__": {"items": ["u1"] * n_users},
                                                                     "shape": [n_users]}), "inconsistent"),
        "rec-users-offsets": (lambda h, m: m.__setitem__(users["offsets"], npy(
            _array(m, users["offsets"])[::-1].copy())), "malformed"),
        "rec-users-object": (lambda h, m: sknn_state(h).update(users_={"__objarray__": {"items": [[1]] * 8},
                                                                       "shape": [8]}),
                             "type"),
        "rec-n-users": (lambda h, m: _layers(h)[0]["config"].update(n_users=_layers(h)[0]["config"]["n_users"] + 1),
                        "shape"),
        "rec-global-mean": (lambda h, m: sknn_state(h).update(global_mean_={"__float__": "nan"}), "non_finite"),
        "rec-feedback": (lambda h, m: _sknn_body(h)["params"].update(feedback="implicit"), "inconsistent"),
    }


def other_sknn_families(header, members):
    state = sknn_state(header)
    fams = {}
    if "_code_index" in state:
        fams["ae-code-index-0"] = (lambda h, m: sknn_state(h).update(_code_index=0), "range")
        fams["ae-code-index-far"] = (lambda h, m: sknn_state(h).update(_code_index=999), "inconsistent")
        fams["ae-loss"] = (lambda h, m: sknn_state(h).update(_loss_fn={"__loss__": "Poisson", "config": {}}), "type")
    if "_seq_outputs" in state:
        fams["rnn-seq-outputs"] = (lambda h, m: sknn_state(h).update(_seq_outputs=0), "range")
        fams["rnn-seq-half"] = (lambda h, m: sknn_state(h).update(_seq_outputs=2), "inconsistent")
    if "input_shape_" in state:
        fams["shape-input"] = (lambda h, m: sknn_state(h).update(input_shape_={"__tuple__": [7, 7]}), "inconsistent")
    if "n_features_in_" in state:
        fams["n-features-negative"] = (lambda h, m: sknn_state(h).update(n_features_in_=-3), "range")
        fams["n-features-str"] = (lambda h, m: sknn_state(h).update(n_features_in_="6"), "type")
    return fams


def sklearn_families(header, members):
    """Families of the scikit-learn steps the file holds."""
    names = {body["__estimator__"].rsplit(".", 1)[-1] for _, body in estimator_bodies(header["estimator"])}
    fams = {"sk-version-minor": (lambda h, m: h["versions"].update(sklearn="1.5.2"), "version"),
            "sk-version-major": (lambda h, m: h["versions"].update(sklearn="0.24.0"), "version")}

    def state(name):
        return lambda h: _body(h, name)["state"]

    def arr(name, attr, fn):
        return lambda h, m: m.__setitem__(state(name)(h)[attr]["__ndarray__"], npy(fn(_array(
            m, state(name)(h)[attr]["__ndarray__"]))))

    if "Pipeline" in names:
        fams["sk-pipeline-memory"] = (lambda h, m: _body(h, "Pipeline")["params"].update(memory="/tmp/cache"),
                                      "parameter")
        fams["sk-pipeline-state"] = (lambda h, m: _body(h, "Pipeline").update(state={"steps_": 1}, derived=[]),
                                     "attribute")
    if "StandardScaler" in names:
        fams["sk-scaler-nan"] = (arr("StandardScaler", "scale_", lambda a: a * np.nan), "non_finite")
        fams["sk-scaler-length"] = (arr("StandardScaler", "mean_", lambda a: np.append(a, 1.0)), "shape")
        fams["sk-scaler-int"] = (arr("StandardScaler", "var_", lambda a: a.astype(np.int64)), "type")
    if "PolynomialFeatures" in names:
        fams["sk-poly-outputs"] = (lambda h, m: state("PolynomialFeatures")(h).update(n_output_features_=10**9,
                                                                                     _n_out_full=10**9), "inconsistent")
        fams["sk-poly-degree"] = (lambda h, m: _body(h, "PolynomialFeatures")["params"].update(degree=60) or state(
            "PolynomialFeatures")(h).update(_max_degree=60), "inconsistent")
    if "PCA" in names:
        fams["sk-pca-components"] = (arr("PCA", "components_", lambda a: a[:, :-1].copy()), "shape")
        fams["sk-pca-n-components"] = (lambda h, m: state("PCA")(h).update(n_components_=99), "shape")
    if "OneHotEncoder" in names:
        fams["sk-onehot-outs"] = (lambda h, m: state("OneHotEncoder")(h).update(_n_features_outs=[50, 50]),
                                  "inconsistent")
        fams["sk-onehot-infrequent"] = (lambda h, m: state("OneHotEncoder")(h).update(_infrequent_enabled=True),
                                        "range")
        fams["sk-onehot-drop"] = (lambda h, m: state("OneHotEncoder")(h).update(drop_idx_={
            "__objarray__": {"items": [7, None]}, "shape": [2]}), "inconsistent")
        fams["sk-onehot-categories"] = (lambda h, m: state("OneHotEncoder")(h).update(categories_=[]), "shape")
        fams["sk-onehot-min-frequency"] = (lambda h, m: _body(h, "OneHotEncoder")["params"].update(min_frequency=2),
                                           "parameter")
    if "OrdinalEncoder" in names:
        fams["sk-ordinal-missing"] = (lambda h, m: state("OrdinalEncoder")(h).update(
            _missing_indices={"__dict__": [[0, 99]]}), "inconsistent")
    if "TruncatedSVD" in names:
        fams["sk-svd-components"] = (arr("TruncatedSVD", "components_", lambda a: a.T.copy()), "shape")
    for vec in ("TfidfVectorizer", "CountVectorizer"):
        if vec in names:
            def vocab_values(h, vec=vec):
                return state(vec)(h)["vocabulary_"]["__mapping__"]["values"]
            fams[f"sk-{vec}-index-huge"] = (lambda h, m, f=vocab_values: m.__setitem__(f(h), npy(np.where(
                _array(m, f(h)) == 0, 10**6, _array(m, f(h))))), "range")
            fams[f"sk-{vec}-index-duplicate"] = (lambda h, m, f=vocab_values: m.__setitem__(f(h), npy(np.zeros_like(
                _array(m, f(h))))), "range")
            fams[f"sk-{vec}-input-filename"] = (lambda h, m, v=vec: _body(h, v)["params"].update(input="filename"),
                                                "parameter")
            fams[f"sk-{vec}-analyzer"] = (lambda h, m, v=vec: _body(h, v)["params"].update(analyzer="eval"),
                                          "parameter")
            fams[f"sk-{vec}-encoding"] = (lambda h, m, v=vec: _body(h, v)["params"].update(encoding="zlib_codec"),
                                          "parameter")
            fams[f"sk-{vec}-ngram"] = (lambda h, m, v=vec: _body(h, v)["params"].update(
                ngram_range={"__tuple__": [1, 500]}), "too_large")
            for k, pattern in enumerate(HOSTILE_PATTERNS):
                fams[f"sk-{vec}-regex-{k}"] = (lambda h, m, v=vec, p=pattern: _body(h, v)["params"].update(
                    token_pattern=p), "regex")
    if "TfidfVectorizer" in names:
        fams["sk-tfidf-idf-length"] = (lambda h, m: m.__setitem__(
            state("TfidfVectorizer")(h)["_tfidf"]["state"]["idf_"]["__ndarray__"], npy(np.ones(3))), "shape")
    if "TfidfTransformer" in names:
        fams["sk-tfidf-idf-negative"] = (arr("TfidfTransformer", "idf_", lambda a: -a), "range")
    if "ColumnTransformer" in names:
        fams["sk-columns-index"] = (lambda h, m: state("ColumnTransformer")(h).update(_transformer_to_input_indices={
            "__dict__": [["num", [0, 10**6]]]}), "range")
        fams["sk-columns-names"] = (lambda h, m: state("ColumnTransformer")(h).update(transformers_=[
            {"__tuple__": ["a", "drop", [0]]}, {"__tuple__": ["a", "drop", [1]]}]), "inconsistent")
        fams["sk-columns-transformer"] = (lambda h, m: state("ColumnTransformer")(h).update(transformers_=[
            {"__tuple__": ["a", "exec", [0]]}]), "type")
    if "MissingIndicator" in names:
        fams["sk-indicator-features"] = (lambda h, m: m.__setitem__(_body(h, "MissingIndicator")["state"]["features_"][
            "__ndarray__"], npy(np.array([10**6]))), "range")
    if "FeatureUnion" in names:
        fams["sk-union-step-class"] = (lambda h, m: _body(h, "FeatureUnion")["params"]["transformer_list"][0][
            "__tuple__"][1].update(__estimator__="sklearn.svm.SVC"), "class")
    return fams
