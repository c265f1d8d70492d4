"""sknn: neural networks in NumPy, served as scikit-learn estimators."""

from ._version import __version__
from .estimators import (
    AutoencoderTransformer,
    ConvNetClassifier,
    ConvNetRegressor,
    MLPClassifier,
    MLPRegressor,
    NeuralNetClassifier,
    NeuralNetRegressor,
    NeuralRecommender,
    RNNClassifier,
    RNNRegressor,
    TextClassifier,
)
from .persistence import PersistenceError, load, save

__all__ = [
    "MLPClassifier",
    "MLPRegressor",
    "NeuralNetClassifier",
    "NeuralNetRegressor",
    "ConvNetClassifier",
    "ConvNetRegressor",
    "RNNClassifier",
    "RNNRegressor",
    "AutoencoderTransformer",
    "TextClassifier",
    "NeuralRecommender",
    "save",
    "load",
    "PersistenceError",
    "__version__",
]
