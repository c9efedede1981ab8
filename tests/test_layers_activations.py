"""Activation layers (LeakyReLU, PReLU, ELU, ThresholdedReLU, Softmax, ReLU) and functions."""

import json

import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest
from scipy.special import erf

from kerasque import activations
from kerasque.layers import ELU, Input, LeakyReLU, PReLU, ReLU, Softmax, ThresholdedReLU
from kerasque.models import Sequential

X = np.linspace(-4, 4, 24).reshape(2, 3, 4)
SELU_A, SELU_S = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


def _apply(layer, x=X):
    v = pt.tensor("v", dtype="float64", shape=(None,) * x.ndim)
    return pytensor.function([v], layer(v), mode="FAST_COMPILE")(x)


def _softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@pytest.mark.parametrize(
    "layer, reference",
    [
        (LeakyReLU(), lambda x: np.where(x > 0, x, 0.3 * x)),
        (LeakyReLU(alpha=0.1), lambda x: np.where(x > 0, x, 0.1 * x)),
        (LeakyReLU(negative_slope=0.2), lambda x: np.where(x > 0, x, 0.2 * x)),
        (ELU(alpha=0.5), lambda x: np.where(x > 0, x, 0.5 * np.expm1(x))),
        (ThresholdedReLU(theta=1.5), lambda x: np.where(x > 1.5, x, 0)),
        (Softmax(), lambda x: _softmax(x, -1)),
        (Softmax(axis=1), lambda x: _softmax(x, 1)),
        (ReLU(), lambda x: np.maximum(x, 0)),
        (ReLU(max_value=2.0), lambda x: np.clip(x, 0, 2)),
        (ReLU(negative_slope=0.1, threshold=1.0), lambda x: np.where(x >= 1, x, 0.1 * (x - 1))),
        (
            ReLU(max_value=3.0, negative_slope=0.2, threshold=-1.0),
            lambda x: np.minimum(np.where(x >= -1, x, 0.2 * (x + 1)), 3),
        ),
    ],
)
def test_activation_layers_match_numpy(layer, reference):
    np.testing.assert_allclose(_apply(layer), reference(X), rtol=1e-6, atol=1e-12)


def test_prelu_learns_one_slope_per_unit_or_per_shared_axis():
    per_unit = PReLU(alpha_initializer="ones")
    Sequential([Input(shape=(3, 4)), per_unit])
    assert per_unit.get_weights()[0].shape == (3, 4)
    shared = PReLU(shared_axes=[1])
    Sequential([Input(shape=(3, 4)), shared])
    alpha = np.array([[0.1, 0.2, 0.3, 0.4]])
    shared.set_weights([alpha])
    np.testing.assert_allclose(_apply(shared), np.where(X > 0, X, alpha * X), rtol=1e-6)


def test_prelu_trains_its_slopes():
    layer = PReLU(alpha_initializer="zeros")
    model = Sequential([Input(shape=(4,)), layer])
    model.compile("sgd", "mse")
    x = -np.ones((8, 4), "float32")
    model.train_on_batch(x, -0.5 * np.ones((8, 4), "float32"))
    assert np.all(layer.get_weights()[0] > 0)


def test_activation_layers_refuse_bad_arguments():
    with pytest.raises(
        TypeError, match=r"pass negative_slope \(Keras 3\) or alpha \(Keras 2\), not both"
    ):
        LeakyReLU(alpha=0.1, negative_slope=0.2)
    with pytest.raises(
        ValueError, match=r"LeakyReLU .*negative_slope must be a finite number, received nan"
    ):
        LeakyReLU(float("nan"))
    assert LeakyReLU(alpha=-1.0).negative_slope == -1.0  # Keras 2 allowed it
    with pytest.raises(
        ValueError, match=r"ReLU .*max_value must be a finite number >= 0, received nan"
    ):
        ReLU(max_value=float("nan"))
    with pytest.raises(ValueError, match=r"ThresholdedReLU .*theta must be a finite number >= 0"):
        ThresholdedReLU(theta=-1)
    with pytest.raises(TypeError, match=r"Softmax .*axis must be an int"):
        Softmax(axis=1.0)
    with pytest.raises(ValueError, match=r"Softmax .*: axis 3 is outside the input's rank"):
        Softmax(axis=3)(Input(shape=(4, 5)))
    with pytest.raises(ValueError, match=r"shared_axes count from 1"):
        PReLU(shared_axes=[0])
    with pytest.raises(
        ValueError, match=r"PReLU .*alpha_initializer: Unknown initializer 'zero_s'"
    ):
        PReLU(alpha_initializer="zero_s")


@pytest.mark.parametrize(
    "layer",
    [
        LeakyReLU(alpha=0.2),
        ELU(0.7),
        ThresholdedReLU(0.3),
        Softmax(1),
        ReLU(6.0, 0.1, 0.5),
        PReLU(alpha_regularizer="l2", shared_axes=2),
    ],
)
def test_activation_layer_configs_round_trip_through_json(layer):
    config = json.loads(json.dumps(layer.get_config()))
    assert type(layer).from_config(config).get_config() == layer.get_config()


def test_a_keras_2_leaky_relu_config_loads_with_its_alpha():
    assert (
        LeakyReLU.from_config({"name": "lr", "trainable": True, "alpha": 0.25}).negative_slope
        == 0.25
    )


# -- activation functions ---------------------------------------------------------
V = np.linspace(-3, 3, 12).reshape(2, 6)
SIG = 1 / (1 + np.exp(-V))
REFERENCES = {
    "linear": V,
    "relu": np.maximum(V, 0),
    "tanh": np.tanh(V),
    "sigmoid": SIG,
    "hard_sigmoid": np.clip(0.2 * V + 0.5, 0, 1),
    "exponential": np.exp(V),
    "softmax": _softmax(V, -1),
    "log_softmax": np.log(_softmax(V, -1)),
    "elu": np.where(V > 0, V, np.expm1(V)),
    "selu": SELU_S * np.where(V > 0, V, SELU_A * np.expm1(V)),
    "softplus": np.log1p(np.exp(V)),
    "softsign": V / (1 + np.abs(V)),
    "silu": V * SIG,
    "swish": V * SIG,
    "gelu": 0.5 * V * (1 + erf(V / np.sqrt(2))),
    "mish": V * np.tanh(np.log1p(np.exp(V))),
    "relu6": np.clip(V, 0, 6),
    "leaky_relu": np.where(V > 0, V, 0.2 * V),
    "log_sigmoid": np.log(SIG),
    "hard_silu": V * np.clip(V + 3, 0, 6) / 6,
    "hard_swish": V * np.clip(V + 3, 0, 6) / 6,
}


def test_every_named_activation_has_a_reference():
    assert set(activations.ACTIVATIONS) == set(REFERENCES)


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_every_named_activation_matches_numpy(name):
    v = pt.matrix("v", dtype="float64")
    fn = activations.get(name)
    out = pytensor.function([v], fn(v), mode="FAST_COMPILE")(V)
    np.testing.assert_allclose(out, REFERENCES[name], rtol=1e-6, atol=1e-9)
    assert activations.serialize(fn) in (
        name,
        {"swish": "silu", "hard_swish": "hard_silu"}.get(name),
    )


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_every_named_activation_keeps_a_float32_tensor_float32_outside_a_model(name):
    # PyTensor's floatX is float64 outside kerasque's graph builds: a Python float
    # constant would upcast the result (it did for selu, gelu, hard_sigmoid, leaky_relu).
    v = pt.matrix("v", dtype="float32")
    with pytensor.config.change_flags(floatX="float64"):
        assert activations.get(name)(v).dtype == "float32"
    assert activations.gelu(v, approximate=True).dtype == "float32"


def test_activation_functions_take_keras_arguments():
    v = pt.matrix("v", dtype="float64")
    relu = pytensor.function(
        [v], activations.relu(v, alpha=0.1, max_value=2.0), mode="FAST_COMPILE"
    )(V)
    np.testing.assert_allclose(relu, np.minimum(np.where(V >= 0, V, 0.1 * V), 2.0))
    soft = pytensor.function([v], activations.softmax(v, axis=0), mode="FAST_COMPILE")(V)
    np.testing.assert_allclose(soft, _softmax(V, 0))


def test_activations_deserialize_keras_3_function_configs_and_refuse_others():
    keras3 = {
        "module": "keras.activations",
        "class_name": "function",
        "config": "relu",
        "registered_name": None,
    }
    assert activations.deserialize(keras3) is activations.relu
    assert activations.get(None) is activations.linear
    with pytest.raises(ValueError, match=r"An activation config must be a name or"):
        activations.get({"class_name": "Dense", "config": {}})
    with pytest.raises(
        TypeError, match=r"An activation must be a name, a function or None, received 3"
    ):
        activations.get(3)


def test_get_of_a_layer_warns_and_returns_it_as_keras_2_does():
    from kerasque.layers import LeakyReLU

    layer = LeakyReLU()
    with pytest.warns(UserWarning, match="Do not pass a layer instance"):
        assert activations.get(layer) is layer


def test_softmax_refuses_a_tensor_without_a_batch_axis():
    with pytest.raises(
        ValueError,
        match=r"softmax needs a tensor with a batch axis \(2-D or more\), received a 1-D one",
    ):
        activations.softmax(pt.vector("v"))
