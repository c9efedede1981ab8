"""Random draws that the compile step can always advance.

Every draw goes through the current forward pass
(:func:`kerasque.engine.context.current`), which records the generator's
advance, so a compiled function writes the new state back and the next call
draws anew; the compile-time check refuses any draw nothing advances.

Two ways to call each function:

- Keras's: ``random_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None)``.
  Each call makes its own generator, seeded from ``seed`` or, without one,
  from kerasque's global seed (``set_random_seed``). Drawing through it in
  a compiled function gives fresh numbers per call, as Keras's Theano
  backend did.
- kerasque's, for layers that own a generator:
  ``random_normal(rng, mean, stddev, shape, dtype=None, owner=None)``, where
  ``rng`` comes from ``Layer.add_rng``; ``owner`` names the layer in errors.

The first argument tells them apart: a generator variable selects the
second form.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytensor.tensor as pt
from pytensor.tensor.random.type import RandomGeneratorType

from kerasque.config import floatx
from kerasque.engine import context
from kerasque.utils.random_state import next_seed

__all__ = [
    "add_update",
    "dropout",
    "random_bernoulli",
    "random_binomial",
    "random_normal",
    "random_uniform",
    "truncated_normal",
]

_COUNTER = itertools.count(1)


def _is_generator(x) -> bool:
    return isinstance(getattr(x, "type", None), RandomGeneratorType)


def _size(shape):
    if isinstance(shape, (list, tuple)):
        return tuple(shape)
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    return shape


def _generator(kind: str, seed):
    if seed is not None and (
        isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0
    ):
        raise ValueError(f"{kind}: seed must be a non-negative integer or None, received {seed!r}.")
    seed = next_seed() if seed is None else int(seed)
    return pt.random.shared_rng(seed=seed, name=f"{kind}_{next(_COUNTER)}/rng")


def _draw(rng, distribution, *params, shape, dtype=None, owner=None):
    return context.current().draw(
        rng, distribution, *params, size=_size(shape), dtype=dtype, owner=owner
    )


# -- the generator form (layers) -------------------------------------------------
def _bernoulli_from(rng, p, shape, dtype=None, owner=None):
    return pt.cast(_draw(rng, "bernoulli", p, shape=shape, owner=owner), dtype or floatx())


def _normal_from(rng, mean, stddev, shape, dtype=None, owner=None):
    return _draw(rng, "normal", mean, stddev, shape=shape, dtype=dtype or floatx(), owner=owner)


def _uniform_from(rng, low, high, shape, dtype=None, owner=None):
    return _draw(rng, "uniform", low, high, shape=shape, dtype=dtype or floatx(), owner=owner)


# -- Keras's form ----------------------------------------------------------------------
def _keras_uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    return _uniform_from(_generator("random_uniform", seed), minval, maxval, shape, dtype)


def _keras_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    return _normal_from(_generator("random_normal", seed), mean, stddev, shape, dtype)


def _keras_binomial(shape, p=0.0, dtype=None, seed=None, kind="random_binomial"):
    if not 0 <= p <= 1:
        raise ValueError(f"{kind}: p must be in [0, 1], received {p!r}.")
    return _bernoulli_from(_generator(kind, seed), p, shape, dtype)


def random_uniform(*args, **kwargs):
    """Samples of U(minval, maxval).

    ``random_uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None)``
    (Keras) or ``random_uniform(rng, low, high, shape, dtype=None, owner=None)``
    (a layer's generator); see the module docstring.
    """
    if args and _is_generator(args[0]):
        return _uniform_from(*args, **kwargs)
    return _keras_uniform(*args, **kwargs)


def random_normal(*args, **kwargs):
    """Samples of N(mean, stddev**2).

    ``random_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None)``
    (Keras) or ``random_normal(rng, mean, stddev, shape, dtype=None, owner=None)``.
    """
    if args and _is_generator(args[0]):
        return _normal_from(*args, **kwargs)
    return _keras_normal(*args, **kwargs)


def random_bernoulli(*args, **kwargs):
    """0/1 samples with ``P(1) = p``, as ``dtype`` (floatx by default).

    ``random_bernoulli(shape, p=0.0, dtype=None, seed=None)`` (Keras 3) or
    ``random_bernoulli(rng, p, shape, dtype=None, owner=None)``.
    """
    if args and _is_generator(args[0]):
        return _bernoulli_from(*args, **kwargs)
    return _keras_binomial(*args, kind="random_bernoulli", **kwargs)


def random_binomial(shape, p=0.0, dtype=None, seed=None):
    """0/1 samples with ``P(1) = p`` (Keras 2's name for :func:`random_bernoulli`)."""
    return _keras_binomial(shape, p, dtype, seed)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Samples of N(mean, stddev**2) restricted to two standard deviations of the mean.

    Drawn exactly by inverting the normal CDF on the uniform interval that
    maps to ``[-2, 2]``.
    """
    dtype = dtype or floatx()
    # U(a, 1 - a) with a = Phi(-2); z = sqrt(2) * erfinv(2u - 1) is N(0, 1) cut at +-2.
    low = 0.5 * (1.0 + math.erf(-2.0 / math.sqrt(2.0)))
    u = _uniform_from(_generator("truncated_normal", seed), low, 1.0 - low, shape, dtype)
    z = pt.erfinv(2.0 * u - 1.0) * np.asarray(math.sqrt(2.0), dtype=dtype)
    return pt.cast(mean + stddev * z, dtype)


def dropout(x, level, noise_shape=None, seed=None):
    """``x`` with a fraction ``level`` of entries set to 0, the rest scaled by ``1 / (1 - level)``.

    Always drops (it has no phase); use it inside ``K.in_train_phase``.
    ``noise_shape`` (a tuple, ``None`` entries taking ``x``'s size) shares
    the mask along axes of size 1.
    """
    x = pt.as_tensor_variable(x)
    if (
        isinstance(level, bool)
        or not isinstance(level, (int, float, np.number))
        or not 0 <= level < 1
    ):
        raise ValueError(f"dropout: level must be a number in [0, 1), received {level!r}.")
    keep = 1.0 - float(level)
    if noise_shape is None:
        shape = x.shape
    else:
        shape = tuple(x.shape[i] if s is None else int(s) for i, s in enumerate(noise_shape))
    mask = _keras_binomial(shape, keep, x.dtype, seed, kind="dropout")
    if noise_shape is not None:
        mask = pt.specify_broadcastable(mask, *[i for i, s in enumerate(noise_shape) if s == 1])
    return x * mask / np.asarray(keep, dtype=x.dtype)


def add_update(variable, value, owner=None) -> None:
    """Record a layer-state update (e.g. a moving average) for the layer call being built."""
    context.current().add_update(variable, value, owner)
