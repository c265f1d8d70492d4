"""Utilities: gradient checking, and the only code allowed to touch scikit-learn internals."""
