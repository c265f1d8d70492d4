"""The package version, in a module of its own so internals can read it without importing ``sknn``."""

__version__ = "0.1.0"
