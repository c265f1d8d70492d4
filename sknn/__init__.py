"""sknn: neural networks in NumPy, served as scikit-learn estimators."""

__version__ = "0.1.0"

from .estimators import (  # noqa: E402
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
from .persistence import PersistenceError, load, save  # noqa: E402

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
