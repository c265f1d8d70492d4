"""The task mixins of the estimators: ``predict``, ``score``, ``predict_proba`` and ``partial_fit`` through the head.

A classifier preset is ``class X(NetworkClassifierMixin, <its BaseNetwork subclass>)``, a regressor
``class X(NetworkRegressorMixin, ...)``: the mixin sets the task head (:mod:`~sknn.estimators._heads`) and
adds scikit-learn's classifier or regressor face, before scikit-learn's own mixins in the method order.
"""

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.utils.metaestimators import available_if

from ._heads import Classification, Regression

__all__ = ["NetworkClassifierMixin", "NetworkRegressorMixin"]


class _HeadMethods:
    """``predict`` and ``score`` through the task head (before scikit-learn's mixins in the MRO)."""

    def predict(self, X):
        """Predict with the fitted network: labels (or a label indicator matrix), or values.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features), or the estimator's input

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        """
        return self._head.predict(self, self._raw_output(X))

    def score(self, X, y, sample_weight=None):
        """The task's score of the predictions: accuracy for classifiers, R² (over all outputs and steps
        of each sample) for regressors.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features), or the estimator's input
        y : array-like of shape (n_samples,), (n_samples, n_outputs) or (n_samples, n_steps, n_outputs)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        score : float
        """
        return self._head.score(self, self._raw_output(X), y, sample_weight)


class NetworkClassifierMixin(_HeadMethods, ClassifierMixin):
    """Classifiers: the classification head, probability outputs, ``partial_fit(classes=)``."""

    _head = Classification()

    def predict_proba(self, X):
        """Probability estimates, columns ordered as ``classes_``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        y_prob : ndarray of shape (n_samples, n_classes)
        """
        return self._head.proba(self, self._raw_output(X))

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`, computed stably from the raw outputs.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        log_y_prob : ndarray of shape (n_samples, n_classes)
        """
        return self._head.log_proba(self, self._raw_output(X))

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


class NetworkRegressorMixin(_HeadMethods, RegressorMixin):
    """Regressors: the regression head (its loss from the ``loss`` parameter, if any)."""

    _head = Regression()

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
