"""NeuralRecommender's ranking of items and its guard on early stopping (explicit feedback).

A predicted rating alone ranks badly: the items with the highest predicted ratings for a user are,
more often than not, items a handful of users rated highly, and the question ``recommend`` answers is
which items the user will turn to, not how they would rate an item they were made to watch. Who rated
what is itself implicit feedback, and with explicit ratings it is the stronger signal for ranking:
``rank_by="interactions"`` scores an item by the users who rated the same items as this user (cosine
overlap of their rated sets, squared so the closest neighbours dominate), and breaks ties (items no
neighbour rated, users with no neighbour) by the predicted rating.
"""

import warnings

import numpy as np
import scipy.sparse as sp

__all__ = ["RANK_BY", "check_rank_by", "neighbour_scores", "top_items", "warn_if_constant"]

RANK_BY = ("auto", "interactions", "prediction")


def check_rank_by(est, rank_by):
    """The ranking ``rank_by`` resolves to for this model: "interactions" or "prediction"."""
    if not isinstance(rank_by, str) or rank_by not in RANK_BY:
        raise ValueError(f"rank_by must be one of {RANK_BY}, got {rank_by!r}.")
    if rank_by == "auto":
        # implicit models are trained on interactions already: their scores are the ranking
        return "interactions" if est.feedback == "explicit" else "prediction"
    return rank_by


def neighbour_scores(seen, uidx):
    """(len(uidx), n_items) scores: the items of the users whose rated sets overlap each user's.

    ``seen`` is the (n_users + 1, n_items + 1) boolean matrix of training pairs (row and column 0: the
    unknown user and item); an unknown user (index 0) scores 0 everywhere.
    """
    S = sp.csr_matrix(seen, dtype=np.float64)[1:, 1:]
    norms = np.sqrt(np.asarray(S.sum(axis=1)).ravel())
    Sn = sp.diags(1.0 / np.maximum(norms, 1.0)) @ S
    out = np.zeros((len(uidx), S.shape[1]))
    known = np.flatnonzero(uidx > 0)
    rows_per_chunk = max(1, 262144 // max(S.shape[1], 1))  # bounded temporaries, as _scores_for
    for s in range(0, len(known), rows_per_chunk):
        rows = known[s : s + rows_per_chunk]
        sims = (Sn[uidx[rows] - 1] @ Sn.T).tocsr()
        sims.data **= 2
        out[rows] = (sims @ S).toarray()
    return out


def top_items(scores, seen, uidx, n, exclude_seen, primary=None):
    """Per user, the indices of the (at most) ``n`` best items, best first.

    ``scores`` (len(uidx), n_items) are the predictions (overwritten where items are excluded);
    ``primary``, when given, ranks first and the predictions break its ties. Excluded and non-finite
    scores are never returned, so a list is shorter than ``n`` when fewer items are left.
    """
    for row, u in enumerate(uidx):
        s = scores[row]
        if exclude_seen and u > 0:
            rated = seen.indices[seen.indptr[u] : seen.indptr[u + 1]] - 1
            s[rated[rated >= 0]] = -np.inf
        if primary is not None:  # the neighbours' items first, the prediction breaks ties
            top = np.lexsort((-s, -primary[row]))
            yield top[np.isfinite(s[top])][:n]
        else:
            k = min(n, s.size)
            top = np.argpartition(-s, k - 1)[:k] if k < s.size else np.arange(s.size)
            top = top[np.argsort(-s[top], kind="stable")]
            yield top[np.isfinite(s[top])]


def warn_if_constant(est):
    """Warn when early stopping kept a model that predicts the held-out ratings no better than a constant.

    The validation score of explicit feedback is R² = 1 - MSE / Var of the held-out ratings, a
    decreasing function of the rating error: a best score <= 0 means the kept epoch does no better
    than predicting the mean rating, which the user would otherwise never learn from a fitted model.
    """
    best = getattr(est, "best_validation_score_", None)
    if est.feedback == "explicit" and best is not None and not best > 0:
        warnings.warn(
            f"Early stopping kept epoch {int(np.argmax(est.validation_scores_)) + 1} with validation "
            f"R^2 = {best:.4f}: no better than predicting the mean rating. Train longer "
            "(larger n_iter_no_change or learning_rate_init), or with less regularisation (alpha).",
            UserWarning,
            stacklevel=3,
        )
