import numpy as np
import pytest

from sknn.nn import initializers


def test_sklearn_scheme_bounds():
    w = initializers.get("sklearn")((30, 20), 30, 20, np.random.default_rng(0))
    assert np.abs(w).max() <= np.sqrt(6 / 50)
    w = initializers.get("sklearn_logistic")((30, 20), 30, 20, np.random.default_rng(0))
    assert np.abs(w).max() <= np.sqrt(2 / 50)


def test_orthogonal_is_orthogonal():
    q = initializers.orthogonal((16, 16), 16, 16, np.random.default_rng(0))
    np.testing.assert_allclose(q.T @ q, np.eye(16), atol=1e-12)
    q = initializers.orthogonal((8, 32), 8, 32, np.random.default_rng(0))
    np.testing.assert_allclose(q @ q.T, np.eye(8), atol=1e-12)


@pytest.mark.parametrize("name", ["glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "orthogonal", "zeros"])
def test_dtype_and_determinism(name):
    init = initializers.get(name)
    a = init((5, 4), 5, 4, np.random.default_rng(3), np.float32)
    b = init((5, 4), 5, 4, np.random.default_rng(3), np.float32)
    assert a.dtype == np.float32 and a.shape == (5, 4)
    np.testing.assert_array_equal(a, b)


def test_unknown():
    with pytest.raises(ValueError, match="Unknown initializer"):
        initializers.get("lecun")


@pytest.mark.parametrize("shape", [(4, 16), (16, 4), (3, 3, 2, 5)])
def test_every_initializer_is_c_contiguous(shape):
    for name in ["glorot_uniform", "he_normal", "orthogonal", "zeros"]:
        w = initializers.get(name)(shape, 8, 8, np.random.default_rng(0))
        assert w.flags.c_contiguous, name
