"""kerasque.utils.validation: one exception type per kind of mistake, NumPy scalars welcome."""

import math

import numpy as np
import pytest

from kerasque import constraints, initializers, regularizers
from kerasque.layers import (
    AlphaDropout,
    Dense,
    Dropout,
    Embedding,
    GaussianDropout,
    GaussianNoise,
    SpatialDropout1D,
    SpatialDropout2D,
    StochasticLayer,
)
from kerasque.utils import validation as V


@pytest.mark.parametrize("value", [0.0, 0.5, np.float32(0.25), np.float64(0.9), np.int64(0), 0])
def test_a_rate_accepts_python_and_numpy_numbers_in_zero_one(value):
    assert V.check_rate("Dropout 'd'", value) == float(value)


@pytest.mark.parametrize("value", [1.0, -0.1, float("nan"), float("inf"), np.float32("nan")])
def test_a_rate_outside_zero_one_or_not_finite_is_a_value_error(value):
    with pytest.raises(
        ValueError, match=r"Dropout 'd': rate must be a number in \[0, 1\), received"
    ):
        V.check_rate("Dropout 'd'", value)


@pytest.mark.parametrize("value", ["0.5", None, True, [0.5], np.bool_(True)])
def test_a_rate_of_the_wrong_type_is_a_type_error_naming_the_type(value):
    with pytest.raises(
        TypeError, match=r"Dropout 'd': rate must be a number in \[0, 1\), received .* \("
    ):
        V.check_rate("Dropout 'd'", value)


def test_seeds_are_non_negative_integers_numpy_ones_too():
    assert V.check_seed("X", np.int64(7)) == 7
    assert isinstance(V.check_seed("X", None), int)
    with pytest.raises(
        ValueError, match=r"X: seed must be a non-negative integer or None, received -1"
    ):
        V.check_seed("X", -1)
    with pytest.raises(TypeError, match=r"X: seed must be .* received 1.5 \(float\)"):
        V.check_seed("X", 1.5)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf"), -1.0])
def test_check_number_refuses_non_finite_and_out_of_domain_values(value):
    with pytest.raises(
        ValueError, match=r"MaxNorm: max_value must be a finite number > 0, received"
    ):
        V.check_number("MaxNorm", "max_value", value, low=0, low_open=True)


def test_check_number_describes_closed_and_open_intervals():
    with pytest.raises(ValueError, match=r"must be a finite number in \[0, 1\], received 2"):
        V.check_number("O", "x", 2, low=0, high=1)
    with pytest.raises(TypeError, match=r"O: x must be a finite number, received 'a' \(str\)"):
        V.check_number("O", "x", "a")


def test_positive_ints_and_choices_and_flags():
    assert V.check_positive_int("O", "n", np.int32(3)) == 3
    with pytest.raises(ValueError, match="O: n must be a positive integer, received 0"):
        V.check_positive_int("O", "n", 0)
    with pytest.raises(TypeError, match=r"O: n must be a positive integer, received 2.0 \(float\)"):
        V.check_positive_int("O", "n", 2.0)
    with pytest.raises(ValueError, match="O: mode must be one of 'a', 'b', 'c', received 'd'"):
        V.check_choice("O", "mode", "d", ("a", "b", "c"))
    assert V.check_bool("O", "flag", np.bool_(True)) is True
    with pytest.raises(TypeError, match="O: flag must be True or False, received 1"):
        V.check_bool("O", "flag", 1)


@pytest.mark.parametrize(
    "make, error, match",
    [
        (
            lambda: Dropout(float("nan")),
            ValueError,
            r"Dropout .*rate must be a number in \[0, 1\), received nan",
        ),
        (lambda: Dropout("0.5"), TypeError, r"Dropout .*rate must be .* received '0.5' \(str\)"),
        (lambda: AlphaDropout(float("inf")), ValueError, r"AlphaDropout .*rate .* received inf"),
        (lambda: GaussianDropout(np.float32("nan")), ValueError, r"GaussianDropout .*rate"),
        (
            lambda: GaussianNoise(float("nan")),
            ValueError,
            r"GaussianNoise .*stddev must be a finite number >= 0, received nan",
        ),
        (lambda: GaussianNoise([0.1]), TypeError, r"GaussianNoise .*stddev .* \(list\)"),
        (lambda: SpatialDropout2D(0.5, seed=2.5), TypeError, r"SpatialDropout2D .*seed"),
        (
            lambda: SpatialDropout2D(0.5, data_format="nhwc"),
            ValueError,
            r"data_format must be 'channels_last' or 'channels_first', received 'nhwc'",
        ),
        (
            lambda: Dropout(0.5, noise_shape="abc"),
            TypeError,
            r"noise_shape must be a tuple of ints or None",
        ),
        (
            lambda: Dropout(0.5, noise_shape=(None, 0)),
            ValueError,
            r"noise_shape entries must be positive",
        ),
        (
            lambda: regularizers.l2(float("nan")),
            ValueError,
            r"L2: l2 must be a finite number >= 0, received nan",
        ),
        (
            lambda: regularizers.L1L2(l1=float("inf")),
            ValueError,
            r"L1L2: l1 must be a finite number >= 0, received inf",
        ),
        (
            lambda: regularizers.l1("0.1"),
            TypeError,
            r"L1: l1 must be a finite number >= 0, received '0.1' \(str\)",
        ),
        (
            lambda: constraints.MaxNorm(float("nan")),
            ValueError,
            r"MaxNorm: max_value must be a finite number > 0, received nan",
        ),
        (
            lambda: constraints.MaxNorm(float("inf")),
            ValueError,
            r"MaxNorm: max_value .* received inf",
        ),
        (
            lambda: constraints.MaxNorm(0),
            ValueError,
            r"MaxNorm: max_value must be a finite number > 0, received 0",
        ),
        (
            lambda: constraints.MinMaxNorm(rate=1.5),
            ValueError,
            r"MinMaxNorm: rate must be a finite number in \[0, 1\], received 1.5",
        ),
        (
            lambda: initializers.RandomNormal(stddev=float("nan")),
            ValueError,
            r"RandomNormal: stddev",
        ),
        (
            lambda: Dense(np.int64(0)),
            ValueError,
            r"Dense .*units must be a positive integer, received 0",
        ),
        (
            lambda: Dense("4"),
            TypeError,
            r"Dense .*units must be a positive integer, received '4' \(str\)",
        ),
        (
            lambda: Embedding(10, 3, mask_zero="yes"),
            TypeError,
            r"Embedding .*mask_zero must be True or False",
        ),
        (
            lambda: Embedding(10, 3, input_length=-5),
            ValueError,
            r"Embedding.*input_length must be a positive integer, received -5",
        ),
    ],
)
def test_layers_and_objects_raise_one_exception_type_per_kind_of_mistake(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_numpy_scalars_are_accepted_wherever_python_numbers_are():
    assert Dropout(np.float32(0.5)).rate == 0.5
    assert GaussianNoise(np.float64(0.1)).stddev == pytest.approx(0.1)
    assert regularizers.l2(np.float32(0.01)).l2 == pytest.approx(0.01)
    assert constraints.MaxNorm(np.int64(3)).max_value == 3.0
    assert Dense(np.int32(4)).units == 4
    assert Embedding(np.int64(10), np.int64(3), input_length=np.int64(5)).input_length == 5


def test_old_validator_names_stay_importable_from_the_noise_module():
    from kerasque.layers.noise import check_rate, check_seed, check_stddev

    assert check_rate is V.check_rate and check_seed is V.check_seed
    assert check_stddev("G", 0.0) == 0.0
    assert math.isclose(check_rate("D", 0.5), 0.5)


class _Coin(StochasticLayer):
    """A minimal stochastic layer: the base owns the seed and the generator."""

    def __init__(self, active=True, **kwargs):
        super().__init__(**kwargs)
        self.active = active

    def is_stochastic(self):
        return self.active


def test_the_stochastic_base_stores_the_seed_and_builds_a_generator_only_when_it_draws():
    on, off = _Coin(seed=5), _Coin(active=False, seed=6)
    on.build((None, 3))
    off.build((None, 3))
    assert on.seed == 5 and on.rng is not None and on.rngs == [on.rng]
    assert off.rng is None and off.rngs == []
    assert on.get_config()["seed"] == 5
    assert isinstance(_Coin().seed, int)
    with pytest.raises(ValueError, match=r"_Coin '.*': seed must be a non-negative integer"):
        _Coin(seed=-2)


def test_every_noise_layer_is_a_stochastic_layer_and_dropout_is_the_template():
    from kerasque.layers import SpatialDropout3D

    for cls in (Dropout, GaussianNoise, GaussianDropout, AlphaDropout):
        assert issubclass(cls, StochasticLayer)
    for cls in (SpatialDropout1D, SpatialDropout2D, SpatialDropout3D, AlphaDropout):
        assert issubclass(cls, Dropout)
    assert Dropout(0.0).is_stochastic() is False and Dropout(0.1).is_stochastic() is True


def test_an_uninterpretable_identifier_is_both_a_type_error_and_keras_value_error():
    from kerasque import activations

    for get in (activations.get, initializers.get, regularizers.get, constraints.get):
        with pytest.raises(TypeError):
            get(6)
        with pytest.raises(ValueError):
            get(6)
    assert issubclass(V.ArgumentTypeError, TypeError) and issubclass(
        V.ArgumentTypeError, ValueError
    )
