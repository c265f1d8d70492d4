"""Behaviour of AutoencoderTransformer beyond scikit-learn's generic checks."""

import copy
import pickle
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

import sknn.nn as nn
from sknn import AutoencoderTransformer
from sknn.nn import Activation, Dense, Reshape, TiedDense


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:500] / 16.0, y[:500]


def small(**kw):
    params = dict(hidden_layer_sizes=(32, 8), max_iter=60, learning_rate_init=0.01, random_state=0)
    params.update(kw)
    return AutoencoderTransformer(**params)


def test_transform_shape_dtype_and_names(digits):
    X, _ = digits
    for dtype in (np.float64, np.float32):
        ae = small(max_iter=5).fit(X.astype(dtype))
        Z = ae.transform(X.astype(dtype))
        assert Z.shape == (len(X), 8) and Z.dtype == dtype
        assert ae.n_components_ == 8 and ae.n_features_in_ == 64
        assert ae.inverse_transform(Z).dtype == dtype
    assert list(ae.get_feature_names_out()) == [f"autoencodertransformer{i}" for i in range(8)]
    assert ae.encoder_.layers[0] is ae.network_.layers[0]
    assert ae.decoder_.layers[-1] is ae.network_.layers[-1]


def test_set_output_pandas(digits):
    pd = pytest.importorskip("pandas")
    X, _ = digits
    ae = small(max_iter=5).set_output(transform="pandas")
    Z = ae.fit_transform(pd.DataFrame(X, columns=[f"p{i}" for i in range(64)]))
    assert isinstance(Z, pd.DataFrame)
    assert list(Z.columns) == [f"autoencodertransformer{i}" for i in range(8)]


@pytest.mark.parametrize(
    "kw",
    [{}, {"tied_weights": True}, {"out_activation": "logistic"}, {"noise": "masking", "noise_level": 0.2},
     {"batch_norm": True}, {"solver": "lbfgs", "max_iter": 80}],
)
def test_reconstructs_better_than_mean(digits, kw):
    X, _ = digits
    ae = small(**kw).fit(X)
    err = np.mean((ae.inverse_transform(ae.transform(X)) - X) ** 2)
    baseline = np.mean((X - X.mean(axis=0)) ** 2)
    assert err < 0.7 * baseline, (err, baseline)
    assert np.allclose(ae.score_samples(X), -np.mean((ae.inverse_transform(ae.transform(X)) - X) ** 2, axis=1)) or (
        kw.get("out_activation") == "logistic"
    )


def test_tied_weights_share_one_array(digits):
    X, _ = digits
    ae = small(tied_weights=True, max_iter=5).fit(X)
    dense = [layer for layer in ae.encoder_.layers if type(layer) is Dense]
    tied = [layer for layer in ae.decoder_.layers if isinstance(layer, TiedDense)]
    assert len(dense) == 2 and len(tied) == 2
    assert tied[0].kernel is dense[1].kernel and tied[1].kernel is dense[0].kernel
    # each kernel is trained once: it appears once among the network's parameters
    ids = [id(p) for p in ae.network_.params]
    assert len(ids) == len(set(ids))
    untied = small(max_iter=5).fit(X)
    assert len(ae.network_.params) == len(untied.network_.params) - 2
    # the decoder really uses the transpose
    Z = ae.transform(X[:3])
    h = np.maximum(Z @ dense[1].kernel.T + tied[0].bias, 0)
    np.testing.assert_allclose(ae.inverse_transform(Z), h @ dense[0].kernel.T + tied[1].bias)


@pytest.mark.parametrize("kw", [{"noise": "gaussian", "noise_level": 0.3}, {"noise": "masking"}, {"dropout": 0.2}])
def test_noise_and_dropout_only_in_training(digits, kw):
    X, _ = digits
    ae = small(max_iter=5, **kw).fit(X)
    np.testing.assert_array_equal(ae.transform(X), ae.transform(X))
    np.testing.assert_array_equal(ae.score_samples(X), ae.score_samples(X))
    np.testing.assert_array_equal(ae.fit_transform(X), ae.transform(X))


def test_sparsity_shrinks_the_code(digits):
    X, _ = digits
    dense = small(activation="relu").fit(X)
    sparse = small(activation="relu", sparsity=1e-3).fit(X)
    assert np.abs(sparse.transform(X)).mean() < 0.5 * np.abs(dense.transform(X)).mean()
    # the penalty is part of the reported loss
    assert sparse.loss_ > 0


def test_score_samples_flags_outliers(digits):
    X, _ = digits
    ae = small().fit(X)
    rng = np.random.default_rng(0)
    outliers = rng.uniform(0, 1, (20, 64))
    s_in, s_out = ae.score_samples(X[:100]), ae.score_samples(outliers)
    assert np.median(s_out) < np.min(np.median(s_in))
    assert np.mean(s_out < np.quantile(s_in, 0.05)) > 0.9
    assert ae.score(X[:100]) == pytest.approx(s_in.mean())


def test_pipeline_and_grid_search(digits):
    X, y = digits
    pipe = make_pipeline(MinMaxScaler(), small(max_iter=30), LogisticRegression(max_iter=500))
    grid = GridSearchCV(pipe, {"autoencodertransformer__hidden_layer_sizes": [(16, 4), (32, 12)]}, cv=2)
    grid.fit(X, y)
    assert grid.best_params_["autoencodertransformer__hidden_layer_sizes"] in [(16, 4), (32, 12)]
    assert grid.best_score_ > 0.5  # 250 training rows, 30 epochs: a sanity bound


def test_pickle_round_trip(digits):
    X, _ = digits
    ae = small(max_iter=5, tied_weights=True).fit(X)
    ae2 = pickle.loads(pickle.dumps(ae))
    np.testing.assert_array_equal(ae.transform(X), ae2.transform(X))
    np.testing.assert_array_equal(ae.score_samples(X), ae2.score_samples(X))
    assert ae2.decoder_.layers[-1].kernel is ae2.encoder_.layers[0].kernel
    ae2.partial_fit(X)  # still trainable


def test_determinism(digits):
    X, _ = digits
    kw = dict(max_iter=10, noise="masking", dropout=0.1)
    a, b = small(**kw).fit(X).transform(X), small(**kw).fit(X).transform(X)
    assert a.tobytes() == b.tobytes()
    c = small(random_state=1, **kw).fit(X).transform(X)
    assert not np.array_equal(a, c)


def test_partial_fit_and_warm_start(digits):
    X, _ = digits
    ae = small()
    for _ in range(3):
        ae.partial_fit(X)
    assert len(ae.loss_curve_) == 3 and ae.loss_curve_[-1] < ae.loss_curve_[0]
    warm = small(max_iter=3, warm_start=True).fit(X)
    first = warm.network_.params[0].copy()
    warm.fit(X)
    assert len(warm.loss_curve_) == 6 and not np.array_equal(first, warm.network_.params[0])


def test_early_stopping(digits):
    X, _ = digits
    ae = small(early_stopping=True, max_iter=100).fit(X)
    assert ae.validation_scores_ and all(s <= 0 for s in ae.validation_scores_)
    assert ae.best_validation_score_ == max(ae.validation_scores_)


def test_custom_dense_layers_not_mutated(digits):
    X, _ = digits
    encoder = [Dense(16), Activation("tanh"), Dense(5)]
    decoder = [Dense(16), Activation("tanh"), Dense(64)]
    snapshot = copy.deepcopy((encoder, decoder))
    ae = small(layers=encoder, decoder_layers=decoder).fit(X)
    assert ae.transform(X).shape == (len(X), 5)
    assert not any(getattr(layer, "built", False) for layer in encoder + decoder)
    assert repr(snapshot) == repr((encoder, decoder))
    err = np.mean((ae.inverse_transform(ae.transform(X)) - X) ** 2)
    assert err < np.mean((X - X.mean(axis=0)) ** 2)
    # encoder-only form: the decoder is one Dense layer
    assert small(layers=[Reshape((8, 8)), Reshape((64,)), Dense(4)], max_iter=3).fit(X).n_components_ == 4


@pytest.mark.skipif(not hasattr(nn, "Conv2D"), reason="sknn.nn.Conv2D not in this tree yet")
def test_convolutional_autoencoder(digits):  # pragma: no cover - depends on the conv branch
    X, _ = digits
    encoder = [Reshape((8, 8, 1)), nn.Conv2D(4, 3), Activation("relu"), nn.Flatten(), Dense(8)]
    ae = small(layers=encoder).fit(X)
    assert ae.transform(X).shape == (len(X), 8)
    assert np.mean((ae.inverse_transform(ae.transform(X)) - X) ** 2) < np.mean((X - X.mean(axis=0)) ** 2)


def test_bad_inputs(digits):
    X, _ = digits
    X_nan = X.copy()
    X_nan[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        small().fit(X_nan)
    ae = small(max_iter=2).fit(X)
    with pytest.raises(ValueError, match="X has 10 features, but AutoencoderTransformer is expecting 64"):
        ae.transform(X[:, :10])
    with pytest.raises(ValueError, match="NaN"):
        ae.transform(X_nan)
    with pytest.raises(ValueError, match="expects codes with 8 columns"):
        ae.inverse_transform(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"needs X in \[0, 1\]"):
        small(out_activation="logistic").fit(X - 0.5)
    import scipy.sparse as sp

    with pytest.raises(TypeError, match="dense data is required"):
        small().fit(sp.csr_matrix(X))
    with pytest.raises(ValueError, match="decoder_layers=None"):
        small(tied_weights=True, decoder_layers=[Dense(64)]).fit(X)
    with pytest.raises(ValueError, match="hidden_layer_sizes form"):
        small(tied_weights=True, layers=[Dense(3)]).fit(X)
    with pytest.raises(ValueError, match="noise must be one of"):
        small(noise="salt").fit(X)
    with pytest.raises(ValueError, match="Cannot reshape"):
        small(layers=[Dense(3)], decoder_layers=[Dense(10)]).fit(X)
    with pytest.raises(ValueError, match="activation has 3 entries"):
        small(activation=["relu"] * 3).fit(X)



def test_float32_model_refuses_values_beyond_float32():
    # the network's dtype follows X: fitted on float32, it is a float32 network
    X = np.random.default_rng(0).standard_normal((40, 6))
    ae = AutoencoderTransformer(hidden_layer_sizes=(4, 2), max_iter=5, random_state=0).fit(X.astype(np.float32))
    before = ae.transform(X)
    for method in (ae.transform, ae.score_samples, ae.score):
        with pytest.raises(ValueError, match="beyond the range of float32"):
            method(X * 1e39)
    with pytest.raises(ValueError, match="beyond the range of float32"):
        ae.inverse_transform(before.astype(np.float64) * 1e39)
    with pytest.raises(ValueError, match="beyond the range of float32"):
        ae.partial_fit(X * 1e39)  # continues the float32 network
    np.testing.assert_array_equal(ae.transform(X), before)
