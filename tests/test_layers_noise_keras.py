"""Keras's other noise layers: AlphaDropout, SpatialDropout1D/2D/3D, on the Dropout template."""

import json

import numpy as np
import pytensor.tensor as pt
import pytest

from kerasque import backend as K
from kerasque.layers import (
    AlphaDropout,
    Dropout,
    Input,
    SpatialDropout1D,
    SpatialDropout2D,
    SpatialDropout3D,
)
from kerasque.models import Sequential

ALPHA_P = -1.6732632423543772848170429916717 * 1.0507009873554804934193349852946


def _fn(layer, ndim, training=True):
    x = pt.tensor("x", dtype="float32", shape=(None,) * ndim)
    return K.function([x], layer(x, training=training))


def test_alpha_dropout_keeps_zero_mean_and_unit_variance():
    x = np.random.default_rng(0).standard_normal((400, 100)).astype("float32")
    out = _fn(AlphaDropout(0.2, seed=1), 2)(x)
    # 40,000 values: the mean and variance of a standardized input are kept (Klambauer et al. 2017).
    assert abs(out.mean()) < 0.03
    assert abs(out.var() - 1.0) < 0.05


def test_alpha_dropout_sends_dropped_units_to_the_saturation_value_then_applies_the_affine_map():
    rate = 0.3
    a = ((1 - rate) * (1 + rate * ALPHA_P**2)) ** -0.5
    b = -a * ALPHA_P * rate
    x = np.full((100, 50), 0.7, "float32")
    out = _fn(AlphaDropout(rate, seed=2), 2)(x)
    dropped = np.isclose(out, a * ALPHA_P + b, atol=1e-5)
    kept = np.isclose(out, a * 0.7 + b, atol=1e-5)
    assert np.all(dropped | kept)
    assert abs(dropped.mean() - rate) < 5 * np.sqrt(rate * (1 - rate) / out.size)


def test_alpha_dropout_is_the_identity_at_inference_and_builds_no_random_node():
    f = _fn(AlphaDropout(0.5, seed=3), 2, training=False)
    x = np.random.rand(3, 4).astype("float32")
    np.testing.assert_array_equal(f(x), x)
    assert f.compiled.random_nodes() == []


def test_alpha_dropout_draws_a_new_mask_at_every_call():
    f = _fn(AlphaDropout(0.5, seed=4), 2)
    x = np.ones((20, 20), "float32")
    assert not np.array_equal(f(x), f(x))


def test_alpha_dropout_with_a_noise_shape_shares_its_mask_along_the_axes_of_size_one():
    out = _fn(AlphaDropout(0.5, noise_shape=(None, 1, None), seed=5), 3)(
        np.ones((6, 7, 8), "float32")
    )
    assert np.all(out == out[:, :1, :])


def test_spatial_dropout_1d_is_dropout_with_a_noise_shape():
    x = np.random.rand(5, 6, 7).astype("float32")
    spatial = _fn(SpatialDropout1D(0.5, seed=9), 3)(x)
    plain = _fn(Dropout(0.5, noise_shape=(None, 1, None), seed=9), 3)(x)
    np.testing.assert_array_equal(spatial, plain)
    assert np.all((spatial == 0) == (spatial[:, :1, :] == 0))


@pytest.mark.parametrize(
    "layer, shape, spatial_axes",
    [
        (SpatialDropout2D(0.5, data_format="channels_last", seed=1), (4, 3, 5, 6), (1, 2)),
        (SpatialDropout2D(0.5, data_format="channels_first", seed=1), (4, 6, 3, 5), (2, 3)),
        (SpatialDropout3D(0.5, data_format="channels_last", seed=1), (4, 2, 3, 2, 6), (1, 2, 3)),
        (SpatialDropout3D(0.5, data_format="channels_first", seed=1), (4, 6, 2, 3, 2), (2, 3, 4)),
    ],
)
def test_spatial_dropout_drops_whole_feature_maps_in_either_data_format(layer, shape, spatial_axes):
    out = _fn(layer, len(shape))(np.ones(shape, "float32"))
    zeros = out == 0
    reduced_all = zeros.all(axis=spatial_axes)
    reduced_any = zeros.any(axis=spatial_axes)
    np.testing.assert_array_equal(reduced_all, reduced_any)  # each map all dropped or all kept
    assert 0 < reduced_all.mean() < 1
    np.testing.assert_allclose(out[~zeros], 2.0)


def test_spatial_dropout_follows_the_configured_image_data_format_by_default():
    from kerasque import config

    config.set_image_data_format("channels_first")
    try:
        assert SpatialDropout2D(0.1).data_format == "channels_first"
    finally:
        config.set_image_data_format("channels_last")
    assert SpatialDropout2D(0.1).data_format == "channels_last"


def test_spatial_dropout_refuses_an_input_of_the_wrong_rank():
    with pytest.raises(ValueError, match=r"\(SpatialDropout2D\) expects input with 4 dimensions"):
        SpatialDropout2D(0.5)(Input(shape=(3, 4)))


def test_a_keras_2_spatial_dropout_config_with_a_null_noise_shape_loads_and_a_real_one_is_refused():
    layer = SpatialDropout1D.from_config(
        {"name": "sd", "rate": 0.3, "noise_shape": None, "seed": None, "trainable": True}
    )
    assert layer.rate == 0.3
    with pytest.raises(ValueError, match=r"noise shape of a spatial dropout is fixed"):
        SpatialDropout2D(0.3, noise_shape=(None, 1, 1, None))


@pytest.mark.parametrize(
    "layer",
    [
        AlphaDropout(0.1, noise_shape=(None, 1), seed=2),
        SpatialDropout2D(0.2, data_format="channels_first", seed=3),
        SpatialDropout3D(0.2, seed=4),
    ],
)
def test_config_round_trips_through_json(layer):
    config = json.loads(json.dumps(layer.get_config()))
    assert type(layer).from_config(config).get_config() == layer.get_config()


def test_alpha_dropout_trains_a_selu_network_in_a_sequential():
    from kerasque.layers import Dense

    model = Sequential(
        [
            Dense(8, activation="selu", kernel_initializer="lecun_normal", input_shape=(4,)),
            AlphaDropout(0.1, seed=1),
            Dense(1),
        ]
    )
    model.compile("sgd", "mse")
    x = np.random.rand(32, 4).astype("float32")
    y = x.sum(axis=1, keepdims=True)
    first = model.evaluate(x, y)
    model.fit(x, y, epochs=5, verbose=0)
    assert model.evaluate(x, y) < first
