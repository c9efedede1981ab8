"""Every layer of kerasque.layers passes ``layer_test`` (Keras's harness), which catches lies."""

import numpy as np
import pytest

from kerasque import layers
from kerasque.engine.base_layer import Layer
from kerasque.utils.test_utils import layer_test


def _twice_plus(x, offset=0.0):
    return 2 * x + offset


# name -> (kwargs, input_shape, extra layer_test arguments)
CASES = {
    "Activation": ({"activation": "tanh"}, (2, 3), {}),
    "ActivityRegularization": ({"l1": 0.01, "l2": 0.01}, (2, 3), {}),
    "Add": ({}, [(2, 3), (2, 3)], {}),
    "AlphaDropout": ({"rate": 0.2, "seed": 1}, (2, 3), {}),
    "Average": ({}, [(2, 3), (2, 3)], {}),
    "BatchNormalization": ({"momentum": 0.9, "gamma_regularizer": "l2"}, (3, 4), {}),
    "Concatenate": ({"axis": 1}, [(2, 2, 3), (2, 1, 3)], {}),
    "Dense": (
        {"units": 3, "kernel_regularizer": "l2", "kernel_constraint": "max_norm"},
        (2, 4),
        {},
    ),
    "Dot": ({"axes": (1, 2), "normalize": True}, [(2, 4), (2, 3, 4)], {}),
    "Dropout": ({"rate": 0.5, "noise_shape": (None, 1, None), "seed": 1}, (2, 3, 4), {}),
    "ELU": ({"alpha": 0.5}, (2, 3), {}),
    "Embedding": (
        {"input_dim": 10, "output_dim": 3, "mask_zero": True, "input_length": 4},
        (2, 4),
        {"input_dtype": "int32", "expected_output_dtype": "float32"},
    ),
    "Flatten": ({"data_format": "channels_first"}, (2, 3, 4), {}),
    "GaussianDropout": ({"rate": 0.3, "seed": 1}, (2, 3), {}),
    "GaussianNoise": ({"stddev": 0.3, "seed": 1}, (2, 3), {}),
    "Lambda": (
        {"function": _twice_plus, "arguments": {"offset": 1.0}},
        (2, 3),
        {"custom_objects": {"_twice_plus": _twice_plus}},
    ),
    "LeakyReLU": ({"negative_slope": 0.2}, (2, 3), {}),
    "Masking": ({"mask_value": 0.0}, (2, 3, 4), {}),
    "Maximum": ({}, [(2, 3), (2, 1)], {}),
    "Minimum": ({}, [(2, 3), (2, 3)], {}),
    "Multiply": ({}, [(2, 3), (2, 3)], {}),
    "Permute": ({"dims": (2, 1)}, (2, 3, 4), {}),
    "PReLU": ({"shared_axes": [1]}, (2, 3, 4), {}),
    "ReLU": ({"max_value": 5.0, "negative_slope": 0.1, "threshold": 1.0}, (2, 3), {}),
    "RepeatVector": ({"n": 3}, (2, 4), {}),
    "Reshape": ({"target_shape": (-1, 2)}, (2, 3, 4), {}),
    "Softmax": ({"axis": 1}, (2, 3, 4), {}),
    "SpatialDropout1D": ({"rate": 0.2, "seed": 1}, (2, 3, 4), {}),
    "SpatialDropout2D": ({"rate": 0.2, "seed": 1}, (2, 3, 3, 2), {}),
    "SpatialDropout3D": (
        {"rate": 0.2, "data_format": "channels_first", "seed": 1},
        (2, 2, 2, 2, 2),
        {},
    ),
    "Subtract": ({}, [(2, 3), (2, 3)], {}),
    "ThresholdedReLU": ({"theta": 2.0}, (2, 3), {}),
}
# Layers of the recurrent area (rnn/, recurrent, wrappers, time_distributed) have their own tests.
RECURRENT_MODULES = (
    "kerasque.layers.rnn",
    "kerasque.layers.recurrent",
    "kerasque.layers.wrappers",
    "kerasque.layers.time_distributed",
)
BASES = {"Layer", "InputLayer", "Wrapper", "StochasticLayer"}


def test_every_exported_layer_of_this_area_has_a_harness_case():
    exported = {
        n
        for n, obj in vars(layers).items()
        if isinstance(obj, type)
        and issubclass(obj, Layer)
        and not obj.__module__.startswith(RECURRENT_MODULES)
    }
    assert "Dense" in exported and "GRU" not in exported
    assert exported - BASES - set(CASES) == set()


@pytest.mark.parametrize("name", sorted(CASES))
def test_layer_passes_the_harness(name):
    kwargs, shape, extra = CASES[name]
    out = layer_test(getattr(layers, name), kwargs=kwargs, input_shape=shape, **extra)
    assert np.all(np.isfinite(out))


def test_harness_checks_values_against_an_expected_output():
    x = np.arange(6, dtype="float32").reshape(2, 3)
    layer_test(
        layers.ReLU, {"threshold": 2.0}, input_data=x, expected_output=np.where(x >= 2, x, 0)
    )
    with pytest.raises(AssertionError, match="output vs expected_output"):
        layer_test(layers.ReLU, {}, input_data=x, expected_output=x + 1)


class LyingShape(Layer):
    """Says its output has 5 features but returns the input unchanged."""

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return (input_shape[0], 5)


class ForgetfulConfig(Layer):
    """Takes a factor but leaves it out of its config."""

    def __init__(self, factor=1.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, inputs):
        return inputs * self.factor


def test_harness_catches_a_layer_whose_output_shape_lies():
    with pytest.raises(
        AssertionError, match=r"predicted output: shape \(2, 3\) does not match \(None, 5\)"
    ):
        layer_test(LyingShape, input_shape=(2, 3))


def test_harness_catches_a_config_that_loses_an_argument():
    with pytest.raises(AssertionError, match="rebuilt from its config"):
        layer_test(
            ForgetfulConfig,
            {"factor": 3.0},
            input_shape=(2, 3),
            custom_objects={"ForgetfulConfig": ForgetfulConfig},
        )


def test_keras_2s_test_helpers_are_there():
    from kerasque.utils.test_utils import get_test_data, keras_test

    (x, y), (xt, yt) = get_test_data(num_train=20, num_test=10, input_shape=(3,), num_classes=3)
    assert x.shape == (20, 3) and xt.shape == (10, 3) and set(np.unique(y)) <= {0, 1, 2}
    (x, y), _ = get_test_data(10, 5, input_shape=(2,), output_shape=(4,), classification=False)
    assert y.shape == (10, 4)
    assert keras_test(lambda: 5)() == 5


def test_keras_2_module_paths_reach_the_layers():
    from kerasque.layers import core, embeddings, merge, noise, reshaping

    assert core.Dropout is noise.Dropout and core.Reshape is reshaping.Reshape
    assert core.Lambda is layers.Lambda and core.SpatialDropout2D is layers.SpatialDropout2D
    assert embeddings.Embedding is layers.Embedding and merge.concatenate is layers.concatenate
