"""Dense, Activation, Masking and ActivityRegularization (Flatten lives in reshaping.py)."""

from __future__ import annotations

import pytensor.tensor as pt

from kerasque import activations, constraints, initializers, regularizers
from kerasque.engine import context
from kerasque.engine.base_layer import InputSpec, Layer
from kerasque.utils.validation import check_bool, check_number, check_positive_int, resolve_nested

# The recurrent layers import this name from here.
_check_positive_int = check_positive_int


def resolve_objects(layer, **arguments) -> None:
    """Set ``layer.<argument>`` to the resolved activation, initializer, regularizer or constraint.

    The kind comes from the argument's name; an error names the layer and the
    argument.
    """
    modules = {
        "activation": activations,
        "initializer": initializers,
        "regularizer": regularizers,
        "constraint": constraints,
    }
    owner = f"{type(layer).__name__} {layer.name!r}"
    for name, value in arguments.items():
        kind = next(k for k in modules if name.endswith(k))
        setattr(layer, name, resolve_nested(owner, name, modules[kind].get, value))


def serialize_objects(layer, *names) -> dict:
    """The config entries of ``names`` (activations, initializers, ...), serialized."""
    modules = {
        "activation": activations,
        "initializer": initializers,
        "regularizer": regularizers,
        "constraint": constraints,
    }
    out = {}
    for name in names:
        kind = next(k for k in modules if name.endswith(k))
        out[name] = modules[kind].serialize(getattr(layer, name))
    return out


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

    def __init__(
        self,
        units,
        activation=None,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        kernel_regularizer=None,
        bias_regularizer=None,
        kernel_constraint=None,
        bias_constraint=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        owner = f"Dense {self.name!r}"
        self.units = check_positive_int(owner, "units", units)
        self.use_bias = check_bool(owner, "use_bias", use_bias)
        resolve_objects(
            self,
            activation=activation,
            kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer,
            bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint,
        )
        self.input_spec = InputSpec(min_ndim=2)

    def build(self, input_shape):
        dim = input_shape[-1]
        if dim is None:
            raise ValueError(
                f"Layer {self.name!r} (Dense) needs a known last input dimension, "
                f"received input shape {tuple(input_shape)}."
            )
        self.kernel = self.add_weight(
            "kernel",
            (dim, self.units),
            self.kernel_initializer,
            self.kernel_regularizer,
            self.kernel_constraint,
        )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                "bias",
                (self.units,),
                self.bias_initializer,
                self.bias_regularizer,
                self.bias_constraint,
            )
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
            "use_bias": self.use_bias,
            **serialize_objects(
                self,
                "activation",
                "kernel_initializer",
                "bias_initializer",
                "kernel_regularizer",
                "bias_regularizer",
                "kernel_constraint",
                "bias_constraint",
            ),
        }


class Activation(Layer):
    """Apply an activation function by name or callable."""

    supports_masking = True

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        resolve_objects(self, activation=activation)

    def call(self, inputs):
        return self.activation(inputs)

    def get_config(self) -> dict:
        return {**super().get_config(), "activation": activations.serialize(self.activation)}


class Masking(Layer):
    """Mask every time step whose features all equal ``mask_value``.

    The output is the input with masked steps set to 0; the mask
    (``(batch, time)``, True where a step is kept) flows to the layers
    downstream, so a recurrent layer skips the padded steps.

    Parameters
    ----------
    mask_value : float
        The padding value (default 0).

    Examples
    --------
    >>> from kerasque.layers import Masking
    >>> layer = Masking(mask_value=0.0)
    """

    supports_masking = True

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        self.mask_value = check_number(f"Masking {self.name!r}", "mask_value", mask_value)
        self.input_spec = InputSpec(min_ndim=2)

    def _keep(self, inputs):
        return pt.any(pt.neq(inputs, pt.cast(self.mask_value, inputs.dtype)), axis=-1)

    def compute_mask(self, inputs, mask=None):
        return self._keep(inputs)

    def call(self, inputs):
        return inputs * pt.cast(self._keep(inputs), inputs.dtype)[..., None]

    def compute_output_dtype(self, input_dtype):
        return input_dtype

    def get_config(self) -> dict:
        return {**super().get_config(), "mask_value": self.mask_value}


class ActivityRegularization(Layer):
    """Pass the input through and add ``l1 * sum(|x|) + l2 * sum(x**2)`` to the loss.

    The penalty is recorded in the forward pass that builds the graph (the
    training and test functions add it to their loss), as Keras's layer
    does.

    Parameters
    ----------
    l1, l2 : float
        Finite factors >= 0.

    Examples
    --------
    >>> from kerasque.layers import ActivityRegularization
    >>> layer = ActivityRegularization(l2=0.01)
    """

    supports_masking = True

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        super().__init__(**kwargs)
        owner = f"ActivityRegularization {self.name!r}"
        self.l1 = check_number(owner, "l1", l1, low=0)
        self.l2 = check_number(owner, "l2", l2, low=0)
        self.regularizer = regularizers.L1L2(l1=self.l1, l2=self.l2)

    def call(self, inputs):
        if self.l1 or self.l2:
            context.current().add_loss(self.regularizer(inputs), owner=self.name)
        return inputs

    def compute_output_dtype(self, input_dtype):
        return input_dtype

    def get_config(self) -> dict:
        return {**super().get_config(), "l1": self.l1, "l2": self.l2}


# Keras 2's keras.layers.core also held these; they live in their own modules here.
_MOVED = {
    "Dropout": "noise",
    "SpatialDropout1D": "noise",
    "SpatialDropout2D": "noise",
    "SpatialDropout3D": "noise",
    "Flatten": "reshaping",
    "Reshape": "reshaping",
    "Permute": "reshaping",
    "RepeatVector": "reshaping",
    "Lambda": "lambda_layer",
}


def __getattr__(name):
    # Imported on first use: those modules import this one.
    if name in _MOVED:
        import importlib

        return getattr(importlib.import_module(f"kerasque.layers.{_MOVED[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
