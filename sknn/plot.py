"""Plots in scikit-learn's Display style; matplotlib is an optional dependency."""

import numpy as np
from sklearn.utils.validation import check_is_fitted

__all__ = ["LossCurveDisplay"]


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            "LossCurveDisplay needs matplotlib, an optional dependency of sknn: "
            "pip install matplotlib"
        ) from exc
    return plt


class LossCurveDisplay:
    """Training (and validation) loss per epoch of a fitted sknn estimator.

    Build it with :meth:`from_estimator`; create it directly to plot curves
    you stored yourself.

    Parameters
    ----------
    loss_curve : array-like of shape (n_epochs,)
        Mean training loss of each epoch.
    validation_loss_curve : array-like of shape (n_epochs,) or None, default=None
        Held-out loss of each epoch (estimators fitted with ``early_stopping=True``).
    estimator_name : str or None, default=None
        Used in the legend.

    Attributes
    ----------
    loss_curve_ : ndarray of shape (n_epochs,)
    validation_loss_curve_ : ndarray of shape (n_epochs,) or None
    line_ : matplotlib Line2D
        The training curve.
    validation_line_ : matplotlib Line2D or None
        The validation curve.
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sknn import MLPClassifier
    >>> from sknn.plot import LossCurveDisplay
    >>> X = np.random.default_rng(0).normal(size=(100, 4)); y = (X[:, 0] > 0).astype(int)
    >>> clf = MLPClassifier((8,), max_iter=50, early_stopping=True, random_state=0).fit(X, y)
    >>> disp = LossCurveDisplay.from_estimator(clf)
    >>> disp.line_.get_ydata().shape == disp.loss_curve_.shape
    True
    """

    def __init__(self, *, loss_curve, validation_loss_curve=None, estimator_name=None):
        self.loss_curve_ = np.asarray(loss_curve, dtype=float)
        self.validation_loss_curve_ = (
            None if validation_loss_curve is None else np.asarray(validation_loss_curve, dtype=float)
        )
        self.estimator_name = estimator_name

    def plot(self, ax=None, *, name=None, log_scale=False, validation_kw=None, **kwargs):
        """Draw the curves.

        Parameters
        ----------
        ax : matplotlib Axes or None, default=None
            Axes to draw on; a new figure is created when None.
        name : str or None, default=None
            Legend prefix; defaults to ``estimator_name``.
        log_scale : bool, default=False
            Logarithmic loss axis.
        validation_kw : dict or None, default=None
            Keyword arguments of the validation curve's ``ax.plot``.
        **kwargs : dict
            Keyword arguments of the training curve's ``ax.plot``.

        Returns
        -------
        display : LossCurveDisplay
        """
        plt = _pyplot()
        if ax is None:
            _, ax = plt.subplots()
        name = self.estimator_name if name is None else name
        prefix = f"{name} " if name else ""
        epochs = np.arange(1, len(self.loss_curve_) + 1)
        train_kw = {"label": f"{prefix}training loss"}
        train_kw.update(kwargs)
        (self.line_,) = ax.plot(epochs, self.loss_curve_, **train_kw)
        self.validation_line_ = None
        if self.validation_loss_curve_ is not None:
            val_kw = {"label": f"{prefix}validation loss", "linestyle": "--"}
            val_kw.update(validation_kw or {})
            val_epochs = np.arange(1, len(self.validation_loss_curve_) + 1)
            (self.validation_line_,) = ax.plot(val_epochs, self.validation_loss_curve_, **val_kw)
        ax.set_xlabel("Epoch")
        ax.set_ylabel("Loss")
        if log_scale:
            ax.set_yscale("log")
        ax.legend(loc="upper right")
        self.ax_ = ax
        self.figure_ = ax.figure
        return self

    @classmethod
    def from_estimator(cls, estimator, *, ax=None, name=None, **kwargs):
        """Plot the loss curves of a fitted estimator.

        Parameters
        ----------
        estimator : fitted sknn estimator or Pipeline
            Trained with a stochastic solver (it has ``loss_curve_``). For a
            :class:`~sklearn.pipeline.Pipeline`, its final step is plotted.
        ax : matplotlib Axes or None, default=None
        name : str or None, default=None
            Legend prefix; defaults to the estimator's class name.
        **kwargs : dict
            Passed to :meth:`plot`.

        Returns
        -------
        display : LossCurveDisplay

        Raises
        ------
        sklearn.exceptions.NotFittedError
            If the estimator is not fitted.
        ValueError
            If it has no loss curve (e.g. ``solver='lbfgs'``).
        """
        _pyplot()
        check_is_fitted(estimator)
        final = getattr(estimator, "_final_estimator", None)
        if final is not None and final != "passthrough":
            estimator = final  # a Pipeline: the network is its last step
        curve = getattr(estimator, "loss_curve_", None)
        if curve is None or len(curve) == 0:
            solver = getattr(estimator, "solver", None)
            hint = " (solver='lbfgs' records no per-epoch loss)" if solver == "lbfgs" else ""
            raise ValueError(f"{type(estimator).__name__} has no loss curve to plot{hint}.")
        display = cls(
            loss_curve=curve,
            validation_loss_curve=getattr(estimator, "validation_loss_curve_", None),
            estimator_name=type(estimator).__name__ if name is None else name,
        )
        return display.plot(ax=ax, **kwargs)
