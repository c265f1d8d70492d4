"""The engine: layers, losses, optimizers in pure NumPy (no scikit-learn import)."""

from .layer import Layer, Sequential
from .embedding import Embedding
from .recurrent import GRU, LSTM, Bidirectional, Recurrent, SimpleRNN

__all__ = ["Layer", "Sequential"]
__all__ += ["SimpleRNN", "LSTM", "GRU", "Recurrent", "Bidirectional", "Embedding"]
