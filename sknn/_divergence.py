"""Divergence of the training loop: telling a blow-up from noisy training, and recovering.

The rules (reference scale, :data:`BLOWUP_FACTOR`, which weights are kept) are
described in :mod:`sknn.training`, whose :class:`~sknn.training.Trainer` this
module's :class:`DivergenceGuard` is a part of.
"""

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

__all__ = ["BLOWUP_FACTOR", "REFERENCE_ROWS", "NON_FINITE_MESSAGE", "DivergenceWarning", "DivergenceGuard",
           "snapshot", "restore"]

#: An epoch whose loss is this many times the reference scale has diverged.
BLOWUP_FACTOR = 1e4

#: The reference scale is measured on this many rows (evenly spaced) at most: a scale for a test by a factor
#: of BLOWUP_FACTOR needs no more, and the pass is part of every fit's fixed cost.
REFERENCE_ROWS = 128

NON_FINITE_MESSAGE = (
    "Solver produced non-finite parameter weights. The input data may contain "
    "large values and need to be preprocessed."
)


class DivergenceWarning(ConvergenceWarning):
    """Training stopped because the loss became NaN, infinite, or blew up."""


def snapshot(arrays, into=None):
    """Copies of ``arrays`` (into the arrays of ``into`` when given, reused between epochs)."""
    if into is None:
        return [a.copy() for a in arrays]
    for dst, src in zip(into, arrays):
        np.copyto(dst, src)
    return into


def restore(arrays, snapshot):
    """Copy ``snapshot`` back into ``arrays``, in place (views held by the layers stay valid)."""
    for dst, src in zip(arrays, snapshot):
        np.copyto(dst, src)


class DivergenceGuard:
    """The divergence part of :class:`sknn.training.Trainer` (a mixin of it).

    It relies on the trainer's ``net``, ``loss``, ``state``, ``params``,
    ``penalized``, ``_tracked`` (weights and buffers), the snapshots ``_start``,
    ``_best`` and ``_best_train`` taken by the loop, and its methods
    ``_inference``, ``_penalty``, ``_batch_size`` and ``_validate``.
    """

    def _reference_loss(self, X, y, mask):
        """The loss scale divergence is measured against (see the module docs)."""
        n = X.shape[0]
        idx = np.unique(np.linspace(0, n - 1, min(n, REFERENCE_ROWS)).astype(np.intp))
        ys = y[idx]
        with np.errstate(all="ignore"):
            raw = self._inference(X[idx], None if mask is None else mask[idx])
            initial = self.loss.value(ys, raw) + self._penalty(self._batch_size(n, warn=False))
            zero = self.loss.value(ys, np.zeros_like(raw))
        finite = [float(v) for v in (initial, zero) if np.isfinite(v)]
        return max(finite) if finite else None

    def _diverged(self, epoch_loss):
        if not np.isfinite(epoch_loss):
            return True
        ref = self.state.reference_loss
        return ref is not None and ref > 0 and epoch_loss > BLOWUP_FACTOR * ref

    def _data_loss(self, X, y, sample_weight, mask):
        """Inference-mode loss of the current weights; inf when not finite."""
        with np.errstate(all="ignore"):
            raw = self._inference(X, mask)
            if not np.isfinite(raw).all():
                return np.inf
            value = float(self.loss.value(y, raw, sample_weight))
        return value if np.isfinite(value) else np.inf

    def _recover(self, data, epoch_loss, validation):
        """After a diverged epoch: keep the best finite weights, or raise."""
        st = self.state
        # the optimizer's moments hold the blow-up: start them afresh (the learning rate stays)
        st.optimizer.setup(self.params, self.penalized)
        if not np.isfinite(epoch_loss) and st.n_iter_ == 1:
            # not one finite epoch in this call: as scikit-learn, refuse, and leave the model
            # (weights and the published loss curve) as it was
            restore(self._tracked, self._start)
            st.loss_curve_.pop()
            st.n_iter_, st.loss_ = 0, (st.loss_curve_[-1] if st.loss_curve_ else None)
            raise ValueError(NON_FINITE_MESSAGE)
        st.diverged = True
        if validation is not None:
            st.validation_scores_.append(float("nan"))
            st.validation_loss_curve_.append(float("nan"))
        if validation is not None and self._best is not None:
            # the best epoch's weights if they beat the starting ones on the held-out set
            restore(self._tracked, self._start)
            if self._validate(validation)[0] > st.best_validation_score_:
                self._best = self._start
                what = "the weights it started from were kept"
            else:
                what = "the weights of the best validation score were kept"
            restore(self._tracked, self._best)
        else:
            # the best epoch's weights if they beat the starting ones on the data, else those
            keep = self._start
            if self._best_train is not None:
                restore(self._tracked, self._start)
                start_loss = self._data_loss(*data)
                restore(self._tracked, self._best_train)
                if self._data_loss(*data) <= start_loss:
                    keep = self._best_train
            restore(self._tracked, keep)
            what = (
                "the weights of the epoch with the lowest loss were kept"
                if keep is self._best_train
                else "the weights it started from were kept"
            )
        if np.isfinite(epoch_loss):
            how = (
                f"grew to {epoch_loss:.3g}, more than {BLOWUP_FACTOR:g} times its "
                f"initial scale ({st.reference_loss:.3g})"
            )
        else:
            how = "became NaN or infinite"
        warnings.warn(
            f"Training diverged: the loss {how} at epoch {st.n_iter_}. Training "
            f"stopped and {what}. Lower learning_rate_init, scale the inputs, or "
            "set clip_norm.",
            DivergenceWarning,
        )
