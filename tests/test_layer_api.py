"""Layers as objects: connectivity, shapes, params, losses, updates, trainable."""

import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest

from kerasque import backend as K
from kerasque.engine import context
from kerasque.layers import Dense, Input, Layer
from kerasque.models import Model, Sequential


def test_input_output_and_shapes_of_a_layer_called_once():
    x = Input(shape=(4,))
    layer = Dense(3)
    y = layer(x)
    assert layer.input is x and layer.output is y
    assert layer.input_shape == (None, 4) and layer.output_shape == (None, 3)
    assert layer.get_input_at(0) is x and layer.get_output_at(0) is y
    assert layer.get_input_shape_at(0) == (None, 4)
    assert layer.get_output_shape_at(0) == (None, 3)


def test_a_shared_layer_asks_for_a_node_index():
    layer = Dense(3)
    a, b = Input(shape=(4,)), Input(shape=(4,))
    ya, yb = layer(a), layer(b)
    assert layer.get_input_at(1) is b and layer.get_output_at(1) is yb
    assert layer.input_shape == (None, 4)  # every call saw the same shape
    with pytest.raises(AttributeError, match=r"called 2 times.*use get_input_at\(node_index\)"):
        _ = layer.input
    with pytest.raises(
        ValueError, match=r"has 2 inbound node\(s\); asked for the output at node index 5"
    ):
        layer.get_output_at(5)
    assert ya is not yb


def test_an_unconnected_layer_says_so():
    layer = Dense(3)
    with pytest.raises(AttributeError, match=r"is not connected: it has never been called"):
        _ = layer.output
    with pytest.raises(AttributeError, match=r"has never been called and has no input shape"):
        _ = layer.input_shape
    assert Dense(3, input_shape=(5,)).input_shape == (None, 5)
    assert Dense(3, input_shape=(5,)).output_shape == (None, 3)


def test_input_layer_input_is_its_output():
    x = Input(shape=(2,))
    layer = x.node.layer
    assert layer.input is x and layer.output is x and layer.input_shape == (None, 2)


def test_count_params_needs_a_built_layer():
    layer = Dense(3)
    with pytest.raises(ValueError, match=r"is not built yet.*layer.build"):
        layer.count_params()
    layer(Input(shape=(4,)))
    assert layer.count_params() == 4 * 3 + 3


def test_add_loss_inside_call_records_into_the_forward_pass():
    class Penalized(Layer):
        def call(self, inputs):
            self.add_loss(0.1 * pt.sum(inputs))
            return inputs

    layer = Penalized()
    x = pt.matrix("x")
    with context.forward_pass("t") as fp:
        layer(x)
        assert len(fp.losses()) == 1
        assert len(layer.get_losses_for(x)) == 1
    f = pytensor.function([x], fp.losses()[0])
    np.testing.assert_allclose(f(np.ones((2, 3), "float32")), 0.6, rtol=1e-6)
    assert layer.losses == []  # conditional on the inputs: not a layer-level loss


def test_add_loss_of_weights_or_a_callable_is_unconditional():
    layer = Dense(2, kernel_initializer="ones")
    layer(Input(shape=(3,)))
    layer.add_loss(lambda: pt.sum(layer.kernel))
    layer.add_loss(pt.mean(layer.bias))
    values = [float(v.eval()) for v in layer.losses]
    assert values == [6.0, 0.0]
    assert len(layer.get_losses_for(None)) == 2
    model = Model(layer.input, layer.output)
    assert len(model.losses) == 2  # a model gathers its layers' losses


def test_add_loss_refuses_a_symbolic_model_tensor():
    x = Input(shape=(3,))
    with pytest.raises(TypeError, match=r"add_loss received a symbolic model tensor"):
        Dense(2).add_loss(x)


def test_add_update_outside_call_is_listed_in_updates():
    layer = Dense(2)
    layer(Input(shape=(3,)))
    layer.add_update((layer.bias, layer.bias + 1.0))
    assert len(layer.updates) == 1 and layer.get_updates_for(None) == layer.updates
    var, _ = layer.updates[0]
    assert var is layer.bias
    model = Model(layer.input, layer.output)
    assert len(model.updates) == 1
    step = K.function([], [], updates=model.updates)
    step([])
    np.testing.assert_allclose(layer.get_weights()[1], [1.0, 1.0])


def test_add_update_inside_call_goes_to_the_forward_pass():
    class Counter(Layer):
        def build(self, input_shape):
            self.count = self.add_weight("count", (), initializer="zeros", trainable=False)

        def call(self, inputs):
            self.add_update((self.count, self.count + 1.0))
            return inputs

    layer = Counter()
    x = pt.matrix("x")
    with context.forward_pass("t") as fp:
        layer(x)
    assert layer.updates == []
    assert [v for v, _, _ in fp.state_updates()] == [layer.count]


def test_add_update_refuses_a_non_shared_target():
    with pytest.raises(TypeError, match=r"an update's target must be a shared variable"):
        Dense(2).add_update((pt.scalar("s"), 1.0))


def test_setting_trainable_changes_the_weight_lists():
    layer = Dense(2)
    Sequential([Input(shape=(3,)), layer])
    layer.trainable = False
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 2
    layer.trainable = True
    assert len(layer.trainable_weights) == 2


def test_setting_trainable_after_compile_is_silent_until_the_model_trains():
    layer = Dense(2)
    model = Sequential([Input(shape=(3,)), layer])
    model.compile("sgd", "mse")
    layer.trainable = False  # pytest turns any warning into an error
    model.trainable = False
    with pytest.warns(UserWarning, match=r"changed after model 'sequential_\d+' was compiled"):
        model.train_on_batch(np.ones((2, 3)), np.zeros((2, 2)))


def test_setting_trainable_before_compile_does_not_warn():
    layer = Dense(2)
    Sequential([Input(shape=(3,)), layer])
    layer.trainable = False  # pytest turns any warning into an error


def test_trainable_must_be_a_bool():
    with pytest.raises(TypeError, match=r"trainable must be True or False"):
        Dense(2).trainable = 1


def test_add_weight_takes_keras3_style_arguments():
    class Scale(Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", trainable=True)

        def call(self, inputs):
            return inputs * self.w

    layer = Scale()
    layer(Input(shape=(3,)))
    assert layer.w.name.startswith(layer.name + "/") and layer.count_params() == 3


def test_input_spec_takes_keras_fields_and_one_spec_per_input():
    from kerasque.layers import InputSpec

    class Pair(Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.input_spec = [InputSpec(max_ndim=2), InputSpec(shape=(None, 3))]

        def call(self, inputs):
            return inputs[0]

        def compute_output_shape(self, input_shape):
            return input_shape[0]

    layer = Pair(name="pair")
    assert layer([Input(shape=(3,)), Input(shape=(3,))]).shape == (None, 3)
    with pytest.raises(
        ValueError, match=r"'pair' \(Pair\) expects input with at most 2 dimensions"
    ):
        layer([Input(shape=(3, 2)), Input(shape=(3,))])
    with pytest.raises(
        ValueError,
        match=r"expects input with shape \(None, 3\), received input of shape \(None, 4\)",
    ):
        layer([Input(shape=(3,)), Input(shape=(4,))])
    with pytest.raises(ValueError, match=r"expects 2 inputs, received 1"):
        layer(Input(shape=(3,)))


def test_keras2_conditional_losses_and_updates_are_kept_per_inputs():
    # Keras 2.2.4's test_topology.py: add_loss/add_update with inputs= are conditional.
    a = Input(shape=(2,))
    layer = Dense(1)
    layer.add_loss(0, inputs=a)
    layer.add_loss(1, inputs=None)
    assert layer.get_losses_for(a) == [0]
    assert layer.get_losses_for(None) == [1]
    assert layer.losses == [1, 0]  # Keras 2's losses lists conditional terms too
    other = Dense(1)
    other.add_update(0, inputs=a)
    other.add_update(1, inputs=None)
    assert other.get_updates_for(a) == [0] and other.get_updates_for(None) == [1]


def test_a_loss_reading_a_placeholder_outside_call_is_conditional_on_it():
    x = pt.matrix("x")
    layer = Dense(1)
    term = pt.sum(x)
    layer.add_loss(term)
    assert layer.get_losses_for(x) == [term]
    assert layer.get_losses_for(None) == []
    assert layer.losses == [term]
