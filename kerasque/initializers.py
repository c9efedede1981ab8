"""Weight initialisers by name; each draws from an explicit NumPy Generator.

Initialisers are functions ``init(shape, dtype, rng) -> ndarray``. Fans
follow Keras: for a kernel of shape ``(..., fan_in, fan_out)`` the receptive
field is the product of the leading axes.
"""

from __future__ import annotations

import numpy as np

from kerasque.utils.generic import lookup


def _fans(shape):
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive = int(np.prod(shape[:-2])) if len(shape) > 2 else 1
    return shape[-2] * receptive, shape[-1] * receptive


def zeros(shape, dtype, rng):
    return np.zeros(shape, dtype=dtype)


def ones(shape, dtype, rng):
    return np.ones(shape, dtype=dtype)


def uniform(shape, dtype, rng):
    """U(-0.05, 0.05), Keras's default for embeddings."""
    return rng.uniform(-0.05, 0.05, size=shape).astype(dtype)


def random_normal(shape, dtype, rng):
    """N(0, 0.05**2)."""
    return rng.normal(0.0, 0.05, size=shape).astype(dtype)


def glorot_uniform(shape, dtype, rng):
    """U(-l, l) with l = sqrt(6 / (fan_in + fan_out)) (Glorot and Bengio, 2010)."""
    fan_in, fan_out = _fans(shape)
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=shape).astype(dtype)


def glorot_normal(shape, dtype, rng):
    """Truncated-free normal with std sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _fans(shape)
    return rng.normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)), size=shape).astype(dtype)


def he_normal(shape, dtype, rng):
    """N(0, 2 / fan_in) (He et al., 2015)."""
    fan_in, _ = _fans(shape)
    return rng.normal(0.0, np.sqrt(2.0 / fan_in), size=shape).astype(dtype)


def he_uniform(shape, dtype, rng):
    """U(-l, l) with l = sqrt(6 / fan_in)."""
    fan_in, _ = _fans(shape)
    limit = np.sqrt(6.0 / fan_in)
    return rng.uniform(-limit, limit, size=shape).astype(dtype)


def orthogonal(shape, dtype, rng):
    """A (semi-)orthogonal matrix from the QR decomposition of a Gaussian.

    For ``(units, 3 * units)`` recurrent kernels each row set is orthonormal.
    """
    if len(shape) < 2:
        raise ValueError(f"orthogonal initializer needs at least 2 dimensions, received shape {shape}.")
    rows, cols = int(np.prod(shape[:-1])), shape[-1]
    a = rng.normal(0.0, 1.0, size=(max(rows, cols), min(rows, cols)))
    q, r = np.linalg.qr(a)
    q *= np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return q[:rows, :cols].reshape(shape).astype(dtype)


INITIALIZERS = {
    "zeros": zeros,
    "ones": ones,
    "uniform": uniform,
    "random_normal": random_normal,
    "glorot_uniform": glorot_uniform,
    "glorot_normal": glorot_normal,
    "he_normal": he_normal,
    "he_uniform": he_uniform,
    "orthogonal": orthogonal,
}


def get(identifier):
    """Return an initialiser from a name or a callable ``(shape, dtype, rng)``."""
    if callable(identifier):
        return identifier
    return lookup("initializer", identifier, INITIALIZERS)


def serialize(fn) -> str:
    for name, f in INITIALIZERS.items():
        if f is fn:
            return name
    return getattr(fn, "__name__", repr(fn))
