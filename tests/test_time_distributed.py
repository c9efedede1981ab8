"""TimeDistributed: shapes, per-step numbers, wrapped stochastic layers, configuration."""

import json
import os

import numpy as np
import pytensor.tensor as pt
import pytest

from kerasque import backend as K
from kerasque.layers import Dense, Dropout, Input, SpatialDropout1D, TimeDistributed
from kerasque.models import Sequential
from kerasque.optimizers import SGD

# Module fixtures run before the per-test fixture that sets the mode.
MODE = os.environ.get("KERASQUE_TEST_MODE", "FAST_COMPILE")
X = np.random.default_rng(3).normal(size=(8, 4, 5)).astype("float32")


@pytest.fixture(scope="module")
def net():
    """TimeDistributed(Dense) then TimeDistributed(Dropout), compiled once."""
    dense = Dense(3, activation="tanh")
    drop = Dropout(0.5, seed=2)
    model = Sequential([TimeDistributed(dense, input_shape=(4, 5)), TimeDistributed(drop)])
    model.compile(SGD(learning_rate=0.1), "mse", mode=MODE)
    return model, dense, drop


def _np_dense_per_step(x, dense):
    kernel, bias = dense.get_weights()
    return np.stack([np.tanh(x[:, t] @ kernel + bias) for t in range(x.shape[1])], axis=1)


# ---------------------------------------------------------------- shapes


def test_output_shape_keeps_batch_and_time_and_takes_the_inner_layers_step_shape(net):
    model, _, _ = net
    wrapper = model.layers[0]
    assert wrapper.compute_output_shape((None, 4, 5)) == (None, 4, 3)
    assert model.outputs[0].shape == (None, 4, 3)
    assert model.predict(X).shape == (8, 4, 3)


def test_inputs_of_higher_rank_fold_every_leading_pair_of_axes():
    dense = Dense(2)
    x = pt.tensor("x", shape=(None, 3, 4, 5))
    y = TimeDistributed(dense)(x, training=False)
    assert y.type.shape == (None, 3, 4, 2)
    assert TimeDistributed(Dense(2))(Input(shape=(3, 4, 5))).shape == (None, 3, 4, 2)
    value = np.random.default_rng(0).normal(size=(2, 3, 4, 5)).astype("float32")
    kernel, bias = dense.get_weights()
    out = K.function([x], y, mode=MODE)(value)
    np.testing.assert_allclose(out, value @ kernel + bias, rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------- numbers


def test_inference_equals_the_inner_layer_applied_at_every_step(net):
    model, dense, _ = net
    np.testing.assert_allclose(model.predict(X), _np_dense_per_step(X, dense), rtol=1e-5, atol=1e-6)
    assert model.make_predict_function().random_nodes() == []


def test_a_wrapped_dropout_draws_an_independent_mask_for_every_step(net):
    model, dense, _ = net
    clean = _np_dense_per_step(X, dense)
    out = model.predict(X, training=True)
    kept = out != 0
    # Kept units are doubled (inverted dropout at rate 0.5), the others zero.
    np.testing.assert_allclose(out[kept], 2 * clean[kept], rtol=1e-5)
    assert 0 < kept.mean() < 1
    # Masks differ between steps of one sequence (not one mask per sequence).
    assert any(not np.array_equal(kept[:, t], kept[:, 0]) for t in range(1, 4))


def test_a_train_step_updates_the_wrapped_weights_and_advances_the_generator(net):
    model, dense, drop = net
    kernel = dense.kernel.get_value().copy()
    state = json.dumps(drop.rng.get_value().bit_generator.state, default=str)
    model.train_on_batch(X, np.zeros((8, 4, 3), "float32"))
    assert not np.allclose(dense.kernel.get_value(), kernel)
    assert json.dumps(drop.rng.get_value().bit_generator.state, default=str) != state


# ---------------------------------------------------------------- the wrapper protocol


def test_the_wrapper_exposes_the_inner_layers_weights_and_generators(net):
    model, dense, drop = net
    wrapper, drop_wrapper = model.layers
    assert wrapper.sublayers == [dense]
    assert wrapper.weights == [dense.kernel, dense.bias]
    assert wrapper.trainable_weights == [dense.kernel, dense.bias]
    assert model.trainable_weights == [dense.kernel, dense.bias]
    assert wrapper.count_params() == 5 * 3 + 3
    assert drop_wrapper.rngs == [drop.rng]


def test_a_frozen_wrapper_freezes_the_inner_weights():
    wrapper = TimeDistributed(Dense(2), trainable=False)
    wrapper(Input(shape=(3, 4)))
    assert wrapper.trainable_weights == []
    assert len(wrapper.non_trainable_weights) == 2


def test_the_input_shape_is_taken_from_the_wrapper_or_else_from_the_wrapped_layer():
    assert TimeDistributed(Dense(3), input_shape=(7, 5)).batch_input_shape == (None, 7, 5)
    from_inner = TimeDistributed(Dense(3, input_shape=(5,)))
    assert from_inner.batch_input_shape == (None, None, 5)
    model = Sequential([from_inner])
    assert model.inputs[0].shape == (None, None, 5)
    assert model.outputs[0].shape == (None, None, 3)
    override = TimeDistributed(Dense(3, input_shape=(5,)), input_shape=(2, 5))
    assert override.batch_input_shape == (None, 2, 5)


def test_a_time_mask_passes_through_unchanged():
    wrapper = TimeDistributed(Dense(2))
    mask = pt.matrix("mask", dtype="bool")
    assert wrapper.compute_mask(pt.tensor3("x"), mask) is mask


# ---------------------------------------------------------------- bad input


def test_wrapping_something_that_is_not_a_layer_is_a_type_error():
    with pytest.raises(TypeError, match="TimeDistributed wraps a Layer instance, received str"):
        TimeDistributed("dense")


def test_an_input_without_a_time_axis_is_refused():
    match = (
        r"\(TimeDistributed\) expects input with at least 3 dimensions, "
        r"received input of shape \(None, 5\)"
    )
    with pytest.raises(ValueError, match=match):
        TimeDistributed(Dense(2))(Input(shape=(5,)))


def test_a_step_shape_the_inner_layer_refuses_is_reported_by_the_inner_layer():
    match = (
        r"\(SpatialDropout1D\) expects input with 3 dimensions, "
        r"received input of shape \(None, 5\)"
    )
    with pytest.raises(ValueError, match=match):
        TimeDistributed(SpatialDropout1D(0.5))(Input(shape=(4, 5)))


# ---------------------------------------------------------------- configuration


def test_config_nests_the_inner_layer_and_round_trips_through_json():
    layer = TimeDistributed(Dense(3, activation="relu", use_bias=False), input_shape=(4, 5))
    config = json.loads(json.dumps(layer.get_config()))
    assert config["layer"]["class_name"] == "Dense"
    assert config["layer"]["config"]["units"] == 3
    clone = TimeDistributed.from_config(config)
    assert isinstance(clone.layer, Dense) and clone.layer is not layer.layer
    assert clone.get_config() == layer.get_config()
    assert clone.batch_input_shape == (None, 4, 5)


def test_from_config_rebuilds_a_wrapped_stochastic_layer_with_its_seed():
    layer = TimeDistributed(Dropout(0.3, seed=9))
    clone = TimeDistributed.from_config(layer.get_config())
    assert isinstance(clone.layer, Dropout)
    assert (clone.layer.rate, clone.layer.seed) == (0.3, 9)


def test_from_config_names_an_unknown_inner_class():
    config = TimeDistributed(Dense(3)).get_config()
    config["layer"]["class_name"] = "Dence"
    with pytest.raises(ValueError, match="Unknown layer class 'Dence'. Did you mean 'Dense'"):
        TimeDistributed.from_config(config)
