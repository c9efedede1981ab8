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
    return path.endswith((".keras", ".weights.h5"))


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
            native = (
                "layers" in f and "layer_names" not in f.attrs and "model_config" not in f.attrs
            )
    except OSError:
        return False
    return keras or (path.endswith(".weights.h5") and native)


def load_model(filepath, custom_objects=None, compile=True):
    from kerasque.saving import keras_archive, keras_h5

    path = os.fspath(filepath)
    if path.endswith(".keras"):
        return keras_archive.load_model(path, custom_objects, compile)
    return keras_h5.load_model(path, custom_objects, compile)


def load_weights(model, filepath, by_name: bool = False, skip_mismatch: bool = False) -> None:
    from kerasque.saving import keras_archive, keras_h5

    path = os.fspath(filepath)
    if path.endswith(".keras") or (path.endswith(".weights.h5") and _native(path)):
        return keras_archive.load_weights(model, path, by_name=by_name, skip_mismatch=skip_mismatch)
    return keras_h5.load_weights(model, path, by_name=by_name, skip_mismatch=skip_mismatch)


def save_model(model, filepath, include_optimizer: bool = True) -> None:
    """``.keras``: Keras 3's zip (weights-only ``.weights.h5`` is not written here)."""
    from kerasque.saving import keras_archive

    path = os.fspath(filepath)
    if path.endswith(".weights.h5"):
        raise ValueError(
            f"Cannot save a whole model to {path!r}: a name ending in .weights.h5 is for "
            "model.save_weights; use .keras or .h5 for model.save."
        )
    keras_archive.save_model(model, path, include_optimizer=include_optimizer)


def add_keras_view(f, config, train_config) -> None:
    """Keras's configs next to kerasque's in a file kerasque is writing."""
    from kerasque.saving import keras_export

    keras_export.add_keras_view(f, config, train_config)


def kerasque_attr(f, name: str) -> str:
    """Which attribute holds kerasque's own ``model_config`` / ``training_config``."""
    from kerasque.saving import keras_export

    return keras_export.kerasque_attr(f, name)


def _native(path: str) -> bool:
    with h5py.File(path, "r") as f:
        return "layers" in f and "layer_names" not in f.attrs
