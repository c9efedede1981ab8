"""Where ``fit``, ``evaluate`` and ``predict`` take their batches from.

A batch source has two methods: ``epoch(order)`` starts an epoch that visits
the samples in ``order`` (None: as stored) and ``batch(start, stop)`` returns
the arrays of one batch. :class:`HostBatches` slices NumPy arrays; each mode's
compiled function picks its source (``CompiledFunction.batches``), e.g. the
JAX mode's device-resident :class:`kerasque.engine.jax.batches.DeviceBatches`.
"""

from __future__ import annotations


class HostBatches:
    """Batches cut from NumPy arrays."""

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
