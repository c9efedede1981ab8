"""Activation functions by name: Keras 2's set and the cheap ones of Keras 3.

Each is a function of a PyTensor tensor; a layer's ``activation=`` takes a
name, a function or None (linear). ``serialize`` gives a built-in's name (and
a user function's ``__name__``); ``deserialize`` and ``get`` take a name or
Keras 3's ``{"class_name": "function", "config": name}``.

Examples
--------
>>> from kerasque import activations
>>> activations.get("relu") is activations.relu
True
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytensor.tensor as pt

from kerasque.utils import generic
from kerasque.utils.generic import did_you_mean
from kerasque.utils.validation import ArgumentTypeError

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _c(value, like):
    """``value`` in the dtype of float tensor ``like``: a Python float constant would make
    PyTensor upcast a float32 graph to float64 wherever its floatX is float64."""
    dtype = getattr(like, "dtype", None)
    number = isinstance(value, (int, float, np.number)) and not isinstance(value, bool)
    return np.asarray(value, dtype=dtype) if number and str(dtype).startswith("float") else value


def linear(x):
    """The identity."""
    return x


def relu(x, alpha=0.0, max_value=None, threshold=0.0, negative_slope=None):
    """``max(x, 0)``; with Keras's options, a leaky, capped or shifted ReLU.

    ``alpha`` (Keras 2) and ``negative_slope`` (Keras 3) are the slope below
    ``threshold``; ``max_value`` caps the output.
    """
    slope = alpha if negative_slope is None else negative_slope
    if not slope and max_value is None and not threshold:
        return pt.maximum(x, 0)
    below = slope * (x - threshold) if slope else pt.zeros_like(x)
    out = pt.switch(pt.ge(x, threshold), x, below)
    if max_value is not None:
        out = pt.minimum(out, pt.cast(max_value, x.dtype))
    return out


def leaky_relu(x, negative_slope=0.2):
    """``x`` above 0, ``negative_slope * x`` below."""
    return pt.switch(pt.gt(x, 0), x, _c(negative_slope, x) * x)


def relu6(x):
    """``min(max(x, 0), 6)``."""
    return pt.clip(x, 0, 6)


def tanh(x):
    return pt.tanh(x)


def sigmoid(x):
    return pt.sigmoid(x)


def hard_sigmoid(x):
    """Keras 2's piecewise-linear sigmoid: ``clip(0.2 x + 0.5, 0, 1)``."""
    return pt.clip(_c(0.2, x) * x + _c(0.5, x), 0.0, 1.0)


def exponential(x):
    return pt.exp(x)


def softmax(x, axis=-1):
    """Softmax over ``axis`` (the last by default); a 1-D tensor (no batch axis) is refused."""
    if getattr(x, "ndim", 2) < 2:
        raise ValueError(
            f"softmax needs a tensor with a batch axis (2-D or more), received a {x.ndim}-D one."
        )
    return pt.special.softmax(x, axis=axis)


def log_softmax(x, axis=-1):
    return pt.special.log_softmax(x, axis=axis)


def elu(x, alpha=1.0):
    """``x`` above 0, ``alpha * (exp(x) - 1)`` below."""
    return pt.switch(pt.gt(x, 0), x, _c(alpha, x) * pt.expm1(x))


def selu(x):
    """Scaled ELU with the constants of Klambauer et al. (2017)."""
    return _c(_SELU_SCALE, x) * elu(x, _SELU_ALPHA)


def softplus(x):
    return pt.softplus(x)


def softsign(x):
    """``x / (1 + |x|)``."""
    return x / (1 + pt.abs(x))


def silu(x):
    """``x * sigmoid(x)`` (swish)."""
    return x * pt.sigmoid(x)


swish = silu


def gelu(x, approximate=False):
    """``x * Phi(x)``, or the tanh approximation with ``approximate=True``."""
    if approximate:
        c = _c(math.sqrt(2 / math.pi), x)
        return _c(0.5, x) * x * (1 + pt.tanh(c * (x + _c(0.044715, x) * x**3)))
    return _c(0.5, x) * x * (1 + pt.erf(x / _c(math.sqrt(2), x)))


def mish(x):
    """``x * tanh(softplus(x))``."""
    return x * pt.tanh(pt.softplus(x))


def log_sigmoid(x):
    return -pt.softplus(-x)


def hard_silu(x):
    """``x * relu6(x + 3) / 6`` (hard swish)."""
    return x * pt.clip(x + 3, 0, 6) / 6


hard_swish = hard_silu


ACTIVATIONS = {
    fn.__name__: fn
    for fn in (
        linear,
        relu,
        leaky_relu,
        relu6,
        tanh,
        sigmoid,
        hard_sigmoid,
        exponential,
        softmax,
        log_softmax,
        elu,
        selu,
        softplus,
        softsign,
        silu,
        gelu,
        mish,
        log_sigmoid,
        hard_silu,
    )
}
ACTIVATIONS.update({"swish": swish, "hard_swish": hard_swish})


def serialize(fn):
    """The name of an activation (a built-in's, or a user function's ``__name__``)."""
    for name, f in ACTIVATIONS.items():
        if f is fn:
            return name
    name = getattr(fn, "__name__", None)
    if not name:
        raise TypeError(f"Cannot serialize activation {fn!r}: it has no name.")
    return name


def deserialize(config, custom_objects: dict | None = None):
    """An activation from a name or Keras 3's ``{"class_name": "function", "config": name}``."""
    name = config
    if isinstance(config, dict):
        if config.get("class_name") != "function" or not isinstance(config.get("config"), str):
            raise ValueError(
                "An activation config must be a name or {'class_name': 'function', "
                f"'config': name}}, received {config!r}."
            )
        name = config.get("registered_name") or config["config"]
    if not isinstance(name, str):
        raise ArgumentTypeError(
            f"An activation must be a name, received {name!r} ({type(name).__name__})."
        )
    objects = {**generic.custom_objects(), **(custom_objects or {})}
    if name in objects and callable(objects[name]):
        return objects[name]
    if name in ACTIVATIONS:
        return ACTIVATIONS[name]
    valid = ", ".join(sorted(repr(k) for k in ACTIVATIONS))
    raise ValueError(
        f"Unknown activation {name!r}.{did_you_mean(name, ACTIVATIONS)} Valid names are: {valid}."
    )


def get(identifier):
    """An activation from a name, a config dict, a function or None (linear)."""
    if identifier is None:
        return linear
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    if callable(identifier):
        from kerasque.engine.base_layer import Layer

        if isinstance(identifier, Layer):  # Keras 2 warns, and uses it
            warnings.warn(
                f"Do not pass a layer instance (such as {type(identifier).__name__}) as the "
                "activation argument of another layer; use advanced activation layers "
                "(LeakyReLU, PReLU, ...) as layers of the model instead.",
                stacklevel=2,
            )
        return identifier
    raise ArgumentTypeError(
        f"An activation must be a name, a function or None, received {identifier!r} "
        f"({type(identifier).__name__})."
    )
