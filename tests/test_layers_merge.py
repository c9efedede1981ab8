"""Merge layers and Keras's lowercase helpers: numbers against NumPy, shapes, axes, masks."""

import json

import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest

from kerasque import layers
from kerasque.layers import Input, merge
from kerasque.models import Model

RNG = np.random.default_rng(0)


def _predict(layer_or_fn, shapes, arrays):
    inputs = [Input(shape=s) for s in shapes]
    out = layer_or_fn(inputs)
    return Model(inputs, out).predict(arrays), out


def test_elementwise_helpers_match_numpy_on_three_inputs():
    # One model with every helper: one compile instead of five.
    arrays = [RNG.standard_normal((4, 3)).astype("float32") for _ in range(3)]
    helpers = [layers.add, layers.multiply, layers.average, layers.maximum, layers.minimum]
    inputs = [Input(shape=(3,)) for _ in range(3)]
    outs = [fn(inputs) for fn in helpers]
    assert all(o.shape == (None, 3) for o in outs)
    got = Model(inputs, outs).predict(arrays)
    a, b, c = arrays
    refs = [
        a + b + c,
        a * b * c,
        (a + b + c) / 3,
        np.maximum(np.maximum(a, b), c),
        np.minimum(np.minimum(a, b), c),
    ]
    for out, ref in zip(got, refs):
        np.testing.assert_allclose(out, ref, rtol=1e-6)


def test_subtract_takes_exactly_two_inputs():
    a, b = RNG.standard_normal((2, 4, 3)).astype("float32")
    out, _ = _predict(layers.subtract, [(3,), (3,)], [a, b])
    np.testing.assert_allclose(out, a - b, rtol=1e-6)
    with pytest.raises(ValueError, match=r"\(Subtract\) expects exactly 2 inputs, received 3"):
        layers.Subtract()([Input(shape=(3,))] * 3)


def test_a_size_of_one_broadcasts_in_elementwise_merges():
    a = RNG.standard_normal((4, 3)).astype("float32")
    b = RNG.standard_normal((4, 1)).astype("float32")
    out, sym = _predict(layers.Multiply(), [(3,), (1,)], [a, b])
    assert sym.shape == (None, 3)
    np.testing.assert_allclose(out, a * b, rtol=1e-6)


def test_elementwise_merges_refuse_shapes_that_do_not_broadcast():
    with pytest.raises(
        ValueError,
        match=r"\(Maximum\) needs inputs of one shape, "
        r"received shapes \[\(None, 2\), \(None, 3\)\]",
    ):
        layers.maximum([Input(shape=(2,)), Input(shape=(3,))])
    with pytest.raises(ValueError, match=r"a lower rank aligns on the last axes"):
        layers.add([Input(shape=(3,)), Input(shape=(3, 2))])


def test_a_lower_rank_input_aligns_on_the_last_axes():
    a = RNG.standard_normal((2, 4, 5)).astype("float32")
    b = RNG.standard_normal((2, 5)).astype("float32")
    out, sym = _predict(layers.Add(), [(4, 5), (5,)], [a, b])
    assert sym.shape == (None, 4, 5)
    np.testing.assert_allclose(out, a + b[:, None, :], rtol=1e-6)


def test_concatenate_helper_joins_along_the_given_axis():
    a = RNG.standard_normal((2, 3, 4)).astype("float32")
    b = RNG.standard_normal((2, 5, 4)).astype("float32")
    out, sym = _predict(lambda xs: layers.concatenate(xs, axis=1), [(3, 4), (5, 4)], [a, b])
    assert sym.shape == (None, 8, 4)
    np.testing.assert_allclose(out, np.concatenate([a, b], axis=1))


@pytest.mark.parametrize("axis", [3, -4, 0, 7])
def test_a_merge_axis_outside_the_inputs_rank_is_refused_at_call_time(axis):
    layer = layers.Concatenate(axis=axis)  # fine until it sees its inputs
    with pytest.raises(
        ValueError,
        match=rf"\(Concatenate\): axis {axis} is outside the inputs' non-batch axes; "
        r"inputs of rank 3",
    ):
        layer([Input(shape=(2, 3)), Input(shape=(2, 3))])


def test_a_dot_axis_outside_the_inputs_rank_is_refused_at_call_time():
    with pytest.raises(
        ValueError, match=r"\(Dot\): axes entry 2 is outside the inputs' non-batch axes"
    ):
        layers.Dot(axes=2)([Input(shape=(3,)), Input(shape=(3,))])


def test_merge_axes_of_the_wrong_type_are_type_errors():
    with pytest.raises(
        TypeError, match=r"Concatenate .*: axis must be an int, received '1' \(str\)"
    ):
        layers.Concatenate(axis="1")
    with pytest.raises(TypeError, match=r"Dot .*: axes must be an int"):
        layers.Dot(axes=[1.5, 1])
    with pytest.raises(ValueError, match=r"Dot .*: axes must be an int or a pair of ints"):
        layers.Dot(axes=(1, 1, 1))


def test_dot_of_two_vectors_gives_one_value_per_sample():
    a, b = RNG.standard_normal((2, 5, 4)).astype("float32")
    out, sym = _predict(lambda xs: layers.dot(xs, axes=1), [(4,), (4,)], [a, b])
    assert sym.shape == (None, 1)
    np.testing.assert_allclose(out, (a * b).sum(axis=1, keepdims=True), rtol=1e-5, atol=1e-5)


def test_dot_with_normalize_is_the_cosine_similarity():
    a, b = RNG.standard_normal((2, 5, 4)).astype("float32")
    out, _ = _predict(layers.Dot(axes=-1, normalize=True), [(4,), (4,)], [a, b])
    cos = (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
    np.testing.assert_allclose(out[:, 0], cos, rtol=1e-5)


def test_dot_with_a_pair_of_axes_matches_einsum():
    a = RNG.standard_normal((3, 2, 4)).astype("float32")
    b = RNG.standard_normal((3, 5, 4)).astype("float32")
    out, sym = _predict(layers.Dot(axes=(2, 2)), [(2, 4), (5, 4)], [a, b])
    assert sym.shape == (None, 2, 5)
    np.testing.assert_allclose(out, np.einsum("bik,bjk->bij", a, b), rtol=1e-5, atol=1e-5)
    c = RNG.standard_normal((3, 4, 6)).astype("float32")
    out2, sym2 = _predict(layers.Dot(axes=(1, 2)), [(4, 6), (5, 4)], [c, b])
    assert sym2.shape == (None, 6, 5)
    np.testing.assert_allclose(out2, np.einsum("bki,bjk->bij", c, b), rtol=1e-5, atol=1e-5)


def test_dot_refuses_contracted_axes_of_different_sizes():
    with pytest.raises(ValueError, match=r"\(Dot\): the contracted axes differ in size"):
        layers.Dot(axes=1)([Input(shape=(3,)), Input(shape=(4,))])


def test_merge_masks_keep_a_step_only_where_every_input_keeps_it():
    a, b = pt.matrix("a"), pt.matrix("b")
    ma, mb = pt.matrix("ma", dtype="bool"), pt.matrix("mb", dtype="bool")
    x = pt.tensor3("x")
    add_mask = layers.Add().compute_mask([x, x], [ma, mb])
    cat_mask = layers.Concatenate(axis=1).compute_mask([x, x], [ma, None])
    f = pytensor.function([x, ma, mb], [add_mask, cat_mask], on_unused_input="ignore")
    m1 = np.array([[True, False, True]])
    m2 = np.array([[True, True, False]])
    added, joined = f(np.ones((1, 3, 2), "float32"), m1, m2)
    np.testing.assert_array_equal(added, [[True, False, False]])
    np.testing.assert_array_equal(joined, [[True, False, True, True, True, True]])
    assert layers.Add().compute_mask([a, b], [None, None]) is None


def test_lowercase_helpers_live_in_layers_and_layers_merge():
    for name in (
        "add",
        "subtract",
        "multiply",
        "average",
        "maximum",
        "minimum",
        "concatenate",
        "dot",
    ):
        assert getattr(layers, name) is getattr(merge, name)


def test_helpers_pass_layer_keywords_on():
    out = layers.add([Input(shape=(2,)), Input(shape=(2,))], name="total")
    assert out.node.layer.name == "total"


@pytest.mark.parametrize(
    "layer",
    [
        layers.Dot(axes=(1, 2), normalize=True),
        layers.Concatenate(axis=1),
        layers.Average(name="avg"),
    ],
)
def test_merge_configs_round_trip_through_json(layer):
    config = json.loads(json.dumps(layer.get_config()))
    assert type(layer).from_config(config).get_config() == layer.get_config()


def test_merge_masks_of_any_dtype_count_nonzero_as_kept_and_bad_mask_lists_are_refused():
    x = pt.matrix("x")
    m1, m2 = pt.matrix("m1"), pt.matrix("m2")
    layer = layers.Add(name="adder")
    f = pytensor.function([m1, m2], layer.compute_mask([x, x], [m1, m2]), on_unused_input="ignore")
    np.testing.assert_array_equal(
        f(np.array([[0.5, 0.0]], "float32"), np.array([[2.0, 1.0]], "float32")), [[True, False]]
    )
    with pytest.raises(ValueError, match=r"'adder' \(Add\): mask must be a list"):
        layer.compute_mask([x, x], m1)
    with pytest.raises(ValueError, match=r"'adder' \(Add\): inputs must be a list"):
        layer.compute_mask(x, [None, None])
    with pytest.raises(ValueError, match=r"'adder' \(Add\): 2 inputs but 1 masks"):
        layer.compute_mask([x, x], [None])
