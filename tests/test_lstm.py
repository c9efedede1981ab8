"""LSTM: PyTorch's nn.LSTM under the weight map, the NumPy reference, Keras's arguments.

Numbers in float64: one compiled model holds every variant; PyTorch's
``nn.LSTM`` (CPU) gets ``weight_ih = kernel.T``, ``weight_hh =
recurrent_kernel.T``, ``bias_ih = bias`` and ``bias_hh = 0``.
"""

from __future__ import annotations

import numpy as np
import pytensor.tensor as pt
import pytest
import rnn_reference as reference
import torch
from pytensor.gradient import verify_grad
from pytensor.graph.replace import clone_replace

from kerasque import backend as K
from kerasque.engine.modes import pytensor_mode
from kerasque.layers import LSTM, Dense, Embedding, Input
from kerasque.models import Model, Sequential

B, T, D, U, V = 3, 6, 4, 5, 7


def torch_lstm(x, kernel, rec, bias, initial=None):
    """PyTorch's nn.LSTM with Keras's weights: (outputs, h_n, c_n) as NumPy."""
    net = torch.nn.LSTM(kernel.shape[0], rec.shape[0], batch_first=True, dtype=torch.float64)
    with torch.no_grad():
        net.weight_ih_l0.copy_(torch.from_numpy(kernel.T.copy()))
        net.weight_hh_l0.copy_(torch.from_numpy(rec.T.copy()))
        net.bias_ih_l0.copy_(torch.from_numpy(bias))
        net.bias_hh_l0.zero_()
        args = () if initial is None else (tuple(torch.from_numpy(s)[None] for s in initial),)
        out, (h, c) = net(torch.from_numpy(np.ascontiguousarray(x)), *args)
    return out.numpy(), h[0].numpy(), c[0].numpy()


@pytest.fixture(scope="module")
def forward():
    """One float64 model holding every LSTM variant, compiled once."""
    K.set_floatx("float64")
    try:
        x_in = Input(shape=(T, D))
        h_in, c_in = Input(shape=(U,)), Input(shape=(U,))
        ids_in = Input(shape=(T,), dtype="int32")
        emb = Embedding(V, D, mask_zero=True)
        layers = {
            "fwd": LSTM(U, return_sequences=True, return_state=True),
            "bwd": LSTM(U, go_backwards=True, return_sequences=True, return_state=True),
            "init": LSTM(U, return_state=True),
            "masked": LSTM(U, return_sequences=True),
            "unrolled": LSTM(U, return_sequences=True, unroll=True),
        }
        outs = [
            *layers["fwd"](x_in),
            *layers["bwd"](x_in),
            *layers["init"](x_in, initial_state=[h_in, c_in]),
            layers["masked"](emb(ids_in)),
            layers["unrolled"](x_in),
        ]
        model = Model([x_in, h_in, c_in, ids_in], outs)
        rng = np.random.default_rng(0)
        for layer in [emb, *layers.values()]:
            layer.set_weights([rng.normal(0, 0.5, w.shape) for w in layer.get_weights()])
        x = rng.normal(size=(B, T, D))
        h0, c0 = rng.normal(size=(B, U)), rng.normal(size=(B, U))
        ids = rng.integers(1, V, size=(B, T))
        ids[0, 4:] = 0
        ids[1, :2] = 0
        results = model.predict([x, h0, c0, ids])
        embedded = emb.get_weights()[0][ids]
    finally:
        K.set_floatx("float32")
    names = [
        "fwd",
        "fwd_h",
        "fwd_c",
        "bwd",
        "bwd_h",
        "bwd_c",
        "init",
        "init_h",
        "init_c",
        "masked",
        "unrolled",
    ]
    return {
        "layers": layers,
        "x": x,
        "h0": h0,
        "c0": c0,
        "ids": ids,
        "embedded": embedded,
        "out": dict(zip(names, results)),
    }


def test_lstm_equals_pytorch_lstm(forward):
    out = forward["out"]
    seq, h, c = torch_lstm(forward["x"], *forward["layers"]["fwd"].get_weights())
    np.testing.assert_allclose(out["fwd"], seq, atol=1e-8)
    np.testing.assert_allclose(out["fwd_h"], h, atol=1e-8)
    np.testing.assert_allclose(out["fwd_c"], c, atol=1e-8)


def test_lstm_go_backwards_equals_pytorch_on_the_reversed_sequence(forward):
    out = forward["out"]
    seq, h, c = torch_lstm(forward["x"][:, ::-1], *forward["layers"]["bwd"].get_weights())
    np.testing.assert_allclose(out["bwd"], seq, atol=1e-8)
    np.testing.assert_allclose(out["bwd_h"], h, atol=1e-8)
    np.testing.assert_allclose(out["bwd_c"], c, atol=1e-8)


def test_lstm_starts_from_initial_states_given_as_model_inputs(forward):
    out = forward["out"]
    seq, h, c = torch_lstm(
        forward["x"],
        *forward["layers"]["init"].get_weights(),
        initial=(forward["h0"], forward["c0"]),
    )
    np.testing.assert_allclose(out["init"], seq[:, -1], atol=1e-8)
    np.testing.assert_allclose(out["init_c"], c, atol=1e-8)


def test_lstm_matches_the_numpy_reference_with_padded_steps(forward):
    mask = (forward["ids"] != 0).astype(float)
    weights = forward["layers"]["masked"].get_weights()
    seq, _ = reference.run("lstm", forward["embedded"], weights, mask=mask)
    got = forward["out"]["masked"]
    np.testing.assert_allclose(got, seq, atol=1e-10)
    np.testing.assert_array_equal(got[0, 4:], np.repeat(got[0, 3:4], 2, axis=0))
    np.testing.assert_array_equal(got[1, :2], np.zeros((2, U)))


def test_unrolled_lstm_equals_the_reference(forward):
    seq, _ = reference.run("lstm", forward["x"], forward["layers"]["unrolled"].get_weights())
    np.testing.assert_allclose(forward["out"]["unrolled"], seq, atol=1e-10)


def test_lstm_weights_follow_keras_layout_and_unit_forget_bias():
    layer = LSTM(5, name="enc")
    layer.build((None, 7, 4))
    kernel, rec, bias = layer.get_weights()
    assert (kernel.shape, rec.shape, bias.shape) == ((4, 20), (5, 20), (20,))
    assert [w.name for w in layer.weights] == ["enc/kernel", "enc/recurrent_kernel", "enc/bias"]
    np.testing.assert_array_equal(bias, np.r_[np.zeros(5), np.ones(5), np.zeros(10)])
    plain = LSTM(5, unit_forget_bias=False)
    plain.build((None, 7, 4))
    np.testing.assert_array_equal(plain.get_weights()[2], np.zeros(20))


def test_lstm_gradients_match_finite_differences():
    K.set_floatx("float64")
    x = pt.tensor("x", shape=(2, 3, 2))
    layers = [LSTM(2, return_sequences=True), LSTM(2, go_backwards=True, return_state=True)]
    outs = [layers[0](x, training=False), *layers[1](x, training=False)[1:]]
    rng = np.random.default_rng(3)
    for layer in layers:
        layer.set_weights([rng.normal(0, 0.5, w.shape) for w in layer.get_weights()])
    weights = [w for layer in layers for w in layer.weights]

    def fun(xv, *ws):
        out = pt.concatenate([outs[0].sum(axis=1), outs[1], outs[2]], axis=-1)
        return clone_replace(out, {x: xv, **dict(zip(weights, ws))})

    values = [rng.normal(size=(2, 3, 2))] + [w.get_value() for w in weights]
    verify_grad(fun, values, rng=rng, mode=pytensor_mode(), abs_tol=1e-6, rel_tol=1e-6)


def test_lstm_takes_keras_2_arguments():
    weights = [np.full((3, 8), 0.1), np.full((2, 8), 0.2), np.zeros(8)]
    layer = LSTM(
        2,
        implementation=1,
        input_dim=3,
        input_length=4,
        weights=weights,
        recurrent_activation="hard_sigmoid",
        kernel_constraint="max_norm",
        bias_regularizer="l2",
        activity_regularizer="l2",
    )
    model = Sequential([layer, Dense(1)])
    assert model.outputs[0].shape == (None, 1)
    np.testing.assert_allclose(layer.get_weights()[1], weights[1], rtol=1e-7)
    config = layer.get_config()
    assert config["implementation"] == 1 and config["unit_forget_bias"] is True
    assert LSTM.from_config(config).get_config() == config
    model.compile("sgd", "mse")
    assert np.isfinite(model.train_on_batch(np.ones((2, 4, 3)), np.ones((2, 1))))


def test_lstm_rejects_bad_arguments_naming_the_layer():
    with pytest.raises(ValueError, match=r"LSTM 'l': units must be a positive integer"):
        LSTM(0, name="l")
    with pytest.raises(
        ValueError,
        match=r"LSTM 'l': recurrent_dropout must be a number in "
        r"\[0, 1\), received 1.5",
    ):
        LSTM(3, recurrent_dropout=1.5, name="l")
    with pytest.raises(ValueError, match=r"LSTM 'l': implementation must be 1 or 2"):
        LSTM(3, implementation=3, name="l")
    with pytest.raises(
        TypeError,
        match="unexpected keyword argument 'unit_forget_biass'. Did you mean 'unit_forget_bias'",
    ):
        LSTM(3, unit_forget_biass=True)
