"""ONNX converters of the recurrent layers (filled in below)."""

RECURRENT_CONVERTERS = {}
