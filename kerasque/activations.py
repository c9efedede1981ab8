"""Activation functions by name ('relu', 'tanh', 'sigmoid', ...)."""

from __future__ import annotations

import pytensor.tensor as pt

from kerasque.utils.generic import lookup


def linear(x):
    return x


def relu(x):
    return pt.maximum(x, 0)


def tanh(x):
    return pt.tanh(x)


def sigmoid(x):
    return pt.sigmoid(x)


def hard_sigmoid(x):
    """Keras 2's piecewise-linear sigmoid: ``clip(0.2 x + 0.5, 0, 1)``."""
    return pt.clip(0.2 * x + 0.5, 0.0, 1.0)


def softmax(x):
    """Softmax over the last axis."""
    return pt.special.softmax(x, axis=-1)


def elu(x):
    return pt.switch(pt.gt(x, 0), x, pt.expm1(x))


def softplus(x):
    return pt.softplus(x)


ACTIVATIONS = {
    "linear": linear,
    "relu": relu,
    "tanh": tanh,
    "sigmoid": sigmoid,
    "hard_sigmoid": hard_sigmoid,
    "softmax": softmax,
    "elu": elu,
    "softplus": softplus,
}


def get(identifier):
    """Return an activation function from a name, a callable or None (linear)."""
    if identifier is None:
        return linear
    if callable(identifier):
        return identifier
    return lookup("activation", identifier, ACTIVATIONS)


def serialize(fn) -> str:
    """The name of a built-in activation (used by ``get_config``)."""
    for name, f in ACTIVATIONS.items():
        if f is fn:
            return name
    return getattr(fn, "__name__", repr(fn))
