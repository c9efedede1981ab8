"""GaussianNoise, GaussianDropout, SpatialDropout1D: statistics, phase, seeds, fresh noise."""

import json
import math

import numpy as np
import pytensor.tensor as pt
import pytest

# Module fixtures run before the per-test fixture that sets the mode.
from conftest import TEST_MODE as MODE  # the suite's one mode

from kerasque import backend as K
from kerasque.layers import Dense, Flatten, GaussianDropout, GaussianNoise, Input, SpatialDropout1D
from kerasque.models import Sequential
from kerasque.optimizers import SGD

BATCH, TIME, CHANNELS = 100, 6, 50
N = BATCH * TIME * CHANNELS


@pytest.fixture(scope="module")
def probe():
    """One compiled function: every layer, training phase, on one input."""
    layers = {
        "noise": GaussianNoise(0.5, seed=3),
        "noise_twin": GaussianNoise(0.5, seed=3),
        "noise_other": GaussianNoise(0.5, seed=4),
        "gdrop": GaussianDropout(0.3, seed=5),
        "spatial": SpatialDropout1D(0.4, seed=6),
    }
    x = Input(shape=(TIME, CHANNELS))
    outs = [layer(x, training=True) for layer in layers.values()]
    fn = K.function([x], outs, mode=MODE)

    def run(value):
        return dict(zip(layers, fn(value)))

    run.compiled = fn.compiled
    return run


@pytest.fixture(scope="module")
def model():
    """A compiled model holding the three layers, for the train and predict functions."""
    m = Sequential(
        [
            GaussianNoise(0.5, seed=11, input_shape=(TIME, 4)),
            GaussianDropout(0.3, seed=12),
            SpatialDropout1D(0.5, seed=13),
            Flatten(),
            Dense(1),
        ]
    )
    # A negligible step, so two losses of one batch differ only by the noise.
    m.compile(SGD(learning_rate=1e-12), "mse", mode=MODE)
    return m


def _ones():
    return np.ones((BATCH, TIME, CHANNELS), "float32")


# ---------------------------------------------------------------- statistics


def test_gaussian_noise_adds_zero_mean_noise_with_the_given_stddev(probe):
    x = np.random.default_rng(0).normal(size=(BATCH, TIME, CHANNELS)).astype("float32")
    noise = probe(x)["noise"] - x
    # Mean of N draws of N(0, 0.25): within 5 standard errors of 0.
    assert abs(noise.mean()) < 5 * 0.5 / math.sqrt(N)
    # The sample std has relative standard error 1/sqrt(2N) (0.2 % here).
    assert abs(noise.std() / 0.5 - 1) < 0.02


def test_gaussian_dropout_multiplies_by_noise_of_mean_one_and_variance_rate_over_keep(probe):
    x = np.full((BATCH, TIME, CHANNELS), 2.0, "float32")
    factor = probe(x)["gdrop"] / 2.0
    variance = 0.3 / 0.7
    assert abs(factor.mean() - 1) < 5 * math.sqrt(variance / N)
    assert abs(factor.var() / variance - 1) < 0.03
    # Continuous noise: no value is dropped to exactly zero.
    assert np.count_nonzero(factor == 0) == 0


def test_spatial_dropout_keeps_the_expected_fraction_of_channels_with_inverted_scaling(probe):
    out = probe(_ones())["spatial"]
    values = np.unique(out)
    assert np.all((values == 0) | np.isclose(values, 1 / 0.6, rtol=1e-6))
    kept = out[:, 0, :] != 0  # one draw per (sample, channel)
    assert abs(kept.mean() - 0.6) < 5 * math.sqrt(0.6 * 0.4 / kept.size)


def test_spatial_dropout_mask_is_constant_along_time_and_varies_across_samples(probe):
    out = probe(_ones())["spatial"]
    for t in range(1, TIME):
        np.testing.assert_array_equal(out[:, t, :], out[:, 0, :])
    # Not one mask for the whole batch: samples differ.
    assert len({row.tobytes() for row in out[:, 0, :]}) > 1


def test_same_seed_gives_same_noise_and_other_seed_other_noise(probe):
    outs = probe(_ones())
    np.testing.assert_array_equal(outs["noise"], outs["noise_twin"])
    assert not np.array_equal(outs["noise"], outs["noise_other"])


def test_two_calls_of_one_compiled_function_draw_different_noise(probe):
    first, second = probe(_ones()), probe(_ones())
    for name in first:
        assert not np.array_equal(first[name], second[name]), name


# ---------------------------------------------------------------- models


def test_two_calls_of_the_compiled_train_function_draw_different_noise(model):
    noisy = [layer for layer in model.layers if layer.rngs]
    assert len(noisy) == 3
    x = np.ones((8, TIME, 4), "float32")
    y = np.zeros((8, 1), "float32")

    def states():
        return [json.dumps(lay.rng.get_value().bit_generator.state, default=str) for lay in noisy]

    before = states()
    loss_a = model.train_on_batch(x, y)
    middle = states()
    loss_b = model.train_on_batch(x, y)
    after = states()
    # Every layer's generator advances at every call...
    assert all(a != b for a, b in zip(before, middle))
    assert all(a != b for a, b in zip(middle, after))
    # ...so the same batch gives another loss (the weights barely move).
    assert loss_a != loss_b


def test_prediction_is_the_identity_with_no_random_node(model):
    predict = model.make_predict_function()
    assert predict.random_nodes() == []
    x = np.random.default_rng(1).normal(size=(5, TIME, 4)).astype("float32")
    kernel, bias = model.layers[-1].get_weights()
    expected = x.reshape(5, -1) @ kernel + bias
    np.testing.assert_allclose(model.predict(x), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(model.predict(x), model.predict(x))


def test_monte_carlo_prediction_draws_fresh_noise(model):
    x = np.ones((5, TIME, 4), "float32")
    a = model.predict(x, training=True)
    b = model.predict(x, training=True)
    assert not np.array_equal(a, b)
    assert not np.array_equal(a, model.predict(x))


def test_a_symbolic_learning_phase_switches_between_noise_and_identity():
    layers = [
        GaussianNoise(1.0, seed=1),
        GaussianDropout(0.5, seed=2),
        SpatialDropout1D(0.5, seed=3),
    ]
    x = Input(shape=(3, 4))
    f = K.function([x, K.learning_phase()], [layer(x) for layer in layers], mode=MODE)
    value = np.random.default_rng(2).uniform(1, 2, size=(6, 3, 4)).astype("float32")
    for out in f(value, np.uint8(0)):
        np.testing.assert_array_equal(out, value)
    for out in f(value, np.uint8(1)):
        assert not np.array_equal(out, value)


# ---------------------------------------------------------------- no noise at all


@pytest.mark.parametrize("layer", [GaussianNoise(0.0), GaussianDropout(0.0), SpatialDropout1D(0)])
def test_a_zero_rate_or_stddev_builds_no_generator_and_returns_the_input(layer):
    x = pt.tensor3("x")
    assert layer(x, training=True) is x
    assert layer.rngs == []


@pytest.mark.parametrize("cls", [GaussianNoise, GaussianDropout, SpatialDropout1D])
def test_inference_returns_the_input_without_a_draw(cls):
    x = pt.tensor3("x")
    assert cls(0.2, seed=1)(x, training=False) is x


# ---------------------------------------------------------------- bad arguments


@pytest.mark.parametrize(
    "make, match",
    [
        (
            lambda: GaussianNoise(-0.1),
            r"GaussianNoise 'gaussian_noise_\d+': stddev must be a finite number >= 0, "
            r"received -0.1",
        ),
        (
            lambda: GaussianNoise(float("inf")),
            r"GaussianNoise .*stddev must be a finite number >= 0, received inf",
        ),
        (
            lambda: GaussianDropout(1.0),
            r"GaussianDropout 'gaussian_dropout_\d+': rate must be a number in \[0, 1\), "
            r"received 1.0",
        ),
        (lambda: GaussianDropout(-0.5), r"GaussianDropout .*rate must be a number in \[0, 1\)"),
        (
            lambda: SpatialDropout1D(1.5),
            r"SpatialDropout1D .*rate must be a number in \[0, 1\), received 1.5",
        ),
        (
            lambda: SpatialDropout1D(0.5, seed=-3),
            r"SpatialDropout1D .*seed must be a non-negative integer or None, received -3",
        ),
    ],
)
def test_bad_arguments_raise_value_errors_naming_the_layer(make, match):
    with pytest.raises(ValueError, match=match):
        make()


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: GaussianNoise("0.1"), r"GaussianNoise .*stddev must be .* received '0.1' \(str\)"),
        (lambda: GaussianDropout(None), r"GaussianDropout .*rate must be .* received None"),
        (
            lambda: SpatialDropout1D(0.5, seed="3"),
            r"SpatialDropout1D .*seed must be a non-negative integer or None, received '3' \(str\)",
        ),
    ],
)
def test_arguments_of_the_wrong_type_raise_type_errors_naming_the_layer(make, match):
    with pytest.raises(TypeError, match=match):
        make()


def test_spatial_dropout_refuses_an_input_that_is_not_three_dimensional():
    match = (
        r"\(SpatialDropout1D\) expects input with 3 dimensions, "
        r"received input of shape \(None, 5\)"
    )
    with pytest.raises(ValueError, match=match):
        SpatialDropout1D(0.5)(Input(shape=(5,)))


def test_unknown_keywords_are_refused_with_a_suggestion():
    with pytest.raises(TypeError, match="GaussianNoise got an unexpected keyword argument 'sedd'"):
        GaussianNoise(0.1, sedd=3)


# ---------------------------------------------------------------- configuration


@pytest.mark.parametrize(
    "layer",
    [GaussianNoise(0.25, seed=5, name="gn"), GaussianDropout(0.4, seed=6), SpatialDropout1D(0.1)],
)
def test_config_round_trips_through_json(layer):
    config = json.loads(json.dumps(layer.get_config()))
    clone = type(layer).from_config(config)
    assert clone.get_config() == layer.get_config()
    assert clone.seed == layer.seed and clone.name == layer.name
