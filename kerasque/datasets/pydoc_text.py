"""A character-level text corpus: the help topics that ship with CPython.

Every CPython install carries ``pydoc_data.topics``, a dict mapping help
topics (``"assignment"``, ``"if"``, ...) to the text that ``help()`` prints
for them, about 465,000 characters in all. That makes it a corpus for
character-level language models that needs neither a download nor a data
file: it is part of the Python standard library, under the PSF licence.

The text is kept as it is, not filtered to ASCII: a few hundred characters
are typographic quotes, dashes and the like, which add about ten symbols to
the vocabulary of roughly a hundred. The text differs between CPython
versions, so lengths and vocabularies depend on the interpreter in use.

Examples
--------
>>> from kerasque.datasets import pydoc_text
>>> train, valid = pydoc_text.load_data(max_chars=100_000)
>>> chars, char_to_index = pydoc_text.build_vocab(train + valid)
>>> x, y = pydoc_text.make_sequences(pydoc_text.encode(train, char_to_index), 64)
>>> x.shape == y.shape
True
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping

import numpy as np

# Topics are separated by one blank line, so a model sees paragraph breaks.
_SEPARATOR = "\n\n"

__all__ = ["load_data", "build_vocab", "encode", "decode", "make_sequences"]


def _load_topics() -> dict[str, str]:
    """Return the ``topics`` dict of ``pydoc_data.topics``."""
    try:
        from pydoc_data.topics import topics
    except ImportError as error:  # Some slimmed-down Python builds drop it.
        raise RuntimeError(
            "pydoc_text needs the standard-library module pydoc_data.topics, "
            "which this Python installation lacks. Install the full standard "
            "library (e.g. the python3 package rather than python3-minimal)."
        ) from error
    return topics


def corpus() -> str:
    """Return the whole corpus: every topic's text, in sorted-key order.

    Returns
    -------
    str
        The texts of ``pydoc_data.topics.topics``, sorted by topic name and
        joined with blank lines.
    """
    topics = _load_topics()
    return _SEPARATOR.join(topics[key] for key in sorted(topics))


def _is_int(value) -> bool:
    # bool is an int subclass, but True is never meant as a count.
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _check_max_chars(max_chars: int | None) -> int | None:
    if max_chars is None:
        return None
    if not _is_int(max_chars) or max_chars < 2:
        raise ValueError(
            "pydoc_text.load_data expects max_chars to be None or an integer "
            f">= 2, received {max_chars!r}. Pass None for the whole corpus, or "
            "e.g. max_chars=100_000 to use its first 100,000 characters."
        )
    return int(max_chars)


def _check_valid_fraction(valid_fraction: float) -> float:
    if (
        isinstance(valid_fraction, bool)
        or not isinstance(valid_fraction, numbers.Real)
        or not 0.0 < float(valid_fraction) < 1.0
    ):
        raise ValueError(
            "pydoc_text.load_data expects valid_fraction strictly between 0 and "
            f"1, received {valid_fraction!r}. Pass e.g. valid_fraction=0.1 to "
            "keep the last 10% of the characters for validation."
        )
    return float(valid_fraction)


def load_data(max_chars: int | None = None, valid_fraction: float = 0.1) -> tuple[str, str]:
    """Load the corpus and split it into training and validation text.

    Parameters
    ----------
    max_chars : int or None, default None
        If given, keep only the first ``max_chars`` characters of the corpus
        (before splitting). Must be at least 2 so both parts are non-empty.
    valid_fraction : float, default 0.1
        Fraction of the characters, taken from the end, used for validation;
        strictly between 0 and 1.

    Returns
    -------
    train_text, valid_text : str
        The first and the last part of the (truncated) corpus. Their
        concatenation is the (truncated) corpus.

    Raises
    ------
    ValueError
        If an argument is out of range, or if the split leaves a part empty.

    Notes
    -----
    The validation part is contiguous text at the end, not a random sample,
    so no training window overlaps it. It may contain characters absent from
    the training part: build the vocabulary from ``train_text + valid_text``.
    """
    max_chars = _check_max_chars(max_chars)
    valid_fraction = _check_valid_fraction(valid_fraction)
    text = corpus()
    if max_chars is not None:
        text = text[:max_chars]

    n_valid = int(round(len(text) * valid_fraction))
    if not 1 <= n_valid <= len(text) - 1:
        raise ValueError(
            f"pydoc_text.load_data: valid_fraction={valid_fraction!r} of "
            f"{len(text)} characters gives {n_valid} validation characters, "
            "leaving one part empty. Use a larger max_chars or a "
            "valid_fraction nearer 0.5."
        )
    return text[:-n_valid], text[-n_valid:]


def build_vocab(text: str) -> tuple[list[str], dict[str, int]]:
    """Return the sorted characters of ``text`` and a map to their indices.

    Parameters
    ----------
    text : str
        Non-empty text; usually training and validation text together.

    Returns
    -------
    chars : list of str
        The distinct characters, sorted by code point; ``chars[i]`` decodes
        index ``i``.
    char_to_index : dict of str to int
        The inverse of ``chars``.
    """
    if not isinstance(text, str) or not text:
        raise ValueError(
            "build_vocab expects a non-empty str, received "
            f"{type(text).__name__} of length {_safe_len(text)}. Pass the text "
            "to model, e.g. train_text + valid_text."
        )
    chars = sorted(set(text))
    return chars, {char: index for index, char in enumerate(chars)}


def _safe_len(value) -> str:
    try:
        return str(len(value))
    except TypeError:
        return "n/a"


def encode(text: str, char_to_index: Mapping[str, int]) -> np.ndarray:
    """Map each character of ``text`` to its index.

    Parameters
    ----------
    text : str
        Text whose characters all appear in ``char_to_index``.
    char_to_index : mapping of str to int
        As returned by :func:`build_vocab`.

    Returns
    -------
    ndarray of int32, shape (len(text),)

    Raises
    ------
    ValueError
        If ``text`` is not a str, or contains characters not in the vocabulary.
    """
    if not isinstance(text, str):
        raise ValueError(f"encode expects text to be a str, received {type(text).__name__}.")
    if not isinstance(char_to_index, Mapping):
        raise ValueError(
            "encode expects char_to_index to be a dict from characters to "
            f"indices, received {type(char_to_index).__name__}. Use the second "
            "value returned by build_vocab."
        )
    try:
        ids = [char_to_index[char] for char in text]
    except KeyError:
        unknown = sorted(set(text) - set(char_to_index))
        raise ValueError(
            f"encode found {len(unknown)} character(s) missing from the "
            f"vocabulary: {''.join(unknown[:20])!r}. Build the vocabulary from "
            "all the text you will encode, e.g. build_vocab(train + valid)."
        ) from None
    return np.asarray(ids, dtype=np.int32)


def decode(ids, chars: list[str]) -> str:
    """Map indices back to text; the inverse of :func:`encode`.

    Parameters
    ----------
    ids : array-like of int
        Indices into ``chars``.
    chars : list of str
        As returned by :func:`build_vocab`.

    Returns
    -------
    str
    """
    ids = np.asarray(ids)
    if ids.ndim != 1 or (ids.size and not np.issubdtype(ids.dtype, np.integer)):
        raise ValueError(
            "decode expects a 1-D array of integer indices, received shape "
            f"{ids.shape} and dtype {ids.dtype}."
        )
    if ids.size and (ids.min() < 0 or ids.max() >= len(chars)):
        raise ValueError(
            f"decode expects indices in [0, {len(chars) - 1}] for a vocabulary of "
            f"{len(chars)} characters, received indices from {ids.min()} to "
            f"{ids.max()}. Decode with the same vocabulary used to encode."
        )
    return "".join(chars[i] for i in ids.tolist())


def make_sequences(ids, seq_len: int) -> tuple[np.ndarray, np.ndarray]:
    """Cut encoded text into input windows and their next-character targets.

    Windows do not overlap: window ``i`` covers ``ids[i*seq_len:(i+1)*seq_len]``
    and its target is the same window moved one character on, so
    ``y[i, t] == ids[i*seq_len + t + 1]``. Trailing characters that do not fill
    a whole window (plus its one-character look-ahead) are dropped.

    Parameters
    ----------
    ids : array-like of int, shape (n,)
        Encoded text, as returned by :func:`encode`.
    seq_len : int
        Length of each window, at least 1.

    Returns
    -------
    x, y : ndarray of int32, shape (num_windows, seq_len)
        ``num_windows = (n - 1) // seq_len``.

    Raises
    ------
    ValueError
        If ``ids`` is not 1-D integer data, ``seq_len`` is not a positive
        integer, or ``ids`` is too short for one window.
    """
    ids = np.asarray(ids)
    if ids.ndim != 1 or not np.issubdtype(ids.dtype, np.integer):
        raise ValueError(
            "make_sequences expects ids to be a 1-D array of integers, received "
            f"shape {ids.shape} and dtype {ids.dtype}. Pass the output of encode."
        )
    if not _is_int(seq_len) or seq_len < 1:
        raise ValueError(
            f"make_sequences expects seq_len to be a positive integer, received {seq_len!r}."
        )
    # Each window needs one extra character after it to supply the last target.
    num_windows = (len(ids) - 1) // seq_len
    if num_windows < 1:
        raise ValueError(
            f"make_sequences needs at least seq_len + 1 = {seq_len + 1} ids for "
            f"one window, received {len(ids)}. Use a shorter seq_len or more text."
        )
    span = num_windows * seq_len
    x = ids[:span].reshape(num_windows, seq_len).astype(np.int32)
    y = ids[1 : span + 1].reshape(num_windows, seq_len).astype(np.int32)
    return x, y
