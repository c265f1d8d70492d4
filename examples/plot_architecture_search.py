"""
==================================================
Choosing an architecture with GridSearchCV
==================================================

With :class:`sknn.NeuralNetClassifier` the architecture is an ordinary
hyperparameter: ``layers`` is a list of :mod:`sknn.nn` layer objects that hold
configuration only (the estimator builds deep copies), so ``GridSearchCV`` can
compare architectures like any other parameter. Here three candidates compete
on the digits: a small MLP, a wider MLP with dropout, and a small convolutional
net that sees each row as an 8x8 image.
"""

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV, train_test_split

from sknn import NeuralNetClassifier
from sknn.nn import Activation, Conv2D, Dense, Dropout, Flatten, MaxPool2D, Reshape

X, y = load_digits(return_X_y=True)
X = X / 16.0
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)

architectures = {
    "mlp-32": [Dense(32), Activation("relu")],
    "mlp-128-dropout": [Dense(128), Activation("relu"), Dropout(0.3)],
    "conv-16": [Reshape((8, 8, 1)), Conv2D(16, 3, padding="same"), Activation("relu"),
                MaxPool2D(2), Flatten(), Dense(64), Activation("relu")],
}
grid = GridSearchCV(
    NeuralNetClassifier(max_iter=30, learning_rate_init=0.003, batch_size=64, random_state=0),
    param_grid={"layers": list(architectures.values())},
    cv=3,
)
grid.fit(X_train, y_train)

names = list(architectures)
for name, mean, std in zip(names, grid.cv_results_["mean_test_score"], grid.cv_results_["std_test_score"]):
    print(f"{name:16s} cross-validated accuracy {mean:.3f} +/- {std:.3f}")
best = names[int(np.argmax(grid.cv_results_["mean_test_score"]))]
print(f"best: {best}; held-out accuracy {grid.score(X_test, y_test):.3f}")
# The layer objects in the grid were never built:
assert all("params" not in vars(layer) for arch in architectures.values() for layer in arch)

# %%
try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    print("matplotlib is not installed: skipping the plot.")
else:
    mean, std = grid.cv_results_["mean_test_score"], grid.cv_results_["std_test_score"]
    # constrained layout keeps the tick labels and the axis label inside the figure
    fig, ax = plt.subplots(figsize=(6, 3), layout="constrained")
    ax.barh(names, mean, xerr=std)
    ax.set_xlim(max(0.0, float(np.min(mean - std)) - 0.02), 1.0)
    ax.set_xlabel("3-fold cross-validated accuracy")
    ax.set_title("GridSearchCV over three `layers` architectures")
    fig.savefig("plot_architecture_search.png", dpi=100)
    print("saved plot_architecture_search.png")
