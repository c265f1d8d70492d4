"""The recurrent presets' defaults (issue 12): the convolutional stem, the training defaults and the
standardised targets of RNNRegressor."""

import io
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from sknn import RNNClassifier, RNNRegressor, nn
from sknn.estimators.recurrent import STEM_KERNEL, STEM_MIN_STEPS, STEM_STRIDE
from sknn.persistence import load, save


def _series(n=40, steps=40, features=1, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, steps, features))
    return X, (X[:, : steps // 2, 0].sum(axis=1) > 0).astype(int)


def _kinds(est):
    return [type(layer) for layer in est.network_.layers]


@pytest.mark.parametrize("steps, stem", [(STEM_MIN_STEPS, True), (STEM_MIN_STEPS - 1, False)])
def test_auto_stem_follows_the_number_of_steps(steps, stem):
    X, y = _series(steps=steps)
    clf = RNNClassifier(units=4, max_iter=2, random_state=0).fit(X, y)
    assert (_kinds(clf)[:2] == [nn.Conv1D, nn.Activation]) is stem
    if stem:
        conv = clf.network_.layers[0]
        assert (conv.filters, conv.kernel_size, conv.strides) == (4, STEM_KERNEL, STEM_STRIDE)
    assert _kinds(clf)[2 if stem else 0] is nn.LSTM


def test_stem_none_and_conv_are_obeyed():
    X, y = _series(steps=12)
    assert _kinds(RNNClassifier(units=4, max_iter=2, stem="conv", random_state=0).fit(X, y))[0] is nn.Conv1D
    assert _kinds(RNNClassifier(units=4, max_iter=2, stem=None, random_state=0).fit(*_series()))[0] is nn.LSTM
    with pytest.raises(ValueError, match="at least 8 steps"):
        RNNClassifier(stem="conv", max_iter=2).fit(*_series(steps=5))
    with pytest.raises(ValueError, match="stem"):
        RNNClassifier(stem="max", max_iter=2).fit(X, y)


def test_sequence_to_sequence_targets_take_no_stem():
    X, _ = _series(steps=40)
    reg = RNNRegressor(units=4, max_iter=2, return_sequences=True, random_state=0).fit(X, X[:, :, 0])
    assert _kinds(reg)[0] is nn.LSTM and reg.predict(X).shape == (40, 40)
    with pytest.raises(ValueError, match="time step"):
        RNNRegressor(stem="conv", max_iter=2).fit(X, X)


def test_stem_with_ragged_sequences_and_other_lengths_at_predict():
    rng = np.random.default_rng(1)
    X = [rng.normal(size=(int(k), 1)) for k in rng.integers(20, 60, size=40)]
    y = np.array([int(x.sum() > 0) for x in X])
    clf = RNNClassifier(units=4, max_iter=3, random_state=0).fit(X, y)
    assert _kinds(clf)[0] is nn.Conv1D  # the padded length is at least 32
    assert clf.predict(X).shape == (40,)
    # a padded batch gives each sequence what it gets alone (the stem's mask follows the lengths)
    alone = np.array([clf.predict_proba([x])[0] for x in X[:5]])
    np.testing.assert_allclose(clf.predict_proba(X[:5]), alone, rtol=1e-5, atol=1e-6)
    assert clf.predict(np.zeros((3, 100, 1))).shape == (3,)  # longer sequences than at fit
    # a sequence shorter than the stem's window is refused, alone or padded beside longer ones
    for short in ([rng.normal(size=5)], [rng.normal(size=3), rng.normal(size=50)], np.zeros((2, 7, 1))):
        with pytest.raises(ValueError, match="at least 8 steps.*shortest here has [357]"):
            clf.predict(short)
    with pytest.raises(ValueError, match="stem=None"):
        RNNClassifier(max_iter=1).fit(X[:-1] + [rng.normal(size=(4, 1))], y)
    assert _kinds(RNNClassifier(max_iter=1, stem=None).fit(X[:-1] + [rng.normal(size=(4, 1))], y))[0] is nn.LSTM


def test_auto_batch_size_is_32_for_the_recurrent_presets():
    X, y = _series(n=100, steps=6)
    clf = RNNClassifier(units=4, max_iter=1, random_state=0).fit(X, y)
    # four Adam steps in the epoch (32, 32, 32, 4); 'auto' is min(200, n) = one step for the MLPs
    assert clf._fit_state.optimizer.t == 4
    assert RNNClassifier(units=4, max_iter=1, batch_size=100, random_state=0).fit(X, y)._fit_state.optimizer.t == 1


def test_default_fit_on_a_small_long_series_set_is_quiet_and_learns():
    """A few dozen series of 128 steps (GunPoint-like sizes): no warning, well above chance."""
    rng = np.random.default_rng(0)
    t = np.linspace(0, 1, 128)
    y = np.repeat([0, 1], 30)
    bump = np.where(y[:, None] == 1, np.exp(-((t - 0.3) / 0.05) ** 2), np.exp(-((t - 0.7) / 0.05) ** 2))
    X = bump + 0.3 * rng.normal(size=(60, 128))
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf = RNNClassifier(random_state=0).fit(X[::2], y[::2])
    assert clf.score(X[1::2], y[1::2]) >= 0.9


def test_regressor_standardises_its_targets():
    X, _ = _series(n=80, steps=10)
    s = X[:, :, 0].sum(axis=1)
    y = 1000.0 + 200.0 * s
    reg = RNNRegressor(units=8, max_iter=100, random_state=0).fit(X, y)
    assert reg._y_mean[0] == pytest.approx(y.mean()) and reg._y_scale[0] == pytest.approx(y.std())
    assert reg.score(X, y) > 0.8
    # the loss is in standardised units; predictions are in y's
    z = (reg.predict(X) - y) / y.std()
    assert reg.loss_ == pytest.approx(0.5 * np.mean(z ** 2), rel=0.2)
    # weights count as repeated rows in the mean and the scale
    w = np.arange(80) % 3
    weighted = RNNRegressor(units=8, max_iter=1, random_state=0).fit(X, y, sample_weight=w)
    repeated = np.repeat(y, w)
    assert weighted._y_mean[0] == pytest.approx(repeated.mean())
    assert weighted._y_scale[0] == pytest.approx(repeated.std())


def test_constant_and_multi_output_targets():
    X, _ = _series(n=30, steps=5)
    reg = RNNRegressor(units=4, max_iter=5, random_state=0).fit(X, np.full(30, 7.0))
    assert reg._y_scale[0] == 1.0
    np.testing.assert_allclose(reg.predict(X), 7.0, atol=0.1)  # the mean from the first step
    y = np.c_[X[:, -1, 0], 1e4 * X[:, 0, 0] + 5]
    reg = RNNRegressor(units=4, max_iter=5, random_state=0).fit(X, y)
    assert reg._y_scale.shape == (2,) and reg._y_scale[1] > 1e3


def test_partial_fit_and_warm_start_keep_the_first_scale():
    X, _ = _series(n=30, steps=5)
    y = X[:, -1, 0] * 10
    reg = RNNRegressor(units=4, max_iter=2, random_state=0).partial_fit(X, y)
    mean, scale = reg._y_mean.copy(), reg._y_scale.copy()
    reg.partial_fit(X, y + 100)
    np.testing.assert_array_equal(reg._y_scale, scale)
    np.testing.assert_array_equal(reg._y_mean, mean)
    reg = RNNRegressor(units=4, max_iter=2, warm_start=True, random_state=0).fit(X, y)
    scale = reg._y_scale.copy()
    reg.fit(X, 3 * y)
    np.testing.assert_array_equal(reg._y_scale, scale)


def test_scaled_regressor_roundtrips_and_old_files_load():
    X, _ = _series(n=30, steps=40)
    y = 50 + 10 * X[:, -1, 0]
    reg = RNNRegressor(units=4, max_iter=3, random_state=0).fit(X, y)
    buf = io.BytesIO()
    save(reg, buf)
    back = load(io.BytesIO(buf.getvalue()))
    np.testing.assert_array_equal(back.predict(X), reg.predict(X))
    # a model saved before the targets were standardised has neither attribute: it predicts raw outputs
    del reg._y_mean, reg._y_scale
    buf = io.BytesIO()
    save(reg, buf)
    old = load(io.BytesIO(buf.getvalue()))
    assert getattr(old, "_y_scale", None) is None
    np.testing.assert_array_equal(old.predict(X), reg.predict(X))
    reg._y_mean, reg._y_scale = np.zeros(1), np.zeros(1)  # a state load would refuse is not saved
    with pytest.raises(Exception, match="_y_scale"):
        save(reg, io.BytesIO())
