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


def test_arithmetic_on_model_tensors_makes_nodes_in_the_tensors_dtype(tmp_path):
    x = Input(shape=(5,))
    out = Dense(5, activation="sigmoid")(x)
    expr = 2.0 - out * 3 / (out + 1) ** 2 - np.float32(1) * out + (-out)
    assert isinstance(expr, SymbolicTensor) and expr.dtype == "float32"
    model = Model(x, [out, expr])
    v = np.random.default_rng(2).random((3, 5)).astype("float32")
    o, got = model.predict(v, verbose=0)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, 2.0 - o * 3 / (o + 1) ** 2 - o - o, rtol=1e-5)
    model.save(tmp_path / "arith.h5")
    again = load_model(tmp_path / "arith.h5").predict(v, verbose=0)[1]
    np.testing.assert_allclose(again, got, rtol=1e-6)


def test_loss_functions_on_model_tensors_and_keras_2s_vae_loss():
    from kerasque.losses import binary_crossentropy, mse

    x = Input(shape=(6,))
    hidden = Dense(3)(x)
    z_mean, z_log_var = Dense(2)(hidden), Dense(2)(hidden)
    out = Dense(6, activation="sigmoid")(Dense(3)(z_mean))
    vae = Model(x, out)
    kl = -0.5 * K.sum(1 + z_log_var - K.square(z_mean) - K.exp(z_log_var), axis=-1)
    vae.add_loss(K.mean(6 * binary_crossentropy(x, out) + kl))
    vae.compile(optimizer="rmsprop")
    data = np.random.default_rng(4).random((16, 6)).astype("float32")
    history = vae.fit(data, epochs=4, batch_size=8, verbose=0, validation_data=(data, None))
    assert history.history["loss"][-1] < history.history["loss"][0]
    check = Model(x, [mse(x, out), z_mean, z_log_var])
    err, mean, log_var = check.predict(data, verbose=0)
    o = vae.predict(data, verbose=0)
    np.testing.assert_allclose(err, ((data - o) ** 2).mean(axis=-1), rtol=1e-5)
    bce = -np.mean(data * np.log(o) + (1 - data) * np.log(1 - o), axis=-1)
    kl_value = -0.5 * np.sum(1 + log_var - mean**2 - np.exp(log_var), axis=-1)
    np.testing.assert_allclose(
        vae.evaluate(data, None, verbose=0), np.mean(6 * bce + kl_value), rtol=1e-4
    )


def test_a_number_next_to_an_integer_model_tensor_keeps_its_own_type():
    ids = Input(shape=(3,), dtype="int64")
    half = ids * 0.5
    got = Model(ids, half).predict(np.array([[1, 2, 3]]), verbose=0)
    np.testing.assert_allclose(got, [[0.5, 1.0, 1.5]])
