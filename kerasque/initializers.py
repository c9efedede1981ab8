"""Weight initializers: Keras 2 and Keras 3 names and classes, drawing with NumPy.

An initializer is called as ``init(shape, dtype=None, rng=None)`` and returns
a NumPy array. A seeded initializer (``RandomNormal(seed=1)``) draws from its
own seed, the same values at every call, as in Keras; an unseeded one draws
from ``rng``, the generator the layer passes (spawned from the global seed,
:func:`kerasque.utils.set_random_seed`). Fans follow Keras: for a kernel of
shape ``(..., fan_in, fan_out)`` the receptive field is the product of the
leading axes.

Names: each class by its name (``'GlorotUniform'``) and its snake-case name
(``'glorot_uniform'``), plus Keras's aliases (``'normal'``, ``'uniform'``,
``'zero'``, ``'one'``). The lowercase module attributes (``glorot_uniform``,
``he_normal``, ...) are the classes, so ``glorot_uniform(seed=1)`` works as in
Keras 2 and Keras 3 alike.

Examples
--------
>>> from kerasque import initializers
>>> initializers.get("he_normal")
HeNormal(seed=None)
>>> initializers.serialize(initializers.Constant(0.5))
{'class_name': 'Constant', 'config': {'value': 0.5}}
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from kerasque.config import floatx
from kerasque.utils import object_config
from kerasque.utils.random_state import numpy_generator
from kerasque.utils.validation import ArgumentTypeError, check_choice, check_number

# Keras's truncated normal keeps draws within two standard deviations; this is
# the standard deviation of a unit normal truncated there.
_TRUNCATED_STD = 0.87962566103423978


def _fans(shape):
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive = int(np.prod(shape[:-2])) if len(shape) > 2 else 1
    return shape[-2] * receptive, shape[-1] * receptive


def _compute_fans(shape, data_format: str = "channels_last"):
    """Keras 2's ``(fan_in, fan_out)`` of a kernel shape, in either data format."""
    shape = tuple(shape)
    if data_format == "channels_first" and len(shape) > 2:
        receptive = int(np.prod(shape[2:]))
        return shape[1] * receptive, shape[0] * receptive
    return _fans(shape)


def _check_seed(owner: str, seed):
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"{owner}: seed must be a non-negative integer or None, received {seed!r}.")
    if seed < 0:
        raise ValueError(
            f"{owner}: seed must be a non-negative integer or None, received {seed!r}."
        )
    return int(seed)


def _truncated_normal(rng, mean: float, stddev: float, shape) -> np.ndarray:
    """Normal draws redrawn until they lie within two standard deviations of ``mean``."""
    out = rng.normal(0.0, 1.0, size=shape)
    bad = np.abs(out) > 2
    while bad.any():
        out[bad] = rng.normal(0.0, 1.0, size=int(bad.sum()))
        bad = np.abs(out) > 2
    return mean + stddev * out


class Initializer:
    """Base class: ``init(shape, dtype=None, rng=None) -> ndarray``.

    Subclasses implement :meth:`sample` and :meth:`get_config`.
    """

    def __call__(self, shape, dtype=None, rng=None):
        shape = tuple(int(s) for s in shape)
        dtype = dtype or floatx()
        return np.asarray(self.sample(shape, self._generator(rng)), dtype=dtype)

    def _generator(self, rng):
        return rng

    def sample(self, shape, rng) -> np.ndarray:
        raise NotImplementedError(f"{type(self).__name__} must implement sample().")

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"

    def __eq__(self, other):
        return type(other) is type(self) and other.get_config() == self.get_config()

    def __hash__(self):
        return hash(type(self).__name__)


class Zeros(Initializer):
    """All zeros."""

    def sample(self, shape, rng):
        return np.zeros(shape)


class Ones(Initializer):
    """All ones."""

    def sample(self, shape, rng):
        return np.ones(shape)


class Constant(Initializer):
    """Every entry ``value`` (a finite number).

    Parameters
    ----------
    value : float
    """

    def __init__(self, value=0):
        self.value = check_number("Constant", "value", value)

    def sample(self, shape, rng):
        return np.full(shape, self.value)

    def get_config(self) -> dict:
        return {"value": self.value}


class _Random(Initializer):
    """An initializer that draws: seeded ones repeat, unseeded ones use the layer's generator."""

    def __init__(self, seed=None):
        self.seed = _check_seed(type(self).__name__, seed)

    def _generator(self, rng):
        if self.seed is not None:
            return np.random.default_rng(self.seed)
        return rng if rng is not None else numpy_generator()

    def get_config(self) -> dict:
        return {"seed": self.seed}


class RandomNormal(_Random):
    """``N(mean, stddev**2)``; Keras's default ``stddev`` is 0.05.

    Parameters
    ----------
    mean : float
    stddev : float
        A finite number >= 0.
    seed : int, optional
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.mean = check_number("RandomNormal", "mean", mean)
        self.stddev = check_number("RandomNormal", "stddev", stddev, low=0)

    def sample(self, shape, rng):
        return rng.normal(self.mean, self.stddev, size=shape)

    def get_config(self) -> dict:
        return {"mean": self.mean, "stddev": self.stddev, **super().get_config()}


class TruncatedNormal(RandomNormal):
    """``N(mean, stddev**2)`` with draws beyond two standard deviations redrawn."""

    def sample(self, shape, rng):
        return _truncated_normal(rng, self.mean, self.stddev, shape)


class RandomUniform(_Random):
    """``U(minval, maxval)``; Keras's default is ``U(-0.05, 0.05)``.

    Parameters
    ----------
    minval, maxval : float
        Finite, ``minval <= maxval``.
    seed : int, optional
    """

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        super().__init__(seed)
        self.minval = check_number("RandomUniform", "minval", minval)
        self.maxval = check_number("RandomUniform", "maxval", maxval, low=self.minval)

    def sample(self, shape, rng):
        return rng.uniform(self.minval, self.maxval, size=shape)

    def get_config(self) -> dict:
        return {"minval": self.minval, "maxval": self.maxval, **super().get_config()}


class VarianceScaling(_Random):
    r"""Draws scaled to the fans: variance ``scale / n``.

    ``n`` is ``fan_in``, ``fan_out`` or their mean (``mode``). With
    ``distribution='uniform'`` the draws are :math:`U(-l, l)` with
    :math:`l = \sqrt{3\,\mathrm{scale}/n}`; 'truncated_normal' (Keras 2's
    'normal') and 'untruncated_normal' have standard deviation
    :math:`\sqrt{\mathrm{scale}/n}`.

    Parameters
    ----------
    scale : float
        A finite number > 0.
    mode : {'fan_in', 'fan_out', 'fan_avg'}
    distribution : {'truncated_normal', 'untruncated_normal', 'uniform', 'normal'}
    seed : int, optional
    """

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None):
        super().__init__(seed)
        owner = type(self).__name__
        self.scale = check_number(owner, "scale", scale, low=0, low_open=True)
        self.mode = check_choice(owner, "mode", mode, ("fan_in", "fan_out", "fan_avg"))
        if isinstance(distribution, str) and distribution.lower() == "normal":
            distribution = "truncated_normal"  # Keras 2's 'normal' was truncated
        self.distribution = check_choice(
            owner,
            "distribution",
            distribution,
            ("truncated_normal", "untruncated_normal", "uniform"),
        )

    def _n(self, shape) -> float:
        fan_in, fan_out = _fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        return max(1.0, n)

    def sample(self, shape, rng):
        variance = self.scale / self._n(shape)
        if self.distribution == "uniform":
            limit = math.sqrt(3.0 * variance)
            return rng.uniform(-limit, limit, size=shape)
        if self.distribution == "untruncated_normal":
            return rng.normal(0.0, math.sqrt(variance), size=shape)
        return _truncated_normal(rng, 0.0, math.sqrt(variance) / _TRUNCATED_STD, shape)

    def get_config(self) -> dict:
        return {
            "scale": self.scale,
            "mode": self.mode,
            "distribution": self.distribution,
            **super().get_config(),
        }


class _Preset(VarianceScaling):
    """A VarianceScaling with fixed arguments; its config is the seed alone."""

    preset: tuple = ()

    def __init__(self, seed=None):
        scale, mode, distribution = self.preset
        super().__init__(scale=scale, mode=mode, distribution=distribution, seed=seed)

    def get_config(self) -> dict:
        return {"seed": self.seed}


class GlorotUniform(_Preset):
    """``U(-l, l)``, ``l = sqrt(6 / (fan_in + fan_out))`` (Glorot and Bengio, 2010)."""

    preset = (1.0, "fan_avg", "uniform")


class GlorotNormal(_Preset):
    """Truncated normal, standard deviation ``sqrt(2 / (fan_in + fan_out))``."""

    preset = (1.0, "fan_avg", "truncated_normal")


class HeUniform(_Preset):
    """``U(-l, l)``, ``l = sqrt(6 / fan_in)`` (He et al., 2015)."""

    preset = (2.0, "fan_in", "uniform")


class HeNormal(_Preset):
    """Truncated normal, standard deviation ``sqrt(2 / fan_in)`` (He et al., 2015)."""

    preset = (2.0, "fan_in", "truncated_normal")


class LecunUniform(_Preset):
    """``U(-l, l)``, ``l = sqrt(3 / fan_in)`` (LeCun et al., 1998)."""

    preset = (1.0, "fan_in", "uniform")


class LecunNormal(_Preset):
    """Truncated normal, standard deviation ``sqrt(1 / fan_in)`` (SELU's initializer)."""

    preset = (1.0, "fan_in", "truncated_normal")


class Orthogonal(_Random):
    """A (semi-)orthogonal matrix times ``gain``, from the QR decomposition of a Gaussian.

    The leading axes are flattened into rows, so for ``(units, 3 * units)``
    recurrent kernels each row set is orthonormal.

    Parameters
    ----------
    gain : float
        A finite multiplier.
    seed : int, optional
    """

    def __init__(self, gain=1.0, seed=None):
        super().__init__(seed)
        self.gain = check_number("Orthogonal", "gain", gain)

    def sample(self, shape, rng):
        if len(shape) < 2:
            raise ValueError(
                f"Orthogonal initializer needs at least 2 dimensions, received shape {shape}."
            )
        rows, cols = int(np.prod(shape[:-1])), shape[-1]
        a = rng.normal(0.0, 1.0, size=(max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(a)
        q *= np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return self.gain * q[:rows, :cols].reshape(shape)

    def get_config(self) -> dict:
        return {"gain": self.gain, **super().get_config()}


class Identity(Initializer):
    """``gain`` times the identity matrix; ``(n, k * n)`` and ``(k * n, n)`` get k identities.

    Keras 2's rule: the stacked form initializes a recurrent kernel whose
    gates are concatenated (``(units, 3 * units)``) with one identity per gate.

    Parameters
    ----------
    gain : float
    """

    def __init__(self, gain=1.0):
        self.gain = check_number("Identity", "gain", gain)

    def sample(self, shape, rng):
        rows, cols = (shape + (0, 0))[:2]
        if len(shape) != 2 or min(shape) == 0 or max(shape) % min(shape):
            raise ValueError(
                f"Identity initializer needs a 2-D shape whose larger size is a multiple of the "
                f"smaller (one identity per block), received shape {shape}."
            )
        eye = np.eye(min(rows, cols))
        blocks = max(rows, cols) // min(rows, cols)
        return self.gain * np.concatenate([eye] * blocks, axis=1 if cols > rows else 0)

    def get_config(self) -> dict:
        return {"gain": self.gain}


CLASSES = (
    Zeros,
    Ones,
    Constant,
    RandomNormal,
    RandomUniform,
    TruncatedNormal,
    VarianceScaling,
    Orthogonal,
    Identity,
    GlorotNormal,
    GlorotUniform,
    HeNormal,
    HeUniform,
    LecunNormal,
    LecunUniform,
)
ALIASES = {
    "normal": RandomNormal,
    "uniform": RandomUniform,
    "zero": Zeros,
    "one": Ones,
    "IdentityInitializer": Identity,
    "OrthogonalInitializer": Orthogonal,
}
TABLE = object_config.name_table(CLASSES, ALIASES)

# Keras 2's lowercase functions and Keras 3's aliases: the classes themselves.
zeros, ones, constant = Zeros, Ones, Constant
random_normal = normal = RandomNormal
random_uniform = uniform = RandomUniform
truncated_normal = TruncatedNormal
variance_scaling, orthogonal, identity = VarianceScaling, Orthogonal, Identity
glorot_normal, glorot_uniform = GlorotNormal, GlorotUniform
he_normal, he_uniform = HeNormal, HeUniform
lecun_normal, lecun_uniform = LecunNormal, LecunUniform


def serialize(initializer):
    """``{"class_name": ..., "config": ...}`` for an Initializer; a user function's name."""
    return object_config.serialize(initializer, Initializer, "initializer")


def deserialize(config, custom_objects: dict | None = None):
    """An initializer from a Keras 2 or Keras 3 config (or a name)."""
    return object_config.deserialize(config, TABLE, Initializer, "initializer", custom_objects)


def get(identifier):
    """An initializer from an instance, a class, a name, a config dict or a function.

    A function ``fn(shape, dtype=None)`` written for Keras is accepted: it is
    called without the generator.
    """
    if identifier is None:
        raise ArgumentTypeError(
            "initializer must be a name, an Initializer or a function, received None."
        )
    init = object_config.get(identifier, TABLE, Initializer, "initializer")
    if isinstance(init, Initializer):
        return init
    return object_config.without_rng(init)
