"""Noise layers: Dropout and its variants, GaussianNoise, GaussianDropout.

:class:`Dropout` is the template: a :class:`StochasticLayer` (which owns the
seed and the generator) that draws a Bernoulli mask of a noise shape in
training and is the identity at inference. The spatial dropouts are Dropout
with a fixed noise shape; AlphaDropout is Dropout with another rule for the
dropped units. Every mask or noise tensor is drawn from the layer's own
generator through :func:`kerasque.backend.random_bernoulli` or
:func:`kerasque.backend.random_normal`, so the compile step writes the
generator's advance back and two calls of a training function never share a
mask. At inference (``training=False``) each layer builds no random node; with
a rate or standard deviation of 0 it builds none at all.
"""

from __future__ import annotations

import math

import numpy as np
import pytensor.tensor as pt

from kerasque import backend as K
from kerasque.config import image_data_format
from kerasque.engine.base_layer import InputSpec
from kerasque.layers.stochastic import StochasticLayer
from kerasque.utils.validation import check_choice, check_rate, check_seed, check_stddev

# check_rate, check_seed and check_stddev lived here; kept importable from here.
__all__ = [
    "AlphaDropout",
    "Dropout",
    "GaussianDropout",
    "GaussianNoise",
    "SpatialDropout1D",
    "SpatialDropout2D",
    "SpatialDropout3D",
    "check_rate",
    "check_seed",
    "check_stddev",
]


def _check_noise_shape(owner: str, noise_shape):
    if noise_shape is None:
        return None
    try:
        shape = tuple(noise_shape)
    except TypeError:
        shape = None
    ok = shape is not None and all(
        s is None or (isinstance(s, (int, np.integer)) and not isinstance(s, bool)) for s in shape
    )
    if not ok:
        raise TypeError(
            f"{owner}: noise_shape must be a tuple of ints or None, received {noise_shape!r}."
        )
    if any(s is not None and s < 1 for s in shape):
        raise ValueError(
            f"{owner}: noise_shape entries must be positive ints or None, received {noise_shape!r}."
        )
    return tuple(None if s is None else int(s) for s in shape)


class Dropout(StochasticLayer):
    r"""Randomly zero a fraction ``rate`` of the inputs during training.

    The template of kerasque's noise layers: the seed and the generator come
    from :class:`~kerasque.layers.stochastic.StochasticLayer`; a subclass
    changes the noise shape (:meth:`noise_pattern`, the spatial dropouts) or
    what happens to dropped units (:meth:`dropped`, AlphaDropout).

    Parameters
    ----------
    rate : float
        Drop probability in [0, 1); 0 builds no random node at all.
    noise_shape : tuple, optional
        Shape of the mask with the batch axis; an entry of 1 shares one mask
        value along that axis, ``None`` takes the input's size there.
        ``(None, 1, None)`` on ``(batch, time, features)`` drops the same
        features at every step.
    seed : int, optional
        Seeds this layer's generator; defaults to one drawn from the global
        seed (:func:`kerasque.utils.set_random_seed`).
    scaling : {'inverted', 'test'}
        The two rules of Srivastava et al. (2014), with keep probability
        :math:`p = 1 - \mathrm{rate}` and mask :math:`m \sim \mathrm{Bernoulli}(p)`:

        .. math::

            \text{inverted:}\quad y_{train} = \frac{m \odot x}{p},\quad y_{test} = x

            \text{test:}\quad y_{train} = m \odot x,\quad y_{test} = p\,x

        Both give :math:`E[y_{train}] = y_{test}`. 'inverted' is what Keras
        and PyTorch do; 'test' is the paper's weight-scaling rule and the
        seed tutorial's ``dont_dropit``.

    References
    ----------
    Srivastava, N., Hinton, G., Krizhevsky, A., Sutskever, I. and
    Salakhutdinov, R. (2014). Dropout: a simple way to prevent neural networks
    from overfitting. JMLR 15, 1929-1958.

    Examples
    --------
    >>> from kerasque.layers import Dropout
    >>> layer = Dropout(0.5, seed=1)
    """

    def __init__(self, rate, noise_shape=None, seed=None, scaling="inverted", **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.rate = check_rate(self.owner, rate)
        self.scaling = check_choice(self.owner, "scaling", scaling, ("inverted", "test"))
        self.noise_shape = _check_noise_shape(self.owner, noise_shape)

    def is_stochastic(self) -> bool:
        return self.rate > 0

    def noise_pattern(self, ndim: int):
        """The mask's shape for an input of rank ``ndim``: 1 shares, None follows the input."""
        return self.noise_shape

    def build(self, input_shape):
        pattern = self.noise_pattern(len(input_shape))
        if pattern is not None:
            if len(pattern) != len(input_shape):
                raise ValueError(
                    f"{self.owner}: noise_shape {pattern} must have one entry per input "
                    f"dimension; the input has shape {tuple(input_shape)}."
                )
            for ns, s in zip(pattern, input_shape):
                if ns not in (None, 1) and s is not None and ns != s:
                    raise ValueError(
                        f"{self.owner}: noise_shape {pattern} is incompatible with input shape "
                        f"{tuple(input_shape)} (each entry must be 1, None or the input's size)."
                    )
        super().build(input_shape)

    def keep_mask(self, inputs):
        """A 0/1 mask, 1 with probability ``1 - rate``, in the noise shape."""
        keep = 1.0 - self.rate
        pattern = self.noise_pattern(inputs.ndim)
        if pattern is None:
            return K.random_bernoulli(self.rng, keep, inputs.shape, dtype=inputs.dtype)
        shape = [inputs.shape[i] if s is None else s for i, s in enumerate(pattern)]
        mask = K.random_bernoulli(self.rng, keep, shape, dtype=inputs.dtype)
        shared = [i for i, s in enumerate(pattern) if s == 1]
        return pt.specify_broadcastable(mask, *shared) if shared else mask

    def dropped(self, inputs):
        """The training output: dropped units zeroed (and the rest scaled up if inverted)."""
        out = inputs * self.keep_mask(inputs)
        if self.scaling == "inverted":
            out = out * pt.constant(1.0 / (1.0 - self.rate), dtype=inputs.dtype)
        return out

    def deterministic(self, inputs):
        """The inference output."""
        if self.scaling == "inverted":
            return inputs
        return inputs * pt.constant(1.0 - self.rate, dtype=inputs.dtype)

    def call(self, inputs, training=None):
        if not self.is_stochastic():
            return inputs
        return K.in_train_phase(
            lambda: self.dropped(inputs), lambda: self.deterministic(inputs), training
        )

    def compute_output_dtype(self, input_dtype):
        return input_dtype

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "rate": self.rate,
            "noise_shape": None if self.noise_shape is None else list(self.noise_shape),
            "scaling": self.scaling,
        }


class _SpatialDropout(Dropout):
    """Dropout whose noise shape is fixed by the input's rank and ``data_format``."""

    rank = 0

    def __init__(self, rate, data_format=None, seed=None, **kwargs):
        # Keras 2 configs of the spatial dropouts carry noise_shape=None.
        noise_shape = kwargs.pop("noise_shape", None)
        super().__init__(rate, seed=seed, **kwargs)
        if noise_shape is not None:
            raise ValueError(
                f"{self.owner}: the noise shape of a spatial dropout is fixed (one mask value "
                f"per sample and channel); received noise_shape={noise_shape!r}. Use Dropout "
                "with noise_shape= for another pattern."
            )
        if data_format is None:
            data_format = image_data_format()
        self.data_format = check_choice(
            self.owner, "data_format", data_format, ("channels_last", "channels_first")
        )
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def noise_pattern(self, ndim: int):
        spatial = (1,) * self.rank
        if self.data_format == "channels_first":
            return (None, None, *spatial)
        return (None, *spatial, None)

    def get_config(self) -> dict:
        config = super().get_config()
        del config["noise_shape"]
        config["data_format"] = self.data_format
        return config


class SpatialDropout1D(_SpatialDropout):
    r"""Drop whole channels of a ``(batch, time, channels)`` input.

    One Bernoulli mask value per sample and channel, shared by every time
    step, with inverted scaling (keep probability :math:`p = 1 - r`):

    .. math::

        y_{b,t,c} = \frac{m_{b,c}\, x_{b,t,c}}{p},\quad m_{b,c} \sim \mathrm{Bernoulli}(p),
        \qquad y_{test} = x

    Neighbouring steps of a channel are strongly correlated, so dropping
    single entries regularizes little; dropping the whole channel does.
    ``Dropout(rate, noise_shape=(None, 1, None))`` with a fixed noise shape.

    Parameters
    ----------
    rate : float
        Drop probability in [0, 1); 0 builds no random node at all.
    seed : int, optional
        Seeds this layer's generator.

    References
    ----------
    Tompson, J., Goroshin, R., Jain, A., LeCun, Y. and Bregler, C. (2015).
    Efficient object localization using convolutional networks. CVPR.

    Examples
    --------
    >>> from kerasque.layers import SpatialDropout1D
    >>> layer = SpatialDropout1D(0.25, seed=1)
    """

    rank = 1

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(rate, data_format="channels_last", seed=seed, **kwargs)

    def get_config(self) -> dict:
        config = super().get_config()
        del config["data_format"]
        return config


class SpatialDropout2D(_SpatialDropout):
    """Drop whole feature maps of a 4-D input (one mask value per sample and channel).

    Parameters
    ----------
    rate : float
        Drop probability in [0, 1).
    data_format : {'channels_last', 'channels_first'}, optional
        Where the channels are: ``(batch, rows, cols, channels)`` or
        ``(batch, channels, rows, cols)``; defaults to
        :func:`kerasque.config.image_data_format`.
    seed : int, optional

    Examples
    --------
    >>> from kerasque.layers import SpatialDropout2D
    >>> layer = SpatialDropout2D(0.2, seed=1)
    """

    rank = 2


class SpatialDropout3D(_SpatialDropout):
    """Drop whole feature volumes of a 5-D input (one mask value per sample and channel).

    Parameters
    ----------
    rate : float
        Drop probability in [0, 1).
    data_format : {'channels_last', 'channels_first'}, optional
        ``(batch, d1, d2, d3, channels)`` or ``(batch, channels, d1, d2, d3)``.
    seed : int, optional
    """

    rank = 3


# The fixed point of SELU: zero mean and unit variance are kept by the dropout.
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


class AlphaDropout(Dropout):
    r"""Dropout that keeps the mean and variance of SELU activations.

    Dropped units take SELU's negative saturation value
    :math:`\alpha' = -\lambda\alpha` instead of 0, and an affine map restores
    zero mean and unit variance (Klambauer et al., 2017, eq. 9): with keep
    probability :math:`q = 1 - r` and mask :math:`m \sim \mathrm{Bernoulli}(q)`,

    .. math::

        y_{train} = a\,\bigl(m \odot x + (1 - m)\,\alpha'\bigr) + b,\qquad
        a = \bigl(q\,(1 + r\,\alpha'^2)\bigr)^{-1/2},\quad b = -a\,\alpha'\,r,
        \qquad y_{test} = x

    Parameters
    ----------
    rate : float
        Drop probability in [0, 1).
    noise_shape : tuple, optional
        As for :class:`Dropout`.
    seed : int, optional

    References
    ----------
    Klambauer, G., Unterthiner, T., Mayr, A. and Hochreiter, S. (2017).
    Self-normalizing neural networks. NeurIPS.

    Examples
    --------
    >>> from kerasque.layers import AlphaDropout
    >>> layer = AlphaDropout(0.1, seed=1)
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(rate, noise_shape=noise_shape, seed=seed, **kwargs)

    def dropped(self, inputs):
        rate = self.rate
        alpha_p = -_SELU_ALPHA * _SELU_SCALE
        a = ((1.0 - rate) * (1.0 + rate * alpha_p**2)) ** -0.5
        b = -a * alpha_p * rate
        keep = self.keep_mask(inputs)

        def const(v):
            return pt.constant(v, dtype=inputs.dtype)

        x = inputs * keep + (1 - keep) * const(alpha_p)
        return const(a) * x + const(b)

    def deterministic(self, inputs):
        return inputs

    def get_config(self) -> dict:
        config = super().get_config()
        del config["scaling"]
        return config


class GaussianNoise(StochasticLayer):
    r"""Add zero-centred Gaussian noise during training.

    .. math::

        y_{train} = x + \varepsilon,\quad \varepsilon \sim \mathcal{N}(0, \sigma^2),
        \qquad y_{test} = x

    A regularizer for real-valued inputs (a form of data augmentation); it
    draws fresh noise for every element at every call.

    Parameters
    ----------
    stddev : float
        :math:`\sigma`, a finite number >= 0; 0 builds no random node at all.
    seed : int, optional
        Seeds this layer's generator; defaults to one drawn from the global
        seed (:func:`kerasque.utils.set_random_seed`).

    Examples
    --------
    >>> from kerasque.layers import GaussianNoise
    >>> layer = GaussianNoise(0.1, seed=1)
    """

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.stddev = check_stddev(self.owner, stddev)

    def is_stochastic(self) -> bool:
        return self.stddev > 0

    def call(self, inputs, training=None):
        if not self.is_stochastic():
            return inputs

        def noisy():
            noise = K.random_normal(self.rng, 0.0, self.stddev, inputs.shape, dtype=inputs.dtype)
            return inputs + noise

        return K.in_train_phase(noisy, lambda: inputs, training)

    def get_config(self) -> dict:
        return {**super().get_config(), "stddev": self.stddev}


class GaussianDropout(StochasticLayer):
    r"""Multiply the inputs by Gaussian noise of mean 1 during training.

    With drop rate :math:`r` (keep probability :math:`p = 1 - r`):

    .. math::

        y_{train} = x \odot m,\quad m \sim \mathcal{N}\!\left(1, \frac{r}{1 - r}\right),
        \qquad y_{test} = x

    The noise has the mean and variance of inverted Bernoulli dropout's
    :math:`\mathrm{Bernoulli}(p)/p`, which is the multiplicative Gaussian
    noise of Srivastava et al. (2014), section 10, with
    :math:`\sigma^2 = (1 - p)/p`.

    Parameters
    ----------
    rate : float
        Drop probability in [0, 1); 0 builds no random node at all.
    seed : int, optional
        Seeds this layer's generator.

    References
    ----------
    Srivastava, N., Hinton, G., Krizhevsky, A., Sutskever, I. and
    Salakhutdinov, R. (2014). Dropout: a simple way to prevent neural networks
    from overfitting. JMLR 15, 1929-1958.

    Examples
    --------
    >>> from kerasque.layers import GaussianDropout
    >>> layer = GaussianDropout(0.2, seed=1)
    """

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.rate = check_rate(self.owner, rate)

    def is_stochastic(self) -> bool:
        return self.rate > 0

    def call(self, inputs, training=None):
        if not self.is_stochastic():
            return inputs

        def noisy():
            stddev = math.sqrt(self.rate / (1.0 - self.rate))
            noise = K.random_normal(self.rng, 1.0, stddev, inputs.shape, dtype=inputs.dtype)
            return inputs * noise

        return K.in_train_phase(noisy, lambda: inputs, training)

    def get_config(self) -> dict:
        return {**super().get_config(), "rate": self.rate}
