"""The engine: layers, losses, optimizers in pure NumPy (no scikit-learn import)."""

from . import activations, initializers, losses, optimizers, schedules
from .activations import Activation
from .dense import BatchNorm, Dense, Dropout, Flatten, Reshape
from .layer import Layer, Sequential
from .activity import ActivityL1
from .noise import GaussianNoise, MaskingNoise
from .tied import TiedDense

__all__ = [
    "Layer",
    "Sequential",
    "Dense",
    "Activation",
    "Dropout",
    "BatchNorm",
    "Flatten",
    "Reshape",
    "TiedDense",
    "GaussianNoise",
    "MaskingNoise",
    "ActivityL1",
    "activations",
    "initializers",
    "losses",
    "optimizers",
    "schedules",
]
