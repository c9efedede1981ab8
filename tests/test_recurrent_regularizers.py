"""Recurrent regularizers: variational dropout, DropConnect and ZoneOut around a GRU.

Masks are read back from outputs: with weights set by hand, a GRU's output
reveals which inputs, state units, weight entries or steps were dropped, so
each test checks the real masks of the compiled functions, not a helper.
Each model compiles once (module fixtures) and serves several tests.
"""

from __future__ import annotations

import numpy as np
import pytensor.tensor as pt
import pytest
from conftest import TEST_MODE  # the suite's one mode
import rnn_reference as reference
from pytensor.gradient import verify_grad
from pytensor.graph.replace import clone_replace

from kerasque import backend as K
from kerasque.engine.modes import pytensor_mode
from kerasque.layers import GRU, Dense, DropConnect, Embedding, Input, ZoneOut
from kerasque.models import Model, Sequential
from kerasque.optimizers import Adam

BIG = 50.0  # a gate bias that saturates sigmoid: z = 0 or r = 1


def keep_fraction_bounds(p, n, sigmas=5.0):
    half = sigmas * np.sqrt(p * (1 - p) / n)
    return p - half, p + half


def gru_weights(units, dim, kernel_h=0.0, rec_h=0.0, bias_h=0.0, r_bias=0.0):
    """Weights of a GRU whose update gate is shut (z = 0): h_t = tanh(candidate)."""
    kernel = np.zeros((dim, 3 * units))
    kernel[:, 2 * units :] = kernel_h
    rec = np.zeros((units, 3 * units))
    rec[:, 2 * units :] = rec_h
    bias = np.zeros((2, 3 * units))
    bias[0, :units] = -BIG
    bias[0, units : 2 * units] = r_bias
    bias[0, 2 * units :] = bias_h
    return [kernel, rec, bias]


def numpy_gru_zoneout(x, kernel, rec, bias, rate):
    """Keras's GRU (reset_after=True) with ZoneOut's expectation rule at each step."""
    return reference.run("gru", x, [kernel, rec, bias], zoneout=[rate])[0]


# ------------------------------------------------------ variational dropout

VB, VT, VU = 64, 6, 8


@pytest.fixture(scope="module")
def variational():
    K.set_mode(TEST_MODE)
    gru = GRU(
        VU, dropout=0.5, recurrent_dropout=0.5, return_sequences=True, input_shape=(VT, VU), seed=11
    )
    model = Sequential([gru])
    return model, gru


def test_input_dropout_mask_is_constant_across_time_and_differs_across_sequences(variational):
    model, gru = variational
    # Candidate tanh(x_t * m / p) with kernel_h = I and x = 1: the output is the input mask.
    weights = gru_weights(VU, VU)
    weights[0][:, 2 * VU :] = np.eye(VU)
    gru.set_weights(weights)
    x = np.ones((VB, VT, VU), dtype="float32")
    first = model.predict(x, training=True)
    kept = first > 0.5
    np.testing.assert_allclose(first[kept], np.tanh(2.0), rtol=1e-5)  # inverted scaling: 1 / 0.5
    np.testing.assert_allclose(first[~kept], 0.0, atol=1e-6)
    assert (kept == kept[:, :1]).all(), "the input mask changed within a sequence"
    assert len({row.tobytes() for row in kept[:, 0]}) > VB // 2, "sequences share masks"
    low, high = keep_fraction_bounds(0.5, VB * VU)
    assert low < kept[:, 0].mean() < high
    second = model.predict(x, training=True) > 0.5
    assert (second[:, 0] != kept[:, 0]).any(), "two calls drew the same masks"


def test_recurrent_dropout_mask_is_constant_across_time(variational):
    model, gru = variational
    # h_t = tanh(c + h_{t-1} * n / q) with r = 1: units whose n is 0 stay at tanh(c).
    c = 0.5
    gru.set_weights(gru_weights(VU, VU, bias_h=c, r_bias=BIG))
    gru.recurrent_kernel.set_value(
        np.hstack([np.zeros((VU, 2 * VU)), np.eye(VU)]).astype("float32")
    )
    x = np.zeros((VB, VT, VU), dtype="float32")
    out = model.predict(x, training=True)
    np.testing.assert_allclose(out[:, 0], np.tanh(c), rtol=1e-6)
    kept = out[:, 1:] > np.tanh(c) + 1e-3
    assert (kept == kept[:, :1]).all(), "the recurrent mask changed within a sequence"
    np.testing.assert_allclose(out[:, 1][kept[:, 0]], np.tanh(c + np.tanh(c) * 2.0), rtol=1e-5)
    low, high = keep_fraction_bounds(0.5, VB * VU)
    assert low < kept[:, 0].mean() < high
    assert len({row.tobytes() for row in kept[:, 0]}) > VB // 2


def test_dropout_gru_is_deterministic_at_inference(variational):
    model, gru = variational
    x = np.random.default_rng(0).normal(size=(4, VT, VU)).astype("float32")
    gru.set_weights(gru_weights(VU, VU, kernel_h=0.3))
    np.testing.assert_array_equal(model.predict(x), model.predict(x))
    assert model.make_predict_function().random_nodes() == []


# ---------------------------------------------------------------- ZoneOut

ZB, ZT, ZU, RATE = 32, 8, 8, 0.3


@pytest.fixture(scope="module")
def zoneout():
    K.set_mode(TEST_MODE)
    gru = GRU(ZU, return_sequences=True)
    layer = ZoneOut(gru, RATE, seed=5, input_shape=(ZT, 1))
    return Sequential([layer]), gru


def zoneout_inputs():
    # x_t = t + 1 gives the GRU a distinct target tanh(0.1 (t + 1)) at every step.
    return np.broadcast_to(np.arange(1, ZT + 1, dtype="float32")[None, :, None], (ZB, ZT, 1)).copy()


def test_zoneout_draws_a_fresh_mask_at_every_step(zoneout):
    model, gru = zoneout
    gru.set_weights(gru_weights(ZU, 1, kernel_h=0.1))
    x = zoneout_inputs()
    target = np.tanh(0.1 * x)  # what the GRU alone outputs at each step

    def kept_previous():
        out = model.predict(x, training=True)
        updated = np.isclose(out, target, atol=1e-6)
        previous = np.concatenate([np.zeros((ZB, 1, ZU)), out[:, :-1]], axis=1)
        assert np.allclose(out[~updated], previous[~updated], atol=1e-6)
        return ~updated

    d = kept_previous()
    low, high = keep_fraction_bounds(RATE, d.size)
    assert low < d.mean() < high
    per_step = [d[:, t].tobytes() for t in range(ZT)]
    assert len(set(per_step)) == ZT, "two steps shared a ZoneOut mask"
    assert (kept_previous() != d).any(), "two calls drew the same masks"


def test_zoneout_inference_is_the_expected_update(zoneout):
    model, gru = zoneout
    rng = np.random.default_rng(1)
    gru.set_weights([rng.normal(0, 0.5, w.shape) for w in gru.get_weights()])
    x = rng.normal(size=(3, ZT, 1)).astype("float32")
    expected = numpy_gru_zoneout(x, *gru.get_weights(), rate=RATE)
    np.testing.assert_allclose(model.predict(x), expected, atol=1e-5)
    assert model.make_predict_function().random_nodes() == []


def test_zoneout_with_rate_zero_is_the_plain_gru():
    K.set_floatx("float64")
    x = pt.tensor("x", shape=(None, 4, 2))
    gru = GRU(3, return_sequences=True)
    plain = gru(x, training=True)
    zoned = ZoneOut(gru, 0.0)(x, training=True)
    fn = K.function([x], [plain, zoned])
    a, b = fn(np.random.default_rng(2).normal(size=(2, 4, 2)))
    np.testing.assert_array_equal(a, b)
    assert fn.compiled.random_nodes() == []


# ------------------------------------------------------------ DropConnect

DD, DU, DROP = 32, 32, 0.4


@pytest.fixture(scope="module")
def dropconnect_dense():
    K.set_mode(TEST_MODE)
    dense = Dense(DU, use_bias=False, input_shape=(DD,))
    model = Sequential([DropConnect(dense, DROP, seed=3)])
    return model, dense


def test_dropconnect_dense_draws_one_weight_mask_per_batch(dropconnect_dense):
    model, dense = dropconnect_dense
    dense.set_weights([np.ones((DD, DU))])
    x = np.vstack([np.eye(DD), np.eye(DD)]).astype("float32")  # row i of x @ W is row i of W
    out = model.predict(x, training=True, batch_size=2 * DD)
    keep = 1 - DROP
    kept = out > 0
    np.testing.assert_allclose(out[kept], 1 / keep, rtol=1e-6)
    np.testing.assert_array_equal(out[:DD], out[DD:])  # every sample sees the same mask
    low, high = keep_fraction_bounds(keep, DD * DU)
    assert low < kept.mean() < high
    again = model.predict(x, training=True, batch_size=2 * DD)
    assert (again != out).any(), "two calls drew the same weight mask"


def test_dropconnect_mean_inference_equals_the_wrapped_layer(dropconnect_dense):
    model, dense = dropconnect_dense
    rng = np.random.default_rng(4)
    w = rng.normal(size=(DD, DU))
    dense.set_weights([w])
    x = rng.normal(size=(5, DD)).astype("float32")
    inference = model.predict(x)
    # Inverted scaling: E[M W / p] = W, so inference is the wrapped layer with W itself.
    np.testing.assert_allclose(inference, x @ w, rtol=1e-4, atol=1e-4)
    assert model.make_predict_function().random_nodes() == []
    mean, std = model.predict_uncertainty(x, samples=200)
    assert (std > 0).all()
    assert np.all(np.abs(mean - inference) < 5 * std / np.sqrt(200) + 1e-4)


@pytest.fixture(scope="module")
def dropconnect_gru():
    K.set_mode(TEST_MODE)
    inp = Input(shape=(8, 4))
    both = GRU(16, return_sequences=True)
    recurrent_only = GRU(16, return_sequences=True)
    model = Model(
        inp,
        [
            DropConnect(both, 0.5, seed=8)(inp),
            DropConnect(recurrent_only, 0.5, weights=["recurrent_kernel"])(inp),
        ],
    )
    return model, both, recurrent_only


def test_dropconnect_gru_uses_one_kernel_mask_for_every_step_and_sample(dropconnect_gru):
    model, both, recurrent_only = dropconnect_gru
    for gru in (both, recurrent_only):
        gru.set_weights(gru_weights(16, 4, kernel_h=0.1))
    # x_t = e_(t mod 4): step t reads row t mod 4 of the (masked) kernel.
    x = np.tile(np.eye(4, dtype="float32"), (2, 1))[None].repeat(3, axis=0)
    out, untouched = model.predict(x, training=True)
    kept = out > 1e-3
    np.testing.assert_allclose(out[kept], np.tanh(0.2), rtol=1e-5)
    np.testing.assert_allclose(out[:, :4], out[:, 4:], atol=1e-6)  # one mask for every step
    np.testing.assert_array_equal(out[0], out[1])  # and for every sample of the batch
    assert 0 < kept.mean() < 1
    np.testing.assert_allclose(untouched, np.tanh(0.1), rtol=1e-5)  # kernel not dropped
    again, _ = model.predict(x, training=True)
    assert (again != out).any()


def test_dropconnect_gru_inference_equals_the_plain_gru(dropconnect_gru):
    model, both, recurrent_only = dropconnect_gru
    rng = np.random.default_rng(6)
    for gru in (both, recurrent_only):
        gru.set_weights([rng.normal(0, 0.5, w.shape) for w in gru.get_weights()])
    x = rng.normal(size=(2, 8, 4)).astype("float32")
    out_both, out_rec = model.predict(x)
    np.testing.assert_allclose(
        out_both, numpy_gru_zoneout(x, *both.get_weights(), rate=0.0), atol=1e-5
    )
    np.testing.assert_allclose(
        out_rec, numpy_gru_zoneout(x, *recurrent_only.get_weights(), rate=0.0), atol=1e-5
    )


def test_wrapper_weights_are_the_wrapped_layers_weights():
    gru = GRU(4, input_shape=(5, 3))
    outer = ZoneOut(DropConnect(gru, 0.5), 0.1)
    model = Sequential([outer])
    assert model.outputs[0].shape == (None, 4)  # input_shape taken from the GRU
    assert outer.weights == gru.weights and len(outer.weights) == 3
    assert outer.trainable_weights == gru.trainable_weights
    assert outer.count_params() == gru.count_params()
    assert len(outer.rngs) == 2  # ZoneOut's and DropConnect's; the GRU needs none
    new = [w + 1 for w in outer.get_weights()]
    outer.set_weights(new)
    np.testing.assert_array_equal(gru.get_weights()[0], new[0])


def test_symbolic_phase_flag_switches_every_regularizer():
    K.set_floatx("float64")
    x = pt.tensor("x", shape=(None, 5, 2))
    gru = GRU(3, dropout=0.3, recurrent_dropout=0.3, return_sequences=True)
    out = ZoneOut(DropConnect(gru, 0.3), 0.2)(x)  # no training=: the learning-phase flag
    fn = K.function([x, K.learning_phase()], out)
    rng = np.random.default_rng(9)
    gru.set_weights([rng.normal(0, 0.5, w.shape) for w in gru.get_weights()])
    xv = rng.normal(size=(4, 5, 2))
    test = fn(xv, np.uint8(0))
    np.testing.assert_allclose(
        test, numpy_gru_zoneout(xv, *gru.get_weights(), rate=0.2), atol=1e-10
    )
    np.testing.assert_array_equal(fn(xv, np.uint8(0)), test)
    train = fn(xv, np.uint8(1))
    assert not np.allclose(train, test) and not np.allclose(fn(xv, np.uint8(1)), train)


# ------------------------------------------- gradients with fixed masks


# In the JAX mode, PyTensor's linker announces that each compiled function
# draws from a private copy of the layers' generators: with no update, that is
# the fixed masks this test relies on, as in the other modes.
@pytest.mark.filterwarnings("ignore:The RandomType SharedVariables .* will not be used")
def test_wrapped_gru_gradients_match_finite_differences_with_fixed_masks():
    """Masks are drawn outside the loop, so gradients flow through scan.

    verify_grad compiles without generator updates, so every evaluation sees
    the same masks: the finite differences then check the masked function.
    """
    K.set_floatx("float64")
    x = pt.tensor("x", shape=(None, None, 2))
    gru = GRU(2, return_sequences=True, dropout=0.3, recurrent_dropout=0.3)
    layer = ZoneOut(DropConnect(gru, 0.3), 0.3)
    out = layer(x, training=True)
    rng = np.random.default_rng(7)
    gru.set_weights([rng.normal(0, 0.5, w.shape) for w in gru.get_weights()])
    weights = gru.weights

    def fun(xv, *ws):
        return clone_replace(out, {x: xv, **dict(zip(weights, ws))})

    values = [rng.normal(size=(2, 4, 2))] + [w.get_value() for w in weights]
    verify_grad(fun, values, rng=rng, mode=pytensor_mode(), abs_tol=1e-6, rel_tol=1e-6)


# ------------------------------------------------ training end to end

SV, ST, SN = 5, 8, 128


@pytest.fixture(scope="module")
def regularized():
    """A masked sequence model with every regularizer, and a copy-the-previous-token task."""
    K.set_mode(TEST_MODE)
    gru = GRU(16, dropout=0.1, recurrent_dropout=0.1, return_sequences=True, seed=1)
    dropconnect = DropConnect(gru, 0.2, seed=2)
    zone = ZoneOut(dropconnect, 0.1, seed=3)
    model = Sequential(
        [Embedding(SV, 8, mask_zero=True, input_length=ST), zone, Dense(SV, activation="softmax")]
    )
    model.compile(Adam(learning_rate=0.02), "sparse_categorical_crossentropy")
    rng = np.random.default_rng(0)
    x = rng.integers(1, SV, size=(SN, ST))
    x[: SN // 4, :2] = 0
    y = np.concatenate([np.zeros((SN, 1), int), x[:, :-1]], axis=1)
    return model, {"gru": gru, "dropconnect": dropconnect, "zoneout": zone}, x, y


def rng_states(layer):
    return [str(r.get_value().bit_generator.state) for r in layer._rngs]


def test_train_function_draws_new_masks_for_every_regularizer_at_every_call(regularized):
    model, layers, x, y = regularized
    weights = model.get_weights()
    seen = {name: [rng_states(layer)] for name, layer in layers.items()}
    losses = []
    for _ in range(2):
        model.set_weights(weights)  # the same weights: only the masks can change the loss
        losses.append(model.train_on_batch(x[:16], y[:16]))
        for name, layer in layers.items():
            seen[name].append(rng_states(layer))
    for name, states in seen.items():
        assert len(states[0]) == 1, f"{name} should own one generator"
        assert states[0] != states[1] != states[2], f"{name}'s generator did not advance"
    assert losses[0] != losses[1]
    model.set_weights(weights)


def test_prediction_is_deterministic_and_has_no_random_node(regularized):
    model, _, x, _ = regularized
    np.testing.assert_array_equal(model.predict(x[:8]), model.predict(x[:8]))
    assert model.make_predict_function().random_nodes() == []
    assert model.make_train_function().random_nodes() != []


def test_regularized_gru_model_cuts_its_training_loss(regularized):
    model, _, x, y = regularized
    before = model.evaluate(x, y)
    history = model.fit(x, y, epochs=10, batch_size=32, verbose=0)
    after = model.evaluate(x, y)
    # Chance is ln 5 = 1.61; without memory the best is about 1.4 (only step 0 is known).
    assert after < 0.6 * before, (before, after, history.history["loss"])


# ----------------------------------------------------------------- errors


def test_zoneout_rejects_a_non_recurrent_layer():
    with pytest.raises(
        TypeError,
        match=r"ZoneOut 'z': ZoneOut wraps a recurrent layer \(an RNN "
        r"such as LSTM or GRU, or a wrapper of one\), received "
        r"Dense 'd', which has no state to keep",
    ):
        ZoneOut(Dense(3, name="d"), 0.1, name="z")
    with pytest.raises(TypeError, match="received DropConnect 'dc', which has no state to keep"):
        ZoneOut(DropConnect(Dense(3), 0.1, name="dc"), 0.1)
    with pytest.raises(TypeError, match="ZoneOut wraps a Layer instance, received str"):
        ZoneOut("gru", 0.1)


def test_dropconnect_names_the_weights_of_a_layer_without_kernels_when_built():
    layer = DropConnect(Embedding(10, 4, name="emb"), 0.5, name="dc")
    with pytest.raises(
        ValueError,
        match=r"DropConnect 'dc': Embedding 'emb' has no kernel or "
        r"recurrent_kernel to drop by default; name the weights "
        r"to drop with weights=\[...\] from \['embeddings'\]",
    ):
        layer(Input(shape=(3,), dtype="int32"))
    embedding = DropConnect(Embedding(10, 4), 0.5, weights=["embeddings"])
    embedding(Input(shape=(3,), dtype="int32"))
    assert embedding.dropped_names == ["embeddings"]


def test_dropconnect_rejects_unknown_weight_names():
    with pytest.raises(
        ValueError,
        match=r"DropConnect 'dc': GRU 'g' has no weight 'gamma'; "
        r"choose from \['kernel', 'recurrent_kernel', 'bias'\]",
    ):
        DropConnect(GRU(4, name="g"), 0.5, weights=["gamma"], name="dc")
    with pytest.raises(TypeError, match="weights must be a non-empty list"):
        DropConnect(GRU(4), 0.5, weights="kernel")


@pytest.mark.parametrize("rate", [1.0, -0.1, 1.5])
def test_wrappers_reject_rates_outside_zero_one(rate):
    with pytest.raises(
        ValueError,
        match=r"DropConnect 'dc': rate must be a number in \[0, 1\), "
        rf"received {rate}",
    ):
        DropConnect(GRU(4), rate, name="dc")
    with pytest.raises(
        ValueError,
        match=r"ZoneOut 'zo': rate must be a number in \[0, 1\), "
        rf"received {rate}. It is the probability that a unit "
        "keeps its previous value",
    ):
        ZoneOut(GRU(4), rate, name="zo")


@pytest.mark.parametrize("rate", ["0.5", True, None])
def test_wrappers_reject_rates_that_are_not_numbers(rate):
    with pytest.raises(TypeError, match=r"DropConnect 'dc': rate must be a number"):
        DropConnect(GRU(4), rate, name="dc")
    with pytest.raises(TypeError, match=r"ZoneOut 'zo': rate must be a number"):
        ZoneOut(GRU(4), rate, name="zo")


def test_wrapped_gru_rejects_a_2d_input_before_building():
    gru = GRU(4, name="inner")
    layer = ZoneOut(DropConnect(gru, 0.5), 0.1)
    with pytest.raises(ValueError, match=r"Layer 'inner' \(GRU\) expects a 3-D input"):
        layer(Input(shape=(6,)))
    assert not gru.built


# ---------------------------------------------------------- configuration


def test_nested_wrapper_config_round_trip():
    outer = ZoneOut(
        DropConnect(
            GRU(5, return_sequences=True, seed=4), 0.25, weights=["recurrent_kernel"], seed=9
        ),
        0.15,
        seed=2,
        input_shape=(7, 3),
    )
    config = outer.get_config()
    inner = config["layer"]
    assert inner["class_name"] == "DropConnect"
    assert inner["config"]["layer"]["class_name"] == "GRU"
    assert inner["config"]["weights"] == ["recurrent_kernel"]
    clone = ZoneOut.from_config(config)
    assert clone.get_config() == config
    assert isinstance(clone.layer, DropConnect) and isinstance(clone.layer.layer, GRU)
    assert clone.layer.layer.return_sequences and clone.rate == 0.15
