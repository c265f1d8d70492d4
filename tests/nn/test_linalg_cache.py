"""sknn.nn.linalg reuses prepared float32 products only while the weights keep every bit."""

import numpy as np

import sknn.nn.linalg as linalg
from sknn.nn.linalg import ExactProduct, inference_product


def _weights(seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((20, 6)).astype(np.float32), rng.standard_normal(6).astype(np.float32)


def test_same_weights_reuse_the_prepared_product():
    B, b = _weights()
    first = inference_product(B, b)
    assert isinstance(first, ExactProduct)
    assert inference_product(B, b) is first


def test_weights_changed_in_place_are_prepared_again():
    B, b = _weights()
    A = np.random.default_rng(1).standard_normal((5, 20)).astype(np.float32)
    before = inference_product(B, b)(A)
    B *= 0.5  # an optimizer step: same array, new values
    after = inference_product(B, b)(A)
    assert np.array_equal(after, ExactProduct(B, b)(A)) and not np.array_equal(after, before)
    b[0] = -b[0]  # the bias too
    assert np.array_equal(inference_product(B, b)(A), ExactProduct(B, b)(A))


def test_a_sign_of_zero_is_a_change():
    B, b = np.zeros((3, 2), dtype=np.float32), None
    A = np.zeros((1, 3), dtype=np.float32)
    inference_product(B, b)
    B[...] = -0.0
    assert np.array_equal(inference_product(B, b)(A).view(np.uint32), ExactProduct(B)(A).view(np.uint32))


def test_the_cache_is_bounded_and_skips_large_weights(monkeypatch):
    monkeypatch.setattr(linalg, "_CACHE_ENTRIES", 3)
    monkeypatch.setattr(linalg, "_cache", type(linalg._cache)())
    kept = [np.full((4, 2), i, dtype=np.float32) for i in range(5)]
    for B in kept:
        inference_product(B)
    assert len(linalg._cache) == 3
    monkeypatch.setattr(linalg, "_CACHE_MAX_ELEMENTS", 7)
    big = np.ones((4, 2), dtype=np.float32)
    assert inference_product(big) is not inference_product(big)


def test_training_and_float64_do_not_use_it():
    B, b = _weights()
    assert not isinstance(inference_product(B, b, training=True), ExactProduct)
    assert not isinstance(inference_product(B.astype(np.float64)), ExactProduct)
