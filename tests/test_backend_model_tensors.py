"""Backend functions on a model's symbolic tensors (Keras 3's ops on KerasTensors)."""

import numpy as np
import pytensor.tensor as pt
import pytest

from kerasque import backend as K
from kerasque.engine.symbolic import SymbolicTensor
from kerasque.layers import Dense, Input
from kerasque.layers.backend_op import BackendOp
from kerasque.models import Model, load_model


def test_functions_on_model_tensors_give_model_tensors_with_static_shapes():
    x = Input(shape=(3, 4))
    total = K.sum(x, axis=1)
    both = K.concatenate([x, K.reverse(x, 1)], axis=-1)
    assert isinstance(total, SymbolicTensor) and total.shape == (None, 4)
    assert both.shape == (None, 3, 8)
    v = np.random.default_rng(0).random((2, 3, 4)).astype("float32")
    got_total, got_both = K.function([x], [total, both])([v])
    np.testing.assert_allclose(got_total, v.sum(axis=1), rtol=1e-6)
    np.testing.assert_allclose(got_both, np.concatenate([v, v[:, ::-1]], axis=-1))


def test_pytensor_arguments_still_build_pytensor_graph():
    out = K.sum(pt.matrix("m"), axis=0)
    assert not isinstance(out, SymbolicTensor) and out.ndim == 1
    np.testing.assert_allclose(K.eval(K.mean(K.variable(np.arange(4.0)))), 1.5)


def test_a_model_with_backend_ops_trains_saves_and_loads(tmp_path):
    x = Input(shape=(3, 4))
    y = Dense(2)(K.mean(K.concatenate([x, K.reverse(x, 1)]), axis=1))
    model = Model(x, y)
    model.compile("sgd", "mse")
    data = np.random.default_rng(1).random((8, 3, 4)).astype("float32")
    model.fit(data, np.ones((8, 2), "float32"), epochs=2, verbose=0)
    path = tmp_path / "ops.h5"
    model.save(path)
    loaded = load_model(path)
    ops = [layer for layer in loaded.layers if isinstance(layer, BackendOp)]
    assert sorted(layer.op for layer in ops) == ["concatenate", "mean", "reverse"]
    np.testing.assert_allclose(loaded.predict(data, verbose=0), model.predict(data, verbose=0))


def test_an_argument_that_is_not_a_plain_value_builds_but_refuses_to_save(tmp_path):
    x = Input(shape=(4,))
    weights = K.variable(np.eye(4, 2, dtype="float32"))
    model = Model(x, K.dot(x, weights))
    v = np.arange(8, dtype="float32").reshape(2, 4)
    np.testing.assert_allclose(model.predict(v, verbose=0), v @ np.eye(4, 2))
    with pytest.raises(TypeError, match="cannot be saved"):
        model.save(tmp_path / "dot.h5")


@pytest.mark.parametrize("op", ["eval", "__import__", "function", 3])
def test_a_saved_op_is_looked_up_among_the_backend_tensor_functions_only(op):
    with pytest.raises(ValueError, match="not a kerasque backend function"):
        BackendOp.from_config({"op": op, "args": [{"__model_tensor__": 0}], "kwargs": {}})


@pytest.mark.parametrize("slots", [[1], [0, 0], ["0"], [0, 2]])
def test_saved_slots_must_number_the_inputs_once_each(slots):
    args = [{"__model_tensor__": i} for i in slots]
    with pytest.raises(ValueError, match="slots"):
        BackendOp.from_config({"op": "concatenate", "args": [args], "kwargs": {}})
