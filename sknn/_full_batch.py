"""The full-batch (L-BFGS) fit of the training loop.

One L-BFGS run replaces the epochs: every evaluation is the loss and gradients
of all the data (:meth:`sknn.training.Trainer.loss_and_grads`), each iteration
is reported to the callbacks as an epoch, and a run that ends on non-finite
weights keeps the weights it started from.
"""

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from ._divergence import NON_FINITE_MESSAGE, DivergenceWarning, restore, snapshot
from .nn.lbfgs import lbfgs_minimize

__all__ = ["FullBatchFit"]

# scipy's default relative-reduction tolerance of L-BFGS-B (factr=1e7 times eps)
_LBFGS_FTOL = 1e7 * np.finfo(float).eps


class FullBatchFit:
    """The L-BFGS part of :class:`sknn.training.Trainer` (a mixin of it).

    It relies on the trainer's ``net``, ``config``, ``state``, ``rng``,
    ``owner``, ``params``, ``grads``, ``_tracked``, ``_hooks``, ``_echo`` and
    :meth:`~sknn.training.Trainer.loss_and_grads`.
    """

    def _fit_lbfgs(self, X, y, sample_weight, mask):
        cfg, st = self.config, self.state

        def compute():
            value = self.loss_and_grads(X, y, sample_weight, mask, training=True)
            return value, self.grads

        stopped = []

        def on_iteration(loss):
            iteration = len(stopped) + 1
            if cfg.verbose:
                self._echo("Iteration %d, loss = %.8f" % (iteration, loss))
            info = {
                "epoch": iteration,
                "loss": loss,
                "validation_loss": None,
                "validation_score": None,
                "learning_rate": None,
                "time": None,
                "estimator": self.owner,
            }
            stopped.append(self._hooks.epoch_end(info))
            if not stopped[-1] and iteration < cfg.max_iter:
                self._hooks.call("on_epoch_begin", {"epoch": iteration + 1, "estimator": self.owner})
            return stopped[-1]

        self.net.rng_for_training(self.rng)
        start = snapshot(self._tracked)
        self._hooks.call("on_epoch_begin", {"epoch": 1, "estimator": self.owner})
        with np.errstate(over="ignore", invalid="ignore"):
            result = lbfgs_minimize(
                self.params,
                compute,
                max_iter=cfg.max_iter,
                max_fun=cfg.max_fun,
                tol=cfg.tol,
                # tol also bounds the relative-reduction stop, so tol=0 runs to a limit
                ftol=min(_LBFGS_FTOL, cfg.tol),
                callback=on_iteration,
            )
        st.n_iter_ = int(result.nit)
        st.loss_ = float(result.fun)
        if not np.isfinite(st.loss_):
            # the best point L-BFGS found is not finite: not one evaluation was
            restore(self._tracked, start)
            st.diverged = True
            raise ValueError(NON_FINITE_MESSAGE)
        if not all(np.all(np.isfinite(p)) for p in self.params):
            restore(self._tracked, start)
            st.diverged = True
            warnings.warn(
                "Training diverged: L-BFGS reached non-finite weights; the initial "
                "weights were kept.",
                DivergenceWarning,
            )
        elif int(result.status) != 0 and not any(stopped):
            # scikit-learn warns on any stop that is not convergence (limits, line search)
            msg = result.message
            if isinstance(msg, bytes):
                msg = msg.decode("latin1")
            warnings.warn(
                "lbfgs failed to converge after %d iteration(s) (status=%d): %s. "
                "Increase the number of iterations (max_iter) or scale the data."
                % (result.nit, result.status, msg),
                ConvergenceWarning,
            )
