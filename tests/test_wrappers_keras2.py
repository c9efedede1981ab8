"""Wrappers under Keras 2's bookkeeping: losses and updates of the wrapped layers.

Keras 2.2.4's ``layer.losses`` / ``layer.updates`` list every term a layer
keeps, conditional on inputs or not; ``get_losses_for(None)`` is the
unconditional part, and a wrapper reports the terms of the layers it wraps.
"""

from __future__ import annotations

import numpy as np
import pytensor.tensor as pt
import pytest

from kerasque import backend as K
from kerasque.config import floatx
from kerasque.layers import BatchNormalization, Bidirectional, Dense, Input, SimpleRNN
from kerasque.layers import Masking, TimeDistributed
from kerasque.models import Sequential


def test_bidirectional_updates_are_those_of_both_directions():
    x = Input(shape=(3, 2))
    layer = Bidirectional(SimpleRNN(3))
    layer(x)
    assert layer.updates == [] and layer.get_updates_for(x) == []
    count_f = K.variable(0.0)
    count_b = K.variable(0.0)
    layer.forward_layer.add_update((count_f, count_f + 1.0))
    layer.backward_layer.add_update((count_b, count_b + 1.0))
    layer.forward_layer.add_update(0, inputs=x)
    layer.backward_layer.add_update(1, inputs=x)
    assert [var for var, _ in layer.get_updates_for(None)] == [count_f, count_b]
    assert layer.get_updates_for(x) == [0, 1]
    assert len(layer.updates) == 4
    step = K.function([], [], updates=layer.get_updates_for(None))
    step([])
    assert K.get_value(count_f) == 1.0 and K.get_value(count_b) == 1.0


def test_bidirectional_losses_list_penalties_and_conditional_terms_of_both_directions():
    x = Input(shape=(3, 2))
    layer = Bidirectional(SimpleRNN(3, kernel_regularizer="l1", bias_regularizer="l2"))
    layer(x)
    assert len(layer.get_losses_for(None)) == 4  # kernel and bias of each direction
    layer.forward_layer.add_loss(2.0, inputs=x)
    layer.backward_layer.add_loss(3.0, inputs=x)
    layer.backward_layer.add_loss(5.0)
    assert layer.get_losses_for(x) == [2.0, 3.0]
    assert len(layer.get_losses_for(None)) == 5
    assert len(layer.losses) == 7


def test_a_model_trains_on_unconditional_losses_only():
    # A term kept as conditional on some other input must not reach the objective.
    model = Sequential([TimeDistributed(Dense(2, kernel_regularizer="l1"), input_shape=(3, 4))])
    other = Input(shape=(4,))
    model.layers[0].layer.add_loss(1000.0, inputs=other)
    assert len(model.losses) == 2 and len(model.get_losses_for(None)) == 1
    model.compile(optimizer="sgd", loss="mse")
    loss = model.train_on_batch(np.zeros((2, 3, 4)), np.zeros((2, 3, 2)))
    assert float(np.ravel(loss)[0]) < 1000.0


def test_a_frozen_wrapper_reports_no_updates():
    layer = TimeDistributed(Dense(2))
    layer(Input(shape=(3, 2)))
    count = K.variable(0.0)
    layer.layer.add_update((count, count + 1.0))
    assert len(layer.updates) == 1 and len(layer.trainable_weights) == 2
    layer.trainable = False
    assert layer.updates == [] and layer.get_updates_for(None) == []
    assert layer.trainable_weights == []
    layer.trainable = True
    assert len(layer.updates) == 1


@pytest.mark.parametrize("stateful", [False, True])
def test_a_frozen_layer_keeps_its_updates_only_when_stateful(stateful):
    layer = BatchNormalization()
    layer.stateful = stateful
    layer(Input(shape=(2,)))
    count = K.variable(0.0)
    layer.add_update((count, count + 1.0))
    layer.trainable = False
    assert len(layer.updates) == (1 if stateful else 0)


def test_time_distributed_masking_gives_the_mask_of_every_step():
    x = pt.tensor3("x")
    layer = TimeDistributed(Masking(mask_value=0.0))
    layer.build((None, None, 4))
    mask = layer.compute_mask(x)
    data = np.random.default_rng(0).integers(1, 5, size=(5, 3, 4)).astype(floatx())
    for i in range(4):
        data[i, i:, :] = 0.0
    got = K.function([x], [mask])([data])[0]
    np.testing.assert_array_equal(got, np.any(data, axis=-1))


def test_time_distributed_reduces_the_input_mask_when_the_wrapped_layer_gives_none():
    x = pt.tensor4("x")
    m = pt.tensor3("m", dtype="bool")
    layer = TimeDistributed(SimpleRNN(2))  # return_sequences=False: no mask of its own
    layer.build((None, 3, 4, 5))
    mask = layer.compute_mask(x, m)
    given = np.random.default_rng(1).random((2, 3, 4)) > 0.5
    given[0, 1] = False
    got = K.function([x, m], [mask])([np.zeros((2, 3, 4, 5), floatx()), given])[0]
    np.testing.assert_array_equal(got, given.any(axis=-1))


def test_time_distributed_hands_the_mask_of_each_step_to_the_wrapped_layer():
    rng = np.random.default_rng(2)
    data = rng.random((2, 3, 4, 5)).astype(floatx())
    given = rng.random((2, 3, 4)) > 0.4
    x = pt.tensor4("x", shape=(None, 3, 4, 5))
    m = pt.tensor3("m", dtype="bool")
    rnn = SimpleRNN(3)
    y = TimeDistributed(rnn)(x, mask=m)
    got = K.function([x, m], [y])([data, given])[0]
    s = pt.tensor3("s", shape=(None, 4, 5))
    sm = pt.matrix("sm", dtype="bool")
    step = K.function([s, sm], [rnn(s, mask=sm)])
    for t in range(3):
        expected = step([data[:, t], given[:, t]])[0]
        np.testing.assert_allclose(got[:, t], expected, rtol=1e-5, atol=1e-6)
