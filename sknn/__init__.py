"""sknn: neural networks in NumPy, served as scikit-learn estimators."""

from .estimators import MLPClassifier, MLPRegressor, NeuralRecommender, TextClassifier

__version__ = "0.1.0"

__all__ = ["MLPClassifier", "MLPRegressor", "NeuralRecommender", "TextClassifier", "__version__"]
