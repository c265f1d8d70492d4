"""scikit-learn estimators built on the sknn engine."""

from .autoencoder import AutoencoderTransformer
from .conv import ConvNetClassifier, ConvNetRegressor
from .mlp import MLPClassifier, MLPRegressor
from .network import NeuralNetClassifier, NeuralNetRegressor
from .recommender import NeuralRecommender
from .recurrent import RNNClassifier, RNNRegressor
from .text import TextClassifier

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
]
