"""NumPy helpers for preparing data."""

from __future__ import annotations

import numpy as np


def to_categorical(y, num_classes: int | None = None, dtype: str = "float32"):
    """Convert integer class labels to one-hot rows.

    Parameters
    ----------
    y : array_like of int
        Class labels in ``[0, num_classes)``; any shape (a trailing axis of
        size 1 is dropped, as in Keras).
    num_classes : int, optional
        Number of classes; defaults to ``max(y) + 1``.

    Returns
    -------
    numpy.ndarray
        Shape ``y.shape + (num_classes,)``.
    """
    y = np.asarray(y)
    if y.size and not np.issubdtype(y.dtype, np.integer):
        if not np.all(np.equal(np.mod(y, 1), 0)):
            raise ValueError(
                f"to_categorical expects integer class labels, received dtype {y.dtype} "
                "with non-integer values."
            )
        y = y.astype("int64")
    if y.ndim > 1 and y.shape[-1] == 1:
        y = y[..., 0]
    if y.size and y.min() < 0:
        raise ValueError(f"to_categorical expects labels >= 0, received {y.min()}.")
    if num_classes is None:
        num_classes = int(y.max()) + 1 if y.size else 0
    if y.size and y.max() >= num_classes:
        raise ValueError(
            f"to_categorical: label {int(y.max())} is out of range for "
            f"num_classes={num_classes} (expected labels in [0, {num_classes}))."
        )
    out = np.zeros(y.shape + (num_classes,), dtype=dtype)
    np.put_along_axis(out, y[..., None].astype("int64"), 1, axis=-1)
    return out


def normalize(x, axis: int = -1, order: int = 2):
    """Scale ``x`` to unit ``order``-norm along ``axis`` (Keras's ``normalize``).

    Rows of norm zero are left as they are.

    Parameters
    ----------
    x : array_like
    axis : int
    order : int
        The norm's order (2 for Euclidean).

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> normalize([[3.0, 4.0]])
    array([[0.6, 0.8]])
    """
    x = np.asarray(x)
    if x.dtype == object or not np.issubdtype(x.dtype, np.number):
        raise TypeError(f"normalize expects numeric data, received dtype {x.dtype}.")
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"normalize: axis must be an integer, received {axis!r}.")
    if not -max(x.ndim, 1) <= axis < max(x.ndim, 1):
        raise ValueError(f"normalize: axis {axis} is out of range for data of rank {x.ndim}.")
    norms = np.atleast_1d(np.linalg.norm(x, order, axis))
    norms[norms == 0] = 1
    return x / np.expand_dims(norms, axis)
