r"""Loss functions ``loss(y_true, y_pred)``: one value per sample, as in Keras.

Every built-in loss reduces only the last axis (the features or classes), so
a ``(batch, units)`` output gives ``(batch,)`` values and a ``(batch, time,
units)`` output gives ``(batch, time)`` values. The training code then applies
sample weights, class weights and masks, and takes the mean. A user loss
that already returns a scalar is taken as reduced.

Keras 2 names and aliases work (``'mse'``, ``'MSE'``, ``'kld'``, ...), and so
do Keras 3's classes (``MeanSquaredError()``, ``CategoricalCrossentropy(
from_logits=True)``); :func:`get` turns either into a per-sample function.

Each built-in also knows the target it expects (:data:`TARGETS`): ``'sparse'``
integer ids with one axis fewer than the output, ``'onehot'`` rows as wide as
the output, or ``'same'`` values shaped like the output.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pytensor.tensor as pt

from kerasque.backend.model_tensors import accepting_model_tensors
from kerasque.config import epsilon
from kerasque.utils.generic import _CUSTOM_OBJECTS, check_kwargs, did_you_mean


class IdentifierError(TypeError, ValueError):
    """Neither a name nor a function: a TypeError, and the ValueError Keras raised."""


def _const(value, like):
    """``value`` as a constant of ``like``'s dtype (no float64 in a float32 graph)."""
    return pt.constant(np.asarray(value, dtype=like.dtype))


def _float(x, like):
    """Targets in the prediction's float dtype (integer or boolean targets allowed)."""
    x = pt.as_tensor_variable(x)
    return x if x.dtype == like.dtype else pt.cast(x, like.dtype)


def _on_model_tensors(fn):
    """``fn`` also on a model's symbolic tensors (Keras 2's ``mse(x, out)`` in a model loss)."""
    return accepting_model_tensors(fn, f"losses.{fn.__name__}")


@_on_model_tensors
def mean_squared_error(y_true, y_pred):
    """``mean((y_pred - y_true) ** 2)`` over the last axis."""
    return pt.mean(pt.sqr(y_pred - _float(y_true, y_pred)), axis=-1)


@_on_model_tensors
def mean_absolute_error(y_true, y_pred):
    """``mean(|y_pred - y_true|)`` over the last axis."""
    return pt.mean(pt.abs(y_pred - _float(y_true, y_pred)), axis=-1)


@_on_model_tensors
def mean_absolute_percentage_error(y_true, y_pred):
    """``100 * mean(|y_true - y_pred| / max(|y_true|, epsilon))`` over the last axis."""
    y_true = _float(y_true, y_pred)
    scale = pt.maximum(pt.abs(y_true), _const(epsilon(), y_pred))
    return _const(100.0, y_pred) * pt.mean(pt.abs((y_true - y_pred) / scale), axis=-1)


@_on_model_tensors
def mean_squared_logarithmic_error(y_true, y_pred):
    """Mean squared difference of ``log(1 + max(y, epsilon))`` over the last axis."""
    eps, one = _const(epsilon(), y_pred), _const(1.0, y_pred)
    first = pt.log(pt.maximum(y_pred, eps) + one)
    second = pt.log(pt.maximum(_float(y_true, y_pred), eps) + one)
    return pt.mean(pt.sqr(first - second), axis=-1)


@_on_model_tensors
def squared_hinge(y_true, y_pred):
    """``mean(max(1 - y_true * y_pred, 0) ** 2)``; targets are -1 or 1."""
    margin = _const(1.0, y_pred) - _float(y_true, y_pred) * y_pred
    return pt.mean(pt.sqr(pt.maximum(margin, _const(0.0, y_pred))), axis=-1)


@_on_model_tensors
def hinge(y_true, y_pred):
    """``mean(max(1 - y_true * y_pred, 0))``; targets are -1 or 1."""
    margin = _const(1.0, y_pred) - _float(y_true, y_pred) * y_pred
    return pt.mean(pt.maximum(margin, _const(0.0, y_pred)), axis=-1)


@_on_model_tensors
def categorical_hinge(y_true, y_pred):
    """``max(0, max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1)``; one-hot targets."""
    y_true = _float(y_true, y_pred)
    one = _const(1.0, y_pred)
    pos = pt.sum(y_true * y_pred, axis=-1)
    neg = pt.max((one - y_true) * y_pred, axis=-1)
    return pt.maximum(_const(0.0, y_pred), neg - pos + one)


@_on_model_tensors
def logcosh(y_true, y_pred):
    """``mean(log(cosh(y_pred - y_true)))``, computed without overflow."""
    x = y_pred - _float(y_true, y_pred)
    value = x + pt.softplus(_const(-2.0, y_pred) * x) - _const(np.log(2.0), y_pred)
    return pt.mean(value, axis=-1)


def _clip_probabilities(p):
    eps = _const(epsilon(), p)
    return pt.clip(p, eps, _const(1.0, p) - eps)


@_on_model_tensors
def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0):
    """``-sum(y_true * log(y_pred))`` over the class axis.

    Probabilities are rescaled to sum to one and clipped to ``[epsilon, 1 -
    epsilon]`` as in Keras; ``from_logits=True`` applies the softmax first.
    """
    y_true = _float(y_true, y_pred)
    if label_smoothing:
        classes = pt.cast(y_pred.shape[-1], y_pred.dtype)
        smooth = _const(label_smoothing, y_pred)
        y_true = y_true * (_const(1.0, y_pred) - smooth) + smooth / classes
    if from_logits:
        log_p = pt.special.log_softmax(y_pred, axis=-1)
        return -pt.sum(y_true * log_p, axis=-1)
    p = y_pred / pt.sum(y_pred, axis=-1, keepdims=True)
    return -pt.sum(y_true * pt.log(_clip_probabilities(p)), axis=-1)


@_on_model_tensors
def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False):
    """Cross-entropy with integer class ids.

    ``y_true`` has the output's shape without the class axis (``(batch,)``,
    or ``(batch, time)`` for per-step outputs); a trailing axis of length one
    is accepted too.
    """
    if from_logits:
        log_p = pt.special.log_softmax(y_pred, axis=-1)
    else:
        p = y_pred / pt.sum(y_pred, axis=-1, keepdims=True)
        log_p = pt.log(_clip_probabilities(p))
    flat = pt.reshape(log_p, (-1, log_p.shape[-1]))
    ids = pt.cast(pt.flatten(y_true), "int64")
    picked = flat[pt.arange(ids.shape[0]), ids]
    return -pt.reshape(picked, log_p.shape[:-1], ndim=log_p.ndim - 1)


@_on_model_tensors
def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0):
    """Mean over the last axis of ``-(y log p + (1 - y) log(1 - p))``."""
    y_true = _float(y_true, y_pred)
    one = _const(1.0, y_pred)
    if label_smoothing:
        smooth = _const(label_smoothing, y_pred)
        y_true = y_true * (one - smooth) + _const(0.5, y_pred) * smooth
    if from_logits:
        # log(sigmoid(z)) = -softplus(-z), log(1 - sigmoid(z)) = -softplus(z)
        value = y_true * pt.softplus(-y_pred) + (one - y_true) * pt.softplus(y_pred)
        return pt.mean(value, axis=-1)
    p = _clip_probabilities(y_pred)
    return -pt.mean(y_true * pt.log(p) + (one - y_true) * pt.log(one - p), axis=-1)


@_on_model_tensors
def kullback_leibler_divergence(y_true, y_pred):
    """``sum(y_true * log(y_true / y_pred))``, both clipped to ``[epsilon, 1]``."""
    eps, one = _const(epsilon(), y_pred), _const(1.0, y_pred)
    y_true = pt.clip(_float(y_true, y_pred), eps, one)
    y_pred = pt.clip(y_pred, eps, one)
    return pt.sum(y_true * pt.log(y_true / y_pred), axis=-1)


@_on_model_tensors
def poisson(y_true, y_pred):
    """``mean(y_pred - y_true * log(y_pred + epsilon))`` over the last axis."""
    y_true = _float(y_true, y_pred)
    return pt.mean(y_pred - y_true * pt.log(y_pred + _const(epsilon(), y_pred)), axis=-1)


def _l2_normalize(x, axis):
    norm = pt.sqrt(pt.maximum(pt.sum(pt.sqr(x), axis=axis, keepdims=True), _const(epsilon(), x)))
    return x / norm


@_on_model_tensors
def cosine_proximity(y_true, y_pred, axis=-1):
    """Negative cosine similarity of the last axis (-1 when aligned)."""
    y_true = _l2_normalize(_float(y_true, y_pred), axis)
    return -pt.sum(y_true * _l2_normalize(y_pred, axis), axis=axis)


# Keras's aliases (``from kerasque.losses import mse``), and Keras 3's names.
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kl_divergence = kullback_leibler_divergence
cosine = cosine_similarity = cosine_proximity
log_cosh = logcosh

LOSSES = {
    "mean_squared_error": mean_squared_error,
    "mse": mean_squared_error,
    "MSE": mean_squared_error,
    "mean_absolute_error": mean_absolute_error,
    "mae": mean_absolute_error,
    "MAE": mean_absolute_error,
    "mean_absolute_percentage_error": mean_absolute_percentage_error,
    "mape": mean_absolute_percentage_error,
    "MAPE": mean_absolute_percentage_error,
    "mean_squared_logarithmic_error": mean_squared_logarithmic_error,
    "msle": mean_squared_logarithmic_error,
    "MSLE": mean_squared_logarithmic_error,
    "squared_hinge": squared_hinge,
    "hinge": hinge,
    "categorical_hinge": categorical_hinge,
    "logcosh": logcosh,
    "log_cosh": logcosh,
    "categorical_crossentropy": categorical_crossentropy,
    "sparse_categorical_crossentropy": sparse_categorical_crossentropy,
    "binary_crossentropy": binary_crossentropy,
    "kullback_leibler_divergence": kullback_leibler_divergence,
    "kld": kullback_leibler_divergence,
    "KLD": kullback_leibler_divergence,
    "poisson": poisson,
    "cosine_proximity": cosine_proximity,
    "cosine": cosine_proximity,
    "cosine_similarity": cosine_proximity,
    "kl_divergence": kullback_leibler_divergence,
}


class _Targets(dict):
    """Targets of the built-in functions, and of per-sample functions of loss objects.

    A loss object's per-sample function carries its object (``fn.loss``), so
    ``TARGETS.get(fn)`` answers for ``SparseCategoricalCrossentropy()`` too.
    """

    def get(self, fn, default=None):
        try:
            found = dict.get(self, fn)
        except TypeError:  # an unhashable callable
            found = None
        if found is None:
            owner = getattr(fn, "loss", None)
            if isinstance(owner, Loss):
                found = dict.get(self, owner.fn)
        return default if found is None else found


TARGETS = _Targets({fn: "same" for fn in LOSSES.values()})
TARGETS[categorical_crossentropy] = "onehot"
TARGETS[sparse_categorical_crossentropy] = "sparse"


# -- Keras 3's loss classes ---------------------------------------------------
_REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "none", None)


class Loss:
    """A configured loss: ``Loss(fn, name=..., reduction=..., **fn_kwargs)``.

    ``loss_object(y_true, y_pred, sample_weight=None)`` returns the reduced
    value as in Keras 3; :meth:`call` returns one value per sample, which is
    what ``compile`` uses (so sample weights and masks apply).

    Parameters
    ----------
    fn : callable
        A per-sample loss ``fn(y_true, y_pred, **fn_kwargs)``.
    reduction : {'sum_over_batch_size', 'sum', 'mean', 'none', None}
        How ``__call__`` reduces the per-sample values.
    name : str, optional
        Defaults to ``fn``'s name.
    """

    fn = None
    _defaults: ClassVar[dict] = {}

    def __init__(self, fn=None, reduction="sum_over_batch_size", name=None, **fn_kwargs):
        if fn is not None:
            self.fn = fn
        if not callable(self.fn):
            raise TypeError(f"Loss expects a callable fn, received {fn!r}.")
        if reduction not in _REDUCTIONS:
            raise ValueError(
                f"{type(self).__name__}: reduction must be one of {_REDUCTIONS}, received "
                f"{reduction!r}."
            )
        self.reduction = reduction
        self.name = name or getattr(self.fn, "__name__", "loss")
        self.fn_kwargs = fn_kwargs

    def call(self, y_true, y_pred):
        """One loss value per sample (per sample and step for sequences)."""
        return self.fn(y_true, y_pred, **self.fn_kwargs)

    def __call__(self, y_true, y_pred, sample_weight=None):
        values = self.call(y_true, y_pred)
        if sample_weight is not None:
            values = values * _float(sample_weight, values)
        if self.reduction in ("none", None):
            return values
        if self.reduction == "sum":
            return pt.sum(values)
        return pt.mean(values)

    @property
    def per_sample(self):
        """A plain function ``(y_true, y_pred) -> values`` for ``compile``."""

        def per_sample(y_true, y_pred):
            return self.call(y_true, y_pred)

        per_sample.__name__ = self.name
        per_sample.loss = self
        return per_sample

    def get_config(self) -> dict:
        return {"name": self.name, "reduction": self.reduction, **self.fn_kwargs}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)


def _loss_class(class_name, fn, **defaults):
    """A Keras 3 loss class for ``fn`` whose keywords are ``defaults``."""

    def __init__(self, reduction="sum_over_batch_size", name=None, **kwargs):
        check_kwargs(class_name, kwargs, tuple(defaults))
        Loss.__init__(self, None, reduction, name, **{**defaults, **kwargs})

    doc = f"Keras 3's ``{class_name}``: :func:`{fn.__name__}` as a loss object."
    return type(
        class_name,
        (Loss,),
        {"fn": staticmethod(fn), "__init__": __init__, "__doc__": doc, "_defaults": defaults},
    )


MeanSquaredError = _loss_class("MeanSquaredError", mean_squared_error)
MeanAbsoluteError = _loss_class("MeanAbsoluteError", mean_absolute_error)
MeanAbsolutePercentageError = _loss_class(
    "MeanAbsolutePercentageError", mean_absolute_percentage_error
)
MeanSquaredLogarithmicError = _loss_class(
    "MeanSquaredLogarithmicError", mean_squared_logarithmic_error
)
Hinge = _loss_class("Hinge", hinge)
SquaredHinge = _loss_class("SquaredHinge", squared_hinge)
CategoricalHinge = _loss_class("CategoricalHinge", categorical_hinge)
LogCosh = _loss_class("LogCosh", logcosh)
CategoricalCrossentropy = _loss_class(
    "CategoricalCrossentropy", categorical_crossentropy, from_logits=False, label_smoothing=0.0
)
SparseCategoricalCrossentropy = _loss_class(
    "SparseCategoricalCrossentropy", sparse_categorical_crossentropy, from_logits=False
)
BinaryCrossentropy = _loss_class(
    "BinaryCrossentropy", binary_crossentropy, from_logits=False, label_smoothing=0.0
)
KLDivergence = _loss_class("KLDivergence", kullback_leibler_divergence)
Poisson = _loss_class("Poisson", poisson)
CosineSimilarity = _loss_class("CosineSimilarity", cosine_proximity, axis=-1)

LOSS_CLASSES = {
    cls.__name__: cls
    for cls in (
        MeanSquaredError,
        MeanAbsoluteError,
        MeanAbsolutePercentageError,
        MeanSquaredLogarithmicError,
        Hinge,
        SquaredHinge,
        CategoricalHinge,
        LogCosh,
        CategoricalCrossentropy,
        SparseCategoricalCrossentropy,
        BinaryCrossentropy,
        KLDivergence,
        Poisson,
        CosineSimilarity,
    )
}


# -- lookup and serialization -------------------------------------------------
def name_of(fn) -> str:
    """The name a loss is saved under: its canonical built-in name, else ``__name__``.

    A loss object with its default settings saves as its function's name; one
    with other settings (``from_logits=True``) saves as its class name, so a
    reload never silently drops the settings (see :func:`serialize` for the
    full config).
    """
    if isinstance(fn, Loss) or isinstance(getattr(fn, "loss", None), Loss):
        obj = fn if isinstance(fn, Loss) else fn.loss
        if obj.fn_kwargs == type(obj)._defaults and obj.fn in TARGETS:
            return name_of(obj.fn)
        return type(obj).__name__
    for name, f in LOSSES.items():
        if f is fn:
            return name
    return getattr(fn, "__name__", "loss")


def serialize(loss):
    """A loss as Keras saves it: a name for a function, a config dict for a loss object."""
    if isinstance(loss, str):
        return loss
    owner = loss if isinstance(loss, Loss) else getattr(loss, "loss", None)
    if isinstance(owner, Loss):
        return {"class_name": type(owner).__name__, "config": owner.get_config()}
    if not isinstance(loss, type) and hasattr(loss, "get_config") and callable(loss):
        # A user's callable class with settings (Keras 2's serialize_keras_object).
        return {"class_name": type(loss).__name__, "config": loss.get_config()}
    if callable(loss):
        return name_of(loss)
    raise TypeError(f"serialize expects a loss function or Loss object, received {loss!r}.")


def deserialize(name, custom_objects=None):
    """The loss function or object named by ``name`` (a name or a class config dict)."""
    objects = {**_CUSTOM_OBJECTS, **(custom_objects or {})}
    if isinstance(name, dict):
        if (
            set(name) - {"class_name", "config", "module", "registered_name"}
            or "class_name" not in name
        ):
            raise ValueError(
                f"A loss config needs 'class_name' and 'config', received keys {sorted(name)}."
            )
        class_name, config = name["class_name"], name.get("config") or {}
        user = objects.get(class_name)
        if isinstance(user, type) and not issubclass(user, Loss) and isinstance(config, dict):
            make = getattr(user, "from_config", None)
            return make(config) if make is not None else user(**config)
        cls = user or LOSS_CLASSES.get(class_name)
        if cls is None and class_name in LOSSES and not config:
            return LOSSES[class_name]
        if not (isinstance(cls, type) and issubclass(cls, Loss)):
            raise ValueError(  # noqa: TRY004 - an unknown name, not a wrong type
                f"Unknown loss class {class_name!r}.{did_you_mean(class_name, LOSS_CLASSES)} "
                f"Valid classes are: {', '.join(sorted(LOSS_CLASSES))}."
            )
        if not isinstance(config, dict):
            raise TypeError(
                f"The config of loss {class_name!r} must be a dict, received "
                f"{type(config).__name__}."
            )
        return cls.from_config(config)
    if not isinstance(name, str):
        raise TypeError(f"deserialize expects a loss name or config dict, received {name!r}.")
    if name in objects:
        return objects[name]
    if name in LOSSES:
        return LOSSES[name]
    if name in LOSS_CLASSES:
        return LOSS_CLASSES[name]()
    choices = list(LOSSES) + list(LOSS_CLASSES)
    raise ValueError(
        f"Unknown loss {name!r}.{did_you_mean(name, choices)} Valid names are: "
        f"{', '.join(sorted(repr(k) for k in LOSSES))}."
    )


def get(identifier):
    """A per-sample loss function from a name, a config dict, a Loss object or a function.

    ``None`` gives ``None`` (a model whose losses all come from ``add_loss``).
    """
    if identifier is None:
        return None
    if isinstance(identifier, (str, dict)):
        identifier = deserialize(identifier)
    if isinstance(identifier, type) and issubclass(identifier, Loss):
        identifier = identifier()
    if isinstance(identifier, Loss):
        return identifier.per_sample
    if callable(identifier):
        return identifier
    raise IdentifierError(
        f"A loss must be a name, a function (y_true, y_pred) or a Loss object, received "
        f"{type(identifier).__name__} {identifier!r}."
    )
