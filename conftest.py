"""Doctest collection of ``sknn/`` (``--doctest-modules``) without the optional extras.

``sknn.onnx`` and ``sknn.dask`` import their extras at module level; without them
installed their modules cannot be imported, so their doctests are skipped rather
than reported as collection errors (the test extra installs both, as CI does).
"""

import importlib.util

collect_ignore_glob = []
if any(importlib.util.find_spec(name) is None for name in ("onnx", "skl2onnx")):
    collect_ignore_glob.append("sknn/onnx/*")
if any(importlib.util.find_spec(name) is None for name in ("dask", "distributed")):
    collect_ignore_glob.append("sknn/dask/*")
