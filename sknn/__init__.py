"""sknn: neural networks in NumPy, served as scikit-learn estimators."""

from .estimators import (
    ConvNetClassifier,
    ConvNetRegressor,
    MLPClassifier,
    MLPRegressor,
    NeuralNetClassifier,
    NeuralNetRegressor,
    RNNClassifier,
    RNNRegressor,
)

__version__ = "0.1.0"

__all__ = [
    "MLPClassifier",
    "MLPRegressor",
    "NeuralNetClassifier",
    "NeuralNetRegressor",
    "ConvNetClassifier",
    "ConvNetRegressor",
    "RNNClassifier",
    "RNNRegressor",
    "__version__",
]
