"""K.function, gradients, switch, the learning phase, rnn and the folds; K in user code."""

import numpy as np
import pytest

from kerasque import backend as K
from kerasque.layers import Dense, Input, Layer
from kerasque.models import Model, Sequential
from kerasque.optimizers import Adam

RNG = np.random.default_rng(2)


# -- function ---------------------------------------------------------------------
def test_function_takes_a_list_like_keras_and_returns_a_list():
    x, y = K.placeholder((None, 2)), K.placeholder((None, 2))
    f = K.function([x, y], [x + y, x * y])
    a, b = np.ones((3, 2)), np.full((3, 2), 2.0)
    s, p = f([a, b])
    np.testing.assert_array_equal(s, a + b)
    np.testing.assert_array_equal(p, a * b)
    np.testing.assert_array_equal(f(a, b)[0], a + b)


def test_function_applies_updates_in_every_call():
    x = K.placeholder((None,))
    total = K.variable(0.0)
    f = K.function([x], [K.sum(x)], updates=[K.update_add(total, K.sum(x))])
    f([np.ones(3)])
    f([np.ones(3)])
    assert float(K.get_value(total)) == 6.0


def test_function_refuses_unknown_keywords_and_malformed_updates():
    x = K.placeholder((2,))
    with pytest.raises(TypeError, match=r"unexpected keyword argument\(s\) \['givens'\]"):
        K.function([x], x, givens={})
    with pytest.raises(TypeError, match=r"updates must be \(variable, new value\) pairs"):
        K.function([x], x, updates=[K.variable(1.0)])


def test_function_over_model_tensors_takes_the_learning_phase_as_an_input():
    inp = Input(shape=(4,))
    dense = Dense(4)
    out = dense(inp)
    dense.set_weights([np.eye(4), np.zeros(4)])
    f = K.function([inp, K.learning_phase()], [out])
    x = RNG.random((2, 4)).astype("float32")
    np.testing.assert_allclose(f([x, 0])[0], x, rtol=1e-6)


# -- gradients --------------------------------------------------------------------
def test_gradients_match_the_analytic_derivative():
    w = K.variable(RNG.random(3))
    x = K.placeholder((None, 3))
    loss = K.sum(K.square(K.dot(x, w)))
    (grad,) = K.gradients(loss, [w])
    xv = RNG.random((5, 3)).astype("float32")
    expected = 2 * xv.T @ (xv @ K.get_value(w))
    np.testing.assert_allclose(K.function([x], grad)(xv), expected, rtol=1e-5)


def test_stop_gradient_blocks_the_gradient():
    w = K.variable(2.0)
    (g,) = K.gradients(w * K.stop_gradient(w * 3), [w])
    assert float(K.eval(g)) == 6.0
    _, b = K.stop_gradient([w, w * 2])
    assert float(K.eval(b)) == 4.0


# -- switch and the phase -----------------------------------------------------------
def test_switch_with_a_per_sample_condition_selects_whole_rows():
    cond = np.array([True, False, True])
    then, other = RNG.random((3, 4)), RNG.random((3, 4))
    out = K.eval(
        K.switch(K.variable(cond, dtype="bool"), K.variable(then), lambda: K.variable(other))
    )
    np.testing.assert_allclose(out, np.where(cond[:, None], then, other), rtol=1e-6)


def test_in_train_phase_with_python_flags_builds_only_the_chosen_branch():
    calls = []

    def train():
        calls.append("train")
        return K.variable(1.0)

    assert float(K.eval(K.in_train_phase(train, K.variable(0.0), training=False))) == 0.0
    assert calls == []
    assert float(K.eval(K.in_train_phase(train, K.variable(0.0), training=1))) == 1.0
    assert float(K.eval(K.in_test_phase(K.variable(5.0), K.variable(7.0), training=True))) == 7.0


def test_in_train_phase_with_the_symbolic_flag_selects_per_call():
    x = K.placeholder((2,))
    f = K.function([x, K.learning_phase()], K.in_train_phase(x * 2, x, training=K.learning_phase()))
    np.testing.assert_array_equal(f([np.ones(2), 1]), [2, 2])
    np.testing.assert_array_equal(f([np.ones(2), 0]), [1, 1])
    g = K.function([x, K.learning_phase()], K.in_train_phase(x * 2, x))  # None: the flag
    np.testing.assert_array_equal(g([np.ones(2), 1]), [2, 2])


def test_set_learning_phase_fixes_the_phase_and_checks_its_value():
    try:
        K.set_learning_phase(1)
        assert K.learning_phase() == 1
        assert float(K.eval(K.in_train_phase(K.variable(1.0), K.variable(0.0)))) == 1.0
    finally:
        K.set_learning_phase(None)
    with pytest.raises(ValueError, match="expects 0 or 1"):
        K.set_learning_phase(2)


class KerasStyleDropout(Layer):
    """A custom layer written the Keras 2 way: no training argument, K.in_train_phase."""

    def call(self, inputs):
        return K.in_train_phase(lambda: K.dropout(inputs, 0.5, seed=3), inputs)


def test_a_layer_using_in_train_phase_without_training_follows_the_model_phase():
    model = Sequential(
        [
            Dense(50, input_shape=(50,), kernel_initializer="ones", use_bias=False),
            KerasStyleDropout(),
        ]
    )
    model.layers[0].set_weights([np.eye(50)])
    model.compile("sgd", "mse")
    x = np.ones((8, 50), "float32")
    np.testing.assert_allclose(model.predict(x), x)
    model.train_on_batch(x, x)  # the train graph drops: no error, and it compiles
    train = K.function([model.inputs[0], K.learning_phase()], model.outputs)
    dropped = train([x, 1])[0]
    kept = x @ model.layers[0].get_weights()[0] * 2
    assert ((dropped == 0) | np.isclose(dropped, kept, rtol=1e-5)).all()
    assert (dropped == 0).any()


# -- rnn --------------------------------------------------------------------------
def _numpy_rnn(x, w_i, w_h, h0, mask=None, go_backwards=False):
    steps = range(x.shape[1] - 1, -1, -1) if go_backwards else range(x.shape[1])
    h, outs = h0, []
    for t in steps:
        new = np.tanh(x[:, t] @ w_i + h @ w_h)
        if mask is not None:
            keep = mask[:, t][:, None].astype(bool)
            new = np.where(keep, new, h)
            out = np.where(keep, new, outs[-1] if outs else np.zeros_like(new))
        else:
            out = new
        h = new
        outs.append(out)
    return outs[-1], np.stack(outs, 1), h


@pytest.mark.parametrize("go_backwards", [False, True])
@pytest.mark.parametrize("unroll", [False, True])
@pytest.mark.parametrize("masked", [False, True])
def test_rnn_matches_a_numpy_loop(go_backwards, unroll, masked):
    x = RNG.random((3, 4, 2)).astype("float32")
    w_i, w_h = RNG.random((2, 5)).astype("float32"), RNG.random((5, 5)).astype("float32") * 0.5
    mask = np.array([[1, 1, 1, 1], [1, 1, 0, 0], [1, 0, 1, 0]], "float32") if masked else None
    xp = K.placeholder((None, 4, 2))
    kernel, recurrent = K.variable(w_i), K.variable(w_h)

    def step(x_t, states):
        h = K.tanh(K.dot(x_t, kernel) + K.dot(states[0], states[1]))
        return h, [h]

    last, outs, states = K.rnn(
        step,
        xp,
        [K.zeros_like(K.dot(xp[:, 0], kernel))],
        go_backwards=go_backwards,
        mask=None if mask is None else K.variable(mask),
        constants=[recurrent],
        unroll=unroll,
        input_length=4,
    )
    got = K.function([xp], [last, outs, states[0]])(x)
    want = _numpy_rnn(x, w_i, w_h, np.zeros((3, 5), "float32"), mask, go_backwards)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)


def test_rnn_checks_its_arguments():
    with pytest.raises(ValueError, match="at least 3 axes"):
        K.rnn(lambda x, s: (x, s), K.placeholder((None, 3)), [])
    with pytest.raises(ValueError, match="unroll=True needs input_length"):
        K.rnn(lambda x, s: (x, s), K.placeholder((None, 3, 2)), [], unroll=True)


def test_map_fn_foldl_and_foldr_match_python_loops():
    v = RNG.random((4, 3)).astype("float32")
    np.testing.assert_allclose(
        K.eval(K.map_fn(lambda row: K.sum(row * 2), K.variable(v))), (v * 2).sum(1), rtol=1e-6
    )
    np.testing.assert_allclose(
        K.eval(K.foldl(lambda acc, row: acc * 2 + row, K.variable(v))),
        ((v[0] * 2 + v[1]) * 2 + v[2]) * 2 + v[3],
        rtol=1e-6,
    )
    np.testing.assert_allclose(
        K.eval(K.foldr(lambda acc, row: acc * 2 + row, K.variable(v))),
        ((v[3] * 2 + v[2]) * 2 + v[1]) * 2 + v[0],
        rtol=1e-6,
    )
    np.testing.assert_allclose(
        K.eval(K.foldl(lambda acc, row: acc + row, K.variable(v), K.zeros((3,)))),
        v.sum(0),
        rtol=1e-6,
    )


# -- K in user code: a custom loss, metric and layer --------------------------------
def keras_mse(y_true, y_pred):
    return K.mean(K.square(y_pred - y_true), axis=-1)


def mean_abs(y_true, y_pred):
    return K.mean(K.abs(y_pred - y_true))


class Scale(Layer):
    """A custom layer written with K ops: a learned per-feature scale and an L2 norm."""

    def build(self, input_shape):
        self.scale = self.add_weight(name="scale", shape=(input_shape[-1],), initializer="ones")

    def call(self, inputs):
        return K.l2_normalize(inputs, axis=-1) * K.reshape(self.scale, (1, -1)) + K.mean(
            inputs * 0, axis=-1, keepdims=True
        )

    def compute_output_shape(self, input_shape):
        return input_shape


def test_a_model_with_a_k_loss_metric_and_layer_trains():
    x = RNG.random((64, 4)).astype("float32")
    y = (x / np.linalg.norm(x, axis=-1, keepdims=True)) * np.array([1.0, 2.0, 3.0, 4.0], "float32")
    inp = Input(shape=(4,))
    model = Model(inp, Scale()(inp))
    model.compile(Adam(learning_rate=0.05), keras_mse, metrics=[mean_abs])
    before = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=30, batch_size=16, verbose=0)
    after = model.evaluate(x, y, verbose=0)
    assert after[0] < before[0] / 2
    pred = model.predict(x)
    np.testing.assert_allclose(after[0], np.mean((pred - y) ** 2), rtol=1e-4)
    np.testing.assert_allclose(after[1], np.mean(np.abs(pred - y)), rtol=1e-4)
