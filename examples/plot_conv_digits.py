"""
=============================================
Digits as 8x8 images with a convolutional net
=============================================

The 1,797 handwritten digits of scikit-learn are 8x8 grey images. A
:class:`sknn.ConvNetClassifier` sees them as images (``input_shape=(8, 8, 1)``):
two blocks of 3x3 convolutions, ReLU and 2x2 max pooling, then a dense layer.
Each 2-D row of ``X`` is reshaped to an image by the estimator, so it fits
after any scikit-learn transformer.

We hold out a quarter of the digits, report the accuracy, and look at what
the first convolution responds to: its ReLU feature maps on a few test digits
(saved as ``plot_conv_digits.png`` when matplotlib is installed). A 3x3 filter
on its own is hard to read; its map shows which strokes of a digit light it up.
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
# What the first convolution responds to
# ----------------------------------------
# The first two layers of the fitted network (the convolution and its ReLU)
# run on a few test digits; the 8 filters shown are those whose maps vary most
# over the test set, i.e. the ones that tell digits apart.
first_block = clf.network_.layers[:2]
images = X_test.reshape(-1, 8, 8, 1).astype(clf.network_.dtype)
maps = images
for layer in first_block:
    maps = layer.forward(maps, training=False)
chosen = np.argsort(maps.reshape(len(maps), -1, maps.shape[-1]).std(axis=(0, 1)))[::-1][:8]
rows = [int(np.flatnonzero(y_test == digit)[0]) for digit in (0, 3, 4, 7)]
try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    print("matplotlib is not installed: skipping the plot.")
else:
    fig, axes = plt.subplots(len(rows), 1 + len(chosen), figsize=(9, 4.8), layout="constrained")
    for r, i in enumerate(rows):
        axes[r, 0].imshow(images[i, :, :, 0], cmap="gray_r")
        axes[r, 0].set_ylabel(f"digit {y_test[i]}")
        for c, f in enumerate(chosen):
            axes[r, c + 1].imshow(maps[i, :, :, f], cmap="magma", vmin=0, vmax=maps[rows][..., f].max())
            if r == 0:
                axes[r, c + 1].set_title(f"filter {f}", fontsize="small")
    for ax in axes.ravel():
        ax.set_xticks([])
        ax.set_yticks([])
    axes[0, 0].set_title("input", fontsize="small")
    fig.suptitle(f"ReLU maps of the first convolution (test accuracy {accuracy:.1%})")
    fig.savefig("plot_conv_digits.png", dpi=100)
    print("saved plot_conv_digits.png")
