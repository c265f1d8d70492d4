"""Central-difference gradient checks for layers and losses (float64).

Used by the test suite; public so users can check their own layers.
"""

import numpy as np
import scipy.sparse as sp

__all__ = ["relative_error", "check_layer_gradients", "check_loss_gradient"]


def relative_error(analytic, numeric):
    """Norm-wise relative error ``|a - n| / max(|a| + |n|, tiny)``."""
    a = np.asarray(analytic, dtype=np.float64).ravel()
    n = np.asarray(numeric, dtype=np.float64).ravel()
    denom = max(np.linalg.norm(a) + np.linalg.norm(n), 1e-12)
    return float(np.linalg.norm(a - n) / denom)


def _numeric_grad(f, x, eps):
    """Central differences of the scalar function ``f`` with respect to ``x`` (in place)."""
    grad = np.zeros_like(x, dtype=np.float64)
    flat = x.reshape(-1)
    gflat = grad.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        fp = f()
        flat[i] = old - eps
        fm = f()
        flat[i] = old
        gflat[i] = (fp - fm) / (2 * eps)
    return grad


def check_layer_gradients(
    layer,
    X,
    *,
    mask=None,
    training=True,
    seed=0,
    eps=1e-6,
    build=True,
    check_input=True,
):
    """Compare a layer's analytic gradients with central differences.

    The scalar checked is ``sum(forward(X) * R)`` for a fixed random ``R``, so
    ``backward(R)`` must return its gradient. Stochastic layers are reseeded with
    the same generator before every forward pass, so dropout masks stay fixed.

    Parameters
    ----------
    layer : Layer
        Unbuilt (``build=True``) or built layer.
    X : ndarray or scipy sparse matrix
        Input batch, float64 (or integer for index inputs with ``check_input=False``;
        a sparse matrix also needs ``check_input=False``).
    mask : ndarray of bool or None
        Sequence mask passed to ``forward``.
    training : bool
        Mode of the forward pass (batch norm uses batch statistics when True).
    check_input : bool
        Also check the gradient with respect to ``X``.

    Returns
    -------
    errors : dict
        ``{"input": err, "<param name>": err, ...}`` relative errors.
    """
    X = X.copy() if sp.issparse(X) else np.array(X, copy=True)
    if build:
        layer.build(X.shape[1:], np.random.default_rng(seed), np.float64)
    R = None

    def run():
        layer.rng_for_training(np.random.default_rng(seed + 1))
        return layer.forward(X, training=training, mask=mask)

    Y = run()
    R = np.random.default_rng(seed + 2).standard_normal(np.shape(Y))

    def value():
        return float(np.sum(run() * R))

    run()
    dX = layer.backward(R.copy())
    analytic = [np.array(g, dtype=np.float64, copy=True) for g in layer.grads]
    errors = {}
    if check_input:
        errors["input"] = relative_error(dX, _numeric_grad(value, X, eps))
    for name, p, g in zip(layer.param_names, layer.params, analytic):
        errors[name] = relative_error(g, _numeric_grad(value, p, eps))
    return errors


def check_loss_gradient(loss, y_true, raw, sample_weight=None, eps=1e-6):
    """Relative error of ``loss(y_true, raw, sample_weight)``'s gradient in ``raw``."""
    raw = np.array(raw, dtype=np.float64, copy=True)
    _, grad = loss(y_true, raw, sample_weight)
    grad = np.array(grad, copy=True)

    def value():
        return float(loss(y_true, raw, sample_weight)[0])

    return relative_error(grad, _numeric_grad(value, raw, eps))
