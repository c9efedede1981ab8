"""to_json / model_from_json, to_yaml refused, clone_model."""

import json

import numpy as np
import pytest

from kerasque.layers import GRU, Add, Dense, Dropout, Embedding, Input, Layer
from kerasque.models import Model, Sequential, clone_model, model_from_json, model_from_yaml


def _functional():
    x = Input(shape=(4,), name="x")
    shared = Dense(4, name="shared")
    h = Add(name="add")([shared(x), shared(Dense(4, name="pre")(x))])
    return Model(x, Dense(2, activation="softmax", name="out")(Dropout(0.2)(h)), name="func")


def test_sequential_round_trips_through_json():
    model = Sequential(
        [Embedding(20, 4, input_length=5), GRU(3), Dense(1, activation="sigmoid")], name="seq"
    )
    text = model.to_json()
    assert json.loads(text)["class_name"] == "Sequential"
    clone = model_from_json(text)
    assert isinstance(clone, Sequential) and clone.name == "seq"
    assert [type(l).__name__ for l in clone.layers] == ["Embedding", "GRU", "Dense"]
    assert clone.output_shape == (None, 1) and clone.count_params() == model.count_params()


def test_functional_round_trips_through_json_with_a_shared_layer():
    model = _functional()
    clone = model_from_json(model.to_json(indent=2))
    assert clone.get_layer("shared") is not model.get_layer("shared")
    assert len(clone.get_layer("shared")._inbound_nodes) == 2
    clone.set_weights(model.get_weights())
    x = np.random.rand(3, 4).astype("float32")
    np.testing.assert_allclose(clone.predict(x), model.predict(x), rtol=1e-6)


def test_model_from_json_needs_custom_objects_for_user_layers():
    class Twice(Layer):
        def call(self, inputs):
            return 2 * inputs

    x = Input(shape=(2,))
    text = Model(x, Twice(name="tw")(x)).to_json()
    with pytest.raises(ValueError, match=r"Unknown layer class 'Twice'.*custom_objects"):
        model_from_json(text)
    clone = model_from_json(text, custom_objects={"Twice": Twice})
    assert isinstance(clone.get_layer("tw"), Twice)


def test_model_from_json_refuses_what_is_not_a_model_config():
    with pytest.raises(ValueError, match=r"not valid JSON"):
        model_from_json("{nope")
    with pytest.raises(ValueError, match=r"an object with 'class_name' and 'config'"):
        model_from_json("[1, 2]")
    with pytest.raises(TypeError, match=r"expects a JSON string, received dict"):
        model_from_json({"class_name": "Sequential"})
    with pytest.raises(ValueError, match=r"not UTF-8"):
        model_from_json(b"\xff\xfe")
    with pytest.raises(ValueError, match=r"Unknown layer class 'os.system'"):
        model_from_json('{"class_name": "os.system", "config": {}}')


def test_yaml_is_refused_with_a_pointer_to_json():
    model = Sequential([Dense(1, input_shape=(2,))])
    with pytest.raises(RuntimeError, match=r"to_yaml\(\) is not supported.*to_json"):
        model.to_yaml()
    with pytest.raises(RuntimeError, match=r"model_from_yaml is not supported"):
        model_from_yaml("class_name: Sequential")


def test_clone_model_has_the_same_architecture_and_fresh_weights():
    model = _functional()
    clone = clone_model(model)
    assert isinstance(clone, Model) and clone is not model
    assert [l.name for l in clone.layers] == [l.name for l in model.layers]
    assert all(a is not b for a, b in zip(clone.weights, model.weights))
    assert [w.shape for w in clone.get_weights()] == [w.shape for w in model.get_weights()]
    assert not np.allclose(clone.get_weights()[0], model.get_weights()[0])
    assert len(clone.get_layer("shared")._inbound_nodes) == 2  # still shared


def test_clone_model_of_a_sequential_and_of_a_deferred_one():
    model = Sequential([Dense(3, input_shape=(4,)), Dropout(0.5), Dense(1)])
    clone = clone_model(model)
    assert isinstance(clone, Sequential) and clone.output_shape == (None, 1)
    later = Sequential([Dense(3), Dense(1)])
    later.build((None, 6))
    assert clone_model(later).input_shape == (None, 6)


def test_clone_model_onto_given_input_tensors_and_with_a_clone_function():
    model = Sequential([Dense(3, input_shape=(4,)), Dense(1)])
    x = Input(shape=(4,))
    renamed = clone_model(
        model,
        input_tensors=x,
        clone_function=lambda l: type(l).from_config({**l.get_config(), "name": l.name + "_c"}),
    )
    assert renamed.inputs[0] is x
    assert [l.name for l in renamed.layers] == [l.name + "_c" for l in model.layers]
    with pytest.raises(ValueError, match=r"has 1 input\(s\), received 2 input tensors"):
        clone_model(model, input_tensors=[x, Input(shape=(4,))])
    with pytest.raises(TypeError, match=r"input_tensors must be tensors from Input"):
        clone_model(model, input_tensors=Dense(4)(x))
    with pytest.raises(TypeError, match=r"clone_model expects a Model or Sequential"):
        clone_model(Dense(2))


def test_clone_model_can_be_trained_on_its_own():
    model = Sequential([Dense(2, input_shape=(3,))])
    before = model.get_weights()
    clone = clone_model(model)
    clone.compile("sgd", "mse")
    clone.fit(np.ones((4, 3), "float32"), np.zeros((4, 2), "float32"), epochs=2, verbose=0)
    for a, b in zip(model.get_weights(), before):
        np.testing.assert_array_equal(a, b)
