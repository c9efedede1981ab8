"""The RNN loop over every cell: kerasque's cells, stacks of them, and cells written as in Keras."""

from __future__ import annotations

import numpy as np
import pytensor.tensor as pt
import pytest
import rnn_reference as reference
from rnn_reference import draws_of

from kerasque import backend as K
from kerasque.engine.base_layer import Layer
from kerasque.layers import (
    GRU,
    LSTM,
    RNN,
    Dense,
    DropConnect,
    Embedding,
    GRUCell,
    Input,
    LSTMCell,
    SimpleRNN,
    SimpleRNNCell,
    StackedRNNCells,
    ZoneOut,
)
from kerasque.models import Sequential

B, T, D, U = 3, 4, 2, 3


class MinimalRNNCell(Layer):
    """The cell of Keras's RNN documentation: h = tanh(x W) + h U ... here h = tanh(x W + h U)."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units

    def build(self, input_shape):
        self.kernel = self.add_weight("kernel", (input_shape[-1], self.units), "glorot_uniform")
        self.recurrent_kernel = self.add_weight(
            "recurrent_kernel", (self.units, self.units), "orthogonal"
        )

    def call(self, inputs, states):
        h = pt.tanh(pt.dot(inputs, self.kernel) + pt.dot(states[0], self.recurrent_kernel))
        return h, [h]

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def run(layer, x, *extra, training=False):
    K.set_floatx("float64")
    xv = pt.tensor("x", shape=(None, *x.shape[1:]))
    out = layer(xv, training=training)
    rng = np.random.default_rng(7)
    layer.set_weights([rng.normal(0, 0.5, w.shape) for w in layer.get_weights()])
    outs = out if isinstance(out, list) else [out]
    return K.function([xv], outs)(x)


def data():
    return np.random.default_rng(0).normal(size=(B, T, D))


@pytest.mark.parametrize(
    "cell, kind, options",
    [
        (lambda: SimpleRNNCell(U), "simple", {}),
        (lambda: GRUCell(U), "gru", {"reset_after": True}),
        (lambda: GRUCell(U, reset_after=False), "gru", {"reset_after": False}),
        (lambda: LSTMCell(U), "lstm", {}),
    ],
)
def test_rnn_runs_each_cell_as_the_reference_and_returns_every_state(cell, kind, options):
    layer = RNN(cell(), return_sequences=True, return_state=True)
    x = data()
    seq, *states = run(layer, x)
    want_seq, want_states = reference.run(kind, x, layer.get_weights(), **options)
    np.testing.assert_allclose(seq, want_seq, atol=1e-10)
    assert len(states) == len(want_states)
    for got, want in zip(states, want_states):
        np.testing.assert_allclose(got, want, atol=1e-10)


def test_a_cell_called_once_is_one_step_as_in_keras():
    K.set_floatx("float64")
    cell = LSTMCell(U)
    cell.build((None, D))
    rng = np.random.default_rng(1)
    cell.set_weights([rng.normal(0, 0.5, w.shape) for w in cell.get_weights()])
    x, h, c = pt.matrix("x"), pt.matrix("h"), pt.matrix("c")
    out, (h1, c1) = cell.call(x, [h, c])
    values = [rng.normal(size=(B, D)), rng.normal(size=(B, U)), rng.normal(size=(B, U))]
    got = K.function([x, h, c], [out, h1, c1])(*values)
    want = reference.lstm_step(values[0], values[1:], *cell.get_weights())
    np.testing.assert_allclose(got[1], want[0], atol=1e-12)
    np.testing.assert_allclose(got[2], want[1], atol=1e-12)


def test_stacked_cells_equal_stacked_layers():
    layer = RNN([LSTMCell(U), GRUCell(2)], return_sequences=True, return_state=True)
    x = data()
    seq, h1, c1, h2 = run(layer, x)
    lstm_w, gru_w = layer.get_weights()[:3], layer.get_weights()[3:]
    first, (want_h1, want_c1) = reference.run("lstm", x, lstm_w)
    second, (want_h2,) = reference.run("gru", first, gru_w)
    np.testing.assert_allclose(seq, second, atol=1e-10)
    for got, want in ((h1, want_h1), (c1, want_c1), (h2, want_h2)):
        np.testing.assert_allclose(got, want, atol=1e-10)
    assert isinstance(layer.cell, StackedRNNCells) and layer.state_names == ("h", "c", "h")


def test_a_keras_style_cell_runs_and_takes_every_regularizer():
    cell = MinimalRNNCell(U)
    layer = RNN(cell, return_sequences=True)
    x = data()
    (seq,) = run(layer, x)
    kernel, rec = layer.get_weights()
    want, _ = reference.run("simple", x, [kernel, rec])
    np.testing.assert_allclose(seq, want, atol=1e-10)
    # DropConnect names the cell's weights; ZoneOut reads its state.
    inner = RNN(MinimalRNNCell(U), return_sequences=True)
    wrapped = ZoneOut(DropConnect(inner, 0.5, weights=["recurrent_kernel"]), 0.3)
    xv = pt.tensor("x", shape=(B, T, D))
    out = wrapped(xv, training=True)
    draws = draws_of(out)
    got, mask, zone = K.function([xv], [out, *draws])(x)
    if mask.shape != (U, U):
        mask, zone = zone, mask
    k, r = inner.get_weights()
    want, _ = reference.run("simple", x, [k, r * mask / 0.5], zoneout=[zone])
    np.testing.assert_allclose(got, want, atol=1e-10)


def test_initial_state_is_a_call_keyword_on_tensors_too():
    K.set_floatx("float64")
    layer = GRU(U)
    xv, hv = pt.tensor("x", shape=(None, T, D)), pt.matrix("h")
    out = layer(xv, initial_state=[hv], training=False)
    rng = np.random.default_rng(3)
    x, h = data(), rng.normal(size=(B, U))
    got = K.function([xv, hv], out)(x, h)
    _, (want,) = reference.run("gru", x, layer.get_weights(), initial=[h])
    np.testing.assert_allclose(got, want, atol=1e-10)


def test_a_batch_of_one_trains_as_itself():
    """One row, one mask: a deterministic step on one row equals the step on two copies."""
    rng = np.random.default_rng(4)
    x, y = rng.integers(1, 5, size=(1, 6)), rng.normal(size=(1, 1))
    x[0, 4:] = 0

    def step(rows):
        model = Sequential(
            [Embedding(5, 3, mask_zero=True, input_length=6), LSTM(4), Dense(1)], name=f"one_{rows}"
        )
        model.compile("sgd", "mse")
        model.set_weights([rng2.normal(0, 0.5, w.shape) for w in model.get_weights()])
        model.train_on_batch(np.repeat(x, rows, axis=0), np.repeat(y, rows, axis=0))
        return model.get_weights()

    rng2 = np.random.default_rng(5)
    one = step(1)
    rng2 = np.random.default_rng(5)
    two = step(2)
    for a, b in zip(one, two):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    noisy = Sequential(
        [
            Embedding(5, 3, input_length=6),
            ZoneOut(DropConnect(LSTM(4, dropout=0.3), 0.3), 0.2),
            Dense(1),
        ]
    )
    noisy.compile("sgd", "mse")
    assert np.isfinite(noisy.train_on_batch(x, y))
    assert noisy.predict(x, training=True).shape == (1, 1)


def test_rnn_config_round_trips_with_its_cell():
    layer = RNN([LSTMCell(3, dropout=0.1), SimpleRNNCell(2)], go_backwards=True, unroll=True)
    config = layer.get_config()
    clone = RNN.from_config(config)
    assert clone.get_config() == config
    assert config["cell"]["class_name"] == "StackedRNNCells"


def test_rnn_errors_come_before_the_loop_is_built():
    with pytest.raises(ValueError, match=r"Layer 'r' \(RNN\) expects a 3-D input"):
        RNN(LSTMCell(2), name="r")(Input(shape=(4,)))
    with pytest.raises(
        ValueError,
        match=r"'r2' \(LSTM\) has 2 states of sizes \[2, 2\], "
        r"received 1 initial states",
    ):
        LSTM(2, name="r2")(Input(shape=(3, 4)), initial_state=[Input(shape=(2,))])
    with pytest.raises(ValueError, match="unroll=True, which needs a known number of time steps"):
        RNN(GRUCell(2), unroll=True)(pt.tensor("x", shape=(None, None, 3)), training=False)
    with pytest.raises(TypeError, match=r"a cell needs a state_size and a call"):
        RNN(Dense(3))
    with pytest.raises(TypeError, match="cells must be a non-empty list"):
        StackedRNNCells([])


def test_a_keras_cell_returning_the_wrong_number_of_states_is_named():
    class Broken(MinimalRNNCell):
        def call(self, inputs, states):
            h, _ = super().call(inputs, states)
            return h, [h, h]

    with pytest.raises(ValueError, match=r"Cell 'broken_cell' \(Broken\) returned 2 states"):
        RNN(Broken(2, name="broken_cell"))(pt.tensor("x", shape=(None, 3, 2)), training=False)


def test_a_masking_layer_makes_padded_steps_keep_the_previous_states():
    from kerasque.layers import Masking

    K.set_floatx("float64")
    x = data()
    x[0, 2:] = 0.0
    x[1, :1] = 0.0
    model = Sequential([Masking(0.0, input_shape=(T, D)), LSTM(U, return_sequences=True)])
    out = model.predict(x)
    mask = np.any(x != 0, axis=-1).astype(float)
    want, _ = reference.run("lstm", x, model.layers[-1].get_weights(), mask=mask)
    np.testing.assert_allclose(out, want, atol=1e-10)
    np.testing.assert_array_equal(out[0, 2:], np.repeat(out[0, 1:2], T - 2, axis=0))


@pytest.mark.parametrize("layer", [GRU, LSTM, SimpleRNN])
def test_the_loop_reads_the_input_and_projects_it_inside_the_step(layer):
    # XLA's CPU code runs the LSTM language model's step 20% faster with the
    # projection inside the loop than with one big product before it (loop.py).
    from pytensor.graph.traversal import applys_between
    from pytensor.scan.op import Scan

    x = pt.tensor("x", shape=(None, 5, 3))
    rnn = layer(4)
    out = rnn(x, training=False)
    scans = [n for n in applys_between([x], [out]) if isinstance(n.op, Scan)]
    assert len(scans) == 1
    scan = scans[0]
    assert scan.op.info.n_seqs == 1
    assert scan.inputs[1].type.shape[-1] == 3  # the features, not gates * units
    assert rnn.cell.kernel in scan.inputs  # a constant of the loop, used at every step
