import pickle
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.neural_network._stochastic_optimizers import AdamOptimizer, SGDOptimizer

from sknn.nn import optimizers
from sknn.nn.optimizers import (
    SGD,
    Adagrad,
    Adam,
    AdamW,
    Optimizer,
    RMSprop,
    clip_grad_norm,
    lbfgs_converged,
    lbfgs_minimize,
)

G1 = [np.array([0.5, 1.0])]
G2 = [np.array([-1.0, 0.5])]


def _run(opt, p0, grads_seq):
    params = [np.array(p0, dtype=np.float64)]
    opt.setup(params)
    out = []
    for g in grads_seq:
        opt.step(params, g)
        out.append(params[0].copy())
    return out


# -- hand-computed steps ------------------------------------------------------------
def test_sgd_nesterov_by_hand():
    p1, p2 = _run(SGD(0.1, momentum=0.9, nesterov=True), [1.0, -2.0], [G1, G2])
    # v1 = -0.1 g1 = [-0.05, -0.1]; update = 0.9 v1 - 0.1 g1 = [-0.095, -0.19]
    assert_allclose(p1, [0.905, -2.19], rtol=0, atol=1e-15)
    # v2 = 0.9 v1 - 0.1 g2 = [0.055, -0.14]; update = 0.9 v2 - 0.1 g2 = [0.1495, -0.176]
    assert_allclose(p2, [1.0545, -2.366], rtol=0, atol=1e-15)


def test_sgd_momentum_by_hand():
    p1, p2 = _run(SGD(0.1, momentum=0.9, nesterov=False), [1.0, -2.0], [G1, G2])
    assert_allclose(p1, [0.95, -2.1], rtol=0, atol=1e-15)  # + v1
    assert_allclose(p2, [1.005, -2.24], rtol=0, atol=1e-15)  # + v2 = [0.055, -0.14]


def test_sgd_plain_by_hand():
    opt = SGD(0.1, momentum=0.0)
    p1, p2 = _run(opt, [1.0, -2.0], [G1, G2])
    assert_allclose(p1, [0.95, -2.1], rtol=0, atol=1e-15)
    assert_allclose(p2, [1.05, -2.15], rtol=0, atol=1e-15)
    assert opt.velocities == []


def test_adam_by_hand():
    eps = 1e-8
    p1, p2 = _run(Adam(0.1, epsilon=eps), [1.0, -2.0], [G1, G2])
    # t=1: m = [0.05, 0.1], v = [0.00025, 0.001], lr_t = 0.1 * sqrt(0.001) / 0.1
    lr1 = np.sqrt(0.001)
    exp1 = np.array([1.0, -2.0]) - lr1 * np.array([0.05, 0.1]) / (
        np.sqrt([0.00025, 0.001]) + eps
    )
    assert_allclose(exp1, [0.9, -2.1], atol=1e-6)  # ~ one lr against the sign
    assert_allclose(p1, exp1, rtol=1e-14)
    # t=2: m = [-0.055, 0.14], v = [0.00124975, 0.001249],
    # lr_t = 0.1 * sqrt(1 - 0.999**2) / (1 - 0.9**2) = 0.1 * sqrt(0.001999) / 0.19
    lr2 = 0.1 * np.sqrt(0.001999) / 0.19
    exp2 = exp1 - lr2 * np.array([-0.055, 0.14]) / (
        np.sqrt([0.00124975, 0.001249]) + eps
    )
    assert_allclose(p2, exp2, rtol=1e-12)


def test_adamw_decay_only_on_penalized():
    w = np.array([1.0, -2.0])
    b = np.array([3.0])
    opt = AdamW(0.1, weight_decay=0.1).setup([w, b], penalized=[True, False])
    zero = [np.zeros(2), np.zeros(1)]  # Adam part is exactly 0 for zero grads
    opt.step([w, b], zero)
    assert_allclose(w, [0.99, -1.98], rtol=1e-15)  # w -= 0.1 * 0.1 * w
    assert_array_equal(b, [3.0])
    opt.step([w, b], zero)
    assert_allclose(w, [0.9801, -1.9602], rtol=1e-15)
    assert_array_equal(b, [3.0])


def test_adamw_decay_before_adam_update():
    rng = np.random.default_rng(0)
    grads = [[rng.standard_normal(3)] for _ in range(3)]
    q = [np.array([1.0, -1.0, 0.5])]
    Adam(0.05).setup(q)
    adam = Adam(0.05).setup(q)
    p = [q[0].copy()]
    adamw = AdamW(0.05, weight_decay=0.2).setup(p)
    for g in grads:
        prev_q = q[0].copy()
        prev_p = p[0].copy()
        adam.step(q, g)
        adamw.step(p, g)
        update = q[0] - prev_q  # the Adam update does not depend on the params
        assert_allclose(p[0], prev_p * (1 - 0.05 * 0.2) + update, rtol=1e-13)


def test_adamw_zero_decay_is_adam():
    a, b = [np.ones(3)], [np.ones(3)]
    oa, ob = Adam(0.01).setup(a), AdamW(0.01, weight_decay=0.0).setup(b)
    for g in ([np.array([1.0, 2.0, -3.0])], [np.array([0.1, -0.2, 0.3])]):
        oa.step(a, g)
        ob.step(b, g)
    assert_array_equal(a[0], b[0])


def test_rmsprop_by_hand():
    g1, g2 = [np.array([0.5, -1.0])], [np.array([0.5, 1.0])]
    p1, p2 = _run(RMSprop(0.01, rho=0.9, epsilon=0.0), [1.0, 2.0], [g1, g2])
    # v1 = 0.1 g1**2 = [0.025, 0.1]
    exp1 = np.array([1.0, 2.0]) - 0.01 * np.array([0.5, -1.0]) / np.sqrt([0.025, 0.1])
    assert_allclose(p1, exp1, rtol=1e-15)
    assert_allclose(p1, [1.0 - 0.01 * np.sqrt(10), 2.0 + 0.01 * np.sqrt(10)])
    # v2 = 0.9 v1 + 0.1 g2**2 = [0.0475, 0.19]
    exp2 = exp1 - 0.01 * np.array([0.5, 1.0]) / np.sqrt([0.0475, 0.19])
    assert_allclose(p2, exp2, rtol=1e-15)


def test_rmsprop_momentum_by_hand():
    g1, g2 = [np.array([0.5, -1.0])], [np.array([0.5, 1.0])]
    p1, p2 = _run(RMSprop(0.01, epsilon=1e-8, momentum=0.5), [1.0, 2.0], [g1, g2])
    buf1 = np.array([0.5, -1.0]) / (np.sqrt([0.025, 0.1]) + 1e-8)
    exp1 = np.array([1.0, 2.0]) - 0.01 * buf1
    assert_allclose(p1, exp1, rtol=1e-15)
    buf2 = 0.5 * buf1 + np.array([0.5, 1.0]) / (np.sqrt([0.0475, 0.19]) + 1e-8)
    assert_allclose(p2, exp1 - 0.01 * buf2, rtol=1e-15)


def test_adagrad_by_hand():
    g1, g2 = [np.array([1.0, -2.0])], [np.array([0.5, 0.5])]
    opt = Adagrad(0.1, epsilon=1e-8, initial_accumulator_value=0.1)
    p1, p2 = _run(opt, [0.0, 0.0], [g1, g2])
    # s1 = 0.1 + g1**2 = [1.1, 4.1]
    exp1 = -0.1 * np.array([1.0, -2.0]) / (np.sqrt([1.1, 4.1]) + 1e-8)
    assert_allclose(p1, exp1, rtol=1e-15)
    # s2 = s1 + g2**2 = [1.35, 4.35]
    exp2 = exp1 - 0.1 * np.array([0.5, 0.5]) / (np.sqrt([1.35, 4.35]) + 1e-8)
    assert_allclose(p2, exp2, rtol=1e-15)
    assert_allclose(opt.sums[0], [1.35, 4.35])


def test_learning_rate_can_be_reassigned_between_steps():
    p = [np.zeros(2)]
    opt = SGD(0.1, momentum=0.0).setup(p)
    opt.step(p, [np.ones(2)])
    opt.learning_rate = 0.5
    opt.step(p, [np.ones(2)])
    assert_allclose(p[0], [-0.6, -0.6])


# -- against scikit-learn -------------------------------------------------------------
def _random_problem(seed=0):
    rng = np.random.default_rng(seed)
    params = [rng.standard_normal((4, 3)), rng.standard_normal(3)]
    grads = [[rng.standard_normal(p.shape) for p in params] for _ in range(5)]
    return params, grads


@pytest.mark.parametrize("nesterov", [True, False])
@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_sgd_matches_sklearn(momentum, nesterov):
    params, grads = _random_problem()
    ours = [p.copy() for p in params]
    theirs = [p.copy() for p in params]
    opt = SGD(0.05, momentum=momentum, nesterov=nesterov).setup(ours)
    ref = SGDOptimizer(theirs, learning_rate_init=0.05, momentum=momentum, nesterov=nesterov)
    for g in grads:
        opt.step(ours, g)
        ref.update_params(theirs, g)
    for a, b in zip(ours, theirs):
        assert_allclose(a, b, rtol=1e-12, atol=1e-15)


def test_adam_matches_sklearn():
    params, grads = _random_problem(1)
    ours = [p.copy() for p in params]
    theirs = [p.copy() for p in params]
    opt = Adam(0.01, beta_1=0.8, beta_2=0.99, epsilon=1e-7).setup(ours)
    ref = AdamOptimizer(theirs, learning_rate_init=0.01, beta_1=0.8, beta_2=0.99, epsilon=1e-7)
    for g in grads:
        opt.step(ours, g)
        ref.update_params(theirs, g)
    for a, b in zip(ours, theirs):
        assert_allclose(a, b, rtol=1e-12, atol=1e-15)
    assert opt.t == ref.t == 5
    assert opt.learning_rate == 0.01  # the current rate is not overwritten by lr_t


# -- dtype, identity, contract ------------------------------------------------------
ALL = [
    lambda: SGD(0.1),
    lambda: SGD(0.1, momentum=0.9, nesterov=False),
    lambda: SGD(0.1, momentum=0.0),
    lambda: Adam(0.1),
    lambda: AdamW(0.1),
    lambda: RMSprop(0.1),
    lambda: RMSprop(0.1, momentum=0.9),
    lambda: Adagrad(0.1, initial_accumulator_value=0.1),
]


@pytest.mark.parametrize("make", ALL)
def test_float32_stays_float32_and_in_place(make):
    rng = np.random.default_rng(0)
    params = [rng.standard_normal((3, 2)).astype(np.float32), np.zeros(2, np.float32)]
    ids = [id(p) for p in params]
    view = params[0][0]
    opt = make().setup(params, penalized=[True, False])
    for _ in range(3):
        grads = [rng.standard_normal(p.shape).astype(np.float32) for p in params]
        opt.step(params, grads)
    assert [id(p) for p in params] == ids
    assert np.shares_memory(view, params[0])
    assert all(p.dtype == np.float32 for p in params)
    for value in vars(opt).values():
        if isinstance(value, list):
            for a in value:
                if isinstance(a, np.ndarray):
                    assert a.dtype == np.float32
    assert np.all(np.isfinite(params[0]))
    # state survives pickling (the estimator may be pickled mid-training)
    clone = pickle.loads(pickle.dumps(opt))
    assert type(clone) is type(opt)


def test_step_before_setup_raises():
    with pytest.raises(RuntimeError, match="setup"):
        Adam().step([np.zeros(1)], [np.zeros(1)])


def test_penalized_length_checked():
    with pytest.raises(ValueError, match="penalized"):
        AdamW().setup([np.zeros(1), np.zeros(2)], penalized=[True])


def test_get():
    assert isinstance(optimizers.get("sgd"), SGD)
    assert isinstance(optimizers.get("ADAM"), Adam)
    assert isinstance(optimizers.get("adamw"), AdamW)
    assert isinstance(optimizers.get("rmsprop"), RMSprop)
    assert isinstance(optimizers.get("adagrad"), Adagrad)
    opt = optimizers.get("sgd", learning_rate=0.3, momentum=0.5, nesterov=False)
    assert (opt.learning_rate, opt.momentum, opt.nesterov) == (0.3, 0.5, False)
    inst = Adam(0.2)
    assert optimizers.get(inst) is inst
    with pytest.raises(ValueError, match="adagrad.*rmsprop.*sgd"):
        optimizers.get("lbfgs")
    assert repr(SGD(0.1, momentum=0.0)) == "SGD(learning_rate=0.1, momentum=0.0)"
    assert isinstance(inst, Optimizer)


# -- gradient clipping --------------------------------------------------------------
def test_clip_grad_norm():
    grads = [np.array([3.0, 0.0]), np.array([[4.0]])]
    norm = clip_grad_norm(grads, 1.0)
    assert norm == 5.0
    assert_allclose(grads[0], [0.6, 0.0])
    assert_allclose(grads[1], [[0.8]])
    norm2 = np.sqrt(sum(np.sum(g**2) for g in grads))
    assert norm2 == pytest.approx(1.0, rel=1e-15)
    # below the limit: untouched
    grads = [np.array([0.3, 0.4])]
    assert clip_grad_norm(grads, 1.0) == pytest.approx(0.5)
    assert_array_equal(grads[0], [0.3, 0.4])


def test_clip_grad_norm_float32_and_nonfinite():
    grads = [np.full(4, 2.0, np.float32)]
    assert clip_grad_norm(grads, 2.0) == pytest.approx(4.0)
    assert grads[0].dtype == np.float32
    assert_allclose(grads[0], 1.0, rtol=1e-6)
    bad = [np.array([np.inf, 1.0])]
    assert clip_grad_norm(bad, 1.0) == np.inf
    assert_array_equal(bad[0], [np.inf, 1.0])


# -- L-BFGS ---------------------------------------------------------------------------
def _quadratic(dtype=np.float64):
    rng = np.random.default_rng(0)
    M = rng.standard_normal((7, 7))
    A = M @ M.T + 7 * np.eye(7)
    b = rng.standard_normal(7)
    params = [np.zeros((2, 2), dtype), np.zeros(3, dtype)]

    def compute():
        x = np.concatenate([p.ravel() for p in params]).astype(np.float64)
        g = A @ x - b
        return 0.5 * x @ A @ x - b @ x, [g[:4].reshape(2, 2), g[4:]]

    return params, compute, np.linalg.solve(A, b)


def test_lbfgs_quadratic_in_place():
    params, compute, x_star = _quadratic()
    originals = list(params)
    view = params[0][1]
    res = lbfgs_minimize(params, compute, max_iter=200, max_fun=15000, tol=1e-10)
    assert res.success and lbfgs_converged(res)
    assert all(a is b for a, b in zip(params, originals))
    # scipy's default ftol (relative reduction of f) ends the run near 1e-6
    assert_allclose(np.concatenate([p.ravel() for p in params]), x_star, atol=1e-5)
    assert_allclose(view, x_star[2:4], atol=1e-5)
    assert res.fun == pytest.approx(compute()[0])  # params hold the returned optimum


def test_lbfgs_float32_params():
    params, compute, x_star = _quadratic(np.float32)
    lbfgs_minimize(params, compute, max_iter=200, max_fun=15000, tol=1e-5)
    assert params[0].dtype == np.float32
    assert_allclose(np.concatenate([p.ravel() for p in params]), x_star, atol=1e-4)


def _rosenbrock():
    params = [np.array([-1.2, 1.0])]
    calls = [0]

    def compute():
        calls[0] += 1
        x, y = params[0]
        loss = (1 - x) ** 2 + 100 * (y - x**2) ** 2
        grad = np.array([-2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)])
        return loss, [grad]

    return params, compute, calls


def test_lbfgs_rosenbrock():
    params, compute, calls = _rosenbrock()
    res = lbfgs_minimize(params, compute, max_iter=1000, max_fun=15000, tol=1e-10)
    assert lbfgs_converged(res)
    assert_allclose(params[0], [1.0, 1.0], atol=1e-4)
    assert res.nfev == calls[0]


def test_lbfgs_max_iter():
    params, compute, _ = _rosenbrock()
    res = lbfgs_minimize(params, compute, max_iter=5, max_fun=15000, tol=1e-10)
    assert res.nit <= 5
    assert res.status == 1 and not lbfgs_converged(res)
    assert_array_equal(params[0], res.x)  # the last iterate is written back


def test_lbfgs_max_fun():
    params, compute, calls = _rosenbrock()
    res = lbfgs_minimize(params, compute, max_iter=1000, max_fun=8, tol=1e-10)
    assert not lbfgs_converged(res)
    # scipy finishes the iteration under way: a line search may overshoot a little
    assert 8 <= calls[0] <= 8 + 20
    assert res.nit < 1000


def test_lbfgs_verbose_no_deprecation(capsys):
    params, compute, _ = _rosenbrock()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lbfgs_minimize(params, compute, max_iter=3, max_fun=100, tol=1e-10, verbose=True)
        lbfgs_minimize(params, compute, max_iter=3, max_fun=100, tol=1e-10)
    assert capsys.readouterr().out.strip() != ""
