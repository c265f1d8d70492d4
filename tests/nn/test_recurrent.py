import pickle

import numpy as np
import pytest

from sknn.nn import GRU, LSTM, Bidirectional, Sequential, SimpleRNN
from sknn.utils.gradcheck import check_layer_gradients

TOL = 1e-6
N, T, F, U = 3, 5, 2, 4


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


# -- naive per-step references, written from the equations ------------------
def ref_simple_rnn(layer, X, mask=None):
    K, R, b = layer.params
    n, steps, _ = X.shape
    h = np.zeros((n, layer.units))
    outs = []
    for t in range(steps):
        new = np.tanh(X[:, t] @ K + h @ R + b)
        if mask is not None:
            new = np.where(mask[:, t, None], new, h)
        h = new
        outs.append(h)
    return np.stack(outs, axis=1), h


def ref_lstm(layer, X, mask=None):
    K, R, b = layer.params
    u = layer.units
    n, steps, _ = X.shape
    h = np.zeros((n, u))
    c = np.zeros((n, u))
    outs = []
    for t in range(steps):
        z = X[:, t] @ K + h @ R + b
        i, f = _sigmoid(z[:, :u]), _sigmoid(z[:, u : 2 * u])
        g, o = np.tanh(z[:, 2 * u : 3 * u]), _sigmoid(z[:, 3 * u :])
        c_new = f * c + i * g
        h_new = o * np.tanh(c_new)
        if mask is not None:
            m = mask[:, t, None]
            h_new, c_new = np.where(m, h_new, h), np.where(m, c_new, c)
        h, c = h_new, c_new
        outs.append(h)
    return np.stack(outs, axis=1), h


def ref_gru(layer, X, mask=None):
    K, R, b = layer.params
    u = layer.units
    n, steps, _ = X.shape
    h = np.zeros((n, u))
    outs = []
    for t in range(steps):
        xi = X[:, t] @ K + b[0]
        hh = h @ R + b[1]
        r = _sigmoid(xi[:, :u] + hh[:, :u])
        z = _sigmoid(xi[:, u : 2 * u] + hh[:, u : 2 * u])
        cand = np.tanh(xi[:, 2 * u :] + r * hh[:, 2 * u :])
        new = (1 - z) * cand + z * h
        if mask is not None:
            new = np.where(mask[:, t, None], new, h)
        h = new
        outs.append(h)
    return np.stack(outs, axis=1), h


REFS = {SimpleRNN: ref_simple_rnn, LSTM: ref_lstm, GRU: ref_gru}
CELLS = [SimpleRNN, LSTM, GRU]


def _data(seed=0, n=N, steps=T, features=F):
    return np.random.default_rng(seed).standard_normal((n, steps, features))


def _lengths_mask(lengths, steps, left=False):
    ar = np.arange(steps)
    lengths = np.asarray(lengths)[:, None]
    return ar >= steps - lengths if left else ar < lengths


RIGHT = _lengths_mask([5, 3, 1], T)
LEFT = _lengths_mask([5, 3, 1], T, left=True)
HOLES = np.array([[1, 0, 1, 1, 0], [0, 1, 1, 0, 1], [1, 1, 1, 1, 1]], dtype=bool)
MASKS = {"none": None, "right": RIGHT, "left": LEFT, "holes": HOLES}


def _built(cls, seed=0, **kw):
    layer = cls(U, **kw)
    layer.build((T, F), np.random.default_rng(seed), np.float64)
    # random biases so that every bias entry matters in the checks
    layer.params[2][...] = np.random.default_rng(seed + 7).uniform(-0.5, 0.5, layer.params[2].shape)
    return layer


# -- gradients -----------------------------------------------------------------
@pytest.mark.parametrize("mask_name", list(MASKS))
@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("cls", CELLS)
def test_gradients(cls, return_sequences, mask_name):
    layer = _built(cls, return_sequences=return_sequences)
    errors = check_layer_gradients(layer, _data(), mask=MASKS[mask_name], build=False)
    assert set(errors) == {"input", "kernel", "recurrent_kernel", "bias"}
    assert max(errors.values()) < TOL, errors


def test_gradients_simple_rnn_relu():
    layer = SimpleRNN(U, return_sequences=True, activation="relu")
    errors = check_layer_gradients(layer, _data(1), mask=RIGHT)
    assert max(errors.values()) < TOL, errors


@pytest.mark.parametrize("mask", [None, RIGHT, LEFT], ids=["none", "right", "left"])
def test_gradients_stacked(mask):
    net = Sequential([LSTM(3, return_sequences=True), GRU(U)])
    errors = check_layer_gradients(net, _data(2), mask=mask)
    assert len(errors) == 1 + 6
    assert max(errors.values()) < TOL, errors


@pytest.mark.parametrize("merge_mode", ["concat", "sum"])
@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("mask", [None, RIGHT, LEFT], ids=["none", "right", "left"])
def test_gradients_bidirectional(return_sequences, merge_mode, mask):
    layer = Bidirectional(LSTM(3, return_sequences=return_sequences), merge_mode=merge_mode)
    errors = check_layer_gradients(layer, _data(3), mask=mask)
    assert len(errors) == 1 + 6
    assert max(errors.values()) < TOL, errors


def test_input_grad_false_returns_none():
    layer = LSTM(U)
    layer.input_grad = False
    layer.build((T, F), np.random.default_rng(0))
    layer.forward(_data(), training=True)
    assert layer.backward(np.ones((N, U))) is None
    assert np.any(layer.grads[0] != 0)


# -- values ----------------------------------------------------------------------
@pytest.mark.parametrize("mask_name", list(MASKS))
@pytest.mark.parametrize("cls", CELLS)
def test_matches_naive_reference(cls, mask_name):
    mask = MASKS[mask_name]
    X = _data(4)
    seq = _built(cls, seed=1, return_sequences=True)
    last = _built(cls, seed=1)
    ref_seq, ref_last = REFS[cls](seq, X, mask)
    if mask is not None:
        ref_seq = ref_seq * mask[:, :, None]  # outputs at padded steps are zero
    np.testing.assert_allclose(seq.forward(X, mask=mask), ref_seq, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(last.forward(X, mask=mask), ref_last, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("cls", CELLS)
def test_padding_gives_unpadded_final_state(cls):
    rng = np.random.default_rng(5)
    layer = _built(cls, seed=2)
    lengths = [6, 4, 2, 5]
    steps = 6
    seqs = [rng.standard_normal((k, F)) for k in lengths]
    right = np.zeros((len(seqs), steps, F))
    left = np.zeros((len(seqs), steps, F))
    for i, s in enumerate(seqs):
        right[i, : len(s)] = s
        left[i, steps - len(s) :] = s
    right += 7.0 * (right == 0)  # garbage in padding must not matter
    left += 7.0 * (left == 0)
    out_right = layer.forward(right, mask=_lengths_mask(lengths, steps))
    out_left = layer.forward(left, mask=_lengths_mask(lengths, steps, left=True))
    for i, s in enumerate(seqs):
        alone = layer.forward(s[None])
        np.testing.assert_allclose(out_right[i], alone[0], rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(out_left[i], alone[0], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("return_sequences", [False, True])
def test_bidirectional_padding_matches_unpadded(return_sequences):
    rng = np.random.default_rng(6)
    layer = Bidirectional(GRU(3, return_sequences=return_sequences))
    layer.build((None, F), np.random.default_rng(0))
    lengths = [5, 3, 1]
    seqs = [rng.standard_normal((k, F)) for k in lengths]
    for left in (False, True):
        X = np.full((3, 5, F), -3.0)
        for i, s in enumerate(seqs):
            if left:
                X[i, 5 - len(s) :] = s
            else:
                X[i, : len(s)] = s
        mask = _lengths_mask(lengths, 5, left=left)
        out = layer.forward(X, mask=mask)
        for i, s in enumerate(seqs):
            alone = layer.forward(s[None])[0]
            if return_sequences:
                got = out[i][mask[i]]
            else:
                got = out[i]
            np.testing.assert_allclose(got, alone, rtol=1e-12, atol=1e-12)


def test_bidirectional_backward_direction_is_reversed_run():
    X = _data(7)
    bi = Bidirectional(LSTM(3), merge_mode="concat")
    bi.build((T, F), np.random.default_rng(0))
    out = bi.forward(X)
    np.testing.assert_allclose(out[:, :3], bi.forward_layer.forward(X))
    np.testing.assert_allclose(out[:, 3:], bi.backward_layer.forward(X[:, ::-1]))
    assert not np.allclose(out[:, :3], out[:, 3:])


def test_outputs_zero_at_padded_steps_and_mask_propagation():
    layer = LSTM(U, return_sequences=True)
    layer.build((T, F), np.random.default_rng(0))
    Y = layer.forward(_data(), mask=RIGHT)
    assert np.all(Y[~RIGHT] == 0)
    assert layer.compute_mask(RIGHT) is RIGHT
    last = LSTM(U)
    last.build((T, F), np.random.default_rng(0))
    last.forward(_data(), mask=RIGHT)
    assert last.compute_mask(RIGHT) is None
    bi = Bidirectional(GRU(2, return_sequences=True))
    bi.build((T, F), np.random.default_rng(0))
    bi.forward(_data(), mask=LEFT)
    assert bi.compute_mask(LEFT) is LEFT


# -- weights, shapes, dtype, config ------------------------------------------------
@pytest.mark.parametrize("cls, gates", [(SimpleRNN, 1), (LSTM, 4), (GRU, 3)])
def test_weights_and_shapes(cls, gates):
    layer = cls(U)
    assert layer.build((T, F), np.random.default_rng(0)) == (U,)
    assert cls(U, return_sequences=True).build((T, F), np.random.default_rng(0)) == (T, U)
    K, R, b = layer.params
    assert layer.param_names == ["kernel", "recurrent_kernel", "bias"]
    assert layer.penalized == [True, True, False]
    assert K.shape == (F, gates * U) and R.shape == (U, gates * U)
    assert all(p.flags.c_contiguous for p in layer.params)
    # orthogonal recurrent kernel: orthonormal rows
    np.testing.assert_allclose(R @ R.T, np.eye(U), atol=1e-10)
    if cls is LSTM:
        expected = np.zeros(4 * U)
        expected[U : 2 * U] = 1
        np.testing.assert_array_equal(b, expected)
        plain = LSTM(U, unit_forget_bias=False)
        plain.build((T, F), np.random.default_rng(0))
        assert not plain.params[2].any()
    elif cls is GRU:
        assert b.shape == (2, 3 * U) and not b.any()
    else:
        assert b.shape == (U,) and not b.any()
    for p, g in zip(layer.params, layer.grads):
        assert g.shape == p.shape


@pytest.mark.parametrize("cls", CELLS)
def test_float32_stays_float32(cls):
    layer = cls(U, return_sequences=True)
    layer.build((T, F), np.random.default_rng(0), np.float32)
    X = _data().astype(np.float32)
    Y = layer.forward(X, training=True, mask=RIGHT)
    assert Y.dtype == np.float32
    dX = layer.backward(np.ones_like(Y))
    assert dX.dtype == np.float32 and dX.shape == X.shape
    assert all(p.dtype == np.float32 and g.dtype == np.float32 for p, g in zip(layer.params, layer.grads))
    ref64 = cls(U, return_sequences=True)
    ref64.build((T, F), np.random.default_rng(0), np.float64)
    np.testing.assert_allclose(Y, ref64.forward(_data(), mask=RIGHT), atol=1e-5)


def test_bidirectional_float32_and_shapes():
    bi = Bidirectional(LSTM(U, return_sequences=True))
    assert bi.build((T, F), np.random.default_rng(0), np.float32) == (T, 2 * U)
    Y = bi.forward(_data().astype(np.float32))
    assert Y.dtype == np.float32 and Y.shape == (N, T, 2 * U)
    assert Bidirectional(GRU(3), merge_mode="sum").build((T, F), np.random.default_rng(0)) == (3,)
    assert bi.param_names[0] == "forward.kernel" and bi.param_names[3] == "backward.kernel"
    assert list(bi.layer.params) == []  # the configured layer stays unbuilt
    with pytest.raises(ValueError, match="merge_mode"):
        Bidirectional(GRU(3), merge_mode="mul").build((T, F), np.random.default_rng(0))


def test_no_overflow_with_huge_inputs():
    layer = LSTM(U)
    layer.build((T, F), np.random.default_rng(0), np.float32)
    with np.errstate(all="raise"):
        Y = layer.forward(np.full((N, T, F), 1e30, dtype=np.float32), training=True)
        layer.backward(np.ones_like(Y))
    assert np.all(np.isfinite(Y))


def test_config_repr_and_pickle():
    layer = LSTM(5, return_sequences=True, recurrent_initializer="glorot_uniform")
    assert layer.get_config() == {
        "units": 5,
        "return_sequences": True,
        "kernel_initializer": "glorot_uniform",
        "recurrent_initializer": "glorot_uniform",
        "unit_forget_bias": True,
    }
    assert repr(layer) == "LSTM(units=5, return_sequences=True, recurrent_initializer='glorot_uniform')"
    assert SimpleRNN(3, activation="relu").get_config()["activation"] == "relu"
    assert Bidirectional(GRU(2)).get_config()["merge_mode"] == "concat"
    layer.build((T, F), np.random.default_rng(0))
    Y = layer.forward(_data())
    clone = pickle.loads(pickle.dumps(layer))
    np.testing.assert_array_equal(clone.forward(_data()), Y)


def test_bad_inputs():
    layer = GRU(U)
    with pytest.raises(ValueError, match="n_steps, n_features"):
        layer.build((F,), np.random.default_rng(0))
    layer.build((T, F), np.random.default_rng(0))
    with pytest.raises(ValueError, match="mask shape"):
        layer.forward(_data(), mask=np.ones((N, T + 1), dtype=bool))
    with pytest.raises(ValueError, match="activation"):
        SimpleRNN(3, activation="sigmoid").build((T, F), np.random.default_rng(0))


def test_same_seed_same_weights():
    a, b = LSTM(U), LSTM(U)
    a.build((T, F), np.random.default_rng(3))
    b.build((T, F), np.random.default_rng(3))
    for p, q in zip(a.params, b.params):
        np.testing.assert_array_equal(p, q)


@pytest.mark.parametrize("cls", CELLS)
def test_fully_padded_sample_gives_zeros_and_no_gradient(cls):
    layer = _built(cls, return_sequences=True)
    mask = RIGHT.copy()
    mask[2] = False
    X = _data(8)
    Y = layer.forward(X, training=True, mask=mask)
    assert not Y[2].any()
    dX = layer.backward(np.ones_like(Y))
    assert not dX[2].any()
    assert not dX[~mask].any()  # padded steps get no gradient


def test_sequence_length_may_differ_from_build():
    layer = GRU(U, return_sequences=True)
    layer.build((T, F), np.random.default_rng(0))
    for steps in (1, 2, 9):
        X = _data(9, steps=steps)
        Y = layer.forward(X, training=True)
        assert Y.shape == (N, steps, U)
        ref, _ = ref_gru(layer, X)
        np.testing.assert_allclose(Y, ref, atol=1e-12)
        assert layer.backward(np.ones_like(Y)).shape == X.shape


def test_pickle_keeps_no_buffers():
    layer = LSTM(U)
    layer.build((T, F), np.random.default_rng(0))
    layer.forward(_data(), training=True, mask=RIGHT.astype(int))  # an integer mask is accepted
    layer.backward(np.ones((N, U)))
    clone = pickle.loads(pickle.dumps(layer))
    assert vars(clone.cell) == {"units": U, "unit_forget_bias": True}
    assert not hasattr(clone, "_cache")
    np.testing.assert_array_equal(clone.forward(_data()), layer.forward(_data()))


# -- float32 inference: a row's output depends on that row only --------------------------
@pytest.mark.parametrize(
    "layer",
    [
        SimpleRNN(6),
        SimpleRNN(5, return_sequences=True, activation="relu"),
        LSTM(6),
        LSTM(4, return_sequences=True),
        GRU(6),
        GRU(5, return_sequences=True),
        Bidirectional(LSTM(4)),
        Bidirectional(GRU(3, return_sequences=True), merge_mode="sum"),
    ],
    ids=lambda layer: repr(layer),
)
@pytest.mark.parametrize("masked", [False, True], ids=["plain", "masked"])
def test_rows_are_batch_invariant(rows_invariant, layer, masked):
    rng = np.random.default_rng(11)
    n, steps = 14, 7
    X = rng.standard_normal((n, steps, 3)).astype(np.float32)
    mask = None
    if masked:  # right-padded, left-padded and holed rows
        mask = rng.random((n, steps)) < 0.8
        mask[:4] = np.arange(steps) < rng.integers(0, steps + 1, (4, 1))
        mask[4:8] = np.arange(steps) >= rng.integers(0, steps + 1, (4, 1))
    layer.build((steps, 3), np.random.default_rng(0), np.float32)
    Y = rows_invariant(layer, X, mask=mask)
    assert Y.dtype == np.float32
    assert layer.compute_mask(mask, X) is (mask if layer.output_shape[0] == steps else None)


# -- configuration is validated where the layer is made ------------------------------------
@pytest.mark.parametrize(
    "make, where",
    [
        (lambda: LSTM(0), "LSTM: units"),
        (lambda: GRU(2.5), "GRU: units"),
        (lambda: SimpleRNN("4"), "SimpleRNN: units"),
        (lambda: SimpleRNN(4, activation="sigmoid"), "SimpleRNN: activation"),
        (lambda: Bidirectional(LSTM(3), merge_mode="mul"), "Bidirectional: merge_mode"),
        (lambda: Bidirectional(Sequential([])), "Bidirectional: layer"),
    ],
)
def test_bad_configuration_is_refused_where_the_layer_is_made(make, where):
    with pytest.raises(ValueError, match=f"^{where} must be"):
        make()
    assert LSTM(np.int64(3)).build((T, F), np.random.default_rng(0)) == (3,)
