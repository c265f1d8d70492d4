"""BaseNetwork: what every sknn estimator shares.

A concrete estimator only says how its hyper-parameters become layers
(``_build_layers``), how X is shaped (``_validate_X``), and — through the
classifier / regressor mixins below — how y is encoded, which loss is used and
how raw outputs become predictions. Training always goes through
:class:`sknn.training.Trainer`.
"""

import copy
import numbers

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.metrics import accuracy_score, r2_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import check_random_state, compute_sample_weight
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import type_of_target, unique_labels
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    column_or_1d,
    validate_data,
)

from ..nn import Dense, Sequential
from ..nn import losses as _losses
from ..training import FitState, Trainer, Validation, as_batchable, as_network_dtype, predict_raw
from ..utils.callbacks import CallbackSupportMixin, callback_bridge, with_callbacks
from ..utils.validation import check_params
from ._params import STOCHASTIC_SOLVERS, TRAINING_CONSTRAINTS, fill_docstring, training_config

__all__ = ["BaseNetwork", "NetworkClassifierMixin", "NetworkRegressorMixin", "store_params"]


def store_params(estimator, params):
    """Store ``__init__``'s arguments (``locals()``) unchanged, as scikit-learn requires.

    scikit-learn needs explicit ``__init__`` signatures (no ``**kwargs``) and the
    arguments stored as given under their own names; this saves writing one
    assignment per parameter in every estimator.
    """
    for name, value in params.items():
        if name not in ("self", "__class__"):
            setattr(estimator, name, value)


class BaseNetwork(CallbackSupportMixin, BaseEstimator):
    """Shared fit / partial_fit / warm-start machinery (not public).

    Subclasses define ``_build_layers(input_shape, n_outputs, rng)`` returning
    the full layer list *including* the output layer (whose outputs are raw:
    the loss holds the output activation).

    Parameters are checked at ``fit`` against ``_parameter_constraints``
    (scikit-learn's style): the shared training parameters' table, which each
    estimator extends with its own entries.
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

    # -- hooks for subclasses ----------------------------------------------------
    def _validate_X(self, X, reset):
        """Validate X at predict time. Default: 2-D numeric, sparse CSR/CSC allowed."""
        return validate_data(
            self,
            X,
            accept_sparse=["csr", "csc"],
            dtype=(np.float64, np.float32),
            reset=reset,
        )

    def _validate_X_y(self, X, y, reset):
        """Validate X and y at fit time; returns (X, y)."""
        return validate_data(
            self,
            X,
            y,
            accept_sparse=["csr", "csc"],
            multi_output=True,
            dtype=(np.float64, np.float32),
            y_numeric=not isinstance(self, ClassifierMixin),
            reset=reset,
        )

    def _shape_X(self, X):
        """Turn validated X into the network's input: returns (X, mask)."""
        return as_batchable(X), None

    def _input_shape(self, X):
        return X.shape[1:]

    def _network_dtype(self, X):
        return X.dtype if X.dtype in (np.float32, np.float64) else np.float64

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
        if incremental and self.early_stopping:
            raise ValueError("partial_fit does not support early_stopping=True")
        first = not hasattr(self, "network_") or not (self.warm_start or incremental)
        given = (X, y, sample_weight)
        X, y = self._validate_X_y(X, y, reset=first)
        X, mask = self._shape_X(X)
        # before anything fitted changes: input a float32 network cannot hold is refused here
        X = as_network_dtype(X, self._network_dtype(X) if first else self.network_.dtype)
        y_enc = self._encode_y(y, incremental=incremental and not first, classes=classes, first=first)
        sample_weight = self._sample_weight(sample_weight, X, y)
        if first:
            self._rng = self._make_rng()
            dtype = self._network_dtype(X)
            layers = self._build_layers(self._input_shape(X), y_enc.shape[1:], self._rng)
            net = Sequential(layers)
            net.input_grad = False
            net.build(self._input_shape(X), self._rng, dtype)
            self.network_ = net
            self._fit_state = FitState()
        y_enc = y_enc.astype(self.network_.dtype, copy=False)
        validation = None
        if self.early_stopping:
            X, y_enc, sample_weight, mask, validation = self._split_validation(X, y, y_enc, sample_weight, mask)
        config = self._training_config()
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

    def _split_validation(self, X, y, y_enc, sample_weight, mask):
        stratify = y if (isinstance(self, ClassifierMixin) and y_enc.ndim == 2 and self._n_label_columns == 1) else None
        arrays = [X, y_enc, np.asarray(y) if not hasattr(y, "iloc") else y.to_numpy()]
        names = ["X", "y", "yo"]
        if sample_weight is not None:
            arrays.append(sample_weight)
            names.append("sw")
        if mask is not None:
            arrays.append(mask)
            names.append("mask")
        parts = train_test_split(
            *arrays,
            test_size=self.validation_fraction,
            random_state=int(self._rng.integers(np.iinfo(np.int32).max)),
            stratify=stratify,
        )
        train = dict(zip(names, parts[0::2]))
        val = dict(zip(names, parts[1::2]))
        if val["X"].shape[0] < 2:
            raise ValueError(
                "The validation set is too small. Increase 'validation_fraction' "
                "or the size of your dataset."
            )
        y_val = val["yo"]
        sw_val = val.get("sw")

        def scorer(raw):
            return self._score_raw(raw, y_val, sw_val)

        validation = Validation(val["X"], val["y"], scorer, sw_val, val.get("mask"))
        return train["X"], train["y"], train.get("sw"), train.get("mask"), validation

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
        check_is_fitted(self, "network_")
        X, mask = self._shape_X(self._validate_X(X, reset=False))
        return predict_raw(self.network_, X, mask)  # converts to the network's dtype per batch

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


class NetworkClassifierMixin(ClassifierMixin):
    """Label encoding, log-loss head and probability outputs for classifiers."""

    def _encode_y(self, y, incremental, classes, first):
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if incremental and classes is None and not hasattr(self, "classes_"):
            raise ValueError("classes must be passed on the first call to partial_fit.")
        if first:
            target = type_of_target(y)
            if target not in ("binary", "multiclass", "multilabel-indicator"):
                raise ValueError(
                    f"Unknown label type: {target!r}. Classification needs discrete "
                    "labels (binary, multiclass or a multilabel indicator matrix)."
                )
            lb = LabelBinarizer()
            # as scikit-learn: a multilabel indicator y gives its own classes (its columns)
            lb.fit(y if classes is None or target == "multilabel-indicator" else classes)
            if len(lb.classes_) < 2:
                raise ValueError(
                    "The classifier needs samples of at least 2 classes in the data, "
                    f"but the data contains only one class: {lb.classes_[0]!r}."
                )
            self._label_binarizer = lb
            self.classes_ = lb.classes_
            multiclass = lb.y_type_ == "multiclass"
            self._loss_fn = _losses.LogLoss() if multiclass else _losses.BinaryLogLoss()
            self.out_activation_ = self._loss_fn.out_activation
        else:
            labels = unique_labels(y)
            if self.warm_start and not incremental:
                if set(labels) != set(self.classes_):
                    raise ValueError(
                        "warm_start can only be used where `y` has the same classes as in "
                        f"the previous call to fit. Previously got {self.classes_}, `y` has {labels}"
                    )
            elif len(np.setdiff1d(labels, self.classes_)):
                raise ValueError(
                    f"`y` has classes not in `self.classes_`. `self.classes_` has {self.classes_}. "
                    f"'y' has {labels}."
                )
        Y = self._label_binarizer.transform(y)
        self._n_label_columns = 1 if y.ndim == 1 else y.shape[1]
        return np.asarray(Y, dtype=np.float64)

    def _proba_from_raw(self, raw):
        if raw.shape[1] == 1:
            r = raw.ravel()
            # expit(-r), not 1 - expit(r): no cancellation to exactly 0
            p = np.column_stack([self._loss_fn.link(-r), self._loss_fn.link(r)])
        else:
            p = self._loss_fn.link(raw)
        # never exactly 0, so log(predict_proba) stays finite like predict_log_proba
        return np.maximum(p, np.finfo(p.dtype).tiny, out=p)

    def _labels_from_raw(self, raw):
        if isinstance(self._loss_fn, _losses.LogLoss):
            return self.classes_[np.argmax(raw, axis=1)]
        ind = (raw > 0).astype(int)
        if ind.shape[1] == 1:
            ind = ind.ravel()
        return self._label_binarizer.inverse_transform(ind)

    def _score_raw(self, raw, y, sample_weight):
        return accuracy_score(y, self._labels_from_raw(raw), sample_weight=sample_weight)

    def predict(self, X):
        """Predict class labels (or a label indicator matrix, for multilabel y).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_classes)
        """
        return self._labels_from_raw(self._raw_output(X))

    def predict_proba(self, X):
        """Probability estimates, columns ordered as ``classes_``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        y_prob : ndarray of shape (n_samples, n_classes)
        """
        return self._proba_from_raw(self._raw_output(X))

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`, computed stably from the raw outputs.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        log_y_prob : ndarray of shape (n_samples, n_classes)
        """
        raw = self._raw_output(X)
        if isinstance(self._loss_fn, _losses.LogLoss):
            shifted = raw - raw.max(axis=1, keepdims=True)
            log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        elif raw.shape[1] == 1:
            r = raw.ravel()
            log_p = np.column_stack([-np.logaddexp(0, r), -np.logaddexp(0, -r)])
        else:
            log_p = -np.logaddexp(0, -raw)
        # the floor predict_proba uses, so log(predict_proba) == predict_log_proba
        return np.maximum(log_p, np.log(np.finfo(log_p.dtype).tiny), out=log_p)

    @available_if(lambda est: est._check_solver())
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """Update the model with a single epoch over the given data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_classes)
        sample_weight : array-like of shape (n_samples,), default=None
        classes : array of shape (n_classes,), default=None
            All the classes that can appear in y; required on the first call.

        Returns
        -------
        self : object
        """
        if not hasattr(self, "classes_") and classes is None:
            raise ValueError("classes must be passed on the first call to partial_fit.")
        if hasattr(self, "classes_") and classes is not None and not np.array_equal(
            np.unique(classes), self.classes_
        ):
            raise ValueError(
                f"`classes={classes!r}` is not the same as on the first call to "
                f"partial_fit, which was {self.classes_!r}."
            )
        return self._fit(X, y, sample_weight=sample_weight, incremental=True, classes=classes)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        tags.input_tags.sparse = True
        return tags


class NetworkRegressorMixin(RegressorMixin):
    """Target checks, regression loss head and mean predictions for regressors."""

    def _encode_y(self, y, incremental, classes, first):
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if first:
            self._loss_fn = _losses.get(self._loss_name())
            self.out_activation_ = self._loss_fn.out_activation
            self._y_ndim = y.ndim
        if isinstance(self._loss_fn, _losses.Poisson) and np.any(y < 0):
            raise ValueError("loss='poisson' requires non-negative targets; y contains negative values.")
        Y = y.reshape(y.shape[0], -1) if y.ndim == 1 else y
        return np.asarray(Y, dtype=np.float64)

    def _loss_name(self):
        return getattr(self, "loss", "squared_error")

    def _predict_from_raw(self, raw):
        pred = self._loss_fn.link(raw)
        if pred.ndim == 2 and pred.shape[1] == 1:
            return pred.ravel()
        return pred

    def _score_raw(self, raw, y, sample_weight):
        pred = self._predict_from_raw(raw)
        y = np.asarray(y)
        return r2_score(y.reshape(y.shape[0], -1), pred.reshape(pred.shape[0], -1), sample_weight=sample_weight)

    def predict(self, X):
        """Predict the target(s).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        """
        return self._predict_from_raw(self._raw_output(X))

    @available_if(lambda est: est._check_solver())
    def partial_fit(self, X, y, sample_weight=None):
        """Update the model with a single epoch over the given data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : object
        """
        return self._fit(X, y, sample_weight=sample_weight, incremental=True)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.input_tags.sparse = True
        return tags


def output_dense(n_outputs, initializer="glorot_uniform"):
    """The output layer: raw scores, the loss applies the output activation."""
    return Dense(int(np.prod(n_outputs)), kernel_initializer=initializer, bias_initializer=initializer if initializer.startswith("sklearn") else "zeros")
