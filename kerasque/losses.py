"""Loss functions ``loss(y_true, y_pred) -> scalar`` (mean over samples and steps).

Each built-in loss also knows the target it expects (:data:`TARGETS`), so
``fit`` can check targets before any compiled code runs.
"""

from __future__ import annotations

import pytensor.tensor as pt

from kerasque.config import epsilon
from kerasque.utils.generic import lookup


def _eps(x):
    return pt.constant(epsilon(), dtype=x.dtype)


def categorical_crossentropy(y_true, y_pred):
    """``-sum(y_true * log(y_pred))`` over the class axis; ``y_pred`` are probabilities."""
    eps = _eps(y_pred)
    p = pt.clip(y_pred, eps, 1 - eps)
    return pt.mean(-pt.sum(y_true * pt.log(p), axis=-1))


def sparse_categorical_crossentropy(y_true, y_pred):
    """Cross-entropy with integer labels; ``(batch, time)`` labels for per-step outputs."""
    eps = _eps(y_pred)
    p = pt.clip(y_pred, eps, 1 - eps)
    flat_p = pt.reshape(p, (-1, p.shape[-1]))
    flat_y = pt.cast(pt.flatten(y_true), "int64")
    picked = flat_p[pt.arange(flat_y.shape[0]), flat_y]
    return -pt.mean(pt.log(picked))


def binary_crossentropy(y_true, y_pred):
    eps = _eps(y_pred)
    p = pt.clip(y_pred, eps, 1 - eps)
    return -pt.mean(y_true * pt.log(p) + (1 - y_true) * pt.log(1 - p))


def mean_squared_error(y_true, y_pred):
    return pt.mean(pt.sqr(y_pred - y_true))


def mean_absolute_error(y_true, y_pred):
    return pt.mean(pt.abs(y_pred - y_true))


LOSSES = {
    "categorical_crossentropy": categorical_crossentropy,
    "sparse_categorical_crossentropy": sparse_categorical_crossentropy,
    "binary_crossentropy": binary_crossentropy,
    "mean_squared_error": mean_squared_error,
    "mse": mean_squared_error,
    "mean_absolute_error": mean_absolute_error,
    "mae": mean_absolute_error,
}

# What each built-in loss expects as target: 'sparse' integer labels with one
# axis fewer than the output, 'onehot' rows as wide as the output, or 'same'
# values shaped like the output.
TARGETS = {
    categorical_crossentropy: "onehot",
    sparse_categorical_crossentropy: "sparse",
    binary_crossentropy: "same",
    mean_squared_error: "same",
    mean_absolute_error: "same",
}


def get(identifier):
    """A loss from a name or a callable ``(y_true, y_pred) -> scalar``."""
    if callable(identifier):
        return identifier
    return lookup("loss", identifier, LOSSES)


def name_of(fn) -> str:
    for name, f in LOSSES.items():
        if f is fn:
            return name
    return getattr(fn, "__name__", "loss")
