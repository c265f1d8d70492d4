"""LSTM classifier, one training epoch: sknn vs a plain PyTorch CPU loop.

Sequences of 100 steps x 8 features -> LSTM(128) (last state) -> Dense 5;
softmax cross-entropy, Adam (lr 1e-3), batch 64, one shuffled epoch over 2,000
sequences, float32, `--threads` (2) threads. sknn runs the public RNNClassifier. Not a test:

    PYTHONPATH=. python bench/rnn.py [--repeats 5] [--busy 2]
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _harness  # noqa: E402

N, T, F, UNITS, CLASSES, BATCH = 2000, 100, 8, 128, 5, 64


def make_data():
    import numpy as np

    rng = np.random.default_rng(0)
    y = rng.integers(0, CLASSES, N)
    X = rng.standard_normal((N, T, F)).astype(np.float32)
    X[:, :, 0] += y[:, None] * 0.5
    return X, y


def run_sknn(X, y):
    import warnings

    from sknn import RNNClassifier

    # the network PyTorch runs: the LSTM over the raw steps, its last state to the output (no stem, no pooling)
    clf = RNNClassifier(cell="lstm", units=UNITS, stem=None, pooling="last", batch_size=BATCH, max_iter=1,
                        learning_rate_init=1e-3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(X, y)
    return clf  # bench/onnx.py times its predictions


def run_torch(X, y):
    import torch
    from torch import nn

    torch.manual_seed(0)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(F, UNITS, batch_first=True)
            self.out = nn.Linear(UNITS, CLASSES)

        def forward(self, x):
            _, (h, _) = self.lstm(x)
            return self.out(h[-1])

    model = Net()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    order = torch.randperm(N)
    for start in range(0, N, BATCH):
        idx = order[start : start + BATCH]
        opt.zero_grad()
        loss = loss_fn(model(Xt[idx]), yt[idx])
        loss.backward()
        opt.step()


WORKLOADS = {"lstm": {"sknn": (make_data, run_sknn), "torch": (make_data, run_torch)}}

if __name__ == "__main__":
    _harness.main(os.path.abspath(__file__), WORKLOADS, {"lstm": "Recurrent: LSTM(128), 2,000 sequences of 100 x 8, one epoch"})
