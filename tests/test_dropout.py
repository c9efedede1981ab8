"""Dropout: statistics, scaling rules, the phase, seeds, and fresh masks per call."""

import numpy as np
import pytensor.tensor as pt
import pytest

from kerasque import backend as K
from kerasque.layers import Dense, Dropout
from kerasque.models import Sequential


def _drop_fn(layer, shape=(200, 50), training=True):
    x = pt.matrix("x")
    y = layer(x, training=training)
    return K.function([x], y)


def test_dropout_keeps_the_expected_fraction_and_scales_inverted():
    f = _drop_fn(Dropout(0.3, seed=1))
    out = f(np.ones((200, 50), "float32"))
    kept = out != 0
    # 10,000 Bernoulli(0.7) draws: the kept fraction is within 5 sigma of 0.7.
    assert abs(kept.mean() - 0.7) < 5 * np.sqrt(0.7 * 0.3 / kept.size)
    np.testing.assert_allclose(out[kept], 1 / 0.7, rtol=1e-6)


def test_test_scaling_keeps_units_unscaled_and_multiplies_by_keep_at_inference():
    layer = Dropout(0.25, seed=3, scaling="test")
    out = _drop_fn(layer)(np.ones((200, 50), "float32"))
    assert set(np.unique(out)) <= {0.0, 1.0}
    inference = _drop_fn(layer, training=False)(np.full((4, 5), 2.0, "float32"))
    np.testing.assert_allclose(inference, 1.5)


def test_inverted_dropout_is_identity_at_inference_and_builds_no_random_node():
    layer = Dropout(0.5, seed=2)
    f = _drop_fn(layer, training=False)
    x = np.random.rand(3, 4).astype("float32")
    np.testing.assert_array_equal(f(x), x)
    assert f.compiled.random_nodes() == []


def test_two_calls_of_a_compiled_training_function_draw_different_masks():
    f = _drop_fn(Dropout(0.5, seed=4))
    x = np.ones((20, 30), "float32")
    assert not np.array_equal(f(x), f(x))


def test_same_seed_gives_same_masks_and_other_seed_other_masks():
    x = np.ones((20, 30), "float32")
    a = _drop_fn(Dropout(0.5, seed=7))(x)
    b = _drop_fn(Dropout(0.5, seed=7))(x)
    c = _drop_fn(Dropout(0.5, seed=8))(x)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_noise_shape_shares_one_mask_along_axes_given_as_one():
    x = pt.tensor3("x")
    f = K.function([x], Dropout(0.5, noise_shape=(None, 1, None), seed=5)(x, training=True))
    out = f(np.ones((6, 7, 8), "float32"))
    assert np.all(out == out[:, :1, :])
    assert 0 < (out != 0).mean() < 1


def test_noise_shape_of_wrong_length_is_refused():
    x = pt.tensor3("x")
    with pytest.raises(
        ValueError, match=r"noise_shape \(None, 1\) must have one entry per input dimension"
    ):
        Dropout(0.5, noise_shape=(None, 1))(x, training=True)


@pytest.mark.parametrize("rate", [-0.1, 1.0, 1.5])
def test_rate_outside_zero_one_is_a_value_error_naming_it(rate):
    with pytest.raises(
        ValueError,
        match=rf"Dropout 'dropout_\d+': rate must be a number in \[0, 1\), received {rate}",
    ):
        Dropout(rate)


@pytest.mark.parametrize("rate", ["half", True, None])
def test_rate_of_the_wrong_type_is_a_type_error(rate):
    with pytest.raises(TypeError, match=r"rate must be a number in \[0, 1\), received"):
        Dropout(rate)


def test_unknown_scaling_is_refused():
    with pytest.raises(ValueError, match="scaling must be 'inverted' or 'test', received 'train'"):
        Dropout(0.5, scaling="train")


def test_rate_zero_builds_no_random_node_even_in_training():
    f = _drop_fn(Dropout(0.0), training=True)
    x = np.random.rand(3, 4).astype("float32")
    np.testing.assert_array_equal(f(x), x)
    assert f.compiled.random_nodes() == []


def test_symbolic_learning_phase_switches_between_train_and_test():
    x = pt.matrix("x")
    y = Dropout(0.5, seed=9)(x)  # training=None: the symbolic learning phase
    f = K.function([x, K.learning_phase()], y)
    data = np.ones((30, 40), "float32")
    np.testing.assert_array_equal(f(data, 0), data)
    train = f(data, 1)
    assert set(np.unique(train)) == {0.0, 2.0}
    assert not np.array_equal(train, f(data, 1))


def test_model_train_function_draws_fresh_masks_and_predict_none():
    model = Sequential(
        [Dense(64, input_shape=(8,), kernel_initializer="ones"), Dropout(0.5, seed=11)]
    )
    model.compile("sgd", "mse")
    train = model.make_train_function()
    assert len(train.random_nodes()) == 1
    assert model.make_predict_function().random_nodes() == []
    assert model.make_test_function().random_nodes() == []
    rng = model.layers[1].rng
    states = []
    for _ in range(2):
        model.train_on_batch(np.ones((4, 8)), np.zeros((4, 64)))
        states.append(str(rng.get_value().bit_generator.state))
    assert states[0] != states[1]
    before = str(rng.get_value().bit_generator.state)
    model.predict(np.ones((4, 8)))
    model.evaluate(np.ones((4, 8)), np.zeros((4, 64)))
    assert str(rng.get_value().bit_generator.state) == before  # validation consumes no randomness
    x = np.ones((4, 8), "float32")
    np.testing.assert_array_equal(model.predict(x), model.predict(x))
    assert not np.array_equal(model.predict(x, training=True), model.predict(x, training=True))


def test_dropout_config_keeps_noise_shape_seed_and_scaling():
    layer = Dropout(0.2, noise_shape=(None, 1), seed=5, scaling="test", name="d")
    clone = Dropout.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    assert clone.noise_shape == (None, 1) and clone.seed == 5 and clone.scaling == "test"
