"""The engine: layers, losses, optimizers in pure NumPy (no scikit-learn import)."""

from . import activations, initializers, lbfgs, linalg, losses, optimizers, pooling, schedules, sparse_grad
from .activations import Activation
from .conv import Conv1D, Conv2D
from .dense import BatchNorm, Dense, Dropout, Flatten, Reshape
from .embedding import Embedding
from .factorization import NeuMF
from .layer import Layer, Sequential
from .pooling import AvgPool1D, AvgPool2D, GlobalAvgPool, GlobalMaxPool, MaxPool1D, MaxPool2D
from .recurrent import GRU, LSTM, Bidirectional, Recurrent, SimpleRNN
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
    "Conv1D",
    "Conv2D",
    *pooling.__all__,
    "SimpleRNN",
    "LSTM",
    "GRU",
    "Recurrent",
    "Bidirectional",
    "Embedding",
    "NeuMF",
    "TiedDense",
    "GaussianNoise",
    "MaskingNoise",
    "ActivityL1",
    "activations",
    "initializers",
    "linalg",
    "losses",
    "optimizers",
    "lbfgs",
    "schedules",
]
