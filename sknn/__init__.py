"""sknn: neural networks in NumPy, served as scikit-learn estimators."""

from .estimators import AutoencoderTransformer, MLPClassifier, MLPRegressor

__version__ = "0.1.0"

__all__ = ["MLPClassifier", "MLPRegressor", "AutoencoderTransformer", "__version__"]
