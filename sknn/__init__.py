"""sknn: neural networks in NumPy, served as scikit-learn estimators."""

__version__ = "0.1.0"

from .estimators import AutoencoderTransformer, MLPClassifier, MLPRegressor  # noqa: E402
from .persistence import PersistenceError, load, save  # noqa: E402

__all__ = [
    "MLPClassifier",
    "MLPRegressor",
    "AutoencoderTransformer",
    "save",
    "load",
    "PersistenceError",
    "__version__",
]
