"""scikit-learn estimators built on the sknn engine."""

from .mlp import MLPClassifier, MLPRegressor
from .recommender import NeuralRecommender
from .text import TextClassifier

__all__ = ["MLPClassifier", "MLPRegressor", "NeuralRecommender", "TextClassifier"]
