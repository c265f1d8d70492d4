"""The defaults benchmark's own arithmetic: the DTW baseline, the .ts parser and the mean-rank choice."""

import os
import sys

import numpy as np
import pytest

# bench/ on the import path only while its modules load: it holds scripts (e.g. distributed.py) whose
# names would shadow installed packages for every later test in the same process
_BENCH = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "bench")
sys.path.insert(0, _BENCH)
try:
    import defaults  # noqa: E402
    import defaults_series  # noqa: E402
finally:  # the bench modules put their folder on the path too
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _BENCH]


def _dtw_reference(x, y, w):
    """The textbook O(T^2) recursion, one pair at a time."""
    T = len(x)
    D = np.full((T + 1, T + 1), np.inf)
    D[0, 0] = 0.0
    for i in range(1, T + 1):
        for j in range(max(1, i - w), min(T, i + w) + 1):
            D[i, j] = np.sum((x[i - 1] - y[j - 1]) ** 2) + min(D[i - 1, j - 1], D[i - 1, j], D[i, j - 1])
    return np.sqrt(D[T, T])


def test_dtw_hand_example():
    # [0, 1, 2, 3] against [0, 0, 1, 2]: warping repeats 0 and 3, leaving one unit of cost; the
    # Euclidean distance (no warping) pays 1 at three steps.
    a, b = np.array([[0.0, 1, 2, 3]]), np.array([[0.0, 0, 1, 2]])
    assert defaults_series.dtw_distances(a, b, 1)[0, 0] == pytest.approx(1.0)
    assert defaults_series.dtw_distances(a, b, 0)[0, 0] == pytest.approx(np.sqrt(3.0))


@pytest.mark.parametrize("window", [0, 1, 3, 30])
def test_dtw_matches_the_textbook_recursion(window):
    rng = np.random.default_rng(window)
    A, B = rng.standard_normal((3, 12, 2)), rng.standard_normal((4, 12, 2))
    got = defaults_series.dtw_distances(A, B, window)
    want = np.array([[_dtw_reference(x, y, window) for y in B] for x in A])
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_one_nn_dtw_finds_the_shifted_copy():
    t = np.linspace(0, 1, 40)
    train = np.stack([np.exp(-((t - 0.3) / 0.05) ** 2), np.sin(6 * np.pi * t)])[:, :, None]
    test = np.exp(-((t - 0.35) / 0.05) ** 2)[None, :, None]  # the bump, shifted by 2 steps
    assert defaults_series.one_nn_dtw(train, np.array(["bump", "sine"]), test).tolist() == ["bump"]


TS = """# a comment
@problemName toy
@univariate false
@equalLength true
@classLabel true a b
@data
1,2,3:4,5,6:a
7,8,9:1,1,1:b
"""


def test_parse_ts_multivariate():
    X, y = defaults_series.parse_ts(TS)
    assert X.shape == (2, 3, 2)  # (series, steps, channels)
    assert X[0, :, 1].tolist() == [4, 5, 6]
    assert y.tolist() == ["a", "b"]


def test_parse_ts_refuses_unequal_lengths():
    with pytest.raises(ValueError, match="different lengths"):
        defaults_series.parse_ts(TS.replace("7,8,9:1,1,1", "7,8:1,1"))


def test_ranks_and_mean_ranks():
    assert defaults.ranks([0.5, 0.9, 0.5]) == [2.5, 1.0, 2.5]
    rows = [dict(family="f", dataset=d, role=role, estimator=e, sknn=s, baseline_name="b", baseline=0.5)
            for d, role in (("one", "choice"), ("two", "choice"), ("out", "held-out"))
            for e, s in (("x", 0.9), ("y", 0.1 if d == "one" else 0.95))]
    ranked = defaults.mean_ranks(rows)["f"]
    # x: ranks 1 and 2; y: 3 and 1; the baseline: 2 and 3; the held-out set is not counted
    assert [(r, e) for r, e, _ in ranked] == [(1.5, "x"), (2.0, "y"), (2.5, "baseline: b")]
    assert all(n == 2 for _, _, n in ranked)
