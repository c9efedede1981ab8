"""Keras 2.2.4's recurrent API: plain-object cells, state order, initial states."""

from __future__ import annotations

import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest

from kerasque import backend as K
from kerasque.layers import (
    LSTM,
    RNN,
    Bidirectional,
    Dense,
    Dropout,
    Input,
    LSTMCell,
    StackedRNNCells,
    TimeDistributed,
)
from kerasque.layers import wrappers
from kerasque.models import Model
from kerasque.utils.generic_utils import object_list_uid


class PlainCell:
    """A cell that is not a Layer: h = x K + h (Keras 2's test cell)."""

    def __init__(self, units, input_dim, seed=0):
        self.units = units
        self.state_size = units
        self.value = np.random.default_rng(seed).normal(size=(input_dim, units))
        self.kernel = K.variable(self.value)

    def call(self, inputs, states):
        out = K.dot(inputs, self.kernel) + states[0]
        return out, [out]


def test_a_cell_that_is_not_a_layer_runs_alone_and_stacked_as_its_numpy_loop():
    x = np.random.default_rng(1).normal(size=(2, 4, 3)).astype("float32")
    cells = [PlainCell(5, 3, seed=2), PlainCell(4, 5, seed=3)]
    for cell_arg, chain in ((cells[0], cells[:1]), (cells, cells)):
        inputs = Input((4, 3))
        model = Model(inputs, RNN(cell_arg)(inputs))
        expected = x
        for cell in chain:
            h, steps = np.zeros((2, cell.units)), []
            for t in range(4):
                h = expected[:, t] @ cell.value + h
                steps.append(h)
            expected = np.stack(steps, axis=1)
        np.testing.assert_allclose(model.predict(x), expected[:, -1], rtol=1e-4, atol=1e-4)
        assert model.trainable_weights == []  # as in Keras: the object's variables are its own


def test_an_object_without_call_or_state_size_is_refused_by_name():
    with pytest.raises(TypeError, match="state_size and a call"):
        RNN(object())


def test_reverse_state_order_puts_the_last_cells_states_first_and_keeps_the_output():
    x = np.random.default_rng(4).normal(size=(2, 5, 4)).astype("float32")
    inputs = Input((5, 4))
    plain = RNN([LSTMCell(3), LSTMCell(6)], return_state=True)
    reverse = RNN(
        StackedRNNCells([LSTMCell(3), LSTMCell(6)], reverse_state_order=True), return_state=True
    )
    a = Model(inputs, plain(inputs))
    b = Model(inputs, reverse(inputs))
    b.set_weights(a.get_weights())
    assert reverse.cell.state_size == (6, 6, 3, 3)
    assert plain.cell.state_size == (3, 3, 6, 6)
    out_a, *states_a = a.predict(x)
    out_b, *states_b = b.predict(x)
    np.testing.assert_allclose(out_b, out_a, rtol=1e-6)
    for got, want in zip(states_b, states_a[2:] + states_a[:2]):
        np.testing.assert_allclose(got, want, rtol=1e-6)
    config = reverse.cell.get_config()
    assert config["reverse_state_order"] is True
    assert StackedRNNCells.from_config(config).state_size == (6, 6, 3, 3)


def test_get_initial_state_takes_a_batch_size_a_tensor_or_a_model_tensor():
    layer = LSTM(4)
    layer.build((None, 3, 2))
    by_size = layer.get_initial_state(5)
    assert [s.eval().shape for s in by_size] == [(5, 4), (5, 4)]
    x = pt.tensor("x", shape=(None, 3, 2))
    by_tensor = layer.get_initial_state(x)
    f = pytensor.function([x], by_tensor)
    assert [v.shape for v in f(np.ones((7, 3, 2), dtype=x.dtype))] == [(7, 4), (7, 4)]
    inputs = Input((3, 2))
    symbolic = layer.get_initial_state(inputs)
    assert [K.int_shape(s) for s in symbolic] == [(None, 4), (None, 4)]
    zeros = Model(inputs, symbolic).predict(np.ones((2, 3, 2)))
    assert all(np.all(z == 0) and z.shape == (2, 4) for z in zeros)


def test_initial_states_that_are_variables_become_constants_of_a_model():
    x = np.random.default_rng(5).normal(size=(3, 4, 2)).astype("float32")
    start = np.random.default_rng(6).normal(size=(3, 5)).astype("float32")
    inputs, state_in = Input((4, 2)), Input((5,))
    fed = LSTM(5)
    fed_model = Model([inputs, state_in], fed(inputs, initial_state=[state_in, state_in]))
    fixed = LSTM(5)
    variable = K.variable(start)
    fixed_model = Model(inputs, fixed(inputs, initial_state=[variable, variable]))
    fixed_model.set_weights(fed_model.get_weights())
    np.testing.assert_allclose(
        fixed_model.predict(x), fed_model.predict([x, start]), rtol=1e-5, atol=1e-6
    )
    zero_start = Model([inputs, state_in], fed(inputs, initial_state=[state_in, state_in]))
    assert not np.allclose(zero_start.predict([x, 0 * start]), fixed_model.predict(x))


def test_constants_get_an_error_that_says_what_to_do_instead():
    inputs, c = Input((4, 2)), Input((3,))
    with pytest.raises(TypeError, match="constants=.*Concatenate"):
        RNN(LSTMCell(3))(inputs, constants=c)


def test_a_direct_call_marks_whether_its_output_switches_with_the_learning_phase():
    x = K.ones((2, 3))
    assert Dropout(0.5)(x)._uses_learning_phase is True
    assert Dropout(0.5)(x, training=True)._uses_learning_phase is False
    assert Dense(2)(x)._uses_learning_phase is False


def test_keras_2_paths_of_the_wrappers_and_object_list_uid():
    assert wrappers.Bidirectional is Bidirectional
    assert wrappers.TimeDistributed is TimeDistributed
    a, b = object(), object()
    assert object_list_uid([a, b]) == f"{id(a)}, {id(b)}"
    with pytest.raises(AttributeError):
        wrappers.__getattr__("NoSuchWrapper")
