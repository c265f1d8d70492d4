"""
===========================================
Autoencoder features vs PCA on the digits
===========================================

An :class:`sknn.AutoencoderTransformer` learns a 16-dimensional code of the
8x8 digit images without labels; a logistic regression is then trained on the
code, inside one scikit-learn ``Pipeline``. We compare it with PCA keeping the
same number of components, show a few reconstructions, and use
``score_samples`` (negative reconstruction error) to flag corrupted images.

matplotlib is optional: without it the figures are skipped and only the
numbers are printed.
"""

import time
import warnings

import numpy as np
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from sknn import AutoencoderTransformer

warnings.simplefilter("ignore", ConvergenceWarning)
N_COMPONENTS = 16

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)

# %%
# Classification on 16 learned features
# --------------------------------------
autoencoder = AutoencoderTransformer(
    n_components=N_COMPONENTS,  # the code size, as in PCA (encoder 64 -> 16)
    activation=["relu", "identity"],  # a linear code, as PCA's
    out_activation="logistic",  # pixels scaled to [0, 1]: binary cross-entropy
    noise="masking",
    noise_level=0.1,
    max_iter=100,
    learning_rate_init=0.005,
    random_state=0,
)
models = {
    "PCA": make_pipeline(StandardScaler(), PCA(N_COMPONENTS, random_state=0), LogisticRegression(max_iter=2000)),
    "Autoencoder": make_pipeline(MinMaxScaler(), autoencoder, StandardScaler(), LogisticRegression(max_iter=2000)),
}
print(f"digits, {N_COMPONENTS} components, {len(X_train)} training / {len(X_test)} test images")
for name, model in models.items():
    t0 = time.perf_counter()
    model.fit(X_train, y_train)
    print(f"{name:12s} test accuracy {model.score(X_test, y_test):.3f}   ({time.perf_counter() - t0:.1f} s)")

# %%
# Reconstructions
# ---------------
scaler, ae = models["Autoencoder"][0], models["Autoencoder"][1]
pca_scaler, pca = models["PCA"][0], models["PCA"][1]
X_test01 = scaler.transform(X_test)
rec_ae = ae.inverse_transform(ae.transform(X_test01))
rec_pca = scaler.transform(pca_scaler.inverse_transform(pca.inverse_transform(pca.transform(pca_scaler.transform(X_test)))))
print(f"mean squared reconstruction error on [0, 1] pixels: autoencoder {np.mean((rec_ae - X_test01) ** 2):.4f}, "
      f"PCA {np.mean((rec_pca - X_test01) ** 2):.4f}")

# %%
# Anomaly scores
# --------------
# Corrupt a tenth of the test images (a random block of pixels set to full
# ink) and rank all test images by ``score_samples``: lower is more unusual.
rng = np.random.default_rng(0)
X_anom = X_test01.copy()
is_anomaly = np.zeros(len(X_anom), dtype=bool)
is_anomaly[rng.choice(len(X_anom), len(X_anom) // 10, replace=False)] = True
for i in np.flatnonzero(is_anomaly):
    img = X_anom[i].reshape(8, 8)
    r, c = rng.integers(0, 5, size=2)
    img[r : r + 4, c : c + 4] = 1.0
scores = ae.score_samples(X_anom)
print(f"anomaly detection ROC AUC from score_samples: {roc_auc_score(is_anomaly, -scores):.3f}")

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    plt = None
    print("matplotlib is not installed: figures skipped.")

if plt is not None:
    fig, axes = plt.subplots(3, 10, figsize=(10, 3.4), layout="constrained")
    for j in range(10):
        for row, (images, label) in enumerate([(X_test01, "original"), (rec_ae, "autoencoder"), (rec_pca, "PCA")]):
            ax = axes[row, j]
            ax.imshow(images[j].reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
            if j == 0:
                ax.set_ylabel(label, fontsize=8)
    fig.suptitle(f"Reconstructions from {N_COMPONENTS} components")
    fig.savefig("autoencoder_reconstructions.png", dpi=100)

    fig, ax = plt.subplots(figsize=(5, 3))
    ax.hist(-scores[~is_anomaly], bins=40, alpha=0.7, label="normal")
    ax.hist(-scores[is_anomaly], bins=40, alpha=0.7, label="corrupted")
    ax.set_xlabel("reconstruction error (-score_samples)")
    ax.legend()
    fig.tight_layout()
    fig.savefig("autoencoder_anomaly_scores.png", dpi=100)
    print("figures saved: autoencoder_reconstructions.png, autoencoder_anomaly_scores.png")
