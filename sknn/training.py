"""The one training loop shared by every sknn estimator.

It knows networks (:class:`sknn.nn.Sequential`), losses, optimizers and
schedules; it knows nothing of labels or of scikit-learn's estimator API. The
estimators hand it encoded arrays and read back a :class:`FitState`.

The loop is split into small steps (``fit`` -> ``run_epoch`` -> ``train_step``
-> ``loss_and_grads``), with hooks at fixed points: ``callbacks`` (below),
``TrainingConfig.resample`` at each epoch's start (fresh data per epoch, e.g.
sampled negatives for implicit feedback), and the layers' ``penalty()`` added
to each batch's loss.

Callbacks
---------
A callback is a callable ``callback(info) -> bool`` called at the end of every
epoch (every iteration with L-BFGS) with a dict holding ``"epoch"``,
``"loss"``, ``"validation_loss"``, ``"validation_score"``, ``"learning_rate"``,
``"time"`` and ``"estimator"``; returning True stops training. It may also
define any of these optional methods:

* ``on_fit_begin(info)``: before the first epoch of a call; ``info`` holds
  ``"max_epochs"`` (epochs this call may run: ``max_iter``, or 1 for an
  incremental call), ``"epoch"`` (epochs already run), ``"incremental"`` and
  ``"estimator"``;
* ``on_epoch_begin(info)``: before each epoch (``info["epoch"]`` is its number);
* ``on_fit_end(info)``: when the call ends, normally or not;
* ``write(message)``: the loop prints its ``verbose`` lines through it (a
  progress bar keeps them from interleaving with its own output).

Divergence
----------
An epoch diverges when its loss is NaN or infinite, or when it exceeds
:data:`BLOWUP_FACTOR` times a reference scale measured at the start of the call
(the larger of the network's loss and the loss of an all-zero output, on up to
128 evenly spaced rows, ``sknn._divergence.REFERENCE_ROWS``): a scale-free test
that noisy but healthy training never meets (its loss stays near or below where
it started), while a blow-up passes it by many orders of magnitude. The loop then warns with :class:`DivergenceWarning`,
records the epoch (loss as measured, validation score NaN) and keeps the best
finite weights it saw. When the first epoch of a call is not finite it raises
``ValueError`` (scikit-learn's message) and leaves the weights as they were.
"""

import contextlib
import io
import time
import warnings
from dataclasses import dataclass, field

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from . import threads as _threads
from .nn import _scratch
from .nn import optimizers as _optimizers
from .nn import schedules as _schedules
from .nn._registry import store_args
from ._divergence import BLOWUP_FACTOR, NON_FINITE_MESSAGE, DivergenceGuard, DivergenceWarning, restore, snapshot
from ._full_batch import FullBatchFit
from .inference import _take, predict_raw
from .nn.linalg import plain_products
from .utils.callbacks import CallbackList

__all__ = ["TrainingConfig", "FitState", "Validation", "DivergenceWarning", "Trainer", "BLOWUP_FACTOR", "SOLVERS",
           "STOCHASTIC_SOLVERS"]

#: The solvers the loop runs: the engine's stochastic optimizers (:func:`sknn.nn.optimizers.names`)
#: and full-batch ``"lbfgs"``.
STOCHASTIC_SOLVERS = _optimizers.names()
SOLVERS = STOCHASTIC_SOLVERS + ("lbfgs",)

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
    # What batch_size="auto" means: min(auto_batch_size, n_samples) (scikit-learn's 200; the
    # recurrent presets choose 32)
    auto_batch_size: int = 200


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
    # the loss scale divergence is measured against (see the module docs)
    reference_loss: float = None


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


#: The training parameters an engine object may take, by the name of its ``__init__`` argument.
_ENGINE_ARGS = {"learning_rate": "learning_rate_init", "nesterov": "nesterovs_momentum", "weight_decay": "alpha"}


def _from_config(registry, name, config):
    """The optimizer or schedule ``name`` of ``registry``, its ``training_args`` read from ``config``."""
    cls = registry.lookup(name)
    return registry.get(name, **{a: getattr(config, _ENGINE_ARGS.get(a, a)) for a in cls.training_args})


class Trainer(DivergenceGuard, FullBatchFit):
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
        store_args(self, locals())
        self.params = net.params
        self.grads = net.grads
        self.penalized = net.penalized
        self._tracked = self.params + list(net.buffers().values())
        # layers adding their own term to the loss (activity penalties) report it via penalty()
        self._penalty_layers = [l for l in getattr(net, "layers", ()) if callable(getattr(l, "penalty", None))]
        self._hooks = CallbackList(config.callbacks)
        self._echo = self._hooks.writer()
        # the optimizer says how it applies alpha: the L2 term is the loop's unless it decays
        # the weights itself (L-BFGS, which has no optimizer object, takes the L2 term)
        optimizer = None if config.solver == "lbfgs" else _optimizers.lookup(config.solver)
        self._l2_alpha = 0.0 if getattr(optimizer, "decoupled_weight_decay", False) else config.alpha

    # -- one step --------------------------------------------------------------
    def _penalty(self, sw_sum):
        alpha = self._l2_alpha
        if not alpha:
            return 0.0
        # after backward: a row-sparse gradient restricts the term to the rows the batch used
        total = _optimizers.l2_value(self.params, self.grads, self.penalized)
        return 0.5 * alpha * total / sw_sum

    def loss_and_grads(self, X, y, sample_weight=None, mask=None, training=True):
        """Forward and backward over one batch: returns the penalised loss.

        Gradients are left in ``net.grads``.
        """
        value, sw_sum = self.data_loss_and_grads(X, y, sample_weight, mask, training)
        alpha = self._l2_alpha
        if alpha:
            _optimizers.add_l2_grad(self.params, self.grads, self.penalized, alpha / sw_sum)
        return value + self._penalty(sw_sum)

    def data_loss_and_grads(self, X, y, sample_weight=None, mask=None, training=True):
        """The data term of a batch (or of all the data, with L-BFGS), without the L2 penalty.

        The hook where the batch's loss and gradients are computed: a subclass
        may compute them elsewhere (:class:`sknn.dask.DataParallel` sums them
        over the partitions held by Dask workers). ``loss_and_grads`` adds the
        L2 penalty, for the total weight returned here, to the value and to
        the gradients.

        Returns
        -------
        value : float
            The (sample-weighted) mean loss of the batch plus the layers' own
            ``penalty()`` terms.
        weight : float
            The batch's sample-weight sum (its number of rows when unweighted).
            Gradients of ``value`` are left in ``net.grads``.
        """
        raw = self.net.forward(X, training=training, mask=mask)
        value, dY = self.loss(y, raw, sample_weight)
        self.net.backward(dY)
        for layer in self._penalty_layers:
            value += layer.penalty()
        return value, X.shape[0] if sample_weight is None else float(np.sum(sample_weight))

    def train_step(self, X, y, sample_weight=None, mask=None):
        value = self.loss_and_grads(X, y, sample_weight, mask)
        if not np.isfinite(value):
            return value
        if self.config.clip_norm is not None:
            _optimizers.clip_grad_norm(self.grads, self.config.clip_norm)
        self.state.optimizer.step(self.params, self.grads)
        return value

    # -- one epoch -------------------------------------------------------------
    def _batch_size(self, n, warn=True):
        bs = self.config.batch_size
        if bs == "auto":
            return min(self.config.auto_batch_size, n)
        if warn and (bs < 1 or bs > n):
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
        seen = 0
        for start in range(0, n, bs):
            if order is None:
                idx = slice(start, min(start + bs, n))
            else:
                idx = order[start : start + bs]
            sw = _take(sample_weight, idx)
            if sw is not None and not sw.sum() > 0:
                continue  # a batch of zero total weight has no gradient and no mean loss
            Xb = X[idx]
            value = self.train_step(Xb, y[idx], sw, _take(mask, idx))
            if not np.isfinite(value):
                return float("nan")
            total += value * Xb.shape[0]
            seen += Xb.shape[0]
        return total / seen

    # -- epochs ----------------------------------------------------------------
    def _setup_optimizer(self):
        cfg = self.config
        st = self.state
        if st.optimizer is not None:
            return
        opt = _from_config(_optimizers, cfg.solver, cfg)
        opt.setup(self.params, self.penalized)
        st.optimizer = opt
        st.schedule = _from_config(_schedules, cfg.learning_rate, cfg)
        opt.learning_rate = st.schedule.start(cfg.learning_rate_init, cfg.max_iter)

    def _inference(self, X, mask=None):
        # the loop's own evaluations: plain BLAS products (reproducible for these fixed
        # batches; only predict needs results independent of the batch, see sknn.nn.linalg)
        with plain_products():
            return predict_raw(self.net, X, mask)

    def _validate(self, val):
        with np.errstate(all="ignore"):
            raw = self._inference(val.X, val.mask)
        if not np.isfinite(raw).all():
            # scikit-learn scores a model with non-finite outputs as NaN
            return float("nan"), float("nan")
        val_loss = self.loss.value(val.y, raw, val.sample_weight)
        return float(val.scorer(raw)), float(val_loss)

    def _update_no_improvement(self, val_score):
        st, tol = self.state, self.config.tol
        if val_score is not None:
            st.validation_scores_.append(val_score)
            if self.config.verbose:
                self._echo("Validation score: %f" % val_score)
            if val_score < st.best_validation_score_ + tol:
                st.no_improvement_count += 1
            else:
                st.no_improvement_count = 0
            if val_score > st.best_validation_score_:
                st.best_validation_score_ = val_score
                self._best = snapshot(self._tracked, self._best)
        else:
            last = st.loss_curve_[-1]
            if last > st.best_loss_ - tol:
                st.no_improvement_count += 1
            else:
                st.no_improvement_count = 0
            if last < st.best_loss_:
                st.best_loss_ = last

    def _plateau(self, learning_rate, msg):
        """The schedule's reaction to a plateau, its messages routed through the writer."""
        schedule, verbose = self.state.schedule, self.config.verbose
        if not verbose or self._echo is print:
            return schedule.plateau(learning_rate, msg, verbose)
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer):
            result = schedule.plateau(learning_rate, msg, verbose)
        for line in buffer.getvalue().splitlines():
            self._echo(line)
        return result

    def fit(self, X, y, sample_weight=None, mask=None, validation=None, incremental=False):
        """Train; returns the state. ``incremental`` runs exactly one epoch."""
        cfg, st = self.config, self.state
        max_epochs = 1 if incremental else cfg.max_iter
        self._hooks.call(
            "on_fit_begin",
            {"max_epochs": max_epochs, "epoch": len(st.loss_curve_), "incremental": incremental, "estimator": self.owner},
        )
        n = X.shape[0]
        rows = n if cfg.solver == "lbfgs" else self._batch_size(n, warn=False)
        try:
            with _threads.limited_blas_threads(_threads.network_work(self.net, rows)):
                if cfg.solver == "lbfgs":
                    self._fit_lbfgs(X, y, sample_weight, mask)
                else:
                    self._fit_stochastic(X, y, sample_weight, mask, validation, max_epochs, incremental)
        finally:
            # a fitted network keeps no training caches; their scratch serves the thread's next fit
            _scratch.release(self.net)
            self._hooks.call("on_fit_end", {"epoch": len(st.loss_curve_), "estimator": self.owner})
        return st

    def _fit_stochastic(self, X, y, sample_weight, mask, validation, max_epochs, incremental):
        cfg, st = self.config, self.state
        if not incremental:
            # as scikit-learn: each fit starts a new optimizer (a warm start keeps the weights,
            # and takes a new learning_rate_init); partial_fit continues the current one
            st.optimizer = None
        self._setup_optimizer()
        self.net.rng_for_training(self.rng)
        # measured at every call: a partial_fit stream may change scale from one call to the next
        st.reference_loss = self._reference_loss(X, y, mask)
        if st.reference_loss is None or st.reference_loss > np.finfo(self.net.dtype).max / BLOWUP_FACTOR:
            # no room left below overflow: not one step could be told finite
            raise ValueError(NON_FINITE_MESSAGE)
        if validation is not None and st.validation_scores_ is None:
            st.validation_scores_ = []
            st.validation_loss_curve_ = []
            st.best_validation_score_ = -np.inf
        if validation is None and st.best_loss_ is None:
            st.best_loss_ = np.inf
        opt = st.optimizer
        n = X.shape[0]
        self._start = snapshot(self._tracked)
        self._best = self._best_train = None
        best_train_loss = np.inf
        st.n_iter_ = 0
        stopped = False
        given = (X, y, sample_weight, mask)
        for _ in range(max_epochs):
            t0 = time.perf_counter()
            self._hooks.call("on_epoch_begin", {"epoch": len(st.loss_curve_) + 1, "estimator": self.owner})
            if cfg.resample is not None:
                X, y, sample_weight, mask = cfg.resample(*given, self.rng)
                n = X.shape[0]
            # overflow is reported once, as a DivergenceWarning, not as RuntimeWarnings
            with np.errstate(over="ignore", invalid="ignore"):
                epoch_loss = self.run_epoch(X, y, sample_weight, mask)
            st.n_iter_ += 1
            st.loss_ = epoch_loss
            st.loss_curve_.append(epoch_loss)
            if cfg.verbose:
                self._echo("Iteration %d, loss = %.8f" % (st.n_iter_, epoch_loss))
            if self._diverged(epoch_loss):
                self._recover((X, y, sample_weight, mask), epoch_loss, validation)
                stopped = True
                break
            st.t_ += n
            val_score = val_loss = None
            if validation is not None:
                val_score, val_loss = self._validate(validation)
                st.validation_loss_curve_.append(val_loss)
            elif epoch_loss < best_train_loss:
                best_train_loss = epoch_loss
                self._best_train = snapshot(self._tracked, self._best_train)
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
            if self._hooks.epoch_end(info):
                stopped = True
                break
            if st.no_improvement_count > cfg.n_iter_no_change:
                what = "Validation score" if validation is not None else "Training loss"
                msg = "%s did not improve more than tol=%f for %d consecutive epochs." % (
                    what,
                    cfg.tol,
                    cfg.n_iter_no_change,
                )
                new_lr, stop = self._plateau(opt.learning_rate, msg)
                opt.learning_rate = new_lr
                if stop:
                    stopped = True
                    break
                st.no_improvement_count = 0
        if not incremental and st.n_iter_ == cfg.max_iter and not stopped:
            warnings.warn(
                "Stochastic Optimizer: Maximum iterations (%d) reached and the "
                "optimization hasn't converged yet." % cfg.max_iter,
                ConvergenceWarning,
            )
        if validation is not None and self._best is not None:
            restore(self._tracked, self._best)

