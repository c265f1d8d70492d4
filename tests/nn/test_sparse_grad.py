"""Row-sparse gradients: representation, lazy optimizer steps, gradients, and cost that ignores the table size."""

import tracemalloc

import numpy as np
import pytest
import scipy.sparse as sp

from sknn.nn import Dense, Embedding, GlobalAvgPool, Sequential
from sknn.nn import losses as _losses
from sknn.nn import optimizers as opt_mod
from sknn.nn.sparse_grad import RowSparseGrad, add_l2_grad, l2_value
from sknn.training import FitState, Trainer, TrainingConfig
from sknn.utils.gradcheck import check_layer_gradients

OPTIMIZERS = {
    "sgd": lambda: opt_mod.SGD(0.1, momentum=0.0),
    "momentum": lambda: opt_mod.SGD(0.1, momentum=0.9, nesterov=False),
    "nesterov": lambda: opt_mod.SGD(0.1, momentum=0.9, nesterov=True),
    "adam": lambda: opt_mod.Adam(0.01, beta_1=0.8, beta_2=0.95, epsilon=1e-6),
    "adamw": lambda: opt_mod.AdamW(0.01, weight_decay=0.5),
    "rmsprop": lambda: opt_mod.RMSprop(0.01, rho=0.8),
    "rmsprop-momentum": lambda: opt_mod.RMSprop(0.01, momentum=0.5),
    "adagrad": lambda: opt_mod.Adagrad(0.1, initial_accumulator_value=0.1),
}


def _state(opt):
    names = ("velocities", "ms", "vs", "square_avgs", "momentum_buffers", "sums")
    return [a for n in names for a in getattr(opt, n, [])]


def test_assign_sums_repeated_rows_and_densifies():
    g = RowSparseGrad((6, 2), np.float32)
    g.assign(np.array([4, 1, 4, 4]), np.arange(8, dtype=np.float64).reshape(4, 2))
    np.testing.assert_array_equal(g.rows, [1, 4])
    np.testing.assert_array_equal(g.values, [[2, 3], [0 + 4 + 6, 1 + 5 + 7]])
    assert g.values.dtype == np.float32 and g.shape == (6, 2)
    dense = np.asarray(g)
    assert dense.shape == (6, 2) and not dense[[0, 2, 3, 5]].any()
    g.assign(np.array([], dtype=int), np.empty((0, 2)))
    assert g.rows.size == 0 and not np.asarray(g).any()


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_lazy_step_over_every_row_equals_the_dense_step_bit_for_bit(name):
    rng = np.random.default_rng(0)
    table = rng.standard_normal((7, 3))
    bias = rng.standard_normal(7)
    dense_params = [table.copy(), bias.copy()]
    lazy_params = [table.copy(), bias.copy()]
    dense, lazy = OPTIMIZERS[name](), OPTIMIZERS[name]()
    dense.setup(dense_params, [True, False])
    lazy.setup(lazy_params, [True, False])
    grads = [RowSparseGrad(table.shape, table.dtype), RowSparseGrad(bias.shape, bias.dtype)]
    for _ in range(4):
        gs = [rng.standard_normal(table.shape), rng.standard_normal(bias.shape)]
        dense.step(dense_params, gs)
        for g, d in zip(grads, gs):
            g.assign(np.arange(d.shape[0]), d)
        lazy.step(lazy_params, grads)
    for a, b in zip(dense_params + _state(dense), lazy_params + _state(lazy)):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_lazy_step_touches_only_the_rows_used(name):
    """Untouched rows keep their value and their state; touched rows follow the dense formula."""
    rng = np.random.default_rng(1)
    table = rng.standard_normal((9, 2))
    params = [table.copy()]
    opt = OPTIMIZERS[name]().setup(params)
    g = RowSparseGrad(table.shape, table.dtype)
    ref_rows = table[[2, 5]].copy()
    ref = OPTIMIZERS[name]().setup([ref_rows])
    for step in range(3):
        values = rng.standard_normal((2, 2))
        g.assign(np.array([5, 2]), values[::-1])
        opt.step(params, [g])
        ref.step([ref_rows], [values])  # the same rows, updated densely on their own
    untouched = np.setdiff1d(np.arange(9), [2, 5])
    np.testing.assert_array_equal(params[0][untouched], table[untouched])
    np.testing.assert_array_equal(params[0][[2, 5]], ref_rows)
    initial = _state(OPTIMIZERS[name]().setup([table.copy()]))
    for state, start in zip(_state(opt), initial):
        np.testing.assert_array_equal(state[untouched], start[untouched])


def test_adam_bias_correction_uses_the_global_step():
    params = [np.zeros((4, 1))]
    opt = opt_mod.Adam(0.1).setup(params)
    g = RowSparseGrad((4, 1), np.float64)
    g.assign(np.array([0]), np.ones((1, 1)))
    opt.step(params, [g])
    g.assign(np.array([1]), np.ones((1, 1)))
    opt.step(params, [g])
    # row 1's first update happens at t=2: lr * sqrt(1 - b2^2) / (1 - b1^2) * m / sqrt(v)
    m, v = 0.1, 0.001
    expected = -0.1 * np.sqrt(1 - 0.999**2) / (1 - 0.9**2) * m / (np.sqrt(v) + 1e-8)
    assert params[0][1, 0] == pytest.approx(expected, rel=1e-12)
    assert opt.t == 2


def test_clip_l2_and_penalty_value_on_the_touched_rows():
    rng = np.random.default_rng(2)
    table, w = rng.standard_normal((8, 3)), rng.standard_normal((3, 2))
    g_sparse = RowSparseGrad(table.shape, table.dtype)
    g_sparse.assign(np.array([1, 6, 1]), rng.standard_normal((3, 3)))
    g_dense = rng.standard_normal(w.shape)
    rows = g_sparse.rows
    expected_dense = [g_sparse.toarray(), g_dense.copy()]
    expected_dense[0][rows] += 0.3 * table[rows]
    expected_dense[1] += 0.3 * w
    add_l2_grad([table, w], [g_sparse, g_dense], [True, True], 0.3)
    np.testing.assert_allclose(g_sparse.toarray(), expected_dense[0], rtol=1e-15)
    np.testing.assert_allclose(g_dense, expected_dense[1], rtol=1e-15)
    assert l2_value([table, w], [g_sparse, g_dense], [True, False]) == pytest.approx(np.sum(table[rows] ** 2))
    norm = np.sqrt(sum(np.sum(e**2) for e in expected_dense))
    assert opt_mod.clip_grad_norm([g_sparse, g_dense], 0.5) == pytest.approx(norm)
    total = np.sqrt(np.sum(g_sparse.values**2) + np.sum(g_dense**2))
    assert total == pytest.approx(0.5)


# -- gradients through the row-sparse representation (float64, central differences) ------------
def test_embedding_gradient_check_through_row_sparse_grad():
    X = np.random.default_rng(3).integers(0, 9, (5, 4))
    X[0, :3] = 2  # a repeated row accumulates
    layer = Embedding(12, 3, sparse_grad=True)
    errors = check_layer_gradients(layer, X, check_input=False)
    assert errors["embeddings"] < 1e-7
    assert isinstance(layer.grads[0], RowSparseGrad)
    np.testing.assert_array_equal(layer.grads[0].rows, np.unique(X))


def test_sparse_bag_dense_gradient_check_through_row_sparse_grad():
    rng = np.random.default_rng(4)
    bag = sp.random(6, 30, density=0.15, format="csr", random_state=5)
    bag.data[:] = rng.uniform(0.1, 1.0, bag.nnz)
    net = Sequential([Dense(4, use_bias=False, sparse_grad=True), Dense(2)])
    net.input_grad = False
    net.build((30,), np.random.default_rng(0), np.float64)
    dense_net = Sequential([Dense(4, use_bias=False), Dense(2)])
    dense_net.input_grad = False
    dense_net.build((30,), np.random.default_rng(0), np.float64)
    errors = check_layer_gradients(net, bag, check_input=False, build=False)
    assert max(errors.values()) < 1e-7, errors
    kernel_grad = net.layers[0].grads[0]
    assert isinstance(kernel_grad, RowSparseGrad)
    np.testing.assert_array_equal(kernel_grad.rows, np.unique(bag.indices))
    # and it is the dense layer's X.T @ dY, kept by rows
    R = rng.standard_normal((6, 2))
    net.forward(bag, training=True)
    net.backward(R.copy())
    dense_net.forward(bag, training=True)
    dense_net.backward(R.copy())
    np.testing.assert_allclose(np.asarray(kernel_grad), dense_net.layers[0].grads[0], rtol=1e-12, atol=1e-15)
    # a dense input gives every row
    net.forward(bag.toarray(), training=True)
    net.backward(R.copy())
    np.testing.assert_array_equal(kernel_grad.rows, np.arange(30))


# -- cost independent of the table size -----------------------------------------------------------
def _mean_bag_net(vocab, dim):
    net = Sequential([Dense(dim, use_bias=False, sparse_grad=True), Dense(3)])
    net.input_grad = False
    net.build((vocab,), np.random.default_rng(0), np.float64)
    return net


def _embedding_net(vocab, dim):
    net = Sequential([Embedding(vocab, dim), GlobalAvgPool(), Dense(3)])
    net.input_grad = False
    net.build((6,), np.random.default_rng(0), np.float64)
    return net


def _batch(kind, vocab, rng):
    ids = rng.integers(0, 200, (32, 6))  # the same few rows, whatever the vocabulary
    y = np.eye(3)[rng.integers(0, 3, 32)]
    if kind == "embedding":
        return ids, y
    rows = np.repeat(np.arange(32), 6)
    return sp.csr_matrix((np.full(ids.size, 1 / 6), (rows, ids.ravel())), shape=(32, vocab)), y


@pytest.mark.parametrize("kind", ["mean-bag", "embedding"])
@pytest.mark.parametrize("solver", ["adam", "adamw", "sgd"])
def test_training_step_cost_does_not_scale_with_the_vocabulary(kind, solver):
    """Peak allocation of a train step (L2, clipping, optimizer) at 2k and 200k rows: the same."""
    peaks = {}
    for vocab in (2_000, 200_000):
        net = (_mean_bag_net if kind == "mean-bag" else _embedding_net)(vocab, 16)
        config = TrainingConfig(solver=solver, alpha=1e-2, clip_norm=0.5, learning_rate_init=0.01)
        trainer = Trainer(net, _losses.LogLoss(), config, FitState(), np.random.default_rng(0))
        trainer._setup_optimizer()
        rng = np.random.default_rng(1)
        table = net.params[0].copy()
        X, y = _batch(kind, vocab, rng)
        trainer.train_step(X, y)  # first step: one-off buffers of the small dense layer
        tracemalloc.start()
        for _ in range(3):
            X, y = _batch(kind, vocab, rng)
            trainer.train_step(X, y)
        peaks[vocab] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        # the optimizer state stays lazy: rows never used are untouched, value and state
        assert np.array_equal(net.params[0][200:], table[200:])
        for state in _state(trainer.state.optimizer)[:2]:
            if state.shape == table.shape:
                assert not state[200:].any()
    table_bytes = 200_000 * 16 * 8
    assert peaks[200_000] < peaks[2_000] + table_bytes / 20, peaks


def test_lbfgs_gets_the_dense_gradient():
    """L-BFGS runs on dense vectors: a row-sparse table trains exactly like a dense one (alpha=0)."""
    rng = np.random.default_rng(6)
    X, y = rng.integers(0, 40, (30, 5)), np.eye(3)[rng.integers(0, 3, 30)]
    results = []
    for sparse_grad in (True, False):
        net = Sequential([Embedding(50, 3, sparse_grad=sparse_grad), GlobalAvgPool(), Dense(3)])
        net.input_grad = False
        net.build((5,), np.random.default_rng(0), np.float64)
        config = TrainingConfig(solver="lbfgs", alpha=0.0, max_iter=15)
        Trainer(net, _losses.LogLoss(), config, FitState(), np.random.default_rng(0)).fit(X, y)
        results.append([p.copy() for p in net.params])
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)
    initial = Embedding(50, 3)
    initial.build((5,), np.random.default_rng(0))
    assert not np.array_equal(results[0][0], initial.params[0])  # it trained


@pytest.mark.parametrize("early_stopping, budget", [(False, 4.75), (True, 5.75)])
def test_text_training_memory_budget(monkeypatch, early_stopping, budget):
    """The training loop holds, besides the table: Adam's two moments and the loop's weight snapshots
    (start and last finite epoch, + best with early stopping): 4 (5) tables, and temporaries the
    size of a batch's rows. Dense gradients and scratch buffers made it 6 (7)."""
    from sknn import TextClassifier, training

    rng = np.random.default_rng(0)
    vocab = 20_000
    ids = rng.permutation(np.concatenate([np.arange(vocab), rng.integers(0, vocab, 1000 * 24 - vocab)])) + 1
    docs, y = [row.tolist() for row in ids.reshape(1000, 24)], rng.integers(0, 2, 1000)
    peak = {}
    fit = training.Trainer.fit

    def measured(self, *args, **kwargs):
        tracemalloc.start()
        start = tracemalloc.get_traced_memory()[0]
        try:
            return fit(self, *args, **kwargs)
        finally:
            peak["loop"] = tracemalloc.get_traced_memory()[1] - start
            tracemalloc.stop()

    monkeypatch.setattr(training.Trainer, "fit", measured)
    # a batch of 32 documents uses ~4% of the rows: per-step temporaries are that small
    clf = TextClassifier(embedding_dim=64, max_features=None, max_iter=2, batch_size=32,
                         early_stopping=early_stopping, random_state=0)
    with pytest.warns(Warning):  # ConvergenceWarning: 2 epochs
        clf.fit(docs, y)
    table = clf.network_.layers[0].params[0]
    assert table.shape[0] > vocab
    assert peak["loop"] / table.nbytes < budget
