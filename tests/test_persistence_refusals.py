"""The hostile files of issue 9 (section 3), each refused for its reason, fast and without allocating much.

Every file here carries a recomputed SHA-256, as an attacker able to edit it
would write it: the checksum is no defence, the decoder's checks are.
"""

import io
import time
import tracemalloc
import warnings

import numpy as np
import pytest
from persistence_crafts import HOSTILE_PATTERNS
from persistence_fuzz import zip_cases
from persistence_models import fitted, npy, repack, same_outputs, saved_bytes, unpack

import sknn
from sknn.persistence import PersistenceError, PersistenceWarning


def _refused(data, reason, max_seconds=2.0, max_mb=16, **kwargs):
    """Load ``data``; assert it is refused for ``reason``, quickly, with a small peak allocation."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(PersistenceError) as info:
            sknn.load(io.BytesIO(data), **kwargs)
    finally:
        seconds = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    assert info.value.reason == reason, str(info.value)
    assert seconds < max_seconds and peak < max_mb, (seconds, peak)
    return info.value


def _text(**params):
    return fitted(sknn.TextClassifier, **params)


def _state(header):
    return header["estimator"]["state"]


# -- 1. every index array is range-checked ----------------------------------------------------------------
def test_vocabulary_index_out_of_range_is_refused():
    # was: loads, then predict(["good"]) ends the process with SIGSEGV (sparse indices never checked)
    est, _ = _text()
    header, members = unpack(saved_bytes(est))
    ref = _state(header)["_vocab"]["__vocabulary__"]["vocabulary_"]["__mapping__"]["values"]
    ids = np.load(io.BytesIO(members[ref]))
    ids[0] = 10**6
    members[ref] = npy(ids)
    exc = _refused(repack(header, members), "range")
    assert "vocabulary_" in str(exc)


def test_sparse_and_id_maps_are_range_checked():
    est, _ = fitted(sknn.NeuralRecommender)
    header, members = unpack(saved_bytes(est))
    ref = _state(header)["_seen"]["__csr__"]["indices"]
    members[ref] = npy(np.full_like(np.load(io.BytesIO(members[ref])), 10**6))
    _refused(repack(header, members), "range")


# -- 2. regular expressions never come from the file unchecked ------------------------------------------------
@pytest.mark.parametrize("pattern", HOSTILE_PATTERNS)
def test_hostile_token_pattern_is_refused(pattern):
    # was: (\\w+\\s?)+$ loads, and predict on 4 words takes > 30 s
    est, _ = _text()
    header, members = unpack(saved_bytes(est))
    _state(header)["_vocab"]["__vocabulary__"]["token_pattern"] = pattern
    exc = _refused(repack(header, members), "regex")
    assert "trusted_patterns" in str(exc)
    header, members = unpack(saved_bytes(est))
    header["estimator"]["params"]["token_pattern"] = pattern  # used by a refit: refused too
    _refused(repack(header, members), "regex")


def test_custom_token_pattern_needs_trust_or_a_key():
    docs = ["alpha beta", "gamma delta beta", "alpha gamma"] * 5
    y = [0, 1, 0] * 5
    est = sknn.TextClassifier(token_pattern=r"[a-z]+", embedding_dim=3, max_iter=2, random_state=0).fit(docs, y)
    with pytest.warns(PersistenceWarning, match="trusted_patterns"):
        data = saved_bytes(est)
    _refused(data, "regex")
    assert same_outputs(est, sknn.load(io.BytesIO(data), trusted_patterns=[r"[a-z]+"]), docs)
    key = b"a key of 32 bytes or more, really"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a signed file may use its own patterns: no warning
        signed = saved_bytes(est, key=key)
    assert same_outputs(est, sknn.load(io.BytesIO(signed), key=key), docs)


# -- 3. sizes are checked before anything is allocated ---------------------------------------------------------
def _mlp_file():
    est, _ = fitted(sknn.MLPClassifier, hidden_layer_sizes=(8,))
    return unpack(saved_bytes(est))


@pytest.mark.parametrize("edit", ["units", "units-zeros", "input", "input-wide"])
def test_claimed_layer_sizes_are_not_allocated(edit):
    # was: 2.4 GB allocated and 43 s spent rebuilding the claimed layers before the error
    header, members = _mlp_file()
    network = _state(header)["network_"]
    dense = network["config"]["layers"][0]["config"]
    if edit == "units":
        dense["units"] = 10**6
    elif edit == "units-zeros":
        dense.update(units=10**6, kernel_initializer="zeros", bias_initializer="zeros")
    elif edit == "input":
        network["build"]["input_shape"] = [400_000]
    else:
        network["build"]["input_shape"] = [2**20, 2**20]
    exc = _refused(repack(header, members), "too_large")
    assert "network_" in str(exc)


@pytest.mark.parametrize("name", ["zip-overlap", "zip-overlap-all", "zip-duplicate-name", "zip-bomb-deflate",
                                  "zip-entry-count-bomb", "zip-member-size-beyond-file"])
def test_zip_structures_are_checked_before_reading(name):
    # was: a zip with overlapping entries read into 981 MB before the checksum was checked
    cases = {n: (data, reason) for n, data, reason in zip_cases(saved_bytes(fitted(sknn.MLPRegressor)[0]))}
    data, reason = cases[name]
    _refused(data, reason)


# -- 4. only the declared fitted attributes, of their declared type ----------------------------------------------
@pytest.mark.parametrize("name, value", [("_predict_block", 10**7), ("predict", 1), ("coefs_", []), ("fit", None)])
def test_undeclared_attributes_are_refused(name, value):
    # was: _predict_block = 10**7 loaded, then a 1-row predict allocated 8.5 GB
    est, _ = fitted(sknn.ConvNetClassifier, filters=(2,), hidden_layer_sizes=(3,))
    header, members = unpack(saved_bytes(est))
    _state(header)[name] = value
    exc = _refused(repack(header, members), "attribute")
    assert repr(name) in str(exc)


def test_attribute_types_are_declared():
    est, _ = fitted(sknn.MLPClassifier, hidden_layer_sizes=(3,))
    header, members = unpack(saved_bytes(est))
    _state(header)["n_features_in_"] = "six"
    _refused(repack(header, members), "type")
    header, members = unpack(saved_bytes(est))
    _state(header)["n_features_in_"] = 7
    _refused(repack(header, members), "inconsistent")  # the network takes 6 features


def test_nan_weights_are_refused():
    est, _ = fitted(sknn.RNNClassifier, units=3)
    header, members = unpack(saved_bytes(est))
    ref = _state(header)["network_"]["params"][0][1]
    members[ref] = npy(np.full_like(np.load(io.BytesIO(members[ref])), np.nan))
    _refused(repack(header, members), "non_finite")


# -- 5. behave identically, or be refused ----------------------------------------------------------------------
def test_labels_must_match_the_network():
    est, _ = fitted(sknn.MLPClassifier, hidden_layer_sizes=(3,))  # 3 classes, 3 outputs
    header, members = unpack(saved_bytes(est))
    ref = _state(header)["_label_binarizer"]["__label_binarizer__"]["classes_"]["__ndarray__"]
    members[ref] = npy(np.arange(4))
    _refused(repack(header, members), "inconsistent")


def test_derived_attributes_are_recomputed_not_read():
    est, X = fitted(sknn.MLPRegressor, hidden_layer_sizes=(3,))
    header, _ = unpack(saved_bytes(est))
    assert "coefs_" not in _state(header) and "coefs_" in header["estimator"]["derived"]
    loaded = sknn.load(io.BytesIO(saved_bytes(est)))
    assert loaded.coefs_[0] is loaded.network_.layers[0].params[0]


# -- versions ------------------------------------------------------------------------------------------------
def test_format_and_version_refusals():
    est, _ = fitted(sknn.MLPRegressor)
    header, members = unpack(saved_bytes(est))
    header["format_version"] = 1
    assert "re-save" in str(_refused(repack(header, members), "format"))
    header, members = unpack(saved_bytes(est))
    header["versions"]["sknn"] = "1.0.0"
    assert "upgrade sknn" in str(_refused(repack(header, members), "version"))
