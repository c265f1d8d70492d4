"""Gradient-based optimizers: one object per network, in-place steps.

Every stochastic optimizer follows the same small contract:

* ``__init__`` stores configuration only (``learning_rate`` first).
* ``learning_rate`` is the *current* rate; the training loop (or a schedule from
  :mod:`sknn.nn.schedules`) may assign to it between steps.
* :meth:`Optimizer.setup` allocates the state, parallel to the parameter list and
  in each parameter's dtype (float32 stays float32).
* :meth:`Optimizer.step` updates the parameters in place, so arrays (and views)
  held by the layers stay valid. No per-step allocation for dense gradients: their
  temporaries live in per-parameter scratch buffers made at the first step.

SGD and Adam reproduce scikit-learn's ``SGDOptimizer`` and ``AdamOptimizer``
updates. L-BFGS runs through :func:`scipy.optimize.minimize` on a flat float64
copy of the parameters (:func:`sknn.nn.lbfgs.lbfgs_minimize`, also importable
from here).

Row-sparse gradients (lazy updates)
-----------------------------------
A gradient may be a :class:`~sknn.nn.sparse_grad.RowSparseGrad` (lookup tables:
:class:`~sknn.nn.Embedding`, ``Dense(sparse_grad=True)`` on a sparse bag of
words, the user and item tables of NeuMF). The step then reads and writes the
touched rows only, with exactly the dense formulas restricted to them: a row
the batch did not use keeps its value *and* its optimizer state (momentum,
Adam moments, accumulators) unchanged. This is the "lazy" update of
TensorFlow's ``LazyAdam`` and PyTorch's ``SparseAdam``; it differs from the
dense update, which keeps moving an untouched row by its decaying momentum and
decays its moments. Adam's bias correction uses the global step count. When
every row is touched the lazy step equals the dense one, bit for bit.
Regularisation follows the same rule: AdamW's decoupled decay shrinks the
touched rows only, and the training loop's L2 term ``alpha`` (:func:`add_l2_grad`,
:func:`l2_value`) is ``0.5 * alpha * ||rows used||^2 / n`` per batch, so a row is
regularised in proportion to how often it is used (as in classic SGD matrix
factorisation). The state arrays are allocated zeroed (``calloc``: memory pages
are committed only as rows are touched) and the per-step temporaries have the
size of the touched rows.
"""

import math

import numpy as np

from ._registry import Registry, signature_repr
from .lbfgs import lbfgs_converged, lbfgs_minimize  # noqa: F401 (kept importable from here)
from .sparse_grad import RowSparseGrad, add_l2_grad, l2_value

__all__ = [
    "Optimizer",
    "SGD",
    "Adam",
    "AdamW",
    "RMSprop",
    "Adagrad",
    "get",
    "names",
    "lookup",
    "clip_grad_norm",
    "add_l2_grad",
    "l2_value",
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
    training_args : tuple of str
        Class attribute: the ``__init__`` arguments that the training loop
        (:class:`sknn.training.Trainer`) sets from the estimator's training
        parameters; the others keep their defaults.
    decoupled_weight_decay : bool
        Class attribute: how the penalty ``alpha`` of the training parameters
        applies. False: the training loop adds the L2 term
        ``0.5 * alpha * ||w||^2 / n`` to the loss and its gradient to the
        gradients (:func:`add_l2_grad`). True: the optimizer shrinks the
        penalized weights itself (decoupled weight decay, its ``weight_decay``
        set from ``alpha``) and the loop adds nothing.
    """

    training_args = ("learning_rate",)
    decoupled_weight_decay = False

    def __init__(self, learning_rate=0.001):
        self.learning_rate = learning_rate

    def __repr__(self):
        return signature_repr(self)

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


def _zeros(p):
    """Zeroed state for ``p``; ``np.zeros`` (calloc) commits memory pages only when written."""
    return np.zeros(p.shape, dtype=p.dtype)


def _buffer(buffers, i, p):
    """The scratch array of parameter ``i``, made on its first dense step (row-sparse ones never need it)."""
    buf = buffers[i]
    if buf is None:
        buf = buffers[i] = np.empty_like(p)
    return buf


def _touched(opt, i, p, g, *states):
    """``(rows, grad, states, scratch)`` of parameter ``i`` for one step.

    A row-sparse gradient gives its rows, its values, the rows of each state
    array (copies: the caller writes them back) and a fresh scratch array; a
    dense one gives None, itself, the state arrays and the parameter's
    scratch buffer. A None state stays None.
    """
    if type(g) is RowSparseGrad:
        rows = g.rows
        return rows, g.values, [None if a is None else a[rows] for a in states], np.empty_like(g.values)
    return None, g, list(states), _buffer(opt._scratch, i, p)


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

    training_args = ("learning_rate", "momentum", "nesterov")

    def __init__(self, learning_rate=0.001, momentum=0.9, nesterov=True):
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.nesterov = nesterov

    def _setup(self, params):
        self._scratch = [None] * len(params)
        if self.momentum != 0:
            self.velocities = [_zeros(p) for p in params]
            self._scratch2 = [None] * len(params) if self.nesterov else None
        else:
            self.velocities = []
            self._scratch2 = None

    def step(self, params, grads):
        self._check_ready()
        lr = float(self.learning_rate)
        mu = float(self.momentum)
        for i, (p, g) in enumerate(zip(params, grads)):
            if type(g) is RowSparseGrad:
                self._lazy_step(i, p, g.rows, g.values, lr, mu)
                continue
            buf = _buffer(self._scratch, i, p)
            np.multiply(g, lr, out=buf)
            if mu == 0:
                # 0 * v - lr * g == -lr * g exactly, so this matches the general path.
                p -= buf
                continue
            v = self.velocities[i]
            v *= mu
            v -= buf
            if not self.nesterov:
                p += v
                continue
            upd = _buffer(self._scratch2, i, p)
            np.multiply(v, mu, out=upd)
            upd -= buf
            p += upd

    def _lazy_step(self, i, p, rows, values, lr, mu):
        buf = values * lr
        if mu == 0:
            p[rows] -= buf
            return
        v = self.velocities[i]
        vr = v[rows]
        vr *= mu
        vr -= buf
        v[rows] = vr
        if not self.nesterov:
            p[rows] += vr
            return
        upd = vr * mu
        upd -= buf
        p[rows] += upd


def _adam_step(opt, params, grads, decay=None):
    """One Adam step; ``decay`` (AdamW) shrinks the flagged parameters first."""
    b1 = float(opt.beta_1)
    b2 = float(opt.beta_2)
    eps = float(opt.epsilon)
    opt.t += 1
    t = opt.t
    lr_t = float(opt.learning_rate) * math.sqrt(1.0 - b2**t) / (1.0 - b1**t)
    for i, (p, g, m, v) in enumerate(zip(params, grads, opt.ms, opt.vs)):
        shrink = decay if decay is not None and opt._penalized[i] else None
        if type(g) is RowSparseGrad:
            rows, g = g.rows, g.values
            if shrink is not None:
                p[rows] *= shrink
            mr, vr = m[rows], v[rows]
            _adam_update(mr, vr, g, np.empty_like(g), b1, b2)
            m[rows], v[rows] = mr, vr
            buf = np.sqrt(vr)
            buf += eps
            np.divide(mr, buf, out=buf)
            buf *= -lr_t
            p[rows] += buf
            continue
        if shrink is not None:
            p *= shrink
        buf = _buffer(opt._scratch, i, p)
        _adam_update(m, v, g, buf, b1, b2)
        np.sqrt(v, out=buf)
        buf += eps
        np.divide(m, buf, out=buf)
        buf *= -lr_t
        p += buf


def _adam_update(m, v, g, buf, b1, b2):
    m *= b1
    np.multiply(g, 1.0 - b1, out=buf)
    m += buf
    v *= b2
    np.multiply(g, g, out=buf)
    buf *= 1.0 - b2
    v += buf


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

    training_args = ("learning_rate", "beta_1", "beta_2", "epsilon")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
        self.learning_rate = learning_rate
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def _setup(self, params):
        self.t = 0
        self.ms = [_zeros(p) for p in params]
        self.vs = [_zeros(p) for p in params]
        self._scratch = [None] * len(params)

    def step(self, params, grads):
        self._check_ready()
        _adam_step(self, params, grads)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019).

    Before each Adam step (PyTorch's ordering), every penalized parameter is
    shrunk: ``param -= learning_rate * weight_decay * param``. The Adam part is
    exactly :class:`Adam`.

    Parameters
    ----------
    learning_rate, beta_1, beta_2, epsilon : float
        As for :class:`Adam` (same defaults).
    weight_decay : float, default=0.01
        Decoupled decay factor, applied only to the parameters flagged in
        ``penalized`` at :meth:`setup` (all of them when None).

    Attributes
    ----------
    t, ms, vs
        As for :class:`Adam`.
    """

    training_args = Adam.training_args + ("weight_decay",)
    decoupled_weight_decay = True

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-8, weight_decay=0.01):
        super().__init__(learning_rate, beta_1, beta_2, epsilon)
        self.weight_decay = weight_decay

    def step(self, params, grads):
        self._check_ready()
        shrink = 1.0 - float(self.learning_rate) * float(self.weight_decay)
        _adam_step(self, params, grads, shrink if shrink != 1.0 else None)


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

    # the estimators' momentum is SGD's (scikit-learn's meaning): RMSprop keeps its own default
    training_args = ("learning_rate", "epsilon")

    def __init__(self, learning_rate=0.001, rho=0.9, epsilon=1e-8, momentum=0.0):
        self.learning_rate = learning_rate
        self.rho = rho
        self.epsilon = epsilon
        self.momentum = momentum

    def _setup(self, params):
        self.square_avgs = [_zeros(p) for p in params]
        self._scratch = [None] * len(params)
        self.momentum_buffers = (
            [_zeros(p) for p in params] if self.momentum != 0 else []
        )

    def step(self, params, grads):
        self._check_ready()
        lr = float(self.learning_rate)
        rho = float(self.rho)
        eps = float(self.epsilon)
        mu = float(self.momentum)
        bufs = self.momentum_buffers or [None] * len(self.square_avgs)
        for i, (p, g, v, mb) in enumerate(zip(params, grads, self.square_avgs, bufs)):
            rows, g, (v, mb), tmp = _touched(self, i, p, g, v, mb)
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
            if rows is None:
                p -= tmp
                continue
            self.square_avgs[i][rows] = v
            if mb is not None:
                self.momentum_buffers[i][rows] = mb
            p[rows] -= tmp


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

    training_args = ("learning_rate", "epsilon")

    def __init__(self, learning_rate=0.01, epsilon=1e-8, initial_accumulator_value=0.0):
        self.learning_rate = learning_rate
        self.epsilon = epsilon
        self.initial_accumulator_value = initial_accumulator_value

    def _setup(self, params):
        init = self.initial_accumulator_value
        self.sums = [_zeros(p) if init == 0 else np.full_like(p, init) for p in params]
        self._scratch = [None] * len(params)

    def step(self, params, grads):
        self._check_ready()
        lr = float(self.learning_rate)
        eps = float(self.epsilon)
        for i, (p, g, s) in enumerate(zip(params, grads, self.sums)):
            rows, g, (s,), tmp = _touched(self, i, p, g, s)
            np.multiply(g, g, out=tmp)
            s += tmp
            np.sqrt(s, out=tmp)
            tmp += eps
            np.divide(g, tmp, out=tmp)
            tmp *= lr
            if rows is None:
                p -= tmp
            else:
                self.sums[i][rows] = s
                p[rows] -= tmp


_REGISTRY = Registry("optimizer", base=Optimizer, fold_case=True)
for _name, _cls in (("sgd", SGD), ("adam", Adam), ("adamw", AdamW), ("rmsprop", RMSprop), ("adagrad", Adagrad)):
    _REGISTRY.register(_name, _cls)


def get(name, **kwargs):
    """Return an optimizer from its name, or pass an instance through.

    Parameters
    ----------
    name : str or Optimizer
        One of :func:`names` (case-insensitive), or an :class:`Optimizer`
        instance, returned as is (``kwargs`` are then ignored).
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
    return _REGISTRY.get(name, **kwargs)






def clip_grad_norm(grads, max_norm):
    """Scale ``grads`` in place so that their global L2 norm is at most ``max_norm``.

    Parameters
    ----------
    grads : list of ndarray or RowSparseGrad
        Gradients, modified in place when their norm exceeds ``max_norm``. A
        row-sparse gradient counts (and is scaled) by its stored rows, which
        are all its nonzero rows.

    max_norm : float
        Largest allowed global L2 norm (over all arrays together).

    Returns
    -------
    norm : float
        The global norm before clipping. When it is not finite the gradients
        are left untouched, so the caller can detect the problem.
    """
    arrays = [g.values if type(g) is RowSparseGrad else g for g in grads]
    total = 0.0
    for g in arrays:
        flat = g.reshape(-1)
        total += float(np.dot(flat, flat))
    norm = math.sqrt(total)
    if math.isfinite(norm) and norm > max_norm:
        scale = max_norm / norm
        for g in arrays:
            g *= scale
    return norm


# the valid names (sorted) and the factory of a name, straight from the registry
names = _REGISTRY.names
lookup = _REGISTRY.lookup
