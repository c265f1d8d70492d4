"""L-BFGS: full-batch minimisation through :func:`scipy.optimize.minimize` on a flat view.

Unlike the stochastic optimizers of :mod:`sknn.nn.optimizers`, L-BFGS is not an
object stepping through batches: :func:`lbfgs_minimize` runs the whole
optimisation, evaluating the loss and gradients of all the data at each trial
point it writes into the parameters.
"""

import re

import numpy as np
import scipy
import scipy.optimize

from .sparse_grad import RowSparseGrad

__all__ = ["lbfgs_minimize", "lbfgs_converged"]


def _scipy_version():
    match = re.match(r"(\d+)\.(\d+)", scipy.__version__)
    return tuple(int(x) for x in match.groups())


def lbfgs_minimize(params, compute, *, max_iter, max_fun, tol, ftol=None, callback=None, verbose=False):
    """Minimise a loss over ``params`` with scipy's L-BFGS-B.

    The parameters are packed into one float64 vector; before every evaluation
    the trial point is written back *into* the arrays of ``params`` (so views
    held elsewhere stay valid), and the optimum is written back at the end.

    Parameters
    ----------
    params : list of ndarray
        The parameters, updated in place.
    compute : callable
        ``compute() -> (loss, grads)`` for the current values in ``params``;
        ``grads`` is a list of arrays (or row-sparse gradients, densified here)
        parallel to ``params``.
    max_iter : int
        Maximum number of L-BFGS iterations (``maxiter``).
    max_fun : int
        Maximum number of loss evaluations (``maxfun``). As in scipy, the
        iteration under way when the limit is passed is completed.
    tol : float
        Tolerance on the projected gradient (``gtol``).
    ftol : float or None, default=None
        Tolerance on the relative reduction of the loss (scipy's ``ftol``);
        None keeps scipy's default. 0 (with ``tol=0``) runs until a limit.
    callback : callable or None, default=None
        Called as ``callback(loss)`` after each iteration, with the iterate
        written back into ``params``; returning True stops the run.
    verbose : bool, default=False
        Print progress. On scipy < 1.15 through ``iprint``; on newer scipy,
        where ``iprint``/``disp`` are deprecated, one line per iteration is
        printed from a callback.

    Returns
    -------
    result : scipy.optimize.OptimizeResult
        ``result.nit`` iterations, ``result.fun`` the final loss.
    """
    params = list(params)
    shapes = [p.shape for p in params]
    bounds = np.cumsum([0] + [p.size for p in params])
    x0 = np.empty(int(bounds[-1]), dtype=np.float64)
    for p, a, b in zip(params, bounds[:-1], bounds[1:]):
        x0[a:b] = p.reshape(-1)

    def write_back(x):
        for p, shape, a, b in zip(params, shapes, bounds[:-1], bounds[1:]):
            p[...] = x[a:b].reshape(shape)

    last_loss = [np.nan]

    def fun(x):
        write_back(x)
        loss, grads = compute()
        last_loss[0] = float(loss)
        # A fresh gradient vector each call: scipy may keep earlier ones cached.
        grad = np.empty_like(x0)
        for g, a, b in zip(grads, bounds[:-1], bounds[1:]):
            if type(g) is RowSparseGrad:  # L-BFGS works on dense vectors
                g = g.toarray()
            grad[a:b] = g.reshape(-1)
        return last_loss[0], grad

    options = {"maxiter": max_iter, "maxfun": max_fun, "gtol": tol}
    if ftol is not None:
        options["ftol"] = ftol
    if _scipy_version() < (1, 15):
        options["iprint"] = 1 if verbose else -1
    n_iter = [0]

    def on_iteration(intermediate_result):
        n_iter[0] += 1
        if verbose and _scipy_version() >= (1, 15):
            print(f"L-BFGS iteration {n_iter[0]}, loss = {intermediate_result.fun:.8f}")
        if callback is not None:
            write_back(intermediate_result.x)
            if callback(float(intermediate_result.fun)):
                raise StopIteration

    result = scipy.optimize.minimize(
        fun, x0, method="L-BFGS-B", jac=True, options=options, callback=on_iteration
    )
    write_back(result.x)
    return result


def lbfgs_converged(result):
    """Whether an L-BFGS run stopped for a reason other than a limit.

    Parameters
    ----------
    result : scipy.optimize.OptimizeResult
        As returned by :func:`lbfgs_minimize`.

    Returns
    -------
    converged : bool
        False when the run stopped on the iteration or evaluation limit
        (``status == 1``), True otherwise. Note that scikit-learn warns on any
        nonzero status (``status == 2`` means an abnormal stop, e.g. in the
        line search); check ``result.status`` directly to match that.
    """
    return int(result.status) != 1
