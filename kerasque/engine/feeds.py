"""Where the loops take their batches from: arrays, a ``Sequence`` or a generator.

A feed yields :class:`Batch` objects for one epoch (``epoch()``) and is told
when the epoch is over (``end_epoch()``, which calls a Sequence's
``on_epoch_end``). Shuffled orders are drawn from the model's shuffle
generator, which is saved with the model, so a resumed run visits the same
batches in the same order.
"""

from __future__ import annotations

import inspect

import numpy as np

from kerasque.utils.data_utils import Sequence


class Batch:
    """The arrays of one batch (inputs, targets, weights), its size, and whether it is weighted."""

    __slots__ = ("args", "size", "weighted")

    def __init__(self, args, size: int, weighted: bool = False):
        self.args = args
        self.size = size
        self.weighted = weighted


def is_batch_source(data) -> bool:
    """Whether ``data`` is a Sequence or a generator / iterator of batches (not arrays)."""
    if isinstance(data, Sequence) or inspect.isgenerator(data):
        return True
    return hasattr(data, "__next__") and not isinstance(data, (np.ndarray, list, tuple, dict))


class ArrayFeed:
    """Epochs over arrays in memory, cut by a compiled function's batch source.

    Parameters
    ----------
    batches : batch source
        From ``CompiledFunction.batches(arrays)``.
    n, batch_size : int
    shuffle : bool or 'batch'
    rng : numpy.random.Generator
        The model's shuffle generator.
    weighted : bool
        Whether the arrays end with sample weights.
    steps : int, optional
        At most this many batches per epoch.
    """

    def __init__(self, batches, n, batch_size, shuffle=False, rng=None, weighted=False, steps=None):
        self.batches = batches
        self.n = n
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.rng = rng
        self.weighted = weighted
        starts = range(0, n, batch_size)
        self.starts = starts[:steps] if steps is not None else starts

    @property
    def steps(self) -> int:
        return len(self.starts)

    def _order(self):
        if self.shuffle == "batch":
            return batch_shuffle(self.rng, self.n, self.batch_size)
        return self.rng.permutation(self.n) if self.shuffle else None

    def epoch(self):
        self.batches.epoch(self._order())
        n, size = self.n, self.batch_size
        for start in self.starts:
            stop = min(start + size, n)
            yield Batch(self.batches.batch(start, stop), stop - start, self.weighted)

    def end_epoch(self) -> None:
        pass


def batch_shuffle(rng, n: int, batch_size: int) -> np.ndarray:
    """Shuffle whole batches, keeping the samples of each together (``shuffle='batch'``)."""
    full = n // batch_size
    blocks = np.arange(full * batch_size).reshape(full, batch_size)[rng.permutation(full)]
    return np.concatenate([blocks.ravel(), np.arange(full * batch_size, n)])


class SequenceFeed:
    """Epochs over a :class:`~kerasque.utils.data_utils.Sequence`, in order or shuffled.

    ``standardize(item)`` turns the Sequence's item into a :class:`Batch`.
    """

    def __init__(self, sequence, standardize, shuffle=False, rng=None, steps=None):
        self.sequence = sequence
        self.standardize = standardize
        self.shuffle = bool(shuffle)
        self.rng = rng
        length = len(sequence)
        if length < 1:
            raise ValueError(f"The Sequence {type(sequence).__name__} has no batches (len 0).")
        self.steps = min(steps, length) if steps is not None else length

    def epoch(self):
        length = len(self.sequence)
        order = self.rng.permutation(length) if self.shuffle else np.arange(length)
        for i in order[: self.steps]:
            yield self.standardize(self.sequence[int(i)])

    def end_epoch(self) -> None:
        self.sequence.on_epoch_end()


class GeneratorFeed:
    """``steps`` batches per epoch drawn from a Python generator or iterator."""

    def __init__(self, generator, standardize, steps, owner: str):
        if steps is None:
            raise ValueError(
                f"{owner}: a generator has no length, so pass the number of batches per epoch "
                "(steps_per_epoch= for fit, validation_steps= for its validation, steps= for "
                "evaluate and predict), or use a kerasque.utils.Sequence."
            )
        self.generator = generator
        self.standardize = standardize
        self.steps = steps
        self.owner = owner

    def epoch(self):
        for i in range(self.steps):
            try:
                item = next(self.generator)
            except StopIteration:
                raise ValueError(
                    f"{self.owner}: the generator stopped after {i} batch(es) of the "
                    f"{self.steps} asked for; make it loop forever (Keras's convention) or ask "
                    "for fewer steps."
                ) from None
            yield self.standardize(item)

    def end_epoch(self) -> None:
        pass
