"""sknn: neural networks in NumPy, served as scikit-learn estimators."""

from . import estimators
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

# the estimators are listed once, in sknn.estimators
__all__ = [
    *estimators.__all__,
    "save",
    "load",
    "PersistenceError",
    "__version__",
]
