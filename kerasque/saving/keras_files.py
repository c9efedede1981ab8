"""Which reader or writer a path needs: kerasque's HDF5, Keras's HDF5, or Keras's zip.

:mod:`kerasque.saving.hdf5` asks :func:`handles` first and hands Keras's
files over; this module is the only place that knows the formats apart.

- ``*.keras`` (a zip: ``config.json``, ``metadata.json``,
  ``model.weights.h5``) and ``*.weights.h5``: :mod:`~kerasque.saving.keras_archive`;
- an HDF5 file with ``keras_version`` and no ``kerasque_version``:
  :mod:`~kerasque.saving.keras_h5`.
"""

from __future__ import annotations

import os

import h5py


def is_archive(path: str) -> bool:
    """A Keras 3 native path: ``.keras`` zip or ``.weights.h5`` weights."""
    return path.endswith(".keras") or path.endswith(".weights.h5")


def handles(filepath) -> bool:
    """True when ``filepath`` is one of Keras's files (not one kerasque wrote)."""
    path = os.fspath(filepath)
    if path.endswith(".keras"):
        return True
    if not os.path.isfile(path) or os.path.getsize(path) == 0:
        return False
    try:
        with h5py.File(path, "r") as f:
            keras = "keras_version" in f.attrs and "kerasque_version" not in f.attrs
            native = "layers" in f and "layer_names" not in f.attrs and "model_config" not in f.attrs
    except OSError:
        return False
    return keras or (path.endswith(".weights.h5") and native)


def load_model(filepath, custom_objects=None, compile=True):  # noqa: A002 - Keras's name
    from kerasque.saving import keras_archive, keras_h5

    path = os.fspath(filepath)
    if path.endswith(".keras"):
        return keras_archive.load_model(path, custom_objects, compile)
    return keras_h5.load_model(path, custom_objects, compile)


def load_weights(model, filepath, by_name: bool = False, skip_mismatch: bool = False) -> None:
    from kerasque.saving import keras_archive, keras_h5

    path = os.fspath(filepath)
    if path.endswith(".keras") or (path.endswith(".weights.h5") and _native(path)):
        return keras_archive.load_weights(model, path, by_name=by_name,
                                          skip_mismatch=skip_mismatch)
    return keras_h5.load_weights(model, path, by_name=by_name, skip_mismatch=skip_mismatch)


def _native(path: str) -> bool:
    with h5py.File(path, "r") as f:
        return "layers" in f and "layer_names" not in f.attrs
