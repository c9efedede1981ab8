"""``Sequence``: a dataset of batches that ``fit`` can index, as in Keras.

A :class:`Sequence` knows its length in batches and returns batch ``i``;
``fit`` visits every batch once per epoch (in a shuffled order with
``shuffle=True``, drawn from the model's shuffle generator, so a saved
model resumes with the same order) and calls :meth:`Sequence.on_epoch_end`
after each epoch.

Examples
--------
>>> import numpy as np
>>> from kerasque.utils.data_utils import Sequence
>>> class Batches(Sequence):
...     def __init__(self, x, y, batch_size):
...         self.x, self.y, self.batch_size = x, y, batch_size
...     def __len__(self):
...         return -(-len(self.x) // self.batch_size)
...     def __getitem__(self, i):
...         s = slice(i * self.batch_size, (i + 1) * self.batch_size)
...         return self.x[s], self.y[s]
>>> len(Batches(np.zeros((10, 2)), np.zeros(10), 4))
3
"""

from __future__ import annotations


class Sequence:
    """Base class for datasets of batches: implement ``__getitem__`` and ``__len__``.

    ``__getitem__(i)`` returns batch ``i`` as ``(x, y)`` or
    ``(x, y, sample_weight)`` (for ``predict``, ``x`` alone is accepted);
    ``__len__`` returns the number of batches in an epoch.
    """

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__(index).")

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} must implement __len__().")

    def on_epoch_end(self) -> None:
        """Called after every epoch; override to reshuffle or regenerate data."""

    def __iter__(self):
        """Every batch in order."""
        for i in range(len(self)):
            yield self[i]
