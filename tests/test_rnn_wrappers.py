"""Every regularizer on every cell: the real masks of compiled functions, read back.

Each function returns the layer's output and every mask it drew; the output
must equal the NumPy reference run with those masks, which checks where each
mask applies. The masks' shapes check when they are drawn: variational
masks once per sequence, DropConnect masks once per batch (the weight's
shape: every step and sample), ZoneOut masks at every step.
"""

from __future__ import annotations

import numpy as np
import pytensor.tensor as pt
import pytest
import rnn_reference as reference
from rnn_reference import draws_of

from kerasque import backend as K
from kerasque.layers import GRU, LSTM, Dense, DropConnect, Input, SimpleRNN, ZoneOut
from kerasque.models import Sequential, load_model

B, T, D, U = 4, 5, 3, 2
DROP, REC, WEIGHT, ZONE, CELL_ZONE = 0.3, 0.4, 0.5, 0.3, 0.6
KINDS = {
    "simple": (SimpleRNN, "simple", {}),
    "gru": (GRU, "gru", {"reset_after": True}),
    "gru_reset_before": (GRU, "gru", {"reset_after": False}),
    "lstm": (LSTM, "lstm", {}),
}


def regularized(kind, outer_zoneout=True):
    layer_cls, _, options = KINDS[kind]
    rnn = layer_cls(
        U, dropout=DROP, recurrent_dropout=REC, return_sequences=True, name=f"rnn_{kind}", **options
    )
    cell_rate = CELL_ZONE if kind == "lstm" else None
    if outer_zoneout:
        layer = ZoneOut(
            DropConnect(rnn, WEIGHT, name=f"dc_{kind}"),
            ZONE,
            cell_rate=cell_rate,
            name=f"zo_{kind}",
        )
    else:
        layer = DropConnect(
            ZoneOut(rnn, ZONE, cell_rate=cell_rate, name=f"zo_{kind}"), WEIGHT, name=f"dc_{kind}"
        )
    return rnn, layer


def compiled(kind, training, outer_zoneout=True):
    K.set_floatx("float64")
    x = pt.tensor("x", shape=(B, T, D))
    rnn, layer = regularized(kind, outer_zoneout)
    out = layer(x, training=training)
    rng = np.random.default_rng(len(kind))
    rnn.set_weights([rng.normal(0, 0.6, w.shape) for w in rnn.get_weights()])
    fn = K.function([x], [out, *draws_of(out)])
    return rnn, fn, rng.normal(size=(B, T, D))


def masks_by_shape(rnn, kind, draws):
    """Sort the draws into what they are, by their shapes."""
    n_states = 2 if kind == "lstm" else 1
    shapes = [d.shape for d in draws]
    kernel, rec = rnn.get_weights()[:2]
    wanted = [(B, D), (B, U), kernel.shape, rec.shape, (T, B, n_states * U)]
    assert len(draws) == 5 and len(set(wanted)) == 5, shapes
    once = [next(d for d in draws if d.shape == shape) for shape in wanted]
    per_step = [once[4][..., i * U : (i + 1) * U] for i in range(n_states)]  # h, then c
    return once[:2], once[2:4], per_step


@pytest.mark.parametrize("outer_zoneout", [True, False], ids=["zoneout_outside", "inside"])
@pytest.mark.parametrize("kind", list(KINDS))
def test_every_regularizer_applies_its_masks_where_its_paper_says(kind, outer_zoneout):
    rnn, fn, x = compiled(kind, True, outer_zoneout)
    _, ref_kind, options = KINDS[kind]
    out, *draws = fn(x)
    (m_in, m_rec), (m_kernel, m_rec_kernel), zone = masks_by_shape(rnn, kind, draws)
    kernel, rec, *bias = rnn.get_weights()
    weights = [kernel * m_kernel / (1 - WEIGHT), rec * m_rec_kernel / (1 - WEIGHT), *bias]
    expected, _ = reference.run(
        ref_kind,
        x * m_in[:, None, :] / (1 - DROP),
        weights,
        h_mask=m_rec / (1 - REC),
        zoneout=zone,
        **options,
    )
    np.testing.assert_allclose(out, expected, atol=1e-10)
    # ZoneOut draws anew at every step; the keep fractions follow the rates.
    assert len({zone[0][t].tobytes() for t in range(T)}) == T
    if kind == "lstm":
        assert zone[1].mean() > zone[0].mean()  # c zones out at 0.6, h at 0.3
    # A second call draws every mask anew.
    _, *again = fn(x)
    assert all(not np.array_equal(a, b) for a, b in zip(draws, again))


@pytest.mark.parametrize("kind", list(KINDS))
def test_inference_uses_the_expected_update_and_the_stored_weights(kind):
    rnn, fn, x = compiled(kind, False)
    _, ref_kind, options = KINDS[kind]
    out, *draws = fn(x)
    assert draws == [] and fn.compiled.random_nodes() == []
    rates = [ZONE, CELL_ZONE] if kind == "lstm" else [ZONE]
    expected, _ = reference.run(ref_kind, x, rnn.get_weights(), zoneout=rates, **options)
    np.testing.assert_allclose(out, expected, atol=1e-10)


def test_zoneout_cell_rate_defaults_to_the_rate_and_zero_rates_draw_nothing():
    layer = ZoneOut(LSTM(3), 0.2)
    assert layer._rates() == {"h": 0.2, "c": 0.2}
    x = pt.tensor("x", shape=(2, 4, 3))
    out = ZoneOut(LSTM(3), 0.0, cell_rate=0.0)(x, training=True)
    assert draws_of(out) == []


def test_dropconnect_can_drop_any_named_weight_of_a_cell():
    K.set_floatx("float64")
    lstm = LSTM(U, return_sequences=True)
    layer = DropConnect(lstm, 0.5, weights=["bias"])
    x = pt.tensor("x", shape=(B, T, D))
    out = layer(x, training=True)
    fn = K.function([x], [out, *draws_of(out)])
    rng = np.random.default_rng(0)
    lstm.set_weights([rng.normal(0, 0.6, w.shape) for w in lstm.get_weights()])
    xv = rng.normal(size=(B, T, D))
    got, mask = fn(xv)
    kernel, rec, bias = lstm.get_weights()
    expected, _ = reference.run("lstm", xv, [kernel, rec, bias * mask / 0.5])
    np.testing.assert_allclose(got, expected, atol=1e-10)


# ---------------------------------------------- training, saving, resuming


def _model(kind, outer_zoneout):
    _, layer = regularized(kind, outer_zoneout)
    model = Sequential([Input(shape=(T, D)), layer, Dense(1)])
    model.compile("adam", "mse")
    return model


@pytest.mark.parametrize("kind, outer_zoneout", [("lstm", True), ("gru_reset_before", False)])
def test_compositions_train_save_load_and_resume_exactly(kind, outer_zoneout, tmp_path):
    from kerasque.utils import set_random_seed

    rng = np.random.default_rng(5)
    x = rng.normal(size=(16, T, D)).astype("float32")
    y = x[:, :, :1] * 0.5
    set_random_seed(3)
    straight = _model(kind, outer_zoneout)
    straight.fit(x, y, batch_size=8, epochs=3, verbose=0)
    set_random_seed(3)
    first = _model(kind, outer_zoneout)
    first.fit(x, y, batch_size=8, epochs=1, verbose=0)
    first.save(tmp_path / "m.h5")
    resumed = load_model(tmp_path / "m.h5")
    np.testing.assert_array_equal(resumed.predict(x), first.predict(x))
    assert resumed._function("predict").random_nodes() == []
    resumed.fit(x, y, batch_size=8, epochs=3, initial_epoch=1, verbose=0)
    for a, b in zip(resumed.get_weights(), straight.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert not all(
        np.array_equal(a, b) for a, b in zip(first.get_weights(), straight.get_weights())
    )


def test_frozen_generator_is_refused_for_a_regularized_lstm():
    """A draw whose generator nothing advances would repeat one mask forever."""
    from kerasque.engine.compile import compile_function

    x = pt.tensor("x", shape=(2, T, D))
    out = ZoneOut(LSTM(U), 0.2, name="zo_frozen")(x, training=True)
    with pytest.raises(ValueError, match="generator 'zo_frozen/rng0' but nothing advances it"):
        compile_function([x], [out], [])
