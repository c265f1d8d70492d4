"""
Quickstart: sknn in a scikit-learn pipeline
===========================================

:class:`sknn.MLPClassifier` is a scikit-learn estimator, so it goes into a
:class:`~sklearn.pipeline.Pipeline` and a :class:`~sklearn.model_selection.GridSearchCV`
like any other. Here we tune the hidden layer size, the L2 penalty ``alpha``
and sknn's ``dropout`` on the digits data set, then compare the tuned model's
test accuracy and fit time with scikit-learn's own ``MLPClassifier`` trained
on the same split.
"""

import time
import warnings

from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.neural_network import MLPClassifier as SklearnMLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sknn import MLPClassifier

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)

# %%
# Grid search over a pipeline
# ---------------------------

pipe = make_pipeline(StandardScaler(), MLPClassifier(max_iter=60, early_stopping=True, random_state=0))
grid = GridSearchCV(
    pipe,
    {
        "mlpclassifier__hidden_layer_sizes": [(32,), (64,)],
        "mlpclassifier__alpha": [1e-4, 1e-2],
        "mlpclassifier__dropout": [0.0, 0.2],
    },
    cv=3,
    n_jobs=2,
)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    t0 = time.perf_counter()
    grid.fit(X_train, y_train)
    search_time = time.perf_counter() - t0
best = {k.split("__")[1]: v for k, v in grid.best_params_.items()}
print(f"grid search ({len(grid.cv_results_['params'])} candidates x 3 folds): {search_time:.1f} s")
print(f"best parameters: {best}  (cv accuracy {grid.best_score_:.3f})")

# %%
# The same model beside scikit-learn's
# ------------------------------------


def fit_and_score(estimator):
    model = make_pipeline(StandardScaler(), estimator)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        t0 = time.perf_counter()
        model.fit(X_train, y_train)
        elapsed = time.perf_counter() - t0
    return model.score(X_test, y_test), elapsed


settings = dict(max_iter=60, early_stopping=True, random_state=0)
sk_params = {k: v for k, v in best.items() if k != "dropout"}
ours = fit_and_score(MLPClassifier(**settings, **best))
theirs = fit_and_score(SklearnMLPClassifier(**settings, **sk_params))
print(f"\n{'':28s}{'test accuracy':>15s}{'fit time':>10s}")
print(f"{'sknn.MLPClassifier':28s}{ours[0]:15.3f}{ours[1]:9.2f}s")
print(f"{'sklearn MLPClassifier':28s}{theirs[0]:15.3f}{theirs[1]:9.2f}s")
