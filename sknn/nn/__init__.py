"""The engine: layers, losses, optimizers in pure NumPy (no scikit-learn import)."""

from .layer import Layer, Sequential
from .conv import Conv1D, Conv2D, MaxPool1D, MaxPool2D, AvgPool1D, AvgPool2D, GlobalAvgPool, GlobalMaxPool

__all__ = ["Layer", "Sequential"]
__all__ += ["Conv1D", "Conv2D", "MaxPool1D", "MaxPool2D", "AvgPool1D", "AvgPool2D", "GlobalAvgPool", "GlobalMaxPool"]
