"""
=========================================================
Forecasting a noisy seasonal series with an RNN regressor
=========================================================

A series with a daily-like season, a slower cycle and noise. The
:class:`sknn.RNNRegressor` (a GRU) reads the last 48 values and predicts the
next one (sequence to one). Each window is a 2-D row, which the estimator
treats as a sequence of 48 steps with one feature. We train on the first four
fifths of the series and forecast the rest one step ahead, against the seasonal
naive forecast (the value one season earlier).

The same estimator also predicts one value per step (sequence to sequence):
with ``return_sequences=True`` it denoises a whole window at once.
"""

import numpy as np

from sknn import RNNRegressor

rng = np.random.default_rng(0)
n, season, window = 1600, 24, 48
t = np.arange(n)
series = np.sin(2 * np.pi * t / season) + 0.5 * np.sin(2 * np.pi * t / 200) + 0.2 * rng.standard_normal(n)

windows = np.lib.stride_tricks.sliding_window_view(series, window + 1)
X, y = windows[:, :window], windows[:, window]
split = int(0.8 * len(X))
reg = RNNRegressor(cell="gru", units=32, learning_rate_init=0.005, batch_size=64, max_iter=25, random_state=0)
reg.fit(X[:split], y[:split])
pred = reg.predict(X[split:])
rmse = np.sqrt(np.mean((pred - y[split:]) ** 2))
naive = np.sqrt(np.mean((X[split:, -season] - y[split:]) ** 2))
print(f"one-step forecast RMSE: GRU {rmse:.3f}, seasonal naive {naive:.3f} (noise level 0.200)")

# %%
# Sequence to sequence: denoise each window step by step
clean = np.sin(2 * np.pi * t / season) + 0.5 * np.sin(2 * np.pi * t / 200)
clean_windows = np.lib.stride_tricks.sliding_window_view(clean, window + 1)[:, :window]
seq = RNNRegressor(cell="lstm", units=16, bidirectional=True, return_sequences=True,
                   learning_rate_init=0.01, batch_size=64, max_iter=15, random_state=0)
seq.fit(X[:split], clean_windows[:split])
denoised = seq.predict(X[split:])
print(f"sequence-to-sequence denoising RMSE {np.sqrt(np.mean((denoised - clean_windows[split:]) ** 2)):.3f}")

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    print("matplotlib is not installed: skipping the plot.")
else:
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(9, 5.5))
    idx = np.arange(split, len(X))[:200] + window
    ax1.plot(idx, series[idx], ".", ms=3, color="grey", label="series")
    ax1.plot(idx, pred[:200], label=f"GRU one-step forecast (RMSE {rmse:.3f})")
    ax1.legend(loc="upper right")
    ax2.plot(X[split], ".", color="grey", label="noisy window")
    ax2.plot(clean_windows[split], "k--", label="clean")
    ax2.plot(denoised[0], label="bidirectional LSTM, seq-to-seq")
    ax2.legend(loc="upper right")
    fig.tight_layout()
    fig.savefig("plot_sequence_forecast.png", dpi=100)
    print("saved plot_sequence_forecast.png")
