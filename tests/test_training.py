"""The training loop used directly, on a tiny Sequential (no estimator)."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from sknn.nn import Activation, Dense, Sequential
from sknn.nn import losses
from sknn.training import DivergenceWarning, FitState, Trainer, TrainingConfig, Validation
from sknn.inference import predict_raw


def tiny_problem(seed=0, n=64):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    y = (X @ np.array([1.0, -2.0, 0.5]))[:, None] + 0.1 * rng.normal(size=(n, 1))
    return X, y


def tiny_net(seed=0):
    net = Sequential([Dense(8), Activation("tanh"), Dense(1)])
    net.input_grad = False
    net.build((3,), np.random.default_rng(seed))
    return net


def make_trainer(net, state=None, seed=0, **config):
    cfg = TrainingConfig(**{"batch_size": 16, "learning_rate_init": 0.01, "max_iter": 20, **config})
    return Trainer(net, losses.SquaredError(), cfg, state or FitState(), np.random.default_rng(seed))


def test_loss_decreases():
    X, y = tiny_problem()
    net = tiny_net()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        st = make_trainer(net).fit(X, y)
    assert st.n_iter_ == 20 == len(st.loss_curve_)
    assert st.loss_curve_[-1] < 0.3 * st.loss_curve_[0]
    assert st.t_ == 20 * len(X)
    assert st.best_loss_ == min(st.loss_curve_)


def test_state_kept_across_calls():
    X, y = tiny_problem()
    net, state = tiny_net(), FitState()
    for i in range(3):
        make_trainer(net, state).fit(X, y, incremental=True)
        assert state.n_iter_ == 1 and len(state.loss_curve_) == i + 1
    assert state.t_ == 3 * len(X)
    opt = state.optimizer
    make_trainer(net, state).fit(X, y, incremental=True)
    assert state.optimizer is opt  # optimiser moments carried over, not reset
    assert state.loss_curve_[-1] < state.loss_curve_[0]


def test_incremental_equals_continuous_training():
    """Four one-epoch calls give the same weights as one four-epoch fit (same generator)."""
    X, y = tiny_problem()
    a, b = tiny_net(), tiny_net()
    rng = np.random.default_rng(1)
    st = FitState()
    cfg = TrainingConfig(batch_size=16, learning_rate_init=0.01)
    for _ in range(4):
        Trainer(a, losses.SquaredError(), cfg, st, rng).fit(X, y, incremental=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        make_trainer(b, seed=1, max_iter=4).fit(X, y)
    for p, q in zip(a.params, b.params):
        np.testing.assert_array_equal(p, q)


def test_non_finite_loss_stops_with_last_finite_weights():
    X, y = tiny_problem()
    net = tiny_net()
    seen = []

    def poison(info):
        seen.append([p.copy() for p in net.params])
        return False

    trainer = make_trainer(net, max_iter=10, callbacks=[poison])
    original = trainer.run_epoch
    calls = {"n": 0}

    def run_epoch(*args):
        calls["n"] += 1
        value = original(*args)
        if calls["n"] == 4:  # the 4th epoch ends with NaN weights and loss
            for p in net.params:
                p[...] = np.nan
            return float("nan")
        return value

    trainer.run_epoch = run_epoch
    with pytest.warns(DivergenceWarning, match="epoch 4"):
        st = trainer.fit(X, y)
    # the diverged epoch is recorded (as scikit-learn does), its weights are not kept
    assert st.diverged and st.n_iter_ == 4 and len(st.loss_curve_) == 4
    assert np.isfinite(st.loss_curve_[:3]).all() and np.isnan(st.loss_curve_[3])
    assert st.t_ == 3 * len(X)
    for p, q in zip(net.params, seen[-1]):  # epoch 3 had the lowest loss
        np.testing.assert_array_equal(p, q)
    assert np.isfinite(predict_raw(net, X)).all()


def test_early_stopping_with_validation_restores_best():
    X, y = tiny_problem(n=80)
    Xv, yv = tiny_problem(seed=5, n=40)
    net = tiny_net()
    snapshots = []

    def score(raw):
        return -float(np.mean((raw - yv) ** 2))

    def keep(info):
        snapshots.append([p.copy() for p in net.params])

    val = Validation(Xv, yv, score)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        st = make_trainer(net, max_iter=15, learning_rate_init=0.2, callbacks=[keep]).fit(X, y, validation=val)
    assert len(st.validation_scores_) == len(st.validation_loss_curve_) == st.n_iter_
    best = int(np.argmax(st.validation_scores_))
    for p, q in zip(net.params, snapshots[best]):
        np.testing.assert_array_equal(p, q)
    assert score(predict_raw(net, Xv)) == st.best_validation_score_
    # the validation loss is the loss of the held-out set (half squared error)
    assert st.validation_loss_curve_[best] == pytest.approx(-0.5 * st.validation_scores_[best])


def test_callback_stop_and_batch_size_clipping():
    X, y = tiny_problem()
    net = tiny_net()
    trainer = make_trainer(net, batch_size=1000, max_iter=50, callbacks=[lambda info: info["epoch"] >= 2])
    with pytest.warns(UserWarning, match="clipped"):
        st = trainer.fit(X, y)
    assert st.n_iter_ == 2


def test_convergence_warning_only_at_max_iter():
    X, y = tiny_problem()
    with pytest.warns(ConvergenceWarning, match="Maximum iterations"):
        make_trainer(tiny_net(), max_iter=2).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        st = make_trainer(tiny_net(), max_iter=200, tol=10.0, n_iter_no_change=2).fit(X, y)
    assert st.n_iter_ == 4  # first epoch sets best_loss_, then 3 > n_iter_no_change epochs


# -- predict_raw and the conversion to the network's dtype -----------------------------------
def test_as_network_dtype_refuses_only_finite_values_beyond_float32():
    import scipy.sparse as sp

    from sknn.inference import as_network_dtype

    X = np.array([[1.0, -2.0], [3.0, 4.0]])
    assert as_network_dtype(X, np.float32).dtype == np.float32
    assert as_network_dtype(X, np.float64) is X
    ids = np.array([[1, 2**40]])
    assert as_network_dtype(ids, np.float32) is ids  # index arrays are never rounded
    big = X.copy()
    big[1, 0] = 1e39
    with pytest.raises(ValueError, match=r"beyond the range of float32 \(e\.g\. 1e\+39"):
        as_network_dtype(big, np.float32)
    with pytest.raises(ValueError, match="beyond the range of float32"):
        as_network_dtype(sp.csr_matrix(big), np.float32)
    assert as_network_dtype(big, np.float64) is big
    # already infinite: not a range problem (input validation decides about inf)
    assert np.isinf(as_network_dtype(np.array([[np.inf]]), np.float32)).all()
    assert as_network_dtype(np.float32(3.4e38) * np.ones((1, 1)), np.float32)[0, 0] == np.float32(3.4e38)


def test_predict_raw_converts_per_batch(monkeypatch):
    import tracemalloc

    net = Sequential([Dense(1)])
    net.build((50,), np.random.default_rng(0))  # float64 network
    X = np.random.default_rng(1).standard_normal((40000, 50)).astype(np.float32)  # 8 MB
    expected = X.astype(np.float64) @ net.layers[0].params[0] + net.layers[0].params[1]
    tracemalloc.start()
    raw = predict_raw(net, X, batch_size=1000)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    # a whole float64 copy of X would be 16 MB; one batch is 0.4 MB
    assert peak < 4e6, peak
    np.testing.assert_allclose(raw, expected, rtol=1e-12)
    assert raw.dtype == np.float64 and raw.shape == (40000, 1)
