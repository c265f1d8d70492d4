"""The training loop, with each batch's loss and gradients summed over Dask workers.

:class:`ClusterTrainer` is the one training loop (:class:`sknn.training.Trainer`)
whose data hook, :meth:`~sknn.training.Trainer.data_loss_and_grads`, maps the
batch's rows to the partitions that hold them, computes each partition's sums
where it lives and adds them up in a fixed tree. The loop itself (batches,
optimizer steps, L-BFGS, schedules, early stopping, callbacks) runs on the
client unchanged; it sees the data as :class:`Rows`, global row numbers.
"""

import asyncio
import concurrent.futures

import numpy as np

from ..training import Trainer
from . import _worker

__all__ = ["Rows", "Cluster", "ClusterTrainer", "StepFailedError"]


class StepFailedError(RuntimeError):
    """A training step could not be computed on the cluster (workers lost too often)."""


class Rows:
    """Global row numbers of the training data held by the workers.

    Stands for ``X`` (and ``y``) in the loop: indexing it selects rows, and
    ``shape[0]`` is their number. ``index`` None means all the rows.
    """

    def __init__(self, n, index=None):
        self.index = index
        self.shape = (n if index is None else len(index),)

    def __getitem__(self, idx):
        if self.index is not None:
            return Rows(0, self.index[idx])
        if isinstance(idx, slice):
            return Rows(0, np.arange(*idx.indices(self.shape[0])))
        return Rows(0, np.asarray(idx))


def _failures():
    """Exceptions that mean a lost worker or connection (the step is computed again)."""
    kinds = [OSError, TimeoutError, asyncio.CancelledError, concurrent.futures.CancelledError]
    try:
        from distributed.scheduler import KilledWorker

        kinds.append(KilledWorker)
    except ImportError:  # pragma: no cover
        pass
    return tuple(kinds)


class Cluster:
    """The partitions on the workers and how to run sums over them.

    Parameters
    ----------
    client : distributed.Client
    model : Future of :class:`sknn.dask._worker.Model`
    parts : list of Future
        The prepared partitions, in row order.
    n_train : list of int
        Training rows of each partition.
    seed : int
        Base seed of the per-task generators (dropout).
    max_retries : int
        Times a failed step is computed again before :class:`StepFailedError`.
    timeout : float or None
        Seconds one step may take.
    fan_in : int
        Shares added per reduction task.
    """

    def __init__(self, client, model, parts, n_train, seed, max_retries=3, timeout=None, fan_in=4):
        self.client = client
        self.model = model
        self.parts = parts
        self.offsets = np.concatenate([[0], np.cumsum(n_train)]).astype(np.intp)
        self.seed = seed
        self.max_retries = max_retries
        self.timeout = timeout
        self.fan_in = fan_in
        self.evaluations = 0
        self.retries = 0

    @property
    def n_rows(self):
        return int(self.offsets[-1])

    def split(self, index):
        """``[(partition, local rows or None)]`` for global rows ``index`` (None: all)."""
        if index is None:
            return [(p, None) for p in range(len(self.parts)) if self.offsets[p + 1] > self.offsets[p]]
        owner = np.searchsorted(self.offsets, index, side="right") - 1
        order = np.argsort(owner, kind="stable")  # keeps the batch's order within a partition
        owners, starts = np.unique(owner[order], return_index=True)
        groups = np.split(index[order], starts[1:])
        return [(int(p), rows - self.offsets[p]) for p, rows in zip(owners, groups)]

    def run(self, submit):
        """``submit()`` returns futures; their results, retried after worker failures."""
        failures = _failures()
        for attempt in range(self.max_retries + 1):
            futures = submit()
            try:
                return self.client.gather(futures, errors="raise") if self.timeout is None else [
                    f.result(timeout=self.timeout) for f in futures
                ]
            except failures as exc:
                last = exc
                self.retries += 1
            finally:
                self.client.cancel(futures)
        raise StepFailedError(
            f"A training step failed {self.max_retries + 1} times because workers or connections "
            f"were lost (last error: {last!r}). Training stopped; the model was not changed by "
            "the failed step and the estimator is left as it was before fit."
        ) from last

    def reduce(self, futures):
        """Sum the shares in a fixed tree of fan-in ``fan_in``: on the workers up to the root.

        Returns at most ``fan_in`` futures, whose sum (the root, on the client)
        is the total: one hop less per step than a root task on a worker.
        """
        while len(futures) > self.fan_in:
            futures = [
                self.client.submit(_worker.sum_shares, *futures[i : i + self.fan_in], pure=False)
                for i in range(0, len(futures), self.fan_in)
            ]
        return futures

    def loss_grads(self, weights, index, training):
        """The summed :class:`~sknn.dask._worker.Share` of rows ``index``."""
        self.evaluations += 1
        step = self.evaluations
        groups = self.split(index)

        def submit():
            shares = [
                self.client.submit(
                    _worker.share_loss_grads, self.model, self.parts[p], weights, rows, training,
                    [self.seed, step, p], pure=False,
                )
                for p, rows in groups
            ]
            return self.reduce(shares)

        return _worker.sum_shares(*self.run(submit))

    def outputs(self, weights, index, held_out=False):
        """Inference outputs and encoded targets of rows ``index`` (or of all held-out rows)."""
        groups = [(p, None) for p in range(len(self.parts))] if held_out else self.split(index)

        def submit():
            return [
                self.client.submit(
                    _worker.share_outputs, self.model, self.parts[p], weights, rows, held_out, pure=False
                )
                for p, rows in groups
            ]

        results = self.run(submit)
        raw = np.concatenate([r for r, _ in results])
        y = np.concatenate([t for _, t in results])
        return raw, y

    def data_loss(self, weights):
        """Inference-mode weighted mean loss over the training rows (inf if not finite)."""

        def submit():
            return [
                self.client.submit(_worker.share_data_loss, self.model, f, weights, pure=False)
                for f in self.parts
            ]

        sums = self.run(submit)
        total = sum(s for s, _ in sums)
        weight = sum(w for _, w in sums)
        return total / weight if np.isfinite(total) else np.inf


class ClusterTrainer(Trainer):
    """The training loop over data held by Dask workers (see the module docs).

    ``fit`` is called with :class:`Rows` for ``X`` and ``y`` and no sample
    weights or masks (those stay with the partitions).
    """

    def __init__(self, net, loss, config, state, rng, *, owner, cluster):
        super().__init__(net, loss, config, state, rng, owner=owner)
        self.cluster = cluster

    def _weights(self):
        return np.concatenate([p.ravel() for p in self.params])

    def data_loss_and_grads(self, X, y, sample_weight=None, mask=None, training=True):
        total = self.cluster.loss_grads(self._weights(), X.index, training)
        if not total.weight > 0:
            raise ValueError(
                "A batch's sample weights sum to zero over all its rows; DataParallel does not "
                "skip such batches as the single-machine loop does: drop the rows of zero weight."
            )
        start = 0
        for g in self.grads:
            np.copyto(g, (total.grad[start : start + g.size] / total.weight).reshape(g.shape))
            start += g.size
        return total.loss / total.weight, total.weight

    def _reference_loss(self, X, y, mask):
        n = X.shape[0]
        idx = np.unique(np.linspace(0, n - 1, min(n, 512)).astype(np.intp))
        raw, ys = self.cluster.outputs(self._weights(), idx)
        with np.errstate(all="ignore"):
            initial = self.loss.value(ys, raw) + self._penalty(self._batch_size(n, warn=False))
            zero = self.loss.value(ys, np.zeros_like(raw))
        finite = [float(v) for v in (initial, zero) if np.isfinite(v)]
        return max(finite) if finite else None

    def _validate(self, val):
        raw, _ = self.cluster.outputs(self._weights(), None, held_out=True)
        if not np.isfinite(raw).all():
            return float("nan"), float("nan")
        return float(val.scorer(raw)), float(self.loss.value(val.y, raw, val.sample_weight))

    def _data_loss(self, X, y, sample_weight, mask):
        return self.cluster.data_loss(self._weights())
