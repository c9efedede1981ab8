"""Dense, Activation, Flatten, Embedding, Concatenate, Add: shapes, numbers, gradients."""

import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest

from kerasque import backend as K
from kerasque.layers import Activation, Add, Concatenate, Dense, Embedding, Flatten, Input
from kerasque.models import Model, Sequential


def test_dense_matches_numpy_with_weights_set_by_hand():
    layer = Dense(3, activation="tanh", input_shape=(4,))
    model = Sequential([layer])
    w, b = np.random.rand(4, 3), np.random.rand(3)
    layer.set_weights([w, b])
    x = np.random.rand(5, 4).astype("float32")
    np.testing.assert_allclose(model.predict(x), np.tanh(x @ w + b), rtol=1e-5)
    assert model.outputs[0].shape == (None, 3)


def test_dense_applies_to_the_last_axis_of_a_rank_three_input():
    inp = Input(shape=(6, 4))
    layer = Dense(2)
    out = layer(inp)
    assert out.shape == (None, 6, 2)
    model = Model(inp, out)
    x = np.random.rand(3, 6, 4).astype("float32")
    w, b = layer.get_weights()
    np.testing.assert_allclose(model.predict(x), x @ w + b, rtol=1e-5, atol=1e-6)


def test_dense_gradient_matches_finite_differences():
    K.set_floatx("float64")
    layer = Dense(3, activation="sigmoid", bias_initializer="ones")
    layer(Input(shape=(4,)))
    rng = np.random.default_rng(0)
    pytensor.gradient.verify_grad(
        lambda k, x: pt.sum(layer.call(x, kernel=k) ** 2),
        [rng.normal(size=(4, 3)), rng.normal(size=(2, 4))],
        rng=rng,
        mode="FAST_COMPILE",
    )


def test_activation_and_flatten():
    inp = Input(shape=(2, 3))
    out = Activation("relu")(Flatten()(inp))
    assert out.shape == (None, 6)
    x = np.random.randn(4, 2, 3).astype("float32")
    np.testing.assert_allclose(Model(inp, out).predict(x), np.maximum(x.reshape(4, 6), 0))


@pytest.mark.parametrize(
    "name", ["relu", "tanh", "sigmoid", "hard_sigmoid", "softmax", "linear", "elu", "softplus"]
)
def test_every_named_activation_matches_numpy(name):
    x = np.linspace(-3, 3, 12).reshape(2, 6)
    ref = {
        "relu": np.maximum(x, 0),
        "tanh": np.tanh(x),
        "sigmoid": 1 / (1 + np.exp(-x)),
        "hard_sigmoid": np.clip(0.2 * x + 0.5, 0, 1),
        "softmax": np.exp(x) / np.exp(x).sum(-1, keepdims=True),
        "linear": x,
        "elu": np.where(x > 0, x, np.expm1(x)),
        "softplus": np.log1p(np.exp(x)),
    }[name]
    v = pt.matrix("v", dtype="float64")
    out = pytensor.function([v], Activation(name)(v), mode="FAST_COMPILE")(x)
    np.testing.assert_allclose(out, ref, rtol=1e-6, atol=1e-7)


def test_embedding_looks_up_rows_and_masks_zero():
    layer = Embedding(10, 3, mask_zero=True, input_length=4)
    model = Sequential([layer])
    assert model.inputs[0].shape == (None, 4) and model.inputs[0].dtype == "int32"
    ids = np.array([[1, 2, 0, 9]])
    np.testing.assert_allclose(model.predict(ids)[0], layer.get_weights()[0][[1, 2, 0, 9]])
    v = pt.imatrix("v")
    mask = pytensor.function([v], layer.compute_mask(v))(ids.astype("int32"))
    np.testing.assert_array_equal(mask, [[True, True, False, True]])


def test_concatenate_and_add_merge_branches():
    a, b = Input(shape=(2,)), Input(shape=(3,))
    cat = Concatenate()([a, b])
    assert cat.shape == (None, 5)
    s = Add()([a, a])
    model = Model([a, b], [cat, s])
    xa, xb = np.random.rand(4, 2).astype("float32"), np.random.rand(4, 3).astype("float32")
    c, d = model.predict([xa, xb])
    np.testing.assert_allclose(c, np.concatenate([xa, xb], 1))
    np.testing.assert_allclose(d, 2 * xa)


def test_merge_layers_refuse_mismatched_shapes():
    a, b = Input(shape=(2,)), Input(shape=(3,))
    with pytest.raises(
        ValueError,
        match=r"\(Add\) needs inputs of one shape, received shapes \[\(None, 2\), \(None, 3\)\]",
    ):
        Add()([a, b])
    with pytest.raises(ValueError, match="expects a list of at least 2 inputs"):
        Concatenate()([a])


def test_unknown_activation_and_initializer_names_list_valid_names():
    with pytest.raises(
        ValueError, match=r"Unknown activation 'rleu'. Did you mean 'relu'\?.*Valid names are"
    ):
        Dense(2, activation="rleu")
    with pytest.raises(
        ValueError, match=r"Unknown initializer 'glorot'.*Valid names are:.*'he_normal'"
    ):
        Dense(2, kernel_initializer="glorot")


def test_unknown_keyword_is_a_type_error_suggesting_the_close_name():
    with pytest.raises(
        TypeError,
        match=r"Dense got an unexpected keyword argument 'input_shap'. "
        r"Did you mean 'input_shape'\?",
    ):
        Dense(2, input_shap=(3,))


def test_units_must_be_a_positive_integer():
    with pytest.raises(ValueError, match=r"units must be a positive integer, received 0"):
        Dense(0)


def test_layer_refuses_an_input_of_the_wrong_width():
    inp = Input(shape=(4,))
    layer = Dense(2)
    layer(inp)
    with pytest.raises(
        ValueError,
        match=r"Layer 'dense_\d+' \(Dense\) expects input with size 4 on axis -1, "
        r"received input of shape \(None, 5\)",
    ):
        layer(Input(shape=(5,)))


@pytest.mark.parametrize(
    "init",
    [
        "glorot_uniform",
        "glorot_normal",
        "he_normal",
        "he_uniform",
        "orthogonal",
        "zeros",
        "ones",
        "uniform",
        "random_normal",
    ],
)
def test_every_named_initializer_gives_the_requested_shape_and_dtype(init):
    w = Dense(5, kernel_initializer=init, input_shape=(4,))
    Sequential([w])
    value = w.get_weights()[0]
    assert value.shape == (4, 5) and value.dtype == np.float32
    if init == "orthogonal":
        np.testing.assert_allclose(value.T @ value, np.eye(5)[:5, :5] * 0 + value.T @ value)
        np.testing.assert_allclose(value @ value.T, np.eye(4), atol=1e-5)


def test_max_norm_constraint_bounds_each_units_incoming_weights():
    from kerasque.constraints import MaxNorm

    layer = Dense(3, input_shape=(4,), kernel_constraint=MaxNorm(0.5), kernel_initializer="ones")
    model = Sequential([layer])
    model.compile("sgd", "mse")
    model.train_on_batch(np.ones((2, 4)), np.zeros((2, 3)))
    norms = np.linalg.norm(layer.get_weights()[0], axis=0)
    assert np.all(norms <= 0.5 + 1e-5)


def test_l2_regularizer_adds_its_penalty_to_the_loss():
    from kerasque.regularizers import l2

    layer = Dense(1, input_shape=(1,), kernel_initializer="ones", kernel_regularizer=l2(0.5))
    model = Sequential([layer])
    model.compile("sgd", "mse")
    loss = model.evaluate(np.zeros((2, 1)), np.zeros((2, 1)))
    np.testing.assert_allclose(loss, 0.5 * 1.0, rtol=1e-6)


def test_explicit_names_are_not_reused_by_automatic_ones():
    first = Dense(2, name="dense_900")
    assert first.name == "dense_900"
    assert Dense(2).name == "dense_901"


def test_registered_custom_activation_is_found_by_name():
    from kerasque.utils import register_custom_object

    @register_custom_object
    def doubled(x):
        return 2 * x

    model = Sequential(
        [Dense(2, activation="doubled", input_shape=(2,), kernel_initializer="ones")]
    )
    np.testing.assert_allclose(model.predict(np.ones((1, 2))), [[4.0, 4.0]])


def test_a_sequential_can_start_with_another_model():
    inner = Sequential([Dense(3, input_shape=(2,))])
    outer = Sequential([inner, Dense(1)])
    assert outer.inputs[0].shape == (None, 2)
    assert outer.predict(np.ones((4, 2))).shape == (4, 1)
    assert outer.count_params() == 2 * 3 + 3 + 3 + 1
