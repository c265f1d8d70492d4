"""Callbacks: the training loop's own (:class:`CallbackList`) and scikit-learn's (>= 1.9).

With scikit-learn 1.9 an estimator that mixes in ``CallbackSupportMixin``
accepts ``est.set_callbacks(sklearn.callback.ProgressBar())``, and
meta-estimators (``GridSearchCV``, ``Pipeline``...) hand their callbacks down
to it. sknn's estimators take part through :class:`ContextBridge`, which turns
the training loop's callback hooks (``on_fit_begin``, ``on_epoch_begin``, the
end-of-epoch call, ``on_fit_end``) into scikit-learn's task tree: one task per
``fit`` (or ``partial_fit``) call, one sub-task per epoch (per iteration with
L-BFGS).

On older scikit-learn, :data:`CallbackSupportMixin` is an empty class and
:func:`with_callbacks` returns the method unchanged: no bridge is made.
"""

try:  # scikit-learn >= 1.9
    from sklearn.callback import CallbackSupportMixin, with_callbacks

    HAS_SKLEARN_CALLBACKS = True
except ImportError:  # pragma: no cover - exercised on scikit-learn < 1.9
    HAS_SKLEARN_CALLBACKS = False

    class CallbackSupportMixin:
        """Placeholder: this scikit-learn has no callback protocol."""

    def with_callbacks(method):
        """Placeholder: returns ``method`` unchanged."""
        return method


__all__ = [
    "HAS_SKLEARN_CALLBACKS",
    "CallbackSupportMixin",
    "with_callbacks",
    "CallbackList",
    "ContextBridge",
    "callback_bridge",
]


class CallbackList:
    """The training loop's callbacks of one call (protocol: :mod:`sknn.training`).

    Calls each callback's optional methods in order, skipping those it lacks.

    Parameters
    ----------
    callbacks : list of callable or None
    """

    def __init__(self, callbacks):
        self.callbacks = list(callbacks or ())

    def call(self, name, info):
        """Call the optional method ``name`` of every callback that has it."""
        for cb in self.callbacks:
            method = getattr(cb, name, None)
            if method is not None:
                method(info)

    def epoch_end(self, info):
        """Call every callback with the epoch's ``info``; True when one asks to stop."""
        stop = False
        for cb in self.callbacks:
            if cb(info):
                stop = True
        return stop

    def writer(self):
        """The first callback's ``write`` method (a progress bar's), else ``print``."""
        for cb in self.callbacks:
            write = getattr(cb, "write", None)
            if callable(write):
                return write
        return print


class ContextBridge:
    """Drives a scikit-learn ``CallbackContext`` from sknn's training-loop hooks.

    Parameters
    ----------
    estimator : estimator
        The estimator being fitted (passed to every scikit-learn hook).
    context : sklearn.callback.CallbackContext
        The root context of this call, from ``estimator._init_callback_context``.
    X, y : array-like
        The data the call was given (what a scoring callback evaluates on).
    metadata : dict or None
        ``{"sample_weight": ...}`` when sample weights were given.
    fitted_attributes : callable
        ``fitted_attributes() -> dict``: the attributes of a copy of the
        estimator frozen at this point of training; called only when a
        callback asks for ``fitted_estimator``.
    """

    def __init__(self, estimator, context, X, y, metadata, fitted_attributes):
        self.estimator = estimator
        self.context = context
        self._data = {"X": X, "y": y, "metadata": metadata}
        self._fitted_attributes = fitted_attributes
        self._task = None

    def on_fit_begin(self, info):
        self.context.call_on_fit_task_begin(estimator=self.estimator, **self._data)

    def on_epoch_begin(self, info):
        self._task = self.context.subcontext(task_name="epoch")
        self._task.call_on_fit_task_begin(estimator=self.estimator, **self._data)

    def __call__(self, info):
        task, self._task = self._task, None
        return task.call_on_fit_task_end(
            estimator=self.estimator, reconstruction_attributes=self._fitted_attributes, **self._data
        )

    def on_fit_end(self, info):
        if self._task is not None:
            # an epoch that did not finish (divergence, error, an L-BFGS iteration never run)
            self._task.call_on_fit_task_end(estimator=self.estimator)
            self._task = None
        self.context.call_on_fit_task_end(
            estimator=self.estimator, reconstruction_attributes=self._fitted_attributes, **self._data
        )


def callback_bridge(estimator, *, task_name, max_subtasks, X, y, sample_weight, fitted_attributes):
    """A :class:`ContextBridge` for this call, or None when no callback can be concerned.

    Parameters
    ----------
    estimator : estimator with ``CallbackSupportMixin``
    task_name : str
        ``"fit"`` or ``"partial_fit"``.
    max_subtasks : int
        The most epochs (iterations) the call can run.
    X, y, sample_weight :
        The data of the call.
    fitted_attributes : callable
        See :class:`ContextBridge`.

    Returns
    -------
    bridge : ContextBridge or None
        None on scikit-learn < 1.9, and when the estimator has no callback and
        is not being fitted by a meta-estimator that has some.
    """
    if not HAS_SKLEARN_CALLBACKS:
        return None
    if not getattr(estimator, "_skl_callbacks", None) and not hasattr(estimator, "_parent_callback_ctx"):
        return None
    context = estimator._init_callback_context(task_name=task_name, max_subtasks=max_subtasks)
    metadata = None if sample_weight is None else {"sample_weight": sample_weight}
    return ContextBridge(estimator, context, X, y, metadata, fitted_attributes)
