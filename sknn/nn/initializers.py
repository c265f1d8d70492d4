"""Weight initialisers. Each takes an explicit ``numpy.random.Generator``.

Signature of every initialiser: ``init(shape, fan_in, fan_out, rng, dtype)``.
"""

import numpy as np

from ._registry import Registry

__all__ = [
    "glorot_uniform",
    "sklearn_glorot",
    "sklearn_glorot_logistic",
    "glorot_normal",
    "he_uniform",
    "he_normal",
    "orthogonal",
    "zeros",
    "uniform",
    "normal",
    "get",
    "names",
]


def glorot_uniform(shape, fan_in, fan_out, rng, dtype=np.float64, factor=6.0):
    """Uniform in ``±sqrt(factor / (fan_in + fan_out))`` (Glorot & Bengio, 2010)."""
    bound = np.sqrt(factor / (fan_in + fan_out))
    return rng.uniform(-bound, bound, shape).astype(dtype, copy=False)


def sklearn_glorot(shape, fan_in, fan_out, rng, dtype=np.float64, factor=6.0):
    """scikit-learn's MLP scheme: Glorot-uniform, used for weights *and* biases.

    ``factor`` is 2 for logistic hidden units, 6 otherwise, as in scikit-learn.
    """
    return glorot_uniform(shape, fan_in, fan_out, rng, dtype, factor)


def sklearn_glorot_logistic(shape, fan_in, fan_out, rng, dtype=np.float64):
    """scikit-learn's scheme for logistic hidden units (factor 2)."""
    return glorot_uniform(shape, fan_in, fan_out, rng, dtype, 2.0)


def glorot_normal(shape, fan_in, fan_out, rng, dtype=np.float64):
    """Normal with standard deviation ``sqrt(2 / (fan_in + fan_out))``."""
    std = np.sqrt(2.0 / (fan_in + fan_out))
    return (rng.standard_normal(shape) * std).astype(dtype, copy=False)


def he_uniform(shape, fan_in, fan_out, rng, dtype=np.float64):
    """Uniform in ``±sqrt(6 / fan_in)`` (He et al., 2015), for ReLU units."""
    bound = np.sqrt(6.0 / fan_in)
    return rng.uniform(-bound, bound, shape).astype(dtype, copy=False)


def he_normal(shape, fan_in, fan_out, rng, dtype=np.float64):
    """Normal with standard deviation ``sqrt(2 / fan_in)``."""
    return (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(dtype, copy=False)


def orthogonal(shape, fan_in, fan_out, rng, dtype=np.float64, gain=1.0):
    """A (semi-)orthogonal matrix from the QR decomposition of a Gaussian one.

    For shapes with more than two axes, the leading axes are flattened.
    """
    rows = int(np.prod(shape[:-1])) if len(shape) > 1 else 1
    cols = shape[-1]
    a = rng.standard_normal((max(rows, cols), min(rows, cols)))
    q, r = np.linalg.qr(a)
    q *= np.sign(np.diag(r))  # makes the decomposition unique
    if rows < cols:
        q = q.T
    # C-contiguous: optimizers and gradient checks update parameters through flat views
    return np.ascontiguousarray((gain * q[:rows, :cols]).reshape(shape), dtype=dtype)


def zeros(shape, fan_in, fan_out, rng, dtype=np.float64):
    """All zeros."""
    return np.zeros(shape, dtype=dtype)


def uniform(shape, fan_in, fan_out, rng, dtype=np.float64):
    """Uniform in ``±0.05`` whatever the fans (embedding tables)."""
    return rng.uniform(-0.05, 0.05, shape).astype(dtype, copy=False)


def normal(shape, fan_in, fan_out, rng, dtype=np.float64):
    """Normal with standard deviation 0.05 whatever the fans (embedding tables)."""
    return (rng.standard_normal(shape) * 0.05).astype(dtype, copy=False)


_REGISTRY = Registry("initializer")
for _name, _fn in (("glorot_uniform", glorot_uniform), ("sklearn", sklearn_glorot),
                   ("sklearn_logistic", sklearn_glorot_logistic), ("glorot_normal", glorot_normal),
                   ("he_uniform", he_uniform), ("he_normal", he_normal), ("orthogonal", orthogonal),
                   ("zeros", zeros), ("uniform", uniform), ("normal", normal)):
    # a registered function is returned itself, not called: the factory hands it back
    _REGISTRY.register(_name, lambda _fn=_fn: _fn)


def get(name):
    """Return the initialiser called ``name`` (or ``name`` itself if callable).

    Parameters
    ----------
    name : str or callable
        One of :func:`names`, or a function with the signature of the module's
        initialisers, returned as is.

    Returns
    -------
    init : callable

    Raises
    ------
    ValueError
        If the name is unknown.
    """
    return _REGISTRY.get(name)


# the valid names, sorted, straight from the registry
names = _REGISTRY.names
