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
