"""sknn.save / sknn.load of pipelines and scikit-learn preprocessing steps: bit-for-bit round trips, refusals."""

import io
import warnings

import numpy as np
import pytest
from persistence_models import repack, same_outputs, saved_bytes, text_data, unpack
from sklearn.compose import ColumnTransformer
from sklearn.decomposition import PCA, TruncatedSVD
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer, TfidfVectorizer
from sklearn.impute import MissingIndicator, SimpleImputer
from sklearn.pipeline import FeatureUnion, Pipeline, make_pipeline
from sklearn.preprocessing import (FunctionTransformer, LabelEncoder, MaxAbsScaler, MinMaxScaler, Normalizer,
                                   OneHotEncoder, OrdinalEncoder, PolynomialFeatures, RobustScaler, StandardScaler)

import sknn
from sknn.persistence import PersistenceError, PersistenceWarning

RNG = np.random.default_rng(0)
X = RNG.normal(size=(40, 4))
Y = (X[:, 0] + X[:, 1] > 0).astype(int)
X_NAN = np.where((X > 1.0) & (np.arange(4) == 2), np.nan, X)
CATS = np.array([["a", "x"], ["b", "y"], ["c", "x"], ["a", "z"]] * 10, dtype=object)
DOCS, Y_DOCS = text_data()


def _mlp():
    return sknn.MLPClassifier((5,), max_iter=5, random_state=0)


def _roundtrip(est):
    return sknn.load(io.BytesIO(saved_bytes(est)))


# every allowed step, each in a pipeline ending with an sknn estimator
STEPS = {
    "StandardScaler": (StandardScaler(), X),
    "StandardScaler-no-mean": (StandardScaler(with_mean=False), X),
    "MinMaxScaler": (MinMaxScaler((-1, 2)), X),
    "RobustScaler": (RobustScaler(), X),
    "MaxAbsScaler": (MaxAbsScaler(), X),
    "Normalizer": (Normalizer("l1"), X),
    "PolynomialFeatures": (PolynomialFeatures((1, 2), interaction_only=True), X),
    "PCA": (PCA(2, whiten=True), X),
    "TruncatedSVD": (TruncatedSVD(2, random_state=0), X),
    "SimpleImputer": (SimpleImputer(strategy="median", add_indicator=True), X_NAN),
    "MissingIndicator": (MissingIndicator(features="all"), X_NAN),
    "OneHotEncoder": (OneHotEncoder(handle_unknown="ignore"), CATS),
    "OneHotEncoder-drop": (OneHotEncoder(drop="first", sparse_output=False, dtype=np.float32), CATS),
    "OrdinalEncoder": (OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1), CATS),
    "SimpleImputer-strings": (SimpleImputer(strategy="most_frequent"), CATS),
    "CountVectorizer": (CountVectorizer(ngram_range=(1, 2), binary=True), DOCS),
    "CountVectorizer-char": (CountVectorizer(analyzer="char_wb", ngram_range=(2, 3), max_features=30), DOCS),
    "TfidfVectorizer": (TfidfVectorizer(sublinear_tf=True, stop_words="english"), DOCS),
    "FunctionTransformer": (FunctionTransformer(), X),
}


@pytest.mark.parametrize("name", list(STEPS))
def test_pipeline_with_each_allowed_step(name):
    step, Xs = STEPS[name]
    y = Y_DOCS if Xs is DOCS else Y
    middle = [OneHotEncoder(handle_unknown="ignore")] if name == "SimpleImputer-strings" else []
    middle += [TfidfTransformer()] if name.startswith("CountVectorizer") else []
    pipe = make_pipeline(step, *middle, _mlp())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pipe.fit(Xs, y)
    loaded = _roundtrip(pipe)
    assert type(loaded) is Pipeline and [type(s) for _, s in loaded.steps] == [type(s) for _, s in pipe.steps]
    assert same_outputs(pipe, loaded, Xs)  # bit for bit: predict, predict_proba, ...
    assert same_outputs(pipe[:-1], loaded[:-1], Xs)  # the transformed features too


def test_column_transformer_feature_union_and_nested_pipelines():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"x": X[:, 0], "y": X[:, 1], "c": CATS[:, 0], "d": CATS[:, 1]})
    columns = ColumnTransformer([
        ("num", make_pipeline(SimpleImputer(), StandardScaler()), ["x", "y"]),
        ("cat", OneHotEncoder(), ["c", "d"]),
    ], remainder="drop")
    union = FeatureUnion([("pca", PCA(1)), ("poly", PolynomialFeatures(2))])
    pipe = Pipeline([("columns", columns), ("union", union), ("model", _mlp())])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pipe.fit(frame, Y)
    loaded = _roundtrip(pipe)
    assert same_outputs(pipe, loaded, frame)
    assert list(loaded[:-1].get_feature_names_out()) == list(pipe[:-1].get_feature_names_out())
    passthrough = ColumnTransformer([("num", StandardScaler(), [0, 1])], remainder="passthrough").fit(X)
    assert same_outputs(passthrough, _roundtrip(passthrough), X)


def test_set_output_and_standalone_steps():
    pd = pytest.importorskip("pandas")
    scaler = StandardScaler().set_output(transform="pandas").fit(X)
    loaded = _roundtrip(scaler)
    assert isinstance(loaded.transform(X), pd.DataFrame)
    pd.testing.assert_frame_equal(loaded.transform(X), scaler.transform(X))
    encoder = LabelEncoder().fit(["b", "a", "c", "a"])
    assert _roundtrip(encoder).transform(["c", "a"]).tolist() == [2, 0]
    unfitted = make_pipeline(StandardScaler(), _mlp())
    assert repr(_roundtrip(unfitted)) == repr(unfitted)


def test_other_classes_are_refused_by_name():
    from sklearn.linear_model import LogisticRegression

    pipe = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, Y)
    with pytest.raises(PersistenceError, match="LogisticRegression") as info:
        saved_bytes(pipe)
    assert info.value.reason == "unsupported"

    class MyScaler(StandardScaler):
        pass

    with pytest.raises(PersistenceError, match="MyScaler"):  # a subclass is not the allowed class
        saved_bytes(make_pipeline(MyScaler(), _mlp()))


@pytest.mark.parametrize("step, match", [
    (FunctionTransformer(np.log1p), "log1p|ufunc"),
    (ColumnTransformer([("num", StandardScaler(), lambda X: [0])]), "function"),
])
def test_callables_are_refused(step, match):
    with pytest.raises(PersistenceError, match=match) as info:
        saved_bytes(step.fit(np.abs(X)))
    assert info.value.reason == "unsupported"


def test_a_pipeline_cache_directory_cannot_be_saved(tmp_path):
    # joblib.Memory reads pickles from its directory: a file must not choose one
    pipe = Pipeline([("scale", StandardScaler()), ("model", _mlp())], memory=str(tmp_path))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pipe.fit(X, Y)
    with pytest.raises(PersistenceError, match="memory") as info:
        saved_bytes(pipe)
    assert info.value.reason == "parameter"


def test_infrequent_categories_are_refused():
    with pytest.raises(PersistenceError, match="infrequent") as info:
        saved_bytes(OneHotEncoder(min_frequency=5).fit(CATS))
    assert info.value.reason == "attribute"


def test_scikit_learn_version_is_recorded_and_checked():
    import sklearn

    pipe = make_pipeline(StandardScaler(), _mlp()).fit(X, Y)
    header, members = unpack(saved_bytes(pipe))
    assert header["versions"]["sklearn"] == sklearn.__version__
    major, minor = sklearn.__version__.split(".")[:2]
    header["versions"]["sklearn"] = f"{major}.{int(minor) - 1}.0"
    with pytest.raises(PersistenceError, match="scikit-learn") as info:
        sknn.load(io.BytesIO(repack(header, members)))
    assert info.value.reason == "version"
    header["versions"]["sklearn"] = f"{major}.{minor}.999"  # another bugfix release: loads, with a warning
    with pytest.warns(PersistenceWarning, match="bugfix|slightly"):
        loaded = sknn.load(io.BytesIO(repack(header, members)))
    assert same_outputs(pipe, loaded, X)
    # sknn estimators alone do not depend on scikit-learn's fitted state: no check
    header, members = unpack(saved_bytes(pipe[-1]))
    header["versions"]["sklearn"] = "1.0.0"
    assert same_outputs(pipe[-1], sknn.load(io.BytesIO(repack(header, members))), X)
