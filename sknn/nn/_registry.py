"""Names to objects, one registry per engine concept, and the configuration convention they share.

Every concept the engine names by a string (activations, losses, optimizers,
learning-rate schedules, initializers) keeps one :class:`Registry`; its module
exposes ``get`` and ``names`` built on it, so a name is declared once and every
list of valid names (error messages, the estimators' parameter checks) is
derived from that declaration.
"""

import copy
import inspect

__all__ = ["Registry", "signature_repr", "store_args"]


class Registry:
    """A mapping from names to factories, with one ``get`` for names and instances.

    Parameters
    ----------
    kind : str
        What the registry holds, as named in error messages ("optimizer").
    base : type or tuple of type or None, default=None
        Instances of ``base`` given to :meth:`get` are returned instead of
        looked up. None: only callables pass through (initializers).
    fold_case : bool, default=False
        Whether names are matched case-insensitively.
    copy_instances : bool, default=False
        Whether :meth:`get` returns a deep copy of an instance (so the caller's
        object is never mutated) rather than the instance itself.

    Examples
    --------
    >>> reg = Registry("colour")
    >>> reg.register("red", lambda: (255, 0, 0))
    >>> reg.get("red")
    (255, 0, 0)
    >>> reg.names()
    ('red',)
    """

    def __init__(self, kind, base=None, fold_case=False, copy_instances=False):
        self.kind = kind
        self.base = base
        self.fold_case = fold_case
        self.copy_instances = copy_instances
        self._factories = {}
        self._aliases = set()

    def register(self, name, factory, alias=False):
        """Declare ``name``.

        Parameters
        ----------
        name : str
        factory : callable
            Called with :meth:`get`'s keyword arguments to make the object.
        alias : bool, default=False
            Whether ``name`` is a second name of an entry (left out of
            ``names(aliases=False)``).
        """
        key = name.lower() if self.fold_case else name
        if key in self._factories:
            raise ValueError(f"The {self.kind} {name!r} is already registered.")
        self._factories[key] = factory
        if alias:
            self._aliases.add(key)

    def names(self, aliases=True):
        """The valid names, sorted.

        Parameters
        ----------
        aliases : bool, default=True
            Whether to include the second names of entries.

        Returns
        -------
        names : tuple of str
        """
        return tuple(sorted(n for n in self._factories if aliases or n not in self._aliases))

    def __contains__(self, name):
        return self._key(name) in self._factories

    def _key(self, name):
        if not isinstance(name, str):
            return None
        return name.lower() if self.fold_case else name

    def lookup(self, name):
        """The factory registered as ``name`` (the class of an instance of ``base``).

        Raises
        ------
        ValueError
            If ``name`` is not a registered name; the message lists them.
        """
        if self.base is not None and isinstance(name, self.base):
            return type(name)
        key = self._key(name)
        if key not in self._factories:
            raise ValueError(f"Unknown {self.kind} {name!r}; valid names are {list(self.names())}.")
        return self._factories[key]

    def get(self, name, **kwargs):
        """The object for ``name``, made by its factory with ``kwargs``.

        An instance of ``base`` (or, without ``base``, any callable) is returned
        as is, or deep-copied with ``copy_instances``; ``kwargs`` are then ignored.

        Raises
        ------
        ValueError
            If ``name`` is not a registered name; the message lists them.
        """
        passes = isinstance(name, self.base) if self.base is not None else callable(name)
        if passes:
            return copy.deepcopy(name) if self.copy_instances else name
        return self.lookup(name)(**kwargs)


def signature_repr(obj):
    """``Class(arg=value, ...)`` for the ``__init__`` arguments of ``obj`` that differ from their defaults.

    Each argument is read from the attribute of the same name (the engine's
    objects store their configuration that way). A value equal to its default
    but of another type (``0`` for a default ``0.0``) is shown, so the repr is
    exact.
    """
    sig = inspect.signature(type(obj).__init__)
    parts = []
    for name, p in sig.parameters.items():
        if name == "self" or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        value = getattr(obj, name)
        if p.default is not p.empty and type(value) is type(p.default):
            try:
                same = bool(value == p.default)
            except Exception:  # arrays and friends compare element-wise
                same = False
            if same:
                continue
        parts.append(f"{name}={value!r}")
    return f"{type(obj).__name__}({', '.join(parts)})"


def store_args(obj, args):
    """Store a constructor's arguments on ``obj`` as given, each under its own name.

    The convention of every configurable object (layers, estimators): the
    configuration is the ``__init__`` arguments, readable under their names
    (:func:`signature_repr`, ``get_params``, persistence rely on it). Called as
    ``store_args(self, locals())`` at the start of ``__init__``, before any other
    local is bound.
    """
    for name, value in args.items():
        if name not in ("self", "__class__"):
            setattr(obj, name, value)
