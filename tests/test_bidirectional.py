"""Bidirectional: PyTorch's bidirectional GRU and LSTM under the weight map, merge modes, masks.

PyTorch's ``_reverse`` weights are the backward layer's; both libraries
reverse the backward outputs back into time order before concatenating.
"""

from __future__ import annotations

import numpy as np
import pytensor.tensor as pt
import pytest
import rnn_reference as reference
import torch

from kerasque import backend as K
from kerasque.layers import GRU, LSTM, Bidirectional, Dense, Input, SimpleRNN, ZoneOut
from kerasque.models import Model

B, T, D, U = 3, 5, 4, 3


def _torch_params(kind, weights):
    kernel, rec, bias = weights
    if kind == "gru":
        blocks = reference.to_torch_gru_blocks
        return blocks(kernel).T, blocks(rec).T, blocks(bias[0]), blocks(bias[1])
    return kernel.T, rec.T, bias, np.zeros_like(bias)


def torch_bidirectional(kind, x, forward_weights, backward_weights):
    """PyTorch's bidirectional nn.GRU / nn.LSTM: (outputs, final h of each direction)."""
    cls = torch.nn.GRU if kind == "gru" else torch.nn.LSTM
    net = cls(D, U, batch_first=True, bidirectional=True, dtype=torch.float64)
    with torch.no_grad():
        for suffix, weights in (("", forward_weights), ("_reverse", backward_weights)):
            names = ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"]
            for name, value in zip(names, _torch_params(kind, weights)):
                getattr(net, name + suffix).copy_(torch.from_numpy(np.ascontiguousarray(value)))
        out, state = net(torch.from_numpy(np.ascontiguousarray(x)))
    h = state[0] if kind == "lstm" else state
    return out.numpy(), h.numpy()


@pytest.fixture(scope="module")
def forward():
    K.set_floatx("float64")
    try:
        x_in = Input(shape=(T, D))
        layers = {
            "gru": Bidirectional(GRU(U, return_sequences=True)),
            "lstm": Bidirectional(LSTM(U, return_sequences=True, return_state=True)),
            "lstm_backwards": Bidirectional(LSTM(U, go_backwards=True, return_sequences=True)),
            "gru_backwards": Bidirectional(GRU(U, go_backwards=True, return_sequences=True)),
            "sum": Bidirectional(LSTM(U, return_sequences=True), merge_mode="sum"),
            "mul": Bidirectional(LSTM(U), merge_mode="mul"),
            "ave": Bidirectional(LSTM(U), merge_mode="ave"),
            "none": Bidirectional(LSTM(U, return_sequences=True), merge_mode=None),
        }
        outs = []
        for layer in layers.values():
            out = layer(x_in)
            outs += out if isinstance(out, list) else [out]
        model = Model(x_in, outs)
        rng = np.random.default_rng(4)
        for layer in layers.values():
            layer.set_weights([rng.normal(0, 0.5, w.shape) for w in layer.get_weights()])
        x = rng.normal(size=(B, T, D))
        results = model.predict(x)
    finally:
        K.set_floatx("float32")
    names = [
        "gru",
        "lstm",
        "lstm_fh",
        "lstm_fc",
        "lstm_bh",
        "lstm_bc",
        "lstm_backwards",
        "gru_backwards",
        "sum",
        "mul",
        "ave",
        "none_f",
        "none_b",
    ]
    return layers, x, dict(zip(names, results))


def expected(layers, x, key, kind):
    layer = layers[key]
    return torch_bidirectional(
        kind, x, layer.forward_layer.get_weights(), layer.backward_layer.get_weights()
    )


def test_bidirectional_gru_equals_pytorch(forward):
    layers, x, out = forward
    seq, _ = expected(layers, x, "gru", "gru")
    np.testing.assert_allclose(out["gru"], seq, atol=1e-8)


def test_bidirectional_lstm_equals_pytorch_with_its_states(forward):
    layers, x, out = forward
    seq, h = expected(layers, x, "lstm", "lstm")
    np.testing.assert_allclose(out["lstm"], seq, atol=1e-8)
    np.testing.assert_allclose(out["lstm_fh"], h[0], atol=1e-8)
    np.testing.assert_allclose(out["lstm_bh"], h[1], atol=1e-8)


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_bidirectional_of_a_go_backwards_layer_equals_pytorch_on_the_reversed_sequence(
    forward, kind
):
    layers, x, out = forward
    seq, _ = expected(layers, x[:, ::-1], f"{kind}_backwards", kind)
    np.testing.assert_allclose(out[f"{kind}_backwards"], seq, atol=1e-8)


def test_merge_modes_combine_the_two_directions(forward):
    layers, x, out = forward
    for mode in ("sum", "mul", "ave", "none"):
        seq, _ = expected(layers, x, mode, "lstm")
        f, b = seq[..., :U], seq[..., U:]
        last_f, first_b = f[:, -1], b[:, 0]  # each direction's final output
        if mode == "sum":
            np.testing.assert_allclose(out["sum"], f + b, atol=1e-8)
        elif mode == "mul":
            np.testing.assert_allclose(out["mul"], last_f * first_b, atol=1e-8)
        elif mode == "ave":
            np.testing.assert_allclose(out["ave"], (last_f + first_b) / 2, atol=1e-8)
        else:
            np.testing.assert_allclose(out["none_f"], f, atol=1e-8)
            np.testing.assert_allclose(out["none_b"], b, atol=1e-8)


def test_each_direction_draws_its_own_masks():
    K.set_floatx("float64")
    x = pt.tensor("x", shape=(8, T, D))
    layer = Bidirectional(ZoneOut(LSTM(U, dropout=0.5, seed=3, return_sequences=True), 0.3, seed=4))
    out = layer(x, training=True)
    draws = reference.draws_of(out)
    fn = K.function([x], draws)
    values = fn(np.ones((8, T, D)))
    by_shape: dict = {}
    for v in values:
        by_shape.setdefault(v.shape, []).append(v)
    # Per direction: one input mask, and ZoneOut's masks of h and c (one draw).
    assert {k: len(v) for k, v in by_shape.items()} == {(8, D): 2, (T, 8, 2 * U): 2}
    for group in by_shape.values():
        assert len({v.tobytes() for v in group}) == len(group)
    assert len(layer.rngs) == 4 and len({id(r) for r in layer.rngs}) == 4


def test_bidirectional_takes_initial_states_forward_then_backward():
    K.set_floatx("float64")
    x_in = Input(shape=(T, D))
    states_in = [Input(shape=(U,)) for _ in range(4)]
    layer = Bidirectional(LSTM(U, return_state=True), merge_mode=None)
    outs = layer(x_in, initial_state=states_in)
    assert len(outs) == 6
    model = Model([x_in, *states_in], outs)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(B, T, D))
    states = [rng.normal(size=(B, U)) for _ in range(4)]
    got = model.predict([x, *states])
    _, (h_f, _) = reference.run("lstm", x, layer.forward_layer.get_weights(), initial=states[:2])
    _, (h_b, _) = reference.run(
        "lstm", x, layer.backward_layer.get_weights(), initial=states[2:], backwards=True
    )
    np.testing.assert_allclose(got[0], h_f, atol=1e-10)
    np.testing.assert_allclose(got[1], h_b, atol=1e-10)


def test_bidirectional_config_round_trips_with_a_given_backward_layer():
    layer = Bidirectional(
        GRU(3, return_sequences=True, name="g"),
        merge_mode="ave",
        backward_layer=GRU(
            3, return_sequences=True, go_backwards=True, reset_after=False, name="b"
        ),
    )
    config = layer.get_config()
    clone = Bidirectional.from_config(config)
    assert clone.get_config()["backward_layer"]["config"]["reset_after"] is False
    assert clone.merge_mode == "ave" and clone.forward_layer.name == "forward_g"
    model = Model(x := Input(shape=(4, 2)), Dense(1)(layer(x)))
    assert model.outputs[0].shape == (None, 4, 1)
    assert [w.name for w in layer.weights][:1] == ["forward_g/kernel"]


def test_bidirectional_rejects_bad_arguments():
    with pytest.raises(
        ValueError,
        match=r"Bidirectional 'bi': merge_mode must be one of "
        r"\['concat', 'sum', 'mul', 'ave', None\], received 'max'",
    ):
        Bidirectional(LSTM(2), merge_mode="max", name="bi")
    with pytest.raises(TypeError, match=r"Bidirectional 'bi': layer must be a recurrent layer"):
        Bidirectional(Dense(2), name="bi")
    with pytest.raises(ValueError, match="must agree on return_sequences"):
        Bidirectional(SimpleRNN(2), backward_layer=SimpleRNN(2, return_sequences=True))
