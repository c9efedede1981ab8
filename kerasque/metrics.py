"""Metrics by name; 'accuracy' picks its kind from the loss, as Keras does."""

from __future__ import annotations

import pytensor.tensor as pt

from kerasque.config import floatx
from kerasque import losses
from kerasque.utils.generic import lookup

# Accuracies are means of hits cast to floatX, as in Keras: the mean of a
# boolean tensor is float64 in PyTensor, which would put a float64 value in
# every float32 model's graph (and make the JAX mode compute it in 64 bits).


def _hit_rate(hits):
    return pt.mean(pt.cast(hits, floatx()))


def categorical_accuracy(y_true, y_pred):
    return _hit_rate(pt.eq(pt.argmax(y_true, axis=-1), pt.argmax(y_pred, axis=-1)))


def sparse_categorical_accuracy(y_true, y_pred):
    return _hit_rate(pt.eq(pt.cast(y_true, "int64"), pt.argmax(y_pred, axis=-1)))


def binary_accuracy(y_true, y_pred):
    return _hit_rate(pt.eq(y_true, pt.cast(pt.gt(y_pred, 0.5), y_true.dtype)))


METRICS = {
    "categorical_accuracy": categorical_accuracy,
    "sparse_categorical_accuracy": sparse_categorical_accuracy,
    "binary_accuracy": binary_accuracy,
    "mse": losses.mean_squared_error,
    "mae": losses.mean_absolute_error,
}


def resolve(metric, loss_fn, output_shape) -> tuple[str, object]:
    """Return ``(log name, function)`` for ``metric`` given the model's loss."""
    if callable(metric):
        return getattr(metric, "__name__", "metric"), metric
    if metric in ("accuracy", "acc"):
        kind = losses.TARGETS.get(loss_fn)
        if kind == "sparse":
            fn = sparse_categorical_accuracy
        elif loss_fn is losses.binary_crossentropy or (output_shape[-1] == 1):
            fn = binary_accuracy
        else:
            fn = categorical_accuracy
        return "accuracy" if metric == "accuracy" else "acc", fn
    valid = {**METRICS, "accuracy": None, "acc": None}
    lookup("metric", metric, valid)
    return metric, METRICS[metric]
