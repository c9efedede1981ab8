"""Reshape, Permute, RepeatVector, Flatten(data_format), Masking, ActivityRegularization, Embedding.

Masks are checked with a layer that reads them (a masked mean over time), so
a mask that does not reach the next layer fails a number, not just a flag.
"""

import numpy as np
import pytensor
import pytensor.tensor as pt
import pytest

from kerasque.engine import context
from kerasque.engine.base_layer import Layer
from kerasque.layers import (
    ActivityRegularization,
    Dropout,
    Embedding,
    Flatten,
    Input,
    Masking,
    Permute,
    RepeatVector,
    Reshape,
)
from kerasque.models import Model, Sequential

RNG = np.random.default_rng(0)


class MaskedMean(Layer):
    """Mean over time of the steps the incoming mask keeps (all steps without a mask)."""

    def call(self, inputs, mask=None):
        if mask is None:
            return pt.mean(inputs, axis=1)
        m = pt.cast(mask, inputs.dtype)[..., None]
        return pt.sum(inputs * m, axis=1) / pt.maximum(pt.sum(m, axis=1), 1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[2])


def _masked_mean(values, keep):
    keep = keep[..., None].astype(values.dtype)
    return (values * keep).sum(1) / np.maximum(keep.sum(1), 1)


# -- Reshape, Permute, RepeatVector, Flatten ------------------------------------
def test_reshape_works_out_its_minus_one_and_matches_numpy():
    x = RNG.standard_normal((2, 3, 4)).astype("float32")
    model = Sequential([Reshape((-1, 2), input_shape=(3, 4))])
    assert model.outputs[0].shape == (None, 6, 2)
    np.testing.assert_array_equal(model.predict(x), x.reshape(2, 6, 2))


def test_reshape_refuses_a_target_that_does_not_hold_the_input():
    with pytest.raises(
        ValueError,
        match=r"\(Reshape\) cannot reshape input of shape \(None, 3, 4\) \(12 values per "
        r"sample\) to target_shape \(5, -1\)",
    ):
        Reshape((5, -1))(Input(shape=(3, 4)))
    with pytest.raises(
        ValueError, match=r"target_shape must hold positive ints and at most one -1"
    ):
        Reshape((-1, -1))
    with pytest.raises(
        TypeError, match=r"target_shape must be a tuple of ints, received \(2.5, 2\)"
    ):
        Reshape((2.5, 2))


def test_reshape_keeps_integer_ids_integer():
    out = Reshape((2, 2))(Input(shape=(4,), dtype="int32"))
    assert out.dtype == "int32"


def test_permute_counts_axes_from_one_and_matches_numpy():
    x = RNG.standard_normal((2, 3, 4, 5)).astype("float32")
    model = Sequential([Permute((3, 1, 2), input_shape=(3, 4, 5))])
    assert model.outputs[0].shape == (None, 5, 3, 4)
    np.testing.assert_array_equal(model.predict(x), x.transpose(0, 3, 1, 2))
    with pytest.raises(
        ValueError, match=r"dims must be a permutation of 1..2 .* received \(0, 1\)"
    ):
        Permute((0, 1))


def test_repeat_vector_repeats_each_sample():
    x = RNG.standard_normal((2, 4)).astype("float32")
    model = Sequential([RepeatVector(3, input_shape=(4,))])
    assert model.outputs[0].shape == (None, 3, 4)
    np.testing.assert_array_equal(model.predict(x), np.repeat(x[:, None], 3, axis=1))
    with pytest.raises(
        ValueError, match=r"RepeatVector .*: n must be a positive integer, received 0"
    ):
        RepeatVector(0)


def test_flatten_channels_first_moves_channels_last_before_flattening():
    x = RNG.standard_normal((2, 3, 4, 5)).astype("float32")
    inp = Input(shape=(3, 4, 5))
    first, last = (
        Flatten(data_format="channels_first")(inp),
        Flatten(data_format="channels_last")(inp),
    )
    out_first, out_last = Model(inp, [first, last]).predict(x)
    np.testing.assert_array_equal(out_first, x.transpose(0, 2, 3, 1).reshape(2, -1))
    np.testing.assert_array_equal(out_last, x.reshape(2, -1))
    with pytest.raises(
        ValueError, match=r"data_format must be 'channels_last' or 'channels_first'"
    ):
        Flatten(data_format="nchw")


# -- Masking --------------------------------------------------------------------
def test_masking_zeroes_masked_steps_and_its_mask_reaches_the_next_layer():
    x = RNG.standard_normal((3, 4, 2)).astype("float32")
    x[0, 2:] = -1.0
    x[2, 0] = -1.0
    inp = Input(shape=(4, 2))
    masked = Masking(mask_value=-1.0)(inp)
    model = Model(inp, [masked, MaskedMean()(Dropout(0.5)(masked))])  # the mask passes Dropout
    out, mean = model.predict(x)
    keep = np.any(x != -1.0, axis=-1)
    np.testing.assert_allclose(out, x * keep[..., None])
    np.testing.assert_allclose(mean, _masked_mean(x, keep), rtol=1e-6)


# -- Embedding --------------------------------------------------------------------
def test_embedding_mask_zero_flows_to_a_layer_that_reads_the_mask():
    ids = np.array([[3, 1, 0, 0], [2, 0, 0, 0], [4, 5, 6, 7]])
    emb = Embedding(8, 3, mask_zero=True)
    inp = Input(shape=(4,), dtype="int32")
    model = Model(inp, MaskedMean()(emb(inp)))
    table = emb.get_weights()[0]
    np.testing.assert_allclose(model.predict(ids), _masked_mean(table[ids], ids != 0), rtol=1e-6)


def test_embedding_without_mask_zero_passes_no_mask():
    ids = np.array([[3, 0, 0, 0]])
    emb = Embedding(8, 3, input_length=4)
    model = Sequential([emb, MaskedMean()])
    np.testing.assert_allclose(model.predict(ids), emb.get_weights()[0][ids].mean(1), rtol=1e-6)


def test_embedding_input_length_sets_the_input_and_must_agree_with_input_shape():
    model = Sequential([Embedding(10, 2, input_length=5)])
    assert model.inputs[0].shape == (None, 5)
    assert Embedding(10, 2, input_length=5, input_shape=(5,)).input_length == 5
    assert Embedding(10, 2, input_length=5, input_shape=(None,)).batch_input_shape == (None, None)
    with pytest.raises(ValueError, match=r"input_length=5 contradicts input_shape=\(6,\)"):
        Embedding(10, 2, input_length=5, input_shape=(6,))
    with pytest.raises(
        ValueError, match=r"input_length=5 contradicts batch_input_shape=\(None, 4\)"
    ):
        Embedding(10, 2, input_length=5, batch_input_shape=(None, 4))
    with pytest.raises(
        ValueError, match=r"has input_length=5, but received input of shape \(None, 3\)"
    ):
        Embedding(10, 2, input_length=5)(Input(shape=(3,), dtype="int32"))


@pytest.mark.parametrize("dtype", ["int8", "int16", "int32", "int64", "uint8", "uint32", "uint64"])
def test_embedding_refuses_ids_outside_its_vocabulary_in_every_integer_dtype(dtype):
    layer = Embedding(10, 2, name="emb")
    layer.check_input_values(np.array([[0, 9]], dtype=dtype))
    too_big = np.array([[1, 10]], dtype=dtype)
    with pytest.raises(
        ValueError,
        match=r"Layer 'emb' \(Embedding\) has input_dim=10, so ids must be in \[0, 10\); "
        r"received ids from 1 to 10",
    ):
        layer.check_input_values(too_big)


def test_embedding_refuses_a_64_bit_id_that_would_wrap_to_a_small_one():
    layer = Embedding(10, 2, name="emb")
    with pytest.raises(ValueError, match=r"received ids from 3 to 4294967299"):
        layer.check_input_values(np.array([[3, 2**32 + 3]], dtype="int64"))
    with pytest.raises(ValueError, match=r"received ids from -1 to 1"):
        layer.check_input_values(np.array([[-1, 1]], dtype="int64"))
    with pytest.raises(ValueError, match=r"reads integer ids, received non-integer values"):
        layer.check_input_values(np.array([[1.5]]))
    with pytest.raises(TypeError, match=r"reads integer ids, received dtype <U1"):
        layer.check_input_values(np.array([["a"]]))


def test_embedding_refuses_ids_outside_its_vocabulary_when_predicting():
    model = Sequential([Embedding(10, 2, input_length=2, name="emb")])
    with pytest.raises(ValueError, match=r"Layer 'emb' \(Embedding\) has input_dim=10"):
        model.predict(np.array([[1, 12]]))


def test_embedding_takes_a_regularizer_and_a_constraint_by_name():
    layer = Embedding(10, 2, embeddings_regularizer="l2", embeddings_constraint="unit_norm")
    Sequential([Input(shape=(3,), dtype="int32"), layer])
    assert len(layer.losses) == 1 and len(layer.all_constraints()) == 1
    config = layer.get_config()
    assert config["embeddings_regularizer"] == {"class_name": "L2", "config": {"l2": 0.01}}
    assert config["embeddings_constraint"] == {"class_name": "UnitNorm", "config": {"axis": 0}}


# -- ActivityRegularization ----------------------------------------------------------
def test_activity_regularization_records_its_penalty_in_the_forward_pass():
    x = pt.matrix("x")
    layer = ActivityRegularization(l1=0.1, l2=0.5)
    with context.forward_pass("train") as fp:
        out = layer(x)
    assert len(fp.losses()) == 1
    value = RNG.standard_normal((3, 4)).astype("float32")
    got_out, penalty = pytensor.function([x], [out, fp.losses()[0]])(value)
    np.testing.assert_array_equal(got_out, value)
    np.testing.assert_allclose(
        penalty, 0.1 * np.abs(value).sum() + 0.5 * (value**2).sum(), rtol=1e-5
    )


def test_activity_regularization_with_zero_factors_adds_nothing():
    with context.forward_pass("train") as fp:
        ActivityRegularization()(pt.matrix("x"))
    assert fp.losses() == []


def test_embedding_takes_keras_2s_tuple_input_length_for_ids_of_higher_rank():
    layer = Embedding(10, 2, input_length=(None, 5))
    model = Sequential([layer])
    assert model.inputs[0].shape == (None, None, 5) and model.outputs[0].shape == (None, None, 5, 2)
    assert layer.get_config()["input_length"] == [None, 5]
    with pytest.raises(
        ValueError, match=r"input_length=\(None, 5\) contradicts input_shape=\(3, 4\)"
    ):
        Embedding(10, 2, input_length=(None, 5), input_shape=(3, 4))


@pytest.mark.parametrize("dtype", ["int64", "uint64"])
def test_predict_refuses_a_64_bit_id_that_the_int32_input_would_wrap_to_a_valid_one(dtype):
    model = Sequential([Embedding(10, 2, input_length=2, name="emb64")])
    with pytest.raises(
        ValueError,
        match=r"Layer 'emb64' \(Embedding\) has input_dim=10, .* received ids from 1 to 4294967299",
    ):
        model.predict(np.array([[1, 2**32 + 3]], dtype=dtype))
