"""Convolutional net, one training epoch: sknn vs a plain PyTorch CPU loop.

28x28x1 input -> Conv 32 3x3 -> ReLU -> MaxPool 2 -> Conv 64 3x3 -> ReLU ->
MaxPool 2 -> Dense 128 -> ReLU -> Dense 10; softmax cross-entropy, Adam
(lr 1e-3), batch 128, one shuffled epoch over 6,000 samples, float32, `--threads` (2) threads.
sknn runs the public estimator (NeuralNetClassifier with these layers, so
validation and label encoding are timed too).

``--workload digits``: small images, small batches. The 8x8 digits (1,797
images) through ConvNetClassifier(filters=(16, 32)) ('same' 3x3 convolutions,
2x2 'same' pooling, Dense 128), batch 200, 3 epochs, against the same network
in PyTorch. Each side also times one epoch at batch 200 and at batch 20: the
difference over the extra batches is the fixed cost of one batch
(``per_batch_ms``). A 1-epoch fit (``epoch_batch200_s``) is split into the
marginal cost of an epoch (``epoch_marginal_s``: a 4-epoch fit minus a 1-epoch
one, over 3) and what the fit costs besides (``fit_fixed_s``). Not a test:

    PYTHONPATH=. python bench/conv.py [--repeats 5] [--busy 2] [--workload digits]
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _harness  # noqa: E402

N, H, W, CLASSES, BATCH = 6000, 28, 28, 10, 128


def make_data():
    import numpy as np

    rng = np.random.default_rng(0)
    y = rng.integers(0, CLASSES, N)
    X = rng.random((N, H, W, 1), dtype=np.float32)
    X[np.arange(N), y, :, 0] += 1.0  # learnable signal, irrelevant to the timing
    return X, y


def run_sknn(X, y):
    import warnings

    from sknn import NeuralNetClassifier
    from sknn.nn import Activation, Conv2D, Dense, Flatten, MaxPool2D

    layers = [Conv2D(32, 3), Activation("relu"), MaxPool2D(2), Conv2D(64, 3), Activation("relu"),
              MaxPool2D(2), Flatten(), Dense(128), Activation("relu")]
    clf = NeuralNetClassifier(layers, batch_size=BATCH, max_iter=1, learning_rate_init=1e-3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(X, y)
    return clf  # bench/onnx.py times its predictions


def run_torch(X, y):
    import torch
    from torch import nn

    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 5 * 5, 128), nn.ReLU(), nn.Linear(128, CLASSES),
    )
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    Xt = torch.from_numpy(X).permute(0, 3, 1, 2).contiguous()  # channels-first, as torch wants
    yt = torch.from_numpy(y)
    order = torch.randperm(N)
    for start in range(0, N, BATCH):
        idx = order[start : start + BATCH]
        opt.zero_grad()
        loss = loss_fn(model(Xt[idx]), yt[idx])
        loss.backward()
        opt.step()


def make_digits():
    import numpy as np
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    return (X / 16).astype(np.float32).reshape(-1, 8, 8, 1), y


def _sknn_digits(X, y, batch, epochs):
    import warnings

    from sknn import ConvNetClassifier

    clf = ConvNetClassifier(input_shape=(8, 8, 1), filters=(16, 32), batch_size=batch, max_iter=epochs,
                            random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(X, y)


def _torch_digits(X, y, batch, epochs):
    import torch
    from torch import nn

    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2, ceil_mode=True),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2, ceil_mode=True),
        nn.Flatten(), nn.Linear(32 * 2 * 2, 128), nn.ReLU(), nn.Linear(128, 10),
    )
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    Xt = torch.from_numpy(X).permute(0, 3, 1, 2).contiguous()
    yt = torch.from_numpy(y)
    for _ in range(epochs):
        order = torch.randperm(len(yt))
        for start in range(0, len(yt), batch):
            idx = order[start : start + batch]
            opt.zero_grad()
            loss = loss_fn(model(Xt[idx]), yt[idx])
            loss.backward()
            opt.step()


def _digits_runner(fit):
    def run(X, y):
        import time

        t0 = time.perf_counter()
        fit(X, y, 200, 3)  # the workload timed (its "seconds")
        seconds = time.perf_counter() - t0
        # the fixed cost of a batch: one epoch at batch 20 against one at batch 200
        epoch = {}
        for batch in (200, 20):
            t0 = time.perf_counter()
            fit(X, y, batch, 1)
            epoch[batch] = time.perf_counter() - t0
        n_batches = {b: -(-len(y) // b) for b in epoch}
        # the marginal cost of an epoch (a 4-epoch fit against a 1-epoch one), and what a fit costs besides
        # its epochs (sknn: checks, label encoding, building, the divergence reference; PyTorch: building)
        t0 = time.perf_counter()
        fit(X, y, 200, 4)
        marginal = (time.perf_counter() - t0 - epoch[200]) / 3
        return {"seconds": seconds, "per_batch_ms": 1e3 * (epoch[20] - epoch[200]) / (n_batches[20] - n_batches[200]),
                "epoch_batch200_s": epoch[200], "epoch_marginal_s": marginal, "fit_fixed_s": epoch[200] - marginal}

    return run


WORKLOADS = {
    "mnist-like": {"sknn": (make_data, run_sknn), "torch": (make_data, run_torch)},
    "digits": {"sknn": (make_digits, _digits_runner(_sknn_digits)), "torch": (make_digits, _digits_runner(_torch_digits))},
}
TITLES = {
    "mnist-like": "Convolutional: 6,000 28x28 images, one epoch",
    "digits": "Convolutional, small: digits 8x8 ConvNet (16, 32), batch 200, 3 epochs",
}

if __name__ == "__main__":
    _harness.main(os.path.abspath(__file__), WORKLOADS, TITLES)
