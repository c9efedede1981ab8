"""Shapes: joining, reshaping, repeating, slicing and one-hot encoding."""

from __future__ import annotations

import numpy as np
import pytensor.tensor as pt

from kerasque.config import floatx

__all__ = [
    "arange",
    "batch_flatten",
    "concatenate",
    "expand_dims",
    "flatten",
    "one_hot",
    "permute_dimensions",
    "repeat",
    "repeat_elements",
    "reshape",
    "reverse",
    "slice",
    "squeeze",
    "stack",
    "tile",
]


def _t(x):
    return pt.as_tensor_variable(x)


def concatenate(tensors, axis=-1):
    """Join ``tensors`` along ``axis``."""
    return pt.concatenate([_t(t) for t in tensors], axis=axis)


def reshape(x, shape):
    """``x`` with shape ``shape`` (one entry may be -1)."""
    if isinstance(shape, (list, tuple)):
        return pt.reshape(_t(x), list(shape), ndim=len(shape))
    return pt.reshape(_t(x), shape)


def permute_dimensions(x, pattern):
    """``x`` with its axes reordered as ``pattern`` (e.g. ``(0, 2, 1)``)."""
    return _t(x).dimshuffle(tuple(pattern))


def repeat_elements(x, rep, axis):
    """Each element repeated ``rep`` times along ``axis`` (``np.repeat``)."""
    return pt.repeat(_t(x), rep, axis=axis)


def repeat(x, n):
    """A 2D ``(samples, dim)`` tensor repeated to ``(samples, n, dim)``."""
    x = _t(x)
    if x.ndim != 2:
        raise ValueError(f"repeat expects a 2D tensor (samples, dim), received {x.ndim} axes.")
    return pt.repeat(x.dimshuffle(0, "x", 1), n, axis=1)


def arange(start, stop=None, step=1, dtype="int32"):
    """``[start, stop)`` with ``step``; with one argument it is ``stop``."""
    if stop is None:
        start, stop = 0, start
    return pt.arange(start, stop, step, dtype=dtype)


def tile(x, n):
    """``x`` tiled ``n`` times per axis (``np.tile``)."""
    return pt.tile(_t(x), n if not isinstance(n, (int, np.integer)) else [int(n)])


def flatten(x):
    """``x`` as one axis."""
    return pt.flatten(_t(x))


def batch_flatten(x):
    """``x`` as ``(samples, everything else)``."""
    x = _t(x)
    return pt.reshape(x, (x.shape[0], pt.prod(x.shape[1:])), ndim=2)


def expand_dims(x, axis=-1):
    """``x`` with a new axis of size 1 at ``axis`` (-1 appends one)."""
    x = _t(x)
    if axis < 0:
        axis = axis % (x.ndim + 1)
    return pt.expand_dims(x, axis)


def squeeze(x, axis):
    """``x`` without ``axis``, which must have size 1."""
    x = _t(x)
    axis = axis % x.ndim
    if x.type.shape[axis] == 1:
        return pt.squeeze(x, axis=axis)
    keep = [x.shape[i] for i in range(x.ndim) if i != axis]
    return pt.reshape(x, keep, ndim=x.ndim - 1)


def stack(x, axis=0):
    """Stack the tensors of list ``x`` along a new ``axis``."""
    return pt.stack([_t(t) for t in x], axis=axis)


def one_hot(indices, num_classes):
    """One-hot encoding of integer ``indices``: a new last axis of ``num_classes`` (floatx)."""
    indices = _t(indices)
    classes = pt.arange(num_classes, dtype=indices.dtype)
    return pt.cast(pt.eq(pt.expand_dims(indices, -1), classes), floatx())


def reverse(x, axes):
    """``x`` reversed along ``axes`` (an int or a list)."""
    x = _t(x)
    axes = [axes] if isinstance(axes, (int, np.integer)) else list(axes)
    axes = [a % x.ndim for a in axes]
    return x[tuple(slice_(None, None, -1) if i in axes else slice_(None) for i in range(x.ndim))]


slice_ = slice


def slice(x, start, size):
    """``x[start[0]:start[0] + size[0], ...]``; a size of -1 takes the rest of that axis."""
    x = _t(x)
    if len(start) != len(size):
        raise ValueError(
            "slice expects start and size of the same length, received "
            f"{len(start)} and {len(size)}."
        )
    index = tuple(slice_(b, None if s == -1 else b + s) for b, s in zip(start, size))
    return x[index]
