"""SimpleRNN: PyTorch's nn.RNN(nonlinearity='tanh') under the weight map, and the reference."""

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
from kerasque.layers import Input, SimpleRNN
from kerasque.models import Model

B, T, D, U = 3, 5, 4, 3


def torch_rnn(x, kernel, rec, bias):
    net = torch.nn.RNN(
        kernel.shape[0], rec.shape[0], nonlinearity="tanh", batch_first=True, dtype=torch.float64
    )
    with torch.no_grad():
        net.weight_ih_l0.copy_(torch.from_numpy(kernel.T.copy()))
        net.weight_hh_l0.copy_(torch.from_numpy(rec.T.copy()))
        net.bias_ih_l0.copy_(torch.from_numpy(bias))
        net.bias_hh_l0.zero_()
        out, h = net(torch.from_numpy(np.ascontiguousarray(x)))
    return out.numpy(), h[0].numpy()


@pytest.fixture(scope="module")
def forward():
    K.set_floatx("float64")
    try:
        x_in = Input(shape=(T, D))
        layers = {
            "fwd": SimpleRNN(U, return_sequences=True, return_state=True),
            "bwd": SimpleRNN(U, go_backwards=True, return_sequences=True),
            "relu": SimpleRNN(U, activation="relu", use_bias=False),
        }
        outs = [*layers["fwd"](x_in), layers["bwd"](x_in), layers["relu"](x_in)]
        model = Model(x_in, outs)
        rng = np.random.default_rng(1)
        for layer in layers.values():
            layer.set_weights([rng.normal(0, 0.5, w.shape) for w in layer.get_weights()])
        x = rng.normal(size=(B, T, D))
        results = model.predict(x)
    finally:
        K.set_floatx("float32")
    return layers, x, dict(zip(["fwd", "fwd_h", "bwd", "relu"], results))


def test_simple_rnn_equals_pytorch_rnn(forward):
    layers, x, out = forward
    seq, h = torch_rnn(x, *layers["fwd"].get_weights())
    np.testing.assert_allclose(out["fwd"], seq, atol=1e-8)
    np.testing.assert_allclose(out["fwd_h"], h, atol=1e-8)


def test_simple_rnn_go_backwards_equals_pytorch_on_the_reversed_sequence(forward):
    layers, x, out = forward
    seq, _ = torch_rnn(x[:, ::-1], *layers["bwd"].get_weights())
    np.testing.assert_allclose(out["bwd"], seq, atol=1e-8)


def test_simple_rnn_matches_the_numpy_reference(forward):
    layers, x, out = forward
    seq, _ = reference.run("simple", x, layers["fwd"].get_weights())
    np.testing.assert_allclose(out["fwd"], seq, atol=1e-10)
    kernel, rec = layers["relu"].get_weights()
    h = np.zeros((B, U))
    for t in range(T):
        h = np.maximum(x[:, t] @ kernel + h @ rec, 0)
    np.testing.assert_allclose(out["relu"], h, atol=1e-10)


def test_simple_rnn_weights_and_config_follow_keras():
    layer = SimpleRNN(4, name="s", dropout=0.1)
    layer.build((None, 3, 2))
    assert [w.shape for w in layer.get_weights()] == [(2, 4), (4, 4), (4,)]
    config = layer.get_config()
    assert "recurrent_activation" not in config and config["dropout"] == 0.1
    assert SimpleRNN.from_config(config).get_config() == config


def test_simple_rnn_gradients_match_finite_differences():
    K.set_floatx("float64")
    x = pt.tensor("x", shape=(2, 3, 2))
    layer = SimpleRNN(2, return_sequences=True)
    out = layer(x, training=False)
    rng = np.random.default_rng(2)
    layer.set_weights([rng.normal(0, 0.5, w.shape) for w in layer.get_weights()])

    def fun(xv, *ws):
        return clone_replace(out, {x: xv, **dict(zip(layer.weights, ws))})

    values = [rng.normal(size=(2, 3, 2))] + [w.get_value() for w in layer.weights]
    verify_grad(fun, values, rng=rng, mode=pytensor_mode(), abs_tol=1e-6, rel_tol=1e-6)
