"""Training scratch kept from one fit to the next, and released from fitted networks.

Training layers keep their caches for ``backward`` (the last batch's inputs,
outputs, masks, window copies) and reusable scratch arrays under ``_cache*``
attributes (see :mod:`sknn.nn.layer`). Kept on a fitted estimator they would
only hold memory (about 10 MB for a small convolutional network on 8x8
images), so :func:`release` drops them when a fit ends. The scratch arrays go
to a pool of this thread, and the next fit in the thread takes them back
(:func:`take`): a fresh array of a few megabytes costs its first touch of every
page (the C library returns freed memory of that size to the system), which
was about a tenth of a one-epoch fit of that network.

The pool belongs to one thread, holds at most :data:`POOL_BYTES`, and its
arrays' contents are undefined: a layer only takes what it overwrites.
"""

import threading

import numpy as np

from .layer import nn_objects

__all__ = ["POOL_BYTES", "take", "give", "release"]

#: The most bytes of scratch arrays one thread keeps between fits.
POOL_BYTES = 32 << 20

_local = threading.local()


def _pool():
    pool = getattr(_local, "pool", None)
    if pool is None:
        pool = _local.pool = []
    return pool


def take(size, dtype):
    """A flat array of at least ``size`` elements of ``dtype``, from the pool if it holds one, else new."""
    dtype = np.dtype(dtype)
    pool = _pool()
    best = None
    for i, a in enumerate(pool):
        if a.dtype == dtype and a.size >= size and (best is None or a.size < pool[best].size):
            best = i
    return pool.pop(best) if best is not None else np.empty(size, dtype=dtype)


def give(array):
    """Keep a flat scratch array (no longer used by its owner) for a later :func:`take`; the oldest go first."""
    if array.nbytes > POOL_BYTES or not array.flags.owndata:
        return
    pool = _pool()
    pool.append(array)
    total = sum(a.nbytes for a in pool)
    while total > POOL_BYTES:
        total -= pool.pop(0).nbytes


def release(net):
    """Drop the training caches of ``net`` and every layer and cell inside it; pool their scratch arrays.

    The network predicts, trains on and pickles as before: the next training
    forward pass makes what its ``backward`` needs, and scratch is taken again.
    """
    for obj in nn_objects(net):
        state = obj.__dict__
        for key in [k for k in state if k.startswith("_cache")]:
            value = state.pop(key)
            if key == "_cache_buffers":
                for array in value.values():
                    give(array)
        reset = getattr(obj, "_reset_scratch", None)
        if reset is not None:
            reset()
