"""Initializers: Keras 2 and Keras 3 names and classes, statistics, seeds, configs."""

import json

import numpy as np
import pytest

from kerasque import initializers
from kerasque.layers import Dense
from kerasque.models import Sequential

KERAS_2_NAMES = [
    "zeros",
    "ones",
    "constant",
    "random_normal",
    "random_uniform",
    "truncated_normal",
    "variance_scaling",
    "orthogonal",
    "identity",
    "lecun_uniform",
    "lecun_normal",
    "glorot_normal",
    "glorot_uniform",
    "he_normal",
    "he_uniform",
    "normal",
    "uniform",
]
KERAS_3_NAMES = [
    "Zeros",
    "Ones",
    "Constant",
    "RandomNormal",
    "RandomUniform",
    "TruncatedNormal",
    "VarianceScaling",
    "Orthogonal",
    "Identity",
    "LecunUniform",
    "LecunNormal",
    "GlorotNormal",
    "GlorotUniform",
    "HeNormal",
    "HeUniform",
    "IdentityInitializer",
    "OrthogonalInitializer",
    "zero",
    "one",
]


@pytest.mark.parametrize("name", KERAS_2_NAMES + KERAS_3_NAMES)
def test_every_name_gives_an_initializer_of_the_requested_shape_and_dtype(name):
    init = initializers.get(name)
    assert isinstance(init, initializers.Initializer)
    value = init((6, 6), dtype="float32", rng=np.random.default_rng(0))
    assert value.shape == (6, 6) and value.dtype == np.float32


@pytest.mark.parametrize(
    "name",
    [
        "glorot_uniform",
        "he_normal",
        "lecun_uniform",
        "orthogonal",
        "random_normal",
        "truncated_normal",
        "zeros",
    ],
)
def test_lowercase_module_attributes_are_the_classes_so_keras_2_calls_work(name):
    attr = getattr(initializers, name)
    assert isinstance(attr, type) and issubclass(attr, initializers.Initializer)
    assert isinstance(attr(), attr)


def _draw(init, shape=(400, 300)):
    return init(shape, dtype="float64", rng=np.random.default_rng(1))


@pytest.mark.parametrize(
    "init, std",
    [
        (initializers.GlorotUniform(), np.sqrt(2 / 700)),
        (initializers.GlorotNormal(), np.sqrt(2 / 700)),
        (initializers.HeUniform(), np.sqrt(2 / 400)),
        (initializers.HeNormal(), np.sqrt(2 / 400)),
        (initializers.LecunUniform(), np.sqrt(1 / 400)),
        (initializers.LecunNormal(), np.sqrt(1 / 400)),
        (initializers.VarianceScaling(3.0, "fan_out", "untruncated_normal"), np.sqrt(3 / 300)),
        (initializers.RandomNormal(0.0, 0.2), 0.2),
        (initializers.RandomUniform(-0.3, 0.3), 0.3 / np.sqrt(3)),
    ],
)
def test_scaled_initializers_have_the_variance_keras_gives_them(init, std):
    # 120,000 draws: the sample standard deviation is within 2% of the target.
    value = _draw(init)
    assert abs(value.mean()) < 0.01 * std * 10
    assert abs(value.std() / std - 1) < 0.02


def test_truncated_normals_stay_within_two_standard_deviations():
    value = _draw(initializers.TruncatedNormal(mean=1.0, stddev=0.1))
    assert value.min() >= 0.8 and value.max() <= 1.2
    he = _draw(initializers.HeNormal())
    assert np.abs(he).max() <= 2 * np.sqrt(2 / 400) / 0.87962566103423978 + 1e-12


def test_uniform_limits_follow_the_fans():
    value = _draw(initializers.GlorotUniform())
    limit = np.sqrt(6 / 700)
    assert value.max() <= limit and value.min() >= -limit and value.max() > 0.99 * limit


def test_constant_identity_and_orthogonal_give_their_matrices():
    np.testing.assert_array_equal(initializers.Constant(0.5)((2, 3)), np.full((2, 3), 0.5))
    np.testing.assert_array_equal(initializers.Identity(gain=2.0)((3, 3)), 2 * np.eye(3))
    np.testing.assert_array_equal(initializers.Identity()((2, 4)), np.hstack([np.eye(2)] * 2))
    np.testing.assert_array_equal(initializers.Identity()((6, 2)), np.vstack([np.eye(2)] * 3))
    with pytest.raises(
        ValueError, match=r"larger size is a multiple of the smaller .* received shape \(2, 3\)"
    ):
        initializers.Identity()((2, 3))
    q = initializers.Orthogonal(gain=3.0)((4, 6), rng=np.random.default_rng(0))
    np.testing.assert_allclose(q @ q.T, 9 * np.eye(4), atol=1e-5)
    with pytest.raises(
        ValueError, match=r"Identity initializer needs a 2-D shape .* received shape \(2, 2, 2\)"
    ):
        initializers.Identity()((2, 2, 2))


def test_a_seeded_initializer_gives_the_same_values_every_time_and_an_unseeded_one_does_not():
    seeded = initializers.RandomNormal(seed=3)
    np.testing.assert_array_equal(seeded((4, 4)), seeded((4, 4), rng=np.random.default_rng(9)))
    free = initializers.RandomNormal()
    assert not np.array_equal(free((4, 4)), free((4, 4)))


def test_a_seeded_initializer_makes_a_layer_reproducible():
    def kernel():
        layer = Dense(3, kernel_initializer=initializers.GlorotUniform(seed=11), input_shape=(4,))
        Sequential([layer])
        return layer.get_weights()[0]

    np.testing.assert_array_equal(kernel(), kernel())


def test_a_keras_style_function_initializer_without_a_generator_works():
    def halves(shape, dtype=None):
        return np.full(shape, 0.5, dtype=dtype)

    layer = Dense(2, kernel_initializer=halves, input_shape=(3,))
    Sequential([layer])
    np.testing.assert_array_equal(layer.get_weights()[0], np.full((3, 2), 0.5))
    assert layer.get_config()["kernel_initializer"] == "halves"


@pytest.mark.parametrize(
    "config, expected",
    [
        # Keras 2.2.4: glorot_uniform is a VarianceScaling.
        (
            {
                "class_name": "VarianceScaling",
                "config": {
                    "scale": 1.0,
                    "mode": "fan_avg",
                    "distribution": "uniform",
                    "seed": None,
                },
            },
            initializers.VarianceScaling(1.0, "fan_avg", "uniform"),
        ),
        (
            {
                "class_name": "VarianceScaling",
                "config": {"scale": 2.0, "mode": "fan_in", "distribution": "normal", "seed": 3},
            },
            initializers.VarianceScaling(2.0, "fan_in", "truncated_normal", seed=3),
        ),
        # Keras 3.
        (
            {
                "module": "keras.initializers",
                "class_name": "GlorotUniform",
                "config": {"seed": None},
                "registered_name": None,
            },
            initializers.GlorotUniform(),
        ),
        (
            {
                "module": "keras.initializers",
                "class_name": "RandomNormal",
                "config": {"mean": 0.0, "stddev": 0.1, "seed": 5},
                "registered_name": None,
            },
            initializers.RandomNormal(stddev=0.1, seed=5),
        ),
        (
            {"class_name": "Orthogonal", "config": {"gain": 1.0, "seed": None}},
            initializers.Orthogonal(),
        ),
        ({"class_name": "Zeros", "config": {}}, initializers.Zeros()),
    ],
)
def test_keras_2_and_keras_3_configs_deserialize(config, expected):
    assert initializers.deserialize(config) == expected
    assert initializers.get(config) == expected


@pytest.mark.parametrize(
    "init",
    [
        initializers.Constant(2.0),
        initializers.HeNormal(seed=1),
        initializers.VarianceScaling(0.5, "fan_out", "uniform"),
        initializers.Identity(3.0),
        initializers.TruncatedNormal(1.0, 0.5),
    ],
)
def test_serialize_and_deserialize_round_trip_through_json(init):
    config = json.loads(json.dumps(initializers.serialize(init)))
    assert config["class_name"] == type(init).__name__
    assert initializers.deserialize(config) == init


def test_an_unknown_class_name_is_refused_naming_the_argument_and_the_class():
    with pytest.raises(
        ValueError,
        match=r"Dense 'd': kernel_initializer: Unknown initializer 'GlorotUnifrom'. Did "
        r"you mean 'GlorotUniform'\?",
    ):
        Dense(2, kernel_initializer={"class_name": "GlorotUnifrom", "config": {}}, name="d")


def test_a_class_name_of_another_kind_is_never_ignored():
    with pytest.raises(ValueError, match=r"kernel_initializer: Unknown initializer 'MaxNorm'"):
        Dense(
            2, kernel_initializer={"class_name": "MaxNorm", "config": {"max_value": 2}}, name="d2"
        )


def test_a_config_with_a_wrong_key_is_a_type_error_naming_the_class():
    with pytest.raises(
        TypeError,
        match=r"Dense 'd3': kernel_initializer: "
        r"Cannot build initializer 'RandomNormal' from config",
    ):
        Dense(
            2,
            kernel_initializer={"class_name": "RandomNormal", "config": {"stdev": 1.0}},
            name="d3",
        )


def test_bad_initializer_arguments_are_refused():
    with pytest.raises(
        ValueError,
        match=r"VarianceScaling: mode must be one of 'fan_in', 'fan_out', 'fan_avg', "
        r"received 'fan'",
    ):
        initializers.VarianceScaling(mode="fan")
    with pytest.raises(
        ValueError, match=r"VarianceScaling: scale must be a finite number > 0, received 0"
    ):
        initializers.VarianceScaling(scale=0)
    with pytest.raises(
        ValueError, match=r"RandomUniform: maxval must be a finite number >= 1, received 0"
    ):
        initializers.RandomUniform(minval=1, maxval=0)
    with pytest.raises(
        TypeError, match=r"GlorotUniform: seed must be a non-negative integer or None, received '1'"
    ):
        initializers.GlorotUniform(seed="1")
    with pytest.raises(
        TypeError, match=r"initializer must be a name, an Initializer or a function, received None"
    ):
        initializers.get(None)
    with pytest.raises(
        TypeError,
        match=r"Expected an initializer: a name, a config dict, an Initializer or a "
        r"function, received 3",
    ):
        initializers.get(3)


def test_keras_2s_compute_fans_reads_both_data_formats():
    assert initializers._compute_fans((3, 3, 4, 8)) == (36, 72)
    assert initializers._compute_fans((8, 4, 3, 3), data_format="channels_first") == (36, 72)
    assert initializers._compute_fans((5, 7)) == (5, 7)
