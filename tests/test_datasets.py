"""Tests for kerasque.datasets: the shipped digits and the pydoc text corpus."""

from __future__ import annotations

import numpy as np
import pytest

from kerasque.datasets import digits, pydoc_text

# ---------------------------------------------------------------- digits


@pytest.fixture(scope="module")
def digit_split():
    return digits.load_data()


def test_digits_raw_file_matches_documented_contents():
    images, labels = digits.load_raw()
    assert images.shape == (1797, 8, 8) and images.dtype == np.uint8
    assert labels.shape == (1797,) and labels.dtype == np.uint8
    assert images.max() == 16 and images.min() == 0
    # Class counts recorded in data/README.md.
    expected = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    assert np.bincount(labels).tolist() == expected


def test_digits_shapes_and_dtypes(digit_split):
    (x_train, y_train), (x_test, y_test) = digit_split
    assert x_train.shape[1:] == (8, 8) and x_test.shape[1:] == (8, 8)
    assert len(x_train) + len(x_test) == 1797
    assert len(x_train) == len(y_train) and len(x_test) == len(y_test)
    assert x_train.dtype == np.float32 and x_test.dtype == np.float32
    assert y_train.dtype == np.int64 and y_test.dtype == np.int64


def test_digits_values_and_labels(digit_split):
    (x_train, y_train), (x_test, y_test) = digit_split
    x = np.concatenate([x_train, x_test])
    assert x.min() == 0.0 and x.max() == 1.0
    # Scaling divides counts by 16, so every value is a multiple of 1/16.
    np.testing.assert_array_equal(x * 16, np.round(x * 16))
    assert set(np.unique(y_train)) == set(range(10))
    assert set(np.unique(y_test)) == set(range(10))


def test_digits_split_sizes(digit_split):
    (x_train, _), (x_test, _) = digit_split
    assert len(x_test) == round(1797 * 0.2) == 359
    assert len(x_train) == 1797 - 359


def test_digits_split_is_a_partition():
    (x_train, y_train), (x_test, y_test) = digits.load_data(test_split=0.3, seed=0)
    images, labels = digits.load_raw()
    both = np.concatenate([x_train, x_test]).reshape(1797, -1)
    # Every sample appears once: sorted rows match the sorted raw rows.
    raw = np.concatenate([images.reshape(1797, -1) / 16, labels[:, None]], axis=1)
    got = np.concatenate([both, np.concatenate([y_train, y_test])[:, None]], axis=1)
    np.testing.assert_array_equal(np.unique(raw, axis=0), np.unique(got, axis=0))
    assert len(x_test) == round(1797 * 0.3)


def test_digits_same_seed_same_split():
    first = digits.load_data(seed=7)
    second = digits.load_data(seed=7)
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a[0], b[0])
        np.testing.assert_array_equal(a[1], b[1])


def test_digits_other_seed_other_split():
    (_, y_a), _ = digits.load_data(seed=1)
    (_, y_b), _ = digits.load_data(seed=2)
    assert not np.array_equal(y_a, y_b)


@pytest.mark.parametrize("bad", [0, 0.0, 1, 1.0, -0.1, 1.5, float("nan")])
def test_digits_test_split_out_of_range(bad):
    with pytest.raises(ValueError, match=r"test_split strictly between 0 and 1"):
        digits.load_data(test_split=bad)


@pytest.mark.parametrize("bad", ["0.2", None, True])
def test_digits_test_split_wrong_type(bad):
    with pytest.raises(ValueError, match=r"test_split to be a float strictly between"):
        digits.load_data(test_split=bad)


def test_digits_test_split_leaving_empty_partition():
    with pytest.raises(ValueError, match=r"leaving one partition empty"):
        digits.load_data(test_split=1e-5)


@pytest.mark.parametrize("bad", [-1, 1.5, "113"])
def test_digits_bad_seed(bad):
    with pytest.raises(ValueError, match=r"seed to be a non-negative integer"):
        digits.load_data(seed=bad)


# ---------------------------------------------------------------- pydoc_text


@pytest.fixture(scope="module")
def text_split():
    return pydoc_text.load_data()


def test_pydoc_text_nonempty_and_proportion(text_split):
    train, valid = text_split
    assert isinstance(train, str) and isinstance(valid, str)
    assert train and valid
    total = len(train) + len(valid)
    assert total == len(pydoc_text.corpus())
    assert len(valid) == round(total * 0.1)


def test_pydoc_text_corpus_order():
    from pydoc_data.topics import topics

    text = pydoc_text.corpus()
    first, last = sorted(topics)[0], sorted(topics)[-1]
    assert text.startswith(topics[first])
    assert text.endswith(topics[last])


def test_pydoc_text_max_chars_truncates_before_split():
    train, valid = pydoc_text.load_data(max_chars=1000, valid_fraction=0.25)
    assert (len(train), len(valid)) == (750, 250)
    assert train + valid == pydoc_text.corpus()[:1000]


@pytest.mark.parametrize("bad", [0, 1, -5, 2.5, "100", True])
def test_pydoc_text_bad_max_chars(bad):
    with pytest.raises(ValueError, match=r"max_chars to be None or an integer >= 2"):
        pydoc_text.load_data(max_chars=bad)


@pytest.mark.parametrize("bad", [0, 1, 0.0, 1.0, -0.2, "0.1", None])
def test_pydoc_text_bad_valid_fraction(bad):
    with pytest.raises(ValueError, match=r"valid_fraction strictly between 0 and 1"):
        pydoc_text.load_data(valid_fraction=bad)


def test_pydoc_text_split_leaving_empty_part():
    with pytest.raises(ValueError, match=r"leaving one part empty"):
        pydoc_text.load_data(max_chars=10, valid_fraction=0.01)


def test_build_vocab_sorted_and_inverse():
    chars, char_to_index = pydoc_text.build_vocab("hello world")
    assert chars == sorted(set("hello world"))
    assert all(chars[i] == c for c, i in char_to_index.items())


@pytest.mark.parametrize("bad", ["", b"abc", None])
def test_build_vocab_rejects_bad_text(bad):
    with pytest.raises(ValueError, match=r"build_vocab expects a non-empty str"):
        pydoc_text.build_vocab(bad)


def test_encode_decode_round_trip(text_split):
    train, valid = text_split
    chars, char_to_index = pydoc_text.build_vocab(train + valid)
    ids = pydoc_text.encode(valid, char_to_index)
    assert ids.dtype == np.int32 and ids.shape == (len(valid),)
    assert ids.min() >= 0 and ids.max() < len(chars)
    assert pydoc_text.decode(ids, chars) == valid


def test_encode_unknown_character():
    _, char_to_index = pydoc_text.build_vocab("abc")
    expected = r"1 character\(s\) missing from the vocabulary: 'z'"
    with pytest.raises(ValueError, match=expected):
        pydoc_text.encode("abz", char_to_index)


def test_decode_out_of_range():
    with pytest.raises(ValueError, match=r"indices in \[0, 2\]"):
        pydoc_text.decode([0, 3], ["a", "b", "c"])


def test_make_sequences_shapes_and_shift():
    ids = np.arange(23, dtype=np.int32)
    x, y = pydoc_text.make_sequences(ids, 5)
    # (23 - 1) // 5 = 4 windows; the last 3 ids cannot fill a window.
    assert x.shape == y.shape == (4, 5)
    assert x.dtype == np.int32 and y.dtype == np.int32
    np.testing.assert_array_equal(x[:, 1:], y[:, :-1])
    np.testing.assert_array_equal(y, x + 1)
    # Windows are non-overlapping and consecutive.
    np.testing.assert_array_equal(x.ravel(), ids[:20])


def test_make_sequences_exact_fit():
    x, y = pydoc_text.make_sequences(np.arange(11), 5)
    assert x.shape == (2, 5)
    assert y[-1, -1] == 10


def test_make_sequences_on_real_text(text_split):
    train, valid = text_split
    _, char_to_index = pydoc_text.build_vocab(train + valid)
    ids = pydoc_text.encode(train, char_to_index)
    x, y = pydoc_text.make_sequences(ids, 100)
    assert x.shape == ((len(ids) - 1) // 100, 100)
    np.testing.assert_array_equal(x[:, 1:], y[:, :-1])
    np.testing.assert_array_equal(y[:-1, -1], x[1:, 0])


@pytest.mark.parametrize("bad", [0, -1, 2.0, None, True])
def test_make_sequences_bad_seq_len(bad):
    with pytest.raises(ValueError, match=r"seq_len to be a positive integer"):
        pydoc_text.make_sequences(np.arange(10), bad)


@pytest.mark.parametrize("bad", [np.zeros((2, 5), dtype=int), np.arange(5.0), ["a", "b"]])
def test_make_sequences_bad_ids(bad):
    with pytest.raises(ValueError, match=r"ids to be a 1-D array of integers"):
        pydoc_text.make_sequences(bad, 2)


def test_make_sequences_too_short():
    with pytest.raises(ValueError, match=r"needs at least seq_len \+ 1 = 6 ids"):
        pydoc_text.make_sequences(np.arange(5), 5)
