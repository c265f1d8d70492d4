"""Gradient-based optimizers: one object per network, in-place steps.

Every stochastic optimizer follows the same small contract:

* ``__init__`` stores configuration only (``learning_rate`` first).
* ``learning_rate`` is the *current* rate; the training loop (or a schedule from
  :mod:`sknn.nn.schedules`) may assign to it between steps.
* :meth:`Optimizer.setup` allocates the state, parallel to the parameter list and
  in each parameter's dtype (float32 stays float32).
* :meth:`Optimizer.step` updates the parameters in place, so arrays (and views)
  held by the layers stay valid. No per-step allocation: all temporaries live in
  per-parameter scratch buffers made by ``setup``.

SGD and Adam reproduce scikit-learn's ``SGDOptimizer`` and ``AdamOptimizer``
updates. L-BFGS runs through :func:`scipy.optimize.minimize` on a flat float64
copy of the parameters (:func:`lbfgs_minimize`).
"""

import inspect
import math
import re

import numpy as np
import scipy
import scipy.optimize

__all__ = [
    "Optimizer",
    "SGD",
    "Adam",
    "AdamW",
    "RMSprop",
    "Adagrad",
    "get",
    "clip_grad_norm",
    "lbfgs_minimize",
    "lbfgs_converged",
]


class Optimizer:
    """Base class of the stochastic optimizers.

    Parameters
    ----------
    learning_rate : float, default=0.001
        Initial step size. The attribute holds the *current* rate and may be
        reassigned between steps.

    Attributes
    ----------
    learning_rate : float
        The current learning rate.
    """

    def __init__(self, learning_rate=0.001):
        self.learning_rate = learning_rate

    def __repr__(self):
        sig = inspect.signature(type(self).__init__)
        parts = []
        for name, p in sig.parameters.items():
            if name == "self" or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                continue
            value = getattr(self, name)
            if p.default is not p.empty and type(value) is type(p.default):
                if value == p.default:
                    continue
            parts.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(parts)})"

    def setup(self, params, penalized=None):
        """Allocate the optimizer state for ``params``.

        Parameters
        ----------
        params : list of ndarray
            The parameters that :meth:`step` will update, in a fixed order.
        penalized : list of bool or None, default=None
            Parallel to ``params``: which parameters receive weight decay (only
            :class:`AdamW` uses it). None means all of them.

        Returns
        -------
        self : Optimizer
        """
        params = list(params)
        if penalized is None:
            penalized = [True] * len(params)
        penalized = [bool(f) for f in penalized]
        if len(penalized) != len(params):
            raise ValueError(
                f"penalized has {len(penalized)} entries for {len(params)} params."
            )
        self._penalized = penalized
        self._setup(params)
        self._ready = True
        return self

    def _setup(self, params):
        pass

    def step(self, params, grads):
        """Update ``params`` in place from ``grads``.

        Parameters
        ----------
        params : list of ndarray
            The same parameters (same order and shapes) as given to :meth:`setup`.
        grads : list of ndarray
            Gradients of the loss, parallel to ``params``.
        """
        raise NotImplementedError

    def _check_ready(self):
        if not getattr(self, "_ready", False):
            raise RuntimeError(
                f"{type(self).__name__}.setup(params) must be called before step()."
            )


class SGD(Optimizer):
    """Stochastic gradient descent with (Nesterov) momentum, as scikit-learn's.

    ``velocity = momentum * velocity - learning_rate * grad``; the parameter then
    moves by ``velocity``, or with Nesterov by
    ``momentum * velocity - learning_rate * grad``. ``momentum=0`` is plain SGD.

    Parameters
    ----------
    learning_rate : float, default=0.001
        Step size (current value; schedules reassign it).
    momentum : float, default=0.9
        Momentum factor, ``>= 0``.
    nesterov : bool, default=True
        Whether to use Nesterov's momentum.

    Attributes
    ----------
    velocities : list of ndarray
        One velocity per parameter (empty when ``momentum == 0``).

    Examples
    --------
    >>> import numpy as np
    >>> w = np.array([1.0, 2.0])
    >>> opt = SGD(learning_rate=0.1, momentum=0.0).setup([w])
    >>> opt.step([w], [np.array([1.0, -1.0])])
    >>> w
    array([0.9, 2.1])
    """

    def __init__(self, learning_rate=0.001, momentum=0.9, nesterov=True):
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.nesterov = nesterov

    def _setup(self, params):
        self._scratch = [np.empty_like(p) for p in params]
        if self.momentum != 0:
            self.velocities = [np.zeros_like(p) for p in params]
            self._scratch2 = (
                [np.empty_like(p) for p in params] if self.nesterov else None
            )
        else:
            self.velocities = []
            self._scratch2 = None

    def step(self, params, grads):
        self._check_ready()
        lr = float(self.learning_rate)
        mu = float(self.momentum)
        if mu == 0:
            # 0 * v - lr * g == -lr * g exactly, so this matches the general path.
            for p, g, buf in zip(params, grads, self._scratch):
                np.multiply(g, lr, out=buf)
                p -= buf
            return
        if not self.nesterov:
            for p, g, v, buf in zip(params, grads, self.velocities, self._scratch):
                np.multiply(g, lr, out=buf)
                v *= mu
                v -= buf
                p += v
            return
        for p, g, v, buf, upd in zip(
            params, grads, self.velocities, self._scratch, self._scratch2
        ):
            np.multiply(g, lr, out=buf)
            v *= mu
            v -= buf
            np.multiply(v, mu, out=upd)
            upd -= buf
            p += upd


def _adam_moments(opt, params, grads):
    """Shared Adam core: update moments, return the bias-corrected step size."""
    b1 = float(opt.beta_1)
    b2 = float(opt.beta_2)
    opt.t += 1
    for g, m, v, buf in zip(grads, opt.ms, opt.vs, opt._scratch):
        m *= b1
        np.multiply(g, 1.0 - b1, out=buf)
        m += buf
        v *= b2
        np.multiply(g, g, out=buf)
        buf *= 1.0 - b2
        v += buf
    t = opt.t
    return float(opt.learning_rate) * math.sqrt(1.0 - b2**t) / (1.0 - b1**t)


def _adam_apply(opt, params, lr_t):
    eps = float(opt.epsilon)
    for p, m, v, buf in zip(params, opt.ms, opt.vs, opt._scratch):
        np.sqrt(v, out=buf)
        buf += eps
        np.divide(m, buf, out=buf)
        buf *= -lr_t
        p += buf


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2014) in scikit-learn's bias-corrected step-size form.

    ``m = beta_1 m + (1 - beta_1) g``, ``v = beta_2 v + (1 - beta_2) g**2``,
    ``lr_t = learning_rate * sqrt(1 - beta_2**t) / (1 - beta_1**t)`` and
    ``param -= lr_t * m / (sqrt(v) + epsilon)``.

    Parameters
    ----------
    learning_rate : float, default=0.001
        Step size (current value; schedules reassign it).
    beta_1 : float, default=0.9
        Decay rate of the first-moment estimate, in ``[0, 1)``.
    beta_2 : float, default=0.999
        Decay rate of the second-moment estimate, in ``[0, 1)``.
    epsilon : float, default=1e-8
        Added to the denominator for numerical stability.

    Attributes
    ----------
    t : int
        Number of steps taken since :meth:`setup`.
    ms, vs : list of ndarray
        First and second moment estimates, one per parameter.

    Examples
    --------
    >>> import numpy as np
    >>> w = np.zeros(2)
    >>> opt = Adam(learning_rate=0.1).setup([w])
    >>> opt.step([w], [np.array([1.0, -1.0])])
    >>> np.round(w, 6)
    array([-0.1,  0.1])
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
        self.learning_rate = learning_rate
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def _setup(self, params):
        self.t = 0
        self.ms = [np.zeros_like(p) for p in params]
        self.vs = [np.zeros_like(p) for p in params]
        self._scratch = [np.empty_like(p) for p in params]

    def step(self, params, grads):
        self._check_ready()
        lr_t = _adam_moments(self, params, grads)
        _adam_apply(self, params, lr_t)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019).

    Before each Adam step (PyTorch's ordering), every penalized parameter is
    shrunk: ``param -= learning_rate * weight_decay * param``. The Adam part is
    exactly :class:`Adam`.

    Parameters
    ----------
    learning_rate : float, default=0.001
        Step size (current value; schedules reassign it).
    beta_1 : float, default=0.9
        Decay rate of the first-moment estimate, in ``[0, 1)``.
    beta_2 : float, default=0.999
        Decay rate of the second-moment estimate, in ``[0, 1)``.
    epsilon : float, default=1e-8
        Added to the denominator for numerical stability.
    weight_decay : float, default=0.01
        Decoupled decay factor, applied only to the parameters flagged in
        ``penalized`` at :meth:`setup` (all of them when None).

    Attributes
    ----------
    t : int
        Number of steps taken since :meth:`setup`.
    ms, vs : list of ndarray
        First and second moment estimates, one per parameter.
    """

    def __init__(
        self,
        learning_rate=0.001,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        weight_decay=0.01,
    ):
        self.learning_rate = learning_rate
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.weight_decay = weight_decay

    def step(self, params, grads):
        self._check_ready()
        shrink = 1.0 - float(self.learning_rate) * float(self.weight_decay)
        if shrink != 1.0:
            for p, flag in zip(params, self._penalized):
                if flag:
                    p *= shrink
        lr_t = _adam_moments(self, params, grads)
        _adam_apply(self, params, lr_t)


class RMSprop(Optimizer):
    """RMSprop (Hinton), PyTorch's formulation.

    ``v = rho v + (1 - rho) g**2``; without momentum
    ``param -= learning_rate * g / (sqrt(v) + epsilon)``; with momentum
    ``buf = momentum buf + g / (sqrt(v) + epsilon)`` and
    ``param -= learning_rate * buf``.

    Parameters
    ----------
    learning_rate : float, default=0.001
        Step size (current value; schedules reassign it).
    rho : float, default=0.9
        Decay rate of the running mean of squared gradients.
    epsilon : float, default=1e-8
        Added to the denominator for numerical stability.
    momentum : float, default=0.0
        Momentum factor, ``>= 0``.

    Attributes
    ----------
    square_avgs : list of ndarray
        Running mean of the squared gradients, one per parameter.
    momentum_buffers : list of ndarray
        Momentum buffers (empty when ``momentum == 0``).
    """

    def __init__(self, learning_rate=0.001, rho=0.9, epsilon=1e-8, momentum=0.0):
        self.learning_rate = learning_rate
        self.rho = rho
        self.epsilon = epsilon
        self.momentum = momentum

    def _setup(self, params):
        self.square_avgs = [np.zeros_like(p) for p in params]
        self._scratch = [np.empty_like(p) for p in params]
        self.momentum_buffers = (
            [np.zeros_like(p) for p in params] if self.momentum != 0 else []
        )

    def step(self, params, grads):
        self._check_ready()
        lr = float(self.learning_rate)
        rho = float(self.rho)
        eps = float(self.epsilon)
        mu = float(self.momentum)
        bufs = self.momentum_buffers or [None] * len(self.square_avgs)
        for p, g, v, tmp, mb in zip(params, grads, self.square_avgs, self._scratch, bufs):
            v *= rho
            np.multiply(g, g, out=tmp)
            tmp *= 1.0 - rho
            v += tmp
            np.sqrt(v, out=tmp)
            tmp += eps
            np.divide(g, tmp, out=tmp)
            if mb is not None:
                mb *= mu
                mb += tmp
                np.multiply(mb, lr, out=tmp)
            else:
                tmp *= lr
            p -= tmp


class Adagrad(Optimizer):
    """Adagrad (Duchi et al., 2011), PyTorch's formulation without lr decay.

    ``s += g**2`` and ``param -= learning_rate * g / (sqrt(s) + epsilon)``.

    Parameters
    ----------
    learning_rate : float, default=0.01
        Step size (current value; schedules reassign it).
    epsilon : float, default=1e-8
        Added to the denominator for numerical stability.
    initial_accumulator_value : float, default=0.0
        Starting value of the squared-gradient sums.

    Attributes
    ----------
    sums : list of ndarray
        Accumulated squared gradients, one per parameter.
    """

    def __init__(self, learning_rate=0.01, epsilon=1e-8, initial_accumulator_value=0.0):
        self.learning_rate = learning_rate
        self.epsilon = epsilon
        self.initial_accumulator_value = initial_accumulator_value

    def _setup(self, params):
        self.sums = [
            np.full_like(p, self.initial_accumulator_value) for p in params
        ]
        self._scratch = [np.empty_like(p) for p in params]

    def step(self, params, grads):
        self._check_ready()
        lr = float(self.learning_rate)
        eps = float(self.epsilon)
        for p, g, s, tmp in zip(params, grads, self.sums, self._scratch):
            np.multiply(g, g, out=tmp)
            s += tmp
            np.sqrt(s, out=tmp)
            tmp += eps
            np.divide(g, tmp, out=tmp)
            tmp *= lr
            p -= tmp


_OPTIMIZERS = {
    "sgd": SGD,
    "adam": Adam,
    "adamw": AdamW,
    "rmsprop": RMSprop,
    "adagrad": Adagrad,
}


def get(name, **kwargs):
    """Return an optimizer from its name, or pass an instance through.

    Parameters
    ----------
    name : str or Optimizer
        One of ``"sgd"``, ``"adam"``, ``"adamw"``, ``"rmsprop"``, ``"adagrad"``
        (case-insensitive), or an :class:`Optimizer` instance, returned as is
        (``kwargs`` are then ignored).
    **kwargs
        Constructor arguments of the named optimizer.

    Returns
    -------
    optimizer : Optimizer

    Raises
    ------
    ValueError
        If ``name`` is not a known optimizer name.
    """
    if isinstance(name, Optimizer):
        return name
    key = name.lower() if isinstance(name, str) else name
    if key not in _OPTIMIZERS:
        raise ValueError(
            f"Unknown optimizer {name!r}; valid names are {sorted(_OPTIMIZERS)}."
        )
    return _OPTIMIZERS[key](**kwargs)


def clip_grad_norm(grads, max_norm):
    """Scale ``grads`` in place so that their global L2 norm is at most ``max_norm``.

    Parameters
    ----------
    grads : list of ndarray
        Gradients, modified in place when their norm exceeds ``max_norm``.
    max_norm : float
        Largest allowed global L2 norm (over all arrays together).

    Returns
    -------
    norm : float
        The global norm before clipping. When it is not finite the gradients
        are left untouched, so the caller can detect the problem.
    """
    total = 0.0
    for g in grads:
        flat = g.reshape(-1)
        total += float(np.dot(flat, flat))
    norm = math.sqrt(total)
    if math.isfinite(norm) and norm > max_norm:
        scale = max_norm / norm
        for g in grads:
            g *= scale
    return norm


# -- L-BFGS --------------------------------------------------------------------
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
        ``grads`` is a list of arrays parallel to ``params``.
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
