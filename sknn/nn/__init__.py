"""The engine: layers, losses, optimizers in pure NumPy (no scikit-learn import)."""

from . import optimizers, schedules
from .layer import Layer, Sequential

__all__ = ["Layer", "Sequential", "optimizers", "schedules"]
