"""
=============================================
Digits as 8x8 images with a convolutional net
=============================================

The 1,797 handwritten digits of scikit-learn are 8x8 grey images. A
:class:`sknn.ConvNetClassifier` sees them as images (``input_shape=(8, 8, 1)``):
two blocks of 3x3 convolutions, ReLU and 2x2 max pooling, then a dense layer.
Each 2-D row of ``X`` is reshaped to an image by the estimator, so it fits
after any scikit-learn transformer.

We hold out a quarter of the digits, report the accuracy, and plot the 32
learned filters of the first convolution (saved as ``plot_conv_digits.png``
when matplotlib is installed).
"""

import time

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from sknn import ConvNetClassifier

X, y = load_digits(return_X_y=True)
X = X / 16.0  # pixel intensities in [0, 1]
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)

clf = ConvNetClassifier(
    input_shape=(8, 8, 1),
    filters=(32, 64),
    kernel_size=3,
    pool_size=2,
    hidden_layer_sizes=(128,),
    dropout=0.5,
    batch_size=64,
    learning_rate="cosine",
    learning_rate_init=0.003,
    max_iter=40,
    n_iter_no_change=40,
    random_state=0,
)
start = time.perf_counter()
clf.fit(X_train, y_train)
elapsed = time.perf_counter() - start
accuracy = clf.score(X_test, y_test)
print(f"ConvNetClassifier: {accuracy:.2%} test accuracy on {len(y_test)} held-out digits "
      f"({clf.n_iter_} epochs, {elapsed:.1f} s)")

# %%
# The learned filters of the first convolution
# ---------------------------------------------
kernel = clf.network_.layers[0].params[0]  # (3, 3, 1, 32)
try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    print("matplotlib is not installed: skipping the plot.")
else:
    fig, axes = plt.subplots(4, 8, figsize=(8, 4.4))
    for i, ax in enumerate(axes.ravel()):
        w = kernel[:, :, 0, i]
        lim = np.abs(w).max()
        ax.imshow(w, cmap="RdBu_r", vmin=-lim, vmax=lim)
        ax.set_axis_off()
    fig.suptitle(f"First-layer 3x3 filters (test accuracy {accuracy:.1%})")
    fig.savefig("plot_conv_digits.png", dpi=100, bbox_inches="tight")
    print("saved plot_conv_digits.png")
