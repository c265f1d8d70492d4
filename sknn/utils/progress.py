"""Per-epoch progress for ``verbose=2``: a tqdm bar when tqdm is installed, plain lines otherwise.

The training loop creates one :class:`EpochProgress` per fit, calls
:meth:`EpochProgress.update` with its end-of-epoch ``info`` dict and
:meth:`EpochProgress.close` when the fit ends. tqdm is optional: it is imported
when a bar is created, and its absence is not an error.
"""

import sys

__all__ = ["EpochProgress", "format_line"]


def format_line(info, total):
    """One plain progress line: ``[####....] epoch 3/10  loss 0.123456  ...``."""
    width = 20
    done = int(width * min(info["epoch"], total) / max(total, 1))
    bar = "#" * done + "." * (width - done)
    parts = [f"[{bar}] epoch {info['epoch']}/{total}", f"loss {info['loss']:.6f}"]
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
    """Progress over the epochs of one fit.

    Parameters
    ----------
    total : int
        The maximum number of epochs (the bar may stop early).
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
        self.total = int(total)
        self.file = file
        tqdm = _tqdm() if use_tqdm is not False else None
        if use_tqdm and tqdm is None:
            raise ImportError("tqdm is not installed: pip install tqdm")
        self.bar = None
        if tqdm is not None:
            self.bar = tqdm(total=self.total, unit="epoch", desc="sknn", file=file, leave=True, dynamic_ncols=True)

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

    def close(self):
        """Finish the bar (a no-op for plain lines)."""
        if self.bar is not None:
            self.bar.close()
            self.bar = None
