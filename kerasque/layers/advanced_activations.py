"""Activation layers with arguments: LeakyReLU, PReLU, ELU, ThresholdedReLU, Softmax, ReLU.

Keras 2 and Keras 3 spellings are both accepted where they differ
(``LeakyReLU(alpha=)`` and ``LeakyReLU(negative_slope=)``). PReLU is the only
one with weights.
"""

from __future__ import annotations

import numbers

import pytensor.tensor as pt

from kerasque import activations
from kerasque.engine.base_layer import InputSpec, Layer
from kerasque.layers.core import resolve_objects, serialize_objects
from kerasque.utils.validation import check_number


class _ActivationLayer(Layer):
    supports_masking = True

    @property
    def owner(self) -> str:
        return f"{type(self).__name__} {self.name!r}"


class LeakyReLU(_ActivationLayer):
    """``x`` above 0, ``negative_slope * x`` below.

    Parameters
    ----------
    negative_slope : float
        Keras 3's name; a finite number, default 0.3 (Keras 2's default).
    alpha : float, optional
        Keras 2's name for the same slope.

    Examples
    --------
    >>> from kerasque.layers import LeakyReLU
    >>> layer = LeakyReLU(alpha=0.1)
    """

    def __init__(self, negative_slope=None, alpha=None, **kwargs):
        super().__init__(**kwargs)
        if negative_slope is not None and alpha is not None:
            raise TypeError(
                f"{self.owner}: pass negative_slope (Keras 3) or alpha (Keras 2), not both."
            )
        slope = negative_slope if negative_slope is not None else alpha
        # Any finite slope: Keras 2 took negative ones (Keras 3 refuses them).
        self.negative_slope = check_number(
            self.owner, "negative_slope", 0.3 if slope is None else slope
        )

    def call(self, inputs):
        return activations.leaky_relu(inputs, pt.constant(self.negative_slope, dtype=inputs.dtype))

    def get_config(self) -> dict:
        return {**super().get_config(), "negative_slope": self.negative_slope}


class ELU(_ActivationLayer):
    """``x`` above 0, ``alpha * (exp(x) - 1)`` below.

    Parameters
    ----------
    alpha : float
        A finite number (default 1).
    """

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = check_number(self.owner, "alpha", alpha)

    def call(self, inputs):
        return activations.elu(inputs, pt.constant(self.alpha, dtype=inputs.dtype))

    def get_config(self) -> dict:
        return {**super().get_config(), "alpha": self.alpha}


class ThresholdedReLU(_ActivationLayer):
    """``x`` where ``x > theta``, else 0.

    Parameters
    ----------
    theta : float
        A finite threshold >= 0 (default 1).
    """

    def __init__(self, theta=1.0, **kwargs):
        super().__init__(**kwargs)
        self.theta = check_number(self.owner, "theta", theta, low=0)

    def call(self, inputs):
        return inputs * pt.cast(pt.gt(inputs, self.theta), inputs.dtype)

    def get_config(self) -> dict:
        return {**super().get_config(), "theta": self.theta}


class Softmax(_ActivationLayer):
    """Softmax over ``axis``.

    Parameters
    ----------
    axis : int
        Default -1; checked against the input's rank when the layer is called.
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
            raise TypeError(f"{self.owner}: axis must be an int, received {axis!r}.")
        self.axis = int(axis)

    def build(self, input_shape):
        ndim = len(input_shape)
        if not -ndim <= self.axis < ndim:
            raise ValueError(
                f"{self.owner}: axis {self.axis} is outside the input's rank: input of shape "
                f"{tuple(input_shape)} takes an axis in [{-ndim}, {ndim - 1}]."
            )

    def call(self, inputs, mask=None):
        if mask is not None and mask.ndim == inputs.ndim:
            # Masked entries get no probability (Keras 3's rule).
            inputs = pt.switch(mask, inputs, pt.constant(-1e9, dtype=inputs.dtype))
        return activations.softmax(inputs, axis=self.axis)

    def get_config(self) -> dict:
        return {**super().get_config(), "axis": self.axis}


class ReLU(_ActivationLayer):
    r"""``max_value``-capped ReLU with a slope below ``threshold``.

    .. math::

        f(x) = \begin{cases} \min(x, m) & x \ge \theta \\
               s\,(x - \theta) & x < \theta \end{cases}

    Parameters
    ----------
    max_value : float, optional
        The cap :math:`m` (None for no cap), > 0.
    negative_slope : float
        The slope :math:`s` below the threshold, >= 0.
    threshold : float
        :math:`\\theta`, default 0.
    """

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        self.max_value = (
            None if max_value is None else check_number(self.owner, "max_value", max_value, low=0)
        )
        self.negative_slope = check_number(self.owner, "negative_slope", negative_slope, low=0)
        self.threshold = check_number(self.owner, "threshold", threshold)

    def call(self, inputs):
        return activations.relu(
            inputs,
            negative_slope=self.negative_slope,
            max_value=self.max_value,
            threshold=self.threshold,
        )

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "max_value": self.max_value,
            "negative_slope": self.negative_slope,
            "threshold": self.threshold,
        }


class PReLU(_ActivationLayer):
    """Leaky ReLU with a learned slope per unit: ``x`` above 0, ``alpha * x`` below.

    Parameters
    ----------
    alpha_initializer : str or Initializer
        Default 'zeros' (a plain ReLU at the start).
    alpha_regularizer : Regularizer, optional
    alpha_constraint : Constraint, optional
    shared_axes : int or list of int, optional
        Axes (counted with the batch axis, from 1) along which one slope is
        shared: ``[1, 2]`` on ``(batch, h, w, channels)`` learns one slope
        per channel.

    References
    ----------
    He, K., Zhang, X., Ren, S. and Sun, J. (2015). Delving deep into
    rectifiers. ICCV.
    """

    def __init__(
        self,
        alpha_initializer="zeros",
        alpha_regularizer=None,
        alpha_constraint=None,
        shared_axes=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        resolve_objects(
            self,
            alpha_initializer=alpha_initializer,
            alpha_regularizer=alpha_regularizer,
            alpha_constraint=alpha_constraint,
        )
        if shared_axes is None:
            self.shared_axes = None
        else:
            axes = list(shared_axes) if isinstance(shared_axes, (list, tuple)) else [shared_axes]
            if not all(isinstance(a, numbers.Integral) and not isinstance(a, bool) for a in axes):
                raise TypeError(
                    f"{self.owner}: shared_axes must be an int or a list of ints, received "
                    f"{shared_axes!r}."
                )
            if any(a < 1 for a in axes):
                raise ValueError(
                    f"{self.owner}: shared_axes count from 1 (the batch axis is 0 and always "
                    f"shared), received {shared_axes!r}."
                )
            self.shared_axes = [int(a) for a in axes]

    def build(self, input_shape):
        ndim = len(input_shape)
        shared = self.shared_axes or []
        if any(a >= ndim for a in shared):
            raise ValueError(
                f"{self.owner}: shared_axes {self.shared_axes} are outside the input's rank "
                f"(input of shape {tuple(input_shape)})."
            )
        shape = [1 if i in shared else input_shape[i] for i in range(1, ndim)]
        if any(s is None for s in shape):
            raise ValueError(
                f"{self.owner} needs known sizes on its non-shared axes, received input shape "
                f"{tuple(input_shape)}; share the unknown axes with shared_axes."
            )
        self.alpha = self.add_weight(
            "alpha",
            tuple(shape),
            self.alpha_initializer,
            self.alpha_regularizer,
            self.alpha_constraint,
        )
        self.input_spec = InputSpec(
            ndim=ndim, axes={i: input_shape[i] for i in range(1, ndim) if i not in shared}
        )

    def call(self, inputs):
        alpha = self.alpha
        shared = [i - 1 for i in (self.shared_axes or [])]
        if shared:
            alpha = pt.specify_broadcastable(alpha, *shared)
        return pt.switch(pt.gt(inputs, 0), inputs, alpha[None] * inputs)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            **serialize_objects(self, "alpha_initializer", "alpha_regularizer", "alpha_constraint"),
            "shared_axes": self.shared_axes,
        }
