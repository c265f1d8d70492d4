"""sknn: neural networks in NumPy, served as scikit-learn estimators."""

__version__ = "0.1.0"
