"""sknn: neural networks in NumPy, served as scikit-learn estimators."""

from .estimators import MLPClassifier, MLPRegressor

__version__ = "0.1.0"

from .persistence import PersistenceError, load, save  # noqa: E402  (safe save/load, no pickle)

__all__ = ["MLPClassifier", "MLPRegressor", "__version__"]
