"""Where ``fit``, ``evaluate`` and ``predict`` take their batches from.

:class:`HostBatches` slices NumPy arrays with a shuffled index per batch.
:class:`DeviceBatches` (the JAX mode) copies the data to the JAX device once
per ``fit`` / ``evaluate`` / ``predict`` call, shuffles it there with one
gather per epoch, and cuts each batch with a jitted slice, so no batch is
copied from the host and no call waits for the previous one (issue 5: "no
host copies between batches"). Data larger than :data:`DEVICE_LIMIT` bytes
stays on the host.
"""

from __future__ import annotations

import numpy as np

#: Largest dataset (bytes, all arrays together) that ``DeviceBatches`` copies
#: to the device; the shuffled copy doubles it while an epoch runs.
DEVICE_LIMIT = 1 << 30


class HostBatches:
    """Batches cut from NumPy arrays (every mode but JAX)."""

    def __init__(self, arrays):
        self.arrays = list(arrays)
        self._order = None

    def epoch(self, order=None) -> None:
        """Start an epoch that visits the samples in ``order`` (None: as stored)."""
        self._order = order

    def batch(self, start: int, stop: int) -> list:
        if self._order is None:
            return [a[start:stop] for a in self.arrays]
        idx = self._order[start:stop]
        return [a[idx] for a in self.arrays]


class DeviceBatches:
    """Batches cut on the JAX device from arrays copied there once.

    Parameters
    ----------
    arrays : list of numpy.ndarray
        The data, one array per model input and target, samples first.
    dtypes : list of str
        The compiled function's input dtypes; the arrays are cast once here
        rather than at every call.
    """

    def __init__(self, arrays, dtypes):
        import jax

        self.arrays = [jax.device_put(np.asarray(a, dtype=d)) for a, d in zip(arrays, dtypes)]
        self._current = self.arrays

    def epoch(self, order=None) -> None:
        self._current = self.arrays if order is None else _take(self.arrays, np.asarray(order))

    def batch(self, start: int, stop: int) -> list:
        return _slice(self._current, start, stop - start)


def batches_for(arrays, dtypes, on_device: bool):
    """:class:`DeviceBatches` when asked for and the data fits, else :class:`HostBatches`."""
    # 64-bit inputs stay on the host: outside a float64 graph's 64-bit scope
    # (see kerasque.engine.jax_linker.JaxLinker), JAX would store them in 32 bits.
    wide = any(np.dtype(d).itemsize > 4 for d in dtypes or ())
    if on_device and not wide and sum(np.asarray(a).nbytes for a in arrays) <= DEVICE_LIMIT:
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
