"""Batches on the JAX device (:class:`DeviceBatches`).

The JAX mode copies the data to the device once per ``fit`` / ``evaluate`` /
``predict`` call, shuffles it there with one gather per epoch, and cuts each
batch with a jitted slice, so no batch is copied from the host and no call
waits for the previous one. Data larger than :data:`DEVICE_LIMIT` bytes, and
64-bit data, stay on the host (:class:`kerasque.engine.batches.HostBatches`).
"""

from __future__ import annotations

import numpy as np

from kerasque.engine.batches import HostBatches

#: Largest dataset (bytes, all arrays together) that ``DeviceBatches`` copies
#: to the device; the shuffled copy doubles it while an epoch runs.
DEVICE_LIMIT = 1 << 30


class DeviceBatches:
    """Batches cut on the JAX device from arrays copied there once.

    Parameters
    ----------
    arrays : list of numpy.ndarray
        The data, one array per function input, samples first.
    dtypes : list of str
        The compiled function's input dtypes; the arrays are cast once here
        rather than at every call.
    """

    def __init__(self, arrays, dtypes):
        import jax

        self.arrays = [jax.device_put(np.asarray(a, dtype=d)) for a, d in zip(arrays, dtypes)]
        self._current = self.arrays

    def epoch(self, order=None) -> None:
        """Start an epoch that visits the samples in ``order`` (None: as stored)."""
        self._current = self.arrays if order is None else _take(self.arrays, np.asarray(order))

    def batch(self, start: int, stop: int) -> list:
        return _slice(self._current, start, stop - start)


def device_batches(arrays, dtypes):
    """:class:`DeviceBatches` when the data fits and is 32-bit, else :class:`HostBatches`."""
    # 64-bit inputs stay on the host: outside a float64 graph's 64-bit scope
    # (see kerasque.engine.jax.linker.JaxLinker), JAX would store them in 32 bits.
    wide = any(np.dtype(d).itemsize > 4 for d in dtypes)
    if not wide and sum(np.asarray(a).nbytes for a in arrays) <= DEVICE_LIMIT:
        return DeviceBatches(arrays, dtypes)
    return HostBatches(arrays)


_jitted: dict = {}


def _take(arrays, order):
    if "take" not in _jitted:
        import jax

        _jitted["take"] = jax.jit(lambda arrs, idx: [a[idx] for a in arrs])
    return _jitted["take"](arrays, order)


def _slice(arrays, start, size):
    if "slice" not in _jitted:
        import jax

        def cut(arrs, start, size):
            return [jax.lax.dynamic_slice_in_dim(a, start, size) for a in arrs]

        _jitted["slice"] = jax.jit(cut, static_argnums=2)
    return _jitted["slice"](arrays, start, size)
