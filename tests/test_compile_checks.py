"""The compile step: gathered updates, and refusal of frozen or doubled randomness."""

import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest

from kerasque import backend as K
from kerasque.layers import Dense, Dropout, Input, Layer
from kerasque.models import Model, Sequential


class FrozenNoise(Layer):
    """Deliberately broken: draws from its generator behind the forward pass's back."""

    def build(self, input_shape):
        self.rng = self.add_rng(0)

    def call(self, inputs, training=None):
        _, mask = pt.random.bernoulli(0.5, size=inputs.shape, rng=self.rng, return_next_rng=True)
        return inputs * pt.cast(mask, inputs.dtype)


class TwiceFromOneState(Layer):
    """Deliberately broken: two draws read the same generator state."""

    def build(self, input_shape):
        self.rng = self.add_rng(0)

    def call(self, inputs, training=None):
        _, a = pt.random.normal(0, 1, size=inputs.shape, rng=self.rng, return_next_rng=True)
        _, b = pt.random.normal(0, 1, size=inputs.shape, rng=self.rng, return_next_rng=True)
        return inputs + a + b


class DoubleWriter(Layer):
    """Deliberately broken: records two updates of one variable."""

    def build(self, input_shape):
        self.count = self.add_weight("count", (), trainable=False)

    def call(self, inputs, training=None):
        K.add_update(self.count, self.count + 1)
        K.add_update(self.count, self.count + 2)
        return inputs


def _model(layer):
    return Sequential([Dense(3, input_shape=(2,)), layer])


def test_a_generator_that_nothing_advances_is_refused_naming_the_layer():
    model = _model(FrozenNoise(name="frozen_noise"))
    model.compile("sgd", "mse")
    with pytest.raises(
        ValueError,
        match=r"layer 'frozen_noise' draws from generator 'frozen_noise/rng0' but nothing "
        r"advances it",
    ):
        model.train_on_batch(np.ones((2, 2)), np.ones((2, 3)))


def test_two_draws_from_one_generator_state_are_refused():
    model = _model(TwiceFromOneState(name="twice"))
    model.compile("sgd", "mse")
    with pytest.raises(
        ValueError,
        match=r"layer 'twice' and layer 'twice' read the same state of generator 'twice/rng0'",
    ):
        model.train_on_batch(np.ones((2, 2)), np.ones((2, 3)))


def test_two_writers_of_one_variable_are_refused_naming_the_layers():
    model = _model(DoubleWriter(name="writer"))
    model.compile("sgd", "mse")
    with pytest.raises(
        ValueError,
        match=r"Two writers update 'writer/count' in one graph: layer 'writer' and layer 'writer'",
    ):
        model.train_on_batch(np.ones((2, 2)), np.ones((2, 3)))


def test_explicit_update_clashing_with_a_gathered_one_is_refused():
    x = pt.matrix("x")
    layer = Dropout(0.5, seed=1)
    y = layer(x, training=True)
    with pytest.raises(ValueError, match=r"Two writers update 'dropout_\d+/rng0'"):
        K.function([x], y, updates=[(layer.rng, layer.rng)])


def test_a_draw_from_a_non_shared_generator_is_refused():
    x = pt.matrix("x")
    rng = pytensor.tensor.random.type.random_generator_type("rng")
    _, mask = pt.random.bernoulli(0.5, size=x.shape, rng=rng, return_next_rng=True)
    with pytest.raises(ValueError, match="which is not a shared variable"):
        K.function([x, rng], x * mask)


def test_a_layer_applied_twice_chains_its_draws_so_the_masks_differ():
    inp = Input(shape=(50,))
    drop = Dropout(0.5, seed=3)
    model = Model(inp, [drop(inp), drop(inp)])
    model.compile("sgd", "mse")
    f = K.function([inp], model.outputs, updates=None)
    a, b = f(np.ones((10, 50), "float32"))
    np.testing.assert_array_equal(a, np.ones((10, 50)))  # no learning phase given: test
    g = K.function([inp, K.learning_phase()], model.outputs)
    a, b = g(np.ones((10, 50), "float32"), 1)
    assert not np.array_equal(a, b)
    a2, _ = g(np.ones((10, 50), "float32"), 1)
    assert not np.array_equal(a, a2)


def test_backend_function_on_model_tensors_gathers_generator_updates():
    inp = Input(shape=(40,))
    out = Dropout(0.5, seed=4)(Dense(40, kernel_initializer="ones")(inp))
    f = K.function([inp, K.learning_phase()], [out])
    x = np.ones((8, 40), "float32")
    first, second = f(x, 1)[0], f(x, 1)[0]
    assert not np.array_equal(first != 0, second != 0)
    np.testing.assert_array_equal(f(x, 0)[0], f(x, 0)[0])


def test_unknown_mode_lists_the_valid_ones():
    with pytest.raises(
        ValueError,
        match=r"Unknown mode 'FAST'.*Valid names are: 'C', 'FAST_COMPILE', 'JAX', 'NUMBA'",
    ):
        K.set_mode("fast")
