"""BaseNetwork: what every sknn estimator shares.

An estimator is an input adapter (:mod:`~sknn.estimators._adapters`), a task head
(:mod:`~sknn.estimators._heads`) and a preset: how its hyper-parameters become
layers (``_build_layers``). Training always goes through
:class:`sknn.training.Trainer`, prediction through :meth:`BaseNetwork._raw_output`.
"""

import copy
import numbers

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state, compute_sample_weight
from sklearn.utils.multiclass import unique_labels
from sklearn.utils.validation import _check_sample_weight, check_is_fitted

from ..inference import as_network_dtype, predict_raw
from ..nn import Sequential
from ..nn._registry import store_args as store_params  # scikit-learn's rule: arguments stored as given
from ..training import FitState, Trainer
from ..utils.callbacks import CallbackSupportMixin, callback_bridge, with_callbacks
from ..utils.validation import check_params
from ._adapters import Tabular
from ._params import STOCHASTIC_SOLVERS, TRAINING_CONSTRAINTS, training_config
from ._params_doc import fill_docstring
from ._validation_split import holds_out, split_validation

__all__ = ["BaseNetwork", "NetworkClassifierMixin", "NetworkRegressorMixin", "store_params"]


class BaseNetwork(CallbackSupportMixin, BaseEstimator):
    """Shared fit / partial_fit / warm-start / predict machinery (not public).

    Extension points, all a preset may set or override:

    ``_adapter`` (class attribute)
        The input adapter: X to the network's input (and mask), at fit and predict.
    ``_head`` (class attribute)
        The task head: y's checks and encoding, the loss, raw outputs to
        predictions, the score.
    ``_build_layers(input_shape, n_outputs, rng)``
        Required: the layer list *including* the output layer (raw outputs, e.g.
        :func:`~sknn.estimators._heads.output_dense`; the loss holds the output
        activation).
    ``_parameter_constraints`` (class attribute)
        The constraint table checked at ``fit``: :data:`~sknn.estimators._params.TRAINING_CONSTRAINTS`
        extended with the preset's own parameters.
    ``_validate_params()``
        Checks the table cannot express; call ``super()`` first.
    ``_training_config()``
        The :class:`~sknn.training.TrainingConfig`, derived from the declared
        training parameters; override to set a loop hook (e.g. ``resample``).
    ``_publish_state()``
        Derived fitted attributes (``coefs_``...) after each fit and on load; call ``super()``.
    ``_stops_early(incremental)``
        Whether a fit may hold out a validation set, asked before the data are
        read (by default ``early_stopping``, refused with ``partial_fit``;
        ``'auto'``: any fit but ``partial_fit``); a preset whose default is early
        stopping overrides it so that ``partial_fit`` still works with its defaults.
    ``_early_stopping_on(y, y_enc)``
        Whether the fit does hold out a validation set, asked once the targets are
        checked and only when ``_stops_early`` said it may: always for
        ``early_stopping=True``; for ``'auto'`` (presets declaring
        :data:`~sknn.estimators._params.AUTO_EARLY_STOPPING`) when the data can
        give the split.

    A class docstring holding ``{declared_parameters}`` / ``{training_attributes}``
    on a line of its own gets the declared entries there (:mod:`~sknn.estimators._params_doc`).
    """

    _parameter_constraints = TRAINING_CONSTRAINTS

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        fill_docstring(cls)  # the declared parameters' entries, from _params.TRAINING_PARAMS

    # -- parameters ------------------------------------------------------------
    def _training_config(self):
        return training_config(self)

    def _validate_params(self):
        check_params(self._parameter_constraints, self.get_params(deep=False), type(self).__name__)
        callbacks = getattr(self, "callbacks", None)
        if callbacks is not None and not all(callable(c) for c in callbacks):
            raise ValueError("callbacks must be a list of callables.")

    _adapter = Tabular()
    _head = None

    def _make_rng(self):
        """The fit's Generator: seeded by an int, drawn from a RandomState or Generator."""
        rs = self.random_state
        if isinstance(rs, np.random.Generator):
            return np.random.default_rng(rs.integers(np.iinfo(np.int32).max))
        if rs is None or isinstance(rs, np.random.RandomState):
            # scikit-learn's semantics for None (the global RandomState) and instances
            return np.random.default_rng(check_random_state(rs).randint(np.iinfo(np.int32).max))
        check_random_state(rs)  # scikit-learn's error for anything that is not a seed
        return np.random.default_rng(int(rs))

    # -- fitting -------------------------------------------------------------------
    @with_callbacks
    def _fit(self, X, y, sample_weight=None, incremental=False, classes=None):
        self._validate_params()
        stops_early = self._stops_early(incremental)
        first = not hasattr(self, "network_") or not (self.warm_start or incremental)
        given = (X, y, sample_weight)
        adapter, head = self._adapter, self._head
        X, mask, y = adapter.fit_input(self, X, y, reset=first)
        y = head.check_target(self, y, X, mask, reset=first)
        # before anything fitted changes: input a float32 network cannot hold is refused here
        X = as_network_dtype(X, adapter.dtype(self, X) if first else self.network_.dtype)
        y_enc = head.encode(self, y, first=first, incremental=incremental and not first, classes=classes)
        sample_weight = self._sample_weight(sample_weight, X, y)
        y_enc = head.scale(self, y_enc, sample_weight, first)
        X = self._scale_input(X, mask, sample_weight, first)
        if stops_early:
            stops_early = self._early_stopping_on(y, y_enc)
        if first:
            self._rng = self._make_rng()
            dtype = adapter.dtype(self, X)
            input_shape = adapter.input_shape(self, X)
            net = Sequential(self._build_layers(input_shape, y_enc.shape[1:], self._rng))
            net.input_grad = False
            net.build(input_shape, self._rng, dtype)
            self.network_ = net
            self._fit_state = FitState()
        y_enc = y_enc.astype(self.network_.dtype, copy=False)
        validation = None
        if stops_early:
            X, y_enc, sample_weight, mask, validation = self._split_validation(X, y, y_enc, sample_weight, mask)
        config = self._training_config()
        config.early_stopping = validation is not None  # 'auto' resolved
        bridge = callback_bridge(
            self,
            task_name="partial_fit" if incremental else "fit",
            max_subtasks=self.max_iter + 1 if self.solver == "lbfgs" else (1 if incremental else self.max_iter),
            X=given[0],
            y=given[1],
            sample_weight=given[2],
            fitted_attributes=self._frozen_attributes,
        )
        if bridge is not None:
            config.callbacks = list(config.callbacks or ()) + [bridge]
        trainer = Trainer(self.network_, self._loss_fn, config, self._fit_state, self._rng, owner=self)
        try:
            trainer.fit(X, y_enc, sample_weight, mask, validation, incremental=incremental)
        except BaseException:
            if first:  # a model that never trained is not fitted
                del self.network_, self._fit_state
            raise
        self._publish_state()
        return self

    def _scale_input(self, X, mask, sample_weight=None, first=False):
        """``X`` as the network reads it, at fit (after the dtype check) and at predict: unchanged here;
        a preset that standardises its inputs (:class:`~sknn.RNNRegressor`) overrides it."""
        return X

    def _frozen_attributes(self):
        """The attributes of a copy of this estimator as fitted so far (for callbacks)."""
        frozen = copy.copy(self)
        frozen.network_ = copy.deepcopy(self.network_)
        frozen._fit_state = copy.copy(self._fit_state)
        frozen._fit_state.loss_curve_ = list(self._fit_state.loss_curve_)
        frozen._publish_state()
        return dict(vars(frozen))

    def _sample_weight(self, sample_weight, X, y):
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)
            if not np.isfinite(sample_weight).all():
                raise ValueError("sample_weight contains NaN or infinity.")
        cw = getattr(self, "class_weight", None)
        if cw is not None:
            cw_weights = self._class_weights(cw, np.asarray(y))
            sample_weight = cw_weights if sample_weight is None else sample_weight * cw_weights
        if sample_weight is not None and not sample_weight.sum() > 0:
            what = "sample_weight" if cw is None else "sample_weight times class_weight"
            raise ValueError(f"{what} must have a positive sum.")
        return sample_weight

    @staticmethod
    def _class_weights(class_weight, y):
        """Per-sample weights from ``class_weight``, with errors that name it."""
        if isinstance(class_weight, dict):
            bad = {
                k: v
                for k, v in class_weight.items()
                if isinstance(v, bool) or not isinstance(v, numbers.Real) or not (np.isfinite(v) and v >= 0)
            }
            if bad:
                raise ValueError(f"class_weight must map classes to finite weights >= 0; invalid: {bad!r}.")
        try:
            return compute_sample_weight(class_weight, y)
        except ValueError as exc:
            raise ValueError(
                f"class_weight={class_weight!r} does not fit the classes of y {unique_labels(y)!r}: {exc}"
            ) from None

    def _stops_early(self, incremental):
        """Whether this fit may hold out a validation set; estimators whose default is early stopping
        override it so that ``partial_fit`` (one pass, nothing to stop) keeps working with their defaults.
        ``'auto'`` never applies to ``partial_fit``; the data decide the other fits (:meth:`_early_stopping_on`)."""
        if self.solver == "lbfgs":  # full-batch L-BFGS trains on every row, as scikit-learn's (no split)
            return False
        if isinstance(self.early_stopping, str):  # 'auto', the only string the constraints let through
            return not incremental
        if incremental and self.early_stopping:
            raise ValueError("partial_fit does not support early_stopping=True")
        return bool(self.early_stopping)

    def _early_stopping_on(self, y, y_enc):
        """Whether a fit that may stop early holds out a validation set (see :func:`holds_out`)."""
        return holds_out(self, y, y_enc)

    def _split_validation(self, X, y, y_enc, sample_weight, mask):
        return split_validation(self, X, y, y_enc, sample_weight, mask)

    def _publish_state(self):
        st = self._fit_state
        self.n_iter_ = st.n_iter_
        self.loss_ = st.loss_
        self.t_ = st.t_  # 0 with lbfgs, as in scikit-learn
        if self.solver == "lbfgs":
            return
        self.loss_curve_ = st.loss_curve_
        self.best_loss_ = st.best_loss_
        self.validation_scores_ = st.validation_scores_
        self.validation_loss_curve_ = st.validation_loss_curve_
        self.best_validation_score_ = st.best_validation_score_

    def _raw_output(self, X):
        """The one inference path: X through the adapter and the network, as the user gets it."""
        check_is_fitted(self, "network_")
        X, mask = self._adapter.input(self, X)
        X = self._scale_input(X, mask)
        # predict_raw converts to the network's dtype batch by batch
        return self._adapter.outputs(self, predict_raw(self.network_, X, mask))

    # -- public API ----------------------------------------------------------------
    def fit(self, X, y, sample_weight=None):
        """Fit the network to data X and target(s) y.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The target values (class labels in classification, real numbers in
            regression).
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        self : object
            Returns a trained network.
        """
        return self._fit(X, y, sample_weight=sample_weight, incremental=False)

    def _check_solver(self):
        if self.solver not in STOCHASTIC_SOLVERS:
            raise AttributeError(f"partial_fit is only available for stochastic optimizers. {self.solver} is not stochastic.")
        return True


# the task mixins live beside the base; imported here so ``from ._base import ...`` keeps working
from ._task_mixins import NetworkClassifierMixin, NetworkRegressorMixin  # noqa: E402
