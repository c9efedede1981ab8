"""Maths: products, reductions, element-wise functions and comparisons.

Reductions take Keras's ``axis`` (an int, a list of ints or ``None`` for
all) and ``keepdims``; element-wise functions broadcast as NumPy does.
Python numbers are cast to the tensor's dtype, so a float32 tensor stays
float32.
"""

from __future__ import annotations

import builtins

import numpy as np
import pytensor.tensor as pt

from kerasque.config import epsilon, floatx, image_data_format

__all__ = [
    "abs",
    "all",
    "any",
    "argmax",
    "argmin",
    "batch_dot",
    "bias_add",
    "clip",
    "cos",
    "cumprod",
    "cumsum",
    "dot",
    "equal",
    "exp",
    "gather",
    "greater",
    "greater_equal",
    "in_top_k",
    "l2_normalize",
    "less",
    "less_equal",
    "log",
    "logsumexp",
    "max",
    "maximum",
    "mean",
    "min",
    "minimum",
    "not_equal",
    "pow",
    "prod",
    "round",
    "sign",
    "sin",
    "sqrt",
    "square",
    "std",
    "sum",
    "transpose",
    "var",
]


def _t(x):
    return pt.as_tensor_variable(x)


def _axis(axis):
    return list(axis) if isinstance(axis, (list, tuple)) else axis


def _like(value, x):
    """A Python number as a constant of ``x``'s dtype (a tensor unchanged)."""
    if isinstance(value, (int, float, np.number)):
        return pt.constant(np.asarray(value, dtype=x.dtype))
    return value


# -- products -------------------------------------------------------------------
def dot(x, y):
    """Matrix product; beyond 2 axes, ``x``'s last with ``y``'s second-to-last (``np.dot``)."""
    x, y = _t(x), _t(y)
    if x.ndim > 2 or y.ndim > 2:
        return pt.tensordot(x, y, axes=[[x.ndim - 1], [builtins.max(y.ndim - 2, 0)]])
    return pt.dot(x, y)


def batch_dot(x, y, axes=None):
    """Dot product of each sample of ``x`` with the same sample of ``y``.

    ``axes`` (an int or a pair) names the axis of ``x`` and of ``y`` summed
    over; by default ``x``'s last and ``y``'s second-to-last. The result has
    ``x``'s remaining axes then ``y``'s (less the batch axis); a result of
    one axis is returned as ``(batch, 1)``.
    """
    x, y = _t(x), _t(y)
    if isinstance(axes, (int, np.integer)):
        axes = (int(axes), int(axes))
    if axes is None:
        axes = (x.ndim - 1, y.ndim - 2)
    if len(axes) != 2 or builtins.any(isinstance(a, (list, tuple)) for a in axes):
        raise ValueError(
            f"batch_dot expects axes None, an int or a pair of ints, received {axes!r}."
        )
    ax, ay = (a % n for a, n in zip(axes, (x.ndim, y.ndim)))
    if ax == 0:  # Keras's convention: summing over the batch axis transposes first
        x, ax = pt.transpose(x), x.ndim - 1
    if ay == 0:
        y, ay = pt.transpose(y), y.ndim - 1
    letters = "abcdefghijklmnopqrstuvwxyz"
    xs = "b" + letters[2 : x.ndim + 1]
    ys = "b" + letters[x.ndim + 1 : x.ndim + y.ndim]
    ys = ys[:ay] + xs[ax] + ys[ay + 1 :]
    out_spec = xs[:ax] + xs[ax + 1 :] + ys[1:ay] + ys[ay + 1 :]
    out = pt.einsum(f"{xs},{ys}->{out_spec}", x, y)
    return pt.expand_dims(out, 1) if out.ndim == 1 else out


def transpose(x):
    """``x`` with its axes reversed."""
    return pt.transpose(_t(x))


def gather(reference, indices):
    """Rows ``indices`` of ``reference`` (indexing along axis 0)."""
    return _t(reference)[pt.cast(indices, "int64")]


# -- reductions -----------------------------------------------------------------
def max(x, axis=None, keepdims=False):
    """Maximum over ``axis``."""
    return pt.max(_t(x), axis=_axis(axis), keepdims=keepdims)


def min(x, axis=None, keepdims=False):
    """Minimum over ``axis``."""
    return pt.min(_t(x), axis=_axis(axis), keepdims=keepdims)


def sum(x, axis=None, keepdims=False):
    """Sum over ``axis``."""
    return pt.sum(_t(x), axis=_axis(axis), keepdims=keepdims)


def prod(x, axis=None, keepdims=False):
    """Product over ``axis``."""
    return pt.prod(_t(x), axis=_axis(axis), keepdims=keepdims)


def cumsum(x, axis=0):
    """Cumulative sum along ``axis``."""
    return pt.cumsum(_t(x), axis=axis)


def cumprod(x, axis=0):
    """Cumulative product along ``axis``."""
    return pt.cumprod(_t(x), axis=axis)


def _float(x):
    x = _t(x)
    return pt.cast(x, floatx()) if x.dtype in ("bool",) or "int" in x.dtype else x


def mean(x, axis=None, keepdims=False):
    """Mean over ``axis`` (integer and boolean tensors give floatx)."""
    return pt.mean(_float(x), axis=_axis(axis), keepdims=keepdims)


def var(x, axis=None, keepdims=False):
    """Variance (population, ``ddof=0``) over ``axis``."""
    return pt.var(_float(x), axis=_axis(axis), keepdims=keepdims)


def std(x, axis=None, keepdims=False):
    """Standard deviation (population) over ``axis``."""
    return pt.std(_float(x), axis=_axis(axis), keepdims=keepdims)


def any(x, axis=None, keepdims=False):
    """Logical OR over ``axis`` (a boolean tensor)."""
    return pt.any(_t(x), axis=_axis(axis), keepdims=keepdims)


def all(x, axis=None, keepdims=False):
    """Logical AND over ``axis`` (a boolean tensor)."""
    return pt.all(_t(x), axis=_axis(axis), keepdims=keepdims)


def argmax(x, axis=-1):
    """Index of the maximum along ``axis``."""
    return pt.argmax(_t(x), axis=axis)


def argmin(x, axis=-1):
    """Index of the minimum along ``axis``."""
    return pt.argmin(_t(x), axis=axis)


def logsumexp(x, axis=None, keepdims=False):
    """``log(sum(exp(x)))`` over ``axis``, computed without overflow."""
    x = _t(x)
    axis = _axis(axis)
    top = pt.max(x, axis=axis, keepdims=True)
    top = pt.switch(pt.isinf(top), pt.zeros_like(top), top)
    out = pt.log(pt.sum(pt.exp(x - top), axis=axis, keepdims=True)) + top
    if keepdims:
        return out
    return pt.squeeze(out, axis=axis) if axis is not None else out.reshape(())


# -- element-wise ---------------------------------------------------------------
def square(x):
    return pt.sqr(_t(x))


def abs(x):
    return pt.abs(_t(x))


def sqrt(x):
    """Square root, with negative inputs clipped to 0 first (as Keras does)."""
    x = _t(x)
    return pt.sqrt(pt.maximum(x, _like(0, x)))


def exp(x):
    return pt.exp(_t(x))


def log(x):
    return pt.log(_t(x))


def round(x):
    """Round half to even (NumPy's rule)."""
    return pt.round(_t(x), mode="half_to_even")


def sign(x):
    return pt.sign(_t(x))


def pow(x, a):
    """``x ** a``."""
    x = _t(x)
    return pt.pow(x, _like(a, x))


def clip(x, min_value, max_value):
    """``x`` clipped to ``[min_value, max_value]`` (``None`` means no bound)."""
    x = _t(x)
    if max_value is not None and min_value is not None and np.all(max_value < min_value):
        max_value = min_value
    min_value = -np.inf if min_value is None else min_value
    max_value = np.inf if max_value is None else max_value
    return pt.clip(x, _like(min_value, x), _like(max_value, x))


def equal(x, y):
    return pt.eq(x, y)


def not_equal(x, y):
    return pt.neq(x, y)


def greater(x, y):
    return pt.gt(x, y)


def greater_equal(x, y):
    return pt.ge(x, y)


def less(x, y):
    return pt.lt(x, y)


def less_equal(x, y):
    return pt.le(x, y)


def maximum(x, y):
    x = _t(x)
    return pt.maximum(x, _like(y, x))


def minimum(x, y):
    x = _t(x)
    return pt.minimum(x, _like(y, x))


def sin(x):
    return pt.sin(_t(x))


def cos(x):
    return pt.cos(_t(x))


def l2_normalize(x, axis=None):
    """``x / sqrt(max(sum(x**2, axis), epsilon))``."""
    x = _t(x)
    square_sum = pt.sum(pt.sqr(x), axis=_axis(axis), keepdims=True)
    return x / pt.sqrt(pt.maximum(square_sum, _like(epsilon(), x)))


def in_top_k(predictions, targets, k):
    """Whether ``targets[i]`` is among the ``k`` largest of ``predictions[i]`` (ties count in)."""
    predictions, targets = _t(predictions), _t(targets)
    classes = predictions.type.shape[1]
    if k < 1:
        return pt.zeros_like(targets, dtype="bool")
    if classes is not None and k >= classes:
        return pt.ones_like(targets, dtype="bool")
    kth = pt.sort(predictions, axis=1)[:, -k]
    picked = predictions[pt.arange(targets.shape[0]), pt.cast(targets, "int64")]
    return pt.ge(picked, kth)


def bias_add(x, bias, data_format=None):
    """``x + bias`` with the bias on the channel axis of ``data_format``.

    ``bias`` has one axis (the channels) or ``ndim(x) - 1`` axes (channels
    and spatial axes, in ``data_format``'s order).
    """
    x, bias = _t(x), _t(bias)
    data_format = data_format or image_data_format()
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError(
            "bias_add: data_format must be 'channels_first' or 'channels_last', "
            f"received {data_format!r}."
        )
    if bias.ndim not in (1, x.ndim - 1):
        raise ValueError(
            f"bias_add: bias must have 1 or {x.ndim - 1} axes for an input of {x.ndim} axes, "
            f"received {bias.ndim}."
        )
    if x.ndim < 3:
        return x + bias
    if data_format == "channels_last":
        return x + pt.shape_padleft(bias, x.ndim - bias.ndim)
    if bias.ndim == 1:
        return x + bias.dimshuffle(["x", 0] + ["x"] * (x.ndim - 2))
    # Keras reshapes (not transposes) a (spatial..., channels) bias to (1, channels, spatial...).
    dims = [bias.shape[i] for i in range(bias.ndim)]
    return x + pt.reshape(bias, [1, dims[-1], *dims[:-1]], ndim=x.ndim)
