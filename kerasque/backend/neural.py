"""Neural-network functions: activations, cross-entropies, batch normalization."""

from __future__ import annotations

import numpy as np
import pytensor.tensor as pt

from kerasque.config import epsilon

__all__ = [
    "batch_normalization",
    "binary_crossentropy",
    "categorical_crossentropy",
    "elu",
    "hard_sigmoid",
    "normalize_batch_in_training",
    "relu",
    "sigmoid",
    "softmax",
    "softplus",
    "softsign",
    "sparse_categorical_crossentropy",
    "tanh",
]


def _t(x):
    return pt.as_tensor_variable(x)


def _c(value, x):
    return pt.constant(np.asarray(value, dtype=x.dtype))


# -- activations -----------------------------------------------------------------
def relu(x, alpha=0.0, max_value=None, threshold=0.0):
    """Rectified linear unit with Keras's options.

    ``x`` where ``threshold <= x < max_value``, ``max_value`` above it, and
    ``alpha * (x - threshold)`` below ``threshold``.
    """
    x = _t(x)
    above = pt.ge(x, _c(threshold, x))
    y = pt.switch(above, x, pt.zeros_like(x))
    if max_value is not None:
        y = pt.clip(y, _c(0, x), _c(max_value, x))
    if alpha:
        y = y + pt.switch(above, pt.zeros_like(x), _c(alpha, x) * (x - _c(threshold, x)))
    return y


def elu(x, alpha=1.0):
    """``x`` for ``x > 0``, ``alpha * (exp(x) - 1)`` otherwise."""
    x = _t(x)
    return pt.switch(pt.gt(x, 0), x, _c(alpha, x) * pt.expm1(pt.minimum(x, 0)))


def softmax(x, axis=-1):
    """Softmax along ``axis``."""
    return pt.special.softmax(_t(x), axis=axis)


def softplus(x):
    """``log(1 + exp(x))``."""
    return pt.softplus(_t(x))


def softsign(x):
    """``x / (1 + |x|)``."""
    x = _t(x)
    return x / (_c(1, x) + pt.abs(x))


def sigmoid(x):
    return pt.sigmoid(_t(x))


def hard_sigmoid(x):
    """``clip(0.2 * x + 0.5, 0, 1)``."""
    x = _t(x)
    return pt.clip(_c(0.2, x) * x + _c(0.5, x), _c(0, x), _c(1, x))


def tanh(x):
    return pt.tanh(_t(x))


# -- cross-entropies ----------------------------------------------------------------
def _channels_last(target, output, axis, who):
    if axis in (-1, output.ndim - 1):
        return target, output
    if not -output.ndim <= axis < output.ndim:
        raise ValueError(
            f"{who}: axis {axis} is not an axis of an output with {output.ndim} axes; "
            "pass -1 or one of its axes."
        )
    axis %= output.ndim
    order = [i for i in range(output.ndim) if i != axis] + [axis]
    output = output.dimshuffle(order)
    target = target.dimshuffle(order) if target.ndim == output.ndim else target
    return target, output


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Cross-entropy of one-hot (or soft) ``target`` and ``output`` over the class axis.

    ``output`` holds probabilities (rescaled to sum to 1, then clipped to
    ``[epsilon, 1 - epsilon]``), or logits with ``from_logits=True``.
    """
    target, output = _t(target), _t(output)
    target, output = _channels_last(target, output, axis, "categorical_crossentropy")
    if from_logits:
        log_p = pt.special.log_softmax(output, axis=-1)
    else:
        output = output / pt.sum(output, axis=-1, keepdims=True)
        log_p = pt.log(pt.clip(output, _c(epsilon(), output), _c(1 - epsilon(), output)))
    return -pt.sum(pt.cast(target, output.dtype) * log_p, axis=-1)


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """:func:`categorical_crossentropy` with integer class ids as ``target``.

    ``target`` has ``output``'s shape without the class axis (a trailing
    axis of size 1 is accepted).
    """
    target, output = _t(target), _t(output)
    target, output = _channels_last(target, output, axis, "sparse_categorical_crossentropy")
    ids = pt.cast(pt.flatten(target), "int64")
    onehot = pt.eq(pt.expand_dims(ids, -1), pt.arange(output.shape[-1]))
    onehot = pt.reshape(pt.cast(onehot, output.dtype), output.shape, ndim=output.ndim)
    return categorical_crossentropy(onehot, output, from_logits=from_logits)


def binary_crossentropy(target, output, from_logits=False):
    """Element-wise binary cross-entropy (probabilities clipped to ``[epsilon, 1 - epsilon]``)."""
    target, output = _t(target), _t(output)
    target = pt.cast(target, output.dtype)
    if from_logits:
        # -t log(s(z)) - (1 - t) log(1 - s(z)) = softplus(z) - t z, stable for large |z|
        return pt.softplus(output) - target * output
    p = pt.clip(output, _c(epsilon(), output), _c(1 - epsilon(), output))
    return -(target * pt.log(p) + (_c(1, p) - target) * pt.log(_c(1, p) - p))


# -- batch normalization -------------------------------------------------------------
def _broadcast_param(p, x, axis):
    """A parameter with one axis, laid along ``axis`` of ``x``."""
    p = _t(p)
    if p.ndim != 1 or x.ndim == 1:
        return p
    axis %= x.ndim
    return p.dimshuffle(["x" if i != axis else 0 for i in range(x.ndim)])


def batch_normalization(x, mean, var, beta, gamma, axis=-1, epsilon=1e-3):
    """``(x - mean) / sqrt(var + epsilon) * gamma + beta``.

    One-axis ``mean``, ``var``, ``beta`` and ``gamma`` are laid along
    ``axis`` (the features); parameters with ``x``'s rank broadcast as they
    are. ``beta`` or ``gamma`` may be ``None``.
    """
    x = _t(x)
    mean, var = _broadcast_param(mean, x, axis), _broadcast_param(var, x, axis)
    out = (x - mean) / pt.sqrt(var + _c(epsilon, x))
    if gamma is not None:
        out = out * _broadcast_param(gamma, x, axis)
    if beta is not None:
        out = out + _broadcast_param(beta, x, axis)
    return out


def normalize_batch_in_training(x, gamma, beta, reduction_axes, epsilon=1e-3):
    """Normalize ``x`` by its own statistics over ``reduction_axes``.

    Returns
    -------
    (normed, mean, var)
        ``mean`` and ``var`` have the axes not reduced (e.g. ``(features,)``);
        ``gamma`` and ``beta`` (or ``None``) have that shape too.
    """
    x = _t(x)
    axes = sorted(a % x.ndim for a in reduction_axes)
    mean = pt.mean(x, axis=axes)
    var = pt.var(x, axis=axes)

    def spread(p):
        if p is None:
            return None
        p = _t(p)
        if p.ndim == x.ndim:
            return p
        pattern, j = [], 0
        for i in range(x.ndim):
            pattern.append("x" if i in axes else j)
            j += i not in axes
        return p.dimshuffle(pattern)

    normed = batch_normalization(
        x, spread(mean), spread(var), spread(beta), spread(gamma), epsilon=epsilon
    )
    return normed, mean, var
