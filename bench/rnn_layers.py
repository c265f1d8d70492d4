"""Speed of one LSTM training step (forward + backward): sknn vs PyTorch.

LSTM(128) over 100 steps x 8 features, batch 64, float32, last state -> Dense(5),
squared-error gradient. Both libraries run on 2 threads. Not a test.

    PYTHONPATH=. python bench/rnn_layers.py
"""

import os

os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")

import time  # noqa: E402

import numpy as np  # noqa: E402

from sknn.nn import LSTM  # noqa: E402

N, T, F, U, OUT = 64, 100, 8, 128, 5
REPEATS = 8
BLOCKS = 4


def sknn_step_fn(X, y):
    rng = np.random.default_rng(0)
    lstm = LSTM(U)
    lstm.input_grad = False  # first layer of the network
    lstm.build((T, F), rng, np.float32)
    W = (rng.standard_normal((U, OUT)) * 0.1).astype(np.float32)
    b = np.zeros(OUT, np.float32)

    def step():
        h = lstm.forward(X, training=True)
        out = h @ W + b
        d_out = (out - y) * np.float32(2.0 / out.size)
        gW = h.T @ d_out  # noqa: F841  (the Dense layer's gradients)
        gb = d_out.sum(0)  # noqa: F841
        lstm.backward(d_out @ W.T)

    return step


def torch_step_fn(X, y):
    import torch

    torch.set_num_threads(2)
    torch.manual_seed(0)
    lstm = torch.nn.LSTM(F, U, batch_first=True)
    dense = torch.nn.Linear(U, OUT)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)

    def step():
        lstm.zero_grad()
        dense.zero_grad()
        _, (h, _) = lstm(Xt)
        loss = torch.mean((dense(h[-1]) - yt) ** 2)
        loss.backward()

    return step


def main():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((N, T, F)).astype(np.float32)
    y = rng.standard_normal((N, OUT)).astype(np.float32)
    steps = {"sknn": sknn_step_fn(X, y)}
    try:
        steps["torch"] = torch_step_fn(X, y)
    except ImportError:
        print("torch not installed; sknn only")
    # Alternate blocks of runs so that background load hits both libraries alike;
    # whole blocks (not single steps) because each library's idle thread pool
    # keeps spinning for a while and would slow the other one down.
    times = {name: [] for name in steps}
    for _ in range(BLOCKS):
        for name, step in steps.items():
            step()
            step()  # warm-up; lets the other library's threads go to sleep
            for _ in range(REPEATS):
                t0 = time.perf_counter()
                step()
                times[name].append(time.perf_counter() - t0)
    for name, ts in times.items():
        print(f"{name:5s} LSTM train step: median {np.median(ts) * 1e3:7.2f} ms   min {np.min(ts) * 1e3:7.2f} ms")
    if "torch" in times:
        s, t = times["sknn"], times["torch"]
        print(f"ratio sknn / torch: median {np.median(s) / np.median(t):.2f}x   min {np.min(s) / np.min(t):.2f}x")


if __name__ == "__main__":
    main()
