"""BatchNormalization: normalize activations with batch and moving statistics.

The moving mean and variance are layer state, not trainable weights. Their
updates are recorded with :func:`kerasque.backend.add_update` in the forward
pass that builds the training graph, so only the train function applies them:
a predict, test or Monte Carlo (``predict(training=True)``) function never
moves them.
"""

from __future__ import annotations

import numbers

import pytensor.tensor as pt

from kerasque import backend as K
from kerasque.engine import context
from kerasque.engine.base_layer import InputSpec, Layer
from kerasque.layers.core import resolve_objects, serialize_objects
from kerasque.utils.validation import check_bool, check_fraction, check_number


def _check_momentum(owner: str, momentum) -> float:
    return check_fraction(
        owner,
        "momentum",
        momentum,
        "the weight of the old moving average in each update (0.99 is usual)",
    )


def _check_epsilon(owner: str, epsilon) -> float:
    return check_number(
        owner,
        "epsilon",
        epsilon,
        low=0,
        low_open=True,
        hint="It keeps the division by the standard deviation finite (1e-3 is usual).",
    )


class BatchNormalization(Layer):
    r"""Normalize each feature with batch statistics in training, moving ones at inference.

    For the feature axis ``axis`` with :math:`\mu_B, \sigma_B^2` the mean and
    (biased) variance of a batch over every other axis, :math:`n` the number
    of values each is computed from, and momentum :math:`m`:

    .. math::

        y_{train} = \gamma \frac{x - \mu_B}{\sqrt{\sigma_B^2 + \epsilon}} + \beta

        \mu \leftarrow m\,\mu + (1 - m)\,\mu_B,\qquad
        \sigma^2 \leftarrow m\,\sigma^2 + (1 - m)\,\frac{n}{n - 1}\,\sigma_B^2

        y_{test} = \gamma \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}} + \beta

    The moving variance tracks the unbiased batch variance, as in PyTorch and
    Keras 2 (for :math:`n = 1` the factor is taken as 1).

    Parameters
    ----------
    axis : int
        The feature axis (default -1, the last); it needs a known size.
    momentum : float
        Weight of the old moving average, in [0, 1).
    epsilon : float
        Added to the variance, > 0.
    center : bool
        Learn the offset :math:`\beta` (else :math:`\beta = 0`).
    scale : bool
        Learn the scale :math:`\gamma` (else :math:`\gamma = 1`).
    beta_initializer, gamma_initializer : str or callable
        Defaults 'zeros' and 'ones'.
    moving_mean_initializer, moving_variance_initializer : str or callable
        Defaults 'zeros' and 'ones'.
    beta_regularizer, gamma_regularizer : Regularizer, optional
    beta_constraint, gamma_constraint : constraint, optional

    Notes
    -----
    Weights, in Keras's order: ``gamma`` and ``beta`` (trainable, when
    ``scale`` / ``center``), ``moving_mean`` and ``moving_variance``
    (non-trainable). Applying one BatchNormalization twice in one graph is
    refused (two updates of one moving average); use two layers.

    A frozen layer (``trainable=False``, on the layer or on a model that
    holds it, set before ``compile``) runs in inference mode, as in Keras 3:
    it normalizes with the moving statistics in every phase and never updates
    them, so fine-tuning a frozen base model leaves its statistics as trained.
    (Keras 2.2.4 kept normalizing a frozen layer with batch statistics in
    training.)

    With ``training=True`` outside fitting (``model.predict(x,
    training=True)``, Monte Carlo prediction) the layer normalizes with the
    batch's statistics, as Keras does, but the moving averages stay as
    trained.

    References
    ----------
    Ioffe, S. and Szegedy, C. (2015). Batch normalization: accelerating deep
    network training by reducing internal covariate shift. ICML.

    Examples
    --------
    >>> from kerasque.layers import BatchNormalization
    >>> layer = BatchNormalization(momentum=0.9)
    """

    supports_masking = True

    def __init__(
        self,
        axis=-1,
        momentum=0.99,
        epsilon=1e-3,
        center=True,
        scale=True,
        beta_initializer="zeros",
        gamma_initializer="ones",
        moving_mean_initializer="zeros",
        moving_variance_initializer="ones",
        beta_regularizer=None,
        gamma_regularizer=None,
        beta_constraint=None,
        gamma_constraint=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        owner = f"BatchNormalization {self.name!r}"
        if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
            raise TypeError(
                f"{owner}: axis must be an int (the feature axis, e.g. -1), "
                f"received {type(axis).__name__} {axis!r}."
            )
        self.axis = int(axis)
        self.momentum = _check_momentum(owner, momentum)
        self.epsilon = _check_epsilon(owner, epsilon)
        self.center = check_bool(owner, "center", center)
        self.scale = check_bool(owner, "scale", scale)
        resolve_objects(
            self,
            beta_initializer=beta_initializer,
            gamma_initializer=gamma_initializer,
            moving_mean_initializer=moving_mean_initializer,
            moving_variance_initializer=moving_variance_initializer,
            beta_regularizer=beta_regularizer,
            gamma_regularizer=gamma_regularizer,
            beta_constraint=beta_constraint,
            gamma_constraint=gamma_constraint,
        )
        self.gamma = self.beta = None
        self.input_spec = InputSpec(min_ndim=2)

    def build(self, input_shape):
        ndim = len(input_shape)
        if not -ndim <= self.axis < ndim:
            raise ValueError(
                f"Layer {self.name!r} (BatchNormalization): axis {self.axis} is out of range "
                f"for input of shape {tuple(input_shape)} (rank {ndim}); use an axis in "
                f"[{-ndim}, {ndim - 1}]."
            )
        self._axis = self.axis % ndim
        dim = input_shape[self._axis]
        if dim is None:
            raise ValueError(
                f"Layer {self.name!r} (BatchNormalization) needs a known size on axis "
                f"{self.axis}, received input shape {tuple(input_shape)}."
            )
        shape = (dim,)
        if self.scale:
            self.gamma = self.add_weight(
                "gamma",
                shape,
                self.gamma_initializer,
                self.gamma_regularizer,
                self.gamma_constraint,
            )
        if self.center:
            self.beta = self.add_weight(
                "beta", shape, self.beta_initializer, self.beta_regularizer, self.beta_constraint
            )
        self.moving_mean = self.add_weight(
            "moving_mean", shape, self.moving_mean_initializer, trainable=False
        )
        self.moving_variance = self.add_weight(
            "moving_variance", shape, self.moving_variance_initializer, trainable=False
        )
        self.input_spec = InputSpec(ndim=ndim, axes={self._axis: dim})

    # -- the graph --------------------------------------------------------
    def _broadcast(self, v, ndim):
        """A per-feature vector laid out to broadcast against the input."""
        if self._axis == ndim - 1:
            return v
        pattern = ["x"] * ndim
        pattern[self._axis] = 0
        return v.dimshuffle(pattern)

    def _normalize(self, x, mean, variance):
        eps = pt.constant(self.epsilon, dtype=x.dtype)
        scale = 1.0 / pt.sqrt(variance + eps)
        if self.gamma is not None:
            scale = scale * self.gamma
        out = (x - self._broadcast(mean, x.ndim)) * self._broadcast(scale, x.ndim)
        if self.beta is not None:
            out = out + self._broadcast(self.beta, x.ndim)
        return out

    def _moving_updates(self, x, mean, variance, training) -> None:
        """Record the moving-average updates (only applied when training)."""
        axes = [i for i in range(x.ndim) if i != self._axis]
        n = x.shape[axes[0]]
        for i in axes[1:]:
            n = n * x.shape[i]
        correction = pt.cast(n, x.dtype) / pt.cast(pt.maximum(n - 1, 1), x.dtype)
        m = pt.constant(self.momentum, dtype=x.dtype)
        new_mean = self.moving_mean * m + mean * (1 - m)
        new_var = self.moving_variance * m + variance * correction * (1 - m)
        if training is not True:
            # A symbolic phase flag: the same function may run in either phase.
            flag = pt.neq(training, 0)
            new_mean = pt.switch(flag, new_mean, self.moving_mean)
            new_var = pt.switch(flag, new_var, self.moving_variance)
        K.add_update(self.moving_mean, new_mean)
        K.add_update(self.moving_variance, new_var)

    def _frozen(self) -> bool:
        """Whether this layer, or a model around the call being built, has trainable False."""
        return not self.trainable or context.inside_frozen()

    def call(self, inputs, training=None):
        def inference():
            return self._normalize(inputs, self.moving_mean, self.moving_variance)

        if training is False or training is None or self._frozen():
            return inference()
        axes = [i for i in range(inputs.ndim) if i != self._axis]
        mean = pt.mean(inputs, axis=axes)
        variance = pt.var(inputs, axis=axes)
        self._moving_updates(inputs, mean, variance, training)
        return K.in_train_phase(
            lambda: self._normalize(inputs, mean, variance), inference, training
        )

    # -- configuration ----------------------------------------------------
    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "axis": self.axis,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            **serialize_objects(
                self,
                "beta_initializer",
                "gamma_initializer",
                "moving_mean_initializer",
                "moving_variance_initializer",
                "beta_regularizer",
                "gamma_regularizer",
                "beta_constraint",
                "gamma_constraint",
            ),
        }
