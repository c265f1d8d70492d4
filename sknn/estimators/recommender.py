"""NeuralRecommender: (user, item) pairs in, ratings or interaction scores out."""

import numbers

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ..nn.factorization import NeuMF
from ..utils.validation import StrOptions, positive_ints
from ._adapters import Pairs
from ._base import BaseNetwork, NetworkRegressorMixin, store_params
from ._heads import Ratings
from ._interactions import Interactions
from ._params import ACTIVATIONS, HIDDEN_SIZES, POSITIVE_INT, RATE, training_config
from ._ranking import check_rank_by, neighbour_scores, top_items, warn_if_constant

__all__ = ["NeuralRecommender"]

FEEDBACK = ("explicit", "implicit")


class NeuralRecommender(NetworkRegressorMixin, Interactions, BaseNetwork):
    """Neural matrix factorisation recommender (NeuMF) with scikit-learn's regressor API.

    ``X`` has two columns, a user id and an item id (any hashable labels:
    ints, strings...; a pandas DataFrame or an array of objects). ``y`` is the
    rating (``feedback="explicit"``) or, for ``feedback="implicit"``, 1 for an
    observed interaction (0 for a known non-interaction; ``y`` may be omitted):
    each epoch then adds ``n_negatives`` freshly sampled unobserved items per
    positive pair, labelled 0, and the model is trained with the log-loss.

    The model (:class:`sknn.nn.factorization.NeuMF`): user and item embeddings
    combined by an element-wise product (GMF) and by an MLP over their
    concatenation, merged by a linear output, plus a user bias, an item bias
    and (explicit feedback) the global mean rating. Trained by the shared loop
    with the same training parameters as :class:`sknn.MLPRegressor`.

    Users or items not seen in ``fit`` get no error: their interaction term is
    dropped, so a prediction falls back to ``intercept_`` (the global mean
    plus a learned offset) plus the known user's or item's bias.

    Parameters
    ----------
    n_factors : int, default=32
        Size of the user and item embeddings.

    hidden_layer_sizes : tuple of int, default=(16,)
        Hidden layers of the MLP tower; ``()`` is plain (biased) matrix
        factorisation.

    feedback : {"explicit", "implicit"}, default="explicit"
        Ratings with squared error, or interactions with sampled negatives and
        log-loss (predictions are then interaction probabilities).

    n_negatives : int, default=4
        Sampled negatives per positive and epoch (implicit feedback).

    activation : str, default="relu"
        Activation of the MLP tower.

    dropout : float, default=0.0
        Dropout after each hidden layer of the tower.

    {declared_parameters}

    Attributes
    ----------
    users_, items_ : ndarray of shape (n_users,), (n_items,)
        The known user and item labels, in embedding order.

    global_mean_ : float
        Mean training rating (explicit feedback; 0 for implicit).

    intercept_ : float
        ``global_mean_`` plus the learned output bias: the prediction for an
        unknown user and an unknown item (a raw logit for implicit feedback).

    user_bias_, item_bias_ : ndarray
        Learned biases of the known users and items.

    user_factors_, item_factors_ : ndarray of shape (n_users, n_factors), (n_items, n_factors)
        The GMF embeddings of the known users and items.

    n_features_in_ : int
        Always 2.

    {training_attributes}

    Notes
    -----
    The training parameters have their :class:`sknn.MLPRegressor` meaning,
    with defaults tuned for rating data: ``solver="adamw"``, ``alpha=1.0``
    (decoupled weight decay of the embeddings and weights, not the biases),
    ``batch_size=1024``, ``learning_rate_init=0.003``, and early stopping on
    (``early_stopping=True``, ``max_iter=200``): a default fit stops when the
    rating error on a held-out ``validation_fraction`` of the ratings has not
    improved for ``n_iter_no_change`` epochs, and restores the best epoch. The
    validation score is R² of the held-out ratings, ``1 - MSE / variance``, so
    the kept epoch is the one with the lowest rating error; when it is no
    better than predicting the mean rating (R² <= 0) ``fit`` warns instead of
    returning a constant model silently. Early stopping does not apply to
    ``partial_fit`` (one pass) nor to implicit feedback (whose resampled
    negatives give no stable validation error: it trains ``max_iter`` epochs).
    ``bench/defaults_ratings.py`` scores these defaults on five public rating
    sets against the global mean + biases and the most rated items
    (``bench/RESULTS.md``). With ``solver="adam"`` ``alpha`` becomes an L2
    term applied to every row at every step: use a much smaller value there.
    Implicit feedback needs a stochastic solver.

    Examples
    --------
    >>> import numpy as np
    >>> from sknn import NeuralRecommender
    >>> X = [["ann", "tea"], ["ann", "cake"], ["bob", "tea"], ["bob", "beer"]] * 10
    >>> y = [5, 4, 1, 5] * 10
    >>> rec = NeuralRecommender(n_factors=4, hidden_layer_sizes=(), batch_size=8, max_iter=100,
    ...                         learning_rate_init=0.05, random_state=0).fit(X, y)
    >>> bool(abs(rec.predict([["ann", "tea"]])[0] - 5) < 0.5)
    True
    >>> bool(np.isclose(rec.predict([["zoe", "tea"]])[0], rec.intercept_ + rec.item_bias_[0]))  # zoe: unknown
    True
    >>> rec.recommend("bob", n=1)  # bob rated tea and beer
    array(['cake'], dtype=object)
    """

    _adapter = Pairs()
    _head = Ratings()

    def __init__(self, n_factors=32, hidden_layer_sizes=(16,), *, feedback="explicit", n_negatives=4,
                 activation="relu", dropout=0.0, solver="adamw", alpha=1.0, batch_size=1024,
                 learning_rate="constant", learning_rate_init=0.003, power_t=0.5, max_iter=200, shuffle=True,
                 random_state=None, tol=1e-4, verbose=False, warm_start=False, momentum=0.9,
                 nesterovs_momentum=True, early_stopping=True, validation_fraction=0.1, beta_1=0.9,
                 beta_2=0.999, epsilon=1e-8, n_iter_no_change=10, max_fun=15000, clip_norm=None,
                 callbacks=None):
        store_params(self, locals())

    # -- parameters ------------------------------------------------------------------
    def _hidden(self):
        return positive_ints("hidden_layer_sizes", self.hidden_layer_sizes)

    _parameter_constraints = {
        **BaseNetwork._parameter_constraints,
        "n_factors": POSITIVE_INT,
        "hidden_layer_sizes": HIDDEN_SIZES,
        "feedback": [StrOptions(set(FEEDBACK))],
        "n_negatives": POSITIVE_INT,
        "activation": [StrOptions(set(ACTIVATIONS))],
        "dropout": RATE,
    }

    def _validate_params(self):
        super()._validate_params()
        self._hidden()
        if self.feedback == "implicit":
            if self.solver == "lbfgs":
                raise ValueError("feedback='implicit' resamples negatives every epoch: use a stochastic solver, not 'lbfgs'.")

    def _stops_early(self, incremental):
        # early stopping watches the held-out rating error: explicit feedback, whole fits only
        return bool(self.early_stopping) and self.feedback == "explicit" and not incremental

    def _training_config(self):
        return training_config(self, resample=self._with_negatives if self.feedback == "implicit" else None)

    def _build_layers(self, input_shape, n_outputs, rng):
        return [
            NeuMF(
                len(self.users_),
                len(self.items_),
                n_factors=int(self.n_factors),
                hidden_layer_sizes=self._hidden(),
                activation=self.activation,
                dropout=float(self.dropout),
            )
        ]

    def _publish_state(self):
        super()._publish_state()
        layer = self.network_.layers[0]
        p = dict(zip(layer.param_names, layer.params))
        self.user_factors_ = p["user_gmf"][1:]
        self.item_factors_ = p["item_gmf"][1:]
        self.user_bias_ = p["user_bias"][1:]
        self.item_bias_ = p["item_bias"][1:]
        self.intercept_ = self.global_mean_ + float(p["output_bias"][0])

    # -- public API ---------------------------------------------------------------------
    def fit(self, X, y=None, sample_weight=None):
        """Learn the embeddings from (user, item) pairs and their ratings / interactions.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, 2)
            User id and item id of each pair (any hashable labels).
        y : array-like of shape (n_samples,), default=None
            Ratings (explicit feedback, required) or 1 / 0 interactions
            (implicit feedback; None means all ones).
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : NeuralRecommender
        """
        super().fit(X, y, sample_weight=sample_weight)
        warn_if_constant(self)
        return self

    def predict(self, X):
        """Predicted rating (explicit) or interaction probability (implicit) of each pair.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, 2)

        Returns
        -------
        y : ndarray of shape (n_samples,)
        """
        return super().predict(X)

    def recommend(self, users, n=10, exclude_seen=True, rank_by="auto"):
        """Top-``n`` items for each user, best first.

        Parameters
        ----------
        users : hashable or iterable of hashable
            A user id, or several. Unknown users get the items with the highest
            biases.
        n : int, default=10
            Number of items per user.
        exclude_seen : bool, default=True
            Leave out the items the user rated (interacted with) in training.
        rank_by : {"auto", "interactions", "prediction"}, default="auto"
            ``"prediction"``: by the network's predicted rating (interaction
            probability for implicit feedback). ``"interactions"``: by the
            items of the users whose rated items overlap this user's most
            (squared cosine overlap of the training pairs), ties broken by the
            prediction; who rated what ranks far better than the predicted
            rating (on MovieLens-small, precision@10 about 0.24 against 0.01,
            and 0.15 for the most rated items, see ``bench/defaults_ratings.py``).
            ``"auto"``: "interactions" for explicit feedback, "prediction" for
            implicit feedback (a model of the interactions already).

        Returns
        -------
        items : ndarray of shape (n,), or list of such arrays
            Item labels; one array for a single user, a list for several. An
            array is shorter than ``n`` when fewer items are left to recommend.
        """
        check_is_fitted(self, "network_")
        if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
            raise ValueError(f"n must be a positive int, got {n!r}.")
        single = isinstance(users, str) or np.ndim(users) == 0
        user_list = [users] if single else list(users)
        rank_by = check_rank_by(self, rank_by)
        uidx = np.array([self._user_index.get(u, 0) for u in user_list], dtype=np.int64)
        scores = self._scores_for(uidx)
        primary = neighbour_scores(self._seen, uidx) if rank_by == "interactions" else None
        result = [self.items_[top] for top in top_items(scores, self._seen, uidx, n, exclude_seen, primary)]
        return result[0] if single else result

    def similar_items(self, item, n=10):
        """The ``n`` items closest to ``item`` (cosine similarity of the item embeddings).

        Parameters
        ----------
        item : hashable
            A known item id.
        n : int, default=10

        Returns
        -------
        items : ndarray of shape (n,)
            Item labels, most similar first (``item`` itself excluded).
        """
        check_is_fitted(self, "network_")
        j = self._item_index.get(item) if not isinstance(item, (list, np.ndarray)) else None
        if j is None:
            raise ValueError(f"Unknown item {item!r}: it was not seen in fit, so it has no embedding.")
        V = self.network_.layers[0].item_vectors()
        norms = np.linalg.norm(V, axis=1)
        sims = V @ V[j - 1] / (np.maximum(norms, 1e-12) * max(norms[j - 1], 1e-12))
        sims[j - 1] = -np.inf
        k = min(int(n), len(sims) - 1)
        top = np.argsort(-sims, kind="stable")[:k]
        return self.items_[top]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.categorical = True
        tags.input_tags.string = True
        tags.input_tags.sparse = False
        tags.target_tags.multi_output = False
        return tags
