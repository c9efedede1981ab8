"""Noise layers: Dropout, GaussianNoise, GaussianDropout, SpatialDropout1D.

Every mask or noise tensor is drawn from the layer's own generator through
:func:`kerasque.backend.random_bernoulli` or
:func:`kerasque.backend.random_normal`, so the compile step writes the
generator's advance back and two calls of a training function never share a
mask. At inference (``training=False``) each layer is the identity and builds
no random node; with a rate or standard deviation of 0 it builds none at all.
"""

from __future__ import annotations

import math
import numbers

import pytensor.tensor as pt

from kerasque import backend as K
from kerasque.engine.base_layer import InputSpec, Layer
from kerasque.utils.random_state import next_seed


def check_rate(owner: str, rate) -> float:
    """Validate a drop probability in [0, 1)."""
    if isinstance(rate, bool) or not isinstance(rate, numbers.Real):
        raise TypeError(f"{owner}: rate must be a number in [0, 1), received {rate!r}.")
    if not 0 <= rate < 1:
        raise ValueError(
            f"{owner}: rate must be a number in [0, 1), received {rate!r}. "
            "It is the fraction of units to drop (0.5 drops half)."
        )
    return float(rate)


def check_seed(owner: str, seed):
    if seed is None:
        return next_seed()
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"{owner}: seed must be a non-negative integer or None, received {seed!r}.")
    return int(seed)


class Dropout(Layer):
    r"""Randomly zero a fraction ``rate`` of the inputs during training.

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

    supports_masking = True

    def __init__(self, rate, noise_shape=None, seed=None, scaling="inverted", **kwargs):
        super().__init__(**kwargs)
        owner = f"Dropout {self.name!r}"
        self.rate = check_rate(owner, rate)
        if scaling not in ("inverted", "test"):
            raise ValueError(f"{owner}: scaling must be 'inverted' or 'test', received {scaling!r}.")
        self.scaling = scaling
        if noise_shape is not None:
            try:
                noise_shape = tuple(None if s is None else int(s) for s in noise_shape)
            except TypeError:
                raise TypeError(
                    f"{owner}: noise_shape must be a tuple of ints or None, received {noise_shape!r}."
                ) from None
        self.noise_shape = noise_shape
        self.seed = check_seed(owner, seed)
        self.rng = None

    def build(self, input_shape):
        if self.noise_shape is not None:
            if len(self.noise_shape) != len(input_shape):
                raise ValueError(
                    f"Dropout {self.name!r}: noise_shape {self.noise_shape} must have one entry "
                    f"per input dimension; the input has shape {tuple(input_shape)}."
                )
            for ns, s in zip(self.noise_shape, input_shape):
                if ns not in (None, 1) and s is not None and ns != s:
                    raise ValueError(
                        f"Dropout {self.name!r}: noise_shape {self.noise_shape} is incompatible "
                        f"with input shape {tuple(input_shape)} (each entry must be 1, None or "
                        "the input's size)."
                    )
        if self.rate > 0:
            self.rng = self.add_rng(self.seed)

    def _mask(self, inputs):
        keep = 1.0 - self.rate
        if self.noise_shape is None:
            return K.random_bernoulli(self.rng, keep, inputs.shape, dtype=inputs.dtype)
        shape = [inputs.shape[i] if s is None else s for i, s in enumerate(self.noise_shape)]
        mask = K.random_bernoulli(self.rng, keep, shape, dtype=inputs.dtype)
        shared = [i for i, s in enumerate(self.noise_shape) if s == 1]
        return pt.specify_broadcastable(mask, *shared) if shared else mask

    def call(self, inputs, training=None):
        if self.rate == 0:
            return inputs
        keep = 1.0 - self.rate

        def dropped():
            out = inputs * self._mask(inputs)
            if self.scaling == "inverted":
                out = out * pt.constant(1.0 / keep, dtype=inputs.dtype)
            return out

        def deterministic():
            if self.scaling == "inverted":
                return inputs
            return inputs * pt.constant(keep, dtype=inputs.dtype)

        return K.in_train_phase(dropped, deterministic, training)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "rate": self.rate,
            "noise_shape": None if self.noise_shape is None else list(self.noise_shape),
            "seed": self.seed,
            "scaling": self.scaling,
        }


def check_stddev(owner: str, stddev) -> float:
    """Validate a noise standard deviation: a finite number >= 0."""
    ok = isinstance(stddev, numbers.Real) and not isinstance(stddev, bool)
    if not ok or not math.isfinite(stddev) or stddev < 0:
        raise ValueError(
            f"{owner}: stddev must be a finite number >= 0, received {stddev!r}. "
            "It is the standard deviation of the added noise (0 disables it)."
        )
    return float(stddev)


class _NoiseLayer(Layer):
    """Shared machinery of the noise layers below.

    A subclass sets its parameters, says when it is active
    (:meth:`_active`) and builds the noisy output (:meth:`_noisy`). The
    generator is created only when the layer is active, and the inference
    branch is always the identity.
    """

    supports_masking = True

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = check_seed(self._owner, seed)
        self.rng = None

    @property
    def _owner(self) -> str:
        return f"{type(self).__name__} {self.name!r}"

    def _active(self) -> bool:
        raise NotImplementedError

    def _noisy(self, inputs):
        raise NotImplementedError

    def build(self, input_shape):
        if self._active():
            self.rng = self.add_rng(self.seed)

    def call(self, inputs, training=None):
        if not self._active():
            return inputs
        return K.in_train_phase(lambda: self._noisy(inputs), lambda: inputs, training)

    def get_config(self) -> dict:
        return {**super().get_config(), "seed": self.seed}


class GaussianNoise(_NoiseLayer):
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
        self.stddev = check_stddev(self._owner, stddev)

    def _active(self) -> bool:
        return self.stddev > 0

    def _noisy(self, inputs):
        noise = K.random_normal(self.rng, 0.0, self.stddev, inputs.shape, dtype=inputs.dtype)
        return inputs + noise

    def get_config(self) -> dict:
        return {**super().get_config(), "stddev": self.stddev}


class GaussianDropout(_NoiseLayer):
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
        self.rate = check_rate(self._owner, rate)

    def _active(self) -> bool:
        return self.rate > 0

    def _noisy(self, inputs):
        stddev = math.sqrt(self.rate / (1.0 - self.rate))
        noise = K.random_normal(self.rng, 1.0, stddev, inputs.shape, dtype=inputs.dtype)
        return inputs * noise

    def get_config(self) -> dict:
        return {**super().get_config(), "rate": self.rate}


class SpatialDropout1D(_NoiseLayer):
    r"""Drop whole channels of a ``(batch, time, channels)`` input.

    One Bernoulli mask value per sample and channel, shared by every time
    step, with inverted scaling (keep probability :math:`p = 1 - r`):

    .. math::

        y_{b,t,c} = \frac{m_{b,c}\, x_{b,t,c}}{p},\quad m_{b,c} \sim \mathrm{Bernoulli}(p),
        \qquad y_{test} = x

    Neighbouring steps of a channel are strongly correlated, so dropping
    single entries regularizes little; dropping the whole channel does.
    Equivalent to ``Dropout(rate, noise_shape=(None, 1, None))``.

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

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.rate = check_rate(self._owner, rate)
        self.input_spec = InputSpec(ndim=3)

    def _active(self) -> bool:
        return self.rate > 0

    def _noisy(self, inputs):
        keep = 1.0 - self.rate
        shape = (inputs.shape[0], 1, inputs.shape[2])
        mask = K.random_bernoulli(self.rng, keep, shape, dtype=inputs.dtype)
        mask = pt.specify_broadcastable(mask, 1)
        return inputs * mask * pt.constant(1.0 / keep, dtype=inputs.dtype)

    def get_config(self) -> dict:
        return {**super().get_config(), "rate": self.rate}
