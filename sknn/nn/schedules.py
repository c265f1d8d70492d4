"""Learning-rate schedules, driven by the training loop once per epoch.

The loop calls :meth:`Schedule.start` once when a fresh fit begins,
:meth:`Schedule.epoch_end` after every epoch and :meth:`Schedule.plateau` when
the score has not improved for ``n_iter_no_change`` epochs. ``__init__`` stores
configuration only; state (``lr_init``, ``max_iter``) is set by ``start``, so a
schedule is a plain picklable object.

``"constant"``, ``"invscaling"`` and ``"adaptive"`` reproduce scikit-learn's
``learning_rate`` options of ``MLPClassifier`` / ``MLPRegressor`` (solver
``"sgd"``), including the verbose messages.
"""

import math

from ._registry import Registry, signature_repr

__all__ = ["Schedule", "Constant", "InvScaling", "Adaptive", "Cosine", "Step", "get", "lookup", "names"]


class Schedule:
    """Base class: a constant learning rate that stops on a plateau.

    Attributes
    ----------
    lr_init : float
        The initial learning rate, set by :meth:`start`.
    max_iter : int
        The maximum number of epochs, set by :meth:`start`.
    training_args : tuple of str
        Class attribute: the ``__init__`` arguments that the training loop
        (:class:`sknn.training.Trainer`) sets from the estimator's training
        parameters (``power_t`` for :class:`InvScaling`).
    """

    training_args = ()

    def __repr__(self):
        return signature_repr(self)

    def start(self, learning_rate_init, max_iter):
        """Begin a fresh fit.

        Parameters
        ----------
        learning_rate_init : float
            The initial learning rate.
        max_iter : int
            The maximum number of epochs of this fit.

        Returns
        -------
        learning_rate : float
            The learning rate for the first epoch.
        """
        self.lr_init = float(learning_rate_init)
        self.max_iter = max_iter
        return self.lr_init

    def epoch_end(self, epoch, t, learning_rate):
        """Learning rate for the next epoch.

        Parameters
        ----------
        epoch : int
            Number of epochs done (1-based).
        t : int
            Number of samples seen so far (scikit-learn's ``t_``).
        learning_rate : float
            The current learning rate.

        Returns
        -------
        learning_rate : float
        """
        return learning_rate

    def plateau(self, learning_rate, msg, verbose):
        """React to ``n_iter_no_change`` epochs without improvement.

        Parameters
        ----------
        learning_rate : float
            The current learning rate.
        msg : str
            Message describing the plateau, printed (with a suffix) when verbose.
        verbose : bool
            Whether to print.

        Returns
        -------
        learning_rate : float
            The learning rate to continue with.
        stop : bool
            Whether training should stop.
        """
        if verbose:
            print(msg + " Stopping.")
        return learning_rate, True


class Constant(Schedule):
    """Keep the learning rate fixed; stop on a plateau (scikit-learn's ``"constant"``).

    Examples
    --------
    >>> s = Constant()
    >>> s.start(0.1, 200)
    0.1
    >>> s.epoch_end(1, 100, 0.1)
    0.1
    """

    def __init__(self):
        pass


class InvScaling(Schedule):
    """Inverse scaling (scikit-learn's ``"invscaling"``).

    After every epoch ``learning_rate = lr_init / (t + 1) ** power_t`` where ``t``
    is the number of samples seen so far. Stops on a plateau.

    Parameters
    ----------
    power_t : float, default=0.5
        Exponent of the inverse scaling.

    Examples
    --------
    >>> s = InvScaling(power_t=0.5)
    >>> s.start(1.0, 200)
    1.0
    >>> s.epoch_end(1, 3, 1.0)
    0.5
    """

    training_args = ("power_t",)

    def __init__(self, power_t=0.5):
        self.power_t = power_t

    def epoch_end(self, epoch, t, learning_rate):
        return self.lr_init / (t + 1) ** self.power_t


class Adaptive(Schedule):
    """Divide the learning rate by 5 on each plateau (scikit-learn's ``"adaptive"``).

    The rate is unchanged between plateaus. On a plateau it is divided by 5 and
    training continues, unless it is already ``<= 1e-6``, in which case training
    stops.

    Examples
    --------
    >>> s = Adaptive()
    >>> s.start(0.1, 200)
    0.1
    >>> s.plateau(0.1, "No improvement.", verbose=False)
    (0.02, False)
    """

    def __init__(self):
        pass

    def plateau(self, learning_rate, msg, verbose):
        if learning_rate <= 1e-6:
            if verbose:
                print(msg + " Learning rate too small. Stopping.")
            return learning_rate, True
        learning_rate /= 5.0
        if verbose:
            print(msg + " Setting learning rate to %f" % learning_rate)
        return learning_rate, False


class Cosine(Schedule):
    """Cosine annealing from ``lr_init`` to ``eta_min`` (Loshchilov & Hutter, 2017).

    After epoch ``e``:
    ``eta_min + (lr_init - eta_min) * (1 + cos(pi * e / T_max)) / 2``, held at
    ``eta_min`` once ``e >= T_max`` (no warm restarts). Stops on a plateau.

    Parameters
    ----------
    eta_min : float, default=0.0
        Final learning rate.
    T_max : int or None, default=None
        Number of epochs of the annealing; None uses ``max_iter`` from
        :meth:`start`.

    Examples
    --------
    >>> s = Cosine(T_max=2)
    >>> s.start(1.0, 200)
    1.0
    >>> round(s.epoch_end(1, 10, 1.0), 12)
    0.5
    """

    def __init__(self, eta_min=0.0, T_max=None):
        self.eta_min = eta_min
        self.T_max = T_max

    def epoch_end(self, epoch, t, learning_rate):
        T = self.T_max if self.T_max is not None else self.max_iter
        if epoch >= T:
            return float(self.eta_min)
        cos = 1.0 + math.cos(math.pi * epoch / T)
        return self.eta_min + (self.lr_init - self.eta_min) * cos / 2.0


class Step(Schedule):
    """Multiply the learning rate by ``gamma`` every ``step_size`` epochs.

    After epoch ``e``: ``lr_init * gamma ** (e // step_size)``. Stops on a plateau.

    Parameters
    ----------
    step_size : int, default=10
        Number of epochs between decays.
    gamma : float, default=0.5
        Multiplicative decay factor.

    Examples
    --------
    >>> s = Step(step_size=2, gamma=0.1)
    >>> s.start(1.0, 200)
    1.0
    >>> s.epoch_end(2, 10, 1.0)
    0.1
    """

    def __init__(self, step_size=10, gamma=0.5):
        self.step_size = step_size
        self.gamma = gamma

    def epoch_end(self, epoch, t, learning_rate):
        return self.lr_init * self.gamma ** (epoch // self.step_size)


_REGISTRY = Registry("learning-rate schedule", base=Schedule, copy_instances=True)
for _name, _cls in (("constant", Constant), ("invscaling", InvScaling), ("adaptive", Adaptive),
                    ("cosine", Cosine), ("step", Step)):
    _REGISTRY.register(_name, _cls)


def get(name_or_schedule, **kwargs):
    """Return a schedule from its name, or a copy of a schedule instance.

    Parameters
    ----------
    name_or_schedule : str or Schedule
        One of :func:`names`, or a :class:`Schedule` instance, which is
        deep-copied so the user's object is never mutated (``kwargs`` are then
        ignored).
    **kwargs
        Constructor arguments of the named schedule (``power_t`` for
        ``"invscaling"``).

    Returns
    -------
    schedule : Schedule

    Raises
    ------
    ValueError
        If the name is unknown.
    """
    return _REGISTRY.get(name_or_schedule, **kwargs)


# the valid names (sorted) and the factory of a name, straight from the registry
names = _REGISTRY.names
lookup = _REGISTRY.lookup
