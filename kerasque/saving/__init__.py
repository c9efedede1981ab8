"""Saving and loading models: configs as data, and the HDF5 file.

- :func:`save_model` / :func:`load_model`: architecture, weights, compile
  settings, optimizer state and the random state that resumes training
  exactly (``model.save`` and ``kerasque.models.load_model`` call these).
- :func:`save_weights` / :func:`load_weights`: layer weights only.
- :func:`serialize_layer` / :func:`deserialize_layer`: ``{"class_name",
  "config"}`` dicts; wrapper layers call :func:`deserialize_layer` on the
  nested config in their ``from_config``.
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
