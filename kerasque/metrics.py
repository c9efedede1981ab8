"""Metrics ``metric(y_true, y_pred)``: one value per sample, as Keras's functions.

The accuracies return a hit (1.0) or miss (0.0) per sample, and every loss of
:mod:`kerasque.losses` is also a metric; the training code takes the
(weighted) mean. ``'accuracy'`` / ``'acc'`` pick binary, categorical or
sparse accuracy from the loss and the output's width, as Keras 2 does; the
name in the logs is what the user wrote.
"""

from __future__ import annotations

import numbers

import pytensor.tensor as pt

from kerasque import losses
from kerasque.config import floatx
from kerasque.utils.generic import _CUSTOM_OBJECTS, did_you_mean

# Hits are cast to floatX, as in Keras: the mean of a boolean tensor is
# float64 in PyTensor, which would put a float64 value in every float32
# model's graph (and make the JAX mode compute it in 64 bits).


def _hits(condition):
    return pt.cast(condition, floatx())


def _sparse_ids(y_true, y_pred):
    """Integer ids shaped like ``y_pred`` without its class axis."""
    ids = pt.cast(y_true, "int64")
    if ids.ndim == y_pred.ndim:  # a trailing axis of length one
        ids = pt.reshape(ids, y_pred.shape[:-1], ndim=y_pred.ndim - 1)
    return ids


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """Mean over the last axis of ``y_true == (y_pred > threshold)``."""
    predicted = pt.gt(y_pred, pt.constant(threshold, dtype=y_pred.dtype))
    return pt.mean(_hits(pt.eq(pt.cast(y_true, floatx()), _hits(predicted))), axis=-1)


def categorical_accuracy(y_true, y_pred):
    """1.0 where the arg max of ``y_pred`` is the arg max of the one-hot ``y_true``."""
    return _hits(pt.eq(pt.argmax(y_true, axis=-1), pt.argmax(y_pred, axis=-1)))


def sparse_categorical_accuracy(y_true, y_pred):
    """1.0 where the arg max of ``y_pred`` is the integer id ``y_true``."""
    return _hits(pt.eq(_sparse_ids(y_true, y_pred), pt.argmax(y_pred, axis=-1)))


def _in_top_k(y_pred, ids, k):
    """Whether each id's score is among the ``k`` highest (ties count as in, as Keras 2)."""
    classes = y_pred.shape[-1]
    flat = pt.reshape(y_pred, (-1, classes))
    flat_ids = pt.flatten(ids)
    kth = pt.sort(flat, axis=-1)[:, -pt.minimum(k, classes)]
    hit = pt.ge(flat[pt.arange(flat_ids.shape[0]), flat_ids], kth)
    return pt.reshape(_hits(hit), y_pred.shape[:-1], ndim=y_pred.ndim - 1)


def _check_k(k):
    if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 1:
        raise ValueError(f"top-k accuracy: k must be a positive integer, received {k!r}.")
    return int(k)


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """Share of targets whose class is among the ``k`` highest scores.

    As in Keras 2.2.4 this is the mean of the hits over their last axis: one
    value per batch for ``(batch, classes)`` outputs, one per sample for
    ``(batch, time, classes)``.
    """
    return pt.mean(_in_top_k(y_pred, pt.argmax(y_true, axis=-1), _check_k(k)), axis=-1)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5):
    """:func:`top_k_categorical_accuracy` with integer ids as targets."""
    return pt.mean(_in_top_k(y_pred, _sparse_ids(y_true, y_pred), _check_k(k)), axis=-1)


ACCURACIES = {
    "binary_accuracy": binary_accuracy,
    "categorical_accuracy": categorical_accuracy,
    "sparse_categorical_accuracy": sparse_categorical_accuracy,
    "top_k_categorical_accuracy": top_k_categorical_accuracy,
    "sparse_top_k_categorical_accuracy": sparse_top_k_categorical_accuracy,
}
METRICS = {**ACCURACIES, **losses.LOSSES}

# Keras's aliases, importable as in ``from keras.metrics import mae``.
mse = MSE = losses.mean_squared_error
mae = MAE = losses.mean_absolute_error
mape = MAPE = losses.mean_absolute_percentage_error
msle = MSLE = losses.mean_squared_logarithmic_error
cosine = losses.cosine_proximity
mean_squared_error = losses.mean_squared_error
mean_absolute_error = losses.mean_absolute_error
mean_absolute_percentage_error = losses.mean_absolute_percentage_error
mean_squared_logarithmic_error = losses.mean_squared_logarithmic_error
hinge = losses.hinge
squared_hinge = losses.squared_hinge
categorical_hinge = losses.categorical_hinge
logcosh = losses.logcosh
categorical_crossentropy = losses.categorical_crossentropy
sparse_categorical_crossentropy = losses.sparse_categorical_crossentropy
binary_crossentropy = losses.binary_crossentropy
kullback_leibler_divergence = losses.kullback_leibler_divergence
poisson = losses.poisson
cosine_proximity = losses.cosine_proximity

# Resolved from the loss and the output (Keras 2's "class mode duality").
_BY_LOSS = {"accuracy": "acc", "acc": "acc", "crossentropy": "ce", "ce": "ce"}


def _by_loss(kind: str, loss_fn, output_shape):
    """Keras 2's choice: binary (one unit or binary_crossentropy), then sparse, then categorical."""
    base = getattr(getattr(loss_fn, "loss", None), "fn", None) or loss_fn
    if (output_shape and output_shape[-1] == 1) or base is losses.binary_crossentropy:
        pick = "binary"
    elif losses.TARGETS.get(loss_fn) == "sparse":
        pick = "sparse_categorical"
    else:
        pick = "categorical"
    return METRICS[f"{pick}_{'accuracy' if kind == 'acc' else 'crossentropy'}"]


def resolve(metric, loss_fn, output_shape) -> tuple[str, object]:
    """``(log name, per-sample function)`` for one metric of one output.

    Parameters
    ----------
    metric : str or callable
        A name (``'acc'``, ``'accuracy'``, ``'mae'``, ...) or a function
        ``(y_true, y_pred)``.
    loss_fn : callable
        The output's loss function (from :func:`kerasque.losses.get`).
    output_shape : tuple
        The output's shape; a last axis of 1 means binary accuracy.
    """
    if isinstance(metric, str) and metric in _BY_LOSS:
        return metric, _by_loss(_BY_LOSS[metric], loss_fn, output_shape)
    fn = get(metric)
    if isinstance(metric, str):
        return metric, fn
    return getattr(fn, "name", None) or getattr(fn, "__name__", "metric"), fn


def serialize(metric):
    """A metric's saved form: its name (a loss object's config for a loss object)."""
    if isinstance(metric, str):
        return metric
    if isinstance(metric, losses.Loss) or isinstance(getattr(metric, "loss", None), losses.Loss):
        return losses.serialize(metric)
    for name, fn in METRICS.items():
        if fn is metric:
            return name
    if callable(metric):
        return getattr(metric, "__name__", repr(metric))
    raise TypeError(f"serialize expects a metric function, received {metric!r}.")


def deserialize(config, custom_objects=None):
    """The metric function named by ``config`` (a name, or a loss object's config)."""
    objects = {**_CUSTOM_OBJECTS, **(custom_objects or {})}
    if isinstance(config, dict):
        return losses.get(losses.deserialize(config, custom_objects))
    if not isinstance(config, str):
        raise TypeError(f"deserialize expects a metric name, received {config!r}.")
    if config in objects:
        return objects[config]
    if config in METRICS:
        return METRICS[config]
    choices = [*METRICS, *_BY_LOSS]
    raise ValueError(
        f"Unknown metric {config!r}.{did_you_mean(config, choices)} Valid names are: "
        f"{', '.join(sorted(repr(k) for k in choices))}."
    )


def get(identifier):
    """A per-sample metric function from a name, a config dict, a Loss object or a function."""
    if isinstance(identifier, (str, dict)):
        identifier = deserialize(identifier)
    if isinstance(identifier, losses.Loss):
        return identifier.per_sample
    if callable(identifier) and not isinstance(identifier, type):
        return identifier
    raise losses.IdentifierError(
        f"A metric must be a name or a function (y_true, y_pred), received "
        f"{type(identifier).__name__} {identifier!r}."
    )
