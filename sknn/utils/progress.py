"""sknn's own progress bar: a training-loop callback, chosen explicitly.

``MLPClassifier(callbacks=[ProgressBar()])`` shows one bar per ``fit`` (a tqdm
bar when tqdm is installed, plain lines otherwise) and a running epoch count
across ``partial_fit`` calls. It works with every scikit-learn sknn supports;
with scikit-learn >= 1.9 the alternative is scikit-learn's own
``est.set_callbacks(sklearn.callback.ProgressBar())``, which also shows the
progress of meta-estimators such as ``GridSearchCV`` around sknn's.

The training loop prints its ``verbose`` lines through :meth:`ProgressBar.write`,
so they appear above the bar instead of through it.
"""

import sys

__all__ = ["ProgressBar", "EpochProgress", "format_line"]


def format_line(info, total):
    """One plain progress line.

    ``[####....] epoch 3/10  loss 0.123456  ...`` for a fit of ``total`` epochs;
    ``epoch 3  loss 0.123456  ...`` when the total is unknown (None).
    """
    if total is None:
        parts = [f"epoch {info['epoch']}"]
    else:
        width = 20
        done = int(width * min(info["epoch"], total) / max(total, 1))
        bar = "#" * done + "." * (width - done)
        parts = [f"[{bar}] epoch {info['epoch']}/{total}"]
    parts.append(f"loss {info['loss']:.6f}")
    if info.get("validation_loss") is not None:
        parts.append(f"val_loss {info['validation_loss']:.6f}")
    if info.get("validation_score") is not None:
        parts.append(f"val_score {info['validation_score']:.4f}")
    if info.get("time") is not None:
        parts.append(f"{info['time']:.2f}s")
    return "  ".join(parts)


def _tqdm():
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm


class EpochProgress:
    """The display of one bar: tqdm when available, plain lines otherwise.

    Parameters
    ----------
    total : int or None
        The number of epochs the bar counts to; None for an open count.
    use_tqdm : bool or None, default=None
        None uses tqdm when it can be imported; False forces plain lines.
    file : file object or None
        Where to write; tqdm's default (stderr) or ``sys.stdout`` for lines.

    Examples
    --------
    >>> p = EpochProgress(2, use_tqdm=False)
    >>> p.update({"epoch": 1, "loss": 0.5})
    [##########..........] epoch 1/2  loss 0.500000
    >>> p.close()
    """

    def __init__(self, total, use_tqdm=None, file=None):
        self.total = None if total is None else int(total)
        self.file = file
        tqdm = _tqdm() if use_tqdm is not False else None
        if use_tqdm and tqdm is None:
            raise ImportError("tqdm is not installed: pip install tqdm")
        self._tqdm = tqdm
        self.bar = None
        if tqdm is not None:
            # mininterval=0: an epoch is long enough to redraw after each one
            self.bar = tqdm(
                total=self.total, unit="epoch", desc="sknn", file=file, leave=True, dynamic_ncols=True, mininterval=0
            )

    def update(self, info):
        """Report one finished epoch (the training loop's ``info`` dict)."""
        if self.bar is None:
            print(format_line(info, self.total), file=self.file or sys.stdout, flush=True)
            return
        postfix = {"loss": f"{info['loss']:.6f}"}
        if info.get("validation_loss") is not None:
            postfix["val_loss"] = f"{info['validation_loss']:.6f}"
        if info.get("validation_score") is not None:
            postfix["val_score"] = f"{info['validation_score']:.4f}"
        self.bar.set_postfix(postfix, refresh=False)
        self.bar.update(1)

    def write(self, message):
        """Print a line without breaking the bar (tqdm clears and redraws it)."""
        if self.bar is None:
            print(message, file=self.file or sys.stdout, flush=True)
        else:
            self._tqdm.write(message, file=self.file)

    def close(self):
        """Finish the bar (a no-op for plain lines)."""
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class ProgressBar:
    """A progress bar over the epochs of sknn's training loop.

    Pass it in an estimator's ``callbacks``. Each ``fit`` gets a bar counting
    that call's epochs (``epoch k/max_iter``); ``partial_fit`` calls, one epoch
    each, share one open count of all epochs so far (``epoch 3``, never
    ``epoch 3/1``). With L-BFGS the bar counts iterations.

    Parameters
    ----------
    use_tqdm : bool or None, default=None
        None uses tqdm when it is installed, plain lines otherwise; True
        requires tqdm; False always prints plain lines.
    file : file object or None, default=None
        Where to write (tqdm's default is stderr, plain lines go to stdout).

    Examples
    --------
    >>> import numpy as np
    >>> from sknn import MLPRegressor
    >>> from sknn.utils.progress import ProgressBar
    >>> X = np.arange(20.0).reshape(10, 2); y = X.sum(axis=1)
    >>> reg = MLPRegressor(hidden_layer_sizes=(4,), max_iter=2, callbacks=[ProgressBar(use_tqdm=False)],
    ...                    random_state=0)
    >>> _ = reg.fit(X, y)  # doctest: +ELLIPSIS
    [##########..........] epoch 1/2  loss ...
    [####################] epoch 2/2  loss ...
    """

    def __init__(self, use_tqdm=None, file=None):
        self.use_tqdm = use_tqdm
        self.file = file
        self._progress = None
        self._offset = 0

    def __repr__(self):
        return f"ProgressBar(use_tqdm={self.use_tqdm!r})"

    def __getstate__(self):
        # a live bar is not copied (clone deep-copies callbacks) nor pickled
        return {**self.__dict__, "_progress": None}

    def on_fit_begin(self, info):
        """Open a bar for a fit, or keep the running count of ``partial_fit``."""
        if info["incremental"]:
            if self._progress is None or self._progress.total is not None:
                self._close()
                self._progress = EpochProgress(None, self.use_tqdm, self.file)
            self._offset = 0
        else:
            self._close()
            self._progress = EpochProgress(info["max_epochs"], self.use_tqdm, self.file)
            self._offset = info["epoch"]  # a warm start counts this call's epochs from 1

    def __call__(self, info):
        if self._progress is not None:
            self._progress.update({**info, "epoch": info["epoch"] - self._offset})
        return False

    def on_fit_end(self, info):
        """Close a fit's bar (the ``partial_fit`` count stays open)."""
        if self._progress is not None and self._progress.total is not None:
            self._close()

    def write(self, message):
        """Print a line above the bar."""
        if self._progress is None:
            print(message, file=self.file or sys.stdout, flush=True)
        else:
            self._progress.write(message)

    def _close(self):
        if self._progress is not None:
            self._progress.close()
            self._progress = None
