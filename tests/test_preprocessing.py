"""kerasque.preprocessing.sequence.pad_sequences, as Keras's."""

import numpy as np
import pytest

from kerasque.preprocessing.sequence import pad_sequences

SEQS = [[1], [1, 2], [1, 2, 3]]


def test_pads_and_truncates_at_the_start_by_default():
    np.testing.assert_array_equal(pad_sequences(SEQS, maxlen=2), [[0, 1], [1, 2], [2, 3]])
    assert pad_sequences(SEQS).shape == (3, 3) and pad_sequences(SEQS).dtype == np.int32


def test_post_padding_and_truncating():
    out = pad_sequences(SEQS, maxlen=2, padding="post", truncating="post")
    np.testing.assert_array_equal(out, [[1, 0], [1, 2], [1, 2]])


def test_value_and_dtype():
    out = pad_sequences(SEQS, maxlen=3, value=-1, dtype="float32")
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out[0], [-1, -1, 1])


def test_strings_need_an_object_or_string_dtype():
    out = pad_sequences([["a", "b"], ["c"]], dtype=object, value="<pad>")
    assert out.tolist() == [["a", "b"], ["<pad>", "c"]]
    with pytest.raises(ValueError, match=r"dtype int32 cannot hold the string value '<pad>'"):
        pad_sequences([["a"]], value="<pad>")


def test_elements_may_be_vectors_of_one_shape():
    out = pad_sequences([[[1, 2]], [[3, 4], [5, 6]]])
    assert out.shape == (2, 2, 2)
    np.testing.assert_array_equal(out[0], [[0, 0], [1, 2]])
    with pytest.raises(ValueError, match=r"sequence 1 has elements of shape \(3,\)"):
        pad_sequences([[[1, 2]], [[1, 2, 3]]])


def test_empty_sequences_are_all_padding():
    np.testing.assert_array_equal(pad_sequences([[], [4]]), [[0], [4]])
    assert pad_sequences([[1, 2]], maxlen=0).shape == (1, 0)


def test_bad_arguments_are_refused_naming_them():
    with pytest.raises(ValueError, match=r"padding must be 'pre' or 'post', received 'middle'"):
        pad_sequences(SEQS, padding="middle")
    with pytest.raises(ValueError, match=r"truncating must be 'pre' or 'post'"):
        pad_sequences(SEQS, truncating="both")
    with pytest.raises(
        ValueError, match=r"maxlen must be a non-negative integer or None, received -1"
    ):
        pad_sequences(SEQS, maxlen=-1)
    with pytest.raises(ValueError, match=r"element 1 is 5"):
        pad_sequences([[1], 5])
    with pytest.raises(TypeError, match=r"unknown dtype 'int33'"):
        pad_sequences(SEQS, dtype="int33")
