"""Convolutional net, one training epoch: sknn vs a plain PyTorch CPU loop.

28x28x1 input -> Conv 32 3x3 -> ReLU -> MaxPool 2 -> Conv 64 3x3 -> ReLU ->
MaxPool 2 -> Dense 128 -> ReLU -> Dense 10; softmax cross-entropy, Adam
(lr 1e-3), batch 128, one shuffled epoch over 6,000 samples, float32, 2 threads.
sknn runs the public estimator (NeuralNetClassifier with these layers, so
validation and label encoding are timed too). Not a test:

    PYTHONPATH=. python bench/conv.py [--repeats 2]
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

    torch.set_num_threads(2)
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


RUNNERS = {"sknn": (make_data, run_sknn), "torch": (make_data, run_torch)}

if __name__ == "__main__":
    _harness.main(os.path.abspath(__file__), RUNNERS, "Convolutional: 6,000 28x28 images, one epoch")
