"""Deferred build: a Sequential without an input shape builds when it learns one."""

import numpy as np
import pytensor.tensor as pt
import pytest

from kerasque.layers import Dense, Dropout, Embedding, Input, InputLayer
from kerasque.models import Model, Sequential


def test_a_sequential_without_input_shape_is_not_built_and_says_how_to_build():
    model = Sequential([Dense(4), Dense(2)])
    assert not model.built and model.inputs == [] and model.outputs == []
    with pytest.raises(ValueError, match=r"is not built yet: .*model.build\(input_shape\)"):
        model.count_params()
    with pytest.raises(ValueError, match=r"is not built yet"):
        _ = model.output_shape
    assert len(model.layers) == 2


def test_the_build_hook_builds_from_the_first_data():
    model = Sequential([Dense(4), Dropout(0.5), Dense(2)])
    model._maybe_build_from_data(np.zeros((7, 5), "float32"))
    assert model.built and model.input_shape == (None, 5) and model.output_shape == (None, 2)
    assert model.count_params() == 5 * 4 + 4 + 4 * 2 + 2
    assert model.predict(np.ones((3, 5), "float32")).shape == (3, 2)


def test_the_build_hook_reads_a_list_holding_one_array_and_keeps_an_integer_first_layer():
    model = Sequential([Embedding(10, 3), Dense(1)])
    model._maybe_build_from_data([np.zeros((2, 6), "int64")])
    assert model.input_shape == (None, 6) and model.inputs[0].dtype == "int32"


def test_the_build_hook_does_nothing_on_a_built_model_or_a_functional_one():
    built = Sequential([Dense(2, input_shape=(3,))])
    built._maybe_build_from_data(np.zeros((1, 9)))
    assert built.input_shape == (None, 3)
    x = Input(shape=(3,))
    functional = Model(x, Dense(1)(x))
    functional._maybe_build_from_data(np.zeros((1, 9)))
    assert functional.input_shape == (None, 3)


def test_build_with_an_input_shape():
    model = Sequential([Dense(4), Dense(2)])
    model.build((None, 6))
    assert model.built and model.input_shape == (None, 6) and len(model.weights) == 4
    model.build((None, 6))  # building again for the same shape is a no-op
    with pytest.raises(
        ValueError, match=r"is built for input shape \(None, 6\), received \(None, 7\)"
    ):
        model.build((None, 7))


def test_build_without_a_shape_needs_one_from_the_first_layer():
    with pytest.raises(ValueError, match=r"build\(\) needs input_shape="):
        Sequential([Dense(4)]).build()
    model = Sequential([Dense(4, input_shape=(3,))])
    model.build()
    assert model.input_shape == (None, 3)


def test_build_checks_the_shape():
    with pytest.raises(TypeError, match=r"input_shape must hold positive integers"):
        Sequential([Dense(4)]).build((None, "6"))


def test_calling_an_unbuilt_sequential_on_a_tensor_builds_it():
    model = Sequential([Dense(4), Dense(2)])
    x = Input(shape=(5,))
    y = model(x)
    assert y.shape == (None, 2) and model.input_shape == (None, 5)
    outer = Model(x, y)
    assert outer.predict(np.ones((2, 5), "float32")).shape == (2, 2)


def test_calling_an_unbuilt_sequential_on_a_pytensor_variable_builds_it():
    model = Sequential([Dense(3)])
    out = model(pt.tensor("x", dtype="float32", shape=(None, 4)))
    assert out.type.shape == (None, 3) and model.input_shape == (None, 4)


def test_layers_added_after_a_deferred_build_join_the_graph():
    model = Sequential([Dense(4)])
    model.build((None, 2))
    model.add(Dense(1))
    assert model.output_shape == (None, 1)


def test_pop_removes_the_last_layer_and_its_node():
    model = Sequential([Dense(4, input_shape=(3,)), Dense(2), Dense(1)])
    second = model.layers[1]
    model.pop()
    assert model.output_shape == (None, 2) and len(model.layers) == 2
    assert model.output is second.output  # one node left: no ambiguity
    model.add(Dense(5))
    assert model.output_shape == (None, 5)
    model.pop()
    model.pop()
    model.pop()
    assert model.layers == [] and not model.built
    with pytest.raises(ValueError, match=r"has no layers"):
        model.pop()


def test_an_input_layer_can_start_a_sequential():
    model = Sequential([InputLayer(input_shape=(3,)), Dense(2)])
    assert model.input_shape == (None, 3) and len(model.layers) == 1
    model.pop()
    assert model.built and model.output_shape == (None, 3)  # the user's Input stays


def test_a_deferred_model_saves_its_built_shape_in_the_config():
    model = Sequential([Dense(4), Dense(2)])
    model.build((None, 3))
    clone = Sequential.from_config(model.get_config())
    assert clone.input_shape == (None, 3) and clone.output_shape == (None, 2)


def test_fit_builds_a_sequential_from_its_first_data():
    """Relies on the engine calling ``_maybe_build_from_data`` in compile/fit (engine branch)."""
    model = Sequential([Dense(8, activation="relu"), Dense(1)])
    model.compile("sgd", "mse")
    x = np.random.rand(16, 3).astype("float32")
    model.fit(x, x.sum(1, keepdims=True), epochs=1, verbose=0)
    assert model.input_shape == (None, 3)
    assert model.predict(x).shape == (16, 1)
