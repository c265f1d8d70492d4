"""The interactions of :class:`~sknn.NeuralRecommender`: seen pairs, sampled negatives, all-item scores.

The recommender keeps the (user, item) pairs observed in training as a sparse
matrix (to leave them out of recommendations and of the negatives), draws fresh
unobserved items every epoch with implicit feedback (the training loop's
``resample`` hook), and scores every known item for a set of users.
"""

import numpy as np
import scipy.sparse as sp

from ..inference import predict_raw

__all__ = ["Interactions"]


class Interactions:
    """The recommender's pair bookkeeping, on its fitted ``users_``, ``items_``, ``network_``."""

    def _add_seen(self, idx):
        """Remember the observed pairs (for exclude_seen and negative sampling)."""
        shape = (len(self.users_) + 1, len(self.items_) + 1)
        m = sp.csr_matrix((np.ones(len(idx), dtype=bool), (idx[:, 0], idx[:, 1])), shape=shape)
        if self._seen is not None:
            m = m + self._seen
        m = m.astype(bool).tocsr()
        m.sum_duplicates()
        self._seen = m
        coo = m.tocoo()
        self._seen_codes = np.sort(coo.row.astype(np.int64) * shape[1] + coo.col)

    def _with_negatives(self, X, y, sample_weight, mask, rng):
        """Per-epoch data: the given pairs plus ``n_negatives`` sampled items per positive."""
        pos = np.flatnonzero(y[:, 0] > 0)
        k = int(self.n_negatives)
        users = np.repeat(X[pos, 0].astype(np.int64), k)
        n_items = len(self.items_)
        width = n_items + 1
        items = rng.integers(1, n_items + 1, users.size)
        for _ in range(5):  # redraw the (rare) observed pairs a few times
            hit = np.isin(users * width + items, self._seen_codes)
            if not hit.any():
                break
            items[hit] = rng.integers(1, n_items + 1, int(hit.sum()))
        negs = np.column_stack([users, items]).astype(X.dtype)
        X_ep = np.concatenate([X, negs])
        y_ep = np.concatenate([y, np.zeros((negs.shape[0], y.shape[1]), dtype=y.dtype)])
        sw_ep = None if sample_weight is None else np.concatenate([sample_weight, np.repeat(sample_weight[pos], k)])
        return X_ep, y_ep, sw_ep, None

    def _scores_for(self, uidx):
        """Raw scores of every known item for the user indices ``uidx``: (len(uidx), n_items)."""
        n_items = len(self.items_)
        items = np.arange(1, n_items + 1)
        rows_per_chunk = max(1, 262144 // n_items)
        out = np.empty((len(uidx), n_items), dtype=self.network_.dtype)
        for s in range(0, len(uidx), rows_per_chunk):
            chunk = uidx[s : s + rows_per_chunk]
            pairs = np.column_stack([np.repeat(chunk, n_items), np.tile(items, len(chunk))])
            raw = predict_raw(self.network_, pairs, batch_size=65536)
            out[s : s + len(chunk)] = raw.reshape(len(chunk), n_items)
        return out
