"""Stateful recurrent layers: chunks of a sequence continue where the last batch stopped."""

from __future__ import annotations

import numpy as np
import pytest
import rnn_reference as reference

from kerasque import backend as K
from kerasque.layers import GRU, LSTM, Bidirectional, Input, SimpleRNN
from kerasque.models import Model, Sequential

B, T, D, U, K_CHUNKS = 2, 3, 4, 3, 3


def stateful_model(layer):
    model = Sequential([layer])
    model.compile("sgd", "mse")
    rng = np.random.default_rng(0)
    layer.set_weights([rng.normal(0, 0.5, w.shape) for w in layer.get_weights()])
    return model


@pytest.mark.parametrize("kind, cls", [("lstm", LSTM), ("gru", GRU), ("simple", SimpleRNN)])
def test_chunks_through_a_stateful_layer_equal_one_pass_over_the_whole_sequence(kind, cls):
    K.set_floatx("float64")
    layer = cls(U, stateful=True, return_sequences=True, batch_input_shape=(B, T, D))
    model = stateful_model(layer)
    x = np.random.default_rng(1).normal(size=(B, T * K_CHUNKS, D))
    chunks = [model.predict(x[:, i * T : (i + 1) * T], batch_size=B) for i in range(K_CHUNKS)]
    whole, finals = reference.run(kind, x, layer.get_weights())
    np.testing.assert_allclose(np.concatenate(chunks, axis=1), whole, atol=1e-10)
    for var, final in zip(layer.states, finals):
        np.testing.assert_allclose(var.get_value(), final, atol=1e-10)
    layer.reset_states()
    assert all(not np.any(v.get_value()) for v in layer.states)
    np.testing.assert_allclose(model.predict(x[:, :T], batch_size=B), chunks[0], atol=1e-10)


def test_reset_states_sets_given_states_and_training_carries_them():
    K.set_floatx("float64")
    layer = LSTM(U, stateful=True, batch_size=B, input_shape=(T, D))
    model = stateful_model(layer)
    rng = np.random.default_rng(2)
    h, c = rng.normal(size=(B, U)), rng.normal(size=(B, U))
    layer.reset_states([h, c])
    x = rng.normal(size=(B, T, D))
    _, (want_h, _) = reference.run("lstm", x, layer.get_weights(), initial=[h, c])
    np.testing.assert_allclose(model.predict(x, batch_size=B), want_h, atol=1e-10)
    layer.reset_states()
    model.train_on_batch(x, np.zeros((B, U)))
    assert all(np.any(v.get_value()) for v in layer.states)


def test_stateful_bidirectional_exposes_both_directions_states():
    layer = Bidirectional(GRU(U, stateful=True), batch_input_shape=(B, T, D))
    model = Sequential([layer])
    model.predict(np.ones((B, T, D)), batch_size=B)
    assert len(layer.states) == 2 and all(np.any(v.get_value()) for v in layer.states)
    layer.reset_states()
    assert not any(np.any(v.get_value()) for v in layer.states)


def test_stateful_layers_need_a_fixed_batch_size():
    with pytest.raises(
        ValueError,
        match=r"Layer 'st' \(LSTM\) is stateful, so it needs a fixed "
        r"batch size, received input shape \(None, 3, 4\)",
    ):
        Sequential([LSTM(U, stateful=True, input_shape=(T, D), name="st")])


def test_reset_states_errors_name_the_layer():
    plain = GRU(U, name="plain")
    with pytest.raises(RuntimeError, match=r"Layer 'plain' \(GRU\) is not stateful"):
        plain.reset_states()
    assert plain.states == []
    layer = LSTM(U, stateful=True, name="st2")
    with pytest.raises(RuntimeError, match="is not built yet"):
        layer.reset_states()
    Model(x := Input(batch_shape=(B, T, D)), layer(x))
    with pytest.raises(
        ValueError,
        match=r"state 'st2/state_0' expects shape \(2, 3\), "
        r"received \(3, 3\)",
    ):
        layer.reset_states([np.zeros((3, 3)), np.zeros((2, 3))])
    with pytest.raises(ValueError, match="has 2 states, received 1 arrays"):
        layer.reset_states([np.zeros((2, 3))])


def test_a_weight_dropped_stateful_layer_keeps_the_states_its_output_came_from():
    K.set_floatx("float64")
    import pytensor.tensor as pt

    from kerasque.layers import DropConnect

    lstm = LSTM(U, stateful=True, return_state=True, batch_input_shape=(B, T, D))
    x = pt.tensor("x", shape=(B, T, D))
    out, h, c = DropConnect(lstm, 0.5, weights=["recurrent_kernel"])(x, training=True)
    fn = K.function([x], [out, h, c])
    xv = np.random.default_rng(3).normal(size=(B, T, D))
    for _ in range(2):
        _, h_val, c_val = fn(xv)
        np.testing.assert_allclose(lstm.states[0].get_value(), h_val, atol=1e-12)
        np.testing.assert_allclose(lstm.states[1].get_value(), c_val, atol=1e-12)


def test_model_reset_states_resets_every_stateful_layer():
    from kerasque.layers import LSTM, GRU
    from kerasque.models import Sequential

    model = Sequential(
        [
            LSTM(3, stateful=True, return_sequences=True, batch_input_shape=(2, 4, 2)),
            GRU(2, stateful=True),
        ]
    )
    x = np.random.default_rng(0).normal(size=(2, 4, 2)).astype("float32")
    first = model.predict(x, batch_size=2)
    second = model.predict(x, batch_size=2)
    assert not np.allclose(first, second), "the states carry over between batches"
    model.reset_states()
    np.testing.assert_allclose(model.predict(x, batch_size=2), first, rtol=1e-6)
