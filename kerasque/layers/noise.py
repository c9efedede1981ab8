"""Dropout: stochastic regularization of activations.

Every mask is drawn from the layer's own generator through
:func:`kerasque.backend.random_bernoulli`, so the compile step writes the
generator's advance back and two calls of a training function never share a
mask.
"""

from __future__ import annotations

import numbers

import pytensor.tensor as pt

from kerasque import backend as K
from kerasque.engine.base_layer import Layer
from kerasque.utils.random_state import next_seed


def check_rate(owner: str, rate) -> float:
    """Validate a drop probability in [0, 1)."""
    if isinstance(rate, bool) or not isinstance(rate, numbers.Real) or not 0 <= rate < 1:
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
