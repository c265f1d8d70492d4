"""The engine: layers, losses, optimizers in pure NumPy (no scikit-learn import)."""

from .layer import Layer, Sequential

__all__ = ["Layer", "Sequential"]
