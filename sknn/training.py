"""The one training loop shared by every sknn estimator.

It knows networks (:class:`sknn.nn.Sequential`), losses, optimizers and
schedules; it knows nothing of labels or of scikit-learn's estimator API. The
estimators hand it encoded arrays and read back a :class:`FitState`.

The loop is split into small steps (``fit`` -> ``run_epoch`` -> ``train_step``
-> ``loss_and_grads``), with hooks at fixed points: ``callbacks`` at each
epoch's end, ``TrainingConfig.resample`` at each epoch's start (fresh data per
epoch, e.g. sampled negatives for implicit feedback), and the layers'
``penalty()`` added to each batch's loss.
"""

import time
import warnings
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

from .nn import optimizers as _optimizers
from .nn import schedules as _schedules
from .utils.progress import EpochProgress

__all__ = ["TrainingConfig", "FitState", "Validation", "DivergenceWarning", "Trainer", "predict_raw", "as_network_dtype"]


class DivergenceWarning(ConvergenceWarning):
    """Training stopped because the loss became NaN or infinite."""


@dataclass
class TrainingConfig:
    """Training hyper-parameters, with scikit-learn's names and meanings."""

    solver: str = "adam"
    alpha: float = 1e-4
    batch_size: object = "auto"
    learning_rate: object = "constant"
    learning_rate_init: float = 1e-3
    power_t: float = 0.5
    max_iter: int = 200
    shuffle: bool = True
    tol: float = 1e-4
    verbose: object = False
    momentum: float = 0.9
    nesterovs_momentum: bool = True
    early_stopping: bool = False
    beta_1: float = 0.9
    beta_2: float = 0.999
    epsilon: float = 1e-8
    n_iter_no_change: int = 10
    max_fun: int = 15000
    clip_norm: object = None
    callbacks: object = None
    # Per-epoch data hook: ``resample(X, y, sample_weight, mask, rng)`` returns the
    # ``(X, y, sample_weight, mask)`` of the next epoch from the arrays given to
    # ``fit`` (e.g. fresh negative samples for implicit feedback). Stochastic solvers only.
    resample: object = None


@dataclass
class FitState:
    """Everything the loop learns besides the weights; kept across partial_fit."""

    n_iter_: int = 0
    t_: int = 0
    loss_: float = None
    loss_curve_: list = field(default_factory=list)
    validation_scores_: list = None
    validation_loss_curve_: list = None
    best_loss_: float = None
    best_validation_score_: float = None
    no_improvement_count: int = 0
    optimizer: object = None
    schedule: object = None
    diverged: bool = False


@dataclass
class Validation:
    """A held-out set: encoded targets for the loss, a scorer for the score.

    ``scorer(raw_outputs) -> float`` returns the score to maximise (accuracy,
    R²...) computed by the estimator from the raw network outputs.
    """

    X: object
    y: np.ndarray
    scorer: object
    sample_weight: np.ndarray = None
    mask: np.ndarray = None


def _take(a, idx):
    return None if a is None else a[idx]


def as_network_dtype(X, dtype):
    """``X`` (dense or sparse) in the network's float ``dtype``; integer index arrays pass unchanged.

    The one place input meets the network's dtype, at fit and at predict.
    Finite values beyond float32's range would become infinities (and NaN
    outputs) in a float32 network: they are refused with a ValueError.
    """
    dtype = np.dtype(dtype)
    if X.dtype == dtype or X.dtype.kind in "iu":
        return X
    with np.errstate(over="ignore"):  # overflow is reported below, as a ValueError
        out = X.astype(dtype)
    if dtype.itemsize < X.dtype.itemsize and X.dtype.kind == "f":
        src, dst = (X.data, out.data) if sp.issparse(X) else (X, out)
        inf = np.isinf(dst)
        finite = np.isfinite(src[inf]) if inf.any() else ()
        if np.any(finite):
            big = float(src[inf][finite][0])
            raise ValueError(
                f"X holds finite values beyond the range of {dtype} (e.g. {big!r}; the largest "
                f"is {float(np.finfo(dtype).max):.4g}), which this {dtype} network cannot "
                "represent. Scale X (e.g. StandardScaler) or use dtype='float64'."
            )
    return out


def predict_raw(net, X, mask=None, batch_size=4096):
    """Inference forward pass over ``X``, in batches of ``batch_size`` rows.

    The one inference path of every estimator. Each batch is converted to the
    network's dtype on its own (:func:`as_network_dtype`), so a float64 model
    never copies a whole float32 ``X``, and memory stays bounded. The network
    writes nothing during inference, so concurrent calls are safe, and a
    float32 network's output for a row does not depend on the other rows
    (see :mod:`sknn.nn.linalg`): batching changes nothing but memory.

    Parameters
    ----------
    net : sknn.nn.Layer
        Built network.
    X : ndarray or sparse matrix of shape (n_samples, ...)
    mask : ndarray of bool of shape (n_samples, n_steps) or None
    batch_size : int, default=4096

    Returns
    -------
    raw : ndarray of shape (n_samples, ...)
        The network's output, in its dtype.
    """
    n = X.shape[0]
    out = None
    for start in range(0, max(n, 1), batch_size):
        stop = min(start + batch_size, n)
        Xb = as_network_dtype(X[start:stop], net.dtype)
        raw = net.forward(Xb, training=False, mask=_take(mask, slice(start, stop)))
        if stop - start == n:
            return raw
        if out is None:
            out = np.empty((n,) + raw.shape[1:], dtype=raw.dtype)
        out[start:stop] = raw
    return out


def _snapshot(arrays, into=None):
    if into is None:
        return [a.copy() for a in arrays]
    for dst, src in zip(into, arrays):
        np.copyto(dst, src)
    return into


def _restore(arrays, snapshot):
    for dst, src in zip(arrays, snapshot):
        np.copyto(dst, src)


class Trainer:
    """Runs the optimisation of ``net`` under ``loss`` with ``config``.

    Parameters
    ----------
    net : sknn.nn.Sequential
        Built network; its parameters are updated in place.
    loss : sknn.nn.losses.Loss
    config : TrainingConfig
    state : FitState
        Mutated in place; pass the previous one to continue (warm start,
        partial_fit).
    rng : numpy.random.Generator
        Shuffling and stochastic layers.
    owner : object, optional
        Passed to callbacks as ``info["estimator"]``.
    """

    def __init__(self, net, loss, config, state, rng, owner=None):
        self.net = net
        self.loss = loss
        self.config = config
        self.state = state
        self.rng = rng
        self.owner = owner
        self.params = net.params
        self.grads = net.grads
        self.penalized = net.penalized
        self._weights = [p for p, f in zip(self.params, self.penalized) if f]
        self._tracked = self.params + list(net.buffers().values())
        # layers adding their own term to the loss (activity penalties) report it via penalty()
        self._penalty_layers = [l for l in getattr(net, "layers", ()) if callable(getattr(l, "penalty", None))]

    # -- one step --------------------------------------------------------------
    def _penalty(self, sw_sum):
        alpha = self.config.alpha
        if not alpha or self.config.solver == "adamw":
            return 0.0
        total = 0.0
        for w in self._weights:
            flat = w.ravel()
            total += float(np.dot(flat, flat))
        return 0.5 * alpha * total / sw_sum

    def loss_and_grads(self, X, y, sample_weight=None, mask=None, training=True):
        """Forward and backward over one batch: returns the penalised loss.

        Gradients are left in ``net.grads``.
        """
        raw = self.net.forward(X, training=training, mask=mask)
        value, dY = self.loss(y, raw, sample_weight)
        self.net.backward(dY)
        for layer in self._penalty_layers:
            value += layer.penalty()
        sw_sum = X.shape[0] if sample_weight is None else float(np.sum(sample_weight))
        alpha = self.config.alpha
        if alpha and self.config.solver != "adamw":
            scale = alpha / sw_sum
            for p, g, f in zip(self.params, self.grads, self.penalized):
                if f:
                    g += scale * p
        return value + self._penalty(sw_sum)

    def train_step(self, X, y, sample_weight=None, mask=None):
        value = self.loss_and_grads(X, y, sample_weight, mask)
        if not np.isfinite(value):
            return value
        if self.config.clip_norm is not None:
            _optimizers.clip_grad_norm(self.grads, self.config.clip_norm)
        self.state.optimizer.step(self.params, self.grads)
        return value

    # -- one epoch -------------------------------------------------------------
    def _batch_size(self, n):
        bs = self.config.batch_size
        if bs == "auto":
            return min(200, n)
        if bs < 1 or bs > n:
            warnings.warn(
                "Got `batch_size` less than 1 or larger than sample size. "
                "It is going to be clipped"
            )
        return int(np.clip(bs, 1, n))

    def run_epoch(self, X, y, sample_weight=None, mask=None):
        """One pass over the data; returns the mean training loss (or NaN)."""
        n = X.shape[0]
        bs = self._batch_size(n)
        order = self.rng.permutation(n) if self.config.shuffle else None
        total = 0.0
        for start in range(0, n, bs):
            if order is None:
                idx = slice(start, min(start + bs, n))
            else:
                idx = order[start : start + bs]
            Xb = X[idx]
            value = self.train_step(Xb, y[idx], _take(sample_weight, idx), _take(mask, idx))
            if not np.isfinite(value):
                return float("nan")
            total += value * Xb.shape[0]
        return total / n

    # -- epochs ----------------------------------------------------------------
    def _setup_optimizer(self):
        cfg = self.config
        st = self.state
        if st.optimizer is not None:
            return
        solver = cfg.solver
        if solver == "sgd":
            opt = _optimizers.SGD(cfg.learning_rate_init, cfg.momentum, cfg.nesterovs_momentum)
        elif solver in ("adam", "adamw"):
            kw = dict(beta_1=cfg.beta_1, beta_2=cfg.beta_2, epsilon=cfg.epsilon)
            if solver == "adamw":
                opt = _optimizers.AdamW(cfg.learning_rate_init, weight_decay=cfg.alpha, **kw)
            else:
                opt = _optimizers.Adam(cfg.learning_rate_init, **kw)
        elif solver == "rmsprop":
            opt = _optimizers.RMSprop(cfg.learning_rate_init, epsilon=cfg.epsilon)
        elif solver == "adagrad":
            opt = _optimizers.Adagrad(cfg.learning_rate_init, epsilon=cfg.epsilon)
        else:
            opt = _optimizers.get(solver)
        opt.setup(self.params, self.penalized)
        st.optimizer = opt
        st.schedule = _schedules.get(cfg.learning_rate, power_t=cfg.power_t)
        opt.learning_rate = st.schedule.start(cfg.learning_rate_init, cfg.max_iter)

    def _validate(self, val):
        raw = predict_raw(self.net, val.X, val.mask)
        val_loss = self.loss.value(val.y, raw, val.sample_weight)
        return float(val.scorer(raw)), float(val_loss)

    def _finite_on(self, X, y, sample_weight, mask):
        with np.errstate(over="ignore", invalid="ignore"):
            raw = predict_raw(self.net, X, mask)
            return bool(np.isfinite(raw).all()) and bool(np.isfinite(self.loss.value(y, raw, sample_weight)))

    def _update_no_improvement(self, val_score):
        st, tol = self.state, self.config.tol
        if val_score is not None:
            st.validation_scores_.append(val_score)
            if self.config.verbose:
                print("Validation score: %f" % val_score)
            if val_score < st.best_validation_score_ + tol:
                st.no_improvement_count += 1
            else:
                st.no_improvement_count = 0
            if val_score > st.best_validation_score_:
                st.best_validation_score_ = val_score
                self._best = _snapshot(self._tracked, getattr(self, "_best", None))
        else:
            last = st.loss_curve_[-1]
            if last > st.best_loss_ - tol:
                st.no_improvement_count += 1
            else:
                st.no_improvement_count = 0
            if last < st.best_loss_:
                st.best_loss_ = last

    def _callbacks(self, info):
        stop = False
        for cb in self.config.callbacks or ():
            if cb(info):
                stop = True
        return stop

    def fit(self, X, y, sample_weight=None, mask=None, validation=None, incremental=False):
        """Train; returns the state. ``incremental`` runs exactly one epoch."""
        cfg, st = self.config, self.state
        if cfg.solver == "lbfgs":
            return self._fit_lbfgs(X, y, sample_weight, mask)
        self._setup_optimizer()
        self.net.rng_for_training(self.rng)
        if validation is not None and st.validation_scores_ is None:
            st.validation_scores_ = []
            st.validation_loss_curve_ = []
            st.best_validation_score_ = -np.inf
        if validation is None and st.best_loss_ is None:
            st.best_loss_ = np.inf
        opt = st.optimizer
        n = X.shape[0]
        start = _snapshot(self._tracked)
        last_good = _snapshot(self._tracked)
        max_iter = 1 if incremental else cfg.max_iter
        st.n_iter_ = 0
        stopped = False
        show_progress = cfg.verbose and not isinstance(cfg.verbose, bool) and cfg.verbose >= 2
        progress = EpochProgress(max_iter) if show_progress else None
        given = (X, y, sample_weight, mask)
        for _ in range(max_iter):
            t0 = time.perf_counter()
            if cfg.resample is not None:
                X, y, sample_weight, mask = cfg.resample(*given, self.rng)
                n = X.shape[0]
            # overflow is reported once, as a DivergenceWarning, not as RuntimeWarnings
            with np.errstate(over="ignore", invalid="ignore"):
                epoch_loss = self.run_epoch(X, y, sample_weight, mask)
            if not np.isfinite(epoch_loss):
                _restore(self._tracked, last_good)
                if not self._finite_on(X, y, sample_weight, mask):
                    # the last step of a finite epoch can still blow the weights up
                    _restore(self._tracked, start)
                st.diverged = True
                warnings.warn(
                    "Training diverged: the loss became NaN or infinite at epoch "
                    f"{st.n_iter_ + 1}. Training stopped and the weights of the last "
                    "epoch with a finite loss were kept. Lower learning_rate_init, "
                    "scale the inputs, or set clip_norm.",
                    DivergenceWarning,
                )
                break
            _snapshot(self._tracked, last_good)
            st.n_iter_ += 1
            st.t_ += n
            st.loss_ = epoch_loss
            st.loss_curve_.append(epoch_loss)
            if cfg.verbose and not show_progress:
                print("Iteration %d, loss = %.8f" % (st.n_iter_, epoch_loss))
            val_score = val_loss = None
            if validation is not None:
                val_score, val_loss = self._validate(validation)
                st.validation_loss_curve_.append(val_loss)
            self._update_no_improvement(val_score)
            opt.learning_rate = st.schedule.epoch_end(len(st.loss_curve_), st.t_, opt.learning_rate)
            info = {
                "epoch": len(st.loss_curve_),
                "loss": epoch_loss,
                "validation_loss": val_loss,
                "validation_score": val_score,
                "learning_rate": opt.learning_rate,
                "time": time.perf_counter() - t0,
                "estimator": self.owner,
            }
            if progress is not None:
                progress.update(info)
            if self._callbacks(info):
                stopped = True
                break
            if st.no_improvement_count > cfg.n_iter_no_change:
                if validation is not None:
                    msg = (
                        "Validation score did not improve more than tol=%f for %d "
                        "consecutive epochs." % (cfg.tol, cfg.n_iter_no_change)
                    )
                else:
                    msg = (
                        "Training loss did not improve more than tol=%f for %d "
                        "consecutive epochs." % (cfg.tol, cfg.n_iter_no_change)
                    )
                new_lr, stop = st.schedule.plateau(opt.learning_rate, msg, cfg.verbose)
                opt.learning_rate = new_lr
                if stop:
                    stopped = True
                    break
                st.no_improvement_count = 0
        else:
            if not incremental and st.n_iter_ == cfg.max_iter and not stopped:
                warnings.warn(
                    "Stochastic Optimizer: Maximum iterations (%d) reached and the "
                    "optimization hasn't converged yet." % cfg.max_iter,
                    ConvergenceWarning,
                )
        if progress is not None:
            progress.close()
        if validation is not None and getattr(self, "_best", None) is not None:
            _restore(self._tracked, self._best)
        return st

    # -- full batch --------------------------------------------------------------
    def _fit_lbfgs(self, X, y, sample_weight, mask):
        cfg, st = self.config, self.state

        def compute():
            value = self.loss_and_grads(X, y, sample_weight, mask, training=True)
            return value, self.grads

        self.net.rng_for_training(self.rng)
        start = _snapshot(self._tracked)
        with np.errstate(over="ignore", invalid="ignore"):
            result = _optimizers.lbfgs_minimize(
                self.params,
                compute,
                max_iter=cfg.max_iter,
                max_fun=cfg.max_fun,
                tol=cfg.tol,
                verbose=bool(cfg.verbose),
            )
        st.n_iter_ = int(result.nit)
        st.loss_ = float(result.fun)
        if not np.isfinite(st.loss_) or not all(np.all(np.isfinite(p)) for p in self.params):
            _restore(self._tracked, start)
            st.diverged = True
            warnings.warn(
                "Training diverged: L-BFGS reached a NaN or infinite loss; the "
                "initial weights were kept.",
                DivergenceWarning,
            )
        elif not _optimizers.lbfgs_converged(result):
            msg = result.message
            if isinstance(msg, bytes):
                msg = msg.decode("latin1")
            warnings.warn(
                "lbfgs failed to converge after %d iteration(s) (status=%d): %s. "
                "Increase the number of iterations (max_iter) or scale the data."
                % (result.nit, result.status, msg),
                ConvergenceWarning,
            )
        return st


def as_batchable(X):
    """CSC does not slice rows efficiently: convert sparse input to CSR once."""
    if sp.issparse(X) and X.format != "csr":
        return X.tocsr()
    return X
