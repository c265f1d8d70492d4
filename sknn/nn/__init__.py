"""The engine: layers, losses, optimizers in pure NumPy (no scikit-learn import)."""

from . import activations, initializers, losses, optimizers, schedules
from .activations import Activation
from .dense import BatchNorm, Dense, Dropout, Flatten, Reshape
from .layer import Layer, Sequential

__all__ = [
    "Layer",
    "Sequential",
    "Dense",
    "Activation",
    "Dropout",
    "BatchNorm",
    "Flatten",
    "Reshape",
    "activations",
    "initializers",
    "losses",
    "optimizers",
    "schedules",
]
