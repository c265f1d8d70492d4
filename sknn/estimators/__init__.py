"""scikit-learn estimators built on the sknn engine."""

from .autoencoder import AutoencoderTransformer
from .mlp import MLPClassifier, MLPRegressor

__all__ = ["MLPClassifier", "MLPRegressor", "AutoencoderTransformer"]
