"""K's maths and shape functions against NumPy, on variables and on placeholders."""

import numpy as np
import pytest

from kerasque import backend as K

RNG = np.random.default_rng(0)
X = RNG.random((4, 3, 2)).astype("float32") - 0.5
Y = RNG.random((4, 3, 2)).astype("float32") - 0.5


def _softmax(x, axis=-1):
    e = np.exp(x - x.max(axis, keepdims=True))
    return e / e.sum(axis, keepdims=True)


def _logsumexp(x, axis=None, keepdims=False):
    top = np.max(x, axis=axis, keepdims=True)
    out = np.log(np.sum(np.exp(x - top), axis=axis, keepdims=True)) + top
    return out if keepdims else (np.squeeze(out, axis) if axis is not None else out.reshape(()))


REDUCTIONS = [
    ("max", np.max),
    ("min", np.min),
    ("sum", np.sum),
    ("prod", np.prod),
    ("mean", np.mean),
    ("std", np.std),
    ("var", np.var),
    ("logsumexp", _logsumexp),
]


@pytest.mark.parametrize("name, reference", REDUCTIONS, ids=[r[0] for r in REDUCTIONS])
def test_reductions_match_numpy_for_axis_and_keepdims(name, reference):
    cases = [(axis, keepdims) for axis in (None, 1, -1, [0, 2]) for keepdims in (False, True)]
    v = K.variable(X)
    outs = K.function([], [getattr(K, name)(v, axis=a, keepdims=k) for a, k in cases])([])
    for (axis, keepdims), out in zip(cases, outs):
        ax = tuple(axis) if isinstance(axis, list) else axis
        np.testing.assert_allclose(
            out, reference(X, axis=ax, keepdims=keepdims), rtol=1e-5, atol=1e-6
        )


def test_any_and_all_reduce_booleans_like_numpy():
    b = X > 0
    for fn, ref in ((K.any, np.any), (K.all, np.all)):
        for axis in (None, 0, -1):
            out = K.eval(fn(K.variable(b, dtype="bool"), axis=axis, keepdims=True))
            np.testing.assert_array_equal(out, ref(b, axis=axis, keepdims=True))


def test_mean_of_integers_is_floatx():
    out = K.mean(K.variable([1, 2, 4], dtype="int32"))
    assert K.dtype(out) == "float32"
    np.testing.assert_allclose(K.eval(out), 7 / 3, rtol=1e-6)


ELEMENTWISE = [
    ("square", np.square),
    ("abs", np.abs),
    ("exp", np.exp),
    ("sign", np.sign),
    ("sin", np.sin),
    ("cos", np.cos),
    ("round", np.round),
    ("sqrt", lambda x: np.sqrt(np.maximum(x, 0))),
    ("log", lambda x: np.log(np.abs(x))),
]


@pytest.mark.parametrize("name, reference", ELEMENTWISE, ids=[e[0] for e in ELEMENTWISE])
def test_elementwise_functions_match_numpy(name, reference):
    x = np.abs(X) if name == "log" else X * 5
    out = K.eval(getattr(K, name)(K.variable(x)))
    np.testing.assert_allclose(out, reference(x), rtol=1e-5, atol=1e-6)
    assert out.dtype == np.float32


def test_round_takes_halves_to_even():
    np.testing.assert_array_equal(K.eval(K.round(K.variable([0.5, 1.5, 2.5, -0.5]))), [0, 2, 2, -0])


COMPARISONS = [
    ("equal", np.equal),
    ("not_equal", np.not_equal),
    ("greater", np.greater),
    ("greater_equal", np.greater_equal),
    ("less", np.less),
    ("less_equal", np.less_equal),
    ("maximum", np.maximum),
    ("minimum", np.minimum),
]


@pytest.mark.parametrize("name, reference", COMPARISONS, ids=[c[0] for c in COMPARISONS])
def test_two_tensor_functions_broadcast_like_numpy(name, reference):
    y = Y[:1].copy()
    y[0, 0, 0] = X[0, 0, 0]  # one tie
    out = K.eval(getattr(K, name)(K.variable(X), K.variable(y)))
    np.testing.assert_array_equal(out, reference(X, y))


def test_pow_and_clip_keep_float32_and_follow_numpy():
    v = K.variable(X)
    np.testing.assert_allclose(K.eval(K.pow(v, 2)), X**2, rtol=1e-6)
    clipped = K.clip(v, -0.1, 0.2)
    assert K.dtype(clipped) == "float32"
    np.testing.assert_allclose(K.eval(clipped), np.clip(X, -0.1, 0.2))
    np.testing.assert_allclose(K.eval(K.clip(v, 0.3, 0.1)), np.full_like(X, 0.3))
    np.testing.assert_allclose(K.eval(K.clip(v, None, 0.0)), np.minimum(X, 0.0))


def test_cumulative_sum_and_product_follow_numpy():
    for axis in (0, 1, -1):
        np.testing.assert_allclose(
            K.eval(K.cumsum(K.variable(X), axis)), np.cumsum(X, axis), rtol=1e-5
        )
        np.testing.assert_allclose(
            K.eval(K.cumprod(K.variable(X), axis)), np.cumprod(X, axis), rtol=1e-5
        )


def test_argmax_and_argmin_default_to_the_last_axis():
    np.testing.assert_array_equal(K.eval(K.argmax(K.variable(X))), np.argmax(X, -1))
    np.testing.assert_array_equal(K.eval(K.argmin(K.variable(X), axis=0)), np.argmin(X, 0))


@pytest.mark.parametrize("xs, ys", [((4, 2), (2, 4)), ((4, 2), (5, 2, 3)), ((2, 3, 4), (4,))])
def test_dot_is_numpy_dot(xs, ys):
    a, b = RNG.random(xs).astype("float32"), RNG.random(ys).astype("float32")
    np.testing.assert_allclose(K.eval(K.dot(K.variable(a), K.variable(b))), np.dot(a, b), rtol=1e-5)


def _batch_dot_reference(x, y, axes):
    out = np.stack(
        [np.tensordot(x[i], y[i], axes=(axes[0] - 1, axes[1] - 1)) for i in range(len(x))]
    )
    return out.reshape(len(x), 1) if out.ndim == 1 else out


@pytest.mark.parametrize(
    "xs, ys, axes",
    [
        ((4, 2, 3), (4, 5, 3), (2, 2)),
        ((4, 2, 3), (4, 3), (2, 1)),
        ((4, 2), (4, 2, 3), (1, 1)),
        ((32, 20), (32, 20), 1),
        ((4, 2, 3), (4, 3, 5), None),
    ],
)
def test_batch_dot_contracts_one_axis_per_sample(xs, ys, axes):
    a, b = RNG.random(xs).astype("float32"), RNG.random(ys).astype("float32")
    ref_axes = (
        (len(xs) - 1, len(ys) - 2)
        if axes is None
        else (axes, axes)
        if isinstance(axes, int)
        else axes
    )
    out = K.eval(K.batch_dot(K.variable(a), K.variable(b), axes=axes))
    np.testing.assert_allclose(out, _batch_dot_reference(a, b, ref_axes), rtol=1e-5)


def test_batch_dot_over_the_batch_axis_transposes_as_keras_does():
    out = K.eval(K.batch_dot(K.ones((32, 20)), K.ones((32, 20)), axes=0))
    np.testing.assert_allclose(out, np.full((20, 1), 32.0))


def test_transpose_gather_and_l2_normalize_follow_numpy():
    np.testing.assert_array_equal(K.eval(K.transpose(K.variable(X))), X.T)
    idx = np.array([2, 0, 2])
    np.testing.assert_array_equal(K.eval(K.gather(K.variable(X), idx)), X[idx])
    x = X.reshape(4, 6)
    ref = x / np.sqrt(np.maximum((x**2).sum(-1, keepdims=True), 1e-7))
    np.testing.assert_allclose(K.eval(K.l2_normalize(K.variable(x), axis=-1)), ref, rtol=1e-5)


def test_in_top_k_counts_ties_at_the_boundary():
    preds = np.array([[0.1, 0.9, 0.5], [0.3, 0.3, 0.2], [0.7, 0.1, 0.2]], "float32")
    targets = np.array([2, 1, 1])
    out = K.eval(K.in_top_k(K.variable(preds), K.variable(targets, dtype="int32"), 1))
    np.testing.assert_array_equal(out, [False, True, False])
    two = K.eval(K.in_top_k(K.variable(preds), K.variable(targets, dtype="int32"), 2))
    np.testing.assert_array_equal(two, [True, True, False])
    assert K.eval(K.in_top_k(K.variable(preds), K.variable(targets, dtype="int32"), 3)).all()


@pytest.mark.parametrize(
    "x_shape, bias_shape, data_format, reshaped",
    [
        ((2, 3), (3,), "channels_last", (3,)),
        ((2, 4, 3), (3,), "channels_last", (3,)),
        ((2, 4, 5, 3), (4, 5, 3), "channels_last", (1, 4, 5, 3)),
        ((2, 3, 4), (3,), "channels_first", (1, 3, 1)),
        ((2, 3, 4, 5), (3,), "channels_first", (1, 3, 1, 1)),
        ((2, 3, 4, 4), (4, 4, 3), "channels_first", (1, 3, 4, 4)),
    ],
)
def test_bias_add_puts_the_bias_on_the_channel_axis(x_shape, bias_shape, data_format, reshaped):
    x, b = RNG.random(x_shape).astype("float32"), RNG.random(bias_shape).astype("float32")
    out = K.eval(K.bias_add(K.variable(x), K.variable(b), data_format=data_format))
    np.testing.assert_allclose(out, x + b.reshape(reshaped), rtol=1e-6)


def test_bias_add_refuses_a_bias_of_the_wrong_rank():
    with pytest.raises(ValueError, match="bias must have 1 or 2 axes"):
        K.bias_add(K.variable(np.ones((2, 3, 4))), K.variable(np.ones((1, 3, 4))))


# -- shapes -----------------------------------------------------------------------
def test_concatenate_reshape_and_permute_follow_numpy():
    np.testing.assert_array_equal(
        K.eval(K.concatenate([K.variable(X), K.variable(Y)])), np.concatenate([X, Y], -1)
    )
    np.testing.assert_array_equal(K.eval(K.reshape(K.variable(X), (4, -1))), X.reshape(4, -1))
    np.testing.assert_array_equal(
        K.eval(K.permute_dimensions(K.variable(X), (2, 0, 1))), X.transpose(2, 0, 1)
    )


def test_repeat_elements_repeat_and_tile_follow_numpy():
    np.testing.assert_array_equal(
        K.eval(K.repeat_elements(K.variable(X), 2, axis=1)), np.repeat(X, 2, axis=1)
    )
    x2 = X[:, :, 0]
    np.testing.assert_array_equal(
        K.eval(K.repeat(K.variable(x2), 3)), np.repeat(x2[:, None], 3, axis=1)
    )
    np.testing.assert_array_equal(K.eval(K.tile(K.variable(x2), (2, 3))), np.tile(x2, (2, 3)))
    np.testing.assert_array_equal(K.eval(K.tile(K.variable(x2), 2)), np.tile(x2, 2))
    with pytest.raises(ValueError, match="repeat expects a 2D tensor"):
        K.repeat(K.variable(X), 2)


def test_arange_flatten_and_batch_flatten_follow_numpy():
    np.testing.assert_array_equal(K.eval(K.arange(5)), np.arange(5))
    np.testing.assert_array_equal(K.eval(K.arange(1, 7, 2)), np.arange(1, 7, 2))
    assert K.dtype(K.arange(3)) == "int32"
    np.testing.assert_array_equal(K.eval(K.flatten(K.variable(X))), X.ravel())
    np.testing.assert_array_equal(K.eval(K.batch_flatten(K.variable(X))), X.reshape(4, -1))


def test_expand_dims_squeeze_and_stack_follow_numpy():
    assert K.eval(K.expand_dims(K.variable(X))).shape == (4, 3, 2, 1)
    assert K.eval(K.expand_dims(K.variable(X), 1)).shape == (4, 1, 3, 2)
    assert K.eval(K.squeeze(K.variable(X[:, :1]), 1)).shape == (4, 2)
    x = K.placeholder((None, 1, 2))
    f = K.function([x], K.squeeze(x, 1))
    assert f(np.ones((3, 1, 2))).shape == (3, 2)
    np.testing.assert_array_equal(
        K.eval(K.stack([K.variable(X), K.variable(Y)], axis=1)), np.stack([X, Y], 1)
    )


def test_one_hot_reverse_and_slice_follow_numpy():
    ids = np.array([[0, 2], [1, 1]])
    out = K.eval(K.one_hot(K.variable(ids, dtype="int32"), 3))
    np.testing.assert_array_equal(out, np.eye(3)[ids])
    assert out.dtype == np.float32
    np.testing.assert_array_equal(K.eval(K.reverse(K.variable(X), 1)), X[:, ::-1])
    np.testing.assert_array_equal(K.eval(K.reverse(K.variable(X), (1, 2))), X[:, ::-1, ::-1])
    np.testing.assert_array_equal(
        K.eval(K.slice(K.variable(X), (1, 0, 1), (2, -1, 1))), X[1:3, 0:, 1:2]
    )
