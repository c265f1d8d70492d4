"""The training parameters every sknn estimator shares, each declared once.

One :class:`Param` per parameter: its name, its default (scikit-learn's MLP
default; a preset may choose another in its ``__init__``), its constraints in
scikit-learn's style and its documentation. Everything else derives from
:data:`TRAINING_PARAMS`:

* the validation: an estimator's ``_parameter_constraints`` is
  :data:`TRAINING_CONSTRAINTS` extended with its own entries, checked at ``fit``
  (:func:`sknn.utils.validation.check_params`);
* the :class:`~sknn.training.TrainingConfig` handed to the training loop
  (:func:`training_config`);
* the docstrings' entries (:mod:`sknn.estimators._params_doc`).

A preset that accepts more than the declaration (a value scikit-learn's MLPs
refuse, such as ``early_stopping="auto"``) lists a :meth:`Param.variant` in its
``_declared_variants``: :func:`declared_params` then gives that estimator's
declaration, from which its constraints and docstring entries derive as above.

scikit-learn needs explicit ``__init__`` signatures, so each estimator still
lists the parameters; ``tests/estimators/test_declarations.py`` checks every
signature and docstring against this declaration.
"""

from dataclasses import dataclass, fields, replace
from numbers import Integral, Real

import numpy as np

from .. import training
from ..nn import activations, schedules
from ..nn.schedules import Schedule
from ..training import TrainingConfig
from ..utils.validation import Interval, Options, StrOptions, finite_interval

__all__ = [
    "Param",
    "TRAINING_PARAMS",
    "TRAINING_CONSTRAINTS",
    "SHAPED_PARAMS",
    "SHAPED_CONSTRAINTS",
    "SOLVERS",
    "STOCHASTIC_SOLVERS",
    "SCHEDULES",
    "ACTIVATIONS",
    "documented_order",
    "HIDDEN_SIZES",
    "RATE",
    "POSITIVE_INT",
    "constraints_of",
    "declared_params",
    "AUTO_EARLY_STOPPING",
    "AUTO_EARLY_STOPPING_MIN_SAMPLES",
    "training_config",
]


def documented_order(names, sklearn_names):
    """The registered ``names`` for display: scikit-learn's documented ones first, in its order, then sknn's.

    Only names the registry holds are shown, so a name is declared once (in its registry).
    """
    return tuple(n for n in sklearn_names if n in names) + tuple(sorted(set(names) - set(sklearn_names)))


# the sets come from the engine's registries; only the display order is scikit-learn's
STOCHASTIC_SOLVERS = training.STOCHASTIC_SOLVERS
SOLVERS = documented_order(training.SOLVERS, ("lbfgs", "sgd", "adam"))
SCHEDULES = documented_order(schedules.names(), ("constant", "invscaling", "adaptive"))
#: Hidden activations the presets accept by name (the element-wise ones, without aliases).
ACTIVATIONS = documented_order(activations.ELEMENTWISE, ("identity", "logistic", "tanh", "relu"))


def _choices(names):
    return "{" + ", ".join(map(repr, names)) + "}"


@dataclass(frozen=True)
class Param:
    """One declared parameter.

    Parameters
    ----------
    name : str
    default : object
        The default in scikit-learn's MLPs (presets may override it).
    constraints : tuple
        scikit-learn-style constraints; a value is valid if it satisfies any.
    type : str
        The numpydoc type text (before ``, default=``).
    doc : str
        The numpydoc entry body, one paragraph (wrapped when rendered).
    """

    name: str
    default: object
    constraints: tuple
    type: str
    doc: str

    def variant(self, **changes):
        """This parameter as one preset declares it: the same name, with the given fields changed."""
        if "name" in changes:
            raise ValueError("a variant keeps the declared name")
        return replace(self, **changes)


def _unit(closed):
    return Interval(Real, 0, 1, closed=closed)


_POSITIVE = finite_interval(Real, 0, None, closed="neither")
_NON_NEGATIVE = finite_interval(Real, 0, None, closed="left")
_AT_LEAST_ONE = Interval(Integral, 1, None, closed="left")
_FLOAT = "float"

TRAINING_PARAMS = (
    Param("solver", "adam", (StrOptions(set(SOLVERS)),), _choices(SOLVERS),
          "The weight optimiser. 'adamw' uses ``alpha`` as decoupled weight decay instead of an L2 term in the loss."),
    Param("alpha", 1e-4, (_NON_NEGATIVE,), _FLOAT,
          "Strength of the L2 penalty on the weights (not the biases; a shared kernel counts once), or the "
          "decoupled weight decay with 'adamw'."),
    Param("batch_size", "auto", (StrOptions({"auto"}), _AT_LEAST_ONE), "int or 'auto'",
          "Minibatch size; 'auto' is ``min(200, n_samples)``. Unused by 'lbfgs'."),
    Param("learning_rate", "constant", (StrOptions(set(SCHEDULES)), Schedule), _choices(SCHEDULES) + " or Schedule",
          "Learning-rate schedule, with scikit-learn's semantics for the first three. Unlike scikit-learn it "
          "applies to every stochastic solver, not only 'sgd'. A :mod:`sknn.nn.schedules` object gives full "
          "control."),
    Param("learning_rate_init", 1e-3, (_POSITIVE,), _FLOAT, "The initial learning rate."),
    Param("power_t", 0.5, (_NON_NEGATIVE,), _FLOAT, "Exponent of the 'invscaling' schedule."),
    Param("max_iter", 200, (_AT_LEAST_ONE,), "int",
          "Maximum number of epochs (stochastic solvers) or of iterations ('lbfgs')."),
    Param("shuffle", True, ("boolean",), "bool", "Whether to shuffle samples in each epoch."),
    Param("random_state", None, ("random_state", np.random.Generator),
          "int, RandomState instance, Generator or None",
          "Seeds weight initialisation, the validation split, shuffling, dropout and noise. The same seed "
          "gives the same weights and predictions, bit for bit."),
    Param("tol", 1e-4, (_NON_NEGATIVE,), _FLOAT,
          "Tolerance for the optimisation (see ``n_iter_no_change``). With 'lbfgs' it is the gradient "
          "tolerance and also caps the relative loss reduction that counts as convergence: ``tol=0`` runs "
          "until ``max_iter`` or ``max_fun``."),
    Param("verbose", False, ("verbose",), "bool or int",
          "Print scikit-learn's progress messages (``Iteration N, loss = ...``, ``Validation score: ...``) "
          "for any true value. A progress bar is chosen explicitly: "
          "``callbacks=[sknn.utils.progress.ProgressBar()]``, or with scikit-learn >= 1.9 "
          "``est.set_callbacks(sklearn.callback.ProgressBar())`` (which also follows the estimator inside "
          "``GridSearchCV``)."),
    Param("warm_start", False, ("boolean",), "bool",
          "Start the next ``fit`` from the previous solution. As in scikit-learn, the optimiser starts afresh "
          "(a changed ``learning_rate_init`` applies); ``partial_fit`` continues it. The fitted network is "
          "kept as it is: parameters that shape it (layer sizes, ``cell``, ``pooling``, ...) changed since "
          "take effect at the next fit with ``warm_start=False``, as in scikit-learn."),
    Param("momentum", 0.9, (_unit("both"),), _FLOAT, "Momentum of the 'sgd' solver."),
    Param("nesterovs_momentum", True, ("boolean",), "bool", "Whether to use Nesterov's momentum with 'sgd'."),
    Param("early_stopping", False, ("boolean",), "bool",
          "Hold out ``validation_fraction`` of the data (stratified for classifiers) and stop when its score "
          "(accuracy, R², or the mean of ``score_samples``) stops improving; the best weights are restored. "
          "Unused by 'lbfgs', which trains on every row (as scikit-learn's)."),
    Param("validation_fraction", 0.1, (_unit("left"),), _FLOAT, "Size of the held-out set for early stopping."),
    Param("beta_1", 0.9, (_unit("left"),), _FLOAT, "Decay of the first-moment estimates of Adam / AdamW."),
    Param("beta_2", 0.999, (_unit("left"),), _FLOAT, "Decay of the second-moment estimates of Adam / AdamW."),
    Param("epsilon", 1e-8, (_POSITIVE,), _FLOAT, "Numerical stability term of Adam, AdamW, RMSprop and Adagrad."),
    # np.inf is scikit-learn's documented "never stop on a plateau"
    Param("n_iter_no_change", 10, (_AT_LEAST_ONE, Options(Real, {np.inf})), "int or np.inf",
          "Epochs without ``tol`` improvement before stopping (or, with 'adaptive', before dividing the "
          "learning rate by 5); ``np.inf`` never stops early."),
    Param("max_fun", 15000, (_AT_LEAST_ONE,), "int", "Maximum number of loss evaluations with 'lbfgs'."),
    Param("class_weight", None, (dict, StrOptions({"balanced"}), None), "dict, 'balanced' or None",
          "Weights of the classes, multiplied into ``sample_weight`` (classifiers)."),
    Param("clip_norm", None, (_POSITIVE, None), "float or None",
          "Clip the global gradient norm to this value at each step."),
    Param("callbacks", None, (list, tuple, None), "list of callable or None",
          "Each is called as ``callback(info)`` at the end of every epoch (every iteration with 'lbfgs'), "
          "with a dict holding 'epoch', 'loss', 'validation_loss', 'validation_score', 'learning_rate', "
          "'time' and 'estimator'. Returning True stops training. Optional methods ``on_fit_begin``, "
          "``on_epoch_begin``, ``on_fit_end`` and ``write`` are called too (see :mod:`sknn.training`); "
          ":class:`sknn.utils.progress.ProgressBar` is one such callback. scikit-learn's callbacks (>= 1.9) "
          "go through ``set_callbacks`` instead."),
)

#: Parameters of the shaped-input networks (NeuralNet, ConvNet, RNN); the
#: finer checks of ``input_shape`` (a tuple of positive ints) are in the adapter.
SHAPED_PARAMS = (
    Param("dtype", "float32", (StrOptions({"float32", "float64"}), type, np.dtype), "{'float32', 'float64'}",
          "Dtype of the weights and of the computation."),
)


def constraints_of(params):
    """``{name: [constraints]}`` of some :class:`Param` declarations."""
    return {p.name: list(p.constraints) for p in params}


TRAINING_CONSTRAINTS = constraints_of(TRAINING_PARAMS)
SHAPED_CONSTRAINTS = {
    "input_shape": [None, Interval(Integral, 1, None, closed="left"), tuple, list],
    **constraints_of(SHAPED_PARAMS),
}

#: The fewest training samples with which ``early_stopping="auto"`` holds out a validation set.
AUTO_EARLY_STOPPING_MIN_SAMPLES = 1000

_EARLY_STOPPING = next(p for p in TRAINING_PARAMS if p.name == "early_stopping")
#: ``early_stopping`` with an ``'auto'`` value, for presets whose default stops early when the data allow
#: it (``BaseNetwork._early_stopping_on`` decides). Not for the MLPs: scikit-learn's refuse ``'auto'``.
AUTO_EARLY_STOPPING = _EARLY_STOPPING.variant(
    default="auto",
    constraints=_EARLY_STOPPING.constraints + (StrOptions({"auto"}),),
    type="bool or 'auto'",
    doc=_EARLY_STOPPING.doc + f" 'auto' turns it on when the fit has at least {AUTO_EARLY_STOPPING_MIN_SAMPLES:,} "
    "samples and ``validation_fraction`` of them can be held out as the split needs it (for classifiers, "
    "stratified: every class has at least 2 samples and both parts have room for one sample of every "
    "class; for multilabel y, a random split of at least 2 samples), and off otherwise and for "
    "``partial_fit`` (as ``HistGradientBoostingClassifier``'s 'auto', it decides by the data). Whether a "
    "fit held out a validation set shows in ``validation_scores_`` (None when it did not).",
)


#: What ``batch_size='auto'`` means for the recurrent presets: ``min(SMALL_AUTO_BATCH, n_samples)``.
SMALL_AUTO_BATCH = 32

_BATCH_SIZE = next(p for p in TRAINING_PARAMS if p.name == "batch_size")
#: ``batch_size`` whose 'auto' is ``min(SMALL_AUTO_BATCH, n_samples)``: several steps per epoch on
#: the few dozen sequences a time-series set often has (the preset passes ``auto_batch_size``).
SMALL_AUTO_BATCH_SIZE = _BATCH_SIZE.variant(
    doc=f"Minibatch size; 'auto' is ``min({SMALL_AUTO_BATCH}, n_samples)`` (scikit-learn's MLPs: 200), so "
    "that a set of a few dozen sequences still gets several steps per epoch. Unused by 'lbfgs'.",
)


def declared_params(cls, params=TRAINING_PARAMS):
    """The declarations ``cls`` follows: ``params``, with the preset's ``_declared_variants`` in place.

    Parameters
    ----------
    cls : type
        An estimator class; its optional ``_declared_variants`` is a tuple of :meth:`Param.variant`.
    params : tuple of Param, default=TRAINING_PARAMS

    Returns
    -------
    params : tuple of Param
    """
    variants = {v.name: v for v in getattr(cls, "_declared_variants", ())}
    unknown = set(variants) - {p.name for p in TRAINING_PARAMS + SHAPED_PARAMS}
    if unknown:
        raise ValueError(f"{cls.__name__} declares variants of undeclared parameters: {sorted(unknown)}")
    return tuple(variants.get(p.name, p) for p in params)


#: A positive int (units, sizes, counts).
POSITIVE_INT = [_AT_LEAST_ONE]
#: Hidden sizes as scikit-learn declares them: one int, or a sequence of them.
HIDDEN_SIZES = ["array-like", _AT_LEAST_ONE]
#: A dropout rate: the one place its range is stated.
RATE = [Interval(Real, 0, 1, closed="left")]

_CONFIG_FIELDS = {f.name for f in fields(TrainingConfig)}


def training_config(estimator, **extra):
    """The :class:`~sknn.training.TrainingConfig` of an estimator: its declared training parameters.

    Parameters
    ----------
    estimator : BaseNetwork
    **extra
        Further fields (e.g. ``resample``).

    Returns
    -------
    config : TrainingConfig
    """
    values = {p.name: getattr(estimator, p.name) for p in TRAINING_PARAMS if p.name in _CONFIG_FIELDS}
    return TrainingConfig(**values, **extra)


# -- docstrings ------------------------------------------------------------------------------------------
