"""
===================================================
Time-series classification: the Trace set with RNNs
===================================================

Trace is a classic time-series classification benchmark (4 classes of
simulated instrument transients, 275 steps each; 100 training and 100 test
series). It ships with `tslearn <https://tslearn.readthedocs.io>`_ in
``tslearn/.cached_datasets/Trace.npz`` (the ``docs`` extra installs tslearn);
we load it from the installed package, with no download. Without tslearn the
example prints how to get it and stops.

:class:`sknn.RNNClassifier` reads 3-D arrays ``(n_series, n_steps, n_features)``
directly. The series are downsampled 5x (55 steps) to keep the example fast.
A bidirectional LSTM and a bidirectional GRU are each trained from three
seeds, twice, on the 55 raw steps (``stem=None``): with the default
``pooling='max'`` (the head reads each unit's largest state over all the
steps) and with ``pooling='last'`` (the head reads the state at the last step
only). The test accuracies printed below are this run's.

What to expect from them: a class of Trace is told by a short transient, and
where it happens varies from series to series. Read through the last state,
the network has to carry that transient to the end of the series; a run then
either stalls on a plateau, where the training loss stays flat and the
network tells only three of the four classes apart, or it escapes the plateau
and fits the training set. Which of the two happens depends on the seed, and
for a given seed it can even depend on the machine: float32 matrix products
are rounded differently when OpenBLAS splits them over a different number of
threads, and 80 epochs of training amplify that last-bit difference into a
different end point. Max pooling hands the transient to the head from the
step where it happens, which is what makes the plateau easy to leave. The
default ``stem='auto'`` (a strided convolution in front of series of at least
32 steps) shortens the path through time too; it is left out here to show
the pooling alone. With so few training series, read the figures as "escaped
or not", not as a ranking of the cells.
"""

import warnings
from importlib.util import find_spec
from pathlib import Path

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from sknn import RNNClassifier

SEEDS = (0, 1, 2)


def load_trace():
    """Train / test arrays of Trace, or None after printing how to get them."""
    spec = find_spec("tslearn")
    path = None if spec is None else Path(spec.origin).parent / ".cached_datasets" / "Trace.npz"
    if path is None or not path.exists():
        print(
            "NOTE: this example was not run. It reads Trace.npz, shipped in the tslearn package,\n"
            'which is not installed: pip install tslearn (or pip install -e ".[docs]").'
        )
        return None
    data = np.load(path)
    return tuple(data[k] for k in ("X_train", "y_train", "X_test", "y_test"))


def main():
    data = load_trace()
    if data is None:
        return
    X_train, y_train, X_test, y_test = data
    X_train, X_test = X_train[:, ::5], X_test[:, ::5]  # (100, 55, 1)
    mean, std = X_train.mean(), X_train.std()
    X_train, X_test = (X_train - mean) / std, (X_test - mean) / std
    print(f"Trace: train {X_train.shape}, test {X_test.shape}, classes {np.unique(y_train)}")

    runs = {}
    for pooling in ("max", "last"):
        for cell in ("lstm", "gru"):
            for seed in SEEDS:
                clf = RNNClassifier(cell=cell, units=32, bidirectional=True, hidden_layer_sizes=(32,), stem=None,
                                    pooling=pooling, learning_rate_init=0.01, batch_size=20, max_iter=80,
                                    n_iter_no_change=80, random_state=seed)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", ConvergenceWarning)  # max_iter=80 on purpose
                    clf.fit(X_train, y_train)
                key = (pooling, cell, seed)
                runs[key] = (clf, clf.score(X_train, y_train), clf.score(X_test, y_test))
                print(f"pooling={pooling:4s} {cell.upper():4s} seed {seed}: training accuracy {runs[key][1]:.0%}, "
                      f"test accuracy {runs[key][2]:.0%}, final training loss {clf.loss_:.3f}")

    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: skipping the plot.")
        return
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.5))
    for label in np.unique(y_train):
        ax1.plot(X_train[y_train == label][0, :, 0], label=f"class {label}")
    ax1.set_title("One training series per class")
    ax1.legend()
    colors = {"lstm": "tab:blue", "gru": "tab:orange"}
    for (pooling, cell, seed), (clf, _, test) in runs.items():
        ax2.plot(clf.loss_curve_, color=colors[cell], alpha=0.4 + 0.2 * seed, ls="-" if pooling == "max" else ":",
                 label=f"{cell.upper()} pooling={pooling} seed {seed} (test {test:.0%})")
    ax2.set_xlabel("epoch")
    ax2.set_ylabel("training log-loss")
    ax2.set_yscale("log")
    ax2.legend(fontsize="x-small", loc="lower left")
    fig.tight_layout()
    fig.savefig("plot_rnn_trace.png", dpi=100)
    print("saved plot_rnn_trace.png")


if __name__ == "__main__":
    main()
