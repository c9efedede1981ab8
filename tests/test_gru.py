"""GRU: Keras's equations and weight layout, its options, gradients and errors.

Numbers are checked in float64 against a NumPy loop of the equations with
weights set by hand. One compiled model serves every forward check.
"""

from __future__ import annotations

import numpy as np
import pytensor.tensor as pt
import pytest
from conftest import TEST_MODE  # the suite's one mode
import rnn_reference as reference
from pytensor.gradient import verify_grad
from pytensor.graph.replace import clone_replace
from rnn_reference import sigmoid

from kerasque import backend as K
from kerasque.engine.modes import pytensor_mode
from kerasque.layers import GRU, Dense, Embedding, Input
from kerasque.models import Model, Sequential

B, T, D, U, V = 3, 5, 4, 3, 6


def numpy_gru(x, kernel, rec, bias, reset_after=True, mask=None, backwards=False):
    """Keras's GRU equations, one step at a time: (sequence in processing order, last state)."""
    seq, (last,) = reference.run(
        "gru", x, [kernel, rec, bias], mask=mask, backwards=backwards, reset_after=reset_after
    )
    return seq, last


def randomize(layer, rng, scale=0.5):
    layer.set_weights([rng.normal(0.0, scale, w.shape) for w in layer.get_weights()])


@pytest.fixture(scope="module")
def forward():
    """One float64 model holding every GRU variant, compiled once."""
    K.set_mode(TEST_MODE)
    K.set_floatx("float64")
    try:
        x_in = Input(shape=(T, D))
        ids_in = Input(shape=(T,), dtype="int32")
        emb = Embedding(V, D, mask_zero=True)
        embedded = emb(ids_in)
        layers = {
            "after": GRU(U, return_sequences=True, return_state=True),
            "before": GRU(U, reset_after=False, return_sequences=True),
            "backwards": GRU(U, go_backwards=True, return_sequences=True),
            "no_bias": GRU(U, use_bias=False),
            "masked": GRU(U, return_sequences=True, return_state=True),
            "masked_backwards": GRU(U, go_backwards=True, reset_after=False, return_sequences=True),
        }
        outs = []
        for key, layer in layers.items():
            src = embedded if key.startswith("masked") else x_in
            out = layer(src)
            outs += out if isinstance(out, list) else [out]
        model = Model([x_in, ids_in], outs)
        rng = np.random.default_rng(0)
        for layer in [emb, *layers.values()]:
            randomize(layer, rng)
        x = rng.normal(size=(B, T, D))
        ids = rng.integers(1, V, size=(B, T))
        ids[0, 3:] = 0  # right padding
        ids[1, :2] = 0  # left padding
        ids[2, 2] = 0  # a hole
        results = model.predict([x, ids])
        embedded_x = emb.get_weights()[0][ids]
    finally:
        K.set_floatx("float32")
    names = [
        "after",
        "after_state",
        "before",
        "backwards",
        "no_bias",
        "masked",
        "masked_state",
        "masked_backwards",
    ]
    return {
        "layers": layers,
        "x": x,
        "ids": ids,
        "embedded": embedded_x,
        "out": dict(zip(names, results)),
    }


def test_gru_weights_follow_keras_layout():
    after, before = GRU(5, input_shape=(7, 4)), GRU(5, reset_after=False)
    after.build((None, 7, 4))
    before.build((None, 7, 4))
    assert [w.shape for w in after.get_weights()] == [(4, 15), (5, 15), (2, 15)]
    assert [w.shape for w in before.get_weights()] == [(4, 15), (5, 15), (15,)]
    assert [w.name for w in after.weights] == [
        f"{after.name}/kernel",
        f"{after.name}/recurrent_kernel",
        f"{after.name}/bias",
    ]
    assert after.count_params() == 4 * 15 + 5 * 15 + 2 * 15


def test_gru_reset_after_matches_numpy_equations(forward):
    layer, out = forward["layers"]["after"], forward["out"]
    seq, last = numpy_gru(forward["x"], *layer.get_weights(), reset_after=True)
    np.testing.assert_allclose(out["after"], seq, atol=1e-6)
    np.testing.assert_allclose(out["after_state"], last, atol=1e-6)


def test_gru_reset_before_matches_numpy_equations(forward):
    layer = forward["layers"]["before"]
    seq, _ = numpy_gru(forward["x"], *layer.get_weights(), reset_after=False)
    np.testing.assert_allclose(forward["out"]["before"], seq, atol=1e-6)


def test_gru_without_bias_matches_numpy_equations(forward):
    kernel, rec = forward["layers"]["no_bias"].get_weights()
    _, last = numpy_gru(forward["x"], kernel, rec, np.zeros((2, 3 * U)))
    np.testing.assert_allclose(forward["out"]["no_bias"], last, atol=1e-6)


def test_gru_go_backwards_returns_the_reversed_sequence(forward):
    layer = forward["layers"]["backwards"]
    seq, _ = numpy_gru(forward["x"], *layer.get_weights(), backwards=True)
    np.testing.assert_allclose(forward["out"]["backwards"], seq, atol=1e-6)
    # Step 0 of the output is the last input step processed alone.
    single, _ = numpy_gru(forward["x"][:, -1:], *layer.get_weights())
    np.testing.assert_allclose(forward["out"]["backwards"][:, 0], single[:, 0], atol=1e-6)


def test_gru_padded_steps_keep_previous_state_and_output(forward):
    layer, out = forward["layers"]["masked"], forward["out"]
    mask = (forward["ids"] != 0).astype(float)
    seq, last = numpy_gru(forward["embedded"], *layer.get_weights(), mask=mask)
    np.testing.assert_allclose(out["masked"], seq, atol=1e-6)
    np.testing.assert_allclose(out["masked_state"], last, atol=1e-6)
    got = out["masked"]
    np.testing.assert_array_equal(got[0, 3:], np.repeat(got[0, 2:3], 2, axis=0))
    np.testing.assert_array_equal(got[1, :2], np.zeros((2, U)))
    np.testing.assert_array_equal(got[2, 2], got[2, 1])
    assert not np.allclose(got[2, 3], got[2, 2])


def test_gru_masking_with_go_backwards_matches_numpy(forward):
    layer = forward["layers"]["masked_backwards"]
    mask = (forward["ids"] != 0).astype(float)
    seq, _ = numpy_gru(
        forward["embedded"], *layer.get_weights(), reset_after=False, mask=mask, backwards=True
    )
    np.testing.assert_allclose(forward["out"]["masked_backwards"], seq, atol=1e-6)


def test_gru_weights_convert_to_pytorch_layout(forward):
    """Reordering z|r|h to r|z|n and transposing gives PyTorch's nn.GRU equations."""
    kernel, rec, bias = forward["layers"]["after"].get_weights()

    def torch_blocks(w):
        z, r, h = np.split(w, 3, axis=-1)
        return np.concatenate([r, z, h], axis=-1)

    w_ih, w_hh = torch_blocks(kernel).T, torch_blocks(rec).T
    b_ih, b_hh = torch_blocks(bias[0]), torch_blocks(bias[1])
    h = np.zeros((B, U))
    for t in range(T):
        gi, gh = forward["x"][:, t] @ w_ih.T + b_ih, h @ w_hh.T + b_hh
        r = sigmoid(gi[:, :U] + gh[:, :U])
        z = sigmoid(gi[:, U : 2 * U] + gh[:, U : 2 * U])
        n = np.tanh(gi[:, 2 * U :] + r * gh[:, 2 * U :])
        h = (1 - z) * n + z * h
    np.testing.assert_allclose(forward["out"]["after_state"], h, atol=1e-6)


def test_gru_output_shapes_and_masks_follow_options():
    assert GRU(4).compute_output_shape((None, 7, 3)) == (None, 4)
    assert GRU(4, return_sequences=True).compute_output_shape((2, 7, 3)) == (2, 7, 4)
    assert GRU(4, return_state=True).compute_output_shape((None, 7, 3)) == [(None, 4), (None, 4)]
    x = Input(shape=(7, 3))
    out, state = GRU(4, return_sequences=True, return_state=True)(x)
    assert out.shape == (None, 7, 4) and state.shape == (None, 4)
    mask = pt.matrix("mask")
    assert GRU(4).compute_mask(None, mask) is None
    assert GRU(4, return_sequences=True).compute_mask(None, mask) is mask
    assert GRU(4, return_sequences=True, return_state=True).compute_mask(None, mask) == [mask, None]


def test_gru_gradients_match_finite_differences():
    K.set_floatx("float64")
    x = pt.tensor("x", shape=(None, None, 2))
    layers = [
        GRU(2, return_sequences=True, reset_after=True),
        GRU(2, return_sequences=True, reset_after=False, go_backwards=True),
    ]
    outs = [layer(x, training=False) for layer in layers]
    rng = np.random.default_rng(3)
    for layer in layers:
        randomize(layer, rng)
    weights = [w for layer in layers for w in layer.weights]

    def fun(xv, *ws):
        out = pt.concatenate(outs, axis=-1)
        return clone_replace(out, {x: xv, **dict(zip(weights, ws))})

    values = [rng.normal(size=(2, 3, 2))] + [w.get_value() for w in weights]
    verify_grad(fun, values, rng=rng, mode=pytensor_mode(), abs_tol=1e-6, rel_tol=1e-6)


def test_gru_trains_in_a_sequential_model():
    model = Sequential([GRU(4, input_shape=(3, 2)), Dense(1)])
    model.compile("adam", "mse")
    x = np.random.default_rng(0).normal(size=(8, 3, 2))
    before = [w.copy() for w in model.get_weights()]
    loss = model.train_on_batch(x, x[:, -1, :1])
    assert np.isfinite(loss)
    assert all(not np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


def test_gru_config_round_trip():
    layer = GRU(
        6,
        activation="relu",
        recurrent_activation="hard_sigmoid",
        use_bias=False,
        kernel_regularizer="l2",
        dropout=0.1,
        recurrent_dropout=0.2,
        return_sequences=True,
        return_state=True,
        go_backwards=True,
        reset_after=False,
        seed=7,
        input_shape=(None, 3),
    )
    config = layer.get_config()
    clone = GRU.from_config(config)
    assert clone.get_config() == config
    assert config["units"] == 6 and config["seed"] == 7 and config["reset_after"] is False
    assert config["batch_input_shape"] == [None, None, 3]


def test_gru_rejects_a_2d_input_naming_the_layer():
    layer = GRU(4, name="enc")
    with pytest.raises(
        ValueError,
        match=r"Layer 'enc' \(GRU\) expects a 3-D input \(batch, time, "
        r"features\), received input of shape \(None, 8\)",
    ):
        layer(Input(shape=(8,)))
    with pytest.raises(ValueError, match="expects a 3-D input"):
        layer(pt.tensor("x", shape=(None, 8)))
    assert not layer.built


def test_gru_rejects_a_mask_of_the_wrong_rank():
    layer = GRU(4, name="enc")
    x = pt.tensor("x", shape=(None, 5, 3))
    with pytest.raises(
        ValueError,
        match=r"'enc' \(GRU\) expects a mask of shape \(batch, time\) "
        r"with 2 dimensions, received a mask with 3",
    ):
        layer(x, mask=pt.tensor3("mask"))


def test_gru_rejects_a_wrong_feature_size_after_build():
    layer = GRU(4, name="enc")
    layer(pt.tensor("x", shape=(None, 5, 3)), training=False)
    with pytest.raises(ValueError, match=r"'enc' \(GRU\) expects input with size 3 on axis -1"):
        layer(pt.tensor("y", shape=(None, 5, 2)), training=False)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"units": 0}, r"GRU 'g': units must be a positive integer, received 0"),
        (
            {"units": 4, "dropout": 1.0},
            r"GRU 'g': dropout must be a number in \[0, 1\), received 1.0",
        ),
        (
            {"units": 4, "recurrent_dropout": -0.1},
            r"GRU 'g': recurrent_dropout must be a number in \[0, 1\), received -0.1",
        ),
        ({"units": 4, "seed": -1}, r"GRU 'g': seed must be a non-negative integer"),
        ({"units": 4, "activation": "tanhh"}, r"Unknown activation 'tanhh'. Did you mean 'tanh'"),
    ],
)
def test_gru_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        GRU(name="g", **kwargs)


def test_gru_rejects_a_dropout_that_is_not_a_number():
    with pytest.raises(
        TypeError,
        match=r"GRU 'g': dropout must be a number in \[0, 1\), "
        r"received '0.2'",
    ):
        GRU(4, dropout="0.2", name="g")


def test_gru_rejects_unknown_keywords_with_a_suggestion():
    with pytest.raises(
        TypeError,
        match="unexpected keyword argument 'return_sequence'. Did you mean 'return_sequences'",
    ):
        GRU(4, return_sequence=True)
