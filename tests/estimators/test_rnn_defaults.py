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
    assert _kinds(clf)[2 if stem else 0] is nn.GRU  # the classifier's default cell


def test_stem_none_and_conv_are_obeyed():
    X, y = _series(steps=12)
    assert _kinds(RNNClassifier(units=4, max_iter=2, stem="conv", random_state=0).fit(X, y))[0] is nn.Conv1D
    assert _kinds(RNNClassifier(units=4, max_iter=2, stem=None, random_state=0).fit(*_series()))[0] is nn.GRU
    with pytest.raises(ValueError, match="at least 8 steps"):
        RNNClassifier(stem="conv", max_iter=2).fit(*_series(steps=5))
    with pytest.raises(ValueError, match="stem"):
        RNNClassifier(stem="max", max_iter=2).fit(X, y)


def test_sequence_to_sequence_targets_take_no_stem():
    X, _ = _series(steps=40)
    reg = RNNRegressor(units=4, max_iter=2, return_sequences=True, random_state=0).fit(X, X[:, :, 0])
    assert _kinds(reg)[0] is nn.GRU and reg.predict(X).shape == (40, 40)
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
    assert _kinds(RNNClassifier(max_iter=1, stem=None).fit(X[:-1] + [rng.normal(size=(4, 1))], y))[0] is nn.GRU


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
    # (no dropout, no validation split: the loss below is then the training error)
    reg = RNNRegressor(units=8, max_iter=100, dropout=0.0, early_stopping=False, random_state=0).fit(X, y)
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
    kw = dict(cell="lstm", dropout=0.0, early_stopping=False, random_state=0)
    reg = RNNRegressor(units=4, max_iter=5, pooling="last", **kw).fit(X, np.full(30, 7.0))
    assert reg._y_scale[0] == 1.0
    np.testing.assert_allclose(reg.predict(X), 7.0, atol=0.1)  # the mean from the first step
    # pooled states are not centred, so the head first has to learn to cancel them
    reg = RNNRegressor(units=4, max_iter=100, **kw).fit(X, np.full(30, 7.0))
    np.testing.assert_allclose(reg.predict(X), 7.0, atol=0.1)
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


# -- pooling: how the head reads the last recurrent layer ---------------------------------------------
@pytest.mark.parametrize("pooling, pool", [("max", nn.GlobalMaxPool), ("mean", nn.GlobalAvgPool), ("last", None)])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_pooling_builds_the_head_it_names(pooling, pool, bidirectional):
    X, y = _series(steps=12)
    clf = RNNClassifier(units=4, n_layers=2, bidirectional=bidirectional, pooling=pooling, max_iter=2,
                        random_state=0).fit(X, y)
    layers = clf.network_.layers
    cells = [getattr(layer, "layer", layer) for layer in layers[:2]]
    assert cells[0].return_sequences  # a lower layer always hands on its steps
    assert cells[1].return_sequences is (pool is not None)
    assert _kinds(clf)[2:] == ([pool] if pool else []) + [nn.Dense]
    assert clf.predict_proba(X).shape == (40, 2)


def test_default_pooling_is_max_and_sequence_to_sequence_has_none():
    X, y = _series(steps=12)
    assert nn.GlobalMaxPool in _kinds(RNNClassifier(units=4, max_iter=2, random_state=0).fit(X, y))
    reg = RNNRegressor(units=4, max_iter=2, random_state=0).fit(X, X[:, :, :1])
    assert reg.predict(X).shape == (40, 12, 1)
    assert nn.GlobalMaxPool not in _kinds(reg) and nn.GlobalAvgPool not in _kinds(reg)


def test_unknown_pooling_is_refused():
    with pytest.raises(ValueError, match="pooling"):
        RNNClassifier(pooling="sum").fit(*_series(steps=12))


@pytest.mark.parametrize("pooling", ["max", "mean"])
def test_pooling_leaves_padded_steps_out(pooling):
    """A short sequence predicts the same alone as padded in a batch with longer ones."""
    rng = np.random.default_rng(3)
    X = [rng.normal(size=(int(k), 2)) for k in rng.integers(3, 20, size=50)]
    y = np.array([int(x[:, 0].max() > 1.5) for x in X])
    reg = RNNRegressor(units=4, pooling=pooling, stem=None, max_iter=3, random_state=0).fit(X, y)
    together = reg.predict(X)
    alone = np.concatenate([reg.predict([x]) for x in X])
    np.testing.assert_array_equal(together, alone)
    # padding the short sequence by hand with values that would win a max, or move a mean, changes it
    short = int(np.argmin([len(x) for x in X]))
    padded = np.vstack([X[short], np.full((5, 2), 50.0)])
    assert reg.predict([padded])[0] != together[short]


def test_pooled_model_round_trips_through_a_file():
    X, y = _series(steps=12)
    clf = RNNClassifier(units=4, pooling="mean", max_iter=3, random_state=0).fit(X, y)
    buf = io.BytesIO()
    save(clf, buf)
    buf.seek(0)
    loaded = load(buf)
    assert loaded.pooling == "mean"
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))


def test_default_cells():
    """Both presets default to the GRU (chosen on bench/defaults.py)."""
    X, y = _series(steps=12)
    assert _kinds(RNNClassifier(units=4, max_iter=1, random_state=0).fit(X, y))[0] is nn.GRU
    assert _kinds(RNNRegressor(units=4, max_iter=1, random_state=0).fit(X, y.astype(float)))[0] is nn.GRU


def test_warm_start_keeps_the_fitted_network_as_documented():
    """Like scikit-learn's MLP: warm_start continues the fitted network; a changed shape applies on a fresh fit."""
    X, y = _series(steps=12)
    clf = RNNClassifier(units=4, max_iter=2, random_state=0).fit(X, y)
    clf.set_params(warm_start=True, pooling="last", cell="lstm")
    assert _kinds(clf.fit(X, y)) == [nn.GRU, nn.GlobalMaxPool, nn.Dense]
    assert _kinds(clf.set_params(warm_start=False).fit(X, y)) == [nn.LSTM, nn.Dense]
    assert "take effect at the next fit with ``warm_start=False``" in RNNClassifier.__doc__


@pytest.mark.parametrize("est", [RNNClassifier, RNNRegressor])
def test_dropout_applies_with_the_default_head(est):
    # before, dropout sat only after the head's dense layers, so with the default hidden_layer_sizes=()
    # it silently did nothing
    X, y = _series(steps=12)
    y = y if est is RNNClassifier else y.astype(float)
    plain = est(units=4, max_iter=3, dropout=0.0, random_state=0).fit(X, y)
    dropped = est(units=4, max_iter=3, dropout=0.5, random_state=0).fit(X, y)
    kinds = _kinds(dropped)
    assert nn.Dropout in kinds and nn.Dropout not in _kinds(plain)
    assert kinds.index(nn.Dropout) == kinds.index(nn.GlobalMaxPool) + 1  # on the pooled states
    assert not np.allclose(plain.loss_curve_, dropped.loss_curve_)
    # inference is the identity: predictions do not depend on a draw
    np.testing.assert_array_equal(dropped.predict(X), dropped.predict(X))


def test_dropout_on_each_step_of_a_sequence_to_sequence_y():
    X, _ = _series(n=20, steps=10)
    Y = np.cumsum(X[:, :, 0], axis=1)
    reg = RNNRegressor(units=4, max_iter=2, dropout=0.3, return_sequences=True, random_state=0).fit(X, Y)
    kinds = _kinds(reg)
    assert kinds[-2:] == [nn.Dropout, nn.Dense] and nn.GlobalMaxPool not in kinds
    assert reg.predict(X).shape == Y.shape


def test_regressor_standardises_its_input_features():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(60, 12, 2)) * [1.0, 50.0] + [0.0, 1000.0]
    y = X[:, :6, 0].sum(axis=1) + (X[:, 6:, 1] - 1000.0).sum(axis=1) / 50.0
    kw = dict(units=6, max_iter=30, dtype="float64", random_state=0)
    reg = RNNRegressor(**kw).fit(X, y)
    flat = X.reshape(-1, 2)
    np.testing.assert_allclose(reg._x_mean, flat.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(reg._x_scale, flat.std(axis=0), rtol=1e-12)
    # so an affine change of a feature's units changes nothing a caller sees (up to rounding)
    moved = RNNRegressor(**kw).fit(X * [3.0, 0.01] + [-4.0, 2.0], y)
    np.testing.assert_allclose(moved.predict(X * [3.0, 0.01] + [-4.0, 2.0]), reg.predict(X), rtol=1e-6, atol=1e-8)
    # the classifier reads its inputs as given
    assert not hasattr(RNNClassifier(units=4, max_iter=1, random_state=0).fit(X, y > 0), "_x_mean")


def test_input_scale_weights_padding_and_later_fits():
    rng = np.random.default_rng(4)
    lengths = rng.integers(3, 9, size=30)
    X = [rng.normal(5.0, 2.0, size=(int(k), 1)) for k in lengths]
    y = np.array([x.sum() for x in X])
    w = rng.integers(0, 3, size=30)
    kw = dict(units=4, max_iter=2, random_state=0)
    reg = RNNRegressor(**kw).fit(X, y, sample_weight=w)
    steps = np.concatenate([np.repeat(x[:, 0], k) for x, k in zip(X, w)])  # padded steps left out
    x32 = steps.astype(np.float32).astype(np.float64)  # the float32 network's input
    assert reg._x_mean[0] == pytest.approx(x32.mean(), rel=1e-12)
    assert reg._x_scale[0] == pytest.approx(x32.std(), rel=1e-9)
    # a sequence predicts the same bits alone as inside a padded batch
    alone = np.array([reg.predict([x])[0] for x in X[:5]])
    np.testing.assert_array_equal(alone, reg.predict(X[:5]))
    # partial_fit keeps the first fit's scale, and ignores the default early stopping (as scikit-learn)
    mean = reg._x_mean.copy()
    reg.partial_fit([x + 100.0 for x in X], y)
    np.testing.assert_array_equal(reg._x_mean, mean)
    fresh = RNNRegressor(**kw).partial_fit(X, y)
    assert fresh.validation_scores_ is None and fresh.early_stopping is True


def test_default_early_stopping_needs_two_held_out_sequences():
    # validation_fraction=0.1 holds out ceil(0.1 * n) sequences: 2 from 11 rows on, 1 below
    X, y = _series(n=10, steps=6)
    tiny = RNNRegressor(units=4, max_iter=3, random_state=0).fit(X, X[:, :, 0].sum(axis=1))
    assert tiny.validation_scores_ is None
    X, y = _series(n=11, steps=6)
    held = RNNRegressor(units=4, max_iter=3, random_state=0).fit(X, X[:, :, 0].sum(axis=1))
    assert len(held.validation_scores_) == held.n_iter_ == 3


def test_files_without_an_input_scale_load_and_predict_as_before():
    X, _ = _series(n=30, steps=6)
    y = X[:, :, 0].sum(axis=1)
    reg = RNNRegressor(units=4, max_iter=3, random_state=0).fit(X, y)
    buf = io.BytesIO()
    save(reg, buf)
    back = load(io.BytesIO(buf.getvalue()))
    np.testing.assert_array_equal(back._x_scale, reg._x_scale)
    np.testing.assert_array_equal(back.predict(X), reg.predict(X))
    # a file written before RNNRegressor standardised its inputs: the network reads X as given
    del reg._x_mean, reg._x_scale
    buf = io.BytesIO()
    save(reg, buf)
    old = load(io.BytesIO(buf.getvalue()))
    assert not hasattr(old, "_x_mean")
    np.testing.assert_array_equal(old.predict(X), reg.predict(X))
    reg._x_mean = np.zeros(1)  # one without the other is refused
    with pytest.raises(Exception, match="_x_mean and _x_scale"):
        save(reg, io.BytesIO())
