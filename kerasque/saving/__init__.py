"""Saving and loading models: configs as data, and the HDF5 file.

- :func:`save_model` / :func:`load_model`: architecture, weights, compile
  settings, optimizer state and the random state that resumes training
  exactly (``model.save`` and ``kerasque.models.load_model`` call these).
- :func:`save_weights` / :func:`load_weights`: layer weights only.
- :func:`serialize_layer` / :func:`deserialize_layer`: ``{"class_name",
  "config"}`` dicts; wrapper layers call :func:`deserialize_layer` on the
  nested config in their ``from_config``.

Examples
--------
Save after ``k`` epochs, then, in another process, resume exactly where the
run stopped (same weights, optimizer slots, dropout masks and shuffle order
as an uninterrupted run)::

    model.fit(x, y, epochs=k)
    model.save("run.h5")

    from kerasque.models import load_model
    model = load_model("run.h5")          # compiled, optimizer state restored
    model.fit(x, y, initial_epoch=model.epoch, epochs=n)

From the shell, ``python -m kerasque summary run.h5`` prints what the file
holds.

Modules, one job each:

- :mod:`~kerasque.saving.hdf5`: the entry points above (open a file, build a model);
- :mod:`~kerasque.saving.h5_file`: atomic writes that respect the file system,
  checked opening for reading;
- :mod:`~kerasque.saving.h5_attrs`: attribute codecs (strings, lists, JSON);
- :mod:`~kerasque.saving.h5_guard`: what loading may read (no links out of the
  file, plain numeric datasets, shapes checked before data);
- :mod:`~kerasque.saving.weights`: layer weights, loaded all or nothing;
- :mod:`~kerasque.saving.state`: optimizer and training state;
- :mod:`~kerasque.saving.serialization`: configs as data, the class registry;
- :mod:`~kerasque.saving.summary`: what a file holds, for the command line.
"""

from kerasque.saving.hdf5 import load_model, load_weights, save_model, save_weights
from kerasque.saving.serialization import (
    custom_object_scope,
    deserialize_layer,
    layer_registry,
    serialize_layer,
)

__all__ = [
    "save_model",
    "load_model",
    "save_weights",
    "load_weights",
    "serialize_layer",
    "deserialize_layer",
    "custom_object_scope",
    "layer_registry",
]
