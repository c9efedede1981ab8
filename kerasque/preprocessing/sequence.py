"""Sequence preprocessing: ``pad_sequences`` (Keras's ``keras.preprocessing.sequence``)."""

from __future__ import annotations

import numpy as np


def pad_sequences(
    sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre", value=0.0
):
    """Pad (or truncate) sequences to one length: a ``(samples, maxlen)`` array.

    As Keras's: sequences shorter than ``maxlen`` are filled with ``value``
    at the start (``padding='pre'``) or the end (``'post'``); longer ones
    lose values at the start (``truncating='pre'``) or the end (``'post'``).
    Elements may themselves be arrays of one common shape, which becomes
    the trailing shape of the result.

    Parameters
    ----------
    sequences : list of sequences
        Each a list or array of values (token ids, or feature vectors).
    maxlen : int, optional
        The length of the result; the longest sequence's by default.
    dtype : str
        The result's dtype; ``object`` (or a string dtype) for strings.
    padding : {'pre', 'post'}
    truncating : {'pre', 'post'}
    value : float or str
        The fill value.

    Returns
    -------
    numpy.ndarray
        Shape ``(len(sequences), maxlen) + element shape``.

    Examples
    --------
    >>> pad_sequences([[1, 2, 3], [4]], maxlen=2)
    array([[2, 3],
           [0, 4]], dtype=int32)
    """
    for name, choice in (("padding", padding), ("truncating", truncating)):
        if choice not in ("pre", "post"):
            raise ValueError(f"pad_sequences: {name} must be 'pre' or 'post', received {choice!r}.")
    if maxlen is not None and (
        isinstance(maxlen, bool) or not isinstance(maxlen, (int, np.integer)) or maxlen < 0
    ):
        raise ValueError(
            f"pad_sequences: maxlen must be a non-negative integer or None, received {maxlen!r}."
        )
    if not hasattr(sequences, "__len__") or isinstance(sequences, (str, bytes)):
        raise ValueError(
            "pad_sequences: sequences must be a list of iterables, received "
            f"{type(sequences).__name__}."
        )
    lengths, sample_shape = _lengths_and_shape(sequences)
    dtype = _check_dtype(dtype, value)
    if maxlen is None:
        maxlen = max(lengths, default=0)
    out = np.full((len(sequences), int(maxlen)) + sample_shape, value, dtype=dtype)
    for i, seq in enumerate(sequences):
        if not len(seq) or not maxlen:
            continue
        kept = seq[-maxlen:] if truncating == "pre" else seq[:maxlen]
        kept = np.asarray(kept, dtype=dtype)
        if kept.shape[1:] != sample_shape:
            raise ValueError(
                f"pad_sequences: sequence {i} has elements of shape {kept.shape[1:]}, unlike "
                f"the {sample_shape} of the others."
            )
        if padding == "post":
            out[i, : len(kept)] = kept
        else:
            out[i, -len(kept) :] = kept
    return out


def _lengths_and_shape(sequences) -> tuple:
    lengths, sample_shape = [], None
    for i, seq in enumerate(sequences):
        if not hasattr(seq, "__len__") or isinstance(seq, (str, bytes)):
            raise ValueError(
                f"pad_sequences: sequences must be a list of iterables; element {i} is "
                f"{seq!r} (type {type(seq).__name__})."
            )
        lengths.append(len(seq))
        if sample_shape is None and len(seq):
            sample_shape = np.asarray(seq).shape[1:]
    return lengths, tuple(sample_shape or ())


def _check_dtype(dtype, value):
    try:
        resolved = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"pad_sequences: unknown dtype {dtype!r}.") from None
    textual = resolved.kind in "USO"
    if isinstance(value, str) and not textual:
        raise ValueError(
            f"pad_sequences: dtype {resolved} cannot hold the string value {value!r}; pass "
            "dtype=object for variable-length strings."
        )
    return resolved
