"""Validation of the keywords every layer accepts (Keras's base keywords).

``Layer.__init__`` hands its keywords here: shapes, sizes and dtypes are
checked at the constructor, so a bad value is refused naming the layer and
the argument instead of failing later inside NumPy or PyTensor.

Keras 2 spells an input shape several ways; all end up as one
``batch_input_shape``:

- ``batch_input_shape=(32, 10)`` : the full shape, batch axis first;
- ``input_shape=(10,)`` with an optional ``batch_size=32``;
- ``input_dim=10`` (``Dense(32, input_dim=16)``): ``input_shape=(10,)``;
- ``input_length=5`` with ``input_dim=10`` on a sequence layer (recurrent
  layers): ``input_shape=(5, 10)``.

Two spellings that disagree (``input_dim=16, input_shape=(8,)``) are a
``ValueError``: Keras 2 silently kept one of them.
"""

from __future__ import annotations

import os

import numpy as np


def _is_int(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def check_size(owner: str, argument: str, value, allow_none: bool = False):
    """A positive integer (or ``None`` when allowed), else TypeError/ValueError."""
    if value is None and allow_none:
        return None
    if not _is_int(value):
        raise TypeError(
            f"{owner}: {argument} must be a positive integer, received {value!r} "
            f"(type {type(value).__name__})."
        )
    if value < 1:
        raise ValueError(f"{owner}: {argument} must be a positive integer, received {value!r}.")
    return int(value)


def check_shape(owner: str, argument: str, shape, batch_axis: bool = False) -> tuple:
    """A tuple of positive ints or ``None``; a single int is a 1-tuple.

    Parameters
    ----------
    owner : str
        Who is asking, for the message (``"Layer 'dense_1'"``).
    argument : str
        The user's argument name (``"input_shape"``).
    shape : int, tuple or list
    batch_axis : bool
        Whether ``shape`` includes the batch axis (only for the message).
    """
    if _is_int(shape):
        shape = (shape,)
    what = (
        "the full shape, batch axis first"
        if batch_axis
        else ("one sample's shape, without the batch axis")
    )
    if isinstance(shape, (str, bytes, dict, set)) or not isinstance(shape, (tuple, list)):
        raise TypeError(
            f"{owner}: {argument} must be a tuple of positive integers or None ({what}), "
            f"received {shape!r} (type {type(shape).__name__})."
        )
    out = []
    for size in shape:
        if size is None:
            out.append(None)
            continue
        if not _is_int(size):
            raise TypeError(
                f"{owner}: {argument} must hold positive integers or None, received "
                f"{tuple(shape)!r} with {size!r} (type {type(size).__name__})."
            )
        if size < 1:
            raise ValueError(
                f"{owner}: {argument} must hold positive integers or None, received "
                f"{tuple(shape)!r} with {size!r}."
            )
        out.append(int(size))
    return tuple(out)


def check_dtype(owner: str, argument: str, dtype):
    """A NumPy dtype name such as ``'float32'`` or ``'int32'`` (or None)."""
    if dtype is None:
        return None
    if isinstance(dtype, (str, type, np.dtype)):
        try:
            resolved = np.dtype(dtype)
        except TypeError:
            resolved = None
        if resolved is not None and resolved.kind in "biuf":
            return resolved.name
    if not isinstance(dtype, (str, type, np.dtype)):
        raise TypeError(
            f"{owner}: {argument} must be a dtype name such as 'float32' or 'int32', received "
            f"{dtype!r} (type {type(dtype).__name__})."
        )
    raise ValueError(
        f"{owner}: unknown {argument} {dtype!r}; expected a numeric dtype name such as "
        "'float32', 'float64', 'int32' or 'int64'."
    )


def input_shape_from_keywords(owner: str, kwargs: dict, axis_keywords: tuple):
    """The ``batch_input_shape`` implied by the base keywords, or None.

    Parameters
    ----------
    owner : str
    kwargs : dict
        The layer's keywords (``input_shape``, ``batch_input_shape``,
        ``batch_size`` and those named in ``axis_keywords``).
    axis_keywords : tuple of str
        The keywords that give one sample's axes, in order:
        ``("input_dim",)`` for most layers, ``("input_length",
        "input_dim")`` for recurrent layers, ``("input_length",)`` for
        ``Embedding``.
    """
    batch_size = check_size(owner, "batch_size", kwargs.get("batch_size"), allow_none=True)
    axes = {k: check_size(owner, k, kwargs.get(k), allow_none=True) for k in axis_keywords}
    implied = tuple(axes.values()) if any(v is not None for v in axes.values()) else None
    shape = None
    if kwargs.get("input_shape") is not None:
        shape = check_shape(owner, "input_shape", kwargs["input_shape"])
    if kwargs.get("batch_input_shape") is not None:
        full = check_shape(owner, "batch_input_shape", kwargs["batch_input_shape"], batch_axis=True)
        if not full:
            raise ValueError(f"{owner}: batch_input_shape needs a batch axis, received ().")
        if shape is not None and shape != full[1:]:
            raise ValueError(
                f"{owner}: input_shape={shape} contradicts batch_input_shape={full}; "
                "pass one of them."
            )
        if batch_size is not None and full[0] not in (None, batch_size):
            raise ValueError(
                f"{owner}: batch_size={batch_size} contradicts batch_input_shape={full}."
            )
        shape, batch_size = full[1:], full[0] if full[0] is not None else batch_size
    if implied is not None:
        _check_agrees(owner, shape, implied, axes)
        shape = shape if shape is not None else implied
    if shape is None:
        if batch_size is not None:
            raise ValueError(
                f"{owner}: batch_size={batch_size} needs an input shape too; pass "
                "input_shape=(...) with it, or batch_input_shape=(batch_size, ...)."
            )
        return None
    return (batch_size, *shape)


def _check_agrees(owner, shape, implied, axes: dict) -> None:
    if shape is None:
        return
    named = ", ".join(f"{k}={v}" for k, v in axes.items() if v is not None)
    agrees = len(shape) == len(implied) and all(
        a is None or b is None or a == b for a, b in zip(shape, implied)
    )
    if not agrees:
        raise ValueError(
            f"{owner}: {named} contradicts the input shape {shape}; pass only one of them "
            f"(e.g. input_shape={implied})."
        )


def physical_memory_bytes() -> int | None:
    """The machine's physical memory, or None where the OS does not say."""
    try:
        pages, size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None
    if pages <= 0 or size <= 0:
        return None
    return int(pages) * int(size)


def check_weight_size(layer_name: str, weight: str, shape, dtype: str) -> tuple:
    """The weight's shape as ints; refuse one larger than the machine's memory.

    The check runs before anything is allocated, so ``Dense(2**31)`` from
    code or from a saved config is a ValueError, not a ``MemoryError``
    after minutes of swapping.
    """
    owner = f"Layer {layer_name!r}"
    if _is_int(shape):
        shape = (shape,)
    if not isinstance(shape, (tuple, list)) or not all(_is_int(s) and s >= 0 for s in shape):
        raise ValueError(
            f"{owner}: weight {weight!r} needs a shape of non-negative integers, "
            f"received {shape!r}."
        )
    shape = tuple(int(s) for s in shape)
    count = 1
    for s in shape:
        count *= s
    nbytes = count * np.dtype(dtype).itemsize
    limit = physical_memory_bytes()
    if limit is not None and nbytes > limit:
        raise ValueError(
            f"{owner}: weight {weight!r} of shape {shape} ({dtype}) needs {nbytes:,} bytes, "
            f"more than this machine's {limit:,} bytes of memory. Check the layer's sizes "
            "(units, input_dim, ...)."
        )
    return shape


def check_bool(owner: str, argument: str, value) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{owner}: {argument} must be True or False, received {value!r}.")
    return bool(value)


def check_initial_weights(owner: str, weights):
    if weights is None:
        return None
    if isinstance(weights, (str, bytes, dict)) or not isinstance(weights, (list, tuple)):
        raise TypeError(
            f"{owner}: weights must be a list of arrays (one per weight, in the order of "
            f"layer.weights), received {type(weights).__name__}."
        )
    return [np.asarray(w) for w in weights]


def check_regularizer(owner: str, identifier):
    if identifier is None:
        return None
    from kerasque import regularizers

    reg = regularizers.get(identifier)
    if not callable(reg):
        raise TypeError(
            f"{owner}: activity_regularizer must be a regularizer such as "
            f"kerasque.regularizers.l2(0.01) or a callable, received {identifier!r}."
        )
    return reg
