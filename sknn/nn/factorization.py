"""Neural matrix factorisation: a layer scoring (user, item) index pairs."""

import numpy as np

from ._checks import check_choice, check_int, check_int_sequence, check_real
from ._registry import store_args
from .activations import Activation, names as activation_names
from .dense import Dense, Dropout
from .layer import Layer, Parameter, Sequential
from .sparse_grad import RowSparseGrad, scatter_rows
from .linalg import inference_product

__all__ = ["NeuMF"]


class NeuMF(Layer):
    """Neural matrix factorisation (He et al., 2017) with biases, on index pairs.

    For a user ``u`` and an item ``i`` the output is ::

        b + b_u + b_i + known(u, i) * w @ concat(p_u * q_i, mlp(concat(p'_u, q'_i)))

    the generalised matrix factorisation (GMF) term ``p_u * q_i`` and a
    multi-layer perceptron over a second pair of embeddings, merged by one
    linear output. Index 0 stands for an *unknown* user or item: its embeddings
    and bias are zero and stay zero, and ``known(u, i)`` switches the
    interaction term off, so an unknown user with a known item scores
    ``b + b_i`` (and the reverse), an unknown pair ``b``.

    Parameters
    ----------
    n_users, n_items : int
        Number of known users / items; valid indices are 0 to ``n_users``
        (resp. ``n_items``), 0 meaning unknown.
    n_factors : int, default=32
        Size of each embedding (GMF and MLP alike).
    hidden_layer_sizes : tuple of int, default=(64, 32)
        Hidden layers of the MLP tower; ``()`` leaves only the GMF term.
    activation : str, default="relu"
        Activation of the tower's hidden layers.
    dropout : float, default=0.0
        Dropout rate after each hidden layer of the tower.
    embeddings_scale : float, default=0.05
        Standard deviation of the normal initialisation of the embeddings.
    sparse_grad : bool, default=False
        Keep the gradients of the user and item tables (embeddings and biases)
        as :class:`~sknn.nn.sparse_grad.RowSparseGrad` over the users and items
        of the batch, so that the optimizers update those rows only (lazily, see
        :mod:`sknn.nn.optimizers`), for catalogues too large for dense updates.
        False (default): dense gradients, every row updated (and weight-decayed)
        at every step. The two regularise differently: with lazy updates a row
        is decayed only when a batch uses it (on MovieLens, :class:`~sknn.NeuralRecommender`'s
        defaults, tuned for dense updates, overfit with lazy ones).

    Shape
    -----
    - Input: ``(n_samples, 2)`` integer (or integral float) indices: user, item.
    - Output: ``(n_samples, 1)``.

    Attributes
    ----------
    params : list of ndarray
        ``user_gmf``, ``item_gmf`` (n_*+1, n_factors), ``user_mlp``, ``item_mlp``
        (only with hidden layers), ``user_bias``, ``item_bias`` (n_*+1,), then the
        tower's Dense weights, then ``output_kernel`` and ``output_bias``.
        Embeddings and kernels are L2-penalized; biases are not.

    Examples
    --------
    >>> import numpy as np
    >>> from sknn.nn.factorization import NeuMF
    >>> layer = NeuMF(n_users=3, n_items=4, n_factors=2, hidden_layer_sizes=(4,))
    >>> layer.build((2,), np.random.default_rng(0))
    (1,)
    >>> layer.forward(np.array([[1, 2], [0, 4]])).shape
    (2, 1)
    """

    input_grad = False  # indices carry no gradient

    def __init__(self, n_users, n_items, n_factors=32, hidden_layer_sizes=(64, 32),
                 activation="relu", dropout=0.0, embeddings_scale=0.05, sparse_grad=False):
        store_args(self, locals())
        for name, value in (("n_users", n_users), ("n_items", n_items), ("n_factors", n_factors)):
            check_int(self, name, value)
        check_int_sequence(self, "hidden_layer_sizes", hidden_layer_sizes)
        check_choice(self, "activation", activation, activation_names())
        check_real(self, "dropout", dropout, low=0.0, high=1.0, high_open=True)
        check_real(self, "embeddings_scale", embeddings_scale, low=0.0)

    def compute_output_shape(self, input_shape):
        if tuple(input_shape) != (2,):
            raise ValueError(f"NeuMF expects samples of shape (2,) (user, item), got {tuple(input_shape)}")
        return (1,)

    def build(self, input_shape, rng, dtype=np.float64):
        super().build(input_shape, rng, dtype)
        U, I, k = int(self.n_users) + 1, int(self.n_items) + 1, int(self.n_factors)
        hidden = tuple(int(h) for h in self.hidden_layer_sizes)
        scale = float(self.embeddings_scale)

        def table(rows, cols):
            t = (rng.standard_normal((rows, cols)) * scale).astype(self.dtype)
            t[0] = 0  # the unknown row
            return np.ascontiguousarray(t)

        names = ["user_gmf", "item_gmf"]
        arrays = [table(U, k), table(I, k)]
        if hidden:
            names += ["user_mlp", "item_mlp"]
            arrays += [table(U, k), table(I, k)]
        names += ["user_bias", "item_bias"]
        arrays += [np.zeros(U, self.dtype), np.zeros(I, self.dtype)]
        penalized = [True] * (len(arrays) - 2) + [False, False]  # biases: not L2-shrunk
        self._has_tower = bool(hidden)
        tower_layers = []
        for h in hidden:
            tower_layers += [Dense(h, kernel_initializer="he_uniform"), Activation(self.activation)]
            if self.dropout:
                tower_layers.append(Dropout(float(self.dropout)))
        self.tower = Sequential(tower_layers)
        out_dim = k
        if hidden:
            out_dim += self.tower.build((2 * k,), rng, self.dtype)[0]
        w = (rng.uniform(-1, 1, out_dim) * np.sqrt(3.0 / out_dim)).astype(self.dtype)
        grads = [RowSparseGrad(a.shape, a.dtype) for a in arrays] if self.sparse_grad else None
        self._set_params(names, arrays, penalized, grads)
        b = np.zeros(1, self.dtype)
        self._output = [Parameter("output_kernel", w, np.zeros_like(w), True),
                        Parameter("output_bias", b, np.zeros_like(b), False)]
        return self.output_shape

    def parameters(self):
        # the tables and biases, the tower's layers, then the output layer (none before build)
        if "_output" not in self.__dict__:
            return []
        tower = [p.renamed("tower.") for p in self.tower.parameters()]
        return list(self._parameters) + tower + self._output

    def _restore_parameters(self, names, arrays, grads, penalized):
        # the old flat lists: own tables and biases, the tower's (its layers restore them), the output layer
        n = self.__dict__.pop("_n_own")
        self._set_params(names[:n], arrays[:n], penalized[:n], grads[:n])
        self._output = [Parameter(*fields) for fields in zip(names[-2:], arrays[-2:], grads[-2:], penalized[-2:])]

    def rng_for_training(self, rng):
        self.tower.rng_for_training(rng)

    def _indices(self, X):
        X = np.asarray(X)
        idx = X.astype(np.intp)
        if X.dtype.kind == "f" and not np.array_equal(idx, X):
            raise ValueError("NeuMF input must hold integer indices")
        if X.ndim != 2 or X.shape[1] != 2:
            raise ValueError(f"NeuMF input must have shape (n_samples, 2), got {X.shape}")
        u, i = idx[:, 0], idx[:, 1]
        if u.size and (u.min() < 0 or u.max() > self.n_users or i.min() < 0 or i.max() > self.n_items):
            raise ValueError(
                f"NeuMF indices out of range: users must be in 0..{self.n_users}, items in 0..{self.n_items}"
            )
        return u, i

    def forward(self, X, training=False, mask=None):
        u, i = self._indices(X)
        p = self.params
        k = int(self.n_factors)
        known = ((u > 0) & (i > 0)).astype(self.dtype)
        pu, qi = p[0][u], p[1][i]
        parts = [pu * qi]
        if self._has_tower:
            m_in = np.concatenate([p[2][u], p[3][i]], axis=1)
            parts.append(self.tower.forward(m_in, training=training))
        z = np.concatenate(parts, axis=1) if len(parts) > 1 else parts[0]
        nb = 4 if self._has_tower else 2
        w, b = self.params[-2], self.params[-1]
        # a matrix-vector product: correctly rounded at float32 inference, like Dense
        out = inference_product(w[:, None], None, training)(z)[:, 0]
        out *= known
        out += p[nb][u] * (u > 0) + p[nb + 1][i] * (i > 0) + b[0]
        if training:
            self._cache = (u, i, known, pu, qi, z, k, nb)
        return out[:, None]

    def backward(self, dY):
        u, i, known, pu, qi, z, k, nb = self._cache
        d = np.asarray(dY, dtype=self.dtype).reshape(-1)
        g = self.grads
        w = self.params[-2]
        g[-1][0] = d.sum()
        dinter = d * known
        np.matmul(z.T, dinter, out=g[-2])
        dz = np.multiply.outer(dinter, w)
        dg = dz[:, :k]
        scatter_rows(g[0], u, dg * qi, skip_row=0)
        scatter_rows(g[1], i, dg * pu, skip_row=0)
        if self._has_tower:
            dm = self.tower.backward(np.ascontiguousarray(dz[:, k:]))
            scatter_rows(g[2], u, dm[:, :k], skip_row=0)
            scatter_rows(g[3], i, dm[:, k:], skip_row=0)
        # unknown rows (index 0) get no gradient: they stay the zero fallback
        scatter_rows(g[nb], u, d, skip_row=0)
        scatter_rows(g[nb + 1], i, d, skip_row=0)
        return None

    def item_vectors(self):
        """Item embeddings (GMF and MLP side by side), rows 1 to ``n_items``."""
        tables = [self.params[1]] + ([self.params[3]] if self._has_tower else [])
        return np.concatenate([t[1:] for t in tables], axis=1)

    def user_vectors(self):
        """User embeddings (GMF and MLP side by side), rows 1 to ``n_users``."""
        tables = [self.params[0]] + ([self.params[2]] if self._has_tower else [])
        return np.concatenate([t[1:] for t in tables], axis=1)
