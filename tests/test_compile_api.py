"""compile as Keras has it: per-output losses, loss weights, metrics, loss=None."""

import numpy as np
import pytensor.tensor as pt
import pytest

from kerasque.engine import context
from kerasque.engine.base_layer import Layer
from kerasque.layers import BatchNormalization, Dense, Input
from kerasque.models import Model, Sequential
from kerasque.optimizers import SGD


def per_sample_mse(y_true, y_pred):
    """A user loss written the Keras way: one value per sample."""
    return pt.mean(pt.sqr(y_pred - y_true), axis=-1)


def per_sample_mae(y_true, y_pred):
    return pt.mean(pt.abs(y_pred - y_true), axis=-1)


def _two_outputs():
    x = Input(shape=(3,), name="features")
    h = Dense(4, activation="tanh", name="hidden")(x)
    return Model(x, [Dense(2, name="left")(h), Dense(1, name="right")(h)])


def _data(n=8):
    rng = np.random.default_rng(0)
    return (
        rng.normal(size=(n, 3)).astype("float32"),
        rng.normal(size=(n, 2)).astype("float32"),
        rng.normal(size=(n, 1)).astype("float32"),
    )


def test_loss_dict_and_loss_weights_give_the_weighted_sum_of_output_losses():
    x, ya, yb = _data()
    model = _two_outputs()
    model.compile(
        "sgd",
        loss={"left": per_sample_mse, "right": per_sample_mae},
        loss_weights={"left": 0.3, "right": 2.0},
    )
    assert model.metrics_names == ["loss", "left_loss", "right_loss"]
    pa, pb = model.predict(x)
    left, right = np.mean((pa - ya) ** 2), np.mean(np.abs(pb - yb))
    total, got_left, got_right = model.evaluate(x, {"left": ya, "right": yb}, batch_size=8)
    np.testing.assert_allclose([got_left, got_right], [left, right], rtol=1e-5)
    np.testing.assert_allclose(total, 0.3 * left + 2.0 * right, rtol=1e-5)


def test_loss_and_loss_weights_as_lists_follow_the_output_order():
    x, ya, yb = _data()
    model = _two_outputs()
    model.compile("sgd", loss=[per_sample_mse, per_sample_mse], loss_weights=[1.0, 0.5])
    pa, pb = model.predict(x)
    total = model.evaluate(x, [ya, yb], batch_size=8)[0]
    np.testing.assert_allclose(
        total, np.mean((pa - ya) ** 2) + 0.5 * np.mean((pb - yb) ** 2), rtol=1e-5
    )


def test_an_output_left_out_of_the_loss_dict_does_not_train_and_needs_no_target():
    x, ya, _ = _data()
    model = _two_outputs()
    with pytest.warns(UserWarning, match="'right' is missing from the loss dictionary"):
        model.compile("sgd", loss={"left": per_sample_mse})
    assert model.metrics_names == ["loss", "left_loss"]
    history = model.fit(x, {"left": ya}, epochs=1, verbose=0)
    assert set(history.history) == {"loss", "left_loss"}


def test_loss_dict_naming_an_unknown_output_is_refused_with_the_valid_names():
    model = _two_outputs()
    with pytest.raises(
        ValueError, match=r"loss names output 'lefty'.*Did you mean 'left'.*\['left', 'right'\]"
    ):
        model.compile("sgd", loss={"lefty": "mse", "right": "mse"})


def test_a_loss_list_of_the_wrong_length_is_refused():
    with pytest.raises(ValueError, match=r"2 output\(s\) \['left', 'right'\].*received 3"):
        _two_outputs().compile("sgd", loss=["mse", "mse", "mse"])


def test_loss_weights_must_be_numbers():
    with pytest.raises(
        TypeError, match=r"loss_weights for output 'left' must be a number, received str"
    ):
        _two_outputs().compile("sgd", loss="mse", loss_weights=["a", 1.0])


def test_metrics_by_output_name_and_as_list_of_lists_log_keras_names():
    x, ya, yb = _data()
    model = _two_outputs()
    model.compile("sgd", loss="mse", metrics={"left": ["mae"], "right": ["mse", "mae"]})
    assert model.metrics_names == [
        "loss",
        "left_loss",
        "right_loss",
        "left_mae",
        "right_mse",
        "right_mae",
    ]
    history = model.fit(x, [ya, yb], epochs=1, verbose=0, validation_data=(x, [ya, yb]))
    assert "val_right_mae" in history.history
    model.compile("sgd", loss="mse", metrics=[["mae"], []])
    assert model.metrics_names == ["loss", "left_loss", "right_loss", "left_mae"]
    model.compile("sgd", loss="mse", metrics=["mae"])
    assert model.metrics_names[-2:] == ["left_mae", "right_mae"]


def test_metrics_must_be_a_list_not_a_bare_name():
    with pytest.raises(TypeError, match=r"metrics must be a list.*metrics=\['mae'\]"):
        _two_outputs().compile("sgd", loss="mse", metrics="mae")


def test_weighted_metrics_are_prefixed_and_use_the_sample_weights():
    x, ya, _ = _data()
    model = Sequential([Dense(2, input_shape=(3,))])
    model.compile(
        "sgd", loss=per_sample_mse, metrics=[per_sample_mae], weighted_metrics=[per_sample_mae]
    )
    assert model.metrics_names == ["loss", "per_sample_mae", "weighted_per_sample_mae"]
    w = np.array([0, 0, 1, 1, 2, 2, 0, 1], dtype="float32")
    err = np.mean(np.abs(model.predict(x) - ya), axis=-1)
    _, plain, weighted = model.evaluate(x, ya, sample_weight=w, batch_size=8)
    np.testing.assert_allclose(plain, err.mean(), rtol=1e-5)
    # Keras: mean(value * w) / mean(w != 0)
    np.testing.assert_allclose(weighted, np.mean(err * w) / np.mean(w != 0), rtol=1e-5)


class PenaltyLayer(Layer):
    """Adds 0.5 * sum(inputs ** 2) to the model's loss while it is called."""

    def call(self, inputs):
        context.current().add_loss(0.5 * pt.sum(pt.sqr(inputs)))
        return inputs


def test_loss_none_trains_a_model_whose_loss_comes_from_added_loss_terms():
    x = Input(shape=(2,))
    model = Model(x, PenaltyLayer()(Dense(2, use_bias=False, kernel_initializer="ones")(x)))
    model.compile(SGD(0.1), loss=None)
    data = np.ones((4, 2), "float32")
    expected = 0.5 * np.sum(model.predict(data[:1]) ** 2)
    assert model.train_on_batch(data[:1], None) == pytest.approx(expected, rel=1e-5)
    history = model.fit(data, None, batch_size=1, epochs=3, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_loss_none_without_any_loss_term_says_there_is_nothing_to_optimize():
    model = Sequential([Dense(1, input_shape=(2,))])
    model.compile("sgd", loss=None)
    with pytest.raises(ValueError, match="has no loss to optimize"):
        model.fit(np.ones((2, 2)), None, verbose=0)


def test_compile_works_on_a_sequential_before_it_has_a_graph():
    model = Sequential()
    model.compile(SGD(0.1), "mse", metrics=["mae"])
    model.add(Dense(1, input_shape=(2,)))
    history = model.fit(np.ones((4, 2)), np.zeros(4), epochs=1, verbose=0)
    assert set(history.history) == {"loss", "mae"}


def test_sample_weight_mode_must_be_none_or_temporal():
    with pytest.raises(
        ValueError,
        match=r"sample_weight_mode for output 'dense_\d+' must be None or 'temporal', "
        r"received 'per-step'",
    ):
        Sequential([Dense(1, input_shape=(2,))]).compile(
            "sgd", "mse", sample_weight_mode="per-step"
        )


def test_a_model_without_trainable_weights_fits_and_updates_its_batchnorm_statistics():
    bn = BatchNormalization(input_shape=(3,), center=False, scale=False)
    model = Sequential([bn])
    model.compile("sgd", "mse")
    assert model.trainable_weights == []
    before = bn.moving_mean.get_value().copy()
    model.fit(np.full((8, 3), 5.0, "float32"), np.zeros((8, 3)), epochs=1, verbose=0)
    assert np.all(bn.moving_mean.get_value() > before)


def test_changing_trainable_after_compile_warns_at_fit_to_recompile():
    first = Dense(2, input_shape=(3,))
    model = Sequential([first, Dense(1)])
    model.compile("sgd", "mse")
    first.trainable = False  # silent: fit says it, once
    x, y = np.ones((4, 3)), np.zeros(4)
    with pytest.warns(
        UserWarning,
        match=r"trainable.*changed after model .* was compiled.*compile\(\.\.\.\) again",
    ):
        model.fit(x, y, verbose=0)
    model.compile("sgd", "mse")
    kernel = first.get_weights()[0].copy()
    model.fit(x, y, verbose=0)  # recompiled: no warning, the frozen layer stays put
    np.testing.assert_array_equal(first.get_weights()[0], kernel)
