"""How many BLAS threads sknn's matrix products use, chosen deliberately.

OpenBLAS (NumPy's and SciPy's BLAS) starts one thread per core and splits
every large matrix product between them; its threads spin while they wait for
each other. On a machine whose cores are busy with other work (a laptop in a
meeting, CI, the other jobs of ``GridSearchCV(n_jobs=k)``) a product split in
two waits for its slowest half, and two threads can be several times slower
than one. sknn therefore sets the BLAS thread count itself around every
``fit`` and every prediction (:func:`blas_threads_for`), and restores it after:

* never more threads than the limit already in force when the call starts:
  environment variables (``OPENBLAS_NUM_THREADS``...), an enclosing
  ``threadpoolctl.threadpool_limits`` and joblib's worker limits (which is
  what keeps ``GridSearchCV(n_jobs=k)`` from oversubscribing the cores) all
  still apply;
* never more than the CPUs this process may run on;
* one thread when the products of a batch are too small to gain from a split
  (fewer than :data:`SPLIT_WORK` multiply-adds in the largest one); a
  recurrent layer's step products count at 1 / :data:`STEP_SHARE` of their
  size (see there);
* at most :func:`set_blas_threads`'s value when one was set. On a machine you
  know to be shared, ``set_blas_threads(1)`` is the safe choice.

The choice depends on the network, the batch size and these settings only,
never on the machine's momentary load: the same ``random_state`` gives the
same weights bit for bit run after run. (A float32 model's predictions do not
depend on the thread count at all, see :mod:`sknn.nn.linalg`; a float64
model's, and training in either dtype, may round differently with another
thread count, as with any BLAS.)

Examples
--------
>>> import sknn.threads
>>> sknn.threads.set_blas_threads(1)  # a shared machine: one BLAS thread per fit
>>> sknn.threads.get_blas_threads()
1
>>> sknn.threads.set_blas_threads(None)  # back to the default choice
"""

import os
import threading
from contextlib import contextmanager

__all__ = ["set_blas_threads", "get_blas_threads", "blas_threads_for", "limited_blas_threads", "network_work",
           "SPLIT_WORK", "STEP_SHARE"]

#: Products with fewer multiply-adds than this run on one thread (OpenBLAS keeps
#: about 2.6e5 for itself; between that and this a split saves less than its
#: synchronisation costs on a contended core).
SPLIT_WORK = 1 << 22

#: A recurrent layer (one whose class sets ``per_step_products``) makes one
#: small product per time step, each followed by the cell's elementwise gate
#: work that one thread does alone: a split saves little of a step's time and
#: the second thread spins through the elementwise part. Measured on an LSTM(128)
#: epoch at batch 64 (products of 4.2e6 multiply-adds; bench/rnn.py): 2 threads
#: were 11 % quicker than 1 on a quiet 2-core machine and 2.4x slower with one
#: busy process per core. So its weights count at 1 / STEP_SHARE of their size:
#: steps split only from 4 x SPLIT_WORK multiply-adds.
STEP_SHARE = 4

_setting = None
_lock = threading.Lock()
_active = 0  # sknn calls currently inside limited_blas_threads
_saved = None  # the thread counts the first of them found, restored by the last
_controllers = None


def set_blas_threads(n_threads):
    """Cap the BLAS threads of every later sknn ``fit`` and ``predict``.

    Parameters
    ----------
    n_threads : int >= 1 or None
        The most threads a product may use; None (the default) leaves only the
        automatic rules of the module notes.
    """
    global _setting
    if n_threads is not None and (isinstance(n_threads, bool) or not isinstance(n_threads, int) or n_threads < 1):
        raise ValueError(f"n_threads must be a positive int or None, got {n_threads!r}")
    _setting = n_threads


def get_blas_threads():
    """The cap set by :func:`set_blas_threads` (None: automatic)."""
    return _setting


def _blas_controllers():
    global _controllers
    if _controllers is None:
        # created on first use, once: building a controller scans the loaded
        # libraries (about 10 ms); by then NumPy's and SciPy's BLAS are loaded
        from threadpoolctl import ThreadpoolController

        _controllers = ThreadpoolController().select(user_api="blas").lib_controllers
    return _controllers


def _available_cpus():
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def blas_threads_for(work, current):
    """The thread count for products of at most ``work`` multiply-adds.

    Parameters
    ----------
    work : int
        Multiply-adds of the largest product of one batch (an estimate).
    current : int
        The BLAS thread limit in force.

    Returns
    -------
    n_threads : int
    """
    n = min(current, _available_cpus())
    if _setting is not None:
        n = min(n, _setting)
    if work < SPLIT_WORK:
        n = 1
    return max(1, n)


def network_work(net, n_rows):
    """Multiply-adds of the largest product a batch of ``n_rows`` makes (a lower estimate).

    Every row meets each weight array at least once, so ``n_rows`` times the
    largest parameter is a lower bound for a dense layer's product and exact
    for it; convolutions and recurrent layers reuse weights, so they do more.
    The weights of a recurrent layer count at 1 / :data:`STEP_SHARE` of their size.
    """
    sizes = [p.size // (STEP_SHARE if getattr(layer, "per_step_products", False) else 1)
             for layer in getattr(net, "layers", [net]) for p in layer.params]
    return n_rows * (max(sizes) if sizes else 0)


@contextmanager
def limited_blas_threads(work, small=True):
    """Run the body with :func:`blas_threads_for` ``(work, limit in force)`` BLAS threads.

    Re-entrant and safe from several threads: the first sknn call to enter
    chooses and records the limits, later ones run under them, and the last to
    leave restores what the first found. Nothing is changed (and nothing paid)
    when the choice equals the limit in force.

    Parameters
    ----------
    work : int
        Multiply-adds of the largest product of one batch (:func:`network_work`).
    small : bool, default=True
        False leaves the threads alone when ``work`` is below :data:`SPLIT_WORK`:
        a prediction of a few rows would pay more for switching the threads
        (waking OpenBLAS's threads again on a busy machine takes a scheduler
        slice) than its products cost, and OpenBLAS runs products below about
        2.6e5 multiply-adds on one thread by itself.
    """
    global _active, _saved
    if not small and work < SPLIT_WORK:
        yield
        return
    controllers = _blas_controllers()
    with _lock:
        if _active == 0:
            found = [c.get_num_threads() for c in controllers]
            # a library that cannot report its threads (None) is left alone
            target = [n if n is None else blas_threads_for(work, n) for n in found]
            if target != found:
                _saved = found
                for c, n, old in zip(controllers, target, found):
                    if n != old:
                        c.set_num_threads(n)
            else:
                _saved = None
        _active += 1
    try:
        yield
    finally:
        with _lock:
            _active -= 1
            if _active == 0 and _saved is not None:
                for c, n in zip(controllers, _saved):
                    if n is not None:
                        c.set_num_threads(n)
                _saved = None
