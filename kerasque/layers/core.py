"""Dense, Activation and Flatten."""

from __future__ import annotations

import numpy as np
import pytensor.tensor as pt

from kerasque import activations, constraints, initializers, regularizers
from kerasque.engine.base_layer import InputSpec, Layer


def _check_positive_int(owner, name, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{owner}: {name} must be a positive integer, received {value!r}.")
    return int(value)


def matmul_last_axis(x, w):
    """``x @ w`` on the last axis of ``x`` (any rank >= 2) as one 2-D product."""
    if x.ndim == 2:
        return pt.dot(x, w)
    flat = pt.reshape(x, (-1, x.shape[-1]))
    out = pt.dot(flat, w)
    return pt.reshape(out, (*[x.shape[i] for i in range(x.ndim - 1)], w.shape[-1]), ndim=x.ndim)


class Dense(Layer):
    """A fully connected layer: ``activation(x @ kernel + bias)``.

    Works on inputs of any rank >= 2 and applies to the last axis, so a
    ``(batch, time, features)`` input gives per-step outputs.

    Parameters
    ----------
    units : int
        Output size.
    activation : str or callable, optional
        Default None (linear).
    use_bias : bool
    kernel_initializer, bias_initializer : str or callable
    kernel_regularizer, bias_regularizer : Regularizer, optional
    kernel_constraint, bias_constraint : constraint, optional
        E.g. ``MaxNorm(3)``, the dropout paper's companion.

    Examples
    --------
    >>> from kerasque.layers import Dense
    >>> layer = Dense(4, activation="relu", input_shape=(8,))
    """

    supports_masking = True

    def __init__(self, units, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(**kwargs)
        self.units = _check_positive_int(f"Dense {self.name!r}", "units", units)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(min_ndim=2)

    def build(self, input_shape):
        dim = input_shape[-1]
        if dim is None:
            raise ValueError(
                f"Layer {self.name!r} (Dense) needs a known last input dimension, "
                f"received input shape {tuple(input_shape)}."
            )
        self.kernel = self.add_weight("kernel", (dim, self.units), self.kernel_initializer,
                                      self.kernel_regularizer, self.kernel_constraint)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight("bias", (self.units,), self.bias_initializer,
                                        self.bias_regularizer, self.bias_constraint)
        self.input_spec = InputSpec(min_ndim=2, axes={-1: dim})

    def call(self, inputs, kernel=None):
        out = matmul_last_axis(inputs, self.kernel if kernel is None else kernel)
        if self.bias is not None:
            out = out + self.bias
        return self.activation(out)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        }


class Activation(Layer):
    """Apply an activation function by name or callable."""

    supports_masking = True

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)

    def call(self, inputs):
        return self.activation(inputs)

    def get_config(self) -> dict:
        return {**super().get_config(), "activation": activations.serialize(self.activation)}


class Flatten(Layer):
    """Flatten every axis but the batch axis: ``(batch, a, b) -> (batch, a*b)``."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.input_spec = InputSpec(min_ndim=2)

    def build(self, input_shape):
        if any(s is None for s in input_shape[1:]):
            raise ValueError(
                f"Layer {self.name!r} (Flatten) needs every non-batch dimension known, "
                f"received input shape {tuple(input_shape)}."
            )

    def call(self, inputs):
        return pt.reshape(inputs, (inputs.shape[0], -1), ndim=2)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], int(np.prod(input_shape[1:])))
