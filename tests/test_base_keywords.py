"""Keras's base keywords on every layer, and the errors for bad ones (issues 9 and 10)."""

import numpy as np
import pytest

from kerasque import regularizers
from kerasque.engine import context
from kerasque.engine.base_keywords import physical_memory_bytes
from kerasque.layers import GRU, Dense, Dropout, Embedding, Input
from kerasque.models import Model, Sequential


def test_input_dim_gives_a_dense_layer_its_input_shape():
    layer = Dense(32, input_dim=16)
    assert layer.batch_input_shape == (None, 16)
    model = Sequential([layer])
    assert model.input_shape == (None, 16)
    assert model.predict(np.ones((2, 16), "float32")).shape == (2, 32)


def test_recurrent_layers_take_input_length_and_input_dim():
    assert GRU(3, input_length=5, input_dim=2).batch_input_shape == (None, 5, 2)
    assert GRU(3, input_dim=2).batch_input_shape == (None, None, 2)


def test_embedding_takes_input_length():
    assert Embedding(10, 3, input_length=4).batch_input_shape == (None, 4)


def test_input_dim_that_contradicts_input_shape_is_a_value_error():
    with pytest.raises(ValueError, match=r"input_dim=16 contradicts the input shape \(8,\)"):
        Dense(32, input_dim=16, input_shape=(8,))


def test_input_dim_that_agrees_with_input_shape_is_accepted():
    assert Dense(3, input_dim=4, input_shape=(4,)).batch_input_shape == (None, 4)


def test_batch_size_and_batch_input_shape_set_the_batch_axis():
    assert Dense(3, input_shape=(4,), batch_size=8).batch_input_shape == (8, 4)
    assert Dense(3, batch_input_shape=(8, 4)).batch_input_shape == (8, 4)
    with pytest.raises(ValueError, match=r"input_shape=\(5,\) contradicts batch_input_shape"):
        Dense(3, input_shape=(5,), batch_input_shape=(None, 4))
    with pytest.raises(ValueError, match=r"batch_size=8 needs an input shape"):
        Dense(3, batch_size=8)


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"input_shape": (3.7,)}, TypeError, r"input_shape must hold positive integers.*3\.7"),
        ({"input_shape": (-2,)}, ValueError, r"input_shape must hold positive integers.*-2"),
        ({"input_shape": "10"}, TypeError, r"input_shape must be a tuple.*'10'"),
        ({"input_shape": {"a": 1}}, TypeError, r"input_shape must be a tuple"),
        ({"batch_input_shape": (None, "4")}, TypeError, r"batch_input_shape must hold positive"),
        ({"input_dim": 0}, ValueError, r"input_dim must be a positive integer, received 0"),
        ({"input_dim": 2.5}, TypeError, r"input_dim must be a positive integer, received 2\.5"),
        ({"batch_size": -1, "input_shape": (2,)}, ValueError, r"batch_size must be a positive"),
    ],
)
def test_bad_shapes_and_sizes_name_the_argument(kwargs, error, words):
    with pytest.raises(error, match=words):
        Dense(3, **kwargs)


def test_negative_input_length_is_a_value_error_naming_it():
    from kerasque.layers import Layer

    class Steps(Layer):  # a sequence layer that leaves the base keywords to the base class
        def __init__(self, return_sequences=False, **kwargs):
            super().__init__(**kwargs)

    with pytest.raises(ValueError, match=r"input_length must be a positive integer, received -5"):
        Steps(input_length=-5, input_dim=2)
    assert Steps(input_length=5, input_dim=2).batch_input_shape == (None, 5, 2)
    with pytest.raises(ValueError, match=r"-5"):
        GRU(3, input_length=-5, input_dim=2)


def test_input_shape_of_input_is_validated_too():
    with pytest.raises(TypeError, match=r"Input: shape must hold positive integers"):
        Input(shape=(3.5,))
    with pytest.raises(TypeError, match=r"shape must be a tuple"):
        Input(shape="12")


def test_unknown_dtype_name_is_a_value_error():
    with pytest.raises(ValueError, match=r"unknown dtype 'floaty32'"):
        Dense(3, dtype="floaty32")
    with pytest.raises(TypeError, match=r"dtype must be a dtype name"):
        Dense(3, dtype={"name": "float32"})


def test_integer_dtype_is_refused_for_a_layer_with_trainable_weights():
    layer = Dense(3, dtype="int32")
    with pytest.raises(
        ValueError, match=r"weight 'kernel' is trainable, so it needs a float dtype"
    ):
        layer(Input(shape=(4,)))


def test_name_and_trainable_are_checked():
    with pytest.raises(TypeError, match=r"name must be a non-empty string, received \{"):
        Dense(3, name={"x": 1})
    with pytest.raises(TypeError, match=r"trainable must be True or False, received 'yes'"):
        Dense(3, trainable="yes")
    layer = Dense(3, name="my_dense", trainable=False, input_shape=(2,))
    Sequential([layer])
    assert layer.name == "my_dense" and layer.trainable_weights == []
    assert len(layer.non_trainable_weights) == 2


def test_weights_keyword_sets_initial_weights_after_build():
    w, b = np.arange(8, dtype="float32").reshape(4, 2), np.array([1.0, -1.0], "float32")
    layer = Dense(2, weights=[w, b], input_shape=(4,))
    model = Sequential([layer])
    np.testing.assert_array_equal(layer.get_weights()[0], w)
    x = np.ones((1, 4), "float32")
    np.testing.assert_allclose(model.predict(x), x @ w + b)


def test_weights_keyword_with_wrong_shapes_names_the_layer():
    layer = Dense(2, weights=[np.zeros((3, 2)), np.zeros(2)], name="dw")
    with pytest.raises(ValueError, match=r"Layer 'dw': weight 'dw/kernel' expects shape \(4, 2\)"):
        layer(Input(shape=(4,)))
    with pytest.raises(TypeError, match=r"weights must be a list of arrays"):
        Dense(2, weights="kernel.npy")


def test_activity_regularizer_adds_a_loss_term_in_the_forward_pass():
    import pytensor
    import pytensor.tensor as pt

    layer = Dense(
        2,
        activity_regularizer=regularizers.l2(0.5),
        kernel_initializer="ones",
        bias_initializer="zeros",
    )
    x = pt.tensor("x", dtype="float32", shape=(None, 4))
    with context.forward_pass("t") as fp:
        y = layer(x)
        losses = fp.losses()
    assert len(losses) == 1
    f = pytensor.function([x], [y, losses[0]])
    out, penalty = f(np.ones((3, 4), "float32"))
    np.testing.assert_allclose(penalty, 0.5 * np.sum(out**2), rtol=1e-6)
    assert layer.losses == []  # input-conditional: not a layer-level (weight) loss


def test_activity_regularizer_round_trips_through_the_config():
    layer = Dense(2, activity_regularizer="l1")
    clone = Dense.from_config(layer.get_config())
    assert clone.activity_regularizer.l1 == layer.activity_regularizer.l1


def test_misspelled_base_keyword_suggests_the_keras_name():
    with pytest.raises(TypeError, match=r"'input_shap'. Did you mean 'input_shape'"):
        Dense(3, input_shap=(2,))
    with pytest.raises(TypeError, match=r"'output_dim'. Did you mean 'units'"):
        Dense(output_dim=3, units=3)
    with pytest.raises(TypeError, match=r"'p'. Did you mean 'rate'"):
        Dropout(rate=0.5, p=0.5)


def test_input_dim_is_accepted_and_never_hinted_as_input_dtype():
    # Keras 2.2.4 code passes input_dim to Dense; it once got "Did you mean 'input_dtype'?".
    Dense(3, input_dim=2)
    with pytest.raises(TypeError) as info:
        Dense(3, input_dims=2)
    assert "input_dtype" not in str(info.value)


def test_a_weight_larger_than_memory_is_refused_before_allocation():
    limit = physical_memory_bytes()
    assert limit is not None and limit > 0
    layer = Dense(2**31, name="huge")
    with pytest.raises(
        ValueError,
        match=r"Layer 'huge': weight 'kernel' of shape \(1024, 2147483648\)"
        r" \(float32\) needs 8,796,093,022,208 bytes",
    ):
        layer(Input(shape=(1024,)))


def test_a_huge_layer_from_a_config_is_refused_too():
    config = Dense(4, input_shape=(1024,)).get_config()
    config.update(units=2**40, name="from_config")
    with pytest.raises(ValueError, match=r"'from_config': weight 'kernel'.*more than this machine"):
        Sequential.from_config({"name": "s", "layers": [{"class_name": "Dense", "config": config}]})


def test_keras2_layer_arguments_in_a_functional_model():
    a = Input(shape=(3,))
    out = Dense(2, name="d", trainable=False)(a)
    model = Model(a, out)
    assert model.trainable_weights == [] and model.count_params() == 8


def test_unknown_input_dtype_is_refused_naming_it():
    with pytest.raises(ValueError, match=r"unknown dtype 'flaot32'"):
        Input(shape=(2,), dtype="flaot32")


def test_a_custom_layer_written_as_in_the_keras2_guide_works():
    import pytensor.tensor as pt

    from kerasque.layers import Layer

    class MyLayer(Layer):
        def __init__(self, output_dim, **kwargs):
            self.output_dim = output_dim  # set before the base __init__, as the guide does
            super().__init__(**kwargs)

        def build(self, input_shape):
            self.kernel = self.add_weight(
                name="kernel",
                shape=(input_shape[1], self.output_dim),
                initializer="uniform",
                trainable=True,
            )
            super().build(input_shape)

        def call(self, x):
            return pt.dot(x, self.kernel)

        def compute_output_shape(self, input_shape):
            return (input_shape[0], self.output_dim)

        def get_config(self):
            return {**super().get_config(), "output_dim": self.output_dim}

    layer = MyLayer(3, input_dim=2)
    layer.build((None, 2))
    assert layer.built and layer.count_params() == 6
    model = Sequential([MyLayer(4, input_shape=(2,)), Dense(1)])
    model.compile("sgd", "mse")
    model.train_on_batch(np.ones((2, 2), "float32"), np.zeros((2, 1), "float32"))
    assert model.output_shape == (None, 1)


def test_activity_regularizer_joins_the_training_loss():
    def loss_with(reg):
        layer = Dense(2, input_shape=(3,), kernel_initializer="ones", activity_regularizer=reg)
        model = Sequential([layer])
        model.compile("sgd", "mse")
        return model.evaluate(np.ones((4, 3), "float32"), np.zeros((4, 2), "float32"), verbose=0)

    plain, penalized = loss_with(None), loss_with(regularizers.l1(0.5))
    np.testing.assert_allclose(plain, 9.0, rtol=1e-6)  # outputs are all 3
    np.testing.assert_allclose(penalized - plain, 0.5 * 4 * 2 * 3, rtol=1e-5)
