"""BatchNormalization: numbers in both phases, moving averages, which functions update them."""

import json

import numpy as np
import pytest
from conftest import TEST_MODE as MODE  # module fixtures run before the one that sets it

from kerasque import backend as K
from kerasque import regularizers
from kerasque.layers import BatchNormalization, Dense, Input
from kerasque.models import Model, Sequential
from kerasque.optimizers import SGD

rng = np.random.default_rng(42)
X = rng.normal(2.0, 3.0, size=(6, 4, 3))
# fit casts targets to the floatx in force when it runs (float32 in tests):
# give it float32-exact values.
Y = rng.normal(size=(6, 4, 3)).astype("float32").astype("float64")


def np_normalize(x, mean, var, gamma, beta, eps, axis):
    shape = [1] * x.ndim
    shape[axis] = -1
    out = (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps) * gamma.reshape(shape)
    return out + beta.reshape(shape)


def np_batch_stats(x, axis):
    axes = tuple(i for i in range(x.ndim) if i != axis)
    return x.mean(axis=axes), x.var(axis=axes), x.size // x.shape[axis]


@pytest.fixture(scope="module")
def net():
    """Two layers in float64: axis=1 (not last) then the default axis without beta.

    Every compiled function is built here, once, while float64 is in force.
    """
    K.set_floatx("float64")
    try:
        bn1 = BatchNormalization(axis=1, momentum=0.8, epsilon=1e-3, input_shape=(4, 3))
        bn2 = BatchNormalization(momentum=0.5, epsilon=1e-2, center=False)
        model = Sequential([bn1, bn2])
        # A negligible step, so gamma and beta stay put within the tolerances.
        model.compile(SGD(learning_rate=1e-14), "mse", mode=MODE)
        model.make_train_function()
        model.make_predict_function()
        model.make_predict_function(training=True)
        phase_fn = K.function([model.inputs[0], K.learning_phase()], model.outputs[0], mode=MODE)
    finally:
        K.set_floatx("float32")
    return model, bn1, bn2, phase_fn


def _set_known_weights(bn1, bn2):
    r = np.random.default_rng(7)
    bn1.set_weights(
        [r.uniform(0.5, 2, 4), r.normal(size=4), r.normal(size=4), r.uniform(0.5, 2, 4)]
    )
    bn2.set_weights([r.uniform(0.5, 2, 3), r.normal(size=3), r.uniform(0.5, 2, 3)])


def _np_inference(x, bn1, bn2):
    g1, b1, m1, v1 = bn1.get_weights()
    g2, m2, v2 = bn2.get_weights()
    h = np_normalize(x, m1, v1, g1, b1, 1e-3, axis=1)
    return np_normalize(h, m2, v2, g2, np.zeros(3), 1e-2, axis=2)


def _np_training(x, bn1, bn2):
    """Training outputs and the moving statistics one step should leave."""
    g1, b1, m1, v1 = bn1.get_weights()
    g2, m2, v2 = bn2.get_weights()
    mean1, var1, n1 = np_batch_stats(x, 1)
    h = np_normalize(x, mean1, var1, g1, b1, 1e-3, axis=1)
    mean2, var2, n2 = np_batch_stats(h, 2)
    out = np_normalize(h, mean2, var2, g2, np.zeros(3), 1e-2, axis=2)
    moving = [
        0.8 * m1 + 0.2 * mean1,
        0.8 * v1 + 0.2 * var1 * n1 / (n1 - 1),
        0.5 * m2 + 0.5 * mean2,
        0.5 * v2 + 0.5 * var2 * n2 / (n2 - 1),
    ]
    return out, moving


def _moving(bn1, bn2):
    return [
        bn1.moving_mean.get_value(),
        bn1.moving_variance.get_value(),
        bn2.moving_mean.get_value(),
        bn2.moving_variance.get_value(),
    ]


def _assert_all_close(actual, expected, **kw):
    for a, e in zip(actual, expected, strict=True):
        np.testing.assert_allclose(a, e, **kw)


# ---------------------------------------------------------------- weights


def test_weights_are_gamma_beta_moving_mean_moving_variance_in_keras_order(net):
    _, bn1, bn2, _ = net

    def names(weights):
        return [w.name.split("/")[-1] for w in weights]

    assert names(bn1.weights) == ["gamma", "beta", "moving_mean", "moving_variance"]
    assert names(bn1.trainable_weights) == ["gamma", "beta"]
    assert names(bn1.non_trainable_weights) == ["moving_mean", "moving_variance"]
    # center=False drops beta (scale=False would drop gamma).
    assert names(bn2.weights) == ["gamma", "moving_mean", "moving_variance"]
    assert [w.get_value().shape for w in bn1.weights] == [(4,)] * 4


# ---------------------------------------------------------------- numbers


def test_inference_normalizes_with_the_moving_statistics(net):
    model, bn1, bn2, _ = net
    _set_known_weights(bn1, bn2)
    before = _moving(bn1, bn2)
    np.testing.assert_allclose(model.predict(X), _np_inference(X, bn1, bn2), rtol=1e-10, atol=1e-12)
    _assert_all_close(_moving(bn1, bn2), before, rtol=0, atol=0)


def test_fit_normalizes_with_batch_statistics_and_updates_the_moving_averages(net):
    model, bn1, bn2, _ = net
    _set_known_weights(bn1, bn2)
    out, moving = _np_training(X, bn1, bn2)
    history = model.fit(X, Y, batch_size=len(X), epochs=1, shuffle=False, verbose=0)
    np.testing.assert_allclose(history.history["loss"][0], np.mean((out - Y) ** 2), rtol=1e-10)
    _assert_all_close(_moving(bn1, bn2), moving, rtol=1e-10, atol=1e-12)


def test_monte_carlo_prediction_uses_batch_statistics_but_never_moves_the_averages(net):
    model, bn1, bn2, _ = net
    _set_known_weights(bn1, bn2)
    before = _moving(bn1, bn2)
    out, _ = _np_training(X, bn1, bn2)
    np.testing.assert_allclose(
        model.predict(X, batch_size=len(X), training=True), out, rtol=1e-10, atol=1e-12
    )
    _assert_all_close(_moving(bn1, bn2), before, rtol=0, atol=0)


def test_only_the_train_function_carries_updates(net):
    model, bn1, bn2, _ = net

    assert model.make_predict_function().updated_variables() == set()
    assert model.make_predict_function(training=True).updated_variables() == set()
    moving = {bn1.moving_mean, bn1.moving_variance, bn2.moving_mean, bn2.moving_variance}
    assert moving <= model.make_train_function().updated_variables()


def test_a_symbolic_learning_phase_updates_the_averages_only_when_it_is_one(net):
    _, bn1, bn2, phase_fn = net
    _set_known_weights(bn1, bn2)
    before = _moving(bn1, bn2)
    np.testing.assert_allclose(phase_fn(X, np.uint8(0)), _np_inference(X, bn1, bn2), rtol=1e-10)
    _assert_all_close(_moving(bn1, bn2), before, rtol=0, atol=0)
    out, moving = _np_training(X, bn1, bn2)
    np.testing.assert_allclose(phase_fn(X, np.uint8(1)), out, rtol=1e-10, atol=1e-12)
    _assert_all_close(_moving(bn1, bn2), moving, rtol=1e-10, atol=1e-12)


def test_one_layer_applied_twice_in_a_graph_is_refused():
    x = Input(shape=(3,))
    bn = BatchNormalization()
    model = Model(x, Dense(1)(bn(bn(x))))
    model.compile("sgd", "mse")
    match = r"Two writers update 'batch_normalization_\d+/moving_mean'"
    with pytest.raises(ValueError, match=match):
        model.make_train_function()


# ---------------------------------------------------------------- bad arguments


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"momentum": 1.0}, r"momentum must be a number in \[0, 1\), received 1.0"),
        ({"momentum": -0.1}, r"momentum must be a number in \[0, 1\), received -0.1"),
        ({"epsilon": 0}, r"epsilon must be a finite number > 0, received 0"),
        ({"epsilon": float("nan")}, r"epsilon must be a finite number > 0, received nan"),
    ],
)
def test_bad_momentum_or_epsilon_raise_value_errors_naming_the_layer(kwargs, match):
    with pytest.raises(ValueError, match=r"BatchNormalization 'batch_normalization_\d+': " + match):
        BatchNormalization(**kwargs)


def test_a_non_integer_axis_is_a_type_error():
    with pytest.raises(TypeError, match=r"axis must be an int .* received str '1'"):
        BatchNormalization(axis="1")


def test_an_axis_outside_the_input_is_refused_at_build():
    match = r"axis 3 is out of range for input of shape \(None, 4, 3\) \(rank 3\)"
    with pytest.raises(ValueError, match=match):
        BatchNormalization(axis=3)(Input(shape=(4, 3)))


def test_an_unknown_size_on_the_feature_axis_is_refused():
    match = r"needs a known size on axis 1, received input shape \(None, None, 3\)"
    with pytest.raises(ValueError, match=match):
        BatchNormalization(axis=1)(Input(shape=(None, 3)))


def test_an_input_with_another_size_on_the_feature_axis_is_refused():
    bn = BatchNormalization()
    bn(Input(shape=(5,)))
    match = r"expects input with size 5 on axis 1, received input of shape \(None, 6\)"
    with pytest.raises(ValueError, match=match):
        bn(Input(shape=(6,)))


# ---------------------------------------------------------------- configuration


def test_config_round_trips_through_json():
    layer = BatchNormalization(
        axis=1,
        momentum=0.9,
        epsilon=1e-5,
        center=False,
        gamma_regularizer=regularizers.l2(0.01),
        name="bn",
    )
    config = json.loads(json.dumps(layer.get_config()))
    clone = BatchNormalization.from_config(config)
    assert clone.get_config() == layer.get_config()
    args = (clone.axis, clone.momentum, clone.epsilon, clone.center, clone.scale)
    assert args == (1, 0.9, 1e-5, False, True)
