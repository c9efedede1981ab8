"""Lambda: shapes, arguments, masks, and saving that never runs code from a file by default."""

import codecs
import json
import marshal

import numpy as np
import pytensor.tensor as pt
import pytest

from kerasque.layers import Embedding, Input, Lambda
from kerasque.models import Model, Sequential, load_model
from kerasque.utils.safe_mode import safe_mode_scope

CALLS = []


def scaled_sum(x, factor=1.0):
    """A named function: loads from custom_objects by its name."""
    return factor * pt.sum(x, axis=-1, keepdims=True)


def recording(x):
    CALLS.append("ran")
    return x


def _model(layer, shape=(3,), dtype=None):
    inp = Input(shape=shape, dtype=dtype)
    return Model(inp, layer(inp))


X = np.arange(12, dtype="float32").reshape(4, 3)


def test_the_output_shape_is_worked_out_from_the_function():
    out = Lambda(lambda x: x[:, :2] * 2)(Input(shape=(5, 4)))
    assert out.shape == (None, 2, 4)
    assert Lambda(lambda x: pt.cast(x, "int32"))(Input(shape=(3,))).dtype == "int32"


def test_an_explicit_output_shape_excludes_the_batch_axis_and_a_function_gets_the_full_shape():
    assert Lambda(lambda x: x, output_shape=(3,))(Input(shape=(3,))).shape == (None, 3)
    assert Lambda(lambda x: x[:, :1], output_shape=lambda s: (s[0], 1))(
        Input(shape=(3,))
    ).shape == (None, 1)
    with pytest.raises(TypeError, match=r"output_shape must be a tuple of positive ints"):
        Lambda(lambda x: x, output_shape=(0.5,))


def test_arguments_are_passed_to_the_function():
    model = _model(Lambda(scaled_sum, arguments={"factor": 3.0}))
    np.testing.assert_allclose(model.predict(X), 3 * X.sum(1, keepdims=True))


def test_a_function_of_several_inputs_takes_a_list():
    a, b = Input(shape=(3,)), Input(shape=(3,))
    out = Lambda(lambda xs: xs[0] - xs[1])([a, b])
    np.testing.assert_allclose(Model([a, b], out).predict([X, 2 * X]), -X)


def test_the_function_receives_the_mask_and_the_mask_argument_sets_the_output_mask():
    ids = np.array([[1, 2, 0], [3, 0, 0]])
    inp = Input(shape=(3,), dtype="int32")
    emb = Embedding(5, 2, mask_zero=True)
    counted = Lambda(
        lambda x, mask: pt.sum(pt.cast(mask, x.dtype), axis=1, keepdims=True) + 0 * x[:, 0, :1],
        output_shape=(1,),
    )(emb(inp))
    np.testing.assert_allclose(Model(inp, counted).predict(ids), [[2], [1]])
    passes = Lambda(lambda x: x, mask=lambda inputs, mask: mask)
    x = pt.tensor3("x")
    m = pt.matrix("m", dtype="bool")
    assert passes.compute_mask(x, m) is m
    assert Lambda(lambda x: x).compute_mask(x, m) is None  # Keras's default: no mask on


def test_the_function_receives_the_training_flag():
    layer = Lambda(lambda x, training=None: x * (2.0 if training is True else 1.0))
    np.testing.assert_allclose(_model(layer).predict(X), X)


def test_a_failing_function_names_the_layer_and_asks_for_output_shape():
    with pytest.raises(
        ValueError,
        match=r"Layer 'bad' \(Lambda\) could not work out its output shape .* ZeroDivisionError",
    ):
        Lambda(lambda x: 1 / 0, name="bad")(Input(shape=(3,)))


def test_function_must_be_callable():
    with pytest.raises(TypeError, match=r"Lambda .*: function must be a callable .* received 3"):
        Lambda(3)
    with pytest.raises(TypeError, match=r"arguments must be a dict"):
        Lambda(scaled_sum, arguments=[1])


# -- saving -------------------------------------------------------------------------
def test_the_config_stores_the_name_and_the_bytecode():
    config = json.loads(json.dumps(Lambda(scaled_sum).get_config()))
    fn = config["function"]
    assert fn["class_name"] == "function" and fn["config"] == "scaled_sum"
    assert fn["module"] == scaled_sum.__module__
    code = marshal.loads(codecs.decode(fn["bytecode"]["code"].encode("ascii"), "base64"))
    assert code.co_name == "scaled_sum"
    anonymous = Lambda(lambda x: x).get_config()["function"]
    assert anonymous["class_name"] == "__lambda__" and "code" in anonymous["config"]


def test_a_named_function_loads_from_custom_objects(tmp_path):
    model = _model(Lambda(scaled_sum, arguments={"factor": 2.0}))
    model.save(tmp_path / "m.h5")
    loaded = load_model(tmp_path / "m.h5", custom_objects={"scaled_sum": scaled_sum})
    np.testing.assert_allclose(loaded.predict(X), model.predict(X))
    assert loaded.get_config() == model.get_config()


def test_loading_refuses_to_rebuild_a_function_that_is_not_in_custom_objects(tmp_path):
    model = _model(Lambda(recording, name="rec"))
    model.save(tmp_path / "m.h5")
    CALLS.clear()
    with pytest.raises(
        ValueError,
        match=r"Lambda 'rec': its function 'recording' is not among the custom objects. "
        r"Pass custom_objects=\{'recording': recording\} .* or load with safe_mode=False",
    ):
        load_model(tmp_path / "m.h5")
    assert CALLS == []


def test_loading_refuses_a_python_lambda_in_safe_mode(tmp_path):
    model = _model(Lambda(lambda x: x + 1, name="anon"))
    model.save(tmp_path / "m.h5")
    with pytest.raises(
        ValueError,
        match=r"Lambda 'anon': its function '<lambda>' is stored as Python bytecode, "
        r"and rebuilding it would run code from the file",
    ):
        load_model(tmp_path / "m.h5")


def test_with_safe_mode_off_the_function_is_rebuilt_from_the_bytecode(tmp_path):
    offset = 5.0
    model = _model(Lambda(lambda x: x * 2 + offset))
    named = _model(Lambda(scaled_sum, arguments={"factor": 0.5}))
    model.save(tmp_path / "anon.h5")
    named.save(tmp_path / "named.h5")
    with safe_mode_scope(False):
        anon = load_model(tmp_path / "anon.h5")
        again = load_model(tmp_path / "named.h5")
    np.testing.assert_allclose(anon.predict(X), X * 2 + 5)
    np.testing.assert_allclose(again.predict(X), named.predict(X))
    assert anon.get_config() == model.get_config()


def test_a_keras_2_lambda_config_is_read_and_kept_safe():
    code = codecs.encode(marshal.dumps((lambda x: x * 3).__code__), "base64").decode("ascii")
    keras2 = {
        "name": "lambda_k2",
        "trainable": True,
        "function": [code, None, None],
        "function_type": "lambda",
        "module": __name__,
        "output_shape": None,
        "output_shape_type": "raw",
        "arguments": {},
    }
    with pytest.raises(ValueError, match=r"stored as Python bytecode"):
        Lambda.from_config(dict(keras2))
    with safe_mode_scope(False):
        layer = Lambda.from_config(dict(keras2))
    np.testing.assert_allclose(_model(layer).predict(X), 3 * X)
    named = {
        "name": "lambda_k2n",
        "function": "scaled_sum",
        "function_type": "function",
        "module": __name__,
        "arguments": {"factor": 1.0},
    }
    from kerasque.saving.serialization import custom_object_scope

    with custom_object_scope({"scaled_sum": scaled_sum}):
        assert Lambda.from_config(named).function is scaled_sum


def test_a_lambda_in_a_sequential_round_trips_with_custom_objects(tmp_path):
    model = Sequential([Input(shape=(3,)), Lambda(scaled_sum)])
    model.save(tmp_path / "s.h5")
    loaded = load_model(tmp_path / "s.h5", custom_objects={"scaled_sum": scaled_sum})
    np.testing.assert_allclose(loaded.predict(X), model.predict(X))
